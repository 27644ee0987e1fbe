/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-bus-api.c: every query of org.ioreg.Registry1 (properties, Root,
 * paths, matching, classes, planes, quiet, managed objects).
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
#include "json-form.h"
#include "wire-blob.h"
#include "wire-json.h"
#include "test-bus.h"
#include "test-daemon.h"
#include "bus-api-call.h"

static void test_registry_properties(void **state) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_strv_free_ char **planes = NULL;
        _cleanup_free_ char *version = NULL;
        uint64_t generation = 0;

        assert_int_equal(sd_bus_get_property_string(bus, IOREG_BUS_NAME, IOREG_OBJECT_PATH, IOREG_INTERFACE,
                                                    "Version", &error, &version), 0);
        assert_string_equal(version, IOREG_VERSION);
        assert_int_equal(sd_bus_get_property_strv(bus, IOREG_BUS_NAME, IOREG_OBJECT_PATH, IOREG_INTERFACE,
                                                  "Planes", &error, &planes), 0);
        assert_string_equal(planes[0], "IOService");
        assert_int_equal(sd_bus_get_property_trivial(bus, IOREG_BUS_NAME, IOREG_OBJECT_PATH, IOREG_INTERFACE,
                                                     "Generation", &error, 't', &generation), 0);
        assert_true(generation > 0);
        assert_int_equal(get_entries(), N_SNAPSHOT_ENTRIES);
}

static void test_get_root_entry(void **state) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        uint64_t id = 0;

        assert_bus_ok(call("GetRootEntry", &error, &reply, NULL), &error);
        assert_int_equal(sd_bus_message_read(reply, "t", &id), 1);
        assert_int_equal(id, REGISTRY_ROOT_ID);

        /* An argument where none belongs: refused by sd-bus before us. */
        sd_bus_error_free(&error);
        assert_bus_error(call("GetRootEntry", &error, NULL, "u", 1), &error, SD_BUS_ERROR_INVALID_ARGS);
        assert_alive();
}

static void test_entry_from_path(void **state) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL, *reply2 = NULL;
        _cleanup_free_ char *long_path = NULL;
        const char *path;
        uint64_t id = 0;

        /* A path from the daemon resolves back to its entry. */
        assert_bus_ok(call_entry(SERIAL_ID, "GetPath", &error, &reply, "s", "IOService"), &error);
        assert_int_equal(sd_bus_message_read(reply, "s", &path), 1);
        assert_true(strncmp(path, "IOService:/", 11) == 0);
        assert_non_null(strstr(path, "/USB2.0-Serial@14100000"));
        assert_bus_ok(call("EntryFromPath", &error, &reply2, "s", path), &error);
        assert_int_equal(sd_bus_message_read(reply2, "t", &id), 1);
        assert_int_equal(id, SERIAL_ID);

        assert_bus_error(call("EntryFromPath", &error, NULL, "s", "USB2.0-Serial"), &error,
                         IOREG_ERROR_INVALID_ARGUMENT);
        sd_bus_error_free(&error);
        assert_bus_error(call("EntryFromPath", &error, NULL, "s", "NoSuchPlane:/x"), &error,
                         IOREG_ERROR_NO_SUCH_PLANE);
        sd_bus_error_free(&error);
        assert_bus_error(call("EntryFromPath", &error, NULL, "s", "IOService:/NoSuchEntry@1/x"), &error,
                         IOREG_ERROR_NOT_FOUND);
        sd_bus_error_free(&error);
        long_path = malloc(20001);
        assert_non_null(long_path);
        memcpy(long_path, "IOService:/", 11);
        memset(long_path + 11, 'a', 20000 - 11);
        long_path[20000] = '\0';
        assert_bus_error(call("EntryFromPath", &error, NULL, "s", long_path), &error, IOREG_ERROR_LIMITS_EXCEEDED);
        sd_bus_error_free(&error);
        assert_bus_error(call("EntryFromPath", &error, NULL, "t", UINT64_C(1)), &error, SD_BUS_ERROR_INVALID_ARGS);
        assert_alive();
}

