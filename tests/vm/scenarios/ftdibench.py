# SPDX-License-Identifier: LGPL-2.1-or-later
"""Scenario ftdibench (by hand, not in the vm suite; BENCHMARKS.md): bulk throughput through the
user-space FTDI driver (examples/driver-ftdi under ioregd: the server as nobody on ioregd's fd,
bytes between its pty and QEMU's chardev) against plain libusb from a root process on the same
device in the same boot (ftdi-libusb-peer: libusb_open on /dev/bus/usb after detaching ftdi_sio,
the driver's transfer sizes and depths, no pty). Each direction, ROUNDS rounds alternating the two;
the medians and their ratio go to the log. Out (guest → chardev) is timed by the host from the
request to the last byte, in (chardev → guest) by the guest from the request to the last byte
read. Fails only when a transfer comes up short."""

import os
import statistics
import subprocess
import tempfile
import threading
import time
import tty

from scenarios import ftdi
from vmguest import system

SIZE = 1024 * 1024
ROUNDS = 3
PATTERN = bytes(range(256)) * (SIZE // 256)


def measure_out(ctx, start):
    """start() begins writing SIZE bytes; returns (bytes the host got, seconds)."""
    ctx.host.ftdi_drain()
    req = {"cmd": "ftdi-sink", "size": SIZE, "timeout": 30}
    ctx.host.send(req)
    finish = start()
    r = ctx.host.reply(req)
    finish()
    return r["size"], r["seconds"]


def measure_in(ctx, start):
    """start() returns a function that waits for SIZE bytes and returns how many it got."""
    ctx.host.ftdi_drain()
    req = {"cmd": "ftdi-source", "size": SIZE}
    t0 = time.monotonic()
    ctx.host.send(req)
    wait = start()
    got = wait()
    seconds = time.monotonic() - t0
    ctx.host.reply(req)
    return got, seconds


def peer(ctx, direction):
    proc = subprocess.Popen([ctx.build + "/tests/vm/ftdi-libusb-peer", direction, str(SIZE)],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    if proc.stdout.readline().strip() != "ready":
        proc.wait()
        raise RuntimeError(f"ftdi-libusb-peer {direction}: not ready (exit {proc.returncode})")

    def go():
        proc.stdin.write("go\n")
        proc.stdin.flush()
        return finish

    def finish():
        line = proc.stdout.readline().split()
        proc.wait(30)
        return int(line[1]) if len(line) == 2 and line[0] == "done" else 0

    return go


def pty_writer(port):
    fd = ftdi.open_port(port)

    def go():
        view = memoryview(PATTERN)
        while view:
            view = view[os.write(fd, view):]
        return lambda: os.close(fd)

    return go


def pty_reader(port):
    """The port's user reads with head(1), not Python: a reader's cost per read counts here (the
    chip's IN data comes a few hundred bytes at a time), and the libusb peer has none."""
    fd = ftdi.open_port(port)  # raw, and kept so for head

    def go():
        proc = subprocess.Popen(["head", "-c", str(SIZE), port], stdout=subprocess.PIPE)

        def wait():
            got = 0
            while True:
                chunk = proc.stdout.read(65536)
                if not chunk:
                    break
                got += len(chunk)
            proc.wait()
            os.close(fd)
            return got
        return wait

    return go


def pty_alone():
    """Seconds to move SIZE bytes through a bare pty in this guest (writer thread → reader): what the
    driver's path adds to the USB transfers, whatever the driver does."""
    master, slave = os.openpty()
    tty.setraw(slave)
    t0 = time.monotonic()
    writer = threading.Thread(target=lambda: os.write(slave, PATTERN) and None)
    writer.start()
    got = 0
    while got < SIZE:
        got += len(os.read(master, 65536))
    seconds = time.monotonic() - t0
    writer.join()
    os.close(master)
    os.close(slave)
    return seconds


def run(ctx):
    problems = []
    folder = tempfile.mkdtemp(prefix="ftdibench-")
    daemon = ctx.start_daemon(name="ioregd-ftdibench", args=["--personalities=" + folder])
    rows = {("out", "driver"): [], ("out", "libusb"): [], ("in", "driver"): [], ("in", "libusb"): [],
            ("pty", "alone"): []}
    try:
        for _ in range(ROUNDS):
            problems += ftdi.give_back(ctx, daemon, "before the libusb peer")
            for direction, measure in (("out", measure_out), ("in", measure_in)):
                ctx.host.log(f"ftdibench: libusb {direction}")
                got, s = measure(ctx, peer(ctx, direction))
                rows[(direction, "libusb")].append(s if got == SIZE else None)
                if got != SIZE:
                    problems.append(f"libusb {direction}: {got} of {SIZE} bytes")
            rows[("pty", "alone")].append(pty_alone())
            ftdi.write_personality(ctx, folder, {})
            ftdi.reload(daemon)
            found = system.wait_until(lambda: (lambda r: r if r[2] else None)(ftdi.driver_and_nub(daemon)), 30)
            if not found:
                problems.append("the driver did not start")
                break
            port = found[0].props(found[2])["IOCalloutDevice"]
            ctx.host.log("ftdibench: driver out")
            got, s = measure_out(ctx, pty_writer(port))
            rows[("out", "driver")].append(s if got == SIZE else None)
            if got != SIZE:
                problems.append(f"driver out: {got} of {SIZE} bytes")
            ctx.host.log("ftdibench: driver in")
            got, s = measure_in(ctx, pty_reader(port))
            rows[("in", "driver")].append(s if got == SIZE else None)
            if got != SIZE:
                problems.append(f"driver in: {got} of {SIZE} bytes")
            os.unlink(os.path.join(folder, ftdi.PERSONALITY))
            ftdi.reload(daemon)
    finally:
        daemon.stop()
    problems += ftdi.give_back(ctx, daemon, "at the end")
    for direction in ("out", "in"):
        med = {}
        for who in ("driver", "libusb"):
            times = [s for s in rows[(direction, who)] if s]
            med[who] = SIZE / 1024 / statistics.median(times) if times else 0
        ratio = med["driver"] / med["libusb"] if med["libusb"] else 0
        ctx.host.log(f"ftdi {direction:3} {SIZE // 1024} KiB: driver {med['driver']:.0f} KiB/s, "
                     f"libusb {med['libusb']:.0f} KiB/s, ratio {ratio:.2f} "
                     f"(seconds: driver {rows[(direction, 'driver')]}, libusb {rows[(direction, 'libusb')]})")
    ctx.host.log(f"pty alone {SIZE // 1024} KiB: {SIZE / 1024 / statistics.median(rows[('pty', 'alone')]):.0f} KiB/s "
                 f"(seconds: {rows[('pty', 'alone')]})")
    return problems
