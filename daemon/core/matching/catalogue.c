/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* catalogue.c: see catalogue.h. */

#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "catalogue.h"
#include "match-family.h"

typedef struct ItemArray {
        CatalogueItem **items; /* borrowed from Catalogue.items */
        unsigned n, cap;
} ItemArray;

typedef struct KeyedList {
        uint64_t key; /* the map key points here */
        ItemArray list;
} KeyedList;

typedef struct Bucket {
        char *class_name; /* owned; the map key */
        ItemArray general;
        Hashmap by_key;   /* discriminating key → KeyedList * (owned) */
} Bucket;

struct Catalogue {
        const ClassTable *classes; /* borrowed */
        CatalogueItem **items;     /* owned, catalogue order */
        unsigned n_items, cap_items;
        Hashmap buckets;           /* class name → Bucket * (owned) */
        Hashmap by_hash;           /* value hash → KeyedList * (owned), for duplicates */
        uint64_t generation, next_order;
};

#define KEY_USB (UINT64_C(1) << 56)
#define KEY_PCI (UINT64_C(2) << 56)

static int item_array_add(ItemArray *a, CatalogueItem *it) {
        if (GROW(a->items, a->cap, a->n + 1) < 0)
                return -ENOMEM;
        a->items[a->n++] = it;
        return 0;
}

static void keyed_list_free(void *v) {
        KeyedList *k = v;

        free(k->list.items);
        free(k);
}

static void bucket_free(void *v) {
        Bucket *b = v;

        hashmap_done(&b->by_key);
        free(b->general.items);
        free(b->class_name);
        free(b);
}

static const HashmapOps keyed_ops = HASHMAP_OPS_U64(keyed_list_free);
static const HashmapOps buckets_ops = HASHMAP_OPS_STRING(bucket_free);

static int keyed_map_add(Hashmap *h, uint64_t key, CatalogueItem *it) {
        KeyedList *k = hashmap_get(h, &key);

        if (!k) {
                k = calloc(1, sizeof(*k));
                if (!k)
                        return -ENOMEM;
                k->key = key;
                if (hashmap_put(h, &k->key, k) < 0) {
                        free(k);
                        return -ENOMEM;
                }
        }
        return item_array_add(&k->list, it);
}

/* The index: the buckets by provider class and the items by hash. */
static void index_free(Catalogue *c) {
        hashmap_done(&c->buckets);
        hashmap_done(&c->by_hash);
}

static CatalogueItem *item_free(CatalogueItem *it) {
        if (!it)
                return NULL;
        personality_unref(it->personality);
        free(it->provider_class);
        free(it);
        return NULL;
}

int catalogue_new(const ClassTable *classes, Catalogue **ret) {
        Catalogue *c = calloc(1, sizeof(*c));

        if (!c)
                return -ENOMEM;
        c->classes = classes;
        c->buckets = HASHMAP_INIT(&buckets_ops);
        c->by_hash = HASHMAP_INIT(&keyed_ops);
        *ret = c;
        return 0;
}

Catalogue *catalogue_free(Catalogue *c) {
        if (!c)
                return NULL;
        index_free(c);
        for (unsigned i = 0; i < c->n_items; i++)
                item_free(c->items[i]);
        free(c->items);
        free(c);
        return NULL;
}

unsigned catalogue_size(const Catalogue *c) {
        return c->n_items;
}

uint64_t catalogue_generation(const Catalogue *c) {
        return c->generation;
}

CatalogueItem *catalogue_item(const Catalogue *c, unsigned i) {
        return i < c->n_items ? c->items[i] : NULL;
}

static bool number_of(const Value *v, uint64_t *ret) {
        if (!v || value_type(v) != VALUE_NUMBER)
                return false;
        *ret = value_unsigned(v);
        return true;
}

