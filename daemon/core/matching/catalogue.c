/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* catalogue.c: see catalogue.h. */

#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "catalogue-keys.h"
#include "catalogue-table.h"
#include "catalogue.h"


/*
 * The personalities filed under one type of key with one probe (a PCI register and mask, a property
 * name): a nub computes one key per shelf (a name key per name) and looks it up there. One map per
 * shelf keeps the small shelves' lookups in cache when one shelf holds thousands.
 */
typedef struct Shelf {
        KeyType type;
        KeyProbe probe;  /* probe.property owned */
        KeyTable by_key; /* key (catalogue-keys.h) → items */
} Shelf;

typedef struct Bucket {
        char *class_name; /* owned; the map key */
        CatalogueKind kind;
        ItemList general;
        Shelf *shelves;   /* owned */
        unsigned n_shelves, cap_shelves;
} Bucket;

struct Catalogue {
        const ClassTable *classes; /* borrowed */
        bool unindexed;            /* catalogue_set_indexed(): every personality of the class is a candidate */
        CatalogueItem **items;     /* owned, catalogue order */
        unsigned n_items, cap_items;
        Hashmap buckets;           /* class name → Bucket * (owned) */
        KeyTable by_hash;          /* value hash → items, for duplicates */
        uint64_t generation, next_order;
};

static void bucket_free(void *v) {
        Bucket *b = v;

        for (unsigned i = 0; i < b->n_shelves; i++) {
                key_table_done(&b->shelves[i].by_key);
                free((char *) b->shelves[i].probe.property);
        }
        free(b->shelves);
        free(b->general.items);
        free(b->class_name);
        free(b);
}

static const HashmapOps buckets_ops = HASHMAP_OPS_STRING(bucket_free);

