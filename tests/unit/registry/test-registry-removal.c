/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-registry-removal.c: the registry core (registry.c): removal and
 * termination (reference §1.9).
 *
 * The per-test registry and the link checks are in registry-check.c.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "registry-check.h"

static void test_remove_entry(void **state) {
        Registry *reg = *state;
        const Plane *svc = reg->service_plane;
        Entry *p = new_service(reg, reg->root, "P"), *c = new_service(reg, p, "C"),
              *g = new_service(reg, c, "G");
        Class *klass = (Class *) class_table_find(reg->classes, "IOService");
        uint64_t instances = klass->n_instances, c_id = c->id;
        _cleanup_(entry_unrefp) _unused_ Entry *hold = entry_ref(c);

        assert_int_equal(entry_set_property_take(c, "kept", value_new_boolean(true)), 0);
        assert_int_equal(entry_attach(c, reg->root, reg->usb_plane), 0);
        registry_remove_entry(reg, c);

        /* Gone from the registry and from every plane, its child left without it. */
        assert_null(registry_get_entry(reg, c_id));
        assert_null(c->registry);
        assert_true(c->state & ENTRY_STATE_INACTIVE);
        assert_children(p, svc, NULL, 0);
        assert_children(reg->root, reg->usb_plane, NULL, 0);
        assert_null(entry_get_parent(g, svc));
        assert_false(entry_in_plane(g, svc));
        assert_ptr_equal(registry_get_entry(reg, g->id), g); /* not removed with it */
        assert_int_equal(klass->n_instances, instances - 1);
        /* A held entry can still be described. */
        assert_int_equal(c->id, c_id);
        assert_string_equal(entry_get_name(c, svc), "C");
        assert_true(value_boolean(entry_get_property(c, "kept")));
        assert_false(entry_conforms_to(c, "IOService")); /* it has no registry to ask */

        /* Removing twice, or removing Root, does nothing. */
        registry_remove_entry(reg, c);
        registry_remove_entry(reg, reg->root);
        assert_ptr_equal(registry_get_entry(reg, REGISTRY_ROOT_ID), reg->root);
        assert_int_equal(registry_n_entries(reg), 3);
}

typedef struct Visits {
        Entry *order[32];
        uint64_t ids[32];
        unsigned n;
} Visits;

static void record_visit(void *userdata, Entry *e) {
        Visits *v = userdata;

        assert_true(v->n < ELEMENTSOF(v->order));
        /* Visited before removal: still in the registry. */
        assert_non_null(e->registry);
        v->ids[v->n] = e->id;
        v->order[v->n++] = e;
}

static void test_terminate_entry(void **state) {
        Registry *reg = *state;
        const Plane *svc = reg->service_plane;
        /*
         * Root ── A ── B ── D ── H
         *         │    └─── E   (E also below F)
         *         └─── C
         * Root ── F ── E
         */
        Entry *a = new_service(reg, reg->root, "A"), *b = new_service(reg, a, "B"),
              *c = new_service(reg, a, "C"), *d = new_service(reg, b, "D"), *e = new_service(reg, b, "E"),
              *h = new_service(reg, d, "H"), *f = new_service(reg, reg->root, "F");
        uint64_t expected[] = { c->id, h->id, d->id, b->id, a->id };
        Visits v = {};

        assert_int_equal(entry_attach(e, f, svc), 0);
        assert_int_equal(registry_terminate_entry(reg, a, record_visit, &v), 5);

        /* Children before parents; E survives with its other provider. */
        assert_int_equal(v.n, 5);
        for (unsigned i = 0; i < v.n; i++)
                assert_int_equal(v.ids[i], expected[i]);
        for (unsigned i = 0; i < ELEMENTSOF(expected); i++)
                assert_null(registry_get_entry(reg, expected[i]));
        assert_ptr_equal(registry_get_entry(reg, e->id), e);
        assert_parents(e, svc, &f, 1);
        assert_true(entry_in_plane(e, svc));
        assert_false(e->state & ENTRY_STATE_INACTIVE);
        assert_children(reg->root, svc, &f, 1);
        assert_int_equal(registry_n_entries(reg), 3);

        /* Terminating Root does nothing. */
        assert_int_equal(registry_terminate_entry(reg, reg->root, NULL, NULL), 0);
        assert_int_equal(registry_n_entries(reg), 3);
}