/* IDs of a PCI list with no masks; false when the list cannot be indexed. */
static bool pci_ids(const Value *list, uint32_t *ids, unsigned max, unsigned *ret_n) {
        const char *p;
        unsigned n = 0;

        if (value_type(list) != VALUE_STRING)
                return false;
        p = value_string(list, NULL);
        for (;;) {
                unsigned long long v;
                char *end;

                while (*p == ' ' || *p == '\t' || *p == '\n')
                        p++;
                if (!*p)
                        break;
                errno = 0;
                v = strtoull(p, &end, 16);
                if (errno || end == p || v > UINT32_MAX || *end == '&' || n == max)
                        return false;
                ids[n++] = (uint32_t) v;
                p = end;
        }
        *ret_n = n;
        return n > 0;
}

#define MAX_KEYS 64

/* The discriminating keys a personality is filed under; 0 keys means the general list. */
static unsigned personality_keys(const Value *d, uint64_t *keys) {
        static const char *const pci_keys[] = { "IOPCIPrimaryMatch", "IOPCIMatch", "IOPCISecondaryMatch" };
        uint64_t vendor, product;
        uint32_t ids[MAX_KEYS];
        unsigned n;
        Value *v;

        if (number_of(value_dict_get(d, "idVendor"), &vendor) && !value_dict_get(d, "idProductMask")) {
                Value *array = value_dict_get(d, "idProductArray");

                if (number_of(value_dict_get(d, "idProduct"), &product) && !array) {
                        keys[0] = KEY_USB | (vendor & 0xffff) << 16 | (product & 0xffff);
                        return 1;
                }
                if (array && !value_dict_get(d, "idProduct") && value_type(array) == VALUE_ARRAY &&
                    value_array_size(array) > 0 && value_array_size(array) <= MAX_KEYS) {
                        for (n = 0; n < value_array_size(array); n++) {
                                if (!number_of(value_array_get(array, n), &product))
                                        return 0;
                                keys[n] = KEY_USB | (vendor & 0xffff) << 16 | (product & 0xffff);
                        }
                        return n;
                }
        }
        for (size_t i = 0; i < ELEMENTSOF(pci_keys); i++)
                if ((v = value_dict_get(d, pci_keys[i]))) {
                        if (!pci_ids(v, ids, MAX_KEYS, &n))
                                return 0;
                        for (unsigned j = 0; j < n; j++)
                                keys[j] = KEY_PCI | ids[j];
                        return n;
                }
        return 0;
}

static Bucket *bucket_get(Catalogue *c, const char *class_name) {
        Bucket *b = hashmap_get(&c->buckets, class_name);

        if (b)
                return b;
        b = calloc(1, sizeof(*b));
        if (!b)
                return NULL;
        b->class_name = strdup(class_name);
        b->by_key = HASHMAP_INIT(&keyed_ops);
        if (!b->class_name || hashmap_put(&c->buckets, b->class_name, b) < 0) {
                free(b->class_name);
                free(b);
                return NULL;
        }
        return b;
}

static int index_item(Catalogue *c, CatalogueItem *it) {
        uint64_t keys[MAX_KEYS];
        unsigned n = personality_keys(it->personality->dict, keys);
        Bucket *b = bucket_get(c, it->provider_class);

        if (!b)
                return -ENOMEM;
        if (keyed_map_add(&c->by_hash, it->hash, it) < 0)
                return -ENOMEM;
        if (n == 0)
                return item_array_add(&b->general, it);
        for (unsigned i = 0; i < n; i++) {
                bool seen = false;

                for (unsigned j = 0; j < i; j++)
                        seen = seen || keys[j] == keys[i];
                if (!seen && keyed_map_add(&b->by_key, keys[i], it) < 0)
                        return -ENOMEM;
        }
        return 0;
}

static CatalogueItem *find_equal_item(const Catalogue *c, const Personality *p, uint64_t hash) {
        KeyedList *k = hashmap_get(&c->by_hash, &hash);

        for (unsigned i = 0; k && i < k->list.n; i++)
                if (value_equal(k->list.items[i]->personality->dict, p->dict))
                        return k->list.items[i];
        return NULL;
}

