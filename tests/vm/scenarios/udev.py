# SPDX-License-Identifier: LGPL-2.1-or-later
"""Scenario 5, udev mode: the same machine with systemd-udevd running in the guest (coldplug by
udevadm trigger) and the daemon listening to udev's events: the registry equals sysfs, and each
nub's Linux dictionary holds udev's properties and devlinks as udev's database has them; after
the FTDI adapter is unplugged and plugged again the same holds, and a terminated subscription
for it fired with its properties."""

import os

from vmguest import checks, devices, system
from vmguest.daemon import Watch


def udev_db(path):
    """udev's database record of the device at path: (properties, devlinks), or None."""
    subsystem = os.path.basename(os.path.realpath(path + "/subsystem"))
    dev = system.read(path + "/dev")
    if dev:
        name = ("b" if subsystem == "block" else "c") + dev
    elif subsystem == "net":
        name = "n" + system.read(path + "/ifindex", "")
    else:
        name = f"+{subsystem}:{os.path.basename(path)}"
    try:
        lines = open("/run/udev/data/" + name).read().splitlines()
    except OSError:
        return None
    props = dict(line[2:].split("=", 1) for line in lines if line.startswith("E:") and "=" in line)
    links = {"/dev/" + line[2:] for line in lines if line.startswith("S:")}
    return props, links


def check_udev_properties(reg, problems, label):
    n_checked = n_links = 0
    for path, entries in reg.by_syspath().items():
        db = udev_db(path)
        if not db:
            continue
        props, links = db
        mine = reg.props(entries[0]).get("Linux", {}).get("udev", {})
        wrong = sorted(k for k, v in props.items() if mine.get(k) != v)
        if wrong:
            problems.append(f"{label}: {path}: udev properties {wrong[:5]} missing or different")
        if links and not links <= set(mine.get("DEVLINKS", "").split()):
            problems.append(f"{label}: {path}: devlinks {sorted(links)}, Linux has {mine.get('DEVLINKS')!r}")
        n_checked += 1
        n_links += bool(links)
    if n_checked < 20 or n_links < 3:
        problems.append(f"{label}: only {n_checked} devices in udev's database, {n_links} with devlinks")


def run(ctx):
    problems = []
    if "kernel" in ctx.daemon.log_text().split("Listening to", 1)[-1].split("uevents")[0]:
        problems.append("the daemon listens to the kernel, not to udevd")
    reg, p = checks.registry_settled(ctx)
    problems += [f"coldplug: {x}" for x in p]
    check_udev_properties(reg, problems, "coldplug")
    tty = reg.find("IOSerialBSDClient", IOCalloutDevice="/dev/ttyUSB0")
    if len(tty) != 1 or not any("/dev/serial/by-id/" in link for link in
                                reg.props(tty[0]).get("Linux", {}).get("udev", {}).get("DEVLINKS", "").split()):
        problems.append(f"ttyUSB0: no /dev/serial/by-id devlink in its Linux dictionary: {tty and reg.props(tty[0])}")

    vid, pid = devices.USB["ftdi"][1]
    dev = reg.by_syspath().get(devices.usb_path("ftdi"), [None])[0]
    watch = Watch(ctx.daemon, [("ftdi", "IOServiceTerminate",
                                {"IOProviderClass": "IOUSBHostDevice", "idVendor": vid, "idProduct": pid})])
    devices.unplug(ctx.host, "ftdi")
    ev = watch.wait_for(lambda evs: evs, 20)
    watch.stop()
    if not ev or not dev or ev[0]["name"] != dev["name"] or (ev[0]["props"] or {}).get("idVendor") != vid:
        problems.append(f"unplug: terminated notification {ev and ev[0]['name']}, props {ev and ev[0]['props']}")
    devices.plug(ctx.host, "ftdi")
    system.wait_until(lambda: os.path.exists("/dev/ttyUSB0"), 20)
    reg, p = checks.registry_settled(ctx)
    problems += [f"replugged: {x}" for x in p]
    check_udev_properties(reg, problems, "replugged")
    return problems
