/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-robust-restricted.c: properties Linux keeps root-only (issue 23, M).
 * The real ioregd on a private dbus-daemon reads the machine's identity from
 * tests/data/sysfs-dmi (its product_serial and product_uuid): root sees
 * IOPlatformSerialNumber and IOPlatformUUID on the platform expert, in
 * GetPlane, GetPlaneBlob and its Properties; a caller running as nobody sees
 * the rest of the entry without them, in all three and in a Notification on
 * its notification port (written by hand there); unless polkit allows it
 * org.ioreg.read-platform-identity (asked once per connection, its bus name
 * the subject, no interaction). polkit is the stand-in of tests/system
 * (bus-helper polkit: owns org.freedesktop.PolicyKit1 on the private bus and
 * answers CheckAuthorization yes for the actions it was given, checking the
 * subject's bus name): the real polkitd reads its actions from
 * /usr/share/polkit-1 and its rules from /etc, which a test cannot set up
 * without changing the machine. Needs root (to be nobody): skipped
 * otherwise.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bus-value.h"
#include "entry-query.h"
#include "macro.h"
#include "notify-client.h"
#include "protocol.h"
#include "registry-query.h"
#include "test-bus.h"
#include "test-daemon.h"
#include "wire-blob.h"

#define NOBODY 65534

static TestBus test_bus;
static TestDaemon daemon_;

static int setup(void **state) {
        const char *args[] = { "--sysfs-root=" TEST_DATA "/sysfs-dmi", NULL };

        if (test_bus_start(&test_bus) < 0)
                return -1;
        return test_daemon_start(&daemon_, &test_bus, args) < 0 ? -1 : 0;
}

static int teardown(void **state) {
        return test_daemon_stop_with_bus(&daemon_, &test_bus) < 0 ? -1 : 0;
}

/*
 * What GetPlaneBlob shows b of the entry id (issue 21; libioreg and ioreg read it): bit 5
 * serial, bit 6 UUID; *models incremented when its model shows. Negative errno on failure.
 */
static int visible_in_blob(sd_bus *b, uint64_t id, int *models) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        json_auto_t *records = json_array();
        const void *bytes;
        uint64_t generation;
        size_t i, n;
        json_t *record;
        int seen = 0, r;

        if (!records)
                return -ENOMEM;
        /* One page of any size: the whole plane, the next cursor 0. */
        r = sd_bus_call_method(b, IOREG_BUS_NAME, IOREG_OBJECT_PATH, IOREG_INTERFACE, "GetPlaneBlob", &error, &reply,
                               "stu", "IOService", UINT64_C(0), (uint32_t) 0);
        if (r < 0)
                return r;
        r = sd_bus_message_read(reply, "t", &generation);
        if (r < 0)
                return r;
        r = sd_bus_message_read_array(reply, 'y', &bytes, &n);
        if (r < 0)
                return r;
        r = wire_blob_read_records(bytes, n, records);
        if (r < 0)
                return r;
        json_array_foreach(records, i, record) {
                json_t *props = json_object_get(record, "properties");

                if (json_integer_value(json_object_get(record, "id")) != (json_int_t) id)
                        continue;
                seen |= json_object_get(props, "IOPlatformSerialNumber") ? 32 : 0;
                seen |= json_object_get(props, "IOPlatformUUID") ? 64 : 0;
                *models += json_object_get(props, "model") != NULL;
        }
        return seen;
}

typedef struct PortSeen {
        bool got;
        int seen; /* bit 7: a root-only key was in the notification */
        int models;
} PortSeen;

static int on_notification(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        _cleanup_value_ Value *props = NULL;
        PortSeen *ps = userdata;

        if (ps->got || !sd_bus_message_is_signal(m, IOREG_NOTIFY_INTERFACE, "Notification"))
                return 0;
        if (sd_bus_message_skip(m, "ttstss") < 0 || bus_message_read_dict(m, &props) < 0)
                return 0;
        ps->got = true;
        ps->seen = value_dict_get(props, "IOPlatformSerialNumber") || value_dict_get(props, "IOPlatformUUID") ? 128 : 0;
        ps->models += value_dict_get(props, "model") != NULL;
        return 0;
}