static void test_matching_services(void **state) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL, *r2 = NULL, *r3 = NULL;
        _cleanup_free_ uint64_t *usb = NULL, *none = NULL, *all = NULL, *by_id = NULL, *by_prop = NULL;
        size_t n_usb, n_none, n_all, n_by_id, n_by_prop;

        usb = match_string("IOProviderClass", "IOUSBHostDevice", &n_usb);
        assert_true(n_usb >= 2);
        assert_true(ids_contain(usb, n_usb, SERIAL_ID));
        for (size_t i = 0; i < n_usb; i++) {
                _cleanup_(sd_bus_message_unrefp) sd_bus_message *c = NULL;
                char path[BUS_ENTRY_PATH_MAX];
                uint32_t st = 0;
                int conforms = 0;

                if (i > 0)
                        assert_true(usb[i - 1] < usb[i]); /* sorted */
                assert_bus_ok(call_entry(usb[i], "ConformsTo", &error, &c, "s", "IOUSBHostDevice"), &error);
                assert_int_equal(sd_bus_message_read(c, "b", &conforms), 1);
                assert_true(conforms);
                assert_int_equal(sd_bus_get_property_trivial(bus, IOREG_BUS_NAME, bus_entry_path(usb[i], path),
                                                             IOREG_ENTRY_INTERFACE, "State", &error, 'u', &st), 0);
                assert_true(st & 0x4); /* matched */
        }

        none = match_string("IOProviderClass", "NoSuchClass", &n_none);
        assert_int_equal(n_none, 0);

        /* The empty dictionary: every matched service. */
        assert_bus_ok(call("GetMatchingServices", &error, &reply, "a{sv}", 0), &error);
        all = read_ids(reply, &n_all);
        assert_true(n_all > n_usb);
        assert_true(n_all < N_SNAPSHOT_ENTRIES + 1);

        /* IORegistryEntryIDMatching. */
        assert_bus_ok(call("GetMatchingServices", &error, &r2, "a{sv}", 1, "IORegistryEntryID", "t", SERIAL_ID),
                      &error);
        by_id = read_ids(r2, &n_by_id);
        assert_int_equal(n_by_id, 1);
        assert_int_equal(by_id[0], SERIAL_ID);

        /* IOPropertyMatch with a nested dictionary, numbers by value whatever the width. */
        assert_bus_ok(call("GetMatchingServices", &error, &r3, "a{sv}", 2, "IOProviderClass", "s", "IOUSBHostDevice",
                           "IOPropertyMatch", "a{sv}", 1, "locationID", "u", (uint32_t) 0x14100000),
                      &error);
        by_prop = read_ids(r3, &n_by_prop);
        assert_int_equal(n_by_prop, 1);
        assert_int_equal(by_prop[0], SERIAL_ID);

        /* A double: a type the registry does not keep. */
        assert_bus_error(call("GetMatchingServices", &error, NULL, "a{sv}", 1, "IOProbeScore", "d", 1.5), &error,
                         IOREG_ERROR_INVALID_ARGUMENT);
        sd_bus_error_free(&error);
        /* A key too long. */
        {
                char key[BUS_MAX_NAME + 2];

                memset(key, 'k', sizeof(key) - 1);
                key[sizeof(key) - 1] = '\0';
                assert_bus_error(call("GetMatchingServices", &error, NULL, "a{sv}", 1, key, "s", "v"), &error,
                                 IOREG_ERROR_LIMITS_EXCEEDED);
                sd_bus_error_free(&error);
        }
        /* Wrong signature. */
        assert_bus_error(call("GetMatchingServices", &error, NULL, "s", "IOService"), &error,
                         SD_BUS_ERROR_INVALID_ARGS);
        sd_bus_error_free(&error);
        assert_alive();
}

