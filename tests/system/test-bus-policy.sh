#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The shipped bus policy (systemd/org.ioreg.Registry1.conf) and polkit, on a
# private bus configured like the system bus (system-bus.conf.in), with
# ioregd as root and callers as root and as nobody (setpriv, UID 65534):
#  - nobody may query (GetPlane, Introspect, Properties, Subscribe, Explain);
#  - nobody gets AccessDenied for SetProperties, ReloadCatalogue,
#    TerminateEntry without polkit, and when polkit says no;
#  - nobody may not own org.ioreg.Registry1, nor call an interface the
#    policy does not list (the bus refuses);
#  - with the polkit stand-in granting org.ioreg.reload-catalogue, nobody's
#    ReloadCatalogue succeeds, asked with nobody's bus name as subject;
#    root's calls never ask polkit;
#  - a caller allowing interaction is told authentication is required;
#  - the shipped IOResources driver server, launched by ioregd as nobody,
#    checks in and starts through the policy; nobody posing as a driver
#    server is refused (CheckIn, SetProperties on the driver's entry);
#  - nobody may register for system power (SystemPower1);
#  - IOServiceOpen of a driver whose personality sets
#    IOUserClientRequiresAdministrator (the user client tests' server): as
#    nobody, kIOReturnNotPrivileged when polkit says no, success when it
#    grants org.ioreg.open-user-client, nobody's bus name the subject; as
#    root, success without asking polkit.
# Usage: test-bus-policy.sh BUILD_DIR SOURCE_DIR
set -uo pipefail
build=$1
src=$2
if [ "$(id -u)" != 0 ] || ! command -v setpriv >/dev/null; then
        echo "Needs root and setpriv (callers as UID 65534); skipping."
        exit 77
fi
. "$src/tests/fixture/private-bus.sh"
start_private_bus --config="$src/tests/system/system-bus.conf.in"
address=$IOREG_BUS_ADDRESS

# A driver server with a user client whose personality wants an administrator (tests/userclient).
mkdir "$work/uc" && chmod 755 "$work" "$work/uc"
cat >"$work/uc/uc.json" <<EOF
{ "CFBundleIdentifier": "org.ioreg.test.policy-uc", "IOKitPersonalities": { "UCPolkitDriver": {
  "IOProviderClass": "IOResources", "IOClass": "IOUserService", "IOUserClass": "UCPolkitDriver",
  "IOUserServerName": "org.ioreg.test.uc", "IOUserServerExecutable": "$build/tests/userclient/test-uc-server",
  "IOMatchCategory": "UCPolkitDriver", "IOUserClientRequiresAdministrator": true } } }
EOF

IOREG_DRIVER_PATH="$build/examples/driver-resources:$build/examples/iokit-test" \
start_ioregd --sysfs-root="$src/tests/data/sys-thinkpad-x230" --no-udev \
        --personalities="$src/tests/data/personalities" \
        --personalities="$src/personalities" --personalities="$work/uc"

