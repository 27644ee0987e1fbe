#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# IOCFPlugInTypes end to end: ioregd on a umockdev testbed of a real USB
# keyboard recording (05f3:0007), a codeless personality that merges
# IOCFPlugInTypes into it (as Apple's IOUSBUserClientInit does), and the
# example client creating the plug-in interface through libioreg. Then the
# failures: a type the service does not name, a plug-in file that is not
# there, a relative path that climbs out of the plug-in folders, a device
# that is not there.
# usage: test-plugin.sh BUILD_DIR SOURCE_DIR PLUGIN_SO CLIENT
set -euo pipefail
build=$1
src=$2
plugin=$3
client=$4
recording=$src/tests/data/umockdev/umockdev-input-usbkbd.umockdev
[ -f "$recording" ] || fail "no recording at $recording"

. "$src/tests/fixture/private-bus.sh"
start_private_bus

type_id=5B2A7C3E-1D0F-4E8A-9C61-3F7B2E9D4A10
mkdir "$work/personalities" "$work/plugins"
cp "$plugin" "$work/plugins/"
cat > "$work/personalities/plugin.json" <<JSON
{ "CFBundleIdentifier": "org.ioreg.test.plugin",
  "IOKitPersonalities": {
    "Keyboard": {
        "IOProviderClass": "IOUSBHostDevice", "idVendor": 1523, "idProduct": 7,
        "IOClass": "IOService",
        "IOProviderMergeProperties": { "IOCFPlugInTypes": {
            "$type_id": "$(basename "$plugin")",
            "11111111-2222-3333-4444-555555555555": "missing-plugin.so",
            "66666666-7777-8888-9999-AAAAAAAAAAAA": "../escape.so" } } } } }
JSON

ioregd_wrapper=(umockdev-run -d "$recording" --)
IOREG_UDEV_MODE=kernel start_ioregd --personalities="$work/personalities"
# Under umockdev-run the daemon may not be on the bus yet when ioreg first asks, and its coldplug
# may still be going: wait for the keyboard's merge itself.
merged=no
for _ in $(seq 200); do
        kill -0 "$daemon" 2>/dev/null || fail "ioregd under umockdev-run exited"
        if "$build/cli/ioreg" --wait-quiet=5 >/dev/null 2>&1 &&
           "$build/cli/ioreg" -w0 -r -c IOUSBHostDevice -l 2>/dev/null | grep -q "IOCFPlugInTypes"; then
                merged=yes
                break
        fi
        sleep 0.1
done
[ "$merged" = yes ] || fail "IOCFPlugInTypes was not merged"

export IOREG_PLUGIN_PATH=$work/plugins
out=$("$client" 0x05f3 0x0007) || fail "plugin-client failed: $out"
[ "$out" = "IOUSBHostDevice 05f3:0007 score 1000" ] || fail "unexpected summary: $out"

# A type the service names nothing for, a plug-in that is not there, a path out of the folders.
out=$("$client" 0x05f3 0x0007 AAAAAAAA-0000-0000-0000-000000000000) && fail "an unknown type loaded: $out"
[ "$out" = "create plug-in interface: unsupported function" ] || fail "unknown type: $out"
out=$("$client" 0x05f3 0x0007 11111111-2222-3333-4444-555555555555 2>/dev/null) && fail "a missing plug-in loaded"
[ "$out" = "create plug-in interface: not found" ] || fail "missing plug-in: $out"
out=$("$client" 0x05f3 0x0007 66666666-7777-8888-9999-aaaaaaaaaaaa) && fail "a path out of the plug-in folders loaded"
[ "$out" = "create plug-in interface: invalid argument" ] || fail "escaping path: $out"
# No such device.
"$client" 0x05f3 0x0008 2>/dev/null && fail "a missing device was found"
echo "ok: plug-in loaded, probed, started and queried; failures reported"
