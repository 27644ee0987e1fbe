/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bus-blob.h: an entry's GetPlanePage record in the byte form of wire-blob.h, for
 * Registry1.GetPlaneBlob. Strings are repaired to UTF-8 as bus-value.c does (the last
 * line); the root-only keys (bus-restricted.h) are left out unless the caller says the
 * message goes to root.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "registry.h"

typedef struct BusBlob {
        uint8_t *bytes; /* owned */
        size_t n, cap;
} BusBlob;

void bus_blob_done(BusBlob *b);

/*
 * Appends e's record as seen in plane at depth. With omit, the property table is
 * {IORegistryPropertiesOmitted: its size} (too large for a message). may_see: whether
 * the root-only keys go too (bus_restricted_may_see()). -ENOMEM, -EFBIG (a string or
 * table beyond 4 GiB).
 */
int bus_blob_put_record(BusBlob *b, const Entry *e, const Plane *plane, unsigned depth, bool omit,
                        uint64_t omitted_size, bool may_see);
