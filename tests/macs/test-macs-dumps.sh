#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Faithful to real Macs (issue 16), through the real CLI and daemon:
#  1. a real `ioreg -l` as a terminal shows it (clipped to 100 and 80 columns
#     with ioreg's '$', a shell prompt before and after) loads, and prints
#     back at that width, ≥ 99.5 % of its lines identical;
#  2. -a writes IORegistryEntryChildren at its sorted key's place;
#  3. a text dump printed from an archive whose class names hold commas loads;
#  4. "what would match on that Mac": ioreg --from --personalities --explain
#     (no daemon) and ioregd --snapshot + ioreg --explain say the same, with
#     the Mac's drivers kept (category-held) or set aside (winner);
#  5. tests/macs/measure.py on tests/data: every dump loads, ≥ 99.5 % of the
#     lines reprint identically, ≥ 95 % of the checkable (nub, driver)
#     pairs agree, none by accident.
# usage: test-macs-dumps.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$1
src=$2
ioreg=$build/cli/ioreg
data=$src/tests/data
. "$src/tests/fixture/private-bus.sh"

# ioreg's clip: a line of width or more bytes shows width - 1 of them and a '$'.
clip() { awk -v W="$1" '{ if (length($0) >= W) print substr($0, 1, W - 1) "$"; else print }'; }

# 1. Terminal dumps.
mini=$data/ioreg/hackintosh-Macmini8,1-ioreg-l.txt
for width in 100 80; do
        { echo "user@Mac-mini ~ % ioreg -l"; clip "$width" < "$mini"; echo "user@Mac-mini ~ % "; } > "$work/term$width.txt"
        clip "$width" < "$mini" > "$work/expect$width.txt"
        "$ioreg" --from="$work/term$width.txt" -l -w "$width" > "$work/out$width.txt" ||
                fail "the dump clipped at $width does not load"
        total=$(wc -l < "$work/expect$width.txt")
        differ=$(diff "$work/expect$width.txt" "$work/out$width.txt" | grep -c '^<' || true)
        echo "clipped at $width: $differ of $total lines differ"
        [ $((differ * 1000)) -le $((total * 5)) ] || fail "clipped at $width: $differ of $total lines differ"
done
# Clipped values are marked, not invented: the cut string keeps its '$'.
"$ioreg" --from="$work/term100.txt" -l -w0 -d 1 | grep -q '"IOKitBuildVersion" = ".*root:xnu-1\$"$' ||
        fail "the clipped IOKitBuildVersion is not marked"

# 2. -a: IORegistryEntryChildren among the sorted keys, at every level.
"$ioreg" --from="$data/ioreg/qemu-MacPro7,1-ioreg-tree.txt" -a > "$work/archive.xml"
python3 - "$work/archive.xml" <<'PY' || fail "-a keys are not in sorted order"
import plistlib, sys
def check(d):
    keys = list(d.keys())
    assert keys == sorted(keys), keys
    for c in d.get('IORegistryEntryChildren', []):
        check(c)
check(plistlib.load(open(sys.argv[1], 'rb')))
PY

# 3. A class name with commas, from an archive, printed and loaded again.
cat > "$work/commas.xml" <<'XML'
<?xml version="1.0" encoding="UTF-8"?>
<plist version="1.0">
<dict>
	<key>IOObjectClass</key><string>IORegistryEntry</string>
	<key>IORegistryEntryChildren</key>
	<array><dict>
		<key>IOObjectClass</key><string>AppleT8103,PCIe</string>
		<key>IORegistryEntryID</key><integer>4294967553</integer>
		<key>IORegistryEntryName</key><string>pcie</string>
		<key>IOServiceBusyState</key><integer>0</integer>
		<key>IOServiceBusyTime</key><integer>0</integer>
		<key>IOServiceState</key><integer>30</integer>
	</dict></array>
	<key>IORegistryEntryID</key><integer>4294967552</integer>
	<key>IORegistryEntryName</key><string>Root</string>
