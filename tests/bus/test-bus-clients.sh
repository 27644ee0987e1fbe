#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The D-Bus API through outside clients: busctl and gdbus against ioregd on
# a private dbus-daemon (the ThinkPad X230 fixture, --no-udev: Root, the
# platform expert, IOResources, IOPMrootDomain). Every Registry1 and Entry1
# call, malformed calls answered with errors, a non-root caller refused the
# privileged calls, and the contract: the live introspection of each
# interface equals its systemd/org.ioreg.*.xml.
# A client that is not installed is skipped; with neither, exit 77 (skip).
# usage: test-bus-clients.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$1
src=$2

have_busctl=false have_gdbus=false
command -v busctl >/dev/null && have_busctl=true
command -v gdbus >/dev/null && have_gdbus=true
if ! $have_busctl && ! $have_gdbus; then
        echo "SKIP: neither busctl nor gdbus is installed"
        exit 77
fi

. "$src/tests/fixture/private-bus.sh"
start_private_bus
address=$IOREG_BUS_ADDRESS
start_ioregd --sysfs-root="$src/tests/data/sys-thinkpad-x230" --no-udev

REG=/org/ioreg/Registry1
ROOT=$REG/entry/0000000100000100
PLATFORM=$REG/entry/0000000100000101
ROOT_ID=4294967552 PLATFORM_ID=4294967553 RESOURCES_ID=4294967554

