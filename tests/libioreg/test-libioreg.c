/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-libioreg.c: the libioreg calls that query the real ioregd on
 * a private dbus-daemon, on a umockdev testbed: return strings, matching
 * dictionaries, Root and paths, classes, properties, navigation, busy state.
 *
 * The testbed, the bus and the daemon are set up by libioreg-testbed.c.
 */

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <systemd/sd-event.h>
#include <unistd.h>
#include <umockdev.h>

#include <ioreg/ioreg.h>

#include "macro.h"
#include "registry-query.h"
#include "test-bus.h"
#include "test-daemon.h"
#include "libioreg-testbed.h"

static void test_return_strings(void **state) {
        assert_string_equal(ioreg_return_string(IOREG_RETURN_SUCCESS), "success");
        assert_string_equal(ioreg_return_string(IOREG_RETURN_NOT_FOUND), "not found");
        assert_string_equal(ioreg_return_string(IOREG_RETURN_OVERRUN), "data overrun");
        assert_string_equal(ioreg_return_string((ioreg_return_t) 999), "unknown error");
}

static void test_matching_builders(void **state) {
        json_auto_t *a = ioreg_service_matching("IOUSBHostDevice");
        json_auto_t *b = ioreg_service_name_matching("IOSerialBSDClient");
        json_auto_t *c = ioreg_bsd_name_matching("ttyUSB0");
        json_auto_t *d = ioreg_registry_entry_id_matching(ROOT_ID);
        json_auto_t *e = ioreg_registry_entry_id_matching(UINT64_MAX);

        assert_string_equal(json_string_value(json_object_get(a, "IOProviderClass")), "IOUSBHostDevice");
        assert_int_equal(json_object_size(a), 1);
        assert_string_equal(json_string_value(json_object_get(b, "IONameMatch")), "IOSerialBSDClient");
        assert_string_equal(json_string_value(json_object_get(c, "BSD Name")), "ttyUSB0");
        assert_int_equal(json_integer_value(json_object_get(d, "IORegistryEntryID")), (json_int_t) ROOT_ID);
        /* Above INT64_MAX: the value-json form, which the daemon reads back as an unsigned number. */
        assert_string_equal(json_string_value(json_object_get(json_object_get(e, "IORegistryEntryID"), "$unsigned")),
                            "18446744073709551615");
        assert_null(ioreg_service_matching(NULL));
}

static void test_root_and_paths(void **state) {
        ioreg_registry_entry_t root = ioreg_registry_get_root_entry(), dev, again;
        ioreg_name_t name, loc;
        ioreg_string_t path;
        uint64_t id = 0;
        char *copy;

        assert_non_null(root);
        assert_int_equal(ioreg_registry_entry_get_registry_entry_id(root, &id), IOREG_RETURN_SUCCESS);
        assert_true(id == ROOT_ID);
        assert_int_equal(ioreg_registry_entry_get_name(root, name), IOREG_RETURN_SUCCESS);
        assert_string_equal(name, "Root");
        assert_int_equal(ioreg_registry_entry_get_path(root, IOREG_SERVICE_PLANE, path), IOREG_RETURN_NOT_FOUND);
        assert_true(ioreg_registry_entry_in_plane(root, IOREG_SERVICE_PLANE));

        dev = ioreg_service_get_matching_service(ioreg_bsd_name_matching("ttyUSB0"));
        if (!dev) /* BSD Name is the block and network families' key; the serial client is found by its class */
                dev = ioreg_service_get_matching_service(ioreg_service_matching(IOREG_SERIAL_BSD_SERVICE_VALUE));
        assert_non_null(dev);
        assert_int_equal(ioreg_registry_entry_get_path(dev, IOREG_SERVICE_PLANE, path), IOREG_RETURN_SUCCESS);
        assert_true(strncmp(path, "IOService:/", 11) == 0);
        copy = ioreg_registry_entry_copy_path(dev, IOREG_SERVICE_PLANE);
        assert_string_equal(copy, path);
        free(copy);
        again = ioreg_registry_entry_from_path(path);
        assert_non_null(again);
        assert_true(ioreg_object_is_equal_to(dev, again));
        assert_false(ioreg_object_is_equal_to(dev, root));
        assert_int_equal(ioreg_registry_entry_get_name_in_plane(dev, IOREG_SERVICE_PLANE, name), IOREG_RETURN_SUCCESS);
        assert_string_equal(name, "IOSerialBSDClient");
        /* No location: NotFound, as the D-Bus API answers. */
        assert_int_equal(ioreg_registry_entry_get_location_in_plane(dev, IOREG_SERVICE_PLANE, loc),
                         IOREG_RETURN_NOT_FOUND);
        assert_null(ioreg_registry_entry_from_path("IOService:/no/such/entry"));
        assert_null(ioreg_registry_entry_from_path("NoSuchPlane:/"));
        ioreg_object_release(again);
        ioreg_object_release(dev);
        ioreg_object_release(root);
}