/*
 * What the platform expert's Notification shows on b's notification port (issue 21: written by
 * hand there, bus-notify-wire.h): bit 7 when a root-only key is in it; *models incremented when its
 * model is. Negative errno on failure.
 */
static int visible_in_notification(sd_bus *b, int *models) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *port = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        PortSeen ps = {};
        int r;

        r = notify_port_open(b, &error, &port);
        if (r >= 0)
                r = sd_bus_add_filter(port, NULL, on_notification, &ps);
        if (r >= 0)
                r = sd_bus_call_method(port, IOREG_BUS_NAME, IOREG_OBJECT_PATH, IOREG_NOTIFY_INTERFACE, "Subscribe",
                                       &error, NULL, "sa{sv}", "IOServicePublish", 1, "IOProviderClass", "s",
                                       "IOPlatformExpertDevice");
        for (int i = 0; r >= 0 && !ps.got && i < 500; i++) {
                r = sd_bus_process(port, NULL);
                if (r == 0)
                        r = sd_bus_wait(port, 10 * 1000);
        }
        if (r < 0)
                return r;
        if (!ps.got)
                return -ETIMEDOUT;
        *models += ps.models;
        return ps.seen;
}

/*
 * What b sees of the platform expert: 1 per key found, in its Properties (bit 0 serial, bit 1
 * UUID), in GetPlane (bit 2 serial, bit 3 UUID), in GetPlaneBlob (bits 5 and 6) and in the
 * Notification on its port (bit 7, either key); bit 4 when its model (not restricted) shows in all
 * four. Negative errno on failure.
 */
static int visible(sd_bus *b) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_value_ Value *props = NULL;
        _cleanup_free_ uint64_t *ids = NULL;
        unsigned n = 0;
        int seen = 0, models = 0, r;

        r = plane_ids(b, "IOPlatformExpertDevice", 0, &ids, &n);
        if (r < 0)
                return r;
        if (n != 1)
                return -ENOENT;
        r = entry_properties(b, ids[0], &props);
        if (r < 0)
                return r;
        seen |= value_dict_get(props, "IOPlatformSerialNumber") ? 1 : 0;
        seen |= value_dict_get(props, "IOPlatformUUID") ? 2 : 0;
        models += value_dict_get(props, "model") != NULL;
        /* GetPlane: the records are (tussasuutua{sv}); the platform expert's is the one with its ID. */
        r = sd_bus_call_method(b, IOREG_BUS_NAME, IOREG_OBJECT_PATH, IOREG_INTERFACE, "GetPlane", &error, &reply,
                               "s", "IOService");
        if (r < 0)
                return r;
        r = sd_bus_message_enter_container(reply, 'a', "(tussasuutua{sv})");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_enter_container(reply, 'r', "tussasuutua{sv}")) > 0) {
                _cleanup_value_ Value *p = NULL;
                uint64_t id;

                r = sd_bus_message_read(reply, "t", &id);
                if (r < 0)
                        return r;
                r = sd_bus_message_skip(reply, "ussasuutu");
                if (r < 0)
                        return r;
                r = bus_message_read_dict(reply, &p);
                if (r < 0)
                        return r;
                if (id == ids[0]) {
                        seen |= value_dict_get(p, "IOPlatformSerialNumber") ? 4 : 0;
                        seen |= value_dict_get(p, "IOPlatformUUID") ? 8 : 0;
                        models += value_dict_get(p, "model") != NULL;
                }
                r = sd_bus_message_exit_container(reply);
                if (r < 0)
                        return r;
        }
        if (r < 0)
                return r;
        r = visible_in_blob(b, ids[0], &models);
        if (r < 0)
                return r;
        seen |= r;
        r = visible_in_notification(b, &models);
        if (r < 0)
                return r;
        seen |= r;
        return seen | (models == 4 ? 16 : 0);
}

