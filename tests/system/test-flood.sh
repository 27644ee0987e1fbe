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
work=$(mktemp -d)
chmod 755 "$work"
pids=()
cleanup() {
        for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
        wait 2>/dev/null || true
        rm -rf "$work"
}
trap cleanup EXIT
fail() {
        echo "FAIL: $*" >&2
        for f in "$work"/*.log; do echo "--- $f" >&2; tail -n 20 "$f" >&2; done
        exit 1
}
kib() { sed -n "s/^$1:[[:space:]]*\([0-9]*\) kB/\1/p" "/proc/$daemon/status"; }

# start NAME [LIMIT...]: a bus and ioregd on it; sets address and daemon.
start() {
        local name=$1 sub=
        shift
        [ $# -gt 0 ] && sub="s|<auth>EXTERNAL</auth>|&$*|"
        mkdir -m 755 "$work/$name"
        sed -e "s|@DIR@|$work/$name|" -e "s|@SRC@|$src|" -e "$sub" \
                "$src/tests/system/system-bus.conf.in" > "$work/$name/bus.conf"
        dbus-daemon --config-file="$work/$name/bus.conf" --nofork --print-address=3 3>"$work/$name/address" \
                2>/dev/null &
        pids+=($!)
        for _ in $(seq 200); do [ -s "$work/$name/address" ] && break; sleep 0.05; done
        [ -s "$work/$name/address" ] || fail "dbus-daemon did not start"
        address=$(head -n1 "$work/$name/address")
        "$build/daemon/ioregd" --bus-address="$address" \
                --snapshot="$src/tests/data/ioreg/hackintosh-MacBookPro15,2-ioreg-tree.txt" 2>"$work/ioregd-$name.log" &
        daemon=$!
        pids+=($daemon)
        for _ in $(seq 200); do
                busctl --address="$address" call org.ioreg.Registry1 /org/ioreg/Registry1 org.ioreg.Registry1 \
                        GetRootEntry >/dev/null 2>&1 && break
                sleep 0.05
        done
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
