#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# A flooding client does not starve another, nor grow the daemon without
# bound. ioregd serves a saved Mac registry of 813 entries (GetPlane
# answers ~100 KiB) on the system-like bus with the shipped policy. Client
# A (as nobody) sends N GetPlane calls and never reads a reply; client B
# calls after each burst of 500 of A's, while A's calls are still queued
# ahead of it (bus-helper flood: ordering and completion, not wall time).
#  1. dbus-daemon's system limits (128 pending replies per connection):
#     B is answered after every burst of a 20,000-call flood.
#  2. That cap lifted (50,000), so the daemon alone has to cope: the
#     daemon's peak RSS (VmHWM) after a flood of 20,000 exceeds the one after
#     2,000 by at most 16 MiB (without bus-flow.c it grew past 340 MiB), and
#     it answers afterwards. B does not call here: dbus-daemon itself reads
#     up to 127 MiB of A's answers from the daemon's one connection before it
#     gets to B's, which the daemon cannot reorder (phase 1 is the deployed case).
# Usage: test-flood.sh BUILD_DIR SOURCE_DIR
set -uo pipefail
build=$1
src=$2
if [ "$(id -u)" != 0 ] || ! command -v setpriv >/dev/null; then
        echo "Needs root and setpriv (the flooder runs as UID 65534); skipping."
        exit 77
fi
. "$src/tests/fixture/private-bus.sh"
kib() { sed -n "s/^$1:[[:space:]]*\([0-9]*\) kB/\1/p" "/proc/$daemon/status"; }

# start NAME [LIMIT...]: a system-like bus and ioregd on it; sets address and daemon.
start() {
        local name=$1
        shift
        start_private_bus --config="$src/tests/system/system-bus.conf.in" --dir="$work/$name" --auth-extra="$*"
        address=$IOREG_BUS_ADDRESS
        ioregd_log=$work/ioregd-$name.log \
        start_ioregd --snapshot="$src/tests/data/ioreg/hackintosh-MacBookPro15,2-ioreg-tree.txt"
}

# flood NAME N [--no-b]: returns bus-helper's status (0: B answered after every burst).
flood() {
        local r name=$1
        shift
        setpriv --reuid=65534 --regid=65534 --clear-groups "$build/tests/system/bus-helper" flood "$address" "$@" \
                >"$work/flood-$name-$1.log" 2>&1
        r=$?
        echo "   $(tail -n 1 "$work/flood-$name-$1.log")"
        kill -0 "$daemon" 2>/dev/null || fail "ioregd died in the flood"
        busctl --address="$address" call org.ioreg.Registry1 /org/ioreg/Registry1 org.ioreg.Registry1 \
                GetRootEntry >/dev/null || fail "no answer after flood $1"
        return $r
}

start system
echo "1. system limits; daemon RSS at start: $(kib VmRSS) KiB"
flood system 20000 || fail "flood 20000: client B was not answered after every burst"
echo "   daemon VmHWM after 20,000: $(kib VmHWM) KiB"

start lifted '<limit name="max_replies_per_connection">50000</limit>'
echo "2. bus cap lifted; daemon RSS at start: $(kib VmRSS) KiB"
flood lifted 2000 --no-b
hwm_small=$(kib VmHWM)
flood lifted 20000 --no-b
hwm_big=$(kib VmHWM)
echo "   daemon VmHWM: $hwm_small KiB after 2,000, $hwm_big KiB after 20,000; VmRSS now $(kib VmRSS) KiB"
grep "refusing some" "$work/ioregd-lifted.log" | tail -n 1 || true
[ $((hwm_big - hwm_small)) -le 16384 ] || fail "the daemon grew with the flood: $hwm_small -> $hwm_big KiB"
echo PASS
