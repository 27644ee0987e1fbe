#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# A reload retries a crash-looped driver server (issue 20, point 6): the
# shipped resources personality with a server that exits at once loops
# until ioregd gives up (IOUserServerCrashLoop on IOResources); the server is
# fixed on disk, the catalogue reloaded with the personality unchanged
# (SIGHUP): the mark goes and the driver runs.
# usage: test-crash-loop-reload.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$1
src=$2
ioreg=$build/cli/ioreg
. "$src/tests/fixture/private-bus.sh"

mkdir -p -m 755 "$work/p" "$work/bin"
cp "$src/personalities/org.ioreg.driver-resources.json" "$work/p/"
printf '#!/bin/sh\nexit 3\n' > "$work/bin/ioreg-driver-resources"
chmod 755 "$work/bin/ioreg-driver-resources"
start_private_bus
export IOREG_DRIVER_PATH=$work/bin
start_ioregd --no-udev --personalities="$work/p"
for _ in $(seq 300); do grep -q "giving up" "$work/ioregd.log" && break; sleep 0.1; done
"$ioreg" -w0 -l -r -c IOResources -d1 | grep -q '"IOUserServerCrashLoop" = "org.ioreg.driver.resources"' ||
        fail "no crash loop shown on IOResources"

# Fixed on disk (the built server, with the build's libioreg), renamed into place.
printf '#!/bin/sh\nLD_LIBRARY_PATH=%s exec %s\n' "$build/libioreg" \
        "$build/examples/driver-resources/ioreg-driver-resources" > "$work/bin/new"
chmod 755 "$work/bin/new"
mv "$work/bin/new" "$work/bin/ioreg-driver-resources"
kill -HUP "$daemon"
for _ in $(seq 200); do
        "$ioreg" -w0 -r -c IOResources -d2 | grep -q "+-o IORegResourcesDriver" && break
        sleep 0.1
done
"$ioreg" -w0 -r -c IOResources -d2 | grep -q "+-o IORegResourcesDriver" || fail "the driver did not run after the reload"
"$ioreg" -w0 -l -r -c IOResources -d1 | grep -q IOUserServerCrashLoop && fail "IOUserServerCrashLoop stayed on the nub"
echo "ok: a reload retries a crash-looped server"
