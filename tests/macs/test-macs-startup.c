/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-macs-startup.c: issue 16, cause 1, on the real daemon. ioregd builds
 * its catalogue before its families define their classes and aliases; a
 * real IOUSBFamily personality written for IOUSBDevice (IOUSBComposite, in
 * tests/data/plists/apple-IOUSBFamily-IOUSBCompositeDriver.plist) must
 * still be a candidate, and win, at start-up on a USB device of class 0 (the
 * keyboard of a real recording, behind three hubs on a umockdev testbed),
 * not only after a SIGHUP.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "macro.h"
#include "registry-query.h"
#include "testbed-service.h"

static char dir[] = "/tmp/ioreg-macs-startup-XXXXXX";
static char link_path[sizeof(dir) + 64];

static int setup(void **state) {
        static char arg[sizeof(dir) + 32];
        const char *args[] = { arg, "--trust=no", NULL };
        TestbedService *t = NULL;
        int r;

        if (!mkdtemp(dir))
                return -1;
        snprintf(link_path, sizeof(link_path), "%s/IOUSBCompositeDriver.plist", dir);
        if (symlink(TEST_DATA "/plists/apple-IOUSBFamily-IOUSBCompositeDriver.plist", link_path) < 0)
                return -1;
        snprintf(arg, sizeof(arg), "--personalities=%s", dir);
        r = testbed_service_start("umockdev-input-usbkbd.umockdev", args, &t);
        *state = t;
        return r;
}

static int teardown(void **state) {
        int r = testbed_service_stop(*state);

        (void) unlink(link_path);
        (void) rmdir(dir);
        return r;
}

static void test_alias_at_startup(void **state) {
        TestbedService *t = *state;
        _cleanup_free_ uint64_t *drivers = NULL, *devices = NULL;
        unsigned n_drivers = 0, n_devices = 0;

        assert_int_equal(wait_quiet(t->bus, 10 * 1000000), 0);
        assert_int_equal(plane_ids(t->bus, "IOUSBHostDevice", 0, &devices, &n_devices), 0);
        assert_true(n_devices >= 4); /* the root hub, three hubs, the keyboard */
        /* Started without a reload: the keyboard (class 0) only, not the hubs (class 9). */
        assert_int_equal(plane_ids(t->bus, "IOUSBCompositeDriver", ENTRY_STATE_REGISTERED, &drivers, &n_drivers), 0);
        assert_int_equal(n_drivers, 1);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_alias_at_startup, setup, teardown),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
