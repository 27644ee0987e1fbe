/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-monitor-umockdev.c: `ioreg --monitor` on live devices (issue 20,
 * point 3). The real ioregd serves a umockdev testbed of a real recording
 * (a USB keyboard behind hubs) on a private bus; the real `ioreg --monitor`
 * runs as a child with its output in a file; this process plugs a USB mouse
 * in and out on the testbed.
 * - -j: PUBLISH, MATCHED and TERMINATED of the mouse, each with a time
 *   stamp, vendor:product and the device node; sequence numbers 1, 2, 3...
 *   across the whole stream; the entry's own events in their order;
 * - -c IOUSBHostInterface selects in the daemon: no device events, no busy;
 * - -k idProduct -l: only entries with the key, with their properties;
 * - the text form: a time, the type, the ID, the IDs and the node on a line.
 */

#include <fcntl.h>
#include <jansson.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <umockdev.h>

#include "macro.h"
#include "process.h"
#include "registry-query.h"
#include "test-bus.h"
#include "testbed-service.h"

#define KBD_HUB1 "/sys/devices/pci0000:00/0000:00:1a.0/usb1/1-1"
#define MOUSE KBD_HUB1 "/1-1.7"

typedef struct Monitor {
        pid_t pid;
        char path[64];
} Monitor;

static int setup(void **state) {
        TestbedService *t = NULL;
        int r = testbed_service_start("umockdev-input-usbkbd.umockdev", NULL, &t);

        *state = t;
        return r;
}

static int teardown(void **state) {
        return testbed_service_stop(*state);
}

/* ioreg --monitor ARGS... with its stdout in a file; returns once it has subscribed. */
static void monitor_start(TestbedService *t, Monitor *m, const char *const *args) {
        unsigned before, now;
        int fd;

        assert_int_equal(read_subscriptions(t->bus, &before), 0);
        strcpy(m->path, "/tmp/ioreg-monitor-XXXXXX");
        fd = mkstemp(m->path);
        assert_true(fd >= 0);
        m->pid = fork();
        assert_true(m->pid >= 0);
        if (m->pid == 0) {
                const char *argv[16] = { BUILD_ROOT "/cli/ioreg" };
                size_t n = 1;

                for (; args && *args && n < ELEMENTSOF(argv) - 1; args++)
                        argv[n++] = *args;
                dup2(fd, STDOUT_FILENO);
                setenv("IOREG_BUS_ADDRESS", t->test_bus.address, 1);
                unsetenv("LD_PRELOAD");
                execv(argv[0], (char **) argv);
                _exit(127);
        }
        close(fd);
        /* Three matching notifications, and the busy interest on Root. */
        for (unsigned i = 0; i < 500; i++) {
                assert_int_equal(read_subscriptions(t->bus, &now), 0);
                if (now >= before + 3 && i > 10)
                        return;
                usleep(10 * 1000);
        }
        fail_msg("ioreg --monitor did not subscribe");
}

/* Stops it (SIGINT, as Ctrl-C) and returns its output (the caller's). */
static char *monitor_stop(Monitor *m) {
        char *text = NULL;
        size_t size = 0;
        FILE *f;
        int status;

        kill(m->pid, SIGINT);
        assert_int_equal(waitpid(m->pid, &status, 0), m->pid);
        f = fopen(m->path, "re");
        assert_non_null(f);
        assert_true(getdelim(&text, &size, '\0', f) >= 0 || feof(f));
        fclose(f);
        unlink(m->path);
        return text ? text : strdup("");
}

static unsigned count_usb_devices(TestbedService *t) {
        _cleanup_free_ uint64_t *ids = NULL;
        unsigned n;

        assert_int_equal(plane_ids(t->bus, "IOUSBHostDevice", ENTRY_STATE_REGISTERED, &ids, &n), 0);
        return n;
}

static void plug_mouse(TestbedService *t) {
        unsigned n, before = count_usb_devices(t);

        assert_non_null(umockdev_testbed_add_device(t->testbed, "usb", "1-1.7", KBD_HUB1, "idVendor", "046d",
                                                    "idProduct", "c077", "bcdDevice", "7200", "product",
                                                    "USB Optical Mouse", "manufacturer", "Logitech", "busnum", "1",
                                                    "devnum", "27", "speed", "1.5", NULL, "DEVTYPE", "usb_device",
                                                    "DEVNAME", "bus/usb/001/027", NULL));
        for (unsigned i = 0; i < 500; i++) {
                _cleanup_free_ uint64_t *ids = NULL;

                assert_int_equal(plane_ids(t->bus, "IOUSBHostDevice", ENTRY_STATE_REGISTERED, &ids, &n), 0);
                if (n == before + 1 && wait_quiet(t->bus, 5 * 1000 * 1000) >= 0)
                        return;
                usleep(10 * 1000);
        }
        fail_msg("the mouse never arrived");
}

static void unplug_mouse(TestbedService *t) {
        unsigned n, before = count_usb_devices(t);

        umockdev_testbed_uevent(t->testbed, MOUSE, "remove");
        umockdev_testbed_remove_device(t->testbed, MOUSE);
        for (unsigned i = 0; i < 500; i++) {
                _cleanup_free_ uint64_t *ids = NULL;

                assert_int_equal(plane_ids(t->bus, "IOUSBHostDevice", ENTRY_STATE_REGISTERED, &ids, &n), 0);
                if (n == before - 1 && wait_quiet(t->bus, 5 * 1000 * 1000) >= 0)
                        break;
                usleep(10 * 1000);
        }
        usleep(300 * 1000); /* the monitor's last lines */
}

