# SPDX-License-Identifier: LGPL-2.1-or-later
"""Scenario ftdi, a user-space driver that moves bytes (examples/driver-ftdi): QEMU's usb-serial is
an FTDI FT232 whose chardev the host holds. First the engine alone (root, the standalone mode: it
opens the usbfs node itself): bytes both ways. Then a daemon of its own with the FTDI personality
(--personalities, never the rig's daemon: the other scenarios want ftdi_sio bound): ftdi_sio is
detached, the server runs as nobody and cannot open other device nodes (EACCES from its Start),
publishes its pty as an IOSerialBSDClient nub, and moves a few KiB each way between that pty and
the chardev, compared; a line coding set on the pty reaches the chip; unplugging the adapter stops
the server and the nub goes; changing the personality (reload) gives the adapter back to ftdi_sio
and the new one takes it from there once its bind uevent is in; removing the personality (reload)
gives the adapter back to ftdi_sio; a server that crashes after each Start reaches its crash loop and
the adapter goes back to ftdi_sio."""

import glob
import json
import os
import select
import signal
import subprocess
import tempfile
import termios
import time
import tty

from vmguest import checks, devices, system

PERSONALITY = "org.ioreg.driver-ftdi.json"
SIZE = 4096


def usbfs_node(syspath):
    return "/dev/bus/usb/%03d/%03d" % (int(system.read(syspath + "/busnum")), int(system.read(syspath + "/devnum")))


def interface_driver():
    """The driver bound to the adapter's interface 0 (None: none; no adapter: '-')."""
    dev = devices.usb_path("ftdi")
    if not dev:
        return "-"
    link = dev + "/" + os.path.basename(dev) + ":1.0/driver"
    return os.path.basename(os.readlink(link)) if os.path.islink(link) else None


def open_port(path):
    fd = os.open(path, os.O_RDWR | os.O_NOCTTY)
    tty.setraw(fd)
    return fd


def read_exactly(fd, size, timeout=30):
    """size bytes from fd, or fewer after timeout seconds (a pty holds 4 KiB: the reader keeps up)."""
    data = bytearray()
    deadline = time.monotonic() + timeout
    while len(data) < size:
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([fd], [], [], left)[0]:
            break
        data += os.read(fd, size - len(data))
    return bytes(data)


def both_ways(ctx, port, what):
    """SIZE random bytes chardev → port and port → chardev; problems."""
    problems = []
    ctx.host.ftdi_drain()
    fd = open_port(port)
    try:
        down = os.urandom(SIZE)
        ctx.host.ftdi_write(down)
        got = read_exactly(fd, SIZE)
        if got != down:
            problems.append(f"{what}: chardev → {port}: {len(got)} of {SIZE} bytes, "
                            f"{'equal' if got == down[:len(got)] else 'different'}")
        up = os.urandom(SIZE)
        os.write(fd, up)
        got = ctx.host.ftdi_read(SIZE, 30)
        if got != up:
            problems.append(f"{what}: {port} → chardev: {len(got)} of {SIZE} bytes, "
                            f"{'equal' if got == up[:len(got)] else 'different'}")
    finally:
        os.close(fd)
    return problems


