# SPDX-License-Identifier: LGPL-2.1-or-later
# Sourced by the shell tests: a work directory removed on exit, fail(), and a
# private dbus-daemon from tests/data/private-bus.conf.in whose address is
# exported as IOREG_BUS_ADDRESS. Needs $src (the source root) set.
# shellcheck shell=bash

work=$(mktemp -d)
pids=()
cleanup() {
        for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
        wait 2>/dev/null || true
        rm -rf "$work"
}
trap cleanup EXIT

# Prints the message and ioregd's log (when there is one) and exits 1.
fail() {
        echo "FAIL: $*" >&2
        if [ -e "$work/ioregd.log" ]; then
                echo "--- ioregd log:" >&2
                cat "$work/ioregd.log" >&2
        fi
        exit 1
}

start_private_bus() {
        sed "s|@DIR@|$work|" "$src/tests/data/private-bus.conf.in" > "$work/bus.conf"
        dbus-daemon --config-file="$work/bus.conf" --nofork --print-address=3 3>"$work/address" 2>"$work/dbus.log" &
        pids+=($!)
        for _ in $(seq 200); do [ -s "$work/address" ] && break; sleep 0.05; done
        [ -s "$work/address" ] || fail "dbus-daemon did not start: $(cat "$work/dbus.log")"
        IOREG_BUS_ADDRESS=$(head -n1 "$work/address")
        export IOREG_BUS_ADDRESS
}
