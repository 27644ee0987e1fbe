# SPDX-License-Identifier: LGPL-2.1-or-later
"""Scenario 4, removal: for each USB device, a terminated subscription with Apple's
{IOProviderClass, idVendor, idProduct} fires on unplug, as do one for its interfaces and, for the
FTDI adapter, one for its tty nub (Apple's dictionaries: an interface's names its configuration and
number too); each terminated entry still carries its name and properties.
Then the device is plugged back and the registry equals sysfs again, under a new sessionID: the ID
of its new sysfs node, which kernfs never hands out twice (umockdev's file system may)."""

import os


from vmguest import checks, devices
from vmguest.daemon import Watch


def session_id(props):
    """sessionID as a number, in either JSON form (a plain integer, or {"$unsigned": digits})."""
    v = props.get("sessionID")
    return int(v["$unsigned"]) if isinstance(v, dict) else v


def run(ctx):
    problems = []
    for name, (_, (vid, pid)) in devices.USB.items():
        reg, p = checks.registry_settled(ctx)
        problems += [f"{name}, before: {x}" for x in p]
        path = devices.usb_path(name)
        dev = reg.by_syspath().get(path, [None])[0]
        if not dev:
            problems.append(f"{name}: not in the registry before unplug")
            continue
        old_session = session_id(reg.props(dev))
        if old_session != os.stat(path).st_ino:
            problems.append(f"{name}: sessionID {old_session}, its sysfs node {os.stat(path).st_ino}")
        intfs = [e for e in checks.entries_below(reg, path) if e["class"] == "IOUSBHostInterface"]
        ttys = [e for e in checks.entries_below(reg, path) if e["class"] == "IOSerialBSDClient"]
        # Apple's dictionaries: a device by vendor and product; an interface needs its configuration
        # and number too (the USB family's rule); a tty nub by its callout device.
        subs = [("device", {"IOProviderClass": "IOUSBHostDevice", "idVendor": vid, "idProduct": pid}, [dev])]
        for i in intfs:
            p = reg.props(i)
            subs.append((f"interface {i['name']}", {"IOProviderClass": "IOUSBHostInterface", "idVendor": vid,
                                                     "idProduct": pid, "bConfigurationValue": p.get("bConfigurationValue"),
                                                     "bInterfaceNumber": p.get("bInterfaceNumber")}, [i]))
        for t in ttys:
            subs.append(("tty", {"IOProviderClass": "IOSerialBSDClient",
                                 "IOCalloutDevice": reg.props(t)["IOCalloutDevice"]}, [t]))
        watch = Watch(ctx.daemon, [(label, "IOServiceTerminate", d) for label, d, _ in subs])
        devices.unplug(ctx.host, name)
        watch.wait_for(lambda evs: all(any(e["sub"] == label for e in evs) for label, _, _ in subs), 20)
        _, p = checks.registry_settled(ctx)
        problems += [f"{name}, after unplug: {x}" for x in p]
        watch.stop()
        for sub, _, want in subs:
            got = {e["id"]: e for e in watch.events(sub)}
            for before in want:
                e = got.get(before["id"])
                if not e:
                    problems.append(f"{name}: no terminated notification for {sub} {before['name']} ({before['id']})")
                    continue
                if e["name"] != before["name"]:
                    problems.append(f"{name}: terminated {sub} named {e['name']!r}, was {before['name']!r}")
                lost = sorted(k for k in reg.props(before) if k not in (e["props"] or {}))
                if lost:
                    problems.append(f"{name}: terminated {sub} {before['name']} lost {lost}")
            if len(watch.events(sub)) != len(want):
                problems.append(f"{name}: {len(watch.events(sub))} terminated notifications for {sub}, "
                                f"{len(want)} entries")
        devices.plug(ctx.host, name)
        if not checks.system.wait_until(lambda: devices.usb_path(name), 20):
            problems.append(f"{name}: did not come back")
        reg, p = checks.registry_settled(ctx)
        problems += [f"{name}, replugged: {x}" for x in p]
        new_path = devices.usb_path(name)  # the port may differ
        back = reg.by_syspath().get(new_path, [None])[0] if new_path else None
        new_session = session_id(reg.props(back)) if back else None
        new_node = os.stat(new_path).st_ino if new_path else None
        if new_session is None or new_session == old_session or new_session != new_node:
            problems.append(f"{name}: sessionID {old_session} before the unplug, {new_session} after "
                            f"(its new sysfs node: {new_node})")
    return problems
