/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * hashmap.c: linear probing, grown at 3/4 load, tombstones on delete.
 *
 * Each slot has a tag byte, in an array after the slots (same block): 0 empty, 1 deleted, else
 * bits of the key's hash. A probe reads the tags and compares a key only where its tag is the
 * one sought: the keys are borrowed pointers into other objects (an entry's ID, a node's path),
 * so comparing the key of every slot a probe passes would fetch each of those objects, one cold
 * cache line (and page) apiece in a big map (issue 21: a device's add does a dozen lookups).
 */

#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hashmap.h"
#include "macro.h"

static const char tombstone_marker;
#define HASHMAP_TOMBSTONE ((const void *) &tombstone_marker)

/* FNV-1a then a final mix: cheap, good enough for short names and IDs. */
_hot_ uint64_t hash_bytes(const void *p, size_t n) {
        const unsigned char *b = p;
        uint64_t h = 0xcbf29ce484222325ULL;

        for (size_t i = 0; i < n; i++) {
                h ^= b[i];
                h *= 0x100000001b3ULL;
        }
        h ^= h >> 33;
        h *= 0xff51afd7ed558ccdULL;
        h ^= h >> 33;
        return h;
}

_hot_ uint64_t string_hash(const void *key) {
        return hash_bytes(key, strlen(key));
}

_hot_ bool string_equal(const void *a, const void *b) {
        return strcmp(a, b) == 0;
}

_hot_ uint64_t u64_hash(const void *key) {
        uint64_t h = *(const uint64_t *) key;

        h ^= h >> 33;
        h *= 0xff51afd7ed558ccdULL;
        h ^= h >> 33;
        return h;
}

_hot_ bool u64_equal(const void *a, const void *b) {
        return *(const uint64_t *) a == *(const uint64_t *) b;
}

const HashmapOps string_hash_ops = HASHMAP_OPS_STRING(NULL);
const HashmapOps u64_hash_ops = HASHMAP_OPS_U64(NULL);

void hashmap_done(Hashmap *h) {
        if (h->ops && h->ops->free_value)
                for (unsigned i = 0; i < h->n_slots; i++) {
                        HashmapSlot *s = &h->slots[i];

                        if (s->key && s->key != HASHMAP_TOMBSTONE) {
                                void *v = s->value;

                                /* Out of the map first: a destructor that looks finds it gone. */
                                s->key = HASHMAP_TOMBSTONE;
                                s->value = NULL;
                                h->n_items--;
                                h->ops->free_value(v);
                        }
                }
        free(h->slots);
        h->slots = NULL;
        h->n_slots = h->n_items = h->n_used = 0;
}

#define TAG_EMPTY 0
#define TAG_DELETED 1

/* The tags, after the n_slots slots. */
static uint8_t *slot_tags(const Hashmap *h) {
        return (uint8_t *) (h->slots + h->n_slots);
}

/* The hash's top byte (its low bits pick the slot), kept clear of the two markers. */
static uint8_t tag_of(uint64_t hash) {
        uint8_t t = hash >> 56;

        return t > TAG_DELETED ? t : t + 2;
}

/* h has slots. */
_hot_ static HashmapSlot *find_slot_hashed(const Hashmap *h, const void *key, uint64_t hash) {
        const uint8_t *tags = slot_tags(h);
        uint8_t tag = tag_of(hash);
        unsigned mask = h->n_slots - 1, i;

        for (i = hash & mask;; i = (i + 1) & mask) {
                if (tags[i] == TAG_EMPTY)
                        return NULL;
                if (tags[i] == tag && h->ops->equal(h->slots[i].key, key))
                        return &h->slots[i];
        }
}

static HashmapSlot *find_slot(const Hashmap *h, const void *key) {
        return h->n_slots == 0 ? NULL : find_slot_hashed(h, key, h->ops->hash(key));
}

static int resize(Hashmap *h, unsigned n_slots) {
        HashmapSlot *old = h->slots;
        unsigned old_n = h->n_slots;

        h->slots = calloc(n_slots, sizeof(HashmapSlot) + 1); /* the slots, then their tags */
        if (!h->slots) {
                h->slots = old;
                return -ENOMEM;
        }
        h->n_slots = n_slots;
        h->n_items = h->n_used = 0;
        for (unsigned i = 0; i < old_n; i++)
                if (old[i].key && old[i].key != HASHMAP_TOMBSTONE)
                        (void) hashmap_put(h, old[i].key, old[i].value); /* cannot fail: room reserved */
        free(old);
        return 0;
}

static void free_value(const Hashmap *h, void *v) {
        if (h->ops && h->ops->free_value && v)
                h->ops->free_value(v);
}

_hot_ int hashmap_put(Hashmap *h, const void *key, void *value) {
        uint64_t hash = h->ops->hash(key);
        unsigned mask, i;
        HashmapSlot *s;
        uint8_t *tags;
        int r;

        s = h->n_slots == 0 ? NULL : find_slot_hashed(h, key, hash);
        if (s) {
                void *old = s->value;

                s->key = key;
                s->value = value;
                if (old != value)
                        free_value(h, old);
                return 0;
        }
        if ((h->n_used + 1) * 4 >= h->n_slots * 3) {
                unsigned n = h->n_slots ? h->n_slots : 8;

                /* Only grow when live items need it; otherwise a same-size rehash drops tombstones. */
                while ((h->n_items + 1) * 2 >= n)
                        n *= 2;
                r = resize(h, n);
                if (r < 0)
                        return r;
        }
        mask = h->n_slots - 1;
        tags = slot_tags(h);
        for (i = hash & mask; tags[i] != TAG_EMPTY && tags[i] != TAG_DELETED; i = (i + 1) & mask)
                ;
        if (tags[i] == TAG_EMPTY)
                h->n_used++;
        tags[i] = tag_of(hash);
        s = &h->slots[i];
        s->key = key;
        s->value = value;
        h->n_items++;
        return 0;
}

_hot_ void *hashmap_get(const Hashmap *h, const void *key) {
        HashmapSlot *s = find_slot(h, key);

        return s ? s->value : NULL;
}

static void *slot_remove(Hashmap *h, HashmapSlot *s) {
        void *v = s->value;

        s->key = HASHMAP_TOMBSTONE;
        s->value = NULL;
        slot_tags(h)[s - h->slots] = TAG_DELETED;
        /* The last item out: the slots go too (a map that held many keeps no tombstones). */
        if (--h->n_items == 0) {
                free(h->slots);
                h->slots = NULL;
                h->n_slots = h->n_used = 0;
        }
        return v;
}

_hot_ void *hashmap_remove(Hashmap *h, const void *key) {
        HashmapSlot *s = find_slot(h, key);

        return s ? slot_remove(h, s) : NULL;
}

_hot_ bool hashmap_delete(Hashmap *h, const void *key) {
        HashmapSlot *s = find_slot(h, key);

        if (!s)
                return false;
        free_value(h, slot_remove(h, s));
        return true;
}

void *hashmap_remove_current(Hashmap *h, unsigned state) {
        HashmapSlot *s;

        assert(state > 0 && state <= h->n_slots);
        s = &h->slots[state - 1];
        assert(s->key && s->key != HASHMAP_TOMBSTONE);
        return slot_remove(h, s);
}

void hashmap_delete_current(Hashmap *h, unsigned state) {
        free_value(h, hashmap_remove_current(h, state));
}

_hot_ bool hashmap_next(const Hashmap *h, unsigned *state, const void **ret_key, void **ret_value) {
        for (; *state < h->n_slots; (*state)++) {
                HashmapSlot *s = &h->slots[*state];

                if (s->key && s->key != HASHMAP_TOMBSTONE) {
                        if (ret_key)
                                *ret_key = s->key;
                        if (ret_value)
                                *ret_value = s->value;
                        (*state)++;
                        return true;
                }
        }
        return false;
}
