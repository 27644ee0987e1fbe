/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* catalogue-table.c: see catalogue-table.h. */

#include <errno.h>
#include <stdlib.h>

#include "catalogue-table.h"

int item_list_add(ItemList *l, CatalogueItem *it) {
        if (GROW(l->items, l->cap, l->n + 1) < 0)
                return -ENOMEM;
        l->items[l->n++] = it;
        return 0;
}

void key_table_done(KeyTable *t) {
        for (unsigned i = 0; i < t->n_slots; i++)
                free(t->slots[i].list.items);
        free(t->slots);
        *t = (KeyTable) {};
}

/* Fibonacci hashing: the keys are hashes already, this spreads their high bits over the index. */
_hot_ static unsigned slot_of(const KeyTable *t, uint64_t key) {
        return (unsigned) ((key * UINT64_C(0x9e3779b97f4a7c15)) >> 32) & (t->n_slots - 1);
}

_hot_ static KeySlot *find(const KeyTable *t, uint64_t key) {
        for (unsigned i = slot_of(t, key);; i = (i + 1) & (t->n_slots - 1)) {
                KeySlot *s = &t->slots[i];

                if (s->list.n == 0 || s->key == key)
                        return s;
        }
}

static int grow(KeyTable *t) {
        KeyTable bigger = { .n_slots = t->n_slots ? t->n_slots * 2 : 8 };

        bigger.slots = calloc(bigger.n_slots, sizeof(KeySlot));
        if (!bigger.slots)
                return -ENOMEM;
        for (unsigned i = 0; i < t->n_slots; i++)
                if (t->slots[i].list.n > 0)
                        *find(&bigger, t->slots[i].key) = t->slots[i];
        bigger.n_keys = t->n_keys;
        free(t->slots);
        *t = bigger;
        return 0;
}

int key_table_add(KeyTable *t, uint64_t key, CatalogueItem *it) {
        bool new_key;
        KeySlot *s;

        if ((t->n_keys + 1) * 2 > t->n_slots && grow(t) < 0)
                return -ENOMEM;
        s = find(t, key);
        new_key = s->list.n == 0;
        s->key = key;
        if (item_list_add(&s->list, it) < 0)
                return -ENOMEM;
        t->n_keys += new_key;
        return 0;
}

_hot_ const ItemList *key_table_get(const KeyTable *t, uint64_t key) {
        const KeySlot *s;

        if (t->n_keys == 0)
                return NULL;
        s = find(t, key);
        return s->list.n > 0 ? &s->list : NULL;
}