/* The index: the buckets by provider class and the items by hash. */
static void index_free(Catalogue *c) {
        hashmap_done(&c->buckets);
        key_table_done(&c->by_hash);
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

_hot_ uint64_t catalogue_generation(const Catalogue *c) {
        return c->generation;
}

CatalogueItem *catalogue_item(const Catalogue *c, unsigned i) {
        return i < c->n_items ? c->items[i] : NULL;
}

static Bucket *bucket_get(Catalogue *c, const char *class_name) {
        Bucket *b = hashmap_get(&c->buckets, class_name);

        if (b)
                return b;
        b = calloc(1, sizeof(*b));
        if (!b)
                return NULL;
        b->class_name = strdup(class_name);
        b->kind = catalogue_kind_of_class(class_name);
        if (!b->class_name || hashmap_put(&c->buckets, b->class_name, b) < 0) {
                free(b->class_name);
                free(b);
                return NULL;
        }
        return b;
}

/* The shelf for key i of k, made on first use. */
static Shelf *bucket_shelf(Bucket *b, const ItemKeys *k, unsigned i) {
        KeyProbe probe = k->probes ? k->probes[i] : (KeyProbe) {};
        Shelf *sh;

        for (unsigned j = 0; j < b->n_shelves; j++) {
                sh = &b->shelves[j];
                if (sh->type == k->type && sh->probe.reg == probe.reg && sh->probe.mask == probe.mask &&
                    streq_ptr(sh->probe.property, probe.property))
                        return sh;
        }
        if (GROW(b->shelves, b->cap_shelves, b->n_shelves + 1) < 0)
                return NULL;
        if (probe.property && !(probe.property = strdup(probe.property)))
                return NULL;
        sh = &b->shelves[b->n_shelves++];
        *sh = (Shelf) { .type = k->type, .probe = probe };
        return sh;
}

static int index_item(Catalogue *c, CatalogueItem *it) {
        _cleanup_(item_keys_done) ItemKeys k = {};
        Bucket *b = bucket_get(c, it->provider_class);
        int r;

        if (!b)
                return -ENOMEM;
        if (key_table_add(&c->by_hash, it->hash, it) < 0)
                return -ENOMEM;
        r = catalogue_item_keys(it->personality->dict, b->kind, &k);
        if (r < 0)
                return r;
        if (k.n == 0)
                return item_list_add(&b->general, it);
        for (unsigned i = 0; i < k.n; i++) {
                Shelf *sh = bucket_shelf(b, &k, i);
                bool seen = false;

                if (!sh)
                        return -ENOMEM;
                for (unsigned j = 0; j < i; j++)
                        seen = seen || k.keys[j] == k.keys[i];
                if (!seen && key_table_add(&sh->by_key, k.keys[i], it) < 0)
                        return -ENOMEM;
        }
        return 0;
}

static CatalogueItem *find_equal_item(const Catalogue *c, const Personality *p, uint64_t hash) {
        const ItemList *l = key_table_get(&c->by_hash, hash);

        for (unsigned i = 0; l && i < l->n; i++)
                if (value_equal(l->items[i]->personality->dict, p->dict))
                        return l->items[i];
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
        KeyTable old_hash = c->by_hash;
        c->by_hash = (KeyTable) {};
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
        key_table_done(&old_hash);
        if (changed)
                c->generation++;
        return r;
}

typedef struct Candidate {
        CatalogueItem *item;
        unsigned chain_index;
} Candidate;

_hot_ static int candidate_compare(const void *a, const void *b) {
        const Candidate *x = a, *y = b;

        if (x->item->probe_score != y->item->probe_score)
                return x->item->probe_score > y->item->probe_score ? -1 : 1;
        if (x->chain_index != y->chain_index)
                return x->chain_index < y->chain_index ? -1 : 1;
        if (x->item->order != y->item->order)
                return x->item->order < y->item->order ? -1 : 1;
        return 0;
}

_hot_ static int add_list(Candidate **cands, unsigned *n, unsigned *cap, const ItemList *a, unsigned chain_index) {
        for (unsigned i = 0; i < a->n; i++) {
                if (GROW(*cands, *cap, *n + 1) < 0)
                        return -ENOMEM;
                (*cands)[(*n)++] = (Candidate) { a->items[i], chain_index };
        }
        return 0;
}

_hot_ static int add_keyed(Candidate **cands, unsigned *n, unsigned *cap, const Shelf *sh, uint64_t key,
                           unsigned chain_index) {
        const ItemList *l = key_table_get(&sh->by_key, key);

        return l ? add_list(cands, n, cap, l, chain_index) : 0;
}

/* Every personality of the bucket: without the index, or for a nub of another family than its class implies. */
_hot_ static int add_bucket(Candidate **cands, unsigned *n, unsigned *cap, const Bucket *b, unsigned chain_index) {
        int r = add_list(cands, n, cap, &b->general, chain_index);

        for (unsigned s = 0; s < b->n_shelves; s++)
                for (unsigned i = 0; r >= 0 && i < b->shelves[s].by_key.n_slots; i++)
                        r = add_list(cands, n, cap, &b->shelves[s].by_key.slots[i].list, chain_index);
        return r;
}

/* The bucket's personalities filed under one of the nub's keys, and its general list. */
_hot_ static int add_indexed(Candidate **cands, unsigned *n, unsigned *cap, const Bucket *b, NubKeys *nk,
                             unsigned chain_index) {
        int r = add_list(cands, n, cap, &b->general, chain_index);

        for (unsigned s = 0; r >= 0 && s < b->n_shelves; s++) {
                const Shelf *sh = &b->shelves[s];
                const uint64_t *names;
                uint64_t key;
                int n_names;

                switch (sh->type) {
                case KEY_TYPE_NAME:
                        n_names = nub_keys_names(nk, &names);
                        if (n_names < 0)
                                return n_names;
                        for (int i = 0; r >= 0 && i < n_names; i++)
                                r = add_keyed(cands, n, cap, sh, names[i], chain_index);
                        continue;
                case KEY_TYPE_PROPERTY:
                        if (!nub_keys_property(nk, sh->probe.property, &key))
                                continue;
                        break;
                case KEY_TYPE_PCI:
                        if (!nub_keys_pci(nk, &sh->probe, &key))
                                continue;
                        break;
                case KEY_TYPE_USB_CLASS:
                        if (!nub_keys_usb_class(nk, b->kind, sh->probe.reg, &key))
                                continue;
                        break;
                default:
                        if (!nub_keys_usb(nk, sh->type, b->kind, &key))
                                continue;
                }
                r = add_keyed(cands, n, cap, sh, key, chain_index);
        }
        return r;
}

typedef struct AliasBucket {
        const Class *klass; /* the class the alias names now */
        const Bucket *bucket;
} AliasBucket;

_hot_ static int add_bucket_for(Candidate **cands, unsigned *n, unsigned *cap, const Bucket *b, NubKeys *nk,
                                bool indexed, unsigned chain_index) {
        if (indexed && nub_keys_has_hook(nk, b->kind))
                return add_indexed(cands, n, cap, b, nk, chain_index);
        return add_bucket(cands, n, cap, b, chain_index);
}

_hot_ int catalogue_find_drivers(const Catalogue *c, const Entry *nub, CatalogueItem ***ret, unsigned *ret_n) {
        _cleanup_(nub_keys_done) NubKeys nk;
        _cleanup_free_ Candidate *cands = NULL;
        _cleanup_free_ AliasBucket *aliased = NULL;
        unsigned n = 0, cap = 0, chain = 0, out = 0, n_aliased = 0, cap_aliased = 0;
        /* A removed nub has no plane to name it in: take every personality of its classes. */
        bool indexed = !c->unindexed && nub->registry;
        CatalogueItem **items;
        int r;

        nub_keys_init(&nk, nub);
        /*
         * A personality filed before its class's alias was defined (the families define theirs after the
         * catalogue is built) sits under the name it was written with: a bucket per such alias.
         */
        for (unsigned a = 0; a < c->classes->n_aliases; a++) {
                Bucket *b = hashmap_get(&c->buckets, c->classes->aliases[a]);

                if (!b)
                        continue;
                if (GROW(aliased, cap_aliased, n_aliased + 1) < 0)
                        return -ENOMEM;
                aliased[n_aliased++] = (AliasBucket) { class_table_find(c->classes, c->classes->aliases[a]), b };
        }
        for (const Class *k = nub->klass; k; k = k->super, chain++) {
                /* The class's own bucket, then its aliases'. */
                Bucket *b = hashmap_get(&c->buckets, k->name);

                r = b ? add_bucket_for(&cands, &n, &cap, b, &nk, indexed, chain) : 0;
                for (unsigned a = 0; r >= 0 && a < n_aliased; a++)
                        if (aliased[a].klass == k)
                                r = add_bucket_for(&cands, &n, &cap, aliased[a].bucket, &nk, indexed, chain);
                if (r < 0)
                        return r;
        }
        if (n > 1)
                qsort(cands, n, sizeof(*cands), candidate_compare);
        items = malloc(sizeof(*items) * (n ? n : 1));
        if (!items)
                return -ENOMEM;
        for (unsigned i = 0; i < n; i++)
                /* A personality filed under several of the nub's keys shows up that often, adjacent. */
                if (out == 0 || items[out - 1] != cands[i].item)
                        items[out++] = cands[i].item;
        *ret = items;
        *ret_n = out;
        return 0;
}

void catalogue_set_indexed(Catalogue *c, bool indexed) {
        c->unindexed = !indexed;
}