static void test_classes(void **state) {
        ioreg_service_t kbd;
        json_t *m = ioreg_service_matching("IOUSBHostDevice");
        ioreg_name_t cls;
        ioreg_iterator_t it = NULL;
        char *s;

        json_object_set_new(m, "idVendor", json_integer(0x05f3));
        json_object_set_new(m, "idProduct", json_integer(0x0007));
        kbd = ioreg_service_get_matching_service(m);
        assert_non_null(kbd);
        assert_int_equal(ioreg_object_get_class(kbd, cls), IOREG_RETURN_SUCCESS);
        assert_string_equal(cls, "IOUSBHostDevice");
        s = ioreg_object_copy_class(kbd);
        assert_string_equal(s, "IOUSBHostDevice");
        free(s);
        assert_true(ioreg_object_conforms_to(kbd, "IOUSBHostDevice"));
        assert_true(ioreg_object_conforms_to(kbd, "IOService"));
        assert_true(ioreg_object_conforms_to(kbd, "IORegistryEntry"));
        assert_false(ioreg_object_conforms_to(kbd, "IOSerialBSDClient"));
        assert_false(ioreg_object_conforms_to(kbd, "NoSuchClass"));
        s = ioreg_object_copy_superclass_for_class("IOService");
        assert_string_equal(s, "IORegistryEntry");
        free(s);
        assert_null(ioreg_object_copy_superclass_for_class("IORegistryEntry"));
        /* Libioreg's own objects. */
        assert_int_equal(ioreg_service_get_matching_services(ioreg_service_matching("IOService"), &it),
                         IOREG_RETURN_SUCCESS);
        assert_int_equal(ioreg_object_get_class(it, cls), IOREG_RETURN_SUCCESS);
        assert_string_equal(cls, "IOUserIterator");
        assert_true(ioreg_object_conforms_to(it, "OSIterator"));
        assert_false(ioreg_object_conforms_to(it, "IOService"));
        /* Reference counts. */
        assert_int_equal(ioreg_object_get_retain_count(kbd), 1);
        assert_int_equal(ioreg_object_retain(kbd), IOREG_RETURN_SUCCESS);
        assert_int_equal(ioreg_object_get_retain_count(kbd), 2);
        assert_int_equal(ioreg_object_release(kbd), IOREG_RETURN_SUCCESS);
        assert_int_equal(ioreg_object_release(NULL), IOREG_RETURN_BAD_ARGUMENT);
        ioreg_object_release(it);
        ioreg_object_release(kbd);
}

static void test_matching_services(void **state) {
        json_t *m = ioreg_service_matching("IOUSBHostDevice");
        ioreg_iterator_t it = NULL;
        ioreg_object_t o;
        uint64_t first = 0, id, prev = 0;
        unsigned n = 0, n2 = 0;

        /* The call consumes the dictionary: the extra reference taken here is the only one left. */
        json_incref(m);
        assert_int_equal(ioreg_service_get_matching_services(m, &it), IOREG_RETURN_SUCCESS);
        assert_int_equal(m->refcount, 1);
        json_decref(m);
        assert_non_null(it);
        assert_true(ioreg_iterator_is_valid(it));
        while ((o = ioreg_iterator_next(it))) {
                assert_int_equal(ioreg_registry_entry_get_registry_entry_id(o, &id), IOREG_RETURN_SUCCESS);
                assert_true(id > prev); /* by ascending ID */
                prev = id;
                if (!n)
                        first = id;
                assert_true(ioreg_object_conforms_to(o, "IOUSBHostDevice"));
                n++;
                ioreg_object_release(o);
        }
        /* usb1, three hubs, the keyboard, the serial adapter. */
        assert_int_equal(n, 6);
        ioreg_iterator_reset(it);
        o = ioreg_iterator_next(it);
        assert_int_equal(ioreg_registry_entry_get_registry_entry_id(o, &id), IOREG_RETURN_SUCCESS);
        assert_true(id == first);
        ioreg_object_release(o);
        while ((o = ioreg_iterator_next(it))) {
                n2++;
                ioreg_object_release(o);
        }
        assert_int_equal(n2, 5);
        ioreg_object_release(it);

        /* Nothing matches: success, and no iterator. */
        it = (ioreg_iterator_t) 1;
        assert_int_equal(ioreg_service_get_matching_services(ioreg_service_matching("NoSuchClass"), &it),
                         IOREG_RETURN_SUCCESS);
        assert_null(it);
        assert_null(ioreg_service_get_matching_service(ioreg_service_matching("NoSuchClass")));
        /* A matching dictionary that is not an object, or holds a real. */
        assert_int_equal(ioreg_service_get_matching_services(json_string("x"), &it), IOREG_RETURN_BAD_ARGUMENT);
        m = ioreg_service_matching("IOService");
        json_object_set_new(m, "Scale", json_real(1.5));
        assert_int_equal(ioreg_service_get_matching_services(m, &it), IOREG_RETURN_BAD_ARGUMENT);
}

