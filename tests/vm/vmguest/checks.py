# SPDX-License-Identifier: LGPL-2.1-or-later
"""checks.py: the comparisons scenarios share."""

import os
import time

from . import system
from .daemon import compare_with_sysfs


def registry_settled(ctx, daemon=None, timeout=30):
    """Waits for the kernel to settle and the registry to equal sysfs. Returns (registry, problems):
    no problems once they agree, else the last differences seen."""
    daemon = daemon or ctx.daemon
    deadline = time.monotonic() + timeout
    while True:
        t0 = time.monotonic()
        ctx.settle()
        t1 = time.monotonic()
        reg = daemon.registry()
        if os.environ.get("ioreg_vm_timing"):
            ctx.host.log(f"settle {t1 - t0:.1f} s, registry {time.monotonic() - t1:.1f} s")
        problems = compare_with_sysfs(reg, system.sysfs_devices())
        if not problems or time.monotonic() >= deadline:
            return reg, problems
        time.sleep(0.3)


def entries_below(reg, syspath):
    """Entries whose SYSPATH is syspath or below it."""
    return [e for e in reg.entries.values()
            if (reg.syspath(e) or "") == syspath or (reg.syspath(e) or "").startswith(syspath + "/")]


def same_entries(hot, cold, prefix="/sys/devices/"):
    """Differences between two registries' nubs (class, name, location, Linux dictionary), by SYSPATH."""
    problems = []
    a, b = hot.by_syspath(), cold.by_syspath()
    for p in sorted(set(a) | set(b)):
        if not p.startswith(prefix):
            continue
        if p not in a or p not in b:
            problems.append(f"{p}: only after {'hotplug' if p in a else 'coldplug'}")
            continue
        x, y = a[p][0], b[p][0]
        for key in ("class", "name", "location"):
            if x.get(key) != y.get(key):
                problems.append(f"{p}: {key} {x.get(key)!r} after hotplug, {y.get(key)!r} after coldplug")
        lx, ly = hot.props(x).get("Linux", {}), cold.props(y).get("Linux", {})
        if lx != ly:
            problems.append(f"{p}: Linux {lx} after hotplug, {ly} after coldplug")
    return problems
