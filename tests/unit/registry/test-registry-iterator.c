/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-registry-iterator.c: IORegistryIterator (registry-iterator.c): flat
 * and recursive walks over children and parents, depth, invalidation by
 * topology and name changes, reset, and the recursive property search.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "registry-iterator.h"

/*
 * The service plane used throughout (E has two parents, B and C):
 *
 *   Root ── A ─┬─ B ─┬─ D ── G
 *              │     └─ E
 *              └─ C ─┬─ E
 *                    └─ F
 */
typedef struct Tree {
        Registry *reg;
        Entry *a, *b, *c, *d, *e, *f, *g;
} Tree;

static Entry *add(Registry *reg, Entry *parent, const char *name) {
        Entry *e = NULL;

        assert_int_equal(registry_create_entry(reg, "IOService", &e), 0);
        assert_int_equal(entry_set_name(e, NULL, name), 0);
        if (parent)
                assert_int_equal(entry_attach(e, parent, reg->service_plane), 0);
        return e;
}

static int setup_tree(void **state) {
        Tree *t = calloc(1, sizeof(*t));

        if (!t || registry_new(&t->reg) < 0) {
                free(t);
                return -1;
        }
        t->a = add(t->reg, t->reg->root, "A");
        t->b = add(t->reg, t->a, "B");
        t->c = add(t->reg, t->a, "C");
        t->d = add(t->reg, t->b, "D");
        t->e = add(t->reg, t->b, "E");
        t->f = add(t->reg, t->c, "F");
        t->g = add(t->reg, t->d, "G");
        if (entry_attach(t->e, t->c, t->reg->service_plane) < 0)
                return -1;
        /* Put E before F below C: detach F and attach it again. */
        if (entry_detach(t->f, t->c, t->reg->service_plane) != 1 ||
            entry_attach(t->f, t->c, t->reg->service_plane) < 0)
                return -1;
        *state = t;
        return 0;
}

static int teardown_tree(void **state) {
        Tree *t = *state;

        registry_free(t->reg);
        free(t);
        return 0;
}

typedef struct Step {
        const Entry *entry;
        unsigned depth;
} Step;

/* Walks it to the end, expecting exactly the given entries at the given depths. */
static void assert_walk(RegistryIterator *it, const Step *steps, unsigned n) {
        for (unsigned i = 0; i < n; i++) {
                Entry *e = registry_iterator_next(it);

                if (e != steps[i].entry || registry_iterator_depth(it) != steps[i].depth)
                        fail_msg("step %u: %s at depth %u, expected %s at depth %u", i,
                                 e ? entry_get_name(e, NULL) : "(end)", registry_iterator_depth(it),
                                 entry_get_name(steps[i].entry, NULL), steps[i].depth);
                assert_true(registry_iterator_is_valid(it));
        }
        assert_null(registry_iterator_next(it));
        assert_null(registry_iterator_next(it)); /* stays at the end */
        assert_true(registry_iterator_is_valid(it));
}

static RegistryIterator *iterate(Tree *t, Entry *start, unsigned flags) {
        RegistryIterator *it = NULL;

        assert_int_equal(registry_iterator_new(t->reg, start, t->reg->service_plane, flags, &it), 0);
        assert_non_null(it);
        assert_true(registry_iterator_is_valid(it));
        assert_int_equal(registry_iterator_depth(it), 0);
        return it;
}

static void test_flat_children(void **state) {
        Tree *t = *state;
        _cleanup_(registry_iterator_freep) RegistryIterator *a = iterate(t, t->a, 0),
                                                            *c = iterate(t, t->c, 0),
                                                            *g = iterate(t, t->g, 0);

        assert_walk(a, (const Step[]) { { t->b, 1 }, { t->c, 1 } }, 2);
        assert_walk(c, (const Step[]) { { t->e, 1 }, { t->f, 1 } }, 2);
        assert_walk(g, NULL, 0);
}

