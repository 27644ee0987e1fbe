# SPDX-License-Identifier: LGPL-2.1-or-later
"""Scenario 3, kernel drivers: unbinding ftdi_sio from the FTDI adapter's interface through sysfs,
then binding it again, makes its IOLinuxKernelDriver entries (the interface's and the tty port's)
and the tty nub go and come back, terminated and published like any service: a libioreg client
subscribed before hears of each; `ioreg --monitor` reports the same entries; `ioreg --explain`
finds them while bound and not while unbound."""

import glob
import os
import select
import signal
import subprocess

from vmguest import checks, devices
from vmguest.daemon import Watch

DRIVER = {"IOProviderClass": "IOLinuxKernelDriver", "IONameMatch": "ftdi_sio"}
TTY = {"IOProviderClass": "IOSerialBSDClient", "IOCalloutDevice": "/dev/ttyUSB0"}


def explained_ids(ctx):
    """IDs of the ftdi_sio entries that ioreg --explain lists."""
    out = ctx.daemon.ioreg(["--explain", "-n", "ftdi_sio"], check=False)
    return {line.split("id ")[1].rstrip(">") for line in out.splitlines() if "<class IOLinuxKernelDriver, id " in line}


def ids(events, sub, kind=None):
    return [e["id"] for e in events if e["sub"] == sub and (kind is None or e["type"] == kind)]


def run(ctx):
    problems = []
    reg, p = checks.registry_settled(ctx)
    problems += [f"before: {x}" for x in p]
    intf = [i for i in glob.glob((devices.usb_path("ftdi") or "-") + "/*:1.0")]
    if not intf:
        return problems + ["the FTDI adapter's interface is not in sysfs"]
    intf = os.path.basename(intf[0])
    before = {e["id"] for e in reg.find("IOLinuxKernelDriver") if e["name"] == "ftdi_sio"}
    before_tty = {e["id"] for e in reg.find("IOSerialBSDClient", IOCalloutDevice="/dev/ttyUSB0")}
    if len(before) != 2 or len(before_tty) != 1:
        problems.append(f"before: {len(before)} ftdi_sio entries, {len(before_tty)} tty nubs (want 2 and 1)")
    if explained_ids(ctx) != before:
        problems.append(f"before: --explain lists {explained_ids(ctx)}, the registry {before}")
    watch = Watch(ctx.daemon, [("drv", "IOServiceTerminate", DRIVER), ("drv", "IOServiceMatched", DRIVER),
                               ("tty", "IOServiceTerminate", TTY), ("tty", "IOServicePublish", TTY)])
    # The text form says when it is subscribed (on stderr); each line: TIME TYPE ID CLASS NAME [IDS] [NODE]...
    monitor = subprocess.Popen([ctx.build + "/cli/ioreg", "--monitor"], env=ctx.daemon.env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if not select.select([monitor.stderr], [], [], 30)[0] or "monitoring" not in monitor.stderr.readline():
        problems.append("ioreg --monitor did not start")

    with open("/sys/bus/usb/drivers/ftdi_sio/unbind", "w") as f:
        f.write(intf)
    watch.wait_for(lambda evs: len(ids(evs, "drv")) >= 2 and ids(evs, "tty"), 20)
    reg, p = checks.registry_settled(ctx)
    problems += [f"unbound: {x}" for x in p]
    gone = set(ids(watch.events(), "drv", "IOServiceTerminate"))
    if gone != before:
        problems.append(f"unbind: terminated ftdi_sio {sorted(gone)}, the registry had {sorted(before)}")
    if set(ids(watch.events(), "tty", "IOServiceTerminate")) != before_tty:
        problems.append(f"unbind: tty nub terminations {ids(watch.events(), 'tty')}, want {sorted(before_tty)}")
    if any(e["name"] == "ftdi_sio" for e in reg.find("IOLinuxKernelDriver")) or \
            reg.find("IOSerialBSDClient", IOCalloutDevice="/dev/ttyUSB0"):
        problems.append("unbound: ftdi_sio or tty entries left in the registry")
    if explained_ids(ctx):
        problems.append(f"unbound: --explain still lists {explained_ids(ctx)}")
    watch.take()

    with open("/sys/bus/usb/drivers/ftdi_sio/bind", "w") as f:
        f.write(intf)
    watch.wait_for(lambda evs: len(ids(evs, "drv")) >= 2 and ids(evs, "tty"), 20)
    reg, p = checks.registry_settled(ctx)
    problems += [f"bound again: {x}" for x in p]
    after = {e["id"] for e in reg.find("IOLinuxKernelDriver") if e["name"] == "ftdi_sio"}
    came = set(ids(watch.events(), "drv", "IOServiceMatched"))
    if len(after) != 2 or came != after:
        problems.append(f"bind: matched notifications for {sorted(came)}, the registry has {sorted(after)}")
    if len(ids(watch.events(), "tty", "IOServicePublish")) != 1:
        problems.append(f"bind: {len(ids(watch.events(), 'tty', 'IOServicePublish'))} tty nub publications")
    if explained_ids(ctx) != after:
        problems.append(f"bound again: --explain lists {explained_ids(ctx)}, the registry {after}")
    watch.stop()

    monitor.send_signal(signal.SIGINT)
    out, _ = monitor.communicate(timeout=10)
    seen = {}
    for line in out.splitlines():
        fields = line.split()
        if len(fields) >= 3 and fields[2].startswith("0x"):
            seen.setdefault(fields[1], set()).add(fields[2])
    if not before <= seen.get("TERMINATED", set()) or not after <= seen.get("MATCHED", set()):
        problems.append(f"ioreg --monitor disagrees: terminated {sorted(seen.get('TERMINATED', []))}, "
                        f"matched {sorted(seen.get('MATCHED', []))}")
    return problems