static int item_new(Catalogue *c, Personality *p, uint64_t hash, CatalogueItem **ret) {
        const char *provider = personality_get_string(p, "IOProviderClass");
        const Class *klass;
        CatalogueItem *it;

        if (!provider)
                return -EINVAL;
        klass = class_table_find(c->classes, provider);
        it = calloc(1, sizeof(*it));
        if (!it)
                return -ENOMEM;
        it->personality = personality_ref(p);
        it->provider_class = strdup(klass ? klass->name : provider);
        it->probe_score = match_table_probe_score(p->dict);
        it->order = c->next_order++;
        it->hash = hash;
        if (!it->provider_class) {
                item_free(it);
                return -ENOMEM;
        }
        *ret = it;
        return 0;
}

int catalogue_add(Catalogue *c, Personality *p) {
        uint64_t hash = value_hash(p->dict);
        CatalogueItem *it;
        int r;

        if (find_equal_item(c, p, hash))
                return 0;
        r = item_new(c, p, hash, &it);
        if (r < 0)
                return r;
        if (GROW(c->items, c->cap_items, c->n_items + 1) < 0) {
                item_free(it);
                return -ENOMEM;
        }
        c->items[c->n_items++] = it;
        r = index_item(c, it);
        if (r < 0)
                return r; /* the item stays listed; the index is rebuilt by the next replace */
        c->generation++;
        return 1;
}

int catalogue_replace(Catalogue *c, const PersonalityList *list, PersonalityList *added, PersonalityList *removed) {
        _cleanup_free_ CatalogueItem **old = TAKE_PTR(c->items);
        unsigned n_old = c->n_items;
        bool changed = false;
        int r = 0;

        /* Keep the old index for lookups of equal items, then rebuild. */
        Hashmap old_hash = c->by_hash;
        c->by_hash = HASHMAP_INIT(&keyed_ops);
        hashmap_done(&c->buckets);
        c->buckets = HASHMAP_INIT(&buckets_ops);
        c->n_items = c->cap_items = 0;

        Catalogue probe = { .by_hash = old_hash };
        for (unsigned j = 0; j < n_old; j++)
                old[j]->kept = false;

        for (unsigned i = 0; r >= 0 && i < list->n; i++) {
                Personality *p = list->items[i];
                uint64_t hash = value_hash(p->dict);
                CatalogueItem *prev = find_equal_item(&probe, p, hash), *it;

                if (find_equal_item(c, p, hash))
                        continue; /* a duplicate within the new list */
                r = item_new(c, prev ? prev->personality : p, hash, &it);
                if (r == -EINVAL) {
                        r = 0; /* no provider class: the loader reported it */
                        continue;
                }
                if (r < 0)
                        break;
                if (GROW(c->items, c->cap_items, c->n_items + 1) < 0) {
                        item_free(it);
                        r = -ENOMEM;
                        break;
                }
                c->items[c->n_items++] = it;
                r = index_item(c, it);
                if (prev)
                        prev->kept = true;
                else {
                        changed = true;
                        if (added && r >= 0)
                                r = personality_list_append_take(added, personality_ref(it->personality));
                }
        }
        for (unsigned j = 0; j < n_old; j++) {
                if (!old[j]->kept) {
                        changed = true;
                        if (removed && r >= 0)
                                r = personality_list_append_take(removed, personality_ref(old[j]->personality));
                }
                item_free(old[j]);
        }
        hashmap_done(&old_hash);
        if (changed)
                c->generation++;
        return r;
}

typedef struct Candidate {
        CatalogueItem *item;
        unsigned chain_index;
} Candidate;