REG=/org/ioreg/Registry1
nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
# call WHO INTERFACE.METHOD ARGS...: gdbus, which prints the error's name.
call() {
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

# Queries, as nobody.
out=$(nobody busctl --address="$address" call org.ioreg.Registry1 $REG org.ioreg.Registry1 GetPlane s IOService) ||
        fail "nobody: GetPlane refused: $out"
grep -q '^a(tussasuutua{sv}) [1-9]' <<<"$out" || fail "nobody: GetPlane: ${out:0:200}"
out=$(nobody busctl --address="$address" introspect org.ioreg.Registry1 $REG) || fail "nobody: introspection refused"
grep -q "\.GetPlane" <<<"$out" || fail "nobody: introspection: ${out:0:200}"
out=$(nobody busctl --address="$address" get-property org.ioreg.Registry1 $REG org.ioreg.Registry1 Entries) ||
        fail "nobody: Properties.Get refused: $out"
out=$(nobody busctl --address="$address" call org.ioreg.Registry1 $REG org.ioreg.Notifications1 Subscribe \
        'sa{sv}' publish 0) || fail "nobody: Subscribe refused: $out"
grep -q '^t [1-9]' <<<"$out" || fail "nobody: Subscribe: $out"
out=$(nobody busctl --address="$address" call org.ioreg.Registry1 $REG org.freedesktop.DBus.ObjectManager \
        GetManagedObjects) || fail "nobody: GetManagedObjects refused"
ROOT_ID=$(busctl --address="$address" call org.ioreg.Registry1 $REG org.ioreg.Registry1 GetRootEntry | cut -d' ' -f2)
out=$(nobody busctl --address="$address" call org.ioreg.Registry1 $REG org.ioreg.Catalogue1 Explain t "$ROOT_ID" 2>&1)
grep -q "Access denied\|AccessDenied" <<<"$out" && fail "nobody: Explain refused by the bus: $out"
# IOServiceOpen goes through the bus to ioregd, which answers (Root has no user client class).
denied org.ioreg.Error.NotSupported nobody org.ioreg.UserClients1.OpenService "$ROOT_ID" 0
echo "queries as nobody: ok"

# What the bus itself refuses nobody.
out=$(nobody "$build/tests/system/bus-helper" own "$address" org.ioreg.Registry1)
[ $? -eq 3 ] || fail "nobody could own org.ioreg.Registry1 (or another error): $out"
out=$(nobody "$build/tests/system/bus-helper" own "$address" org.freedesktop.PolicyKit1)
[ $? -eq 3 ] || fail "nobody could own org.freedesktop.PolicyKit1: $out"
out=$(nobody busctl --address="$address" call org.ioreg.Registry1 $REG org.ioreg.Bogus1 Nothing 2>&1) &&
        fail "nobody: a call to an interface the policy does not list went through"
grep -qi "access denied\|AccessDenied\|Rejected send message" <<<"$out" || fail "nobody: bogus interface: $out"
echo "bus refusals: ok"

# Privileged calls without polkit on the bus: root yes, nobody AccessDenied.
denied org.ioreg.Error.AccessDenied nobody org.ioreg.Registry1.SetProperties "$ROOT_ID" '{"k": <"v">}'
denied org.ioreg.Error.AccessDenied nobody org.ioreg.Registry1.ReloadCatalogue
denied org.ioreg.Error.AccessDenied nobody org.ioreg.Registry1.TerminateEntry "$ROOT_ID"
grep -q "polkit is not available" <<<"$(call nobody org.ioreg.Registry1.ReloadCatalogue)" ||
        fail "no polkit: the reason is missing"
call root org.ioreg.Registry1.ReloadCatalogue | grep -q '^(uint32 ' || fail "root: ReloadCatalogue without polkit"
denied org.ioreg.Error.NotPermitted root org.ioreg.Registry1.TerminateEntry "$ROOT_ID"
echo "no polkit: ok"

# start_polkit LOG ACTION...: the stand-in, granting ACTIONs only; its PID in polkit_pid.
start_polkit() {
        local log=$1
        shift
        "$build/tests/system/bus-helper" polkit "$address" "$@" >"$log" 2>&1 &
        polkit_pid=$!
        pids+=($polkit_pid)
        for _ in $(seq 200); do grep -q ready "$log" && break; sleep 0.05; done
        grep -q ready "$log" || fail "polkit stand-in did not start"
}

# The stand-in grants reload-catalogue only.
start_polkit "$work/polkit.log" org.ioreg.reload-catalogue

out=$(call nobody org.ioreg.Registry1.ReloadCatalogue) || fail "nobody: ReloadCatalogue with polkit's yes: $out"
grep -q '^(uint32 [1-9]' <<<"$out" || fail "nobody: ReloadCatalogue: $out"
denied org.ioreg.Error.AccessDenied nobody org.ioreg.Registry1.SetProperties "$ROOT_ID" '{"k": <"v">}'
denied org.ioreg.Error.AccessDenied nobody org.ioreg.Registry1.TerminateEntry "$ROOT_ID"
grep -q "polkit says no" <<<"$(call nobody org.ioreg.Registry1.TerminateEntry "$ROOT_ID")" ||
        fail "polkit's no: the reason is missing"
grep -q '^check org.ioreg.reload-catalogue system-bus-name :1\.[0-9]* 0 uid=65534$' "$work/polkit.log" ||
        fail "polkit was not asked for reload-catalogue with a bus name"
grep -q '^check org.ioreg.set-properties system-bus-name :1\.' "$work/polkit.log" || fail "set-properties not asked"
grep -q '^check org.ioreg.terminate-entry system-bus-name :1\.' "$work/polkit.log" || fail "terminate-entry not asked"
# The subject is the caller: every name polkit was asked about was a connection of UID 65534.
grep '^check' "$work/polkit.log" | grep -qv ' uid=65534$' && fail "polkit was asked about another subject"
n_checks=$(grep -c '^check' "$work/polkit.log")
call root org.ioreg.Registry1.ReloadCatalogue | grep -q '^(uint32 ' || fail "root: ReloadCatalogue with polkit"
out=$(call root org.ioreg.Registry1.SetProperties "$ROOT_ID" '{"k": <"v">}')
grep -q "AccessDenied" <<<"$out" && fail "root was refused: $out"
[ "$(grep -c '^check' "$work/polkit.log")" = "$n_checks" ] || fail "root's calls asked polkit"
# Interaction allowed: a refusal with a challenge.
out=$(nobody busctl --address="$address" --allow-interactive-authorization=yes call org.ioreg.Registry1 $REG \
        org.ioreg.Registry1 TerminateEntry t "$ROOT_ID" 2>&1) && fail "nobody: interactive terminate accepted"
grep -q "authentication is required" <<<"$out" || fail "interactive: $out"
grep -q '^check org.ioreg.terminate-entry system-bus-name :1\.[0-9]* 1 uid=65534$' "$work/polkit.log" ||
        fail "interactive flag not passed to polkit"
echo "polkit: ok"

# IOServiceOpen where the personality wants an administrator: test-uc-client exits with the open's
# ioreg_return_t (0 success, 8 IOREG_RETURN_NOT_PRIVILEGED, kIOReturnNotPrivileged).
for _ in $(seq 200); do
        IOREG_BUS_ADDRESS=$address "$build/cli/ioreg" -w0 -r -d 1 -c UCPolkitDriver | grep -q '"TestServerPID" = [1-9]' &&
                break
        sleep 0.05
done
open_uc() { # open_uc WHO TYPE: prints the exit status of test-uc-client
        local client=("$build/tests/userclient/test-uc-client" UCPolkitDriver "$2" open)
        if [ "$1" = nobody ]; then
                IOREG_BUS_ADDRESS=$address nobody "${client[@]}" >/dev/null 2>&1
        else
                IOREG_BUS_ADDRESS=$address "${client[@]}" >/dev/null 2>&1
        fi
        echo $?
}
# The stand-in above does not grant open-user-client: nobody is refused, after asking.
[ "$(open_uc nobody 1)" = 8 ] || fail "nobody opened an administrator's user client with polkit's no"
grep -q '^check org.ioreg.open-user-client system-bus-name :1\.[0-9]* 0 uid=65534$' "$work/polkit.log" ||
        fail "polkit was not asked for open-user-client with nobody's bus name"
n_checks=$(grep -c '^check' "$work/polkit.log")
[ "$(open_uc root 2)" = 0 ] || fail "root could not open an administrator's user client"
[ "$(grep -c '^check' "$work/polkit.log")" = "$n_checks" ] || fail "root's IOServiceOpen asked polkit"
# A stand-in that grants it: nobody opens.
kill "$polkit_pid"
wait "$polkit_pid" 2>/dev/null
start_polkit "$work/polkit-uc.log" org.ioreg.open-user-client
[ "$(open_uc nobody 3)" = 0 ] || fail "nobody could not open the user client with polkit's yes"
grep -q '^check org.ioreg.open-user-client system-bus-name :1\.[0-9]* 0 uid=65534$' "$work/polkit-uc.log" ||
        fail "polkit's yes: not asked with nobody's bus name"
grep '^check' "$work/polkit-uc.log" | grep -qv ' uid=65534$' && fail "polkit's yes: asked about another subject"
echo "user clients for administrators through polkit: ok"

# Driver servers through the shipped policy: the real one starts, a poser does not.
driver=
for _ in $(seq 200); do
        driver=$(IOREG_BUS_ADDRESS=$address "$build/cli/ioreg" -w0 -r -d 1 -c IORegResourcesDriver |
                 sed -n 's/.*, id \(0x[0-9a-f]*\),.*/\1/p' | head -n1)
        [ -n "$driver" ] && break
        sleep 0.05
done
[ -n "$driver" ] || fail "the IOResources driver server did not start through the shipped policy"
grep -q "org.ioreg.driver.resources\[" "$work/ioregd.log" || fail "the driver server's output is not in the log"
out=$(nobody gdbus call --address "$address" --dest org.ioreg.Registry1 --object-path /org/ioreg/DriverHost1 \
        --method org.ioreg.DriverHost1.CheckIn org.ioreg.driver.resources 2>&1) && fail "nobody checked in: $out"
grep -q "GDBus.Error:org.ioreg.Error.AccessDenied:" <<<"$out" || fail "poser CheckIn: $out"
out=$(nobody gdbus call --address "$address" --dest org.ioreg.Registry1 --object-path /org/ioreg/DriverHost1 \
        --method org.ioreg.DriverHost1.SetProperties "$((driver))" '{"k": <"v">}' 2>&1) &&
        fail "a poser set the driver's properties: $out"
grep -q "GDBus.Error:org.ioreg.Error.AccessDenied:" <<<"$out" || fail "poser SetProperties: $out"
out=$(nobody busctl --address="$address" call org.ioreg.Registry1 $REG org.ioreg.SystemPower1 \
        RegisterForSystemPower 2>&1) || fail "nobody: RegisterForSystemPower refused: $out"
echo "driver servers and system power through the policy: ok"

kill -0 "$daemon" 2>/dev/null || fail "ioregd died"
echo "PASS"
