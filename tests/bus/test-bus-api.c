/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-bus-api.c: every call of org.ioreg.Registry1 and org.ioreg.Entry1,
 * through sd-bus, against ioregd on a private dbus-daemon serving a real
 * Mac's registry (--snapshot of tests/data/ioreg/hackintosh-Macmini8,1:
 * 1,180 entries with the Mac's IDs, classes, state and properties). Each
 * call succeeds where it should and is refused with its org.ioreg.Error.*
 * name where it should; the privileged calls are refused to another user.
 * The daemon must still answer after every bad call (checked at the end of
 * each test).
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

#define SNAPSHOT TEST_DATA "/ioreg/hackintosh-Macmini8,1-ioreg-l.txt"
#define N_SNAPSHOT_ENTRIES 1180u
#define SERIAL_ID UINT64_C(0x103c762ab) /* USB2.0-Serial@14100000, an IOUSBHostDevice */
#define NOBODY 65534

static TestBus test_bus;
static TestDaemon daemon_;
static sd_bus *bus; /* owned: the test's client, as root */

static int setup(void **state) {
        static const char *const args[] = { "--snapshot=" SNAPSHOT, NULL };

        if (test_bus_start(&test_bus) < 0 || test_daemon_start(&daemon_, &test_bus, args) < 0 ||
            test_bus_connect(&test_bus, &bus) < 0) {
                fprintf(stderr, "cannot start the bus or the daemon\n");
                return -1;
        }
        return 0;
}

static int teardown(void **state) {
        bus = sd_bus_flush_close_unref(bus);
        /* Both stopped, and both must have exited cleanly. */
        return test_daemon_stop_with_bus(&daemon_, &test_bus) < 0 ? -1 : 0;
}

/* A method call on Registry1; *reply may be NULL. */
static int call(const char *member, sd_bus_error *error, sd_bus_message **reply, const char *types, ...) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        va_list ap;
        int r;

        r = sd_bus_message_new_method_call(bus, &m, IOREG_BUS_NAME, IOREG_OBJECT_PATH, IOREG_INTERFACE, member);
        if (r < 0)
                return r;
        if (types) {
                va_start(ap, types);
                r = sd_bus_message_appendv(m, types, ap);
                va_end(ap);
                if (r < 0)
                        return r;
        }
        return sd_bus_call(bus, m, 0, error, reply);
}

static int call_entry(uint64_t id, const char *member, sd_bus_error *error, sd_bus_message **reply,
                      const char *types, ...) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        char path[BUS_ENTRY_PATH_MAX];
        va_list ap;
        int r;

        r = sd_bus_message_new_method_call(bus, &m, IOREG_BUS_NAME, bus_entry_path(id, path), IOREG_ENTRY_INTERFACE,
                                           member);
        if (r < 0)
                return r;
        if (types) {
                va_start(ap, types);
                r = sd_bus_message_appendv(m, types, ap);
                va_end(ap);
                if (r < 0)
                        return r;
        }
        return sd_bus_call(bus, m, 0, error, reply);
}

/* Reads an `at` reply into a new array. */
static uint64_t *read_ids(sd_bus_message *reply, size_t *ret_n) {
        const void *p;
        size_t size;
        uint64_t *ids;

        assert_int_equal(sd_bus_message_read_array(reply, 't', &p, &size), 1);
        *ret_n = size / sizeof(uint64_t);
        ids = malloc(size + 1);
        assert_non_null(ids);
        memcpy(ids, p, size);
        return ids;
}

static bool ids_contain(const uint64_t *ids, size_t n, uint64_t id) {
        for (size_t i = 0; i < n; i++)
                if (ids[i] == id)
                        return true;
        return false;
}

static uint32_t get_entries(void) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        uint32_t n = 0;

        assert_int_equal(sd_bus_get_property_trivial(bus, IOREG_BUS_NAME, IOREG_OBJECT_PATH, IOREG_INTERFACE,
                                                     "Entries", &error, 'u', &n), 0);
        return n;
}

/* The daemon still answers (after the bad calls of a test). */
static void assert_alive(void) {
        assert_true(get_entries() > 0);
}

/* GetMatchingServices with one key → string value. */
static uint64_t *match_string(const char *key, const char *value, size_t *ret_n) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        int r;

        r = call("GetMatchingServices", &error, &reply, "a{sv}", 1, key, "s", value);
        assert_bus_ok(r, &error);
        return read_ids(reply, ret_n);
}

/* --- Registry1 --- */

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

/* --- Entry1 --- */

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
        assert_true(seen_id && seen_chain && seen_props && seen_name);

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

/* --- privileged calls --- */

static void test_set_properties(void **state) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;

        /* A snapshot's entries are a Mac's, not drivers the matcher started: none accepts. */
        assert_bus_error(call("SetProperties", &error, NULL, "ta{sv}", SERIAL_ID, 1, "Test", "s", "x"), &error,
                         IOREG_ERROR_NOT_SUPPORTED);
        sd_bus_error_free(&error);
        assert_bus_error(call("SetProperties", &error, NULL, "ta{sv}", UINT64_C(0xdeadbeef), 1, "Test", "s", "x"),
                         &error, IOREG_ERROR_NO_SUCH_ENTRY);
        sd_bus_error_free(&error);
        assert_bus_error(call("SetProperties", &error, NULL, "ta{sv}", SERIAL_ID, 1, "Test", "d", 0.5), &error,
                         IOREG_ERROR_INVALID_ARGUMENT);
        sd_bus_error_free(&error);
        assert_bus_error(call("SetProperties", &error, NULL, "a{sv}", 1, "Test", "s", "x"), &error,
                         SD_BUS_ERROR_INVALID_ARGS);
        assert_alive();
}

