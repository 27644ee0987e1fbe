# SPDX-License-Identifier: LGPL-2.1-or-later
"""Scenario ftdibench (by hand, not in the vm suite; BENCHMARKS.md): bulk throughput through the
user-space FTDI driver (examples/driver-ftdi under ioregd: the server as nobody on ioregd's fd,
bytes between its pty and QEMU's chardev) against plain libusb from a root process on the same
device in the same boot (ftdi-libusb-peer: libusb_open on /dev/bus/usb after detaching ftdi_sio,
the driver's transfer sizes and depths, no pty). Each direction, ROUNDS rounds alternating the two;
the medians and their ratio go to the log. Out (guest → chardev) is timed by the host from the
request to the last byte, in (chardev → guest) by the guest from the request to the last byte
read. Two rows for the driver: end to end (a writer or reader on its pty) and its USB path alone
(the same server on the same fd, its engine fed from memory or draining into it: IOREG_FTDI_BENCH,
SIGUSR1 and SIGUSR2, a report line on the pty), which is what the peer measures. A bare pty each
way bounds the end-to-end rows (out twice: reader thread and reader process). Fails only when a
transfer comes up short."""

import os
import select
import signal
import statistics
import subprocess
import tempfile
import threading
import time
import tty

from scenarios import ftdi
from vmguest import system

