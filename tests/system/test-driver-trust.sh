#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Trust for driver executables (trust.h, driver-host.c): with --trust=yes
# (the system bus default) the shipped IOResources driver server runs from
# a root-owned 0755 copy, and is refused, with a log line naming the file
# and the reason, from a copy that others may write; the daemon goes on.
# Usage: test-driver-trust.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$1
src=$2
if [ "$(id -u)" != 0 ]; then
        echo "Needs root (trusted files are root's); skipping."
        exit 77
fi
. "$src/tests/fixture/private-bus.sh"
start_private_bus

mkdir -m 755 "$work/personalities" "$work/trusted" "$work/untrusted"
# The shipped personality, plus the library's build folder: a copied executable loses its build RUNPATH.
python3 - "$src/personalities/org.ioreg.driver-resources.json" "$build/libioreg" \
        >"$work/personalities/driver-resources.json" <<'PY'
import json, sys
bundle = json.load(open(sys.argv[1]))
for p in bundle["IOKitPersonalities"].values():
    p.setdefault("IOUserServerEnvironment", {})["LD_LIBRARY_PATH"] = sys.argv[2]
json.dump(bundle, sys.stdout)
PY
chmod 644 "$work/personalities/driver-resources.json"
install -m 755 "$build/examples/driver-resources/ioreg-driver-resources" "$work/trusted/"
install -m 777 "$build/examples/driver-resources/ioreg-driver-resources" "$work/untrusted/"

# run_daemon DRIVER_DIR: ioregd with trust on, the driver found in DRIVER_DIR; waits until quiet.
run_daemon() {
        IOREG_DRIVER_PATH=$1 start_ioregd --trust=yes --sysfs-root="$src/tests/data/sys-thinkpad-x230" --no-udev \
                --personalities="$work/personalities"
}
driver_running() {
        for _ in $(seq 100); do
                "$build/cli/ioreg" -w0 -r -d 1 -c IORegResourcesDriver | grep -q IORegResourcesDriver && return 0
                sleep 0.05
        done
        return 1
}

run_daemon "$work/untrusted"
driver_running && fail "a driver executable others may write was run"
grep -q "untrusted/ioreg-driver-resources: refused, not trusted: it is writable by others" "$work/ioregd.log" ||
        fail "no log line names the untrusted executable"
kill -0 "$daemon" || fail "ioregd died"
stop_ioregd

run_daemon "$work/trusted"
driver_running || fail "the trusted driver executable did not run"
echo "ok: untrusted executable refused with a log line, trusted one runs"
