#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""vm-run.py: boots the packaged kernel under QEMU with emulated USB and PCIe
hardware and runs guest scenarios in it; prints TAP, one line per scenario.

The host root is shared read-only over virtio-9p, so the guest runs the build
tree's ioregd, dbus-daemon and python3 as they are on the host. A small
initramfs (busybox-static, made here) loads the 9p modules and switches to it.
The guest (guest.py) asks this process for hardware changes over a second
serial port (one JSON object a line): QMP commands, the FTDI chardev plugged
or unplugged, and scenario results. The console (ttyS0) goes to a log file.

Exit status: 0 all scenarios passed, 1 one failed, 77 no QEMU or no kernel.
"""

import argparse
import base64
import gzip
import json
import os
import re
import select
import shutil
import socket
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
QEMU = "qemu-system-x86_64"
BUSYBOX = "/bin/busybox"
# What the initramfs loads before it can mount the host root (with their dependencies).
INITRAMFS_MODULES = ["virtio_pci", "9pnet_virtio", "9p"]


def skip(reason):
    print("1..0 # SKIP " + reason)
    sys.exit(77)


def find_kernel():
    """The newest /boot/vmlinuz-V with /lib/modules/V, or $IOREG_VM_KERNEL (a version)."""
    want = os.environ.get("IOREG_VM_KERNEL")
    versions = [want] if want else sorted(os.listdir("/lib/modules"), key=_version_key, reverse=True)
    for v in versions:
        image = "/boot/vmlinuz-" + v
        if os.access(image, os.R_OK) and os.path.isfile(f"/lib/modules/{v}/modules.dep"):
            return v, image
    return None, None


def _version_key(v):
    return [int(x) if x.isdigit() else x for x in re.split(r"[.-]", v)]


# ---------------------------------------------------------------- initramfs

def module_order(kver, names):
    """Module files of names and their dependencies, each after what it needs."""
    deps, by_name = {}, {}
    with open(f"/lib/modules/{kver}/modules.dep") as f:
        for line in f:
            path, _, rest = line.partition(":")
            deps[path] = rest.split()
            base = os.path.basename(path).split(".ko")[0].replace("-", "_")
            by_name[base] = path
    order = []

    def visit(path):
        if path in order:
            return
        for d in deps.get(path, []):
            visit(d)
        order.append(path)

    for n in names:
        if n in by_name:
            visit(by_name[n])
        # else: built into this kernel
    return order


def cpio_newc(entries):
    """entries: (name, mode, data or link target); returns the archive bytes."""
    out = bytearray()
    for ino, (name, mode, data) in enumerate(entries + [("TRAILER!!!", 0, b"")], start=1):
        nameb = name.encode() + b"\0"
        hdr = "070701" + "".join("%08x" % v for v in (
            ino, mode, 0, 0, 1, 0, len(data), 0, 0, 0, 0, len(nameb), 0))
        out += hdr.encode() + nameb
        out += b"\0" * (-len(out) % 4)
        out += data
        out += b"\0" * (-len(out) % 4)
    return bytes(out)


def make_initramfs(path, kver):
    mods = module_order(kver, INITRAMFS_MODULES)
    entries = [(d, 0o40755, b"") for d in ("bin", "dev", "proc", "sys", "newroot", "lib")]
    with open(BUSYBOX, "rb") as f:
        entries.append(("bin/busybox", 0o100755, f.read()))
    for m in mods:
        with open(f"/lib/modules/{kver}/{m}", "rb") as f:
            data = f.read()
        if m.endswith(".xz") or m.endswith(".zst") or m.endswith(".gz"):
            raise SystemExit(f"compressed module {m}: the initramfs loads plain .ko files only")
        entries.append(("lib/" + os.path.basename(m), 0o100644, data))
    entries.append(("modules", 0o100644, "".join(os.path.basename(m) + "\n" for m in mods).encode()))
    with open(os.path.join(HERE, "initramfs-init.sh"), "rb") as f:
        entries.append(("init", 0o100755, f.read()))
    tmp = f"{path}.{os.getpid()}.tmp"  # the boots of one suite start together and may both build it
    with open(tmp, "wb") as f:
        f.write(gzip.compress(cpio_newc(entries), 1))
    os.replace(tmp, path)


def make_disk(path, mib=16):
    """A raw disk with an MBR and one Linux partition from 1 MiB to the end."""
    size = mib << 20
    with open(path, "wb") as f:
        f.truncate(size)
        mbr = bytearray(512)
        start, count = 2048, (size >> 9) - 2048
        entry = bytes([0, 0xFE, 0xFF, 0xFF, 0x83, 0xFE, 0xFF, 0xFF]) + start.to_bytes(4, "little") + \
            count.to_bytes(4, "little")
        mbr[446:462] = entry
        mbr[440:444] = (0x10c7e22).to_bytes(4, "little")  # disk signature
        mbr[510:512] = b"\x55\xaa"
        f.seek(0)
        f.write(mbr)


# ---------------------------------------------------------------- QMP

class Qmp:
    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(path)
        self.buf = b""
        self.events = []
        self._read()  # greeting
        self.command("qmp_capabilities")

    def _read(self, timeout=60):
        deadline = time.monotonic() + timeout
        while b"\n" not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self.sock], [], [], left)[0]:
                raise TimeoutError("QMP: no answer")
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError("QMP closed")
            self.buf += chunk
        line, _, self.buf = self.buf.partition(b"\n")
        return json.loads(line)

    def command(self, execute, **arguments):
        self.sock.sendall(json.dumps({"execute": execute, "arguments": arguments}).encode() + b"\n")
        while True:
            msg = self._read()
            if "event" in msg:
                self.events.append(msg)
            else:
                return msg

    def wait_event(self, name, device, timeout=30):
        deadline = time.monotonic() + timeout
        while True:
            for i, e in enumerate(self.events):
                if e["event"] == name and e.get("data", {}).get("device") == device:
                    del self.events[i]
                    return True
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            try:
                msg = self._read(left)
            except TimeoutError:
                return False
            if "event" in msg:
                self.events.append(msg)


# ---------------------------------------------------------------- the machine

def kvm_usable(state_dir, kernel, initrd):
    """KVM opens on some machines and then hangs (nested): a short probe boot decides, once per build
    (a working KVM boots the probe in a second or two; TCG needs no probe)."""
    if os.environ.get("IOREG_VM_ACCEL") in ("tcg", "kvm"):
        return os.environ["IOREG_VM_ACCEL"] == "kvm"
    try:
        os.close(os.open("/dev/kvm", os.O_RDWR | os.O_CLOEXEC))
    except OSError:
        return False
    cache = os.path.join(state_dir, "kvm-probe")
    if os.path.exists(cache):
        with open(cache) as f:
            return f.read().strip() == "yes"
    try:
        out = subprocess.run([QEMU, "-accel", "kvm", "-machine", "q35", "-m", "256", "-nographic",
                              "-no-reboot", "-kernel", kernel, "-initrd", initrd, "-append",
                              "console=ttyS0 panic=-1 quiet ioreg_vm_probe=1"],
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=6).stdout
        ok = b"IOREG-VM-PROBE-OK" in out
    except subprocess.TimeoutExpired:
        ok = False
    with open(f"{cache}.{os.getpid()}", "w") as f:
        f.write("yes\n" if ok else "no\n")
    os.replace(f"{cache}.{os.getpid()}", cache)
    return ok


class Machine:
    def __init__(self, args, kver, kernel, initrd, work):
        self.args, self.work = args, work
        self.qmp_path = os.path.join(work, "qmp.sock")
        self.ctl_path = os.path.join(work, "ctl.sock")
        self.ftdi_path = os.path.join(work, "ftdi.sock")
        self.console = os.path.join(work, "console.log")
        self.ftdi = None
        disk = os.path.join(work, "stick.img")
        make_disk(disk)
        accel = "kvm" if kvm_usable(args.state_dir, kernel, initrd) else "tcg"
        self.accel = accel
        scenarios = ",".join(args.scenario)
        # usb-storage waits a second before scanning a stick by default: not needed here.
        append = (f"console=ttyS0 panic=-1 loglevel=4 usb-storage.delay_use=0 ioreg_vm_build={args.build} ioreg_vm_src={args.src} "
                  f"ioreg_vm_mode={args.mode} ioreg_vm_scenarios={scenarios} ioreg_vm_cycles={args.cycles}")
        if os.environ.get("IOREG_VM_TIMING"):
            append += " ioreg_vm_timing=1"
        cmd = [QEMU, "-accel", accel, "-machine", "q35", "-m", "1024", "-smp", "1",
               "-display", "none", "-no-reboot", "-no-user-config", "-nodefaults",
               "-kernel", kernel, "-initrd", initrd, "-append", append,
               "-qmp", f"unix:{self.qmp_path},server=on,wait=off",
               "-chardev", f"file,id=con,path={self.console}", "-serial", "chardev:con",
               "-chardev", f"socket,id=ctl,path={self.ctl_path},server=on,wait=off", "-serial", "chardev:ctl",
               "-fsdev", "local,path=/,readonly=on,multidevs=remap,security_model=none,id=root",
               "-device", "virtio-9p-pci,fsdev=root,mount_tag=root",
               # The source and build trees again, on their own: the guest's /tmp is a tmpfs, and
               # a checkout there (CI's, say) would be hidden under it (initramfs-init.sh).
               "-fsdev", f"local,path={args.src},readonly=on,multidevs=remap,security_model=none,id=src",
               "-device", "virtio-9p-pci,fsdev=src,mount_tag=src",
               "-fsdev", f"local,path={args.build},readonly=on,multidevs=remap,security_model=none,id=build",
               "-device", "virtio-9p-pci,fsdev=build,mount_tag=build",
               "-netdev", "hubport,id=usbnet0,hubid=0", "-netdev", "hubport,id=nic0,hubid=1",
               "-device", "pcie-root-port,id=rp1,chassis=1,slot=1",
               "-drive", "if=none,id=cd,media=cdrom", "-device", "ide-cd,bus=ide.1,drive=cd,id=sata-cd",
               "-device", "qemu-xhci,id=xhci,p2=8,p3=8",
               "-device", "usb-kbd,bus=xhci.0,id=kbd",
               # A -blockdev node outlives device_del (a -drive would go with the device): replugs reuse it.
               "-blockdev", f"driver=raw,node-name=stick,file.driver=file,file.filename={disk}",
               "-device", "usb-storage,bus=xhci.0,drive=stick,id=storage",
               "-chardev", f"socket,id=ftdi,path={self.ftdi_path},server=on,wait=off",
               "-device", "usb-serial,bus=xhci.0,chardev=ftdi,id=ftdi",
               "-device", "usb-net,bus=xhci.0,netdev=usbnet0,id=usbnet"]
        if accel == "kvm":
            cmd += ["-cpu", "max"]
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT)
        self.qmp = Qmp(self._wait_socket(self.qmp_path))
        self.ctl = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.ctl.connect(self._wait_socket(self.ctl_path))
        self.plug_ftdi(True)  # present at boot: coldplug sees it

    def _wait_socket(self, path):
        for _ in range(200):
            if os.path.exists(path):
                return path
            if self.proc.poll() is not None:
                raise SystemExit("QEMU exited: " + self.proc.stdout.read().decode(errors="replace"))
            time.sleep(0.05)
        raise SystemExit("QEMU did not open " + path)

    def plug_ftdi(self, on):
        """QEMU's usb-serial is attached while its chardev has a peer."""
        if on and not self.ftdi:
            self.ftdi = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self.ftdi.connect(self.ftdi_path)
        elif not on and self.ftdi:
            self.ftdi.close()
            self.ftdi = None
        return {"return": {}}

    def read_ftdi(self, size, timeout, quiet=False):
        """What the guest sent to the adapter's chardev: size bytes, or fewer after timeout seconds
        (quiet: timeout counts from the last byte)."""
        data = bytearray()
        deadline = time.monotonic() + timeout
        while len(data) < size:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self.ftdi], [], [], left)[0]:
                break
            chunk = self.ftdi.recv(min(65536, size - len(data)))
            if not chunk:
                break
            data += chunk
            if quiet:
                deadline = time.monotonic() + timeout
        return bytes(data)

    def handle(self, req):
        cmd = req.get("cmd")
        if cmd == "qmp":
            reply = self.qmp.command(req["execute"], **req.get("arguments", {}))
            if req["execute"] == "device_del" and "return" in reply:
                # Synchronous for the guest: the id is free again when we answer.
                if not self.qmp.wait_event("DEVICE_DELETED", req["arguments"]["id"]):
                    return {"error": {"desc": "no DEVICE_DELETED for " + req["arguments"]["id"]}}
            return reply
        if cmd == "ftdi":
            return self.plug_ftdi(req["plug"])
        if cmd == "ftdi-write":
            if not self.ftdi:
                return {"error": {"desc": "ftdi unplugged"}}
            self.ftdi.sendall(base64.b64decode(req["data64"]) if "data64" in req else req["data"].encode())
            return {"return": {}}
        if cmd == "ftdi-read":
            if not self.ftdi:
                return {"error": {"desc": "ftdi unplugged"}}
            return {"return": {"data64": base64.b64encode(self.read_ftdi(req["size"], req.get("timeout", 10))).decode()}}
        if cmd == "ftdi-sink":  # the benchmark: counts what arrives, from the request to the last byte
            if not self.ftdi:
                return {"error": {"desc": "ftdi unplugged"}}
            t0, got = time.monotonic(), 0
            while got < req["size"] and select.select([self.ftdi], [], [], req.get("timeout", 60))[0]:
                chunk = self.ftdi.recv(65536)
                if not chunk:
                    break
                got += len(chunk)
            return {"return": {"size": got, "seconds": time.monotonic() - t0}}
        if cmd == "ftdi-source":  # the benchmark: size bytes into the chardev, as fast as QEMU takes them
            if not self.ftdi:
                return {"error": {"desc": "ftdi unplugged"}}
            # Bounded: a guest that stopped reading the adapter must not hang the rig.
            self.ftdi.settimeout(req.get("timeout", 60))
            try:
                self.ftdi.sendall(bytes(range(256)) * (req["size"] // 256) + bytes(req["size"] % 256))
            except socket.timeout:
                return {"error": {"desc": "ftdi-source: the chardev took no more for %d s" % req.get("timeout", 60)}}
            finally:
                self.ftdi.settimeout(None)
            return {"return": {}}
        if cmd == "ftdi-drain":
            if not self.ftdi:
                return {"error": {"desc": "ftdi unplugged"}}
            return {"return": {"size": len(self.read_ftdi(1 << 30, req.get("quiet", 0.3), quiet=True))}}
        return {"error": {"desc": "unknown command " + str(cmd)}}

    def close(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()


def run(args):
    kver, kernel = find_kernel()
    if not shutil.which(QEMU):
        skip(f"{QEMU} not installed (Debian: qemu-system-x86)")
    if not kernel:
        skip("no kernel image in /boot with its modules (Debian: linux-image-amd64)")
    if not os.access(BUSYBOX, os.X_OK):
        skip(f"{BUSYBOX} missing (Debian: busybox-static)")
    os.makedirs(args.state_dir, exist_ok=True)
    initrd = os.path.join(args.state_dir, f"initramfs-{kver}.cpio.gz")
    init_src = os.path.join(HERE, "initramfs-init.sh")
    if not os.path.exists(initrd) or os.path.getmtime(initrd) < os.path.getmtime(init_src):
        make_initramfs(initrd, kver)
    work = os.path.join(args.state_dir, f"run-{args.mode}-{args.scenario[0]}")  # boots run side by side
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    started = time.monotonic()
    m = Machine(args, kver, kernel, initrd, work)
    print(f"# kernel {kver}, accel {m.accel}, scenarios {','.join(args.scenario)}, work {work}", flush=True)
    results, buf, done = {}, b"", False
    deadline = started + args.timeout
    try:
        while not done and time.monotonic() < deadline:
            if not select.select([m.ctl], [], [], 1)[0]:
                if m.proc.poll() is not None:
                    break
                continue
            chunk = m.ctl.recv(65536)
            if not chunk:
                break
            buf += chunk
            while b"\n" in buf:
                line, _, buf = buf.partition(b"\n")
                line = line.strip(b"\r\0 ")
                if not line.startswith(b"{"):
                    continue
                req = json.loads(line)
                if req.get("cmd") == "result":
                    results[req["name"]] = req
                    n = len(results)
                    status = "ok" if req["ok"] else "not ok"
                    print(f"{status} {n} - {req['name']} ({req.get('seconds', 0):.1f} s)", flush=True)
                    for d in req.get("detail", "").splitlines():
                        print("#   " + d, flush=True)
                    continue
                if req.get("cmd") == "log":
                    print("# " + req["text"], flush=True)
                    continue
                if req.get("cmd") == "done":
                    done = True
                    break
                reply = m.handle(req)
                m.ctl.sendall(json.dumps(reply).encode() + b"\n")
    finally:
        m.close()
    failed = not done
    for name in args.scenario:
        if name not in results:
            results[name] = None
            print(f"not ok {len(results)} - {name} (no result: the guest stopped or timed out)")
            failed = True
        elif not results[name]["ok"]:
            failed = True
    print(f"1..{len(results)}")
    print(f"# boot and scenarios: {time.monotonic() - started:.1f} s wall time")
    if failed:
        with open(m.console, errors="replace") as f:
            tail = f.read()[-20000:]
        print("# --- guest console (last part):")
        for line in tail.splitlines():
            print("# " + line)
    return 1 if failed else 0


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--build", required=True, help="the meson build directory")
    p.add_argument("--src", default=os.path.dirname(os.path.dirname(HERE)), help="the source root")
    p.add_argument("--mode", choices=("kernel", "udev"), default="kernel",
                   help="kernel: no udevd in the guest; udev: systemd-udevd runs")
    p.add_argument("--scenario", action="append", required=True, help="a scenario of guest.py (repeatable)")
    p.add_argument("--cycles", type=int, default=20, help="hotplug cycles")
    p.add_argument("--timeout", type=int, default=600, help="seconds for the whole boot")
    p.add_argument("--state-dir", help="where the initramfs and run logs go (default BUILD/tests/vm)")
    args = p.parse_args()
    args.build = os.path.abspath(args.build)
    args.src = os.path.abspath(args.src)
    args.state_dir = os.path.abspath(args.state_dir or os.path.join(args.build, "tests", "vm"))
    sys.exit(run(args))


if __name__ == "__main__":
    main()
