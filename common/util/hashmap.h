/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * hashmap.h: an open-addressing hash map from a borrowed key to a value.
 * Keys usually point into the value (an entry's ID, a class's name), so no
 * key is ever copied. Values are borrowed, unless the map's ops name a
 * free_value: then the map owns them, and hashmap_done() and
 * hashmap_delete*() free them (hashmap_remove*() hands them back instead).
 * Two key kinds: NUL-terminated strings and uint64_t (by pointer); an
 * owning map declares its own ops from the exported hash and equal
 * functions (HASHMAP_OPS_STRING(), HASHMAP_OPS_U64()).
 *
 * Iteration: for (unsigned i = 0; hashmap_next(h, &i, &k, &v);). Removing
 * any key while iterating is safe (a removal leaves a tombstone and never
 * moves another item), so is hashmap_delete_current(); adding is not (it
 * may rehash).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct HashmapOps {
        uint64_t (*hash)(const void *key);
        bool (*equal)(const void *a, const void *b);
        void (*free_value)(void *value); /* NULL: the values are borrowed */
} HashmapOps;

uint64_t string_hash(const void *key);
bool string_equal(const void *a, const void *b);
uint64_t u64_hash(const void *key);
bool u64_equal(const void *a, const void *b);

extern const HashmapOps string_hash_ops; /* borrowed values */
extern const HashmapOps u64_hash_ops;    /* keys are const uint64_t *; borrowed values */

/* Ops of a map that owns its values: static const HashmapOps ops = HASHMAP_OPS_U64(thing_free_void); */
#define HASHMAP_OPS_STRING(free_fn) { .hash = string_hash, .equal = string_equal, .free_value = (free_fn) }
#define HASHMAP_OPS_U64(free_fn) { .hash = u64_hash, .equal = u64_equal, .free_value = (free_fn) }
/* A void (*)(void *) for a destructor of another shape (Thing *thing_free(Thing *)). */
#define DEFINE_HASHMAP_FREE_FUNC(name, type, fn) \
        static inline void name(void *p) {       \
                (void) fn((type *) p);           \
        }

typedef struct HashmapSlot {
        const void *key;   /* borrowed; NULL = empty, HASHMAP_TOMBSTONE = deleted */
        void *value;       /* borrowed */
} HashmapSlot;

typedef struct Hashmap {
        const HashmapOps *ops;
        HashmapSlot *slots; /* owned, followed by a tag byte per slot in the same block (hashmap.c) */
        unsigned n_slots;   /* power of two, or 0 */
        unsigned n_items;
        unsigned n_used;    /* items + tombstones */
} Hashmap;

#define HASHMAP_INIT(o) ((Hashmap) { .ops = (o) })

/* Frees the values when the map owns them, then the map's memory; h is empty after. */
void hashmap_done(Hashmap *h);
static inline void hashmap_donep(Hashmap *h) {
        hashmap_done(h);
}
/* Inserts or replaces (an owning map frees the value replaced). Returns 0, or -ENOMEM. */
int hashmap_put(Hashmap *h, const void *key, void *value);
void *hashmap_get(const Hashmap *h, const void *key);
/* Returns the removed value (the caller's now, even in an owning map), or NULL. */
void *hashmap_remove(Hashmap *h, const void *key);
/* Removes key and frees its value when the map owns it. Returns whether it was there. */
bool hashmap_delete(Hashmap *h, const void *key);
static inline unsigned hashmap_size(const Hashmap *h) {
        return h->n_items;
}

/* Iteration: for (unsigned i = 0; hashmap_next(h, &i, &k, &v); ) */
bool hashmap_next(const Hashmap *h, unsigned *state, const void **ret_key, void **ret_value);
/* Removes the item hashmap_next() just returned (state as it left it): O(1), the walk goes on. */
void *hashmap_remove_current(Hashmap *h, unsigned state);
void hashmap_delete_current(Hashmap *h, unsigned state);

uint64_t hash_bytes(const void *p, size_t n);
