/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bus-entry.h: one D-Bus object per registry entry, interface
 * org.ioreg.Entry1, at /org/ioreg/Registry1/entry/<ID as 16 lowercase hex
 * digits> (Root is .../entry/0000000100000100).
 *
 * IDs and paths: method arguments and results name entries by their 64-bit
 * ID (`t`), as IOKitLib's clients do (IORegistryEntryGetRegistryEntryID,
 * IORegistryEntryIDMatching); the object path is the ID written out, so
 * either converts to the other without a call. Paths appear only where
 * D-Bus itself wants them (ObjectManager, introspection).
 *
 * The objects cost nothing per entry: a fallback vtable finds the entry
 * from the path and a node enumerator lists them (GetManagedObjects,
 * introspection). A terminated entry's path answers UnknownObject.
 */
#pragma once

#include <stdint.h>

#include "bus-context.h"
#include "protocol.h"

#define IOREG_ENTRY_PATH_PREFIX IOREG_OBJECT_PATH "/entry"
/* The prefix, '/', 16 hex digits and the NUL. */
#define BUS_ENTRY_PATH_MAX (sizeof(IOREG_ENTRY_PATH_PREFIX) + 1 + 16)

/* Writes the object path of entry id into buf; returns buf. */
char *bus_entry_path(uint64_t id, char buf[static BUS_ENTRY_PATH_MAX]);
/* The ID in an entry's object path: exactly 16 lowercase hex digits after the prefix. -EINVAL otherwise. */
int bus_entry_id_from_path(const char *path, uint64_t *ret);

/* Adds the fallback vtable and the node enumerator (the object manager is bus-registry.c's). */
int bus_entry_register(BusContext *m);
