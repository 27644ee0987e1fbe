/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * hashmap.h: an open-addressing hash map from a borrowed key to a borrowed
 * value. The map owns neither: keys usually point into the value (an
 * entry's ID, a class's name), so nothing is copied and nothing is freed.
 * Two key kinds: NUL-terminated strings and uint64_t (by pointer).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct HashmapOps {
        uint64_t (*hash)(const void *key);
        bool (*equal)(const void *a, const void *b);
} HashmapOps;

extern const HashmapOps string_hash_ops;
extern const HashmapOps u64_hash_ops; /* keys are const uint64_t * */

typedef struct HashmapSlot {
        const void *key;   /* borrowed; NULL = empty, HASHMAP_TOMBSTONE = deleted */
        void *value;       /* borrowed */
} HashmapSlot;

typedef struct Hashmap {
        const HashmapOps *ops;
        HashmapSlot *slots; /* owned */
        unsigned n_slots;   /* power of two, or 0 */
        unsigned n_items;
        unsigned n_used;    /* items + tombstones */
} Hashmap;

#define HASHMAP_INIT(o) ((Hashmap) { .ops = (o) })

void hashmap_done(Hashmap *h);
/* Inserts or replaces. Returns 0, or -ENOMEM. */
int hashmap_put(Hashmap *h, const void *key, void *value);
void *hashmap_get(const Hashmap *h, const void *key);
/* Returns the removed value, or NULL. */
void *hashmap_remove(Hashmap *h, const void *key);
static inline unsigned hashmap_size(const Hashmap *h) {
        return h->n_items;
}

/* Iteration: for (unsigned i = 0; hashmap_next(h, &i, &k, &v); ) */
bool hashmap_next(const Hashmap *h, unsigned *state, const void **ret_key, void **ret_value);

uint64_t hash_bytes(const void *p, size_t n);
