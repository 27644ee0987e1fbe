/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bench-ids.h: the vendor and product IDs listed in hwdata's usb.ids and
 * pci.ids (Debian packages usb.ids and pci.ids), for the matching
 * benchmark: one pair per device line, in file order.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

typedef struct IdPair {
        uint16_t vendor;
        uint16_t product; /* USB idProduct, PCI device ID */
} IdPair;

typedef struct IdList {
        IdPair *items; /* owned, in file order */
        unsigned n, cap;
        IdPair *sorted; /* owned: the same pairs sorted, for id_list_contains() */
        char *path;     /* owned: the file they were read from, NULL when none was found */
} IdList;

#define ID_LIST_INIT ((IdList) {})

/* The first of paths (NULL-terminated) that can be read, or NULL. */
const char *ids_find_file(const char *const *paths);

/*
 * Reads the device lines ("\tDDDD  name") below each vendor line ("VVVV  name") up to the first
 * class list ("C xx  name"); subsystem lines ("\t\t...") are skipped. 0, or a negative errno.
 */
int id_list_load(IdList *l, const char *path);

/* Appends one pair (a synthetic list when the file is missing). 0 or -ENOMEM. */
int id_list_add(IdList *l, uint16_t vendor, uint16_t product);

/* Sorts a copy of the pairs for id_list_contains(). 0 or -ENOMEM. */
int id_list_index(IdList *l);
bool id_list_contains(const IdList *l, uint16_t vendor, uint16_t product);

void id_list_done(IdList *l);