static void test_terminate_shared_child_loses_all_providers(void **state) {
        Registry *reg = *state;
        const Plane *svc = reg->service_plane;
        /* X has two providers, both below A: it goes once the second of them has gone. */
        Entry *a = new_service(reg, reg->root, "A"), *b = new_service(reg, a, "B"),
              *c = new_service(reg, a, "C"), *x = new_service(reg, b, "X"),
              *other = new_service(reg, reg->root, "Other");
        uint64_t x_id = x->id, b_id = b->id, c_id = c->id;
        Visits v = {};

        assert_int_equal(entry_attach(x, c, svc), 0);
        assert_int_equal(registry_terminate_entry(reg, a, record_visit, &v), 4);
        assert_null(registry_get_entry(reg, x_id));
        assert_int_equal(registry_n_entries(reg), 2);
        assert_children(reg->root, svc, &other, 1);
        /* C (the last child) goes first and leaves X with B; X then goes before B. */
        assert_int_equal(v.n, 4);
        assert_int_equal(v.ids[0], c_id);
        assert_int_equal(v.ids[1], x_id);
        assert_int_equal(v.ids[2], b_id);
        assert_ptr_equal(v.order[3], a);
}

static void hold_driver(void *userdata, Entry *e) {
        Entry *driver = userdata;

        /* What the driver host does when it sends the driver Stop. */
        if (e == driver)
                entry_hold_removal(e);
}

static void record_removal(void *userdata, Entry *e) {
        Visits *v = userdata;

        assert_true(v->n < ELEMENTSOF(v->order));
        v->ids[v->n++] = e->id;
}

static const RegistryObserver removal_observer = { .entry_removed = record_removal };

static void test_terminate_waits_for_hold(void **state) {
        Registry *reg = *state;
        const Plane *svc = reg->service_plane;
        /* Root ── N ── D ── K: D is a driver whose Stop is under way, K a nub it published. */
        Entry *n = new_service(reg, reg->root, "N"), *d = new_service(reg, n, "D"), *k = new_service(reg, d, "K");
        uint64_t n_id = n->id, d_id = d->id, k_id = k->id;
        _cleanup_(entry_unrefp) _unused_ Entry *keep_n = entry_ref(n), *keep_d = entry_ref(d);
        Visits removed = {};

        assert_int_equal(registry_add_observer(reg, &removal_observer, &removed), 0);
        assert_int_equal(registry_terminate_entry(reg, n, hold_driver, d), 3);

        /* Phase 1 is done for all three; K left, D is held, and N waits for D. */
        assert_null(registry_get_entry(reg, k_id));
        assert_ptr_equal(registry_get_entry(reg, d_id), d);
        assert_ptr_equal(registry_get_entry(reg, n_id), n);
        assert_true(n->state & ENTRY_STATE_INACTIVE);
        assert_true(d->state & ENTRY_STATE_INACTIVE);
        assert_ptr_equal(entry_get_parent(d, svc), n);
        assert_children(reg->root, svc, &n, 1);
        assert_int_equal(removed.n, 1);
        assert_int_equal(removed.ids[0], k_id);
        /* Terminating what is terminated already does nothing. */
        assert_int_equal(registry_terminate_entry(reg, n, hold_driver, d), 0);
        assert_int_equal(registry_terminate_entry(reg, d, hold_driver, d), 0);
        assert_int_equal(d->removal_holds, 1);

        /* Stop returned: D leaves, then N. */
        entry_release_removal(d);
        assert_null(registry_get_entry(reg, d_id));
        assert_null(registry_get_entry(reg, n_id));
        assert_int_equal(removed.n, 3);
        assert_int_equal(removed.ids[1], d_id);
        assert_int_equal(removed.ids[2], n_id);
        assert_children(reg->root, svc, NULL, 0);
        /* A release too many, or on a removed entry, does nothing. */
        entry_release_removal(d);
        entry_hold_removal(d);
        assert_int_equal(d->removal_holds, 0);
}

static void test_hold_on_live_entry(void **state) {
        Registry *reg = *state;
        Entry *n = new_service(reg, reg->root, "N"), *d = new_service(reg, n, "D");
        uint64_t n_id = n->id, d_id = d->id;

        /* A hold taken before termination (two of them) keeps D and N until the last is released. */
        entry_hold_removal(d);
        entry_hold_removal(d);
        entry_release_removal(d); /* not terminated: nothing happens */
        assert_ptr_equal(registry_get_entry(reg, d_id), d);
        assert_int_equal(registry_terminate_entry(reg, n, NULL, NULL), 2);
        assert_ptr_equal(registry_get_entry(reg, n_id), n);
        entry_release_removal(d);
        assert_null(registry_get_entry(reg, d_id));
        assert_null(registry_get_entry(reg, n_id));
}

int main(void) {
        const struct CMUnitTest tests[] = {
                T(test_remove_entry),
                T(test_terminate_entry),
                T(test_terminate_shared_child_loses_all_providers),
                T(test_terminate_waits_for_hold),
                T(test_hold_on_live_entry),
        };

        return cmocka_run_group_tests_name("registry-removal", tests, NULL, NULL);
}