static void test_match_property_table(void **state) {
        ioreg_service_t kbd = ioreg_service_get_matching_service(ioreg_registry_entry_id_matching(ROOT_ID));
        ioreg_service_t serial = ioreg_service_get_matching_service(ioreg_service_matching("IOSerialBSDClient"));
        json_auto_t *yes = ioreg_service_matching("IOSerialBSDClient");
        json_auto_t *no = ioreg_service_matching("IOUSBHostDevice");
        int matches = -1;

        assert_non_null(serial);
        assert_int_equal(ioreg_service_match_property_table(serial, yes, &matches), IOREG_RETURN_SUCCESS);
        assert_int_equal(matches, 1);
        assert_int_equal(ioreg_service_match_property_table(serial, no, &matches), IOREG_RETURN_SUCCESS);
        assert_int_equal(matches, 0);
        assert_int_equal(yes->refcount, 1); /* not consumed */
        ioreg_object_release(kbd);
        ioreg_object_release(serial);
}

static void test_properties(void **state) {
        json_t *m = ioreg_service_matching("IOUSBHostDevice"), *props = NULL, *v, *linux_props;
        ioreg_service_t kbd, serial;

        json_object_set_new(m, "idVendor", json_integer(0x05f3));
        json_object_set_new(m, "idProduct", json_integer(0x0007)); /* USB matching wants both */
        kbd = ioreg_service_get_matching_service(m);
        assert_non_null(kbd);
        assert_int_equal(ioreg_registry_entry_create_properties(kbd, &props, 0), IOREG_RETURN_SUCCESS);
        assert_true(json_is_object(props));
        assert_int_equal(json_integer_value(json_object_get(props, "idVendor")), 0x05f3);
        assert_int_equal(json_integer_value(json_object_get(props, "idProduct")), 0x0007);
        linux_props = json_object_get(props, "Linux");
        assert_string_equal(json_string_value(json_object_get(linux_props, "DEVNAME")), "/dev/bus/usb/001/009");
        json_decref(props);
        assert_int_equal(ioreg_registry_entry_create_properties(kbd, &props, 1), IOREG_RETURN_BAD_ARGUMENT);

        v = ioreg_registry_entry_create_property(kbd, "idProduct", 0);
        assert_int_equal(json_integer_value(v), 7);
        json_decref(v);
        assert_null(ioreg_registry_entry_create_property(kbd, "NoSuchKey", 0));

        /* The serial port has no idVendor; its USB device above has. */
        serial = ioreg_service_get_matching_service(ioreg_service_matching("IOSerialBSDClient"));
        assert_null(ioreg_registry_entry_create_property(serial, "idVendor", 0));
        v = ioreg_registry_entry_search_property(serial, IOREG_SERVICE_PLANE, "idVendor",
                                                 IOREG_REGISTRY_ITERATE_RECURSIVELY | IOREG_REGISTRY_ITERATE_PARENTS);
        assert_int_equal(json_integer_value(v), 0x0403);
        json_decref(v);
        /* The keyboard's children: its interface has bInterfaceClass. */
        v = ioreg_registry_entry_search_property(kbd, IOREG_SERVICE_PLANE, "bInterfaceClass",
                                                 IOREG_REGISTRY_ITERATE_RECURSIVELY);
        assert_non_null(v);
        json_decref(v);
        v = ioreg_registry_entry_create_property(serial, "IOCalloutDevice", 0);
        assert_string_equal(json_string_value(v), "/dev/ttyUSB0");
        json_decref(v);

        /* Setting: nubs do not take properties (NotSupported), a bad value is refused before the call. */
        v = json_string("x");
        assert_int_equal(ioreg_registry_entry_set_property(kbd, "Test", v), IOREG_RETURN_UNSUPPORTED);
        json_decref(v);
        v = json_real(1.0);
        assert_int_equal(ioreg_registry_entry_set_property(kbd, "Test", v), IOREG_RETURN_BAD_ARGUMENT);
        json_decref(v);
        assert_int_equal(ioreg_registry_entry_set_properties(kbd, NULL), IOREG_RETURN_BAD_ARGUMENT);
        ioreg_object_release(serial);
        ioreg_object_release(kbd);
}

