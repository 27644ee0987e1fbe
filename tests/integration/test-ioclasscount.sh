#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# ioclasscount in Apple's format: from a real Mac's saved registry (its own
# IOKitDiagnostics), from a dump without them (counted here), and from a
# live ioregd on a private bus.
# usage: test-ioclasscount.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$1
src=$2
ioreg=$build/cli/ioreg
ioclasscount=$build/cli/ioclasscount
dumps=$src/tests/data/ioreg

. "$src/tests/fixture/private-bus.sh"
expect() { [ "$1" = "$2" ] || fail "expected '$2', got '$1'"; }

# 1. A Mac's own counts, read from Root's IOKitDiagnostics in the dump.
mini="$dumps/hackintosh-Macmini8,1-ioreg-l.txt"
expect "$("$ioclasscount" --from="$mini" IOPCIDevice NoSuchClass IOService)" \
        "IOPCIDevice = 27, NoSuchClass = <no such class>, IOService = 203"
"$ioclasscount" --from="$mini" > "$work/all.txt"
LC_ALL=C sort -c "$work/all.txt" || fail "not sorted by name"
grep -q '^IOPCIDevice = 27$' "$work/all.txt" || fail "no IOPCIDevice line"
[ "$(grep -c ' = ' "$work/all.txt")" -gt 500 ] || fail "too few classes"

# 2. A dump without them: counted from its entries, plus one per direct subclass with instances.
qemu="$dumps/qemu-MacPro7,1-ioreg-tree.txt"
n_pci=$(grep -c '<class IOPCIDevice,' "$qemu")
expect "$("$ioclasscount" --from="$qemu" IOPCIDevice)" "IOPCIDevice = $n_pci"

# 3. A live daemon: the platform expert, IOResources and the root domain are IOService's direct subclasses.
start_private_bus
start_ioregd --sysfs-root="$src/tests/data/sys-thinkpad-x230" --no-udev
expect "$("$ioclasscount" IOPlatformExpertDevice IOResources IOService IOMedia Nope)" \
        "IOPlatformExpertDevice = 1, IOResources = 1, IOService = 3, IOMedia = 0, Nope = <no such class>"
"$ioclasscount" | LC_ALL=C sort -c || fail "live listing not sorted"
echo "ok: ioclasscount"
