#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""What ioregd tells systemd (Type=notify), read from a real NOTIFY_SOCKET.

ioregd runs under umockdev-run on a recorded machine (so the coldplug pass
has devices and matches drivers), on a private bus, with NOTIFY_SOCKET
pointing at a datagram socket this test binds and WATCHDOG_USEC=400000:
 - READY=1 comes exactly once, with "STATUS=Ready: N entries, M drivers";
 - the registry is quiet when READY=1 arrives (WaitQuiet with timeout 0
   succeeds at once; the entry count in STATUS is the daemon's);
 - WATCHDOG=1 keeps coming (at least three after READY=1);
 - without umockdev, with --no-udev, the same READY=1 (nothing to wait for);
 - the watchdog is fed on the bus's answers, not by the loop alone: with
   its bus stopped (SIGSTOP to a dbus-daemon of its own), WATCHDOG=1 stops
   within a watchdog interval, and comes again after SIGCONT.
The bus is tests/fixture/private-bus.sh's, through with-private-bus.sh.
Usage: with-private-bus.sh SOURCE_DIR test-sd-notify.py BUILD_DIR SOURCE_DIR
"""
import os, re, shutil, socket, subprocess, sys, tempfile, time

build, src = sys.argv[1], sys.argv[2]
ioregd = os.path.join(build, "daemon", "ioregd")
work = tempfile.mkdtemp()
procs = []


def fail(msg):
    print("FAIL:", msg, file=sys.stderr)
    for name in os.listdir(work):
        if name.endswith(".log"):
            print("---", name, file=sys.stderr)
            print(open(os.path.join(work, name)).read()[-4000:], file=sys.stderr)
    cleanup()
    sys.exit(1)


def cleanup():
    for p in procs:
        if p.poll() is None:
            p.terminate()
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
    shutil.rmtree(work, ignore_errors=True)


def busctl(address, *args):
    return subprocess.run(["busctl", "--address=" + address] + list(args), capture_output=True, text=True)


def run(name, address, wrapper, extra, stall_bus=None):
    sock_path = os.path.join(work, name + ".notify")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(sock_path)
    sock.settimeout(60)
    env = dict(os.environ, NOTIFY_SOCKET=sock_path, WATCHDOG_USEC="400000")
    env.pop("WATCHDOG_PID", None)
    log = open(os.path.join(work, name + ".log"), "w")
    p = subprocess.Popen(wrapper + [ioregd, "--bus-address=" + address] + extra, env=env, stderr=log)
    procs.append(p)
    messages = []
    ready_at = None
    watchdogs_after = 0
    while watchdogs_after < 3:
        try:
            data = sock.recv(4096).decode()
        except socket.timeout:
            fail("%s: no READY=1 / WATCHDOG=1 within 60 s; got %r" % (name, messages))
        messages.append(data)
        lines = data.split("\n")
        if "READY=1" in lines:
            if ready_at is not None:
                fail("%s: READY=1 twice" % name)
            ready_at = len(messages)
            # Quiet now: WaitQuiet(0) only checks, and must succeed.
            r = busctl(address, "call", "org.ioreg.Registry1", "/org/ioreg/Registry1", "org.ioreg.Registry1",
                       "WaitQuiet", "t", "0")
            if r.returncode != 0:
                fail("%s: READY=1 before the registry was quiet: %s" % (name, r.stderr))
            status = [l for l in lines if l.startswith("STATUS=")]
            m = re.fullmatch(r"STATUS=Ready: (\d+) entries, (\d+) drivers", status[0] if status else "")
            if not m:
                fail("%s: READY=1 without the Ready status: %r" % (name, data))
            r = busctl(address, "get-property", "org.ioreg.Registry1", "/org/ioreg/Registry1",
                       "org.ioreg.Registry1", "Entries")
            if r.stdout.strip() != "u %s" % m.group(1):
                fail("%s: STATUS says %s entries, the daemon %r" % (name, m.group(1), r.stdout))
            print("%s: %s" % (name, status[0]))
        elif "WATCHDOG=1" in lines and ready_at is not None:
            watchdogs_after += 1
    if stall_bus:
        # The bus stops: the daemon's loop runs on, the watchdog must starve.
        stall_bus.send_signal(19)  # SIGSTOP
        sock.settimeout(0.1)
        fed = 0
        end = time.monotonic() + 1.2
        while time.monotonic() < end:
            try:
                if "WATCHDOG=1" in sock.recv(4096).decode().split("\n") and time.monotonic() > end - 0.8:
                    fed += 1
            except socket.timeout:
                pass
        stall_bus.send_signal(18)  # SIGCONT
        if fed:
            fail("%s: WATCHDOG=1 %d times while the bus was stopped" % (name, fed))
        sock.settimeout(5)
        try:
            while "WATCHDOG=1" not in sock.recv(4096).decode().split("\n"):
                pass
        except socket.timeout:
            fail("%s: no WATCHDOG=1 after the bus came back" % name)
        print("%s: no WATCHDOG=1 while the bus was stopped, fed again after" % name)
    p.terminate()
    p.wait(10)
    sock.close()
    return messages


try:
    address = os.environ["IOREG_BUS_ADDRESS"]
    bed = os.path.join(src, "tests/data/umockdev/umockdev-input-usbkbd.umockdev")
    personalities = os.path.join(src, "tests/data/personalities")
    if shutil.which("umockdev-run") and os.path.exists(bed):
        msgs = run("umockdev", address, ["umockdev-run", "-d", bed, "--"],
                   ["--personalities=" + personalities])
        print("umockdev: %d messages, first %r" % (len(msgs), msgs[0]))
    else:
        print("umockdev-run or the recording missing: that part skipped")
    msgs = run("no-udev", address, [], ["--no-udev", "--sysfs-root=" + os.path.join(src, "tests/data/sysfs-empty")])
    print("no-udev: %d messages" % len(msgs))
    bus = subprocess.Popen(["dbus-daemon", "--session", "--nofork", "--print-address=1"], stdout=subprocess.PIPE,
                           text=True)
    procs.append(bus)
    own_address = bus.stdout.readline().strip()
    run("stalled-bus", own_address, [], ["--no-udev", "--sysfs-root=" + os.path.join(src, "tests/data/sysfs-empty")],
        stall_bus=bus)
finally:
    cleanup()
print("PASS")
