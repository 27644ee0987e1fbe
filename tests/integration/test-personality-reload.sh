#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Personalities end to end: ioregd loads a real Info.plist and a JSON file,
# starts the drivers that match, and on SIGHUP matches new personalities,
# terminates the drivers of removed ones, leaves unchanged ones alone and
# survives a malformed file.
# usage: test-personality-reload.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$1
src=$2
ioreg=$build/cli/ioreg

. "$src/tests/fixture/private-bus.sh"
start_private_bus

mkdir "$work/personalities"
cp "$src/tests/data/plists/apress-Ch04-IOKitTest-Info.plist" "$work/personalities/IOKitTest.plist"
cat > "$work/personalities/waiter.json" <<'JSON'
{ "CFBundleIdentifier": "org.ioreg.test.waiter",
  "IOKitPersonalities": { "Waiter": {
        "IOProviderClass": "IOResources", "IOClass": "BSDWaiter",
        "IOMatchCategory": "BSDWaiter", "IOResourceMatch": "IOBSD", "IOProbeScore": 42 },
    "Never": {
        "IOProviderClass": "IOResources", "IOClass": "NeverStarts",
        "IOMatchCategory": "Never", "IOResourceMatch": "NoSuchResource" } } }
JSON

start_ioregd --sysfs-root="$src/tests/data/sys-thinkpad-x230" --no-udev --personalities="$work/personalities"

# The id of the first entry of class $1, or nothing.
entry_id() { "$ioreg" -w0 -r -d 1 -c "$1" | sed -n 's/.*, id \(0x[0-9a-f]*\),.*/\1/p' | head -n1; }
# Waits until entry_id "$1" is non-empty ($2 = yes) or empty ($2 = no): SIGHUP is handled asynchronously.
wait_for() {
        for _ in $(seq 100); do
                id=$(entry_id "$1")
                { [ "$2" = yes ] && [ -n "$id" ]; } && return 0
                { [ "$2" = no ] && [ -z "$id" ]; } && return 0
                sleep 0.05
        done
        fail "$1 is $([ "$2" = yes ] && echo missing || echo still there)"
}

# 1. Both matched at start, under IOResources, with the driver properties Apple gives them.
kit=$(entry_id com_osxkernel_driver_IOKitTest)
[ -n "$kit" ] || fail "the IOKitTest personality did not start"
wait_for BSDWaiter yes
"$ioreg" -w0 -r -c BSDWaiter > "$work/waiter.txt"
grep -q '"IOProbeScore" = 42' "$work/waiter.txt" || fail "IOProbeScore missing: $(cat "$work/waiter.txt")"
grep -q '"IOMatchCategory" = "BSDWaiter"' "$work/waiter.txt" || fail "IOMatchCategory missing"
grep -q '"CFBundleIdentifier" = "org.ioreg.test.waiter"' "$work/waiter.txt" || fail "CFBundleIdentifier missing"
"$ioreg" -w0 -r -c IOResources | grep -q "+-o BSDWaiter" || fail "BSDWaiter is not below IOResources"

# The matcher's verdicts, through org.ioreg.Catalogue1.Explain.
"$ioreg" --explain -c IOResources > "$work/explain.txt" || fail "ioreg --explain failed"
grep -Eq '^  winner +42 +42  BSDWaiter +"Waiter" \(org.ioreg.test.waiter\) started 0x' "$work/explain.txt" ||
        fail "no winner line for Waiter: $(cat "$work/explain.txt")"
grep -Eq '^  no-match .*"Never" \(org.ioreg.test.waiter\) failed at IOResourceMatch$' "$work/explain.txt" ||
        fail "no no-match line for Never: $(cat "$work/explain.txt")"