# --- busctl ---------------------------------------------------------------
if $have_busctl; then
        b() { busctl --address="$address" "$@"; }
        reg() { b call org.ioreg.Registry1 $REG org.ioreg.Registry1 "$@"; }
        ent() { local path=$1; shift; b call org.ioreg.Registry1 "$path" org.ioreg.Entry1 "$@"; }
        expect() { # expect WANT COMMAND...: the command's output is exactly WANT
                local want=$1 got
                shift
                got=$("$@" 2>&1) || fail "busctl $*: $got"
                [ "$got" = "$want" ] || fail "busctl $*: got '$got', want '$want'"
        }
        refused() { # refused PATTERN COMMAND...: the command fails with a message matching PATTERN
                local pattern=$1 got
                shift
                if got=$("$@" 2>&1); then fail "busctl $* succeeded: $got"; fi
                grep -q -- "$pattern" <<<"$got" || fail "busctl $*: unexpected error '$got'"
        }

        for _ in $(seq 200); do reg WaitQuiet t 10000000 >/dev/null 2>&1 && break; sleep 0.05; done
        reg WaitQuiet t 0 >/dev/null || fail "daemon not up"

        expect "t $ROOT_ID" reg GetRootEntry
        expect "t $PLATFORM_ID" reg EntryFromPath s IOService:/
        expect "at 1 $RESOURCES_ID" reg GetMatchingServices 'a{sv}' 1 IOProviderClass s IOResources
        expect "at 1 $PLATFORM_ID" reg GetMatchingServices 'a{sv}' 1 IORegistryEntryID t $PLATFORM_ID
        expect "at 0" reg GetMatchingServices 'a{sv}' 1 IOProviderClass s NoSuchClass
        reg GetClassHierarchy | grep -q '"IOService" "IORegistryEntry"' || fail "GetClassHierarchy lacks IOService"
        reg GetPlane s IOService | grep -q '"Root"' || fail "GetPlane lacks Root"
        expect "" reg WaitQuiet t 0
        expect 's "Root"' b get-property org.ioreg.Registry1 $ROOT org.ioreg.Entry1 Name
        expect "t $ROOT_ID" b get-property org.ioreg.Registry1 $ROOT org.ioreg.Entry1 ID
        expect 's "IOService:/"' ent $PLATFORM GetPath s IOService
        expect 's "device-tree"' ent $PLATFORM GetName s IODeviceTree
        expect "at 1 $ROOT_ID" ent $PLATFORM GetParents s IOService
        ent $ROOT GetChildren s IOService | grep -q "^at [1-9][0-9]* $PLATFORM_ID" || fail "Root's children"
        expect "b true" ent $PLATFORM InPlane s IOService
        expect "b true" ent $PLATFORM ConformsTo s IOService
        expect "b false" ent $PLATFORM ConformsTo s IOUSBHostDevice
        ent $PLATFORM SearchProperty ssu IORegistryPlanes IOService 3 | grep -q '^v a{sv} 4 "IOService"' \
                || fail "SearchProperty through the parents"
        entries=$(b get-property org.ioreg.Registry1 $REG org.ioreg.Registry1 Entries)
        managed=$(b --json=short call org.ioreg.Registry1 $REG org.freedesktop.DBus.ObjectManager GetManagedObjects |
                python3 -c 'import json, sys; print(len(json.load(sys.stdin)["data"][0]))')
        [ "$entries" = "u $managed" ] || fail "GetManagedObjects lists $managed objects, Entries says '$entries'"
        b tree org.ioreg.Registry1 | grep -q "$ROOT" || fail "busctl tree lacks Root"

        refused "No plane named 'Nope'" reg GetPlane s Nope
        refused "does not start with a plane" reg EntryFromPath s Root
        refused "belongs to the daemon" reg TerminateEntry t $PLATFORM_ID
        refused "No entry with ID" reg TerminateEntry t 1
        refused "does not accept properties" reg SetProperties 'ta{sv}' $PLATFORM_ID 1 k s v
        refused "no location" ent $ROOT GetLocation s IOService
        refused "Unknown search options" ent $ROOT SearchProperty ssu IOKitBuildVersion "" 8
        reg ReloadCatalogue | grep -q '^u [0-9]' || fail "ReloadCatalogue"
        refused "." reg GetPlane u 7
        refused "." ent $REG/entry/00000000deadbeef GetName s ""
        if command -v setpriv >/dev/null && [ "$(id -u)" = 0 ]; then
                nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
                out=$(nobody busctl --address="$address" call org.ioreg.Registry1 $REG org.ioreg.Registry1 \
                        GetRootEntry 2>&1) || fail "a non-root query refused: $out"
                if out=$(nobody busctl --address="$address" call org.ioreg.Registry1 $REG org.ioreg.Registry1 \
                        TerminateEntry t $PLATFORM_ID 2>&1); then fail "a non-root terminate accepted"; fi
                grep -q "Not authorized to do org.ioreg.terminate-entry" <<<"$out" || fail "non-root terminate: $out"
                if out=$(nobody busctl --address="$address" call org.ioreg.Registry1 $REG org.ioreg.Registry1 \
                        ReloadCatalogue 2>&1); then fail "a non-root reload accepted"; fi
                out=$(nobody busctl --address="$address" call org.ioreg.Registry1 $REG org.ioreg.Catalogue1 \
                        Explain t $RESOURCES_ID 2>&1) || fail "a non-root Explain refused: $out"
        fi

        # The contract: each interface the daemon serves, as introspected, equals the XML.
        b introspect --xml-interface org.ioreg.Registry1 $REG > "$work/registry.xml"
        b introspect --xml-interface org.ioreg.Registry1 $ROOT > "$work/entry.xml"
        b introspect --xml-interface org.ioreg.Registry1 /org/ioreg/DriverHost1 > "$work/driverhost.xml"
        # DriverServer1 is served by driver servers, not by ioregd: tests/drivers compares it. UserClient1 is
        # spoken peer to peer between an application and a driver server (tests/userclient).
        python3 "$src/tests/fixture/compare-introspection.py" \
                $(ls "$src"/systemd/org.ioreg.*.xml | grep -v -e DriverServer1 -e 'UserClient1\.xml') -- \
                "$work/registry.xml" "$work/entry.xml" "$work/driverhost.xml" ||
                fail "the live interfaces differ from the contract"
        echo "busctl: ok"
else
        echo "busctl: not installed, skipped"
fi