static int candidate_compare(const void *a, const void *b) {
        const Candidate *x = a, *y = b;

        if (x->item->probe_score != y->item->probe_score)
                return x->item->probe_score > y->item->probe_score ? -1 : 1;
        if (x->chain_index != y->chain_index)
                return x->chain_index < y->chain_index ? -1 : 1;
        if (x->item->order != y->item->order)
                return x->item->order < y->item->order ? -1 : 1;
        return 0;
}

static int add_list(Candidate **cands, unsigned *n, unsigned *cap, const ItemArray *a, unsigned chain_index) {
        for (unsigned i = 0; i < a->n; i++) {
                if (GROW(*cands, *cap, *n + 1) < 0)
                        return -ENOMEM;
                (*cands)[(*n)++] = (Candidate) { a->items[i], chain_index };
        }
        return 0;
}

/* The nub's own discriminating keys. */
static unsigned nub_keys(const Entry *nub, uint64_t keys[2]) {
        static const char *const pairs[][2] = {
                { "vendor-id", "device-id" },
                { "subsystem-vendor-id", "subsystem-id" },
        };
        uint64_t vendor, product;
        unsigned n = 0;

        if (number_of(entry_get_property(nub, "idVendor"), &vendor) &&
            number_of(entry_get_property(nub, "idProduct"), &product))
                keys[n++] = KEY_USB | (vendor & 0xffff) << 16 | (product & 0xffff);
        for (size_t i = 0; i < ELEMENTSOF(pairs); i++) {
                Value *v = entry_get_property(nub, pairs[i][0]), *d = entry_get_property(nub, pairs[i][1]);
                const uint8_t *pv, *pd;
                size_t lv, ld;

                if (!v || !d || value_type(v) != VALUE_DATA || value_type(d) != VALUE_DATA)
                        continue;
                pv = value_data(v, &lv);
                pd = value_data(d, &ld);
                if (lv < 2 || ld < 2)
                        continue;
                keys[n++] = KEY_PCI | (uint32_t) (pd[0] | pd[1] << 8) << 16 | (uint32_t) (pv[0] | pv[1] << 8);
        }
        return n;
}

int catalogue_find_drivers(const Catalogue *c, const Entry *nub, CatalogueItem ***ret, unsigned *ret_n) {
        _cleanup_free_ Candidate *cands = NULL;
        unsigned n = 0, cap = 0, n_keys, chain = 0, out = 0;
        uint64_t keys[3];
        CatalogueItem **items;

        n_keys = nub_keys(nub, keys);
        for (const Class *k = nub->klass; k; k = k->super, chain++)
                for (unsigned a = 0; a <= c->classes->n_aliases; a++) {
                        /* The class's own bucket, then one per alias: a personality filed before the
                         * alias was defined (the families define theirs after the catalogue is built)
                         * sits under the name it was written with. */
                        const char *name = a == 0 ? k->name : c->classes->aliases[a - 1];
                        Bucket *b;

                        if (a > 0 && class_table_find(c->classes, name) != k)
                                continue;
                        b = hashmap_get(&c->buckets, name);
                        if (!b)
                                continue;
                        if (add_list(&cands, &n, &cap, &b->general, chain) < 0)
                                return -ENOMEM;
                        for (unsigned i = 0; i < n_keys; i++) {
                                KeyedList *l = hashmap_get(&b->by_key, &keys[i]);

                                if (l && add_list(&cands, &n, &cap, &l->list, chain) < 0)
                                        return -ENOMEM;
                        }
                }
        if (n > 1)
                qsort(cands, n, sizeof(*cands), candidate_compare);
        items = malloc(sizeof(*items) * (n ? n : 1));
        if (!items)
                return -ENOMEM;
        for (unsigned i = 0; i < n; i++)
                /* A PCI personality filed under both of the nub's pairs shows up twice, adjacent. */
                if (out == 0 || items[out - 1] != cands[i].item)
                        items[out++] = cands[i].item;
        *ret = items;
        *ret_n = out;
        return 0;
}
