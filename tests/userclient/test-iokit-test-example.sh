#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The book's example end to end (chapters 4-5, examples/iokit-test/): the
# shipped personality starts the IOKitTest timer driver server below
# IOResources; the boot helper, started before the driver is up, waits for it
# by matching notification and calls it; then the book's application runs
# every selector (sync and async) against it.
set -euo pipefail
build=$1 src=$2
. "$src/tests/fixture/private-bus.sh"

mkdir "$work/personalities" "$work/empty"
cp "$src/personalities/com.osxkernel.driver.IOKitTest.json" "$work/personalities/"
export IOREG_DRIVER_PATH="$build/examples/iokit-test"
start_private_bus
# No driver yet: ioregd with an empty catalogue and the helper waiting; then ioregd again with the
# personality (the helper's notification port follows the daemon across the restart).
start_ioregd --no-udev --personalities="$work/empty"
"$build/examples/iokit-test/iokit-test-boot-helper" --once >"$work/helper.log" 2>&1 &
helper=$!
pids+=($helper)
sleep 0.5
kill -0 "$helper" 2>/dev/null || fail "the boot helper did not wait for the driver: $(cat "$work/helper.log")"

stop_ioregd
start_ioregd --no-udev --personalities="$work/personalities"
for _ in $(seq 200); do kill -0 "$helper" 2>/dev/null || break; sleep 0.05; done
kill -0 "$helper" 2>/dev/null && fail "the boot helper was not told of the driver: $(cat "$work/helper.log")"
wait "$helper" || fail "the boot helper failed: $(cat "$work/helper.log")"
grep -q "configured com_osxkernel_driver_IOKitTest: success" "$work/helper.log" ||
        fail "the boot helper did not configure the driver: $(cat "$work/helper.log")"

"$build/examples/iokit-test/iokit-test-app" >"$work/app.log" 2>&1 || fail "the book's application failed: $(cat "$work/app.log")"
for call in IOServiceOpen StartTimer "DelayForMs(100)" GetElapsedTimerTime "DelayForTime(50 ms)" StopTimer \
            GetElapsedTimerValue "DelayForMs async (250)" IOServiceClose; do
        grep -q "^$(printf '%-24s' "$call") success" "$work/app.log" || fail "$call did not succeed: $(cat "$work/app.log")"
done
grep -q "async delay of 250 ms completed: success" "$work/app.log" || fail "no async completion: $(cat "$work/app.log")"
grep -q "^all calls succeeded" "$work/app.log" || fail "$(cat "$work/app.log")"
stop_ioregd
cat "$work/helper.log" "$work/app.log"
