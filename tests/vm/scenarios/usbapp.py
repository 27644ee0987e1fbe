# SPDX-License-Identifier: LGPL-2.1-or-later
"""Scenario usbapp, user-space USB for applications (issue 19): examples/usb-app, the book's chapter 16
flow through libioreg's IOUSBLib plug-ins, on QEMU's devices.
- The keyboard's and the stick's descriptors, read before any open, equal sysfs and `lsusb -v`.
- The FTDI adapter's interface: refused (kIOReturnExclusiveAccess) while ftdi_sio holds it; seized,
  ftdi_sio is detached; a second application is refused; FTDI vendor requests through DeviceRequest;
  1 KiB each way through the bulk pipes to and from QEMU's chardev, compared; after quit no fd is
  left in the application or the daemon, and ftdi_sio has /dev/ttyUSB0 again.
- A daemon of its own with the FTDI driver's personality (examples/driver-ftdi): while its server
  holds the interface, an application is refused (kIOReturnExclusiveAccess), seize or not.
- The keyboard unplugged under a pending ReadPipeAsync: the callback gets an error, nothing leaks.
- examples/libusb-darwin-port (libusb's macOS enumeration and hotplug, ported to libioreg) lists the
  devices `lsusb` lists (bus, address, IDs) on the ports `lsusb -t` shows, and sees the stick leave
  and come back (a new sessionID)."""

import os
import re
import select
import subprocess
import tempfile
import time

from vmguest import devices, system

FTDI, KBD, STORAGE = (0x0403, 0x6001), (0x0627, 0x0001), (0x46f4, 0x0001)
EXCLUSIVE, NO_DEVICE = "e00002c5", "e00002c0"


class App:
    """examples/usb-app, talked to one line at a time."""

    def __init__(self, ctx, ids, *args, daemon=None):
        self.proc = subprocess.Popen([ctx.build + "/examples/usb-app", "%04x" % ids[0], "%04x" % ids[1], *args],
                                     env=(daemon or ctx.daemon).env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT)
        self.buf, self.lines = b"", []

    def until(self, prefixes, timeout=30):
        """The first line (from now) that starts with one of prefixes, or None at the timeout or the end."""
        deadline = time.monotonic() + timeout
        while True:
            while b"\n" in self.buf:
                line, _, self.buf = self.buf.partition(b"\n")
                line = line.decode(errors="replace")
                self.lines.append(line)
                if line.startswith(tuple(prefixes)):
                    return line
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self.proc.stdout], [], [], left)[0]:
                return None
            chunk = os.read(self.proc.stdout.fileno(), 65536)
            if not chunk:
                return None
            self.buf += chunk

    def send(self, line, answer, timeout=30):
        self.proc.stdin.write((line + "\n").encode())
        self.proc.stdin.flush()
        return self.until([answer], timeout)

    def field(self, prefix):
        return [line for line in self.lines if line.startswith(prefix)]

    def finish(self, timeout=30):
        """quit (when it still runs); the exit status and the "fds BEFORE AFTER" numbers."""
        if self.proc.poll() is None:
            try:
                self.proc.stdin.write(b"quit\n")
                self.proc.stdin.flush()
            except BrokenPipeError:
                pass
        self.until(["fds "], timeout)
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        fds = self.field("fds ")
        return self.proc.returncode, tuple(int(x) for x in fds[-1].split()[1:]) if fds else None


def lsusb_fields(ids):
    """(idVendor, idProduct, bcdDevice, wTotalLength, bNumInterfaces, endpoint addresses) from lsusb -v."""
    out = subprocess.run(["lsusb", "-v", "-d", "%04x:%04x" % ids], stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL, text=True, timeout=30).stdout

    def first(key):
        m = re.search(r"^\s*" + key + r"\s+(\S+)", out, re.M)
        return m.group(1) if m else None

    bcd = first("bcdDevice")
    return (int(first("idVendor"), 16), int(first("idProduct"), 16),
            int(bcd.replace(".", ""), 16) if bcd else None, int(first("wTotalLength"), 16),
            int(first("bNumInterfaces")),
            sorted(int(m, 16) for m in re.findall(r"bEndpointAddress\s+(0x[0-9a-f]+)", out)))


