/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-hashmap.c: common/util/hashmap.h: an owning map frees its values
 * (done, delete, replace) and hands them back on remove; removing while
 * iterating visits every other item exactly once; a probe compares few keys (the
 * slots' tags); puts and removals agree with a plain model.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdbool.h>
#include <stdlib.h>

#include "hashmap.h"

typedef struct Item {
        uint64_t id; /* the key */
        unsigned *freed; /* borrowed: counts frees */
} Item;

static void item_free(void *v) {
        Item *it = v;

        (*it->freed)++;
        free(it);
}

static const HashmapOps items_ops = HASHMAP_OPS_U64(item_free);

static Item *item_new(uint64_t id, unsigned *freed) {
        Item *it = malloc(sizeof(*it));

        assert_non_null(it);
        *it = (Item) { .id = id, .freed = freed };
        return it;
}

static void fill(Hashmap *h, unsigned n, unsigned *freed) {
        for (unsigned i = 0; i < n; i++) {
                Item *it = item_new(i, freed);

                assert_int_equal(hashmap_put(h, &it->id, it), 0);
        }
}

static void test_owning_map_frees(void **state) {
        Hashmap h = HASHMAP_INIT(&items_ops);
        unsigned freed = 0;
        uint64_t key = 3;
        Item *it;

        fill(&h, 100, &freed);
        assert_true(hashmap_delete(&h, &key));
        assert_false(hashmap_delete(&h, &key));
        assert_int_equal(freed, 1);
        key = 4;
        it = hashmap_remove(&h, &key); /* handed back, not freed */
        assert_non_null(it);
        assert_int_equal(freed, 1);
        item_free(it);
        key = 5;
        it = item_new(5, &freed);
        assert_int_equal(hashmap_put(&h, &it->id, it), 0); /* replaces: the old one is freed */
        assert_int_equal(freed, 3);
        assert_int_equal(hashmap_put(&h, &it->id, it), 0); /* the same value: kept */
        assert_int_equal(freed, 3);
        assert_int_equal(hashmap_size(&h), 98);
        hashmap_done(&h);
        assert_int_equal(freed, 101);
        assert_int_equal(hashmap_size(&h), 0);
}

static void test_remove_while_iterating(void **state) {
        Hashmap h = HASHMAP_INIT(&items_ops);
        unsigned freed = 0, seen[1000] = {}, ahead = 0;
        bool gone_unseen[1000] = {};
        void *v;

        fill(&h, 1000, &freed);
        /* Delete the even ones as they come, and some odd ones by key from inside the walk. */
        for (unsigned i = 0; hashmap_next(&h, &i, NULL, &v);) {
                Item *it = v;

                seen[it->id]++;
                if (it->id % 2 == 0)
                        hashmap_delete_current(&h, i);
                else if (it->id % 3 == 1 && it->id + 2 < 1000) {
                        uint64_t k = it->id + 2; /* odd, ≡ 0 mod 3: deleted only here */

                        if (hashmap_delete(&h, &k)) {
                                ahead++;
                                gone_unseen[k] = seen[k] == 0;
                        }
                }
        }
        /* None twice; none missed but those deleted before their turn. */
        for (unsigned id = 0; id < 1000; id++)
                assert_int_equal(seen[id], gone_unseen[id] ? 0 : 1);
        assert_true(ahead > 0);
        assert_int_equal(hashmap_size(&h), 1000 - freed);
        for (unsigned i = 0; hashmap_next(&h, &i, NULL, &v);)
                assert_int_not_equal(((Item *) v)->id % 2, 0);
        hashmap_done(&h);
        assert_int_equal(freed, 1000);
}

static unsigned n_compared;

static bool counting_equal(const void *a, const void *b) {
        n_compared++;
        return u64_equal(a, b);
}

static const HashmapOps counting_ops = { .hash = u64_hash, .equal = counting_equal };

/*
 * A probe compares a key only where the slot's tag is the key's (the keys live in other objects:
 * comparing each key a probe passes fetches each of those). With a thousand keys in, a thousand
 * misses compare a handful of keys, not one or more each.
 */
static void test_probes_compare_few_keys(void **state) {
        Hashmap h = HASHMAP_INIT(&counting_ops);
        static uint64_t keys[1000], absent[1000];

        for (unsigned i = 0; i < 1000; i++) {
                keys[i] = 0x100000100ull + i;
                absent[i] = 0x200000000ull + i;
                assert_int_equal(hashmap_put(&h, &keys[i], &keys[i]), 0);
        }
        n_compared = 0;
        for (unsigned i = 0; i < 1000; i++)
                assert_null(hashmap_get(&h, &absent[i]));
        assert_true(n_compared < 100);
        n_compared = 0;
        for (unsigned i = 0; i < 1000; i++)
                assert_ptr_equal(hashmap_get(&h, &keys[i]), &keys[i]);
        assert_true(n_compared < 1100); /* the key found, and a few others */
        hashmap_done(&h);
}

/* Puts and removals in any order against a plain array: deleted slots are reused, never found. */
static void test_churn_against_a_model(void **state) {
        Hashmap h = HASHMAP_INIT(&u64_hash_ops);
        static uint64_t keys[512];
        bool in[512] = {};
        uint64_t x = 88172645463325252ull;

        for (unsigned i = 0; i < 512; i++)
                keys[i] = i * 7919u;
        for (unsigned step = 0; step < 20000; step++) {
                unsigned k;

                x ^= x << 13, x ^= x >> 7, x ^= x << 17; /* xorshift64 */
                k = x % 512;
                if (in[k]) {
                        assert_ptr_equal(hashmap_remove(&h, &keys[k]), &keys[k]);
                        in[k] = false;
                } else {
                        assert_int_equal(hashmap_put(&h, &keys[k], &keys[k]), 0);
                        in[k] = true;
                }
                if (step % 1000 == 0) {
                        unsigned n = 0;

                        for (unsigned i = 0; i < 512; i++) {
                                assert_ptr_equal(hashmap_get(&h, &keys[i]), in[i] ? &keys[i] : NULL);
                                n += in[i];
                        }
                        assert_int_equal(hashmap_size(&h), n);
                }
        }
        hashmap_done(&h);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_owning_map_frees),
                cmocka_unit_test(test_remove_while_iterating),
                cmocka_unit_test(test_probes_compare_few_keys),
                cmocka_unit_test(test_churn_against_a_model),
        };

        return cmocka_run_group_tests_name("hashmap", tests, NULL, NULL);
}
