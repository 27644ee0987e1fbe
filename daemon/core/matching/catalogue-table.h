/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * catalogue-table.h: the catalogue's index tables, from a 64-bit key
 * (catalogue-keys.h, or a personality's value hash) to the items filed
 * under it. Open addressing with the key and the list in the slot: a
 * lookup of a key that is absent, the common case in a table of 20,000
 * products, reads one cache line and no other memory.
 */
#pragma once

#include <stdint.h>

#include "catalogue.h"

typedef struct ItemList {
        CatalogueItem **items; /* owned array of items borrowed from the catalogue */
        unsigned n, cap;
} ItemList;

typedef struct KeySlot {
        uint64_t key;
        ItemList list; /* empty (n == 0): a free slot */
} KeySlot;

typedef struct KeyTable {
        KeySlot *slots; /* owned; a power of two of them, at most half used */
        unsigned n_slots, n_keys;
} KeyTable;

int item_list_add(ItemList *l, CatalogueItem *it);

void key_table_done(KeyTable *t);
int key_table_add(KeyTable *t, uint64_t key, CatalogueItem *it);
/* The items under key (borrowed), or NULL. */
const ItemList *key_table_get(const KeyTable *t, uint64_t key);
