/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-families-serial.c: the serial family: ttys and virtual consoles.
 *
 * There is no umockdev recording of this kind of device, so it is built
 * from tables. Its udev properties are copied from the `udevadm info
 * --export-db` dumps in the shared test data
 * (testdata/udevdb/checkbox-udevadm-export-db-LENOVO_T430S.txt and
 * ...-HP_ELITEBOOK_835_13_INCH_G10.txt). Those dumps hold no sysfs
 * attributes: the attributes in the tables (size, mtu, address, ...) are
 * invented, realistic for the device, and marked "invented".
 *
 * The checks and the table devices they share are in family-check.c.
 */

#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "family-check.h"

static void test_serial(void **state) {
        /* ttyACM0: LENOVO_T430S (udevdb), a CDC ACM modem interface of a WWAN card. */
        static const char *const acm_props[] = {
                "DEVNAME", "/dev/ttyACM0", "ID_BUS", "usb", "ID_MM_CANDIDATE", "1", "ID_MODEL", "H5321_gw",
                "ID_USB_DRIVER", "cdc_acm", "ID_USB_INTERFACE_NUM", "01", "ID_VENDOR_ID", "0bdb",
                "MAJOR", "166",
                "MINOR", "0", "SUBSYSTEM", "tty", NULL,
        };
        /* ttyS4: LENOVO_T430S, the ME's serial-over-LAN UART on PCI 00:16.3; `type` 4 (16550A) invented. */
        static const char *const uart_props[] = { "DEVNAME", "/dev/ttyS4", "SUBSYSTEM", "tty", NULL };
        static const char *const uart_attrs[] = { "type", "4", NULL };
        /* ttyS1: an 8250 slot with no UART behind it. */
        static const char *const empty_attrs[] = { "type", "0", NULL };
        TableDevice acm = {
                .record = { .syspath = "/sys/devices/pci0000:00/0000:00:14.0/usb3/3-4/3-4:1.1/tty/ttyACM0",
                            .subsystem = "tty", .devname = "/dev/ttyACM0", .major = 166, .minor = 0 },
                .props = acm_props,
        };
        TableDevice uart = {
                .record = { .syspath = "/sys/devices/pci0000:00/0000:00:16.3/tty/ttyS4", .subsystem = "tty",
                            .devname = "/dev/ttyS4", .major = 4, .minor = 68 },
                .attrs = uart_attrs,
                .props = uart_props,
        };
        TableDevice empty = {
                .record = { .syspath = "/sys/devices/platform/serial8250/tty/ttyS1", .subsystem = "tty",
                            .devname = "/dev/ttyS1", .major = 4, .minor = 65 },
                .attrs = empty_attrs,
        };
        TableDevice usb_serial = {
                .record = { .syspath = "/sys/devices/pci0000:00/0000:00:14.0/usb1/1-2/1-2:1.0/ttyUSB0"
                            "/tty/ttyUSB0",
                            .subsystem = "tty", .devname = "/dev/ttyUSB0", .major = 188, .minor = 0 },
        };
        TableDevice rfcomm = {
                .record = { .syspath = "/sys/devices/virtual/tty/rfcomm0", .subsystem = "tty",
                            .devname = "/dev/rfcomm0", .major = 216, .minor = 0 },
        };
        _cleanup_(nub_done) NubDescription a = {}, u = {}, e = {}, s = {}, b = {};
        const Value *udev;

        describe(table_device(&acm, NULL), &a);
        check_nub(&a, "IOSerialBSDClient", "IOSerialBSDClient", NULL);
        check_string(&a, "IOTTYDevice", "ttyACM0");
        check_string(&a, "IOTTYBaseName", "ttyACM");
        check_string(&a, "IOTTYSuffix", "0");
        check_string(&a, "IOCalloutDevice", "/dev/ttyACM0");
        check_string(&a, "IODialinDevice", "/dev/ttyACM0");
        check_string(&a, "IOSerialBSDClientType", "IOModemSerialStream");
        check_linux_string(&a, "DEVNAME", "/dev/ttyACM0");
        udev = value_dict_get(linux_dict(&a), "udev");
        assert_string_equal(value_string(value_dict_get(udev, "ID_USB_DRIVER"), NULL), "cdc_acm");

        describe(table_device(&uart, NULL), &u);
        check_nub(&u, "IOSerialBSDClient", "IOSerialBSDClient", NULL);
        check_string(&u, "IOTTYBaseName", "ttyS");
        check_string(&u, "IOTTYSuffix", "4");
        check_string(&u, "IOSerialBSDClientType", "IORS232SerialStream");

        describe(table_device(&empty, NULL), &e);
        check_nub(&e, "IOLinuxDevice", "ttyS1", NULL);

        describe(table_device(&usb_serial, NULL), &s);
        check_string(&s, "IOSerialBSDClientType", "IORS232SerialStream");
        check_string(&s, "IOCalloutDevice", "/dev/ttyUSB0");

        describe(table_device(&rfcomm, NULL), &b);
        check_string(&b, "IOSerialBSDClientType", "IOSerialStream");
        check_string(&b, "IOTTYBaseName", "rfcomm");
}

static void test_serial_virtual_consoles(void **state) {
        static const char *const names[] = {
                "tty", "tty0", "tty1", "tty63", "console", "ptmx", "ttyprintk", "ttyp0", "ptyp0",
        };

        for (size_t i = 0; i < ELEMENTSOF(names); i++) {
                _cleanup_free_ char *syspath = NULL, *devname = NULL;
                _cleanup_(nub_done) NubDescription n = {};
                TableDevice t = {};

                assert_true(asprintf(&syspath, "/sys/devices/virtual/tty/%s", names[i]) > 0);
                assert_true(asprintf(&devname, "/dev/%s", names[i]) > 0);
                t.record = (DeviceRecord) { .syspath = syspath, .subsystem = "tty", .devname = devname };
                describe(table_device(&t, NULL), &n);
                check_nub(&n, "IOLinuxDevice", names[i], NULL);
        }
        {
                /* A tty without a device node is not a port either. */
                _cleanup_(nub_done) NubDescription n = {};
                TableDevice t = {
                        .record = { .syspath = "/sys/devices/virtual/tty/ttyX9", .subsystem = "tty" },
                };

                describe(table_device(&t, NULL), &n);
                check_nub(&n, "IOLinuxDevice", "ttyX9", NULL);
        }
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_serial),
                cmocka_unit_test(test_serial_virtual_consoles),
        };

        return cmocka_run_group_tests_name("families-serial", tests, NULL, NULL);
}
