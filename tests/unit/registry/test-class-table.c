/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-class-table.c: the class hierarchy (class-table.c): definitions,
 * redefinitions, aliases and conformance.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "class-table.h"

static int setup_table(void **state) {
        ClassTable *t = NULL;

        if (class_table_new(&t) < 0)
                return -1;
        *state = t;
        return 0;
}

static int teardown_table(void **state) {
        class_table_free(*state);
        return 0;
}

static void test_builtin_classes(void **state) {
        ClassTable *t = *state;
        const Class *entry = class_table_find(t, "IORegistryEntry"),
                    *service = class_table_find(t, "IOService");

        assert_non_null(entry);
        assert_non_null(service);
        assert_string_equal(entry->name, "IORegistryEntry");
        assert_null(entry->super);
        assert_int_equal(entry->depth, 0);
        assert_ptr_equal(service->super, entry);
        assert_int_equal(service->depth, 1);
        assert_int_equal(service->n_instances, 0);
        assert_int_equal(t->n_classes, 2);

        assert_true(class_conforms_to(service, entry));
        assert_true(class_conforms_to(entry, entry));
        assert_false(class_conforms_to(entry, service));
        assert_null(class_table_find(t, "IOUSBHostDevice"));
        assert_null(class_table_find(t, NULL));
        assert_null(class_table_find(t, "ioservice")); /* names are case-sensitive */
        assert_null(class_table_free(NULL));
}

static void test_define_and_conform(void **state) {
        ClassTable *t = *state;
        const Class *usb = NULL, *apple = NULL, *media = NULL, *service = class_table_find(t, "IOService");

        assert_int_equal(class_table_define(t, "IOUSBHostDevice", "IOService", &usb), 0);
        assert_int_equal(class_table_define(t, "AppleUSBDevice", "IOUSBHostDevice", &apple), 0);
        assert_int_equal(class_table_define(t, "IOMedia", "IOService", &media), 0);
        assert_int_equal(class_table_define(t, "IOUSBHostInterface", "IOService", NULL), 0);

        assert_ptr_equal(class_table_find(t, "IOUSBHostDevice"), usb);
        assert_ptr_equal(class_table_find(t, "AppleUSBDevice"), apple);
        assert_string_equal(apple->name, "AppleUSBDevice");
        assert_ptr_equal(apple->super, usb);
        assert_ptr_equal(usb->super, service);
        assert_int_equal(usb->depth, 2);
        assert_int_equal(apple->depth, 3);
        assert_int_equal(t->n_classes, 6);

        assert_true(class_conforms_to(apple, apple));
        assert_true(class_conforms_to(apple, usb));
        assert_true(class_conforms_to(apple, service));
        assert_true(class_conforms_to(apple, class_table_find(t, "IORegistryEntry")));
        assert_false(class_conforms_to(usb, apple));
        assert_false(class_conforms_to(apple, media)); /* a sibling branch at the same depth */
        assert_false(class_conforms_to(media, usb));
        assert_false(class_conforms_to(apple, class_table_find(t, "IOUSBHostInterface")));
        assert_false(class_conforms_to(apple, NULL));
        assert_false(class_conforms_to(NULL, usb));

        assert_true(class_table_conforms_to(t, apple, "IOService"));
        assert_true(class_table_conforms_to(t, apple, "IOUSBHostDevice"));
        assert_false(class_table_conforms_to(t, apple, "IOMedia"));
        assert_false(class_table_conforms_to(t, apple, "NoSuchClass"));
        assert_false(class_table_conforms_to(t, apple, NULL));
}

static void test_redefine_same_super(void **state) {
        ClassTable *t = *state;
        const Class *first = NULL, *again = NULL;

        assert_int_equal(class_table_define(t, "IOSerialBSDClient", "IOService", &first), 0);
        assert_int_equal(class_table_define(t, "IOSerialBSDClient", "IOService", &again), 0);
        assert_ptr_equal(first, again);
        assert_int_equal(t->n_classes, 3);
        /* The built-in classes too. */
        assert_int_equal(class_table_define(t, "IOService", "IORegistryEntry", &again), 0);
        assert_ptr_equal(again, class_table_find(t, "IOService"));
        assert_int_equal(class_table_define(t, "IORegistryEntry", NULL, NULL), 0);
        assert_int_equal(t->n_classes, 3);
}