static void test_reload_catalogue(void **state) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        uint32_t n = UINT32_MAX;

        /* The snapshot's daemon reads the default directories: whatever they hold, the call answers. */
        assert_bus_ok(call("ReloadCatalogue", &error, &reply, NULL), &error);
        assert_int_equal(sd_bus_message_read(reply, "u", &n), 1);
        assert_true(n < UINT32_MAX);
        assert_bus_error(call("ReloadCatalogue", &error, NULL, "s", "x"), &error, SD_BUS_ERROR_INVALID_ARGS);
        assert_int_equal(get_entries(), N_SNAPSHOT_ENTRIES); /* a Mac's entries are not matched again */
}

static void test_terminate_entry(void **state) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_free_ uint64_t *usb = NULL;
        uint32_t before, removed = 0;
        size_t n_usb;

        assert_bus_error(call("TerminateEntry", &error, NULL, "t", REGISTRY_ROOT_ID), &error,
                         IOREG_ERROR_NOT_PERMITTED);
        sd_bus_error_free(&error);
        assert_bus_error(call("TerminateEntry", &error, NULL, "t", UINT64_C(0xdeadbeef)), &error,
                         IOREG_ERROR_NO_SUCH_ENTRY);
        sd_bus_error_free(&error);

        before = get_entries();
        assert_bus_ok(call("TerminateEntry", &error, &reply, "t", SERIAL_ID), &error);
        assert_int_equal(sd_bus_message_read(reply, "u", &removed), 1);
        assert_true(removed >= 2); /* the device and what hangs below it */
        assert_int_equal(get_entries(), before - removed);
        /* Gone: its object, its ID, and from the matching services. */
        assert_bus_error(call_entry(SERIAL_ID, "GetName", &error, NULL, "s", ""), &error,
                         SD_BUS_ERROR_UNKNOWN_OBJECT);
        sd_bus_error_free(&error);
        assert_bus_error(call("TerminateEntry", &error, NULL, "t", SERIAL_ID), &error, IOREG_ERROR_NO_SUCH_ENTRY);
        usb = match_string("IOProviderClass", "IOUSBHostDevice", &n_usb);
        assert_false(ids_contain(usb, n_usb, SERIAL_ID));
        assert_alive();
}

/*
 * As another user: queries answer, privileged calls are refused with
 * AccessDenied whatever their arguments. In a child that drops to nobody;
 * exit status 0 when every answer was as expected.
 */
static void test_not_root(void **state) {
        int status;
        pid_t pid;

        if (getuid() != 0)
                skip(); /* the test itself is the other user: the root paths above would have failed */
        pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
                sd_bus *b = NULL;
                int r;

                if (setresgid(NOBODY, NOBODY, NOBODY) < 0 || setresuid(NOBODY, NOBODY, NOBODY) < 0)
                        _exit(10);
                if (test_bus_connect(&test_bus, &b) < 0)
                        _exit(11);
                r = sd_bus_call_method(b, IOREG_BUS_NAME, IOREG_OBJECT_PATH, IOREG_INTERFACE, "GetRootEntry", &error,
                                       NULL, NULL);
                if (!bus_error_is(r, &error, NULL))
                        _exit(12);
                r = sd_bus_call_method(b, IOREG_BUS_NAME, IOREG_OBJECT_PATH, IOREG_INTERFACE, "GetPlane", &error, NULL,
                                       "s", "IOService");
                if (!bus_error_is(r, &error, NULL))
                        _exit(13);
                r = sd_bus_call_method(b, IOREG_BUS_NAME, IOREG_OBJECT_PATH, IOREG_INTERFACE, "TerminateEntry", &error,
                                       NULL, "t", REGISTRY_ROOT_ID);
                if (!bus_error_is(r, &error, IOREG_ERROR_ACCESS_DENIED))
                        _exit(14);
                sd_bus_error_free(&error);
                r = sd_bus_call_method(b, IOREG_BUS_NAME, IOREG_OBJECT_PATH, IOREG_INTERFACE, "SetProperties", &error,
                                       NULL, "ta{sv}", UINT64_C(0xdeadbeef), 0);
                if (!bus_error_is(r, &error, IOREG_ERROR_ACCESS_DENIED))
                        _exit(15);
                sd_bus_error_free(&error);
                r = sd_bus_call_method(b, IOREG_BUS_NAME, IOREG_OBJECT_PATH, IOREG_INTERFACE, "ReloadCatalogue",
                                       &error, NULL, NULL);
                if (!bus_error_is(r, &error, IOREG_ERROR_ACCESS_DENIED))
                        _exit(16);
                sd_bus_flush_close_unref(b);
                _exit(0);
        }
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 0);
        assert_alive();
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
                cmocka_unit_test(test_wait_quiet),
                cmocka_unit_test(test_managed_objects),
                cmocka_unit_test(test_entry_properties),
                cmocka_unit_test(test_entry_names),
                cmocka_unit_test(test_entry_family),
                cmocka_unit_test(test_entry_conforms),
                cmocka_unit_test(test_entry_search_property),
                cmocka_unit_test(test_set_properties),
                cmocka_unit_test(test_not_root),
                cmocka_unit_test(test_reload_catalogue),
                /* Last: it changes the registry the others read. */
                cmocka_unit_test(test_terminate_entry),
        };

        return cmocka_run_group_tests_name("bus-api", tests, setup, teardown);
}
