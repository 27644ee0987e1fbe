#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# ioreg -L, the Linux-shaped view (issue 20, point 2), on ioregd serving a
# umockdev testbed of a real recording (a USB keyboard behind hubs on an EHCI
# controller):
# - `ioreg -p IOUSB -L` answers lsusb's question: each device with its hex
#   vendor:product, the hwdb's names (the same as `systemd-hwdb query`) and
#   its device node;
# - `ioreg -L -r -c IOPCIBridge` answers `lspci -tv`'s: the host bridge
#   pci0000:00 with its functions below, each with PCI address and driver;
# - without -L the output is Apple's: -L's lines less what it added;
# - -j -L gives a "linux" object per entry; -j -x gives numbers as "0x..".
# usage: test-linux-view.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$1
src=$2
ioreg=$build/cli/ioreg
recording=$src/tests/data/umockdev/umockdev-input-usbkbd.umockdev

command -v umockdev-run >/dev/null || { echo "SKIP: umockdev-run is not installed"; exit 77; }
. "$src/tests/fixture/private-bus.sh"
start_private_bus
ioregd_wrapper=(umockdev-run -d "$recording" --)
IOREG_UDEV_MODE=kernel start_ioregd
# Under umockdev-run the coldplug may still be going: wait for the keyboard.
for _ in $(seq 200); do
        "$ioreg" -p IOUSB -w0 2>/dev/null | grep -q "@1154200" && break
        sleep 0.1
done

# lsusb: one command, IDs, names, nodes.
"$ioreg" -p IOUSB -L -w0 > "$work/usb.txt"
kbd=$(grep "@1154200" "$work/usb.txt") || fail "no keyboard in IOUSB: $(cat "$work/usb.txt")"
[[ $kbd == *"  ID 05f3:0007"* ]] || fail "no hex IDs: $kbd"
[[ $kbd == *"  /dev/bus/usb/001/009"* ]] || fail "no device node: $kbd"
[[ $kbd == *"  driver usb"* ]] || fail "no driver: $kbd"
if [ -e /usr/lib/udev/hwdb.bin ] || [ -e /etc/udev/hwdb.bin ]; then
        want=$(systemd-hwdb query 'usb:v05F3p0007*' | sed -n 's/^ID_VENDOR_FROM_DATABASE=//p')
        model=$(systemd-hwdb query 'usb:v05F3p0007*' | sed -n 's/^ID_MODEL_FROM_DATABASE=//p')
        [ -n "$want" ] && [[ $kbd == *"ID 05f3:0007 $want $model"* ]] ||
                fail "hwdb names: '$kbd', systemd-hwdb says '$want' '$model'"
fi
[ "$(grep -c '  ID [0-9a-f]\{4\}:[0-9a-f]\{4\}' "$work/usb.txt")" -eq "$(grep -c '+-o' "$work/usb.txt" | awk '{print $1 - 1}')" ] ||
        fail "not every USB device has its IDs: $(cat "$work/usb.txt")"

# lspci -tv: the host bridge and its functions.
"$ioreg" -L -r -c IOPCIBridge -w0 > "$work/pci.txt"
head -n1 "$work/pci.txt" | grep -q "^+-o pci0000:00  <class IOPCIBridge," || fail "no host bridge: $(cat "$work/pci.txt")"
grep -q "^  +-o pci8086,3b3c@1A  <class IOPCIDevice, .*>  ID 8086:3b3c .*  pci 0000:00:1a.0  driver ehci-pci$" \
        "$work/pci.txt" || fail "the EHCI function is not below its bridge with its facts: $(cat "$work/pci.txt")"
"$ioreg" -w0 | grep -q "^    +-o pci0000:00  <class IOPCIBridge" || fail "the bridge is not below the platform expert"

# Apple's output unchanged: -L only appends.
"$ioreg" -l -w0 | sed 's/, busy \([0-9]*\) ([0-9]* ms)/, busy \1/' > "$work/apple.txt"
"$ioreg" -l -L -w0 | sed 's/, busy \([0-9]*\) ([0-9]* ms)/, busy \1/' |
        sed 's/\(retain [0-9]*>\)  .*$/\1/' > "$work/stripped.txt"
diff -u "$work/apple.txt" "$work/stripped.txt" || fail "-L changed more than the end of object lines"
grep -q "  ID \|  driver " "$work/apple.txt" && fail "the default output has -L's additions"

# JSON: a linux object; -x numbers as hex strings.
"$ioreg" -j -L -x -r -c IOUSBHostDevice -n "Kinesis Keyboard Hub" > "$work/hub.json"
python3 - "$work/hub.json" <<'PY' || fail "JSON: $(head -c 2000 "$work/hub.json")"
import json, sys
top = json.load(open(sys.argv[1]))
hub = top["entries"][0]
assert hub["linux"]["ids"] == "05f3:0081", hub.get("linux")
assert hub["linux"]["devnode"] == "/dev/bus/usb/001/007", hub["linux"]
assert hub["properties"]["idVendor"] == "0x5f3", hub["properties"]["idVendor"]
assert all(not isinstance(v, int) for v in hub["properties"].values()), "an integer left with -x"
PY
"$ioreg" -j -r -c IOUSBHostDevice -n "Kinesis Keyboard Hub" | python3 -c '
import json, sys
hub = json.load(sys.stdin)["entries"][0]
assert "linux" not in hub and hub["properties"]["idVendor"] == 0x5f3' || fail "JSON without -L/-x changed"
echo "ok: ioreg -L"
