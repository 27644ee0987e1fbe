# SPDX-License-Identifier: LGPL-2.1-or-later
"""Scenario 1, coldplug: xHCI with a keyboard, a USB stick, an FTDI adapter and a CDC ethernet
adapter, plus a SATA CD (its device link): the registry equals sysfs; classes and Apple's
properties are right; the IOUSB plane is; every bound driver has its IOLinuxKernelDriver entry;
no event was refused and the device link is an IOPower edge."""

import glob
import os

from vmguest import checks, devices, system


def check_usb(reg, problems):
    by_path = reg.by_syspath()
    for name, (_, (vid, pid)) in devices.USB.items():
        path = devices.usb_path(name)
        if not path:
            problems.append(f"{name}: {vid:04x}:{pid:04x} not in sysfs")
            continue
        e = by_path.get(path, [None])[0]
        if not e or e["class"] != "IOUSBHostDevice":
            problems.append(f"{name}: no IOUSBHostDevice for {path}")
            continue
        props = reg.props(e)
        if props.get("idVendor") != vid or props.get("idProduct") != pid:
            problems.append(f"{name}: idVendor/idProduct {props.get('idVendor')!r}/{props.get('idProduct')!r}")
        if not isinstance(props.get("locationID"), int):
            problems.append(f"{name}: locationID {props.get('locationID')!r} is not a number")
        product = system.read(path + "/product")
        if product and e["name"] != product:
            problems.append(f"{name}: named {e['name']!r}, product {product!r}")
        for intf in glob.glob(path + "/" + os.path.basename(path) + ":*"):
            ie = by_path.get(intf, [None])[0]
            if not ie or ie["class"] != "IOUSBHostInterface":
                problems.append(f"{name}: no IOUSBHostInterface for {intf}")


def check_families(reg, problems):
    tty = reg.find("IOSerialBSDClient", IOCalloutDevice="/dev/ttyUSB0")
    if len(tty) != 1 or not os.path.exists("/dev/ttyUSB0"):
        problems.append(f"IOSerialBSDClient with IOCalloutDevice /dev/ttyUSB0: {len(tty)} entries")
    stick = devices.usb_path("storage")
    for block in glob.glob("/sys/class/block/sd*"):
        path = os.path.realpath(block)
        if not stick or not path.startswith(stick + "/"):
            continue
        size = int(system.read(path + "/size")) * 512
        media = reg.find("IOMedia", **{"BSD Name": os.path.basename(block)})
        if len(media) != 1 or reg.props(media[0]).get("Size") != size:
            problems.append(f"IOMedia {os.path.basename(block)} of {size} bytes: "
                            f"{[(m['name'], reg.props(m).get('Size')) for m in media]}")
    usbnet = devices.usb_path("usbnet")
    nets = [os.path.basename(n) for n in glob.glob("/sys/class/net/*")
            if usbnet and os.path.realpath(n).startswith(usbnet + "/")]
    for n in nets:
        e = reg.find(None, **{"BSD Name": n})
        if len(e) != 1 or e[0]["class"] not in ("IOEthernetInterface", "IONetworkInterface"):
            problems.append(f"network interface {n}: {[(x['class'], x['name']) for x in e]}")
    if not nets:
        problems.append("the CDC ethernet adapter has no network interface")
    hid = [e for e in reg.find("IOHIDDevice") if (reg.syspath(e) or "").startswith(devices.usb_path("kbd") or "-")]
    if len(hid) != 1:
        problems.append(f"keyboard: {len(hid)} IOHIDDevice entries")


def check_usb_plane(ctx, problems):
    plane = ctx.daemon.registry("IOUSB")
    have = {plane.syspath(e): e for e in plane.entries.values() if plane.syspath(e)}
    want = system.usb_devices()
    if set(have) != set(want):
        problems.append(f"IOUSB plane: {sorted(set(have) ^ set(want))} differ")
    for path, e in have.items():
        parent = plane.parent(e)
        up = os.path.dirname(path)
        want_parent = up if up in want else None
        got = plane.syspath(parent) if parent else None
        if got != want_parent and not (want_parent is None and parent and parent["class"] == "IORegistryEntry"):
            problems.append(f"IOUSB plane: {path} below {got}, not {want_parent or 'Root'}")


def check_drivers(reg, problems):
    for path, entries in reg.by_syspath().items():
        driver = os.path.join(path, "driver")
        if not os.path.islink(driver):
            continue
        name = os.path.basename(os.readlink(driver))
        kids = [c for c in reg.children(entries[0]) if c["class"] == "IOLinuxKernelDriver"]
        if [c["name"] for c in kids] != [name]:
            problems.append(f"{path}: driver {name}, kernel driver entries {[c['name'] for c in kids]}")


def check_devlinks(ctx, problems):
    log = ctx.daemon.log_text()
    problems += [line for line in log.splitlines() if "Cannot apply" in line]
    links = glob.glob("/sys/class/devlink/*")
    if not links:
        problems.append("no device link in the guest (the SATA CD's libata link is expected)")
    power = ctx.daemon.registry("IOPower")
    by_path = power.by_syspath()
    for link in links:
        supplier, consumer = os.path.basename(link).split("--")
        ends = []
        for end in (supplier, consumer):
            bus, _, name = end.partition(":")
            found = glob.glob(f"/sys/{'bus/' + bus + '/devices' if bus and os.path.isdir('/sys/bus/' + bus) else 'class/' + (bus or '*')}/{name}")
            ends.append(os.path.realpath(found[0]) if found else None)
        s, c = (by_path.get(p, [None])[0] if p else None for p in ends)
        if not s or not c or s["id"] not in power.parents.get(c["id"], []):
            problems.append(f"device link {os.path.basename(link)}: no IOPower edge ({ends})")


def run(ctx):
    reg, problems = checks.registry_settled(ctx)
    check_usb(reg, problems)
    check_families(reg, problems)
    check_usb_plane(ctx, problems)
    check_drivers(reg, problems)
    check_devlinks(ctx, problems)
    return problems
