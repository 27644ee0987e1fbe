/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz-snapshot.c: saved registries (snapshot.h): `ioreg` text dumps and
 * `ioreg -a` archives, told apart by their content as `ioreg --from` does.
 * A failed load must still leave a registry that can be freed, without
 * leaks (what was loaded before the failure stays in it).
 */

#include "fuzz.h"
#include "snapshot.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_(registry_freep) Registry *reg = NULL;
        SnapshotError err = {};

        if (size > FUZZ_MAX_INPUT)
                return 0;
        fuzz_check(registry_new(&reg) == 0);
        (void) snapshot_load_buffer(reg, "IOService", (const char *) data, size, &err);
        return 0;
}