static void test_redefine_other_super(void **state) {
        ClassTable *t = *state;
        const Class *c = NULL, *unchanged = (const Class *) 0x1;

        assert_int_equal(class_table_define(t, "IOMedia", "IOService", &c), 0);
        assert_int_equal(class_table_define(t, "IOStorage", "IOService", NULL), 0);
        assert_int_equal(class_table_define(t, "IOMedia", "IOStorage", &unchanged), -EEXIST);
        assert_ptr_equal(unchanged, (const Class *) 0x1); /* not written on failure */
        assert_ptr_equal(class_table_find(t, "IOMedia"), c);
        assert_ptr_equal(c->super, class_table_find(t, "IOService"));
        /* The root class has no superclass: giving it one conflicts, and so does taking IOService's. */
        assert_int_equal(class_table_define(t, "IORegistryEntry", "IOService", NULL), -EEXIST);
        assert_int_equal(class_table_define(t, "IOService", NULL, NULL), -EEXIST);
        assert_int_equal(t->n_classes, 4);
}

static void test_unknown_super(void **state) {
        ClassTable *t = *state;

        assert_int_equal(class_table_define(t, "AppleUSBDevice", "IOUSBHostDevice", NULL), -ENOENT);
        assert_null(class_table_find(t, "AppleUSBDevice"));
        assert_int_equal(t->n_classes, 2);
        assert_int_equal(class_table_define(t, NULL, "IOService", NULL), -EINVAL);
        assert_int_equal(class_table_define(t, "", "IOService", NULL), -EINVAL);
        assert_int_equal(t->n_classes, 2);
}

static void test_alias(void **state) {
        ClassTable *t = *state;
        const Class *host = NULL, *sub = NULL;

        assert_int_equal(class_table_define(t, "IOUSBHostDevice", "IOService", &host), 0);
        assert_int_equal(class_table_alias(t, "IOUSBDevice", "IOUSBHostDevice"), 0);
        assert_ptr_equal(class_table_find(t, "IOUSBDevice"), host);
        assert_int_equal(t->n_classes, 3); /* an alias is not a class */
        assert_int_equal(t->n_aliases, 1);

        /* Conforming to the alias means conforming to the class. */
        assert_true(class_table_conforms_to(t, host, "IOUSBDevice"));
        /* A subclass defined through the alias derives from the class. */
        assert_int_equal(class_table_define(t, "AppleUSBDevice", "IOUSBDevice", &sub), 0);
        assert_ptr_equal(sub->super, host);
        assert_true(class_table_conforms_to(t, sub, "IOUSBDevice"));
        assert_true(class_table_conforms_to(t, sub, "IOUSBHostDevice"));

        /* The same alias again is fine; an alias of an alias names the class. */
        assert_int_equal(class_table_alias(t, "IOUSBDevice", "IOUSBHostDevice"), 0);
        assert_int_equal(class_table_alias(t, "IOUSBDevice", "IOUSBDevice"), 0);
        assert_int_equal(class_table_alias(t, "USBDeviceAlias2", "IOUSBDevice"), 0);
        assert_ptr_equal(class_table_find(t, "USBDeviceAlias2"), host);
        assert_int_equal(t->n_aliases, 2);
}

static void test_alias_unknown_class(void **state) {
        ClassTable *t = *state;

        assert_int_equal(class_table_alias(t, "IOUSBDevice", "IOUSBHostDevice"), -ENOENT);
        assert_null(class_table_find(t, "IOUSBDevice"));
        assert_int_equal(class_table_alias(t, "IOUSBDevice", NULL), -ENOENT);
        assert_int_equal(class_table_alias(t, NULL, "IOService"), -EINVAL);
        assert_int_equal(class_table_alias(t, "", "IOService"), -EINVAL);
        assert_int_equal(t->n_aliases, 0);
        /* The name stays free for a real class. */
        assert_int_equal(class_table_define(t, "IOUSBDevice", "IOService", NULL), 0);
}