</dict>
</plist>
XML
"$ioreg" --from="$work/commas.xml" -w0 > "$work/commas.txt"
grep -q '<class AppleT8103,PCIe, id 0x100000101,' "$work/commas.txt" || fail "no comma class: $(cat "$work/commas.txt")"
"$ioreg" --from="$work/commas.txt" -w0 > "$work/commas2.txt" || fail "a class with commas does not load again"
cmp -s "$work/commas.txt" "$work/commas2.txt" || fail "a class with commas changed: $(cat "$work/commas2.txt")"

# 4. What would match on that Mac, with and without a daemon.
mkdir -p "$work/kexts"
cp "$data/plists/acidanthera-IntelMausiEthernet-Info.plist" "$data/plists/openintelwireless-AirportItlwm-Sonoma-Info.plist" \
        "$work/kexts/"
for drivers in keep aside; do
        "$ioreg" --from="$mini" --personalities="$work/kexts" --explain --mac-drivers=$drivers -n GLAN \
                > "$work/cli-$drivers.txt" || fail "ioreg --from --explain failed"
done
grep -Eq '^  category-held +1000 +1000  IODefaultMatchCategory +"IntelMausi" .* held by 0x10000030e$' \
        "$work/cli-keep.txt" || fail "IntelMausi not held by the Mac's driver: $(cat "$work/cli-keep.txt")"
grep -Eq '^  winner +1000 +1000  IODefaultMatchCategory +"IntelMausi" ' "$work/cli-aside.txt" ||
        fail "IntelMausi would not win: $(cat "$work/cli-aside.txt")"
# AirportItlwm's IOPCIMatch lists 90 Intel Wi-Fi IDs, not GLAN's (8086:0d4f, subsystem 8086:2081): the
# catalogue's index leaves it out of GLAN's candidates.
! grep -q '"itlwm"' "$work/cli-aside.txt" ||
        fail "AirportItlwm is a candidate for GLAN: $(cat "$work/cli-aside.txt")"
# Two personalities at the same score: the winner says catalogue order decided.
mkdir -p "$work/tie"
cat > "$work/tie/tie.json" <<'JSON'
{ "CFBundleIdentifier": "org.ioreg.test.tie", "IOKitPersonalities": {
        "First": { "IOProviderClass": "IOPCIDevice", "IOClass": "A", "IOPCIMatch": "0x0d4f8086" },
        "Second": { "IOProviderClass": "IOPCIDevice", "IOClass": "B", "IOPCIMatch": "0x0d4f8086" } } }
JSON
"$ioreg" --from="$mini" --personalities="$work/tie" --mac-drivers=aside --explain -n GLAN > "$work/tie.txt"
grep -Eq '^  winner +0 +0  IODefaultMatchCategory +"First" \(org.ioreg.test.tie\) \(a tie: catalogue order decided\)$' \
        "$work/tie.txt" || fail "no tie note: $(cat "$work/tie.txt")"
grep -Eq '^  lost +0 +0  IODefaultMatchCategory +"Second" \(org.ioreg.test.tie\)$' "$work/tie.txt" ||
        fail "the second of a tie: $(cat "$work/tie.txt")"
start_private_bus
for drivers in keep aside; do
        ioregd_log=$work/ioregd-$drivers.log start_ioregd --snapshot="$mini" --personalities="$work/kexts" \
                --mac-drivers=$drivers --trust=no
        "$ioreg" --explain -n GLAN > "$work/daemon-$drivers.txt" || fail "ioreg --explain failed"
        stop_ioregd
        diff "$work/cli-$drivers.txt" "$work/daemon-$drivers.txt" ||
                fail "the daemon and the CLI disagree with --mac-drivers=$drivers"
done

# 5. The figures.
python3 "$src/tests/macs/measure.py" --ioreg "$ioreg" --personalities "$data/plists" --personalities "$data/macs" \
        --min-loaded-share 1 --min-identical 0.995 --min-agreement 0.95 --max-by-accident 0 \
        "$data/ioreg" "$data/macs" "$work/term100.txt" || fail "the figures are below the targets"
echo "ok"