static void test_json_stream(void **state) {
        TestbedService *t = *state;
        Monitor m;
        _cleanup_free_ char *out = NULL;
        const char *args[] = { "--monitor", "-j", NULL };
        json_int_t last_seq = 0;
        unsigned mouse_events = 0, busy = 0;
        const char *order[3] = {}; /* static strings */
        char *line, *save = NULL;

        monitor_start(t, &m, args);
        plug_mouse(t);
        unplug_mouse(t);
        out = monitor_stop(&m);
        print_message("%s", out);
        for (line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                json_error_t error;
                json_auto_t *e = json_loads(line, 0, &error);
                const char *event, *time;

                assert_non_null(e);
                event = json_string_value(json_object_get(e, "event"));
                time = json_string_value(json_object_get(e, "time"));
                assert_non_null(event);
                /* One stream: 1, 2, 3, ... whatever the subscription. */
                assert_int_equal(json_integer_value(json_object_get(e, "seq")), last_seq + 1);
                last_seq++;
                assert_true(time && strlen(time) == 27 && time[10] == 'T' && time[26] == 'Z');
                if (streq(event, "IOBusyInterest")) {
                        busy++;
                        continue;
                }
                if (!streq(json_string_value(json_object_get(e, "class")), "IOUSBHostDevice") ||
                    !json_object_get(e, "devnode") ||
                    !streq(json_string_value(json_object_get(e, "devnode")), "/dev/bus/usb/001/027"))
                        continue;
                assert_string_equal(json_string_value(json_object_get(e, "ids")), "046d:c077");
                assert_true(mouse_events < 3);
                order[mouse_events++] = streq(event, "IOServicePublish")   ? "IOServicePublish"
                                        : streq(event, "IOServiceMatched") ? "IOServiceMatched"
                                        : streq(event, "IOServiceTerminate") ? "IOServiceTerminate"
                                                                             : "?";
        }
        print_message("%lld events, %u busy/quiet\n", (long long) last_seq, busy);
        assert_int_equal(mouse_events, 3);
        assert_string_equal(order[0], "IOServicePublish");
        assert_string_equal(order[1], "IOServiceMatched");
        assert_string_equal(order[2], "IOServiceTerminate");
        assert_true(busy >= 2);
}

static void test_class_filter(void **state) {
        TestbedService *t = *state;
        Monitor m;
        _cleanup_free_ char *out = NULL;
        const char *args[] = { "--monitor", "-j", "-c", "IOUSBHostInterface", NULL };

        monitor_start(t, &m, args);
        plug_mouse(t);
        unplug_mouse(t);
        out = monitor_stop(&m);
        print_message("%s", out);
        /* The mouse has no interfaces in this recording's shape: nothing of class IOUSBHostDevice, no busy. */
        assert_null(strstr(out, "\"IOUSBHostDevice\""));
        assert_null(strstr(out, "IOBusyInterest"));
}

static void test_key_filter_with_properties(void **state) {
        TestbedService *t = *state;
        Monitor m;
        _cleanup_free_ char *out = NULL;
        const char *args[] = { "--monitor", "-j", "-l", "-k", "idProduct", NULL };
        char *line, *save = NULL;
        unsigned n = 0;

        monitor_start(t, &m, args);
        plug_mouse(t);
        unplug_mouse(t);
        out = monitor_stop(&m);
        print_message("%s", out);
        for (line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                json_auto_t *e = json_loads(line, 0, NULL);
                json_t *props = json_object_get(e, "properties"); /* borrowed */

                assert_non_null(props);
                assert_non_null(json_object_get(props, "idProduct"));
                n++;
        }
        assert_int_equal(n, 3);
}

static void test_text_lines(void **state) {
        TestbedService *t = *state;
        Monitor m;
        _cleanup_free_ char *out = NULL;
        const char *args[] = { "--monitor", "-c", "IOUSBHostDevice", NULL };
        unsigned n = 0;
        char *line, *save = NULL;

        monitor_start(t, &m, args);
        plug_mouse(t);
        unplug_mouse(t);
        out = monitor_stop(&m);
        print_message("%s", out);
        for (line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                char when[32], type[16], id[24];

                /* HH:MM:SS.mmm TYPE ID CLASS NAME  vendor:product  /dev/... */
                assert_int_equal(sscanf(line, "%31s %15s %23s", when, type, id), 3);
                assert_true(strlen(when) == 12 && when[2] == ':' && when[8] == '.');
                assert_true(strncmp(id, "0x", 2) == 0);
                assert_non_null(strstr(line, "  046d:c077  /dev/bus/usb/001/027"));
                n++;
        }
        assert_int_equal(n, 3);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_json_stream, setup, teardown),
                cmocka_unit_test_setup_teardown(test_class_filter, setup, teardown),
                cmocka_unit_test_setup_teardown(test_key_filter_with_properties, setup, teardown),
                cmocka_unit_test_setup_teardown(test_text_lines, setup, teardown),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