static void test_alias_conflicts(void **state) {
        ClassTable *t = *state;
        const Class *media = NULL, *host = NULL;

        assert_int_equal(class_table_define(t, "IOMedia", "IOService", &media), 0);
        assert_int_equal(class_table_define(t, "IOUSBHostDevice", "IOService", &host), 0);
        assert_int_equal(class_table_alias(t, "IOUSBDevice", "IOUSBHostDevice"), 0);

        /* An alias may not take the name of another class or of another class's alias. */
        assert_int_equal(class_table_alias(t, "IOMedia", "IOUSBHostDevice"), -EEXIST);
        assert_int_equal(class_table_alias(t, "IOUSBDevice", "IOMedia"), -EEXIST);
        assert_int_equal(class_table_alias(t, "IOService", "IOMedia"), -EEXIST);
        assert_ptr_equal(class_table_find(t, "IOMedia"), media);
        assert_ptr_equal(class_table_find(t, "IOUSBDevice"), host);
        assert_int_equal(t->n_aliases, 1);
        /* An alias naming its own class is that class already. */
        assert_int_equal(class_table_alias(t, "IOMedia", "IOMedia"), 0);
        assert_int_equal(t->n_aliases, 1);
        /* Nor may a class be defined over an alias with another superclass. */
        assert_int_equal(class_table_define(t, "IOUSBDevice", "IOMedia", NULL), -EEXIST);
}

static void test_deep_and_wide_hierarchy(void **state) {
        ClassTable *t = *state;
        char name[32], super[32];
        const Class *deepest = NULL, *leaf = NULL;

        /* A chain 300 deep, and 300 leaves below IOService: the tables grow. */
        snprintf(super, sizeof(super), "IOService");
        for (unsigned i = 0; i < 300; i++) {
                snprintf(name, sizeof(name), "Chain%u", i);
                assert_int_equal(class_table_define(t, name, super, &deepest), 0);
                snprintf(super, sizeof(super), "%s", name);
        }
        for (unsigned i = 0; i < 300; i++) {
                snprintf(name, sizeof(name), "Leaf%u", i);
                assert_int_equal(class_table_define(t, name, "IOService", &leaf), 0);
                snprintf(super, sizeof(super), "LeafAlias%u", i);
                assert_int_equal(class_table_alias(t, super, name), 0);
        }
        assert_int_equal(t->n_classes, 602);
        assert_int_equal(t->n_aliases, 300);
        assert_int_equal(deepest->depth, 301);
        assert_true(class_table_conforms_to(t, deepest, "Chain0"));
        assert_true(class_table_conforms_to(t, deepest, "Chain150"));
        assert_true(class_table_conforms_to(t, deepest, "IORegistryEntry"));
        assert_false(class_table_conforms_to(t, class_table_find(t, "Chain150"), "Chain151"));
        assert_false(class_table_conforms_to(t, deepest, "Leaf299"));
        assert_true(class_table_conforms_to(t, leaf, "LeafAlias299"));
        assert_false(class_table_conforms_to(t, leaf, "LeafAlias298"));
        for (unsigned i = 0; i < 300; i++) {
                snprintf(name, sizeof(name), "Leaf%u", i);
                snprintf(super, sizeof(super), "LeafAlias%u", i);
                assert_ptr_equal(class_table_find(t, super), class_table_find(t, name));
        }
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup_table, teardown_table)

int main(void) {
        const struct CMUnitTest tests[] = {
                T(test_builtin_classes),
                T(test_define_and_conform),
                T(test_redefine_same_super),
                T(test_redefine_other_super),
                T(test_unknown_super),
                T(test_alias),
                T(test_alias_unknown_class),
                T(test_alias_conflicts),
                T(test_deep_and_wide_hierarchy),
        };

        return cmocka_run_group_tests_name("class-table", tests, NULL, NULL);
}