def endpoints_of(config):
    """Endpoint addresses in a configuration descriptor."""
    out, i = [], 0
    while i + 2 <= len(config) and config[i] >= 2:
        if config[i + 1] == 5:
            out.append(config[i + 2])
        i += config[i]
    return sorted(out)


def check_descriptors(ctx, name, ids):
    problems = []
    path = devices.usb_path(name)
    if not path:
        return [f"{name}: not in sysfs"]
    app = App(ctx, ids, "--interface-only", "--interface", "255")  # no interface 255: ends after the listing
    status, _ = app.finish()
    dev = app.field("device ")
    conf = app.field("config0 ")
    if status != 2 or not dev or not conf or not app.field("error no-interface"):
        return [f"{name}: usb-app said {app.lines[-12:]} (status {status})"]
    sysfs = open(path + "/descriptors", "rb").read()
    config = bytes.fromhex(conf[0].split()[1])
    if config != sysfs[18:18 + len(config)] or len(config) != sysfs[20] | sysfs[21] << 8:
        problems.append(f"{name}: GetConfigurationDescriptorPtr gave {config.hex()}, sysfs has {sysfs[18:].hex()}")
    f = dev[0].split()
    vendor, product, release = int(f[1], 16), int(f[2], 16), int(f[3], 16)
    if (vendor, product, release) != (sysfs[8] | sysfs[9] << 8, sysfs[10] | sysfs[11] << 8, sysfs[12] | sysfs[13] << 8):
        problems.append(f"{name}: getters say {dev[0]}, the device descriptor is {sysfs[:18].hex()}")
    if int(f[f.index("address") + 1]) != int(system.read(path + "/devnum")):
        problems.append(f"{name}: GetDeviceAddress {f[f.index('address') + 1]}, devnum {system.read(path + '/devnum')}")
    ls = lsusb_fields(ids)
    mine = (vendor, product, release, len(config), config[4], endpoints_of(config))
    if mine != ls:
        problems.append(f"{name}: usb-app {mine}, lsusb -v {ls}")
    ctx.host.log(f"usbapp: {name} {vendor:04x}:{product:04x} config {len(config)} bytes = sysfs, lsusb -v {ls}")
    n_intf = len(app.field("interface "))
    if n_intf != config[4]:
        problems.append(f"{name}: CreateInterfaceIterator gave {n_intf} interfaces, bNumInterfaces {config[4]}")
    return problems


def pipes(app):
    """(bulk IN pipe, bulk OUT pipe) from the pipe lines."""
    pin = pout = None
    for line in app.field("pipe "):
        f = line.split()
        if f[7] == "2":
            if f[3] == "1":
                pin = int(f[1])
            elif f[3] == "0":
                pout = int(f[1])
    return pin, pout


def ftdi_driver(path):
    link = os.path.join(path, os.path.basename(path) + ":1.0", "driver")
    return os.path.basename(os.readlink(link)) if os.path.islink(link) else None


