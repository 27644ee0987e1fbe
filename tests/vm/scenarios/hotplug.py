# SPDX-License-Identifier: LGPL-2.1-or-later
"""Scenario 2, hotplug: cycles of unplugging and plugging every USB device (keyboard, stick, FTDI
adapter, CDC ethernet) and a PCIe NIC. A libioreg client subscribed to every service's publish
and terminate sees each entry that came published once and each that went terminated once, a
provider nub published before the nubs below it and terminated after them (kernel-driver entries
move: nub_parent()), no duplicates, no gaps. After each half cycle the client's view (IDs and
SYSPATHs from its notifications) equals sysfs and holds the registry's IDs; every fifth cycle the
registry's own properties (ioreg -j -l) equal sysfs too. The daemon's RSS and fd count stay flat."""

import os
import time

from vmguest import checks, devices, system
from vmguest.daemon import Watch

ALL = ["kbd", "storage", "ftdi", "usbnet", "nic"]
RSS_SLACK_KIB = 1024


def nub_parent(reg, e):
    """The provider, skipping kernel-driver entries: Linux sends bind after the probe made the
    devices below (the driver's entry comes after them and they move below it) and unbind before
    removing them (they move back), so only the order among nubs is Apple's."""
    parent = reg.parent(e)
    while parent and parent["class"] == "IOLinuxKernelDriver":
        parent = reg.parent(parent)
    return parent


def check_half(label, reg_before, reg_after, events, problems):
    before, after = set(reg_before.entries), set(reg_after.entries)
    pubs = [e["id"] for e in events if e["type"] == "IOServicePublish"]
    terms = [e["id"] for e in events if e["type"] == "IOServiceTerminate"]
    for kind, seq in (("published", pubs), ("terminated", terms)):
        dups = sorted({i for i in seq if seq.count(i) > 1})
        if dups:
            problems.append(f"{label}: {kind} more than once: {dups}")
    came, went = after - before, before - after
    if set(pubs) - set(terms) != came:
        problems.append(f"{label}: published {sorted(set(pubs) - set(terms))}, came {sorted(came)}")
    if set(terms) - set(pubs) != went:
        problems.append(f"{label}: terminated {sorted(set(terms) - set(pubs))}, went {sorted(went)}")
    for reg, seq, kind, want in ((reg_after, pubs, "published", "after"), (reg_before, terms, "terminated", "before")):
        for i in seq:
            e = reg.entries.get(i)
            parent = nub_parent(reg, e) if e else None
            if parent and parent["id"] in seq:
                ok = seq.index(parent["id"]) < seq.index(i) if want == "after" else seq.index(parent["id"]) > seq.index(i)
                if not ok:
                    problems.append(f"{label}: {e['name']} {kind} {'before' if want == 'after' else 'after'} "
                                    f"its provider {parent['name']}")


def client_view(view, events):
    for e in events:
        if e["type"] == "IOServicePublish":
            view[e["id"]] = e["syspath"]
        else:
            view.pop(e["id"], None)


def settled(ctx, watch, view, events, timeout=30):
    """Waits until the client's view equals sysfs (by SYSPATH) and the registry (by ID); the
    registry is read without properties, the client's notifications carry the SYSPATH. Returns
    the registry and the problems of the last try."""
    deadline = time.monotonic() + timeout
    while True:
        t0 = time.monotonic()
        ctx.settle()
        t1 = time.monotonic()
        reg = ctx.daemon.registry(props=False)
        t2 = time.monotonic()
        time.sleep(0.1)  # the last notifications' way through the client
        new = watch.take()
        events += new
        client_view(view, new)
        services = {i for i, e in reg.entries.items() if "state" in e}
        mine = {p for p in view.values() if p}
        sysfs = system.sysfs_devices()
        if os.environ.get("ioreg_vm_timing"):
            ctx.host.log(f"settle {t1 - t0:.1f} s, registry {t2 - t1:.1f} s, sysfs {time.monotonic() - t2:.1f} s")
        problems = [f"missing: {p}" for p in sorted(sysfs - mine)]
        problems += [f"extra: {p}" for p in sorted(mine - sysfs)]
        if set(view) != services:
            problems.append(f"the client's view and the registry differ: {sorted(set(view) ^ services)[:8]}")
        if not problems or time.monotonic() >= deadline:
            return reg, problems
        time.sleep(0.2)


def run(ctx):
    problems = []
    devices.plug(ctx.host, "nic")
    _, p = checks.registry_settled(ctx)
    problems += [f"start: {x}" for x in p]
    watch = Watch(ctx.daemon, [("all", "IOServicePublish", {"IOProviderClass": "IOService"}),
                               ("all", "IOServiceTerminate", {"IOProviderClass": "IOService"})], light=True)
    view = {e["id"]: e["syspath"] for e in watch.replayed}
    reg = ctx.daemon.registry(props=False)
    baseline = None
    for cycle in range(1, ctx.cycles + 1):
        for half, action in (("unplugged", devices.unplug), ("plugged", devices.plug)):
            t0 = time.monotonic()
            for name in ALL:
                action(ctx.host, name)
            t1 = time.monotonic()
            label = f"cycle {cycle} {half}"
            events = []
            new, p = settled(ctx, watch, view, events)
            problems += [f"{label}: {x}" for x in p]
            check_half(label, reg, new, events, problems)
            reg = new
            if cycle % 5 == 0 or cycle == ctx.cycles:
                # The registry itself, with its properties, against sysfs.
                _, p = checks.registry_settled(ctx)
                problems += [f"{label}, ioreg: {x}" for x in p]
            if cycle == 1:
                ctx.host.log(f"hotplug: {half}: devices {t1 - t0:.1f} s, settled {time.monotonic() - t1:.1f} s")
        if cycle == 2:
            baseline = (ctx.daemon.rss_kib(), ctx.daemon.n_fds())
        if len(problems) > 40:
            problems.append("(stopped after too many problems)")
            break
    end = (ctx.daemon.rss_kib(), ctx.daemon.n_fds())
    if watch.stop() != 0:
        problems.append("vm-watch: a notification queue overflowed")
    if baseline and (end[0] - baseline[0] > RSS_SLACK_KIB or end[1] != baseline[1]):
        problems.append(f"daemon RSS {baseline[0]} → {end[0]} KiB, fds {baseline[1]} → {end[1]} after cycle 2 → end")
    ctx.host.log(f"hotplug: daemon RSS {baseline and baseline[0]} → {end[0]} KiB, fds {baseline and baseline[1]} → {end[1]}")
    devices.unplug(ctx.host, "nic")
    _, p = checks.registry_settled(ctx)
    problems += [f"end: {x}" for x in p]
    return problems
