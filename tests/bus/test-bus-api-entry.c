/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-bus-api-entry.c: every call of org.ioreg.Entry1 (properties,
 * names, family, conformance, property search).
 *
 * Through sd-bus, against ioregd on a private dbus-daemon serving a real
 * Mac's registry (bus-api-call.c). Each call succeeds where it should and
 * is refused with its org.ioreg.Error.* name where it should. The daemon
 * must still answer after every bad call (checked at the end of each test).
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bus-entry.h"
#include "bus-errors.h"
#include "bus-assert.h"
#include "bus-value.h"
#include "test-bus.h"
#include "test-daemon.h"
#include "bus-api-call.h"

static void test_entry_properties(void **state) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        char path[BUS_ENTRY_PATH_MAX];
        bool seen_id = false, seen_chain = false, seen_props = false, seen_name = false;
        const char *name;

        assert_int_equal(sd_bus_call_method(bus, IOREG_BUS_NAME, bus_entry_path(SERIAL_ID, path),
                                            "org.freedesktop.DBus.Properties", "GetAll", &error, &reply, "s",
                                            IOREG_ENTRY_INTERFACE), 1);
        assert_int_equal(sd_bus_message_enter_container(reply, 'a', "{sv}"), 1);
        while (sd_bus_message_enter_container(reply, 'e', "sv") > 0) {
                assert_int_equal(sd_bus_message_read(reply, "s", &name), 1);
                if (streq(name, "ID")) {
                        uint64_t id;

                        assert_int_equal(sd_bus_message_read(reply, "v", "t", &id), 1);
                        assert_int_equal(id, SERIAL_ID);
                        seen_id = true;
                } else if (streq(name, "ClassChain")) {
                        const char *first, *second;

                        assert_int_equal(sd_bus_message_enter_container(reply, 'v', "as"), 1);
                        assert_int_equal(sd_bus_message_enter_container(reply, 'a', "s"), 1);
                        assert_int_equal(sd_bus_message_read(reply, "ss", &first, &second), 1);
                        assert_string_equal(first, "IOUSBHostDevice");
                        while (sd_bus_message_read(reply, "s", &second) > 0)
                                ;
                        assert_string_equal(second, "IORegistryEntry");
                        assert_int_equal(sd_bus_message_exit_container(reply), 1);
                        assert_int_equal(sd_bus_message_exit_container(reply), 1);
                        seen_chain = true;
                } else if (streq(name, "Name")) {
                        const char *s;

                        assert_int_equal(sd_bus_message_read(reply, "v", "s", &s), 1);
                        assert_string_equal(s, "USB2.0-Serial");
                        seen_name = true;
                } else if (streq(name, "Properties")) {
                        unsigned n = 0;

                        assert_int_equal(sd_bus_message_enter_container(reply, 'v', "a{sv}"), 1);
                        assert_int_equal(sd_bus_message_enter_container(reply, 'a', "{sv}"), 1);
                        while (sd_bus_message_skip(reply, "{sv}") > 0)
                                n++;
                        assert_true(n > 5);
                        assert_int_equal(sd_bus_message_exit_container(reply), 1);
                        assert_int_equal(sd_bus_message_exit_container(reply), 1);
                        seen_props = true;
                } else
                        assert_int_equal(sd_bus_message_skip(reply, "v"), 1);
                assert_int_equal(sd_bus_message_exit_container(reply), 1);
        }
        /* Properties is explicit (issue 23 B1): not in GetAll, which lists every other one. */
        assert_true(seen_id && seen_chain && !seen_props && seen_name);
        sd_bus_message_unref(reply);
        reply = NULL;
        assert_int_equal(sd_bus_call_method(bus, IOREG_BUS_NAME, bus_entry_path(SERIAL_ID, path),
                                            "org.freedesktop.DBus.Properties", "Get", &error, &reply, "ss",
                                            IOREG_ENTRY_INTERFACE, "Properties"), 1);
        {
                unsigned n = 0;

                assert_int_equal(sd_bus_message_enter_container(reply, 'v', "a{sv}"), 1);
                assert_int_equal(sd_bus_message_enter_container(reply, 'a', "{sv}"), 1);
                while (sd_bus_message_skip(reply, "{sv}") > 0)
                        n++;
                assert_true(n > 5);
        }

        /* An entry that does not exist, and a path not spelled the one way. */
        sd_bus_error_free(&error);
        assert_bus_error(sd_bus_call_method(bus, IOREG_BUS_NAME, bus_entry_path(UINT64_C(0xdeadbeef), path),
                                            IOREG_ENTRY_INTERFACE, "GetName", &error, NULL, "s", ""),
                         &error, SD_BUS_ERROR_UNKNOWN_OBJECT);
        sd_bus_error_free(&error);
        assert_bus_error(sd_bus_call_method(bus, IOREG_BUS_NAME, IOREG_ENTRY_PATH_PREFIX "/0000000103C762AB",
                                            IOREG_ENTRY_INTERFACE, "GetName", &error, NULL, "s", ""),
                         &error, SD_BUS_ERROR_UNKNOWN_OBJECT);
        assert_alive();
}