static void test_flat_parents(void **state) {
        Tree *t = *state;
        _cleanup_(registry_iterator_freep)
                RegistryIterator *e = iterate(t, t->e, REGISTRY_ITERATE_PARENTS),
                                 *a = iterate(t, t->a, REGISTRY_ITERATE_PARENTS),
                                 *root = iterate(t, t->reg->root, REGISTRY_ITERATE_PARENTS);

        assert_walk(e, (const Step[]) { { t->b, 1 }, { t->c, 1 } }, 2);
        assert_walk(a, (const Step[]) { { t->reg->root, 1 } }, 1);
        assert_walk(root, NULL, 0);
}

static void test_recursive_children_pre_order(void **state) {
        Tree *t = *state;
        _cleanup_(registry_iterator_freep) RegistryIterator *it =
                iterate(t, t->a, REGISTRY_ITERATE_RECURSIVELY);
        _cleanup_(registry_iterator_freep) RegistryIterator *from_root =
                iterate(t, t->reg->root, REGISTRY_ITERATE_RECURSIVELY);

        /* E is below B and below C: visited once, the first time it is reached. */
        assert_walk(it,
                    (const Step[]) {
                            { t->b, 1 },
                            { t->d, 2 },
                            { t->g, 3 },
                            { t->e, 2 },
                            { t->c, 1 },
                            { t->f, 2 },
                    },
                    6);
        assert_walk(from_root,
                    (const Step[]) {
                            { t->a, 1 },
                            { t->b, 2 },
                            { t->d, 3 },
                            { t->g, 4 },
                            { t->e, 3 },
                            { t->c, 2 },
                            { t->f, 3 },
                    },
                    7);
}

static void test_recursive_parents(void **state) {
        Tree *t = *state;
        _cleanup_(registry_iterator_freep) RegistryIterator *g =
                iterate(t, t->g, REGISTRY_ITERATE_RECURSIVELY | REGISTRY_ITERATE_PARENTS);
        _cleanup_(registry_iterator_freep) RegistryIterator *e =
                iterate(t, t->e, REGISTRY_ITERATE_RECURSIVELY | REGISTRY_ITERATE_PARENTS);

        assert_walk(g, (const Step[]) { { t->d, 1 }, { t->b, 2 }, { t->a, 3 }, { t->reg->root, 4 } }, 4);
        /* A and Root are reached through B first, and not again through C. */
        assert_walk(e, (const Step[]) { { t->b, 1 }, { t->a, 2 }, { t->reg->root, 3 }, { t->c, 1 } }, 4);
}

static void test_other_plane_is_separate(void **state) {
        Tree *t = *state;
        RegistryIterator *it = NULL;

        /* Nothing of the tree is in the IOUSB plane. */
        assert_int_equal(
                registry_iterator_new(t->reg, t->a, t->reg->usb_plane, REGISTRY_ITERATE_RECURSIVELY, &it),
                0);
        assert_null(registry_iterator_next(it));
        registry_iterator_free(it);
        assert_null(registry_iterator_free(NULL));
}

typedef enum Change {
        CHANGE_ATTACH,
        CHANGE_DETACH,
        CHANGE_RENAME,
        CHANGE_RELOCATE,
        CHANGE_REMOVE,
        _CHANGE_MAX,
} Change;