def check_ftdi(ctx):
    problems = []
    path = devices.usb_path("ftdi")
    if not path or ftdi_driver(path) != "ftdi_sio" or not os.path.exists("/dev/ttyUSB0"):
        return [f"ftdi: not bound to ftdi_sio before ({path}, {path and ftdi_driver(path)})"]
    daemon_fds = ctx.daemon.n_fds()

    # ftdi_sio holds the interface: refused, as a kext holding it refuses on a Mac.
    app = App(ctx, FTDI)
    status, fds = app.finish()
    if app.field("interface-open ") != ["interface-open " + EXCLUSIVE] or status != 2:
        problems.append(f"ftdi: open under ftdi_sio: {app.lines[-6:]} (status {status})")
    if not fds or fds[0] != fds[1]:
        problems.append(f"ftdi: fds before and after a refused open: {fds}")

    # Seized: ftdi_sio is detached; another application is refused.
    app = App(ctx, FTDI, "--seize")
    if app.until(["ready", "error", "fds"]) != "ready":
        app.finish()
        return problems + [f"ftdi: seize: {app.lines[-8:]}"]
    if ftdi_driver(path) != "usbfs" or not system.wait_until(lambda: not os.path.exists("/dev/ttyUSB0"), 10):
        problems.append(f"ftdi: seized, but the interface's driver is {ftdi_driver(path)}")
    other = App(ctx, FTDI, "--seize", "--interface-only")
    st2, _ = other.finish()
    if other.field("interface-open ") != ["interface-open " + EXCLUSIVE] or st2 != 2:
        problems.append(f"ftdi: a second application: {other.lines[-4:]} (status {st2})")

    # FTDI vendor requests (ftdi_sio's own): reset, 9600 baud, 8N1; the modem status has THRE and TEMT.
    for req in ("control 40 0 0 0 0", "control 40 3 4138 0 0", "control 40 4 8 0 0"):
        answer = app.send(req, "control ")
        if not answer or answer.split()[1] != "00000000":
            problems.append(f"ftdi: {req}: {answer}")
    answer = app.send("control c0 5 0 0 2", "control ")
    f = answer.split() if answer else []
    if len(f) < 4 or f[1] != "00000000" or f[2] != "2" or int(f[3][2:4], 16) & 0x60 != 0x60:
        problems.append(f"ftdi: GET_MODEM_STATUS: {answer}")
    modem = f[3] if len(f) > 3 else None

    pin, pout = pipes(app)
    if pin is None or pout is None:
        app.finish()
        return problems + [f"ftdi: no bulk pipes in {app.field('pipe ')}"]
    # Out: WritePipe to the chardev.
    ctx.host.ftdi_drain()
    sent = bytes((i * 7 + 3) & 0xff for i in range(1024))
    for off in range(0, len(sent), 512):
        answer = app.send(f"write {pout:x} {sent[off:off + 512].hex()}", "write ")
        if answer != "write 00000000":
            problems.append(f"ftdi: WritePipe: {answer}")
    got = ctx.host.ftdi_read(len(sent), 20)
    if got != sent:
        problems.append(f"ftdi: the chardev got {len(got)} bytes, {'equal' if sent.startswith(got) else 'different'}"
                        f" (want {len(sent)})")
    # In: the chardev to ReadPipe; each 64-byte packet starts with the FTDI's two status bytes.
    back = bytes((i * 13 + 5) & 0xff for i in range(1024))
    ctx.host.ftdi_write(back)
    data, idle = b"", 0
    while len(data) < len(back) and idle < 100:
        answer = app.send(f"read {pin:x} 40 1f4", "read ")
        f = answer.split() if answer else []
        if len(f) < 2 or f[1] != "00000000":
            problems.append(f"ftdi: ReadPipe: {answer}")
            break
        packet = bytes.fromhex(f[2]) if len(f) > 2 else b""
        idle = idle + 1 if len(packet) <= 2 else 0
        data += packet[2:]
    if data != back:
        problems.append(f"ftdi: ReadPipe gave {len(data)} bytes, {'equal' if back.startswith(data) else 'different'}"
                        f" (want {len(back)})")

    ctx.host.log(f"usbapp: ftdi wrote {len(sent)} bytes, the chardev got {len(got)}; the chardev sent {len(back)},"
                 f" ReadPipe got {len(data)}; modem status {modem}")
    status, fds = app.finish()
    if status != 0 or not fds or fds[0] != fds[1]:
        problems.append(f"ftdi: after quit: status {status}, fds {fds}")
    # The hold ended: ftdi_sio is bound again, its tty back; the daemon holds no fd more than before.
    if not system.wait_until(lambda: ftdi_driver(path) == "ftdi_sio" and os.path.exists("/dev/ttyUSB0"), 20):
        problems.append(f"ftdi: after quit the interface's driver is {ftdi_driver(path)}")
    ctx.settle()
    if not system.wait_until(lambda: ctx.daemon.n_fds() <= daemon_fds, 10):
        problems.append(f"ftdi: the daemon has {ctx.daemon.n_fds()} fds, {daemon_fds} before")
    return problems