def standalone(ctx):
    """The engine without ioregd, as root on the usbfs node: bytes both ways, ftdi_sio back after."""
    problems = []
    node = usbfs_node(devices.usb_path("ftdi"))
    proc = subprocess.Popen([ctx.build + "/examples/driver-ftdi/ioreg-driver-ftdi", "--device", node],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    port, said = None, ""
    for line in proc.stdout:
        said += line
        if line.startswith("pty "):
            port = line.split()[1]
            break
    if not port:
        out = proc.stdout.read()
        proc.wait()
        return [f"standalone: no pty (exit {proc.returncode}): {said}{out}"]
    if interface_driver() == "ftdi_sio":
        problems.append("standalone: ftdi_sio still bound")
    problems += both_ways(ctx, port, "standalone")
    proc.send_signal(signal.SIGTERM)
    proc.wait(10)
    if not system.wait_until(lambda: interface_driver() == "ftdi_sio", 10):
        problems.append(f"standalone: after it, the interface's driver is {interface_driver()}, not ftdi_sio")
    return problems


def server_pids():
    out = []
    for d in glob.glob("/proc/[0-9]*"):
        try:
            with open(d + "/cmdline", "rb") as f:
                argv0 = f.read().split(b"\0")[0]
        except OSError:
            continue
        if argv0.endswith(b"/ioreg-driver-ftdi"):
            out.append(int(os.path.basename(d)))
    return out


def uid_of(pid):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("Uid:"):
            return int(line.split()[1])
    return None


def unprivileged(uid):
    """A driver server's user (daemon/drivers/driver-user.h: 61184-65519), or nobody."""
    return uid is not None and (uid == 65534 or 61184 <= uid <= 65519)


def write_personality(ctx, folder, env):
    with open(os.path.join(ctx.src, "personalities", PERSONALITY)) as f:
        doc = json.load(f)
    for p in doc["IOKitPersonalities"].values():
        p["IOUserServerExecutable"] = ctx.build + "/examples/driver-ftdi/ioreg-driver-ftdi"
        p["IOUserServerEnvironment"] = env
    with open(os.path.join(folder, PERSONALITY), "w") as f:
        json.dump(doc, f)


def reload(daemon):
    daemon.proc.send_signal(signal.SIGHUP)
    time.sleep(0.5)
    daemon.wait_quiet()


def driver_and_nub(daemon):
    """The FTDI driver entry and its serial nub, each or None."""
    reg = daemon.registry()
    drv = next(iter(reg.find("IORegFTDISerialDriver")), None)
    nub = next((c for c in reg.children(drv) if c["class"] == "IOSerialBSDClient"), None) if drv else None
    return reg, drv, nub


def with_daemon(ctx, daemon, folder):
    problems = []
    node = usbfs_node(devices.usb_path("ftdi"))
    found = system.wait_until(lambda: (lambda r: r[2] and r)(driver_and_nub(daemon)), 30)
    if not found:
        return ["no IORegFTDISerialDriver with an IOSerialBSDClient nub; the interface's driver is "
                f"{interface_driver()}"]
    reg, drv, nub = found
    props, nprops = reg.props(drv), reg.props(nub)
    port = nprops.get("IOCalloutDevice", "")
    # ftdi_sio detached, the interface claimed through usbfs for the server.
    if interface_driver() == "ftdi_sio" or os.path.exists("/dev/ttyUSB0"):
        problems.append(f"server started but the interface's driver is {interface_driver()}")
    if reg.props(reg.parent(drv)).get("bInterfaceNumber") != 0:
        problems.append(f"the driver is not below interface 0: {reg.parent(drv)['class']}")
    want = {"IODialinDevice": port, "IOSerialBSDClientType": "IORS232SerialStream"}
    if not port.startswith("/dev/pts/") or any(nprops.get(k) != v for k, v in want.items()) or \
            nprops.get("IOTTYDevice") != nprops.get("IOTTYBaseName", "") + nprops.get("IOTTYSuffix", "?"):
        problems.append(f"nub properties: {nprops}")
    # The server: unprivileged (a user of its own in systemd's dynamic range, or nobody), and nothing but its fd.
    pids = server_pids()
    if len(pids) != 1 or not unprivileged(uid_of(pids[0])):
        problems.append(f"servers {pids}, uids {[uid_of(p) for p in pids]} (want one, unprivileged)")
    tried = props.get("IORegFTDITryOpen", {})
    if tried != {"/dev/ttyS0": "EACCES", node: "EACCES"}:
        problems.append(f"the server's opens of other nodes: {tried} (want EACCES for /dev/ttyS0 and {node})")
    problems += both_ways(ctx, port, "server")
    # A line coding set on the pty reaches the chip: speed, stop bits, flow control (a Linux pty keeps
    # CS8 without parity whatever it is told: pty_set_termios).
    fd = os.open(port, os.O_RDWR | os.O_NOCTTY)
    t = termios.tcgetattr(fd)
    t[4] = t[5] = termios.B57600
    t[2] |= termios.CSTOPB | termios.CRTSCTS
    termios.tcsetattr(fd, termios.TCSANOW, t)
    coding = system.wait_until(lambda: (lambda c: c if c == "57600 8N2 rtscts" else None)(
        reg_prop(daemon, "IORegFTDILineCoding")), 10)
    if not coding:
        problems.append(f"line coding after tcsetattr 57600 cstopb crtscts: {reg_prop(daemon, 'IORegFTDILineCoding')}")
    os.close(fd)
    return problems


def reg_prop(daemon, key):
    reg = daemon.registry()
    drv = next(iter(reg.find("IORegFTDISerialDriver")), None)
    return reg.props(drv).get(key) if drv else None


def changed(ctx, daemon, folder):
    """A reload that changes the replacing personality (its environment): the old server stops, ftdi_sio
    is bound again and its entry back (the bind uevent), and only then the new personality is matched:
    it takes the adapter from ftdi_sio again, as the first did, and moves bytes."""
    problems = []
    old = server_pids()
    mark = len(daemon.log_text())
    write_personality(ctx, folder, {"IOREG_FTDI_TRY_OPEN": "/dev/ttyS0"})
    reload(daemon)

    def new_driver():
        reg, drv, nub = driver_and_nub(daemon)
        pids = server_pids()
        if not nub or not pids or set(pids) & set(old):
            return None
        return (reg, drv, nub) if reg.props(drv).get("IORegFTDITryOpen") == {"/dev/ttyS0": "EACCES"} else None

    found = system.wait_until(new_driver, 30)
    log = daemon.log_text()[mark:]
    bound, detached = log.find("Bound kernel driver ftdi_sio"), log.find("Detached kernel driver ftdi_sio")
    if not found:
        reg, drv, nub = driver_and_nub(daemon)
        return [f"changed personality: no new driver and nub (servers {server_pids()}, were {old}; driver "
                f"{reg.props(drv) if drv else None}; the interface's driver is {interface_driver()}); log:\n{log[-3000:]}"]
    if not 0 <= bound < detached:
        problems.append(f"changed personality: ftdi_sio not bound again before the new driver took it; log:\n{log[-3000:]}")
    problems += both_ways(ctx, found[2] and found[0].props(found[2])["IOCalloutDevice"], "changed personality")
    return problems


def removal(ctx, daemon):
    problems = []
    pids = server_pids()
    devices.unplug(ctx.host, "ftdi")
    ctx.settle()
    if not system.wait_until(lambda: not any(os.path.exists(f"/proc/{p}") for p in pids), 15):
        problems.append(f"unplugged: the server {pids} still runs")
    reg = daemon.registry()
    if reg.find("IORegFTDISerialDriver") or any(
            reg.props(e).get("IOCalloutDevice", "").startswith("/dev/pts/") for e in reg.find("IOSerialBSDClient")):
        problems.append("unplugged: the driver or its serial nub is still in the registry")
    devices.plug(ctx.host, "ftdi")
    ctx.settle()
    return problems


def crash_looped(daemon):
    """Whether the adapter's interface says its server crash-looped (5 crashes in a minute)."""
    reg = daemon.registry(props=True)
    return any(reg.props(e).get("IOUserServerCrashLoop") == "org.ioreg.driver.ftdi"
               for e in reg.find("IOUSBHostInterface"))


def give_back(ctx, daemon, what):
    """Waits for ftdi_sio on the adapter again, with /dev/ttyUSB0; problems."""
    if not system.wait_until(lambda: interface_driver() == "ftdi_sio" and os.path.exists("/dev/ttyUSB0"), 40):
        return [f"{what}: the interface's driver is {interface_driver()}, "
                f"/dev/ttyUSB0 {'is' if os.path.exists('/dev/ttyUSB0') else 'is not'} there"]
    return []


def run(ctx):
    problems = standalone(ctx)
    folder = tempfile.mkdtemp(prefix="ftdi-personalities-")
    node = usbfs_node(devices.usb_path("ftdi"))
    write_personality(ctx, folder, {"IOREG_FTDI_TRY_OPEN": "/dev/ttyS0:" + node})
    daemon = ctx.start_daemon(name="ioregd-ftdi", args=["--personalities=" + folder])
    try:
        problems += with_daemon(ctx, daemon, folder)
        problems += changed(ctx, daemon, folder)
        problems += removal(ctx, daemon)
        # Plugged again with the personality still there: the server takes it again.
        if not system.wait_until(lambda: driver_and_nub(daemon)[2], 30):
            problems.append("replugged: no driver and nub again")
        os.unlink(os.path.join(folder, PERSONALITY))
        reload(daemon)
        problems += give_back(ctx, daemon, "personality removed")
        # Handed back working: ftdi_sio's tty moves bytes.
        if interface_driver() == "ftdi_sio":
            problems += both_ways(ctx, "/dev/ttyUSB0", "ftdi_sio after the personality's removal")
        if server_pids():
            problems.append(f"personality removed: servers {server_pids()} still run")
        # A server that crashes after each Start: its crash loop gives the adapter back.
        write_personality(ctx, folder, {"IOREG_FTDI_CRASH_AFTER_START": "1"})
        reload(daemon)
        if not system.wait_until(lambda: crash_looped(daemon), 60):
            problems.append("crash loop: no interface with IOUserServerCrashLoop")
        problems += give_back(ctx, daemon, "crash loop")
        # No bytes through ftdi_sio here: a process killed with bulk IN transfers in flight leaves
        # QEMU's usb-serial IN dead for the next user, ioregd or not (README.md, "What the rig found").
        os.unlink(os.path.join(folder, PERSONALITY))
        reload(daemon)
    finally:
        if not daemon.alive():
            problems.append("ioregd-ftdi died; its log:\n" + daemon.log_text()[-3000:])
        if problems:
            print("--- ioregd-ftdi log tail:\n" + daemon.log_text()[-6000:], flush=True)
        daemon.stop()
    problems += give_back(ctx, daemon, "at the end")
    reg, p = checks.registry_settled(ctx)
    return problems + [f"rig daemon after: {x}" for x in p]
