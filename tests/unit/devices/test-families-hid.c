/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-families-hid.c: the HID family: over USB, I2C and PS/2, input devices
 * with and without udev, malformed ones.
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

static void test_hid_fido2(void **state) {
        _cleanup_(umockdev_freep) UmockdevRecording *r = load(RECORDING("umockdev-hidraw-fido2"));
        _cleanup_(nub_done) NubDescription hid = {}, raw = {};
        static const uint8_t descriptor[] = {
                0x06, 0xD0, 0xF1, 0x09, 0x01, 0xA1, 0x01, 0x09, 0x20, 0x15, 0x00, 0x26, 0xFF, 0x00, 0x75,
                0x08, 0x95,
                0x40, 0x81, 0x02, 0x09, 0x21, 0x15, 0x00, 0x26, 0xFF, 0x00, 0x75, 0x08, 0x95, 0x40, 0x91,
                0x02, 0xC0,
        };
        const Value *pairs, *pair, *udev;

        describe(umockdev_find(r, "0003:1050:0120.000A"), &hid);
        check_nub(&hid, "IOHIDDevice", "Security Key by Yubico", NULL);
        check_unsigned(&hid, "VendorID", 0x1050, 32);
        check_unsigned(&hid, "ProductID", 0x0120, 32);
        check_unsigned(&hid, "VersionNumber", 0x0512, 32);
        check_string(&hid, "Transport", "USB");
        check_string(&hid, "Product", "Security Key by Yubico");
        check_string(&hid, "Manufacturer", "Yubico");
        check_absent(&hid, "SerialNumber"); /* HID_UNIQ is empty */
        check_unsigned(&hid, "LocationID", 0x01230000, 32);
        check_unsigned(&hid, "CountryCode", 0, 32);
        /* FIDO: usage page 0xF1D0, usage 1. */
        check_unsigned(&hid, "PrimaryUsagePage", 0xF1D0, 32);
        check_unsigned(&hid, "PrimaryUsage", 1, 32);
        check_data(&hid, "ReportDescriptor", descriptor, sizeof(descriptor));
        pairs = get_prop(&hid, "DeviceUsagePairs");
        assert_int_equal(value_type(pairs), VALUE_ARRAY);
        assert_int_equal(value_array_size(pairs), 1);
        pair = value_array_get(pairs, 0);
        assert_int_equal(value_unsigned(value_dict_get(pair, "DeviceUsagePage")), 0xF1D0);
        assert_int_equal(value_unsigned(value_dict_get(pair, "DeviceUsage")), 1);
        check_linux_string(&hid, "DRIVER", "hid-generic");
        check_linux_string(&hid, "SUBSYSTEM", "hid");

        /* The hidraw node below it stays generic. */
        describe(umockdev_find(r, "hidraw5"), &raw);
        check_nub(&raw, "IOLinuxDevice", "hidraw5", NULL);
        check_linux_string(&raw, "DEVNAME", "/dev/hidraw5");
        check_linux_string(&raw, "SUBSYSTEM", "hidraw");
        assert_int_equal(value_unsigned(value_dict_get(linux_dict(&raw), "MAJOR")), 240);
        assert_int_equal(value_unsigned(value_dict_get(linux_dict(&raw), "MINOR")), 5);
        udev = value_dict_get(linux_dict(&raw), "udev");
        assert_string_equal(value_string(value_dict_get(udev, "ID_FIDO_TOKEN"), NULL), "1");
}