def check_driver_server(ctx):
    """The FTDI driver server (a daemon of its own with the personality) holds the interface: refused."""
    from scenarios import ftdi as ftdi_scenario

    problems = []
    path = devices.usb_path("ftdi")
    intf = os.path.basename(path) + ":1.0"
    # ftdi_sio is let go by hand: this checks the open record, not the kernel-driver arbitration.
    if ftdi_driver(path) == "ftdi_sio":
        with open("/sys/bus/usb/drivers/ftdi_sio/unbind", "w") as f:
            f.write(intf)
    folder = tempfile.mkdtemp(prefix="usbapp-personalities-")
    ftdi_scenario.write_personality(ctx, folder, {})
    daemon = ctx.start_daemon(name="ioregd-usbapp", args=["--personalities=" + folder])
    try:
        if not system.wait_until(lambda: ftdi_scenario.driver_and_nub(daemon)[2], 30):
            return [f"driver server: no FTDI driver and nub; the interface's driver is "
                    f"{ftdi_scenario.interface_driver()}; its daemon's log:\n{daemon.log_text()[-3000:]}"]
        for args in ((), ("--seize",)):
            app = App(ctx, FTDI, "--interface-only", *args, daemon=daemon)
            status, _ = app.finish()
            if app.field("interface-open ") != ["interface-open " + EXCLUSIVE] or status != 2:
                problems.append(f"driver server holds it, usb-app {args}: {app.lines[-4:]} (status {status})")
        ctx.host.log(f"usbapp: under the FTDI driver server: {app.field('interface-open ')}")
    finally:
        if os.path.exists(os.path.join(folder, ftdi_scenario.PERSONALITY)):
            os.unlink(os.path.join(folder, ftdi_scenario.PERSONALITY))
            ftdi_scenario.reload(daemon)
        if not daemon.alive():
            problems.append("ioregd-usbapp died; its log:\n" + daemon.log_text()[-3000:])
        daemon.stop()
        if system.wait_until(lambda: ftdi_driver(path) is None, 10):
            with open("/sys/bus/usb/drivers/ftdi_sio/bind", "w") as f:
                f.write(intf)
    problems += ftdi_scenario.give_back(ctx, daemon, "usbapp: personality removed")
    ctx.settle()
    return problems


def check_async_removal(ctx):
    problems = []
    app = App(ctx, KBD, "--seize")
    if app.until(["ready", "error", "fds"]) != "ready":
        app.finish()
        return [f"kbd: seize: {app.lines[-8:]}"]
    pipe = None
    for line in app.field("pipe "):
        f = line.split()
        if f[7] == "3" and f[3] == "1":  # interrupt IN
            pipe = int(f[1])
    if pipe is None:
        app.finish()
        return [f"kbd: no interrupt IN pipe in {app.field('pipe ')}"]
    if app.send(f"async-read {pipe:x} 8", "async-submitted ") != "async-submitted 00000000":
        problems.append(f"kbd: ReadPipeAsync: {app.lines[-2:]}")
    if app.until(["async-done"], 1):
        problems.append(f"kbd: the read completed with no key pressed: {app.lines[-1]}")
    devices.unplug(ctx.host, "kbd")
    done = app.until(["async-done"], 20)
    ctx.host.log(f"usbapp: kbd unplugged under ReadPipeAsync: {done}")
    if not done or done.split()[1] == "00000000":
        problems.append(f"kbd: unplugged under a pending read, the callback got {done}")
    status, fds = app.finish()
    if status != 0 or not fds or fds[0] != fds[1]:
        problems.append(f"kbd: after quit: status {status}, fds {fds}")
    devices.plug(ctx.host, "kbd")
    ctx.settle()
    return problems


PORT_LINE = re.compile(r"^(connected )?Bus (\d+) Device (\d+): ID ([0-9a-f]{4}):([0-9a-f]{4}) port (\d+) session (\w+)")