static void test_navigation(void **state) {
        json_t *m = ioreg_service_matching("IOUSBHostDevice");
        ioreg_service_t kbd, parent = NULL, child = NULL, o;
        ioreg_iterator_t it = NULL;
        ioreg_name_t name;
        unsigned n = 0;

        json_object_set_new(m, "idVendor", json_integer(0x05f3));
        json_object_set_new(m, "idProduct", json_integer(0x0081)); /* the hub 1-1.5.4 */
        kbd = ioreg_service_get_matching_service(m);
        assert_non_null(kbd);
        assert_int_equal(ioreg_registry_entry_get_parent_entry(kbd, IOREG_SERVICE_PLANE, &parent),
                         IOREG_RETURN_SUCCESS);
        /* Its provider in IOService leads up to the hub 17ef:1005. */
        {
                json_t *v = ioreg_registry_entry_search_property(parent, IOREG_SERVICE_PLANE, "idProduct",
                                                                 IOREG_REGISTRY_ITERATE_RECURSIVELY |
                                                                         IOREG_REGISTRY_ITERATE_PARENTS);

                assert_int_equal(json_integer_value(v), 0x1005);
                json_decref(v);
        }
        assert_int_equal(ioreg_registry_entry_get_child_iterator(kbd, IOREG_SERVICE_PLANE, &it), IOREG_RETURN_SUCCESS);
        while ((o = ioreg_iterator_next(it))) {
                n++;
                ioreg_object_release(o);
        }
        assert_true(n >= 1); /* the keyboard (and the hub's interface) */
        ioreg_object_release(it);
        assert_int_equal(ioreg_registry_entry_get_child_entry(kbd, IOREG_SERVICE_PLANE, &child), IOREG_RETURN_SUCCESS);
        assert_int_equal(ioreg_registry_entry_get_name(child, name), IOREG_RETURN_SUCCESS);
        assert_int_equal(ioreg_registry_entry_get_parent_iterator(child, IOREG_SERVICE_PLANE, &it),
                         IOREG_RETURN_SUCCESS);
        o = ioreg_iterator_next(it);
        assert_true(ioreg_object_is_equal_to(o, kbd));
        ioreg_object_release(o);
        ioreg_object_release(it);
        assert_int_equal(ioreg_registry_entry_get_child_iterator(kbd, "NoSuchPlane", &it), IOREG_RETURN_BAD_ARGUMENT);
        ioreg_object_release(child);
        ioreg_object_release(parent);
        ioreg_object_release(kbd);
}

static void test_busy_and_quiet(void **state) {
        ioreg_registry_entry_t root = ioreg_registry_get_root_entry();
        uint32_t busy = 99;
        uint64_t st = 0;

        assert_int_equal(ioreg_service_wait_quiet(root, 5000000), IOREG_RETURN_SUCCESS);
        assert_int_equal(ioreg_kit_wait_quiet(0), IOREG_RETURN_SUCCESS);
        assert_int_equal(ioreg_service_get_busy_state(root, &busy), IOREG_RETURN_SUCCESS);
        assert_int_equal(busy, 0);
        assert_int_equal(ioreg_kit_get_busy_state(&busy), IOREG_RETURN_SUCCESS);
        ioreg_object_release(root);
        root = ioreg_service_get_matching_service(ioreg_service_matching("IOSerialBSDClient"));
        assert_int_equal(ioreg_service_get_state(root, &st), IOREG_RETURN_SUCCESS);
        assert_true((st & 0x6) == 0x6); /* registered, matched */
        assert_false(st & 0x1);          /* not inactive */
        ioreg_object_release(root);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_return_strings),
                cmocka_unit_test(test_matching_builders),
                cmocka_unit_test(test_root_and_paths),
                cmocka_unit_test(test_classes),
                cmocka_unit_test(test_matching_services),
                cmocka_unit_test(test_match_property_table),
                cmocka_unit_test(test_properties),
                cmocka_unit_test(test_navigation),
                cmocka_unit_test(test_busy_and_quiet),
        };

        return cmocka_run_group_tests_name("libioreg", tests, group_setup, group_teardown);
}
