#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Format parity: every real macOS dump in tests/data/ioreg/ is loaded as a
# snapshot (ioreg --from) and printed with the options that produced it
# (SOURCES.md); the output must equal the original byte for byte, after the
# normalisations below, each of which names why.
# Skipped: the robre-archive-*-classchain.txt dumps, post-processed by sed
# into "+-o Name class: A:B:C" lines (no ids, state or retain): no ioreg
# invocation prints them.
# usage: test-ioreg-parity.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
ioreg=$1/cli/ioreg
data=$2/tests/data/ioreg
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The kernel's retain count is read anew for every line: an entry shown
# under several parents may show different counts; a snapshot keeps one.
# Trailing blank lines: the glpi fixtures were saved without them.
normalise() {
        sed -E 's/, retain [0-9]+>$/, retain N>/' "$1" | awk '
                { lines[NR] = $0 }
                END { n = NR; while (n > 0 && lines[n] ~ /^[ |]*$/) n--; for (i = 1; i <= n; i++) print lines[i] }'
}

# M17xR2 (-f) only ("ranges" tables need no normalising: without the
# IODeviceTree plane their columns come from the nearest ancestor's
# #address-cells, as the Mac's did):
#  - the ASCII column of hex dumps: the dump's author replaced the serial
#    number there, but not in the hex bytes we print it from;
#  - DebugState, HIDIdleTime and CursorState of IOHIDSystem, which the dump shows under
#    two parents read at two moments: a snapshot is one entry with one value.
normalise_format() {
        sed -E -e 's/^([ |]*    [0-9A-F]{8}:( [0-9A-F]{2})+) .*$/\1/' \
               -e 's/^([ |]*  "(DebugState|HIDIdleTime|CursorState)" = ).*$/\1…/'
}

pass=0
failed=0
check() {
        local file=$1; shift
        local out=$work/$file.out
        if ! "$ioreg" --from "$data/$file" "$@" > "$out" 2> "$work/err"; then
                echo "FAIL: $file: ioreg $* failed: $(cat "$work/err")"
                failed=$((failed + 1))
                return
        fi
        normalise "$data/$file" > "$work/a"
        normalise "$out" > "$work/b"
        if [ "${FORMAT:-}" = 1 ]; then
                normalise_format < "$work/a" > "$work/a2"; mv "$work/a2" "$work/a"
                normalise_format < "$work/b" > "$work/b2"; mv "$work/b2" "$work/b"
        fi
        if cmp -s "$work/a" "$work/b"; then
                echo "ok: $file (ioreg $*)"
                pass=$((pass + 1))
        else
                echo "FAIL: $file (ioreg $*) differs:"
                diff "$work/a" "$work/b" | head -20
                failed=$((failed + 1))
        fi
}

check hackintosh-Macmini8,1-ioreg-l.txt -l -w0
check hackintosh-Macmini8,1-ioreg-p-IOUSB-l.txt -p IOUSB -l -w0
check hackintosh-MacBookPro15,2-ioreg-tree.txt -w0
check qemu-MacPro7,1-ioreg-tree.txt -w0
check glpi-ioreg-IOUSBDevice1.txt -c IOUSBDevice -w0
check glpi-ioreg-IOUSBDevice2.txt -c IOUSBDevice -w0
check glpi-ioreg-IOPlatformExpertDevice.txt -c IOPlatformExpertDevice -w0
check glpi-ioreg-IOPlatformExpertDevice-2.txt -r -d 1 -c IOPlatformExpertDevice -w0
check glpi-ioreg-AppleCLCD2.txt -r -c AppleCLCD2 -w0
FORMAT=1 check hackintosh-M17xR2-MacBookPro8,3-ioreg-l.txt -l -f -w0

# The normalisations hide only what they name: without them these differ.
"$ioreg" --from "$data/hackintosh-M17xR2-MacBookPro8,3-ioreg-l.txt" -l -f -w0 > "$work/m17"
if cmp -s "$work/m17" "$data/hackintosh-M17xR2-MacBookPro8,3-ioreg-l.txt"; then
        echo "FAIL: M17xR2 identical without normalising: update the named differences"
        failed=$((failed + 1))
fi
# A wrong option set must fail the comparison (the test can fail).
"$ioreg" --from "$data/glpi-ioreg-IOUSBDevice1.txt" -c IOUSBHubDevice -w0 > "$work/wrong"
if cmp -s <(normalise "$work/wrong") <(normalise "$data/glpi-ioreg-IOUSBDevice1.txt"); then
        echo "FAIL: -c IOUSBHubDevice printed what -c IOUSBDevice printed"
        failed=$((failed + 1))
fi
echo "parity: $pass identical, $failed failed"
[ "$failed" -eq 0 ]
