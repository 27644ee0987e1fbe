# SPDX-License-Identifier: LGPL-2.1-or-later
"""Scenario 6, network devices: a PCIe NIC (e1000e on a pcie-root-port) and the USB CDC ethernet
adapter are hot-added, renamed (ip link set ... name ...) and removed. Every entry's SYSPATH
follows the rename (the registry equals sysfs) and BSD Name too; a fresh daemon's coldplug of the
same machine gives the same entries as the hotplugged and renamed ones."""

import glob
import os
import subprocess

from vmguest import checks, devices, system


def interfaces_below(path):
    return [os.path.basename(n) for n in glob.glob("/sys/class/net/*")
            if path and os.path.realpath(n).startswith(path + "/")]


def nic_path():
    for dev in glob.glob("/sys/bus/pci/devices/*"):
        if system.read(dev + "/vendor") == "0x8086" and system.read(dev + "/device") == "0x10d3":
            return os.path.realpath(dev)
    return None


def run(ctx):
    problems = []
    devices.plug(ctx.host, "nic")
    devices.unplug(ctx.host, "usbnet")
    ctx.settle()
    devices.plug(ctx.host, "usbnet")
    paths = {"nic": system.wait_until(nic_path, 20), "usbnet": system.wait_until(lambda: devices.usb_path("usbnet"), 20)}
    ifaces = {k: system.wait_until(lambda: interfaces_below(p), 20) for k, p in paths.items()}
    if not all(ifaces.values()):
        return problems + [f"interfaces did not come: {ifaces}"]
    reg, p = checks.registry_settled(ctx)
    problems += [f"added: {x}" for x in p]

    for k, names in ifaces.items():
        subprocess.run(["ip", "link", "set", "dev", names[0], "name", "vm" + k], check=True)
    reg, p = checks.registry_settled(ctx)
    problems += [f"renamed: {x}" for x in p]
    for k in ifaces:
        e = reg.find(None, **{"BSD Name": "vm" + k})
        path = os.path.realpath("/sys/class/net/vm" + k)
        if len(e) != 1 or reg.syspath(e[0]) != path:
            problems.append(f"renamed: BSD Name vm{k}: {[(x['class'], reg.syspath(x)) for x in e]}, sysfs {path}")

    cold = ctx.start_daemon(name="ioregd-coldplug")
    try:
        reg_cold, p = checks.registry_settled(ctx, cold)
        problems += [f"fresh coldplug: {x}" for x in p]
        reg, _ = checks.registry_settled(ctx)
        for k, path in paths.items():
            problems += [f"{k}: {x}" for x in checks.same_entries(reg, reg_cold, path)]
    finally:
        cold.stop()

    devices.unplug(ctx.host, "nic")
    devices.unplug(ctx.host, "usbnet")
    reg, p = checks.registry_settled(ctx)
    problems += [f"removed: {x}" for x in p]
    for k, path in paths.items():
        left = checks.entries_below(reg, path)
        if left:
            problems.append(f"removed: {k} left {[(e['class'], e['name']) for e in left]}")
    devices.plug(ctx.host, "usbnet")
    system.wait_until(lambda: interfaces_below(devices.usb_path("usbnet")), 20)
    _, p = checks.registry_settled(ctx)
    problems += [f"usbnet back: {x}" for x in p]
    return problems