/* A matching dictionary nested depth deep: {"k": {"k": ... {"leaf": "x"}}}. */
static int call_nested(unsigned depth, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        int r;

        r = sd_bus_message_new_method_call(bus, &m, IOREG_BUS_NAME, IOREG_OBJECT_PATH, IOREG_INTERFACE,
                                           "GetMatchingServices");
        assert_int_equal(r, 0);
        for (unsigned i = 0; i < depth; i++) {
                assert_true(sd_bus_message_open_container(m, 'a', "{sv}") >= 0);
                assert_true(sd_bus_message_open_container(m, 'e', "sv") >= 0);
                assert_true(sd_bus_message_append(m, "s", "IOPropertyMatch") >= 0);
                assert_true(sd_bus_message_open_container(m, 'v', "a{sv}") >= 0);
        }
        assert_true(sd_bus_message_append(m, "a{sv}", 1, "leaf", "s", "x") >= 0);
        for (unsigned i = 0; i < depth; i++) {
                assert_true(sd_bus_message_close_container(m) >= 0);
                assert_true(sd_bus_message_close_container(m) >= 0);
                assert_true(sd_bus_message_close_container(m) >= 0);
        }
        return sd_bus_call(bus, m, 0, error, NULL);
}

/* A flat dictionary of n keys. */
static int call_wide(unsigned n, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;

        assert_true(sd_bus_message_new_method_call(bus, &m, IOREG_BUS_NAME, IOREG_OBJECT_PATH, IOREG_INTERFACE,
                                                   "GetMatchingServices") >= 0);
        assert_true(sd_bus_message_open_container(m, 'a', "{sv}") >= 0);
        for (unsigned i = 0; i < n; i++) {
                char key[32];

                snprintf(key, sizeof(key), "key%u", i);
                assert_true(sd_bus_message_append(m, "{sv}", key, "u", i) >= 0);
        }
        assert_true(sd_bus_message_close_container(m) >= 0);
        return sd_bus_call(bus, m, 0, error, NULL);
}

static void test_matching_limits(void **state) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;

        /*
         * Each level is a dictionary in a variant: two containers of
         * BUS_VALUE_MAX_DEPTH. 14 levels pass; 18 are too deep for us; from
         * about 22 on, dbus-daemon itself drops the sender.
         */
        assert_bus_ok(call_nested(14, &error), &error);
        assert_bus_error(call_nested(18, &error), &error, IOREG_ERROR_LIMITS_EXCEEDED);
        sd_bus_error_free(&error);
        assert_bus_ok(call_wide(1000, &error), &error);
        assert_bus_error(call_wide(5000, &error), &error, IOREG_ERROR_LIMITS_EXCEEDED);
        assert_alive();
}

static void test_class_hierarchy(void **state) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        bool root_class = false, service = false, usb = false;
        const char *name, *super;
        unsigned n = 0;

        assert_bus_ok(call("GetClassHierarchy", &error, &reply, NULL), &error);
        assert_int_equal(sd_bus_message_enter_container(reply, 'a', "(ss)"), 1);
        while (sd_bus_message_read(reply, "(ss)", &name, &super) > 0) {
                n++;
                if (streq(name, "IORegistryEntry")) {
                        assert_string_equal(super, "");
                        root_class = true;
                } else
                        assert_true(super[0] != '\0'); /* only the root class has no superclass */
                if (streq(name, "IOService")) {
                        assert_string_equal(super, "IORegistryEntry");
                        service = true;
                }
                if (streq(name, "IOUSBHostDevice"))
                        usb = true;
        }
        assert_true(root_class && service && usb);
        assert_true(n > 50);
}

static void test_get_plane(void **state) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        char long_name[BUS_MAX_NAME + 10];
        unsigned n = 0;
        int r;

        assert_bus_ok(call("GetPlane", &error, &reply, "s", "IOService"), &error);
        assert_int_equal(sd_bus_message_enter_container(reply, 'a', "(tussasuutua{sv})"), 1);
        while ((r = sd_bus_message_skip(reply, "(tussasuutua{sv})")) > 0)
                n++;
        assert_int_equal(r, 0);
        /* An entry with several providers is listed under each. */
        assert_true(n >= N_SNAPSHOT_ENTRIES);

        assert_bus_error(call("GetPlane", &error, NULL, "s", "NoSuchPlane"), &error, IOREG_ERROR_NO_SUCH_PLANE);
        sd_bus_error_free(&error);
        memset(long_name, 'P', sizeof(long_name) - 1);
        long_name[sizeof(long_name) - 1] = '\0';
        assert_bus_error(call("GetPlane", &error, NULL, "s", long_name), &error, IOREG_ERROR_LIMITS_EXCEEDED);
        assert_alive();
}

