/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-registry-links.c: the registry core (registry.c): links between
 * entries in a plane: attach and detach, several parents, child order, cycles
 * (reference §1.3).
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

static void test_attach_detach(void **state) {
        Registry *reg = *state;
        const Plane *svc = reg->service_plane;
        Entry *p = new_entry(reg, "IOPCIDevice", "XHC"), *c = new_entry(reg, "IOUSBHostDevice", NULL);
        uint64_t gen;

        assert_false(entry_in_plane(p, svc));
        assert_int_equal(entry_attach(p, reg->root, svc), 0);
        assert_true(entry_in_plane(p, svc));
        assert_false(entry_in_plane(p, reg->usb_plane));

        gen = reg->generation;
        assert_int_equal(entry_attach(c, p, svc), 0);
        assert_true(reg->generation > gen);
        assert_true(entry_in_plane(c, svc));
        assert_ptr_equal(entry_get_parent(c, svc), p);
        assert_children(p, svc, &c, 1);
        assert_parents(c, svc, &p, 1);

        /* Attaching twice links once. */
        gen = reg->generation;
        assert_int_equal(entry_attach(c, p, svc), 0);
        assert_int_equal(reg->generation, gen);
        assert_children(p, svc, &c, 1);

        /* Other planes are independent. */
        assert_null(entry_get_parent(c, reg->usb_plane));
        assert_children(p, reg->usb_plane, NULL, 0);

        assert_int_equal(entry_detach(c, p, svc), 1);
        assert_true(reg->generation > gen);
        assert_int_equal(entry_detach(c, p, svc), 0);
        assert_int_equal(entry_detach(c, reg->root, svc), 0);
        assert_false(entry_in_plane(c, svc));
        assert_null(entry_get_parent(c, svc));
        assert_children(p, svc, NULL, 0);
        assert_int_equal(entry_detach(c, p, reg->usb_plane), 0);
        /* Still registered, only unlinked. */
        assert_ptr_equal(registry_get_entry(reg, c->id), c);
}

static void test_several_parents(void **state) {
        Registry *reg = *state;
        const Plane *svc = reg->service_plane;
        Entry *p1 = new_service(reg, reg->root, "P1"), *p2 = new_service(reg, reg->root, "P2"),
              *p3 = new_service(reg, reg->root, "P3"), *c = new_entry(reg, "IOService", "C");
        Entry *const both[] = { p1, p2 }, *const all[] = { p1, p2, p3 }, *const rest[] = { p2, p3 };

        assert_int_equal(entry_attach(c, p1, svc), 0);
        assert_int_equal(entry_attach(c, p2, svc), 0);
        assert_parents(c, svc, both, 2); /* the first parent is the provider */
        assert_int_equal(entry_attach(c, p3, svc), 0);
        assert_int_equal(entry_attach(c, p2, svc), 0);
        assert_parents(c, svc, all, 3);
        assert_children(p2, svc, &c, 1);

        /* Losing the provider promotes the next parent. */
        assert_int_equal(entry_detach(c, p1, svc), 1);
        assert_parents(c, svc, rest, 2);
        assert_ptr_equal(entry_get_parent(c, svc), p2);
        assert_true(entry_in_plane(c, svc));
        assert_children(p1, svc, NULL, 0);
}

static void test_child_order_is_attach_order(void **state) {
        Registry *reg = *state;
        const Plane *svc = reg->service_plane;
        Entry *p = new_service(reg, reg->root, "P");
        Entry *c1 = new_service(reg, p, "C1"), *c2 = new_service(reg, p, "C2"),
              *c3 = new_service(reg, p, "C3");
        Entry *const in_order[] = { c1, c2, c3 }, *const without[] = { c1, c3 },
                     *const back[] = { c1, c3, c2 };

        assert_children(p, svc, in_order, 3);
        assert_int_equal(entry_detach(c2, p, svc), 1);
        assert_children(p, svc, without, 2);
        assert_int_equal(entry_attach(c2, p, svc), 0);
        assert_children(p, svc, back, 3);
        /* Renaming moves nothing. */
        assert_int_equal(entry_set_name(c1, NULL, "ZZZ"), 0);
        assert_children(p, svc, back, 3);
}

static void test_cycles_are_refused(void **state) {
        Registry *reg = *state;
        const Plane *svc = reg->service_plane;
        Entry *a = new_service(reg, reg->root, "A"), *b = new_service(reg, a, "B"),
              *c = new_service(reg, b, "C"), *other = new_service(reg, reg->root, "Other");

        assert_int_equal(entry_attach(a, a, svc), -ELOOP);
        assert_int_equal(entry_attach(a, c, svc), -ELOOP);
        assert_int_equal(entry_attach(b, c, svc), -ELOOP);
        assert_int_equal(entry_attach(reg->root, a, svc), -ELOOP);
        /* Through a second parent as well. */
        assert_int_equal(entry_attach(c, other, svc), 0);
        assert_int_equal(entry_attach(other, c, svc), -ELOOP);
        assert_children(c, svc, NULL, 0);
        /* Nothing changed. */
        assert_ptr_equal(entry_get_parent(a, svc), reg->root);
        /* Another plane has its own topology: the reverse link is fine there. */
        assert_int_equal(entry_attach(c, reg->root, reg->usb_plane), 0);
        assert_int_equal(entry_attach(a, c, reg->usb_plane), 0);
        assert_ptr_equal(entry_get_parent(a, reg->usb_plane), c);
}

static void test_removed_entries_cannot_be_attached(void **state) {
        Registry *reg = *state;
        Entry *p = new_service(reg, reg->root, "P"), *gone = new_entry(reg, "IOService", "Gone");
        _cleanup_(entry_unrefp) _unused_ Entry *hold = entry_ref(gone);

        registry_remove_entry(reg, gone);
        assert_int_equal(entry_attach(gone, p, reg->service_plane), -ESTALE);
        assert_int_equal(entry_attach(p, gone, reg->service_plane), -ESTALE);
        assert_children(p, reg->service_plane, NULL, 0);
        assert_int_equal(entry_adjust_busy(gone, 1), -ESTALE);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                T(test_attach_detach),
                T(test_several_parents),
                T(test_child_order_is_attach_order),
                T(test_cycles_are_refused),
                T(test_removed_entries_cannot_be_attached),
        };

        return cmocka_run_group_tests_name("registry-links", tests, NULL, NULL);
}