# Out runs at tens of MB/s on QEMU's FT232 (no baud rate): 8 MiB keeps it well above the start's cost.
SIZE = {"out": 8 * 1024 * 1024, "in": 1024 * 1024}
ROUNDS = 7
# Out takes a tenth of a second, and the host's load makes its times bimodal (rounds of one run 0.07 or
# 0.11 s, for both): three of each out row a round, so that the median does not rest on which mode
# four of seven rounds fell into.
OUT_REPEAT = 3
PATTERN = bytes(range(256)) * (SIZE["out"] // 256)


def measure_out(ctx, start):
    """start() begins writing SIZE["out"] bytes; returns (bytes the host got, seconds)."""
    ctx.host.ftdi_drain()
    req = {"cmd": "ftdi-sink", "size": SIZE["out"], "timeout": 30}
    ctx.host.send(req)
    finish = start()
    r = ctx.host.reply(req)
    finish()
    return r["size"], r["seconds"]


def measure_in(ctx, start, arm=None):
    """start() returns a function that waits for SIZE["in"] bytes and returns how many it got; arm(), before
    the clock starts, readies a reader whose transfers are in flight already (the driver's)."""
    ctx.host.ftdi_drain()
    if arm:
        arm()
    req = {"cmd": "ftdi-source", "size": SIZE["in"]}
    t0 = time.monotonic()
    ctx.host.send(req)
    wait = start()
    got = wait()
    seconds = time.monotonic() - t0
    ctx.host.reply(req)
    return got, seconds


def peer(ctx, direction):
    proc = subprocess.Popen([ctx.build + "/tests/vm/ftdi-libusb-peer", direction, str(SIZE[direction])],
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


def read_to_end(proc):
    """Reads proc's output to its end and waits for it; the bytes it gave."""
    got = 0
    while True:
        chunk = proc.stdout.read(65536)
        if not chunk:
            break
        got += len(chunk)
    proc.wait()
    return got


def pty_reader(port):
    """The port's user reads with head(1), not Python: a reader's cost per read counts here, and the
    libusb peer has none. Started before the clock, as the peer is (a fork and exec under TCG costs
    tens of ms); it waits in its first read."""
    fd = ftdi.open_port(port)  # raw, and kept so for head
    proc = subprocess.Popen(["head", "-c", str(SIZE["in"]), port], stdout=subprocess.PIPE)

    def go():
        def wait():
            got = read_to_end(proc)
            os.close(fd)
            return got
        return wait

    return go


def read_line(fd, prefix, timeout=30):
    """The driver's next report line on its pty that starts with prefix (bytes), or b''."""
    data = b""
    deadline = time.monotonic() + timeout
    while True:
        for line in data.split(b"\n")[:-1]:
            if line.startswith(prefix):
                return line
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([fd], [], [], left)[0]:
            return b""
        data += os.read(fd, 4096)


class EngineBench:
    """The driver's USB path alone (IOREG_FTDI_BENCH): the server's engine on ioregd's fd, with memory
    in place of the pty; started by a signal, finished by the server's report line on its pty."""

    def __init__(self, port, pid, direction):
        self.fd = ftdi.open_port(port)
        self.pid, self.direction = pid, direction

    def arm(self):
        """In: the engine counts the next SIZE["in"] bytes once it says so; what came before was the pty's."""
        os.kill(self.pid, signal.SIGUSR2)
        if not read_line(self.fd, b"bench in armed"):
            raise RuntimeError("ftdibench: the driver did not arm its in benchmark")

    def start(self):
        if self.direction == "out":
            os.kill(self.pid, signal.SIGUSR1)
        return self.finish

    def finish(self):
        line = read_line(self.fd, b"bench " + self.direction.encode() + b" ").split()
        os.close(self.fd)
        return int(line[2]) if len(line) == 4 else 0


def pty_alone():
    """Seconds to move SIZE["out"] bytes the driver's way out through a bare pty in this guest (writer
    thread on the slave → reader on the master): what the pty hop costs, whatever the driver does."""
    master, slave = os.openpty()
    tty.setraw(slave)
    t0 = time.monotonic()
    writer = threading.Thread(target=lambda: os.write(slave, PATTERN) and None)
    writer.start()
    got = 0
    while got < len(PATTERN):
        got += len(os.read(master, 65536))
    seconds = time.monotonic() - t0
    writer.join()
    os.close(master)
    os.close(slave)
    return seconds


def pty_alone_procs():
    """As pty_alone, with the reader in a process of its own, as the driver is: on one TCG vCPU each
    switch between two processes' address spaces costs (QEMU's soft TLB is flushed), and a writer and a
    driver behind a pty switch once per few KiB. The reader is forked before the clock and waits for a
    byte on a pipe."""
    master, slave = os.openpty()
    tty.setraw(slave)
    go_r, go_w = os.pipe()
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            os.close(slave)
            os.read(go_r, 1)
            got = 0
            while got < len(PATTERN):
                got += len(os.read(master, 65536))
            code = 0
        finally:
            os._exit(code)
    os.close(master)
    t0 = time.monotonic()
    os.write(go_w, b"g")
    view = memoryview(PATTERN)
    while view:
        view = view[os.write(slave, view):]
    _, status = os.waitpid(pid, 0)
    seconds = time.monotonic() - t0
    for fd in (slave, go_r, go_w):
        os.close(fd)
    return seconds if os.waitstatus_to_exitcode(status) == 0 else None


def pty_alone_in():
    """Seconds to move SIZE["in"] bytes the driver's way in through a bare pty: written to the master
    in FTDI_IN_FLUSH (4 KiB) pieces, read from the raw slave by head(1) into a pipe, as pty_reader."""
    master, slave = os.openpty()
    tty.setraw(slave)
    path = os.ttyname(slave)
    proc = subprocess.Popen(["head", "-c", str(SIZE["in"]), path], stdout=subprocess.PIPE)
    data = PATTERN[:SIZE["in"]]
    t0 = time.monotonic()

    def writer():
        view = memoryview(data)
        while view:
            view = view[os.write(master, view[:4096]):]

    thread = threading.Thread(target=writer)
    thread.start()
    got = read_to_end(proc)
    seconds = time.monotonic() - t0
    thread.join()
    os.close(master)
    os.close(slave)
    return seconds if got == SIZE["in"] else None


def rounded(times):
    return [round(s, 3) if s else s for s in times]


def typed_bytes(ctx, port, n=5):
    """Milliseconds from asking the host to put one byte into the chardev to that byte on port, n times:
    the interactive latency (the host's channel included, the same for every port)."""
    fd = ftdi.open_port(port)
    out = []
    try:
        ctx.host.ftdi_drain()
        for _ in range(n):
            req = {"cmd": "ftdi-write", "data64": "eA=="}  # b"x"
            t0 = time.monotonic()
            ctx.host.send(req)
            got = select.select([fd], [], [], 5)[0] and os.read(fd, 16)
            out.append((time.monotonic() - t0) * 1000 if got == b"x" else None)
            ctx.host.reply(req)
    finally:
        os.close(fd)
    return out


def handoff_pairs(port, pid):
    """The server's medians of CopyProviderFD and OpenProvider (µs), timed in turns on SIGHUP."""
    fd = ftdi.open_port(port)
    try:
        os.kill(pid, signal.SIGHUP)
        line = read_line(fd, b"bench fd ").split()
    finally:
        os.close(fd)
    if len(line) != 4:
        raise RuntimeError("ftdibench: the driver did not time its fd handoff")
    return int(line[2]), int(line[3])


def quiet(ctx, daemon):
    """Until the uevents of a detach or attach (the peer's claim, the driver's start) are handled by
    both daemons: on one vCPU that work would otherwise run inside the measurement that follows it."""
    ctx.settle(quiet=0.5)
    for d in (ctx.daemon, daemon):
        if d and d.alive():
            d.wait_quiet()


def one(ctx, rows, who, direction, start, arm=None):
    """Measures one row once into rows; problems."""
    ctx.host.log(f"ftdibench: {who} {direction}")
    got, s = measure_out(ctx, start) if direction == "out" else measure_in(ctx, start, arm)
    rows[(direction, who)].append(s if got == SIZE[direction] else None)
    return [] if got == SIZE[direction] else [f"{who} {direction}: {got} of {SIZE[direction]} bytes"]


def run(ctx):
    problems = []
    folder = tempfile.mkdtemp(prefix="ftdibench-")
    daemon = ctx.start_daemon(name="ioregd-ftdibench", args=["--personalities=" + folder])
    rows = {(d, who): [] for d in ("out", "in") for who in ("driver", "driver-usb", "libusb")}
    rows[("pty", "alone")] = []
    rows[("pty", "alone procs")] = []
    rows[("pty", "alone in")] = []
    latency = {"ftdi_sio": [], "driver": []}
    handoff = []
    try:
        for _ in range(ROUNDS):
            problems += ftdi.give_back(ctx, daemon, "before the libusb peer")
            quiet(ctx, daemon)
            latency["ftdi_sio"] += typed_bytes(ctx, "/dev/ttyUSB0")
            for direction in ["in"] + ["out"] * OUT_REPEAT:     # out next to the driver's out, in around them
                start = peer(ctx, direction)
                quiet(ctx, daemon)
                problems += one(ctx, rows, "libusb", direction, start)
            ftdi.write_personality(ctx, folder, {"IOREG_FTDI_BENCH": f"{SIZE['out']},{SIZE['in']}"})
            ftdi.reload(daemon)
            found = system.wait_until(lambda: (lambda r: r if r[2] else None)(ftdi.driver_and_nub(daemon)), 30)
            pids = ftdi.server_pids()
            if not found or len(pids) != 1:
                problems.append(f"the driver did not start (servers {pids})")
                break
            port = found[0].props(found[2])["IOCalloutDevice"]
            # Each row after the guest is quiet, as the peer's: the one before leaves work (a pty's
            # hangup, a reader's exit) that would otherwise run inside the next.
            for _ in range(OUT_REPEAT):
                quiet(ctx, daemon)
                problems += one(ctx, rows, "driver-usb", "out", EngineBench(port, pids[0], "out").start)
            quiet(ctx, daemon)
            bench = EngineBench(port, pids[0], "in")
            problems += one(ctx, rows, "driver-usb", "in", bench.start, bench.arm)
            quiet(ctx, daemon)
            problems += one(ctx, rows, "driver", "out", pty_writer(port))
            quiet(ctx, daemon)
            problems += one(ctx, rows, "driver", "in", pty_reader(port))
            latency["driver"] += typed_bytes(ctx, port)
            quiet(ctx, daemon)
            handoff.append(handoff_pairs(port, pids[0]))
            os.unlink(os.path.join(folder, ftdi.PERSONALITY))
            ftdi.reload(daemon)
            # The pty alone last: the peer's rows and the driver's USB path follow each other closely
            # (the host's load, which reaches the guest's one vCPU, changes from second to second).
            quiet(ctx, daemon)
            rows[("pty", "alone")].append(pty_alone())
            rows[("pty", "alone procs")].append(pty_alone_procs())
            rows[("pty", "alone in")].append(pty_alone_in())
    finally:
        # What the engine did with IN data (its Stop's counters): bytes per pty write is the coalescing.
        for line in daemon.log_text().splitlines():
            if "stopped after" in line:
                ctx.host.log("ftdibench: " + line.strip())
        daemon.stop()
    problems += ftdi.give_back(ctx, daemon, "at the end")
    # Medians, and the best round of each (the host's load reaches the guest's one vCPU: rounds differ
    # by 2-3x, and the best is each path's cost with the least of that noise).
    for direction in ("out", "in"):
        med, best = {}, {}
        for who in ("driver", "driver-usb", "libusb"):
            times = [s for s in rows[(direction, who)] if s]
            med[who] = SIZE[direction] / 1024 / statistics.median(times) if times else 0
            best[who] = SIZE[direction] / 1024 / min(times) if times else 0
        for who in ("driver-usb", "driver"):
            ratio = med[who] / med["libusb"] if med["libusb"] else 0
            ratio_best = best[who] / best["libusb"] if best["libusb"] else 0
            ctx.host.log(f"ftdi {direction:3} {SIZE[direction] // 1024} KiB: {who} {med[who]:.0f} KiB/s "
                         f"(best {best[who]:.0f}), libusb {med['libusb']:.0f} KiB/s (best {best['libusb']:.0f}), "
                         f"ratio {ratio:.2f} (best {ratio_best:.2f}) (seconds: {who} "
                         f"{rounded(rows[(direction, who)])}, libusb {rounded(rows[(direction, 'libusb')])})")
    for who, ms in latency.items():
        good = [x for x in ms if x is not None]
        ctx.host.log(f"typed byte {who}: median {statistics.median(good) if good else 0:.1f} ms, "
                     f"max {max(good) if good else 0:.1f} ms, {len(ms) - len(good)} lost of {len(ms)}")
        if len(good) != len(ms):
            problems.append(f"typed byte {who}: {len(ms) - len(good)} of {len(ms)} did not arrive")
    if handoff:
        copy, plain = statistics.median(a for a, _ in handoff), statistics.median(b for _, b in handoff)
        ctx.host.log(f"fd handoff: CopyProviderFD {copy:.0f} us, OpenProvider {plain:.0f} us, added "
                     f"{copy - plain:.0f} us (medians of the rounds' medians, {handoff})")
    for row, size in (("alone", len(PATTERN)), ("alone procs", len(PATTERN)), ("alone in", SIZE["in"])):
        times = [s for s in rows[("pty", row)] if s]
        ctx.host.log(f"pty {row} {size // 1024} KiB: {size / 1024 / statistics.median(times) if times else 0:.0f} "
                     f"KiB/s (seconds: {rounded(rows[('pty', row)])})")
    return problems