static void test_entry_names(void **state) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *r1 = NULL, *r2 = NULL, *r3 = NULL;
        const char *s;

        assert_bus_ok(call_entry(SERIAL_ID, "GetName", &error, &r1, "s", "IOService"), &error);
        assert_int_equal(sd_bus_message_read(r1, "s", &s), 1);
        assert_string_equal(s, "USB2.0-Serial");
        assert_bus_ok(call_entry(SERIAL_ID, "GetLocation", &error, &r2, "s", "IOService"), &error);
        assert_int_equal(sd_bus_message_read(r2, "s", &s), 1);
        assert_string_equal(s, "14100000");
        assert_bus_ok(call_entry(SERIAL_ID, "GetLocation", &error, &r3, "s", ""), &error);
        assert_int_equal(sd_bus_message_read(r3, "s", &s), 1);
        assert_string_equal(s, "14100000");

        /* Root has no location; no path either (as in the kernel). */
        assert_bus_error(call_entry(REGISTRY_ROOT_ID, "GetLocation", &error, NULL, "s", "IOService"), &error,
                         IOREG_ERROR_NOT_FOUND);
        sd_bus_error_free(&error);
        assert_bus_error(call_entry(REGISTRY_ROOT_ID, "GetPath", &error, NULL, "s", "IOService"), &error,
                         IOREG_ERROR_NOT_FOUND);
        sd_bus_error_free(&error);
        /* Not in IOUSB (the snapshot has only IOService). */
        assert_bus_error(call_entry(SERIAL_ID, "GetPath", &error, NULL, "s", "IOUSB"), &error, IOREG_ERROR_NOT_FOUND);
        sd_bus_error_free(&error);
        /* GetPath needs a plane; GetName does not. */
        assert_bus_error(call_entry(SERIAL_ID, "GetPath", &error, NULL, "s", ""), &error, IOREG_ERROR_NO_SUCH_PLANE);
        sd_bus_error_free(&error);
        assert_bus_error(call_entry(SERIAL_ID, "GetName", &error, NULL, "s", "Nope"), &error,
                         IOREG_ERROR_NO_SUCH_PLANE);
        sd_bus_error_free(&error);
        assert_bus_error(call_entry(SERIAL_ID, "GetLocation", &error, NULL, "s", "Nope"), &error,
                         IOREG_ERROR_NO_SUCH_PLANE);
        sd_bus_error_free(&error);
        assert_bus_error(call_entry(SERIAL_ID, "GetName", &error, NULL, "u", 1), &error, SD_BUS_ERROR_INVALID_ARGS);
        assert_alive();
}