[ -z "$(entry_id NeverStarts)" ] || fail "a personality waiting for a missing resource started"
# The same as JSON (issue 20: JSON everywhere).
"$ioreg" --explain -j -c IOResources | python3 -c '
import json, sys
top = json.load(sys.stdin)
assert top["schema"] == "org.ioreg.explain/1", top
[entry] = top["entries"]
assert entry["class"] == "IOResources" and entry["id"].startswith("0x"), entry
by_name = {c["name"]: c for c in entry["candidates"]}
assert by_name["Waiter"]["outcome"] == "winner" and by_name["Waiter"]["passive_score"] == 42, by_name
assert by_name["Never"]["outcome"] == "no-match" and by_name["Never"]["failed_key"] == "IOResourceMatch", by_name
' || fail "ioreg --explain -j: $("$ioreg" --explain -j -c IOResources)"

# 2. A new personality on SIGHUP is matched; the unchanged one keeps its driver.
cat > "$work/personalities/second.json" <<'JSON'
{ "CFBundleIdentifier": "org.ioreg.test.second",
  "IOKitPersonalities": { "Second": {
        "IOProviderClass": "IOResources", "IOClass": "SecondDriver",
        "IOMatchCategory": "SecondDriver", "IOResourceMatch": "IOKit" } } }
JSON
# ioreg --monitor sees the new driver published and matched (4 events: busy, publish, matched, quiet).
"$ioreg" --monitor=4 -j > "$work/monitor.txt" 2>"$work/monitor.err" &
monitor=$!
pids+=($monitor)
for _ in $(seq 100); do
        [ "$(busctl --address="$IOREG_BUS_ADDRESS" get-property org.ioreg.Registry1 /org/ioreg/Registry1 \
                org.ioreg.Notifications1 Subscriptions 2>/dev/null)" = "u 4" ] && break
        sleep 0.05
done
kill -HUP "$daemon"
wait_for SecondDriver yes
[ "$(entry_id com_osxkernel_driver_IOKitTest)" = "$kit" ] || fail "the unchanged driver was restarted"
second_hex=$(entry_id SecondDriver)
for _ in $(seq 100); do kill -0 "$monitor" 2>/dev/null || break; sleep 0.05; done
grep -q "{\"event\":\"IOServicePublish\",\"id\":\"$second_hex\",\"name\":\"SecondDriver\",\"class\":\"SecondDriver\"" \
        "$work/monitor.txt" || fail "monitor missed the publish: $(cat "$work/monitor.txt" "$work/monitor.err")"
grep -q "{\"event\":\"IOServiceMatched\",\"id\":\"$second_hex\"" "$work/monitor.txt" ||
        fail "monitor missed the match: $(cat "$work/monitor.txt")"
grep -q '"id":"'"$kit"'"' "$work/monitor.txt" && fail "monitor replayed an entry that was already there"
second=$(entry_id SecondDriver)

# 3. A removed personality's driver is terminated; the others stay.
rm "$work/personalities/IOKitTest.plist"
kill -HUP "$daemon"
wait_for com_osxkernel_driver_IOKitTest no
[ "$(entry_id SecondDriver)" = "$second" ] || fail "SecondDriver changed when another personality went"

# 4. A malformed file is reported and skipped; nothing else is lost.
echo '{ "IOKitPersonalities": { "Bad": { "IOProviderClass": 7 } }, "CFBundleIdentifier": "x" }' \
        > "$work/personalities/bad.json"
kill -HUP "$daemon"
for _ in $(seq 100); do grep -q "bad.json" "$work/ioregd.log" && break; sleep 0.05; done
grep -q "bad.json: personality 'Bad': key 'IOProviderClass'" "$work/ioregd.log" || fail "no error for bad.json"
kill -0 "$daemon" 2>/dev/null || fail "ioregd died on a malformed personality"
[ "$(entry_id SecondDriver)" = "$second" ] || fail "SecondDriver lost after a malformed file"
wait_for BSDWaiter yes
echo "ok: personalities load, match, reload on SIGHUP and survive a malformed file"