# --- gdbus ----------------------------------------------------------------
if $have_gdbus; then
        g() { local path=$1 method=$2; shift 2; gdbus call --address "$address" --dest org.ioreg.Registry1 \
                --object-path "$path" --method "$method" "$@"; }
        gexpect() {
                local want=$1 got
                shift
                got=$(g "$@" 2>&1) || fail "gdbus $*: $got"
                [ "$got" = "$want" ] || fail "gdbus $*: got '$got', want '$want'"
        }
        gerror() { # gerror NAME PATH METHOD ARGS...: refused with the D-Bus error NAME
                local name=$1 got
                shift
                if got=$(g "$@" 2>&1); then fail "gdbus $* succeeded: $got"; fi
                grep -q "GDBus.Error:$name:" <<<"$got" || fail "gdbus $*: want $name, got '$got'"
        }

        for _ in $(seq 200); do g $REG org.ioreg.Registry1.WaitQuiet 10000000 >/dev/null 2>&1 && break; sleep 0.05; done

        gexpect "(uint64 $ROOT_ID,)" $REG org.ioreg.Registry1.GetRootEntry
        gexpect "(uint64 $PLATFORM_ID,)" $REG org.ioreg.Registry1.EntryFromPath "IOService:/"
        gexpect "([uint64 $RESOURCES_ID],)" $REG org.ioreg.Registry1.GetMatchingServices "{'IOProviderClass': <'IOResources'>}"
        gexpect "(@at [],)" $REG org.ioreg.Registry1.GetMatchingServices "{'IOProviderClass': <'NoSuchClass'>}"
        gexpect "('Root',)" $ROOT org.ioreg.Entry1.GetName ""
        gexpect "('IOService:/',)" $PLATFORM org.ioreg.Entry1.GetPath IOService
        gexpect "(<'Root'>,)" $ROOT org.freedesktop.DBus.Properties.Get org.ioreg.Entry1 Name
        g $REG org.ioreg.Registry1.GetPlane IOService | grep -q "'Root'" || fail "gdbus GetPlane"
        g $REG org.ioreg.Registry1.GetClassHierarchy | grep -q "('IOService', 'IORegistryEntry')" \
                || fail "gdbus GetClassHierarchy"
        g $REG org.freedesktop.DBus.ObjectManager.GetManagedObjects | grep -q "$ROOT" || fail "gdbus GetManagedObjects"

        gerror org.ioreg.Error.NoSuchPlane $REG org.ioreg.Registry1.GetPlane Nope
        gerror org.ioreg.Error.InvalidArgument $REG org.ioreg.Registry1.EntryFromPath Root
        gerror org.ioreg.Error.NotFound $REG org.ioreg.Registry1.EntryFromPath "IOService:/NoSuch@1"
        gerror org.ioreg.Error.NoSuchPlane $REG org.ioreg.Registry1.EntryFromPath "Nope:/"
        gerror org.ioreg.Error.InvalidArgument $REG org.ioreg.Registry1.GetMatchingServices "{'IOProbeScore': <1.5>}"
        gerror org.ioreg.Error.NotPermitted $REG org.ioreg.Registry1.TerminateEntry $ROOT_ID
        gerror org.ioreg.Error.NoSuchEntry $REG org.ioreg.Registry1.TerminateEntry 1
        gerror org.ioreg.Error.NotSupported $REG org.ioreg.Registry1.SetProperties $PLATFORM_ID "{'k': <'v'>}"
        gerror org.ioreg.Error.NotFound $ROOT org.ioreg.Entry1.GetLocation IOService
        gerror org.ioreg.Error.NotFound $ROOT org.ioreg.Entry1.GetPath IOService
        gerror org.ioreg.Error.NoSuchPlane $ROOT org.ioreg.Entry1.GetChildren Nope
        gerror org.ioreg.Error.NotFound $ROOT org.ioreg.Entry1.SearchProperty NoSuchKey IOService 1
        gerror org.ioreg.Error.InvalidArgument $ROOT org.ioreg.Entry1.SearchProperty IOKitBuildVersion "" 8
        gerror org.freedesktop.DBus.Error.UnknownObject $REG/entry/00000000deadbeef org.ioreg.Entry1.GetName ""
        if command -v setpriv >/dev/null && [ "$(id -u)" = 0 ]; then
                if out=$(setpriv --reuid=65534 --regid=65534 --clear-groups gdbus call --address "$address" \
                        --dest org.ioreg.Registry1 --object-path $REG \
                        --method org.ioreg.Registry1.TerminateEntry $PLATFORM_ID 2>&1); then
                        fail "gdbus: a non-root terminate accepted"
                fi
                grep -q "GDBus.Error:org.ioreg.Error.AccessDenied:" <<<"$out" || fail "gdbus non-root: $out"
        fi
        echo "gdbus: ok"
else
        echo "gdbus: not installed, skipped"
fi

kill -0 "$daemon" || fail "daemon died"
echo "ok"
