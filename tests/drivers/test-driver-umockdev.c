/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-driver-umockdev.c: the shipped driver servers on a real recording.
 * ioregd runs on a umockdev testbed of a Sony Xperia mini pro behind two
 * hubs (libumockdev-preload.so in LD_PRELOAD, from meson) with the
 * project's personalities/ (the example servers found through
 * IOREG_DRIVER_PATH in the build tree) and a test driver of its own on the
 * same USB device:
 * - the IOResources example server starts in its own match category;
 * - the USB serial example starts on the IOUSBHostDevice, opens it (the
 *   test driver's open in another category is refused, and so is an
 *   application's org.ioreg.USB1.Open), and publishes an
 *   IOSerialBSDClient nub that a codeless personality matches in turn;
 * - removing the device: the drivers hear ServiceIsTerminated and Stop
 *   before their entries go, the nub and its subtree go, and both USB
 *   servers exit.
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

#include "driver-test.h"
#include "testbed.h"
#include "macro.h"
#include "protocol.h"

#define XPERIA "/sys/devices/pci0000:00/0000:00:1a.0/usb1/1-1/1-1.5/1-1.5.2/1-1.5.2.4"

#define TEST_USB_DRIVER                                                                                       \
        "\"TestUSBDriver\": { \"IOProviderClass\": \"IOUSBHostDevice\", \"idVendor\": 4046, "                \
        "\"idProduct\": 358, \"IOClass\": \"IOUserService\", \"IOUserClass\": \"TestUSBDriver\", "           \
        "\"IOUserServerName\": \"org.ioreg.test.usb\", \"IOUserServerExecutable\": \"@SERVER@\", "          \
        "\"IOMatchCategory\": \"TestUSB\", \"TestOpenProvider\": true, "                                     \
        "\"IOUserServerEnvironment\": { \"TEST_STOP_DIR\": \"@STOPDIR@\" } }"

typedef struct UsbTest {
        UMockdevTestbed *testbed; /* owned */
        DriverTest t;
} UsbTest;

static int setup(void **state) {
        const char *args[] = { "--personalities=" SOURCE_ROOT "/personalities", NULL };
        UsbTest *u = calloc(1, sizeof(*u));

        if (!u)
                return -1;
        *state = u;
        if (testbed_from_recording("umockdev-mobiles-sony-xperia-mini-pro.umockdev", &u->testbed) < 0)
                return -1;
        /* Our folder comes after the shipped one: both load. */
        if (driver_test_start(&u->t, TEST_USB_DRIVER, args) < 0) {
                fprintf(stderr, "cannot start dbus-daemon and ioregd on the testbed\n");
                return -1;
        }
        return 0;
}

static int teardown(void **state) {
        UsbTest *u = *state;
        int r;

        r = driver_test_stop(&u->t);
        if (u->testbed)
                g_object_unref(u->testbed);
        free(u);
        return r < 0 ? -1 : 0;
}

static const char *string_of(const Value *props, const char *key) {
        Value *v = value_dict_get(props, key);

        return v && value_type(v) == VALUE_STRING ? value_string(v, NULL) : NULL;
}

static bool absent(DriverTest *t, const void *arg) {
        uint64_t id;

        return driver_test_find_one(t, arg, &id) == 0;
}

static bool exited(DriverTest *t, const void *arg) {
        return !pid_alive(*(const pid_t *) arg);
}

static bool stopped(DriverTest *t, const void *arg) {
        return driver_test_stop_file(t, "stop", *(const uint64_t *) arg);
}

static void test_shipped_servers_and_removal(void **state) {
        UsbTest *u = *state;
        DriverTest *t = &u->t;
        _cleanup_value_ Value *props = NULL, *mine = NULL;
        uint64_t res = 0, res_drv = 0, serial = 0, usb = 0, bsd = 0, port = 0, test_drv = 0;
        pid_t serial_pid, test_pid;

        /* The IOResources example, in its own category beside the codeless IONetworkStack. */
        assert_int_equal(driver_test_find_one(t, "IOResources", &res), 1);
        assert_int_equal(driver_test_find_one(t, "IORegResourcesDriver", &res_drv), 1);
        assert_int_equal(driver_test_parent(t, res_drv), res);
        assert_int_equal(driver_test_properties(t, res_drv, &props), 0);
        assert_string_equal(string_of(props, "IORegDriverGreeting"), "Hello from a driver server");

        /* The USB serial example on the Xperia, and its IOSerialBSDClient nub matched in turn. */
        assert_int_equal(driver_test_find_one(t, "IORegUSBSerialDriver", &serial), 1);
        usb = driver_test_parent(t, serial);
        assert_true(usb != 0);
        assert_int_equal(driver_test_number(t, usb, "idVendor"), 0x0fce);
        assert_int_equal(driver_test_number(t, usb, "idProduct"), 0x0166);
        assert_int_equal(driver_test_find_one(t, "IOSerialBSDClient", &bsd), 1);
        assert_int_equal(driver_test_parent(t, bsd), serial);
        assert_int_equal(driver_test_find_one(t, "IORegUSBSerialPort", &port), 1);
        assert_int_equal(driver_test_parent(t, port), bsd);
        serial_pid = (pid_t) driver_test_number(t, serial, "IORegDriverPID");
        assert_true(serial_pid > 0 && pid_alive(serial_pid));

        /* The test driver shares the device in its own category; the example opened it first, exclusively. */
        assert_int_equal(driver_test_find_one(t, "TestUSBDriver", &test_drv), 1);
        assert_int_equal(driver_test_parent(t, test_drv), usb);
        assert_int_equal(driver_test_properties(t, test_drv, &mine), 0);
        assert_string_equal(string_of(mine, "TestOpenResult"), "exclusive access and device already open");
        test_pid = (pid_t) driver_test_number(t, test_drv, "TestServerPID");
        assert_true(test_pid > 0 && pid_alive(test_pid));
        /* An application's USBDeviceOpen (org.ioreg.USB1, bus-usb.h): refused while the driver server has it open. */
        {
                _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;

                assert_true(sd_bus_call_method(t->bus, IOREG_BUS_NAME, IOREG_OBJECT_PATH, IOREG_USB_INTERFACE,
                                               IOREG_USB_OPEN, &error, NULL, "tu", usb, UINT32_C(0)) < 0);
                assert_string_equal(error.name, IOREG_ERROR_EXCLUSIVE_ACCESS);
                assert_non_null(strstr(error.message, "driver server"));
        }

        /* The device goes: termination reaches the drivers, the subtree goes, the servers exit. */
        umockdev_testbed_uevent(u->testbed, XPERIA, "remove");
        umockdev_testbed_remove_device(u->testbed, XPERIA);
        assert_true(driver_test_wait(t, stopped, &test_drv, 10000));
        assert_true(driver_test_stop_file(t, "message", test_drv));
        assert_true(driver_test_wait(t, absent, "IORegUSBSerialDriver", 10000));
        assert_true(driver_test_wait(t, absent, "IOSerialBSDClient", 10000));
        assert_true(driver_test_wait(t, absent, "IORegUSBSerialPort", 10000));
        assert_true(driver_test_wait(t, absent, "TestUSBDriver", 10000));
        assert_true(driver_test_wait(t, exited, &serial_pid, 10000));
        assert_true(driver_test_wait(t, exited, &test_pid, 10000));
        /* IOResources' driver is not the device's business. */
        assert_int_equal(driver_test_find_one(t, "IORegResourcesDriver", &res_drv), 1);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_shipped_servers_and_removal, setup, teardown),
        };

        return cmocka_run_group_tests_name("driver servers on a umockdev testbed", tests, NULL, NULL);
}