/* One GetPlanePage record, entered, as libioreg's plane.c makes it (the same keys in the same order). */
static json_t *page_record(sd_bus_message *reply) {
        json_t *e = json_object(), *classes = json_array(), *props = NULL;
        const char *name, *location, *klass;
        uint32_t depth, state, busy, retain;
        uint64_t id, busy_time;

        assert_int_equal(sd_bus_message_read(reply, "tuss", &id, &depth, &name, &location), 1);
        assert_int_equal(sd_bus_message_enter_container(reply, 'a', "s"), 1);
        while (sd_bus_message_read_basic(reply, 's', &klass) > 0)
                json_array_append_new(classes, json_string(klass));
        assert_int_equal(sd_bus_message_exit_container(reply), 1);
        assert_int_equal(sd_bus_message_read(reply, "uutu", &state, &busy, &busy_time, &retain), 1);
        assert_int_equal(wire_json_read_dict(reply, &props), 0);
        json_object_set_new(e, "id", json_form_unsigned(id));
        json_object_set_new(e, "depth", json_integer(depth));
        json_object_set_new(e, "name", json_string(name));
        if (location[0])
                json_object_set_new(e, "location", json_string(location));
        json_object_set_new(e, "classes", classes);
        json_object_set_new(e, "state", json_integer(state));
        json_object_set_new(e, "busy", json_integer(busy));
        json_object_set_new(e, "busy_time_ns", json_form_unsigned(busy_time));
        json_object_set_new(e, "retain", json_integer(retain));
        json_object_set_new(e, "properties", props);
        return e;
}

/* A whole plane in pages of max_bytes, through GetPlanePage or GetPlaneBlob; the number of pages. */
static unsigned read_plane_pages(const char *plane, bool blob, uint32_t max_bytes, json_t *a) {
        uint64_t cursor = 0;
        unsigned pages = 0;

        do {
                _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
                _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
                uint64_t generation;

                assert_bus_ok(call(blob ? "GetPlaneBlob" : "GetPlanePage", &error, &reply, "stu", plane, cursor,
                                   max_bytes), &error);
                assert_int_equal(sd_bus_message_read(reply, "t", &generation), 1);
                if (blob) {
                        const void *p;
                        size_t n;

                        assert_true(sd_bus_message_read_array(reply, 'y', &p, &n) > 0);
                        assert_true(max_bytes == 0 || n <= max_bytes || pages == 0);
                        assert_int_equal(wire_blob_read_records(p, n, a), 0);
                } else {
                        assert_int_equal(sd_bus_message_enter_container(reply, 'a', "(tussasuutua{sv})"), 1);
                        while (sd_bus_message_enter_container(reply, 'r', "tussasuutua{sv}") > 0) {
                                json_array_append_new(a, page_record(reply));
                                assert_int_equal(sd_bus_message_exit_container(reply), 1);
                        }
                        assert_int_equal(sd_bus_message_exit_container(reply), 1);
                }
                assert_int_equal(sd_bus_message_read(reply, "t", &cursor), 1);
                pages++;
        } while (cursor != 0);
        return pages;
}

/* Record k of a and b as JSON text, key order included; with omitted, b's table may be the omission marker. */
static void assert_records(const char *plane, json_t *a, json_t *b, bool omitted) {
        assert_int_equal(json_array_size(b), json_array_size(a));
        for (size_t k = 0; k < json_array_size(a); k++) {
                json_t *x = json_array_get(a, k), *y = json_array_get(b, k);
                _cleanup_free_ char *xs = NULL, *ys = NULL;

                if (omitted && json_object_get(json_object_get(y, "properties"), IOREG_PROPERTIES_OMITTED_KEY)) {
                        assert_int_equal(json_object_size(json_object_get(y, "properties")), 1);
                        json_object_set(y, "properties", json_object_get(x, "properties"));
                }
                xs = json_dumps(x, JSON_COMPACT);
                ys = json_dumps(y, JSON_COMPACT);
                if (!xs || !ys || !streq(xs, ys))
                        fail_msg("%s record %zu differs:\n%s\n%s", plane, k, xs, ys);
        }
}

