#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The layer check must fail when a layer includes a header from above it: a
# copy of the sources where the pure registry includes the D-Bus codec and
# the client library includes the daemon's registry.
set -euo pipefail
src=$1
check=$(dirname "$0")/check-layers.py
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$src" && find common daemon libioreg cli -name '*.[ch]' -print0 | tar -c --null -T - -f -) | tar -x -C "$tmp" -f -
python3 "$check" "$tmp" >/dev/null || { echo "the clean copy must pass"; exit 1; }

sed -i '0,/#include "registry.h"/s//#include "registry.h"\n#include "bus-flow.h"/' "$tmp/daemon/core/registry/registry.c"
if out=$(python3 "$check" "$tmp"); then
        echo "a core file including daemon/bus was not caught"; exit 1
fi
grep -q 'registry.c.*bus-flow.h' <<<"$out" || { echo "wrong report: $out"; exit 1; }
cp "$src/daemon/core/registry/registry.c" "$tmp/daemon/core/registry/registry.c"

sed -i '0,/#include "lib-internal.h"/s//#include "lib-internal.h"\n#include "matcher.h"/' "$tmp/libioreg/object.c"
if out=$(python3 "$check" "$tmp"); then
        echo "libioreg including the matcher was not caught"; exit 1
fi
cp "$src/libioreg/object.c" "$tmp/libioreg/object.c"

# libioreg may not decode through the daemon's Value (its unlocked symbol table raced across threads).
sed -i '0,/#include "lib-internal.h"/s//#include "lib-internal.h"\n#include "bus-value.h"/' "$tmp/libioreg/properties.c"
if python3 "$check" "$tmp" >/dev/null; then
        echo "libioreg including the Value codec was not caught"; exit 1
fi
cp "$src/libioreg/properties.c" "$tmp/libioreg/properties.c"

# The CLI talks to the daemon through libioreg only: no D-Bus codec of its own.
sed -i '0,/#include "ioreg-tree.h"/s//#include "ioreg-tree.h"\n#include "wire-json.h"/' "$tmp/cli/ioreg-tree.c"
if python3 "$check" "$tmp" >/dev/null; then
        echo "the CLI including the D-Bus codec was not caught"; exit 1
fi
cp "$src/cli/ioreg-tree.c" "$tmp/cli/ioreg-tree.c"

echo '#include <systemd/sd-bus.h>' >> "$tmp/daemon/core/matching/matcher.c"
if python3 "$check" "$tmp" >/dev/null; then
        echo "sd-bus in the pure core was not caught"; exit 1
fi
echo "each forbidden include was caught"
