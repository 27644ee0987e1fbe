#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# When the bus goes, ioregd ends with a log line and a failure status, so that
# systemd (Restart=on-failure) starts it again; it must not keep running with
# no bus, feeding the watchdog from an idle loop.
set -euo pipefail
build=$1 src=$2
. "$src/tests/fixture/private-bus.sh"

start_private_bus
start_ioregd --no-udev

kill "$bus_pid"
for _ in $(seq 100); do kill -0 "$daemon" 2>/dev/null || break; sleep 0.05; done
kill -0 "$daemon" 2>/dev/null && fail "ioregd still runs 5 s after its bus went away"
status=0
wait "$daemon" || status=$?
[ "$status" -ne 0 ] || fail "ioregd exited with status 0 after losing its bus"
grep -q "Lost the connection to the bus" "$work/ioregd.log" || fail "no log line says the bus was lost"
echo "ioregd exited with status $status: $(grep 'Lost the connection' "$work/ioregd.log")"
