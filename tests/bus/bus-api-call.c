/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bus-api-call.c: what the D-Bus API tests (test-bus-api*.c) share: ioregd
 * serving a real Mac's registry on a private dbus-daemon (cmocka group
 * setup and teardown), calls on Registry1 and Entry1, and reading their
 * replies.
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

TestBus test_bus;
TestDaemon daemon_;
sd_bus *bus; /* owned: the test's client, as root */

int setup(void **state) {
        static const char *const args[] = { "--snapshot=" SNAPSHOT, NULL };

        if (test_bus_start(&test_bus) < 0 || test_daemon_start(&daemon_, &test_bus, args) < 0 ||
            test_bus_connect(&test_bus, &bus) < 0) {
                fprintf(stderr, "cannot start the bus or the daemon\n");
                return -1;
        }
        return 0;
}

int teardown(void **state) {
        bus = sd_bus_flush_close_unref(bus);
        /* Both stopped, and both must have exited cleanly. */
        return test_daemon_stop_with_bus(&daemon_, &test_bus) < 0 ? -1 : 0;
}

/* A method call on Registry1; *reply may be NULL. */
int call(const char *member, sd_bus_error *error, sd_bus_message **reply, const char *types, ...) {
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

int call_entry(uint64_t id, const char *member, sd_bus_error *error, sd_bus_message **reply,
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
uint64_t *read_ids(sd_bus_message *reply, size_t *ret_n) {
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

bool ids_contain(const uint64_t *ids, size_t n, uint64_t id) {
        for (size_t i = 0; i < n; i++)
                if (ids[i] == id)
                        return true;
        return false;
}

uint32_t get_entries(void) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        uint32_t n = 0;

        assert_int_equal(sd_bus_get_property_trivial(bus, IOREG_BUS_NAME, IOREG_OBJECT_PATH, IOREG_INTERFACE,
                                                     "Entries", &error, 'u', &n), 0);
        return n;
}

/* The daemon still answers (after the bad calls of a test). */
void assert_alive(void) {
        assert_true(get_entries() > 0);
}

/* GetMatchingServices with one key → string value. */
uint64_t *match_string(const char *key, const char *value, size_t *ret_n) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        int r;

        r = call("GetMatchingServices", &error, &reply, "a{sv}", 1, key, "s", value);
        assert_bus_ok(r, &error);
        return read_ids(reply, ret_n);
}
