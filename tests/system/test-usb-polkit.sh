#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# org.ioreg.USB1 (daemon/bus/bus-usb.h) through the shipped bus policy on a
# system-like private bus, with the polkit stand-in (bus-helper polkit):
# ioregd on the recorded keyboard (umockdev-run), callers as root and as
# nobody (setpriv, UID 65534):
#  - nobody may CopyDescriptors: the recording's bytes;
#  - nobody's Open without polkit: AccessDenied, polkit is not available;
#  - polkit granting nothing: AccessDenied, after asking
#    org.ioreg.usb-device-open with nobody's bus name as the subject;
#  - polkit granting org.ioreg.usb-device-open: nobody gets the device's fd;
#    seizing the interface from usbhid asks org.ioreg.usb-device-seize
#    instead, and is refused without it;
#  - root's Open never asks polkit.
# Usage: test-usb-polkit.sh BUILD_DIR SOURCE_DIR
set -uo pipefail
build=$1
src=$2
if [ "$(id -u)" != 0 ] || ! command -v setpriv >/dev/null || ! command -v umockdev-run >/dev/null; then
        echo "Needs root, setpriv and umockdev-run; skipping."
        exit 77
fi
. "$src/tests/fixture/private-bus.sh"
start_private_bus --config="$src/tests/system/system-bus.conf.in"
address=$IOREG_BUS_ADDRESS
ioregd_wrapper=(umockdev-run -d "$src/tests/data/umockdev/umockdev-input-usbkbd.umockdev" --)
IOREG_UDEV_MODE=kernel start_ioregd

REG=/org/ioreg/Registry1
nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
call() { # call WHO METHOD ARGS...: gdbus, which prints the error's name
        local who=$1
        shift
        if [ "$who" = nobody ]; then
                nobody gdbus call --address "$address" --dest org.ioreg.Registry1 --object-path $REG --method "$@" 2>&1
        else
                gdbus call --address "$address" --dest org.ioreg.Registry1 --object-path $REG --method "$@" 2>&1
        fi
}
denied() { # denied ERROR_NAME WHO METHOD ARGS...
        local name=$1 out
        shift
        if out=$(call "$@"); then fail "$2 by $1 was accepted: $out"; fi
        grep -q "GDBus.Error:$name:" <<<"$out" || fail "$2 by $1: expected $name, got: $out"
}
# The ID of the entry of class CLASS whose block has KEY = VALUE (ioreg's text form).
entry_id() {
        "$build/cli/ioreg" -w0 -r -d 1 -c "$1" |
                awk -v want="\"$2\" = $3" '/<class / { match($0, /id 0x[0-9a-f]+/); id = substr($0, RSTART + 3, RLENGTH - 3) }
                                           index($0, want) { print id; exit }'
}
kbd=$(entry_id IOUSBHostDevice idProduct 7)
intf=$(entry_id IOUSBHostInterface idProduct 7)
[ -n "$kbd" ] && [ -n "$intf" ] || fail "the keyboard's entries are not in the registry"

# Descriptors: anyone, the bytes sysfs has.
out=$(call nobody org.ioreg.USB1.CopyDescriptors "$((kbd))") || fail "nobody: CopyDescriptors: $out"
grep -q "^(\[byte 0x12, 0x01, 0x10, 0x01, 0x00, 0x00, 0x00, 0x08, 0xf3, 0x05, 0x07, 0x00" <<<"$out" ||
        fail "CopyDescriptors: ${out:0:200}"

# No polkit on the bus: nobody is refused, root is not (and is answered without it).
denied org.ioreg.Error.AccessDenied nobody org.ioreg.USB1.Open "$((kbd))" 0
grep -q "polkit is not available" <<<"$(call nobody org.ioreg.USB1.Open "$((kbd))" 0)" || fail "no polkit: no reason"
out=$(call root org.ioreg.USB1.Open "$((kbd))" 0) || fail "root: Open without polkit: $out"
echo "no polkit: ok"

# start_polkit LOG ACTION...: the stand-in, granting ACTIONs only.
start_polkit() {
        local log=$1
        shift
        "$build/tests/system/bus-helper" polkit "$address" "$@" >"$log" 2>&1 &
        polkit_pid=$!
        pids+=($polkit_pid)
        for _ in $(seq 100); do grep -q ready "$log" 2>/dev/null && break; sleep 0.05; done
        grep -q ready "$log" || fail "polkit stand-in did not start"
}
start_polkit "$work/polkit-none.log"
denied org.ioreg.Error.AccessDenied nobody org.ioreg.USB1.Open "$((kbd))" 0
grep -q '^check org.ioreg.usb-device-open system-bus-name :1\.[0-9]* 0 uid=65534$' "$work/polkit-none.log" ||
        fail "polkit was not asked for usb-device-open with nobody's bus name"
n=$(grep -c '^check' "$work/polkit-none.log")
call root org.ioreg.USB1.Open "$((kbd))" 0 >/dev/null || fail "root: Open with polkit"
[ "$(grep -c '^check' "$work/polkit-none.log")" = "$n" ] || fail "root's Open asked polkit"
kill "$polkit_pid"
wait "$polkit_pid" 2>/dev/null

start_polkit "$work/polkit-open.log" org.ioreg.usb-device-open
out=$(call nobody org.ioreg.USB1.Open "$((kbd))" 0) || fail "nobody: Open with polkit's yes: $out"
grep -q "^(handle " <<<"$out" || fail "nobody: Open answered $out"
# usbhid holds the interface: seizing it is another action, which this stand-in does not grant.
denied org.ioreg.Error.AccessDenied nobody org.ioreg.USB1.Open "$((intf))" 1
grep -q '^check org.ioreg.usb-device-seize system-bus-name :1\.[0-9]* 0 uid=65534$' "$work/polkit-open.log" ||
        fail "seize: polkit was not asked for usb-device-seize"
# Without seize the kernel driver's hold answers first, whoever asks.
denied org.ioreg.Error.ExclusiveAccess nobody org.ioreg.USB1.Open "$((intf))" 0
grep '^check' "$work/polkit-open.log" | grep -qv ' uid=65534$' && fail "polkit was asked about another subject"
echo "polkit: ok"

kill -0 "$daemon" 2>/dev/null || fail "ioregd died"
echo "PASS"
