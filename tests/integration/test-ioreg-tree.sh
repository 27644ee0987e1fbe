#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The first vertical slice end to end: a private dbus-daemon, ioregd on it
# against a sysfs fixture, and ioreg printing the IOService plane.
# usage: test-ioreg-tree.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$1
src=$2
ioreg=$build/cli/ioreg

. "$src/tests/fixture/private-bus.sh"
start_private_bus

start_ioregd --sysfs-root="$src/tests/data/sys-thinkpad-x230" --no-udev

# Busy times depend on the machine's speed: compared without them.
no_busy_time() { sed -e 's/, busy \([0-9]*\) ([0-9]* ms)/, busy \1/'; }

# 1. The tree, exactly.
"$ioreg" -w0 | no_busy_time > "$work/tree.txt" || fail "ioreg failed"
diff -u "$src/tests/integration/expected/tree.txt" "$work/tree.txt" || fail "tree differs"

# 2. Every property, exactly; the kernel's identity depends on the machine.
"$ioreg" -l -w0 | no_busy_time > "$work/tree-l.txt" || fail "ioreg -l failed"
sed -e "s|@RELEASE@|$(uname -r)|" -e "s|@MACHINE@|$(uname -m)|" -e "s|@SYSNAME@|$(uname -s)|" \
        "$src/tests/integration/expected/tree-l.txt" > "$work/expected-l.txt"
diff -u "$work/expected-l.txt" "$work/tree-l.txt" || fail "ioreg -l differs"

# 3. Clipping: every line at most 40 columns, the clipped ones ending in '$'.
"$ioreg" -l -w 40 > "$work/tree-w40.txt" || fail "ioreg -w 40 failed"
awk 'length($0) > 40 { print "too long: " $0; bad = 1 } END { exit bad }' "$work/tree-w40.txt" \
        || fail "line longer than 40"
grep -qx '+-o Root  <class IORegistryEntry, id 0x\$' "$work/tree-w40.txt" || fail "Root line not clipped with \$"
[ "$(grep -c '\$$' "$work/tree-w40.txt")" -ge 3 ] || fail "expected several clipped lines"

# 4. Other planes: Root is in every plane; the platform expert is in IODeviceTree as "device-tree".
"$ioreg" -w0 -p IOUSB > "$work/usb.txt" || fail "ioreg -p IOUSB failed"
[ "$(cat "$work/usb.txt")" = "+-o Root  <class IORegistryEntry, id 0x100000100, retain 1>" ] \
        || fail "IOUSB plane: $(cat "$work/usb.txt")"
"$ioreg" -w0 -p IODeviceTree | grep -q '^  +-o device-tree  <class IOPlatformExpertDevice, id 0x100000101, ' \
        || fail "IODeviceTree plane lacks the platform expert"

# 5. Bad input: an unknown plane is an error; a malformed call leaves the daemon serving.
if "$ioreg" -p NoSuchPlane > "$work/bad.txt" 2>&1; then fail "unknown plane accepted"; fi
grep -q "invalid plane 'NoSuchPlane'" "$work/bad.txt" || fail "unclear error: $(cat "$work/bad.txt")"
if command -v busctl >/dev/null; then
        if busctl --address="$IOREG_BUS_ADDRESS" call org.ioreg.Registry1 /org/ioreg/Registry1 \
                org.ioreg.Registry1 GetPlane u 7 2>"$work/busctl.err"; then
                fail "GetPlane with a wrong signature succeeded"
        fi
fi
"$ioreg" -w0 | no_busy_time > "$work/tree-again.txt" || fail "daemon gone after a bad call"
cmp -s "$src/tests/integration/expected/tree.txt" "$work/tree-again.txt" || fail "tree changed after a bad call"
kill -0 "$daemon" || fail "daemon died"

# 6. -c selects whose properties show: only the platform expert's here.
"$ioreg" -w0 -c IOPlatformExpertDevice > "$work/c.txt" || fail "ioreg -c failed"
[ "$(grep -c '^ *| *{$\|^ *{$' "$work/c.txt")" -eq 1 ] || fail "-c IOPlatformExpertDevice: $(cat "$work/c.txt")"
stop_ioregd

# 7. ioregd --snapshot serves a Mac's registry: ioreg prints the dump itself.
dump=$src/tests/data/ioreg/hackintosh-Macmini8,1-ioreg-p-IOUSB-l.txt
start_ioregd --snapshot="$dump" --snapshot-plane=IOUSB
"$ioreg" -p IOUSB -l -w0 > "$work/snap.txt" || fail "ioreg against the snapshot failed"
cmp "$dump" "$work/snap.txt" || fail "snapshot served differently: $(diff "$dump" "$work/snap.txt" | head)"
"$ioreg" -p IOUSB -w0 --from="$dump" -a > "$work/local.plist" || fail "ioreg --from -a failed"
"$ioreg" -p IOUSB -w0 -a > "$work/bus.plist" || fail "ioreg -a failed"
cmp "$work/local.plist" "$work/bus.plist" || fail "--from and the daemon archive differently"
kill "$daemon"; wait "$daemon" 2>/dev/null || true

# 8. -j: property values in the one JSON form (data {"$data": base64}, big numbers {"$unsigned"}),
# the same from the daemon (through libioreg) as from the dump.
dump=$src/tests/data/ioreg/hackintosh-Macmini8,1-ioreg-l.txt
start_ioregd --snapshot="$dump"
"$ioreg" -l -j > "$work/bus.json" || fail "ioreg -l -j failed"
"$ioreg" -l -j --from="$dump" > "$work/local.json" || fail "ioreg -l -j --from failed"
cmp "$work/local.json" "$work/bus.json" || fail "-j differs: $(diff "$work/local.json" "$work/bus.json" | head)"
grep -q '"\$data": "CQAAAAUAAAA="' "$work/bus.json" || fail "no data as {\"\$data\": base64}"
grep -q '"\$unsigned": "18446744073709551615"' "$work/bus.json" || fail "no {\"\$unsigned\"}"
if grep -q '"data":\|"unsigned":' "$work/bus.json"; then fail "-j still writes the old data form"; fi
stop_ioregd

echo "ok"
