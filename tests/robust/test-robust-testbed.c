/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-robust-testbed.c: bad data at the edges (issue 23), against the real
 * ioregd serving a umockdev testbed built from a real recording (a USB
 * keyboard behind three hubs) on a private dbus-daemon; this process
 * changes the testbed and reads the registry through sd-bus and `ioreg`:
 * - F: a USB product string that is not UTF-8 (Latin-1, as a device's
 *   descriptor may hold it) is shown repaired (U+FFFD for each bad byte),
 *   its bytes as they were are in the Linux dictionary's RawStrings, and
 *   GetPlane and `ioreg -l` work for everyone.
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
#include <umockdev.h>

#include "entry-query.h"
#include "macro.h"
#include "registry-query.h"
#include "testbed-service.h"

#define KBD_DEV "/sys/devices/pci0000:00/0000:00:1a.0/usb1/1-1/1-1.5/1-1.5.4/1-1.5.4.2"

#define LATIN1_PRODUCT "Caf\xe9 Tastatur \xff"
#define REPAIRED_PRODUCT "Caf\xef\xbf\xbd Tastatur \xef\xbf\xbd"

static int setup(void **state) {
        TestbedService *t = NULL;
        int r = testbed_service_start("umockdev-input-usbkbd.umockdev", NULL, &t);

        *state = t; /* also on failure: the teardown stops what started */
        return r;
}

static int teardown(void **state) {
        return testbed_service_stop(*state);
}

/* The ID of the IOUSBHostDevice whose USB Product Name is product, or 0 (GetPlane failing counts as 0). */
static uint64_t find_usb_device(sd_bus *bus, const char *product, Value **ret_props) {
        _cleanup_free_ uint64_t *ids = NULL;
        unsigned n = 0;

        if (plane_ids(bus, "IOUSBHostDevice", 0, &ids, &n) < 0)
                return 0;
        for (unsigned i = 0; i < n; i++) {
                _cleanup_value_ Value *props = NULL;
                const char *name;

                if (entry_properties(bus, ids[i], &props) < 0)
                        continue;
                name = value_string(value_dict_get(props, "USB Product Name"), NULL);
                if (name && streq(name, product)) {
                        *ret_props = TAKE_PTR(props);
                        return ids[i];
                }
        }
        return 0;
}

/* Runs ioreg with args; its exit status, and whether a line holds needle. */
static int run_ioreg(TestbedService *t, const char *args, const char *needle, bool *ret_found) {
        _cleanup_free_ char *cmd = NULL;
        char line[4096];
        FILE *p;

        *ret_found = false;
        setenv("IOREG_BUS_ADDRESS", t->test_bus.address, 1);
        assert_true(asprintf(&cmd, BUILD_ROOT "/cli/ioreg %s", args) > 0);
        p = popen(cmd, "re");
        assert_non_null(p);
        while (fgets(line, sizeof(line), p))
                *ret_found = *ret_found || strstr(line, needle);
        return pclose(p);
}

static void test_non_utf8_product_string(void **state) {
        TestbedService *t = *state;
        _cleanup_value_ Value *props = NULL;
        const uint8_t *raw;
        size_t len;
        uint64_t id = 0;
        bool found;

        umockdev_testbed_set_attribute(t->testbed, KBD_DEV, "product", LATIN1_PRODUCT);
        umockdev_testbed_uevent(t->testbed, KBD_DEV, "change");
        for (unsigned i = 0; i < 500 && !id; i++) {
                id = find_usb_device(t->bus, REPAIRED_PRODUCT, &props);
                if (!id)
                        usleep(10 * 1000);
        }
        /* GetPlane answers, and the string is repaired. */
        assert_int_not_equal(id, 0);
        /* The bytes as the device gave them. */
        raw = value_data(value_dict_get(value_dict_get(value_dict_get(props, "Linux"), "RawStrings"), "product"),
                         &len);
        assert_non_null(raw);
        assert_int_equal(len, strlen(LATIN1_PRODUCT));
        assert_memory_equal(raw, LATIN1_PRODUCT, len);

        /* ioreg -l prints the whole plane, the device under its repaired name. */
        assert_int_equal(run_ioreg(t, "-l -w0", "+-o Caf", &found), 0);
        assert_true(found);
        assert_int_equal(run_ioreg(t, "-l -w0", "\"RawStrings\"", &found), 0);
        assert_true(found);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_non_utf8_product_string, setup, teardown),
        };

        return cmocka_run_group_tests_name("bad data at the edges, on a testbed", tests, NULL, NULL);
}
