/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * registry-check.c: what the registry core tests (test-registry*.c) share:
 * a registry per test with the classes they use, new entries, and checks of
 * an entry's children and parents in a plane.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "registry-check.h"
#include "symbol.h"

int setup_registry(void **state) {
        Registry *reg = NULL;

        if (registry_new(&reg) < 0)
                return -1;
        if (class_table_define(reg->classes, "IOPlatformExpertDevice", "IOService", NULL) < 0 ||
            class_table_define(reg->classes, "IOPCIDevice", "IOService", NULL) < 0 ||
            class_table_define(reg->classes, "IOUSBHostDevice", "IOService", NULL) < 0 ||
            class_table_define(reg->classes, "IOUSBHostInterface", "IOService", NULL) < 0 ||
            class_table_define(reg->classes, "IOMedia", "IOService", NULL) < 0)
                return -1;
        *state = reg;
        return 0;
}

int teardown_registry(void **state) {
        registry_free(*state);
        if (symbol_table_size() != 0) {
                print_error("%zu symbols still interned after the registry is gone\n", symbol_table_size());
                return -1;
        }
        return 0;
}

Entry *new_entry(Registry *reg, const char *class_name, const char *name) {
        Entry *e = NULL;

        assert_int_equal(registry_create_entry(reg, class_name, &e), 0);
        assert_non_null(e);
        if (name)
                assert_int_equal(entry_set_name(e, NULL, name), 0);
        return e;
}

/* A new entry attached below parent in the service plane. */
Entry *new_service(Registry *reg, Entry *parent, const char *name) {
        Entry *e = new_entry(reg, "IOService", name);

        assert_int_equal(entry_attach(e, parent, reg->service_plane), 0);
        return e;
}

void assert_children(const Entry *e, const Plane *plane, Entry *const *expected, unsigned n) {
        unsigned n_children = 99;
        Entry *const *children = entry_get_children(e, plane, &n_children);

        assert_int_equal(n_children, n);
        for (unsigned i = 0; i < n; i++)
                assert_ptr_equal(children[i], expected[i]);
}

void assert_parents(const Entry *e, const Plane *plane, Entry *const *expected, unsigned n) {
        unsigned n_parents = 99;
        Entry *const *parents = entry_get_parents(e, plane, &n_parents);

        assert_int_equal(n_parents, n);
        for (unsigned i = 0; i < n; i++)
                assert_ptr_equal(parents[i], expected[i]);
        assert_ptr_equal(entry_get_parent(e, plane), n > 0 ? expected[0] : NULL);
}