def darwin_lines(lines):
    """{(bus, address, vid, pid): (port, session)} from libusb-darwin-port's lines."""
    out = {}
    for line in lines:
        m = PORT_LINE.match(line)
        if m:
            out[(int(m[2]), int(m[3]), int(m[4], 16), int(m[5], 16))] = (int(m[6]), m[7])
    return out


def lsusb_devices():
    out = subprocess.run(["lsusb"], stdout=subprocess.PIPE, text=True, timeout=30).stdout
    return {(int(m[1]), int(m[2]), int(m[3], 16), int(m[4], 16))
            for m in re.finditer(r"^Bus (\d+) Device (\d+): ID ([0-9a-f]{4}):([0-9a-f]{4})", out, re.M)}


def lsusb_ports():
    """{(bus, address): port} of the devices below the root hubs, from lsusb -t."""
    out = subprocess.run(["lsusb", "-t"], stdout=subprocess.PIPE, text=True, timeout=30).stdout
    ports, bus = {}, None
    for line in out.splitlines():
        m = re.search(r"Bus (\d+)\.Port", line)
        if m:
            bus = int(m[1])
            continue
        m = re.search(r"Port (\d+): Dev (\d+)", line)
        if m and bus is not None:
            ports[(bus, int(m[2]))] = int(m[1])
    return ports


def check_darwin_port(ctx):
    problems = []
    p = subprocess.run([ctx.build + "/examples/libusb-darwin-port"], env=ctx.daemon.env, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True, timeout=120)
    mine, ls = darwin_lines(p.stdout.splitlines()), lsusb_devices()
    if p.returncode != 0 or set(mine) != ls:
        problems.append(f"libusb port: listed {sorted(mine)} (status {p.returncode}, {p.stderr.strip()[-300:]}),"
                        f" lsusb {sorted(ls)}")
    ports = lsusb_ports()
    for key, (port, _) in mine.items():
        if (key[0], key[1]) in ports and ports[(key[0], key[1])] != port:
            problems.append(f"libusb port: {key} on port {port}, lsusb -t says {ports[(key[0], key[1])]}")
    ctx.host.log(f"usbapp: libusb-darwin-port listed {len(mine)} devices = lsusb {len(ls)}; ports checked "
                 f"{sum(1 for k in mine if (k[0], k[1]) in ports)}")

    watch = App.__new__(App)
    watch.proc = subprocess.Popen([ctx.build + "/examples/libusb-darwin-port", "--watch"], env=ctx.daemon.env,
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    watch.buf, watch.lines = b"", []
    if watch.until(["ready"], 120) != "ready":
        watch.proc.kill()
        watch.proc.wait()
        return problems + [f"libusb port --watch: {watch.lines[-5:]}"]
    stick = [(k, v) for k, v in darwin_lines(watch.lines).items() if k[2:] == STORAGE]
    devices.unplug(ctx.host, "storage")
    gone = watch.until(["disconnected"], 30)
    devices.plug(ctx.host, "storage")
    back = watch.until(["connected"], 60)
    watch.proc.stdin.close()
    watch.proc.wait(30)
    ctx.settle()
    if not stick or not gone or gone.split()[2] != stick[0][1][1]:
        problems.append(f"libusb port: the stick {stick} left as {gone}")
    again = darwin_lines([back] if back else [])
    if not again or list(again)[0][2:] != STORAGE or (stick and list(again.values())[0][1] == stick[0][1][1]):
        problems.append(f"libusb port: the stick came back as {back} (before: {stick})")
    ctx.host.log(f"usbapp: libusb-darwin-port saw {gone!r} then {back!r}")
    return problems


def run(ctx):
    problems = []
    ctx.settle()
    problems += check_descriptors(ctx, "kbd", KBD)
    problems += check_descriptors(ctx, "storage", STORAGE)
    problems += check_ftdi(ctx)
    problems += check_driver_server(ctx)
    problems += check_async_removal(ctx)
    problems += check_darwin_port(ctx)
    if not ctx.daemon.alive():
        problems.append("ioregd died")
    return problems