static void test_hid_i2c(void **state) {
        _cleanup_(umockdev_freep) UmockdevRecording *r = load(RECORDING("libfprint-elanspi-hidraw"));
        _cleanup_(nub_done) NubDescription n = {};
        /* Mouse, touch pad, device configuration, vendor. */
        static const uint32_t expected[][2] = {
                { 0x01, 0x02 }, { 0x0D, 0x05 }, { 0x0D, 0x0E }, { 0xFF00, 0x01 },
        };
        const Value *pairs;

        describe(umockdev_find(r, "0018:04F3:3057.0001"), &n);
        check_nub(&n, "IOHIDDevice", "ELAN1300:00 04F3:3057", NULL);
        check_string(&n, "Transport", "I2C");
        check_unsigned(&n, "VendorID", 0x04f3, 32);
        check_unsigned(&n, "ProductID", 0x3057, 32);
        check_string(&n, "Product", "ELAN1300:00 04F3:3057");
        check_unsigned(&n, "PrimaryUsagePage", 1, 32);
        check_unsigned(&n, "PrimaryUsage", 2, 32);
        check_absent(&n, "VersionNumber");
        check_absent(&n, "LocationID");
        check_absent(&n, "Manufacturer");
        pairs = get_prop(&n, "DeviceUsagePairs");
        assert_int_equal(value_array_size(pairs), ELEMENTSOF(expected));
        for (size_t i = 0; i < ELEMENTSOF(expected); i++) {
                const Value *pair = value_array_get(pairs, i);
                const Value *page = value_dict_get(pair, "DeviceUsagePage");
                const Value *usage = value_dict_get(pair, "DeviceUsage");

                assert_int_equal(value_unsigned(page), expected[i][0]);
                assert_int_equal(value_number_bits(page), 32);
                assert_int_equal(value_unsigned(usage), expected[i][1]);
        }
}

static void test_hid_usb_keyboard_input(void **state) {
        _cleanup_(umockdev_freep) UmockdevRecording *r = load(RECORDING("umockdev-input-usbkbd"));
        _cleanup_(nub_done) NubDescription in = {}, ev = {};

        /* No HID device between the interface and the input device: the input device is the IOHIDDevice. */
        describe(umockdev_find(r, "input5"), &in);
        check_nub(&in, "IOHIDDevice", "HID 05f3:0007", NULL);
        check_string(&in, "Transport", "USB");
        check_unsigned(&in, "VendorID", 0x05f3, 32);
        check_unsigned(&in, "ProductID", 0x0007, 32);
        check_unsigned(&in, "VersionNumber", 0x0320, 32); /* bcdDevice, as IOHIDFamily */
        check_unsigned(&in, "LocationID", 0x01154200, 32);
        check_unsigned(&in, "PrimaryUsagePage", 1, 32);
        check_unsigned(&in, "PrimaryUsage", 6, 32);
        check_absent(&in, "Manufacturer");
        check_absent(&in, "SerialNumber");
        check_absent(&in, "ReportDescriptor");

        describe(umockdev_find(r, "event5"), &ev);
        check_nub(&ev, "IOLinuxDevice", "event5", NULL);
        check_linux_string(&ev, "DEVNAME", "/dev/input/event5");
        check_linux_string(&ev, "DRIVER", NULL);
        check_linux_string(&ev, "DEVTYPE", NULL);
}

static void test_hid_ps2_touchpad(void **state) {
        _cleanup_(umockdev_freep) UmockdevRecording *r = NULL;
        _cleanup_(nub_done) NubDescription in = {}, serio = {}, i8042 = {};

        r = load(RECORDING("umockdev-input-synaptics-touchpad"));
        describe(umockdev_find(r, "input12"), &in);
        check_nub(&in, "IOHIDDevice", "SynPS/2 Synaptics TouchPad", NULL);
        check_string(&in, "Transport", "PS2");
        check_unsigned(&in, "VendorID", 0x0002, 32);
        check_unsigned(&in, "ProductID", 0x0007, 32);
        check_unsigned(&in, "VersionNumber", 0x01b1, 32);
        check_unsigned(&in, "PrimaryUsagePage", 0x0D, 32); /* digitizer */
        check_unsigned(&in, "PrimaryUsage", 0x05, 32);     /* touch pad */
        check_absent(&in, "LocationID");

        describe(umockdev_find(r, "serio1"), &serio);
        check_nub(&serio, "IOLinuxDevice", "serio1", NULL);
        check_linux_string(&serio, "DRIVER", "psmouse");
        check_linux_string(&serio, "MODALIAS", "serio:ty01pr00id00ex00");
        describe(umockdev_find(r, "i8042"), &i8042);
        check_nub(&i8042, "IOLinuxDevice", "i8042", NULL);
        check_linux_string(&i8042, "SUBSYSTEM", "platform");
}

