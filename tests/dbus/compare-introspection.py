#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# compare-introspection.py CONTRACT.xml... -- LIVE.xml...
# The interfaces of the contracts must be exactly those the live objects
# introspect to (the standard org.freedesktop.DBus.* ones aside), each with
# the same members, arguments, attributes and annotations, in the same
# order. Comments and whitespace do not count. Exit 0 when equal.
import sys
import xml.etree.ElementTree as ET


def canonical(el):
    return (el.tag, tuple(sorted(el.attrib.items())), tuple(canonical(c) for c in el))


def interfaces(path):
    found = {}
    for iface in ET.parse(path).getroot().iter("interface"):
        name = iface.get("name")
        if not name.startswith("org.freedesktop.DBus."):
            found[name] = canonical(iface)
    return found


def show(c, depth=0):
    tag, attrs, children = c
    print("  " * depth + tag + " " + " ".join(f'{k}="{v}"' for k, v in attrs), file=sys.stderr)
    for ch in children:
        show(ch, depth + 1)


split = sys.argv.index("--")
contract = {}
for path in sys.argv[1:split]:
    contract.update(interfaces(path))
live = {}
for path in sys.argv[split + 1:]:
    live.update(interfaces(path))

ok = True
for name in sorted(set(contract) | set(live)):
    if name not in live:
        print(f"{name}: in the contract, not served", file=sys.stderr)
        ok = False
    elif name not in contract:
        print(f"{name}: served, not in the contract", file=sys.stderr)
        ok = False
    elif contract[name] != live[name]:
        print(f"{name}: differs. Contract:", file=sys.stderr)
        show(contract[name])
        print("Live:", file=sys.stderr)
        show(live[name])
        ok = False
    else:
        print(f"{name}: equal")
sys.exit(0 if ok else 1)