static void test_entry_family(void **state) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *r1 = NULL, *r2 = NULL, *r3 = NULL, *r4 = NULL, *r5 = NULL;
        _cleanup_free_ uint64_t *parents = NULL, *children = NULL, *back = NULL, *usb_parents = NULL;
        size_t n_parents, n_children, n_back, n_usb;
        int in;

        assert_bus_ok(call_entry(SERIAL_ID, "GetParents", &error, &r1, "s", "IOService"), &error);
        parents = read_ids(r1, &n_parents);
        assert_int_equal(n_parents, 1);
        assert_bus_ok(call_entry(SERIAL_ID, "GetChildren", &error, &r2, "s", "IOService"), &error);
        children = read_ids(r2, &n_children);
        assert_true(n_children >= 1);
        /* The parent lists it among its children. */
        assert_bus_ok(call_entry(parents[0], "GetChildren", &error, &r3, "s", "IOService"), &error);
        back = read_ids(r3, &n_back);
        assert_true(ids_contain(back, n_back, SERIAL_ID));
        /* Not in IOUSB: no parents there. */
        assert_bus_ok(call_entry(SERIAL_ID, "GetParents", &error, &r4, "s", "IOUSB"), &error);
        usb_parents = read_ids(r4, &n_usb);
        assert_int_equal(n_usb, 0);

        assert_bus_ok(call_entry(SERIAL_ID, "InPlane", &error, &r5, "s", "IOService"), &error);
        assert_int_equal(sd_bus_message_read(r5, "b", &in), 1);
        assert_true(in);
        r5 = sd_bus_message_unref(r5);
        assert_bus_ok(call_entry(SERIAL_ID, "InPlane", &error, &r5, "s", "IOUSB"), &error);
        assert_int_equal(sd_bus_message_read(r5, "b", &in), 1);
        assert_false(in);

        assert_bus_error(call_entry(SERIAL_ID, "GetChildren", &error, NULL, "s", "Nope"), &error,
                         IOREG_ERROR_NO_SUCH_PLANE);
        sd_bus_error_free(&error);
        assert_bus_error(call_entry(SERIAL_ID, "GetParents", &error, NULL, "s", ""), &error,
                         IOREG_ERROR_NO_SUCH_PLANE);
        sd_bus_error_free(&error);
        assert_bus_error(call_entry(SERIAL_ID, "InPlane", &error, NULL, "s", "Nope"), &error,
                         IOREG_ERROR_NO_SUCH_PLANE);
        assert_alive();
}

static void test_entry_conforms(void **state) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        static const struct {
                const char *name;
                int conforms;
        } cases[] = {
                { "IOUSBHostDevice", 1 }, { "IOService", 1 }, { "IORegistryEntry", 1 },
                { "IOPCIDevice", 0 },     { "NoSuchClass", 0 },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
                int b = -1;

                assert_bus_ok(call_entry(SERIAL_ID, "ConformsTo", &error, &reply, "s", cases[i].name), &error);
                assert_int_equal(sd_bus_message_read(reply, "b", &b), 1);
                assert_int_equal(b, cases[i].conforms);
        }
}

static void test_entry_search_property(void **state) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *r1 = NULL, *r2 = NULL, *r3 = NULL;
        uint32_t location = 0;
        const char *s;

        /* Its own property. */
        assert_bus_ok(call_entry(SERIAL_ID, "SearchProperty", &error, &r1, "ssu", "locationID", "", 0), &error);
        assert_int_equal(sd_bus_message_read(r1, "v", "u", &location), 1);
        assert_int_equal(location, 0x14100000);
        /* Root's IOKitBuildVersion, found from below through the parents. */
        assert_bus_ok(call_entry(SERIAL_ID, "SearchProperty", &error, &r2, "ssu", "IOKitBuildVersion", "IOService",
                                 3), &error);
        assert_int_equal(sd_bus_message_read(r2, "v", "s", &s), 1);
        assert_non_null(strstr(s, "Darwin Kernel Version"));
        /* A child's property, found from Root recursively. */
        assert_bus_ok(call_entry(REGISTRY_ROOT_ID, "SearchProperty", &error, &r3, "ssu", "locationID", "IOService", 1),
                      &error);
        assert_int_equal(sd_bus_message_read(r3, "v", "u", &location), 1);

        /* Not without recursion; unknown keys; bad options; a plane to recurse in. */
        assert_bus_error(call_entry(SERIAL_ID, "SearchProperty", &error, NULL, "ssu", "IOKitBuildVersion", "", 0),
                         &error, IOREG_ERROR_NOT_FOUND);
        sd_bus_error_free(&error);
        assert_bus_error(call_entry(SERIAL_ID, "SearchProperty", &error, NULL, "ssu", "NoSuchKey", "IOService", 1),
                         &error, IOREG_ERROR_NOT_FOUND);
        sd_bus_error_free(&error);
        assert_bus_error(call_entry(SERIAL_ID, "SearchProperty", &error, NULL, "ssu", "locationID", "", 0x10),
                         &error, IOREG_ERROR_INVALID_ARGUMENT);
        sd_bus_error_free(&error);
        assert_bus_error(call_entry(SERIAL_ID, "SearchProperty", &error, NULL, "ssu", "locationID", "", 1), &error,
                         IOREG_ERROR_NO_SUCH_PLANE);
        assert_alive();
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_entry_properties),
                cmocka_unit_test(test_entry_names),
                cmocka_unit_test(test_entry_family),
                cmocka_unit_test(test_entry_conforms),
                cmocka_unit_test(test_entry_search_property),
        };

        return cmocka_run_group_tests_name("bus-api-entry", tests, setup, teardown);
}
