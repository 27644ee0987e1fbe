#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The CLI's errors say what to do (issue 20, point 4): no bus, a bus without
# ioregd, --wait-quiet and --monitor without it, an unknown plane (the planes
# listed), -c that selects nothing (exit 0 as Apple's, a note on stderr),
# ioclasscount with an unknown class (exit 1); --version and -h on every
# program; -b writes no escape codes into a pipe; -H reaches a daemon through
# sd-bus's ssh transport (ssh here is a stand-in that runs the remote command,
# systemd-stdio-bridge, locally: the machine has no sshd).
# usage: test-cli-errors.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$1
src=$2
ioreg=$build/cli/ioreg
ioclasscount=$build/cli/ioclasscount

. "$src/tests/fixture/private-bus.sh"

# expect_err "what" EXPECTED_STATUS PATTERN command...: the status, and PATTERN in stderr.
expect_err() {
        local what=$1 want=$2 pattern=$3 rc=0
        shift 3
        "$@" >"$work/out" 2>"$work/err" || rc=$?
        [ "$rc" -eq "$want" ] || fail "$what: exit $rc, expected $want (stderr: $(cat "$work/err"))"
        grep -qE -- "$pattern" "$work/err" || fail "$what: stderr '$(cat "$work/err")' lacks /$pattern/"
}

# --version and -h on every program, exit 0, on stdout.
for p in "$ioreg" "$ioclasscount" "$build/daemon/ioregd"; do
        v=$("$p" --version) || fail "$p --version failed"
        grep -q "0\.[0-9]" <<< "$v" || fail "$p --version: '$v'"
        "$p" -h | grep -qi usage || fail "$p -h prints no usage"
done

# No bus at all.
export IOREG_BUS_ADDRESS=unix:path=$work/no-such-bus
expect_err "no bus" 1 "cannot connect to the bus at IOREG_BUS_ADDRESS" "$ioreg"
expect_err "no bus, ioclasscount" 1 "cannot connect to the bus" "$ioclasscount"
expect_err "no bus, --monitor" 1 "cannot connect to the bus" "$ioreg" --monitor=1

# A bus without ioregd.
start_private_bus
expect_err "no daemon" 1 "ioregd is not on the bus .*start it with 'ioregd --bus-address=" "$ioreg"
expect_err "no daemon, --monitor" 1 "ioregd is not on the bus" "$ioreg" --monitor=1
expect_err "no daemon, --wait-quiet" 1 "ioregd did not appear on the bus within 1 s" "$ioreg" --wait-quiet=1
expect_err "no daemon, ioclasscount" 1 "ioregd is not on the bus" "$ioclasscount" IOService
grep -q "No route\|not provided by any" "$work/err" && fail "a raw D-Bus error leaks: $(cat "$work/err")"

start_ioregd --sysfs-root="$src/tests/data/sys-thinkpad-x230" --no-udev
expect_err "-p IOFoo" 1 "invalid plane 'IOFoo' \(the registry's planes: IOService, IOPower, IOUSB, IODeviceTree\)" \
        "$ioreg" -p IOFoo
expect_err "-r -c IOBogus" 0 "nothing in the IOService plane matches -c IOBogus \(no entry of class IOBogus" \
        "$ioreg" -r -c IOBogus
[ ! -s "$work/out" ] || fail "-r -c IOBogus printed: $(cat "$work/out")"
"$ioreg" -r -c IOResources 2>"$work/err" >/dev/null
[ ! -s "$work/err" ] || fail "a match still notes: $(cat "$work/err")"
expect_err "ioclasscount Bogus" 1 "1 of the classes named is not in the registry" "$ioclasscount" IOService Bogus
[ "$(cat "$work/out")" = "IOService = 3, Bogus = <no such class>" ] || fail "ioclasscount printed $(cat "$work/out")"
[ "$("$ioclasscount" -j IOResources Bogus 2>/dev/null | tr -d ' \n')" = '{"IOResources":1,"Bogus":null}' ] ||
        fail "ioclasscount -j: $("$ioclasscount" -j IOResources Bogus 2>&1)"

# -b into a pipe: no escape codes, even with a TERM that has them.
TERM=xterm "$ioreg" -b -d3 > "$work/bold"
grep -q $'\033' "$work/bold" && fail "-b wrote escape codes into a file"
grep -q "IOResources" "$work/bold" || fail "-b printed no tree"

# -H: sd-bus's ssh transport, with an ssh that runs the remote command here on our private bus.
mkdir -p "$work/bin"
cat > "$work/bin/ssh" <<SSH
#!/bin/sh
# ssh -xT [-p PORT] -- HOST COMMAND: the arguments sd-bus gives, recorded; COMMAND run locally.
echo "\$@" > "$work/ssh-args"
while [ "\$1" != "--" ]; do shift; done
shift 2
exec "\$@" --bus-path="$IOREG_BUS_ADDRESS"
SSH
chmod +x "$work/bin/ssh"
address=$IOREG_BUS_ADDRESS
unset IOREG_BUS_ADDRESS
PATH="$work/bin:$PATH" "$ioreg" -H admin@example.org:2222 -d3 > "$work/remote" || fail "ioreg -H failed"
grep -q "+-o IOResources" "$work/remote" || fail "ioreg -H printed no tree: $(cat "$work/remote")"
[ "$(cat "$work/ssh-args")" = "-xT -p 2222 -- admin@example.org systemd-stdio-bridge" ] ||
        fail "ssh was run as: $(cat "$work/ssh-args")"
[ "$(PATH="$work/bin:$PATH" "$ioclasscount" -H example.org IOResources)" = "IOResources = 1" ] ||
        fail "ioclasscount -H"
expect_err "-H bad port" 1 "invalid host" "$ioreg" -H host:port
export IOREG_BUS_ADDRESS=$address
echo "ok: CLI errors, --version, -h, -b, -H"