/* Without udev: the usage from the kernel's capability bitmaps in the uevent file. */
static void test_hid_input_without_udev(void **state) {
        static const char *const mouse_attrs[] = {
                "name", "Logitech USB Optical Mouse",
                "uevent",
                "PRODUCT=3/46d/c077/111\nNAME=\"Logitech USB Optical Mouse\"\n"
                "PHYS=\"usb-0000:00:14.0-2/input0\"\n"
                          "PROP=0\nEV=17\nKEY=70000 0 0 0 0\nREL=903\nMSC=10",
                NULL,
        };
        static const char *const keyboard_attrs[] = {
                "uevent", "PRODUCT=11/1/1/ab41\nNAME=\"AT Translated Set 2 keyboard\"\nEV=120013\n"
                          "KEY=402000000 3803078f800d001 feffffdfffefffff fffffffffffffffe\nMSC=10\nLED=7",
                NULL,
        };
        static const char *const button_attrs[] = {
                "name", "Power Button", "id/bustype", "0019", "id/vendor", "0000", "id/product", "0001",
                "id/version", "0000", "capabilities/ev", "3", "capabilities/key", "10000000000000 0", NULL,
        };
        TableDevice mouse = {
                .record = { .syspath = "/sys/devices/virtual/input/input3", .subsystem = "input" },
                .attrs = mouse_attrs,
        };
        TableDevice keyboard = {
                .record = { .syspath = "/sys/devices/platform/i8042/serio0/input/input0",
                            .subsystem = "input",
                            .modalias = "input:b0011v0001p0001eAB41-e0,1,4,11,14,k71,72,kr,ramlsfw" },
                .attrs = keyboard_attrs,
        };
        TableDevice button = {
                .record = { .syspath = "/sys/devices/LNXSYSTM:00/LNXPWRBN:00/input/input4",
                            .subsystem = "input" },
                .attrs = button_attrs,
        };
        _cleanup_(nub_done) NubDescription m = {}, k = {}, b = {};

        describe(table_device(&mouse, NULL), &m);
        check_nub(&m, "IOHIDDevice", "Logitech USB Optical Mouse", NULL);
        check_unsigned(&m, "VendorID", 0x046d, 32); /* from PRODUCT= */
        check_unsigned(&m, "ProductID", 0xc077, 32);
        check_unsigned(&m, "VersionNumber", 0x0111, 32);
        check_string(&m, "Transport", "USB");
        check_unsigned(&m, "PrimaryUsagePage", 1, 32);
        check_unsigned(&m, "PrimaryUsage", 2, 32);
        check_absent(&m, "LocationID"); /* no USB device above it in this table */

        describe(table_device(&keyboard, NULL), &k);
        check_nub(&k, "IOHIDDevice", "AT Translated Set 2 keyboard", NULL); /* NAME="..." without quotes */
        check_string(&k, "Transport", "PS2");
        check_unsigned(&k, "VersionNumber", 0xab41, 32); /* from the modalias */
        check_unsigned(&k, "PrimaryUsagePage", 1, 32);
        check_unsigned(&k, "PrimaryUsage", 6, 32);

        describe(table_device(&button, NULL), &b);
        check_nub(&b, "IOHIDDevice", "Power Button", NULL);
        check_unsigned(&b, "ProductID", 1, 32);
        check_absent(&b, "Transport"); /* BUS_HOST: no Apple transport */
        check_absent(&b, "PrimaryUsagePage");
        check_absent(&b, "DeviceUsagePairs");
}

static void test_hid_malformed(void **state) {
        static const char *const attrs[] = { "country", "zz", NULL };
        static const char *const props[] = { "HID_ID", "nonsense", "HID_NAME", "Broken", NULL };
        TableDevice hid = {
                .record = { .syspath = "/sys/devices/virtual/misc/uhid/not-an-id", .subsystem = "hid" },
                .attrs = attrs,
                .props = props,
        };
        _cleanup_(nub_done) NubDescription n = {};

        describe(table_device(&hid, NULL), &n);
        check_nub(&n, "IOHIDDevice", "Broken", NULL);
        check_absent(&n, "VendorID");
        check_absent(&n, "ProductID");
        check_absent(&n, "Transport");
        check_absent(&n, "CountryCode");
        check_absent(&n, "ReportDescriptor"); /* no binary attributes at all */
        check_absent(&n, "PrimaryUsagePage");
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_hid_fido2),
                cmocka_unit_test(test_hid_i2c),
                cmocka_unit_test(test_hid_usb_keyboard_input),
                cmocka_unit_test(test_hid_ps2_touchpad),
                cmocka_unit_test(test_hid_input_without_udev),
                cmocka_unit_test(test_hid_malformed),
        };

        return cmocka_run_group_tests_name("families-hid", tests, NULL, NULL);
}
