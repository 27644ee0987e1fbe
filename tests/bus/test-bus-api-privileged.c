/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-bus-api-privileged.c: the privileged calls of org.ioreg.Registry1 and
 * org.ioreg.Entry1 (set properties, reload the catalogue, terminate),
 * refused to another user.
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
                cmocka_unit_test(test_set_properties),
                cmocka_unit_test(test_not_root),
                cmocka_unit_test(test_reload_catalogue),
                /* Last: it changes the registry the others read. */
                cmocka_unit_test(test_terminate_entry),
        };

        return cmocka_run_group_tests_name("bus-api-privileged", tests, setup, teardown);
}
