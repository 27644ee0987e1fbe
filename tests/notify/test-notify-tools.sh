#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# org.ioreg.Notifications1 from outside clients, busctl and gdbus, on a
# private dbus-daemon with ioregd --no-udev: the calls marshal as the
# contract says, errors carry org.ioreg.Error.* names, and each tool's
# subscriptions end when the tool exits. gdbus is skipped cleanly when
# absent; without busctl either, the test is skipped (77).
# usage: test-notify-tools.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$1
src=$2
have_busctl=false have_gdbus=false
command -v busctl >/dev/null && have_busctl=true
command -v gdbus >/dev/null && have_gdbus=true
if ! $have_busctl && ! $have_gdbus; then
        echo "SKIP: neither busctl nor gdbus"
        exit 77
fi

. "$src/tests/fixture/private-bus.sh"
start_private_bus
addr=$IOREG_BUS_ADDRESS
start_ioregd --sysfs-root="$src/tests/data/sysfs-empty" --no-udev

obj=(org.ioreg.Registry1 /org/ioreg/Registry1)
iface=org.ioreg.Notifications1
root=4294967552 # 0x100000100

count() {
        if $have_busctl; then
                busctl --address="$addr" get-property "${obj[@]}" $iface Subscriptions | awk '{print $2}'
        else
                gdbus call --address "$addr" --dest "${obj[0]}" --object-path "${obj[1]}" \
                        --method org.freedesktop.DBus.Properties.Get $iface Subscriptions | tr -dc '0-9'
        fi
}
back_to_zero() {
        for _ in $(seq 100); do [ "$(count)" = 0 ] && return 0; sleep 0.05; done
        fail "subscriptions not freed after $1 exited: $(count)"
}

if $have_busctl; then
        b=(busctl --address="$addr" call "${obj[@]}" $iface)
        out=$("${b[@]}" Subscribe 'sa{sv}' IOServicePublish 1 IOProviderClass s IOService) || fail "busctl Subscribe"
        [[ $out =~ ^t\ [1-9][0-9]*$ ]] || fail "busctl Subscribe replied '$out'"
        back_to_zero busctl
        out=$("${b[@]}" Subscribe 'sa{sv}' terminated 2 IOProviderClass s IOUSBHostDevice \
                IOPropertyMatch 'a{sv}' 1 idVendor q 1133) || fail "busctl Subscribe with a nested dictionary"
        [[ $out =~ ^t\  ]] || fail "busctl Subscribe replied '$out'"
        out=$("${b[@]}" RegisterInterest ts $root IOBusyInterest) || fail "busctl RegisterInterest"
        [[ $out =~ ^t\  ]] || fail "busctl RegisterInterest replied '$out'"
        if "${b[@]}" Subscribe 'sa{sv}' IOServiceBogus 0 2>"$work/err"; then fail "bogus type accepted"; fi
        grep -q "Unknown notification type 'IOServiceBogus'" "$work/err" || fail "unclear error: $(cat "$work/err")"
        if "${b[@]}" RegisterInterest ts 12345 IOGeneralInterest 2>"$work/err"; then fail "unknown entry accepted"; fi
        grep -q "No entry 0x3039" "$work/err" || fail "unclear error: $(cat "$work/err")"
        if "${b[@]}" Ack tt 12345 1 2>"$work/err"; then fail "Ack of an unknown subscription accepted"; fi
        back_to_zero busctl
        busctl --address="$addr" introspect "${obj[@]}" $iface > "$work/introspect" || fail "introspect"
        for m in Subscribe RegisterInterest Unsubscribe Ack Resync Notification Interest Overflow; do
                grep -q "^\.$m " "$work/introspect" || fail "introspection lacks $m"
        done
        grep -q '^\.Notification *signal *ttstssa{sv}a(ssss) ' "$work/introspect" || fail "Notification signature"
        grep -q '^\.PendingLimit *property *u *1024 ' "$work/introspect" || fail "PendingLimit"
fi

if $have_gdbus; then
        g=(gdbus call --address "$addr" --dest "${obj[0]}" --object-path "${obj[1]}")
        out=$("${g[@]}" --method $iface.Subscribe IOServiceMatched "{'IOProviderClass': <'IOResources'>}") \
                || fail "gdbus Subscribe"
        [[ $out =~ ^\(uint64\ [1-9][0-9]*,\)$ ]] || fail "gdbus Subscribe replied '$out'"
        out=$("${g[@]}" --method $iface.RegisterInterest $root IOGeneralInterest) || fail "gdbus RegisterInterest"
        [[ $out =~ ^\(uint64\  ]] || fail "gdbus RegisterInterest replied '$out'"
        if "${g[@]}" --method $iface.Subscribe IOServicePublish "{'IOProbeScore': <1.5>}" 2>"$work/err"; then
                fail "a double accepted"
        fi
        grep -q "org.ioreg.Error.InvalidArgument" "$work/err" || fail "gdbus error name: $(cat "$work/err")"
        if "${g[@]}" --method $iface.Unsubscribe 424242 2>"$work/err"; then fail "unknown subscription"; fi
        grep -q "org.ioreg.Error.NoSuchSubscription" "$work/err" || fail "gdbus error name: $(cat "$work/err")"
        back_to_zero gdbus
else
        echo "gdbus not installed: its part skipped"
fi
echo ok