static void test_invalidation_and_reset(void **state) {
        Tree *t = *state;

        for (Change change = 0; change < _CHANGE_MAX; change++) {
                _cleanup_(registry_iterator_freep) RegistryIterator *it =
                        iterate(t, t->a, REGISTRY_ITERATE_RECURSIVELY);
                Entry *extra = NULL;
                unsigned n = 0;

                print_message("change %d\n", change);
                assert_ptr_equal(registry_iterator_next(it), t->b);
                assert_ptr_equal(registry_iterator_next(it), t->d);

                /* A property is not topology: the walk goes on. */
                assert_int_equal(entry_set_property_take(t->g, "p", value_new_boolean(true)), 0);
                assert_true(registry_iterator_is_valid(it));

                switch (change) {
                case CHANGE_ATTACH:
                        extra = add(t->reg, t->f, "H");
                        break;
                case CHANGE_DETACH:
                        assert_int_equal(entry_detach(t->g, t->d, t->reg->service_plane), 1);
                        break;
                case CHANGE_RENAME:
                        assert_int_equal(entry_set_name(t->f, t->reg->service_plane, "F2"), 0);
                        break;
                case CHANGE_RELOCATE:
                        assert_int_equal(entry_set_location(t->f, NULL, "1"), 0);
                        break;
                case CHANGE_REMOVE:
                        registry_remove_entry(t->reg, t->g);
                        t->g = NULL;
                        break;
                default:
                        fail();
                }
                assert_false(registry_iterator_is_valid(it));
                assert_null(registry_iterator_next(it));
                assert_null(registry_iterator_next(it));

                /* Reset starts over from the first child, and sees the change. */
                registry_iterator_reset(it);
                assert_true(registry_iterator_is_valid(it));
                assert_int_equal(registry_iterator_depth(it), 0);
                assert_ptr_equal(registry_iterator_next(it), t->b);
                n = 1;
                while (registry_iterator_next(it))
                        n++;
                assert_true(registry_iterator_is_valid(it));
                switch (change) {
                case CHANGE_ATTACH:
                        assert_int_equal(n, 7);
                        registry_remove_entry(t->reg, extra);
                        break;
                case CHANGE_DETACH:
                        assert_int_equal(n, 5);
                        assert_int_equal(entry_attach(t->g, t->d, t->reg->service_plane), 0);
                        break;
                case CHANGE_REMOVE:
                        assert_int_equal(n, 5);
                        t->g = add(t->reg, t->d, "G");
                        break;
                default:
                        assert_int_equal(n, 6);
                }
        }
}

static void test_start_removed_under_the_iterator(void **state) {
        Tree *t = *state;
        RegistryIterator *it = NULL;
        Entry *b = t->b;

        assert_int_equal(
                registry_iterator_new(t->reg, b, t->reg->service_plane, REGISTRY_ITERATE_RECURSIVELY, &it),
                0);
        assert_ptr_equal(registry_iterator_next(it), t->d);
        /* The iterator holds its start: removing it leaves a described but inactive entry. */
        registry_remove_entry(t->reg, b);
        assert_false(registry_iterator_is_valid(it));
        assert_null(registry_iterator_next(it));
        registry_iterator_reset(it);
        assert_true(registry_iterator_is_valid(it));
        assert_null(registry_iterator_next(it)); /* nothing below a removed entry */
        assert_string_equal(entry_get_name(b, NULL), "B");
        assert_true(b->state & ENTRY_STATE_INACTIVE);
        registry_iterator_free(it);

        /* A removed entry is no place to start. */
        it = (RegistryIterator *) 0x1;
        {
                _cleanup_(entry_unrefp) _unused_ Entry *hold = entry_ref(t->d);

                registry_remove_entry(t->reg, t->d);
                assert_int_equal(registry_iterator_new(t->reg, t->d, t->reg->service_plane, 0, &it),
                                 -ESTALE);
                assert_ptr_equal(it, (RegistryIterator *) 0x1);
        }
}

static void test_deep_recursion(void **state) {
        Tree *t = *state;
        _cleanup_(registry_iterator_freep) RegistryIterator *it = NULL;
        Entry *e = t->g, *deepest = NULL;
        unsigned n = 0, max_depth = 0;

        /* Deeper than the iterator's first stack allocation. */
        for (unsigned i = 0; i < 100; i++)
                e = add(t->reg, e, "deep");
        it = iterate(t, t->reg->root, REGISTRY_ITERATE_RECURSIVELY);
        for (Entry *i; (i = registry_iterator_next(it)); n++)
                if (registry_iterator_depth(it) > max_depth) {
                        max_depth = registry_iterator_depth(it);
                        deepest = i;
                }
        assert_int_equal(n, 7 + 100);
        assert_int_equal(max_depth, 4 + 100);
        assert_ptr_equal(deepest, e);
}