static void test_root_sees_them(void **state) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *b = NULL;

        if (geteuid() != 0)
                skip();
        assert_int_equal(test_bus_connect(&test_bus, &b), 0);
        assert_int_equal(visible(b), 1 | 2 | 4 | 8 | 16 | 32 | 64 | 128);
}

/* What a new connection of nobody's sees (visible()'s bits), or 200 to 202 when it failed. */
static int nobody_sees(void) {
        pid_t pid;
        int status;

        pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                sd_bus *b = NULL;
                int v;

                if (setgroups(0, NULL) < 0 || setresgid(NOBODY, NOBODY, NOBODY) < 0 ||
                    setresuid(NOBODY, NOBODY, NOBODY) < 0)
                        _exit(200);
                if (test_bus_connect(&test_bus, &b) < 0)
                        _exit(201);
                v = visible(b);
                _exit(v < 0 ? 202 : v);
        }
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status));
        return WEXITSTATUS(status);
}

static void test_nobody_does_not(void **state) {
        if (geteuid() != 0)
                skip();
        /* No polkit on the bus: the model, not the serial number or the UUID. */
        assert_int_equal(nobody_sees(), 16);
}

/* The polkit stand-in granting action; its PID, and its output in *ret_out. Waits for its "ready". */
static pid_t start_polkit(const char *action, FILE **ret_out) {
        char line[64] = "";
        int fds[2];
        FILE *f;
        pid_t pid;

        assert_int_equal(pipe(fds), 0);
        pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                dup2(fds[1], STDOUT_FILENO);
                execl(BUILD_ROOT "/tests/system/bus-helper", "bus-helper", "polkit", test_bus.address, action,
                      (char *) NULL);
                _exit(127);
        }
        close(fds[1]);
        f = fdopen(fds[0], "r");
        assert_non_null(f);
        assert_non_null(fgets(line, sizeof(line), f));
        assert_string_equal(line, "ready\n");
        *ret_out = f; /* its further lines: one per question */
        return pid;
}

static void stop_polkit(pid_t pid, FILE *out) {
        (void) kill(pid, SIGTERM);
        (void) waitpid(pid, NULL, 0);
        fclose(out);
}

static void test_nobody_with_polkit_yes(void **state) {
        pid_t polkit;

        if (geteuid() != 0)
                skip();
        FILE *out;
        char line[256] = "";

        polkit = start_polkit(IOREG_ACTION_READ_PLATFORM_IDENTITY, &out);
        /* Granted: both, in both answers, as root sees them. */
        assert_int_equal(nobody_sees(), 1 | 2 | 4 | 8 | 16 | 32 | 64 | 128);
        /* Asked once, about nobody's connection by its bus name, without interaction (flags 0). */
        assert_non_null(fgets(line, sizeof(line), out));
        assert_non_null(strstr(line, "check " IOREG_ACTION_READ_PLATFORM_IDENTITY " system-bus-name :"));
        assert_non_null(strstr(line, " 0 uid=65534"));
        stop_polkit(polkit, out);
}

static void test_nobody_with_polkit_no(void **state) {
        pid_t polkit;

        if (geteuid() != 0)
                skip();
        /* polkit there, granting another action: no. */
        FILE *out;

        polkit = start_polkit(IOREG_ACTION_RELOAD_CATALOGUE, &out);
        assert_int_equal(nobody_sees(), 16);
        stop_polkit(polkit, out);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_root_sees_them),
                cmocka_unit_test(test_nobody_does_not),
                cmocka_unit_test(test_nobody_with_polkit_yes),
                cmocka_unit_test(test_nobody_with_polkit_no),
        };

        return cmocka_run_group_tests_name("root-only properties", tests, setup, teardown);
}
