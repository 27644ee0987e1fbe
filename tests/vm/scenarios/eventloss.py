# SPDX-License-Identifier: LGPL-2.1-or-later
"""Scenario 7, event loss for real: a daemon with a small uevent receive buffer
($IOREG_UDEV_RCVBUF) is stopped (SIGSTOP) while a burst of devices comes (dummy network
interfaces and a USB keyboard) and again while they go; the kernel drops uevents on its socket
(ENOBUFS). Once it runs again the daemon must notice, resync from sysfs, and equal sysfs."""

import signal
import subprocess
import tempfile

from vmguest import checks, devices, system

N_DUMMIES = 40


def ip_batch(lines):
    with tempfile.NamedTemporaryFile("w", suffix=".ip") as f:
        f.write("\n".join(lines) + "\n")
        f.flush()
        subprocess.run(["ip", "-batch", f.name], check=True)


def burst(ctx, daemon, label, action):
    daemon.proc.send_signal(signal.SIGSTOP)
    try:
        action()
        ctx.settle()
    finally:
        daemon.proc.send_signal(signal.SIGCONT)
    _, problems = checks.registry_settled(ctx, daemon)
    return [f"{label}: {x}" for x in problems]


def run(ctx):
    problems = []
    daemon = ctx.start_daemon({"IOREG_UDEV_RCVBUF": "4096"}, name="ioregd-small-buffer")
    try:
        _, p = checks.registry_settled(ctx, daemon)
        problems += [f"start: {x}" for x in p]
        devices.unplug(ctx.host, "kbd")
        problems += burst(ctx, daemon, "burst of adds", lambda: (
            ip_batch([f"link add vmdummy{i} type dummy" for i in range(N_DUMMIES)]),
            devices.plug(ctx.host, "kbd"), system.wait_until(lambda: devices.usb_path("kbd"), 20)))
        problems += burst(ctx, daemon, "burst of removes", lambda: (
            ip_batch([f"link del vmdummy{i}" for i in range(N_DUMMIES)]),
            devices.unplug(ctx.host, "kbd")))
        log = daemon.log_text()
        resyncs = log.count("Resynced from sysfs")
        if "ENOBUFS" not in log and "sequence gap" not in log:
            problems.append("no event was lost: the bursts did not overflow the small buffer")
        if resyncs < 2:
            problems.append(f"{resyncs} resyncs after two bursts that lost events")
        ctx.host.log(f"eventloss: {log.count('ENOBUFS')} overflows, {log.count('sequence gap')} gaps, {resyncs} resyncs")
    finally:
        daemon.stop()
        devices.plug(ctx.host, "kbd")
    _, p = checks.registry_settled(ctx)
    problems += [f"main daemon: {x}" for x in p]
    return problems