static void test_search_property(void **state) {
        Tree *t = *state;
        const Plane *svc = t->reg->service_plane;
        Value *own, *found;

        assert_int_equal(entry_set_property_take(t->a, "where", value_new_string("A")), 0);
        assert_int_equal(entry_set_property_take(t->e, "where", value_new_string("E")), 0);
        assert_int_equal(entry_set_property_take(t->f, "where", value_new_string("F")), 0);
        assert_int_equal(entry_set_property_take(t->g, "only-g", value_new_unsigned(7, 8)), 0);
        assert_int_equal(entry_set_property_take(t->c, "only-c", value_new_unsigned(3, 8)), 0);

        /* Own properties first, whatever the flags. */
        own = entry_get_property(t->a, "where");
        assert_ptr_equal(registry_search_property(t->reg, t->a, "where", svc, 0), own);
        assert_ptr_equal(registry_search_property(t->reg, t->a, "where", svc, REGISTRY_ITERATE_RECURSIVELY),
                         own);

        /* Not recursive: only the entry itself. */
        assert_null(registry_search_property(t->reg, t->b, "where", svc, 0));
        assert_null(registry_search_property(t->reg, t->a, "only-g", svc, 0));

        /* Recursively through the children, pre-order: E (below B) before F (below C). */
        found = registry_search_property(t->reg, t->b, "where", svc, REGISTRY_ITERATE_RECURSIVELY);
        assert_string_equal(value_string(found, NULL), "E");
        found = registry_search_property(t->reg, t->c, "where", svc, REGISTRY_ITERATE_RECURSIVELY);
        assert_string_equal(value_string(found, NULL), "E");
        found = registry_search_property(t->reg, t->a, "only-g", svc, REGISTRY_ITERATE_RECURSIVELY);
        assert_int_equal(value_unsigned(found), 7);
        assert_null(registry_search_property(t->reg, t->b, "only-c", svc, REGISTRY_ITERATE_RECURSIVELY));

        /* Recursively through the parents. */
        found = registry_search_property(t->reg, t->g, "where", svc,
                                         REGISTRY_ITERATE_RECURSIVELY | REGISTRY_ITERATE_PARENTS);
        assert_string_equal(value_string(found, NULL), "A");
        found = registry_search_property(t->reg, t->e, "only-c", svc,
                                         REGISTRY_ITERATE_RECURSIVELY | REGISTRY_ITERATE_PARENTS);
        assert_int_equal(value_unsigned(found), 3);
        assert_null(registry_search_property(t->reg, t->g, "only-c", svc,
                                             REGISTRY_ITERATE_RECURSIVELY | REGISTRY_ITERATE_PARENTS));
        /* Parents only: not the children. */
        assert_null(registry_search_property(t->reg, t->a, "only-g", svc,
                                             REGISTRY_ITERATE_RECURSIVELY | REGISTRY_ITERATE_PARENTS));

        /* No plane: the entry alone. */
        assert_null(registry_search_property(t->reg, t->a, "only-g", NULL, REGISTRY_ITERATE_RECURSIVELY));
        assert_null(registry_search_property(t->reg, t->a, "nowhere", svc, REGISTRY_ITERATE_RECURSIVELY));
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup_tree, teardown_tree)

int main(void) {
        const struct CMUnitTest tests[] = {
                T(test_flat_children),
                T(test_flat_parents),
                T(test_recursive_children_pre_order),
                T(test_recursive_parents),
                T(test_other_plane_is_separate),
                T(test_invalidation_and_reset),
                T(test_start_removed_under_the_iterator),
                T(test_deep_recursion),
                T(test_search_property),
        };

        return cmocka_run_group_tests_name("registry-iterator", tests, NULL, NULL);
}
