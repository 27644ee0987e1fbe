#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The shipped service files, as meson installs them:
#  - systemd-analyze verify passes on the generated ioregd.service, with
#    ExecStart= pointing at the built daemon (verify needs it to exist), and
#    fails on the same unit with a missing ExecStart (the check is real);
#  - the unit keeps what the daemon needs: Type=notify, AF_NETLINK,
#    CAP_SETUID/CAP_SETGID, no PrivateNetwork=/PrivateDevices=; every
#    setting of [Service] has a comment above it (alone or in its group);
#  - meson install puts unit, bus policy, activation file and polkit actions
#    where dbus-daemon, systemd and polkit look, and the policy and actions
#    files are well-formed XML.
# Usage: test-unit-files.sh BUILD_DIR SOURCE_DIR
set -uo pipefail
build=$1
src=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

unit=$build/systemd/ioregd.service
[ -f "$unit" ] || fail "no generated unit"
mkdir "$work/ok" "$work/bad"
sed "s|^ExecStart=.*|ExecStart=$build/daemon/ioregd|" "$unit" >"$work/ok/ioregd.service"
# --man=no: the man page is not installed where man(1) looks during a build.
out=$(systemd-analyze verify --man=no "$work/ok/ioregd.service" 2>&1) || fail "verify: $out"
[ -z "$out" ] || fail "verify warned: $out"
sed "s|^ExecStart=.*|ExecStart=$work/no-such-ioregd|" "$unit" >"$work/bad/ioregd.service"
systemd-analyze verify --man=no "$work/bad/ioregd.service" >/dev/null 2>&1 && fail "verify passed a missing ExecStart"
echo "verify: ok"

grep -qx "Type=notify" "$unit" || fail "not Type=notify"
grep -qx "Restart=on-failure" "$unit" || fail "no Restart=on-failure"
grep -q "^WatchdogSec=" "$unit" || fail "no WatchdogSec="
grep -q "^RestrictAddressFamilies=.*AF_NETLINK" "$unit" || fail "AF_NETLINK not allowed"
grep -q "^CapabilityBoundingSet=.*CAP_SETUID" "$unit" && grep -q "^CapabilityBoundingSet=.*CAP_SETGID" "$unit" ||
        fail "driver servers cannot be started as their users"
grep -q "^PrivateNetwork=\|^PrivateDevices=\|^PrivateUsers=" "$unit" && fail "a setting that breaks uevents or drivers"
# Each setting in [Service] follows a comment or another setting of its group (no blank line between).
awk '/^\[Service\]/ { s = 1; prev = ""; next } /^\[/ { s = 0 } s {
        if ($0 ~ /^[A-Za-z]+=/ && prev == "") { print "no comment above: " $0; bad = 1 }
        prev = $0 } END { exit bad }' "$unit" || fail "unexplained settings"
# The offline security score, for the record (lower is better).
systemd-analyze security --offline=yes "$work/ok/ioregd.service" 2>/dev/null | tail -n 1
echo "unit contents: ok"

DESTDIR=$work/root meson install -C "$build" --no-rebuild --quiet >/dev/null 2>&1 || fail "meson install"
for f in dbus-1/system.d/org.ioreg.Registry1.conf dbus-1/system-services/org.ioreg.Registry1.service \
         polkit-1/actions/org.ioreg.policy; do
        found=$(find "$work/root" -path "*/share/$f" | head -n 1)
        [ -n "$found" ] || fail "not installed: share/$f"
done
found=$(find "$work/root" -name ioregd.service -path "*systemd/system/*" | head -n 1)
[ -n "$found" ] || fail "unit not installed in a systemd unit directory"
svc=$(find "$work/root" -path "*/system-services/org.ioreg.Registry1.service")
grep -qx "SystemdService=ioregd.service" "$svc" && grep -qx "User=root" "$svc" && grep -qx "Name=org.ioreg.Registry1" "$svc" ||
        fail "activation file: $(cat "$svc")"
python3 - "$src/systemd/org.ioreg.Registry1.conf" "$src/systemd/org.ioreg.policy" <<'PY' || fail "XML"
import sys, xml.etree.ElementTree as ET
conf = ET.parse(sys.argv[1]).getroot()
assert conf.tag == "busconfig"
owners = [p.get("user") for p in conf.findall("policy") if p.find("allow[@own='org.ioreg.Registry1']") is not None]
assert owners == ["root"], owners
pol = ET.parse(sys.argv[2]).getroot()
ids = sorted(a.get("id") for a in pol.findall("action"))
assert ids == ["org.ioreg.open-user-client", "org.ioreg.read-platform-identity", "org.ioreg.reload-catalogue",
               "org.ioreg.set-properties", "org.ioreg.terminate-entry", "org.ioreg.usb-device-open",
               "org.ioreg.usb-device-seize"], ids
# Opening a USB device follows the active local session, as a seat's devices do; the platform identity
# (asked without interaction) only by a rule; the rest asks an administrator.
wants = {"org.ioreg.usb-device-open": "yes", "org.ioreg.read-platform-identity": "no"}
for a in pol.findall("action"):
    want = wants.get(a.get("id"), "auth_admin_keep")
    assert a.find("defaults/allow_active").text == want, a.get("id")
PY
echo "install: ok"
echo PASS