/*
 * GetPlaneBlob's records are GetPlanePage's, record by record, key by key, in order (issue 21).
 * In small pages either may send a record whose table alone is larger than the page without
 * it (GetPlanePage by D-Bus's upper bound, GetPlaneBlob by its bytes); nothing else differs.
 */
static void test_plane_blob(void **state) {
        static const char *const planes[] = { "IOService", "IODeviceTree", "IOPower" };

        for (size_t i = 0; i < ELEMENTSOF(planes); i++) {
                json_auto_t *typed = json_array(), *bytes = json_array(), *typed_small = json_array(),
                            *bytes_small = json_array();
                unsigned typed_pages, blob_pages;

                (void) read_plane_pages(planes[i], false, 0, typed);
                (void) read_plane_pages(planes[i], true, 0, bytes);
                assert_records(planes[i], typed, bytes, false);
                typed_pages = read_plane_pages(planes[i], false, 65536, typed_small);
                blob_pages = read_plane_pages(planes[i], true, 65536, bytes_small);
                assert_records(planes[i], typed, typed_small, true);
                assert_records(planes[i], bytes, bytes_small, true);
                if (streq(planes[i], "IOService")) {
                        /* The Mac's IOService plane is several pages of 64 KiB either way. */
                        assert_true(json_array_size(typed) >= N_SNAPSHOT_ENTRIES);
                        assert_true(typed_pages > 2);
                        assert_true(blob_pages > 2);
                }
        }
}

static void test_plane_blob_errors(void **state) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;

        assert_bus_error(call("GetPlaneBlob", &error, NULL, "stu", "NoSuchPlane", UINT64_C(0), (uint32_t) 0), &error,
                         IOREG_ERROR_NO_SUCH_PLANE);
        sd_bus_error_free(&error);
        /* A cursor the daemon did not give: start again. */
        assert_bus_error(call("GetPlaneBlob", &error, NULL, "stu", "IOService", UINT64_C(0x123456789),
                              (uint32_t) 0), &error, IOREG_ERROR_CHANGED);
        assert_alive();
}

static void test_wait_quiet(void **state) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;

        assert_bus_ok(call("WaitQuiet", &error, NULL, "t", UINT64_C(0)), &error);
        assert_bus_ok(call("WaitQuiet", &error, NULL, "t", UINT64_MAX), &error);
}

static void test_managed_objects(void **state) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        const char *path;
        unsigned n = 0;
        bool serial = false;

        assert_bus_ok(sd_bus_call_method(bus, IOREG_BUS_NAME, IOREG_OBJECT_PATH, "org.freedesktop.DBus.ObjectManager",
                                         "GetManagedObjects", &error, &reply, NULL), &error);
        assert_int_equal(sd_bus_message_enter_container(reply, 'a', "{oa{sa{sv}}}"), 1);
        while (sd_bus_message_enter_container(reply, 'e', "oa{sa{sv}}") > 0) {
                uint64_t id;

                assert_int_equal(sd_bus_message_read(reply, "o", &path), 1);
                assert_int_equal(bus_entry_id_from_path(path, &id), 0);
                serial |= id == SERIAL_ID;
                assert_int_equal(sd_bus_message_skip(reply, "a{sa{sv}}"), 1);
                assert_int_equal(sd_bus_message_exit_container(reply), 1);
                n++;
        }
        assert_int_equal(n, N_SNAPSHOT_ENTRIES);
        assert_true(serial);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_registry_properties),
                cmocka_unit_test(test_get_root_entry),
                cmocka_unit_test(test_entry_from_path),
                cmocka_unit_test(test_matching_services),
                cmocka_unit_test(test_matching_limits),
                cmocka_unit_test(test_class_hierarchy),
                cmocka_unit_test(test_get_plane),
                cmocka_unit_test(test_plane_blob),
                cmocka_unit_test(test_plane_blob_errors),
                cmocka_unit_test(test_wait_quiet),
                cmocka_unit_test(test_managed_objects),
        };

        return cmocka_run_group_tests_name("bus-api", tests, setup, teardown);
}
