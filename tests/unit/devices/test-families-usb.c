/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-families-usb.c: the USB family: devices behind hubs, interfaces,
 * vendor classes and malformed descriptors.
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

static void test_usb_keyboard_behind_hubs(void **state) {
        _cleanup_(umockdev_freep) UmockdevRecording *r = load(RECORDING("umockdev-input-usbkbd"));
        static const struct {
                const char *sysname, *name, *location;
                uint32_t location_id;
                uint16_t vendor, product, bcd_device, bcd_usb;
                uint8_t class, protocol, max_packet, speed;
                uint16_t address;
                unsigned port; /* PortNum on the parent hub; 0 for the root hub */
        } devices[] = {
                /* The root hub, then three hubs, then the keyboard: one nibble per hop. */
                { "usb1", "EHCI Host Controller", "1000000", 0x01000000,
                  0x1d6b, 0x0002, 0x0310, 0x0200, 9, 0, 64, 2, 1, 0 },
                { "1-1", "IOUSBHostDevice", "1100000", 0x01100000,
                  0x8087, 0x0020, 0x0000, 0x0200, 9, 1, 64, 2, 2, 1 },
                { "1-1.5", "IOUSBHostDevice", "1150000", 0x01150000,
                  0x17ef, 0x1005, 0x0001, 0x0200, 9, 2, 64, 2, 4, 5 },
                { "1-1.5.4", "Kinesis Keyboard Hub", "1154000", 0x01154000,
                  0x05f3, 0x0081, 0x0320, 0x0110, 9, 0, 8, 1, 7, 4 },
                { "1-1.5.4.2", "IOUSBHostDevice", "1154200", 0x01154200,
                  0x05f3, 0x0007, 0x0320, 0x0110, 0, 0, 8, 1, 9, 2 },
        };

        for (size_t i = 0; i < ELEMENTSOF(devices); i++) {
                _cleanup_(nub_done) NubDescription n = {};

                describe(umockdev_find(r, devices[i].sysname), &n);
                check_nub(&n, "IOUSBHostDevice", devices[i].name, devices[i].location);
                check_unsigned(&n, "locationID", devices[i].location_id, 32);
                check_unsigned(&n, "idVendor", devices[i].vendor, 16);
                check_unsigned(&n, "idProduct", devices[i].product, 16);
                check_unsigned(&n, "bcdDevice", devices[i].bcd_device, 16);
                check_unsigned(&n, "bcdUSB", devices[i].bcd_usb, 16);
                check_unsigned(&n, "bDeviceClass", devices[i].class, 8);
                check_unsigned(&n, "bDeviceSubClass", 0, 8);
                check_unsigned(&n, "bDeviceProtocol", devices[i].protocol, 8);
                check_unsigned(&n, "bMaxPacketSize0", devices[i].max_packet, 8);
                check_unsigned(&n, "bNumConfigurations", 1, 8);
                check_unsigned(&n, "kUSBCurrentConfiguration", 1, 8);
                check_unsigned(&n, "USB Address", devices[i].address, 16);
                check_unsigned(&n, "kUSBAddress", devices[i].address, 16);
                check_unsigned(&n, "Device Speed", devices[i].speed, 8);
                /* tIOUSBHostConnectionSpeed: full 1, high 3 (kUSBDeviceSpeedFull 1, High 2). */
                check_unsigned(&n, "USBSpeed", devices[i].speed == 2 ? 3 : 1, 32);
                if (devices[i].port)
                        check_unsigned(&n, "PortNum", devices[i].port, 32);
                else
                        check_absent(&n, "PortNum"); /* the root hub */
                /* A recording has no sysfs nodes of its own: no attachment to name. */
                check_absent(&n, "sessionID");
                check_linux_string(&n, "DEVTYPE", "usb_device");
                check_linux_string(&n, "DRIVER", "usb");
        }

        {
                _cleanup_(nub_done) NubDescription hub = {}, kbd = {};

                describe(umockdev_find(r, "1-1.5.4"), &hub);
                check_string(&hub, "USB Vendor Name", "PI Engineering");
                check_string(&hub, "USB Product Name", "Kinesis Keyboard Hub");
                check_string(&hub, "kUSBVendorString", "PI Engineering");
                check_string(&hub, "kUSBProductString", "Kinesis Keyboard Hub");
                check_absent(&hub, "USB Serial Number");
                check_absent(&hub, "kUSBSerialNumberString");
                check_absent(&hub, "Built-In"); /* removable=unknown */
                check_absent(&hub, "non-removable");
                check_absent(&hub, "USBPortType");
                /* From the device descriptor: 12 01 10 01 09 00 00 08 f3 05 81 00 20 03 01 02 00 01 */
                check_unsigned(&hub, "iManufacturer", 1, 8);
                check_unsigned(&hub, "iProduct", 2, 8);
                check_unsigned(&hub, "iSerialNumber", 0, 8);

                describe(umockdev_find(r, "1-1.5.4.2"), &kbd);
                check_absent(&kbd, "USB Product Name"); /* the keyboard has no strings */
                check_absent(&kbd, "USB Vendor Name");
                check_unsigned(&kbd, "iProduct", 0, 8);
        }
        {
                _cleanup_(nub_done) NubDescription fixed = {}, removable = {};

                describe(umockdev_find(r, "1-1"), &fixed);
                check_bool(&fixed, "Built-In", true); /* removable=fixed */
                check_string(&fixed, "non-removable", "yes");
                check_unsigned(&fixed, "USBPortType", 2, 32); /* kIOUSBHostPortTypeInternal */
                describe(umockdev_find(r, "1-1.5"), &removable);
                check_bool(&removable, "Built-In", false);
                check_string(&removable, "non-removable", "no");
                check_unsigned(&removable, "USBPortType", 0, 32); /* kIOUSBHostPortTypeStandard */
        }
}

static void test_usb_hid_interface(void **state) {
        _cleanup_(umockdev_freep) UmockdevRecording *r = load(RECORDING("umockdev-input-usbkbd"));
        _cleanup_(nub_done) NubDescription n = {};

        describe(umockdev_find(r, "1-1.5.4.2:1.0"), &n);
        check_nub(&n, "IOUSBHostInterface", "IOUSBHostInterface", "0");
        check_unsigned(&n, "bInterfaceNumber", 0, 8);
        check_unsigned(&n, "bAlternateSetting", 0, 8);
        check_unsigned(&n, "bInterfaceClass", 3, 8);
        check_unsigned(&n, "bInterfaceSubClass", 1, 8);
        check_unsigned(&n, "bInterfaceProtocol", 1, 8);
        check_unsigned(&n, "bNumEndpoints", 1, 8);
        /* From the device (IOUSBInterface::SetProperties). */
        check_unsigned(&n, "bConfigurationValue", 1, 8);
        check_unsigned(&n, "idVendor", 0x05f3, 16);
        check_unsigned(&n, "idProduct", 0x0007, 16);
        check_unsigned(&n, "bcdDevice", 0x0320, 16);
        check_unsigned(&n, "locationID", 0x01154200, 32);
        check_absent(&n, "USB Interface Name");
        check_linux_string(&n, "DEVTYPE", "usb_interface");
        check_linux_string(&n, "DRIVER", "usbhid");
        check_linux_string(&n, "MODALIAS", "usb:v05F3p0007d0320dc00dsc00dp00ic03isc01ip01in00");
}

static void test_usb_fido2(void **state) {
        _cleanup_(umockdev_freep) UmockdevRecording *r = load(RECORDING("umockdev-hidraw-fido2"));
        _cleanup_(nub_done) NubDescription dev = {}, intf = {};

        describe(umockdev_find(r, "1-2.3"), &dev);
        check_nub(&dev, "IOUSBHostDevice", "Security Key by Yubico", "1230000");
        check_unsigned(&dev, "idVendor", 0x1050, 16);
        check_unsigned(&dev, "idProduct", 0x0120, 16);
        check_unsigned(&dev, "bcdDevice", 0x0512, 16);
        check_unsigned(&dev, "locationID", 0x01230000, 32);
        check_unsigned(&dev, "USB Address", 12, 16);
        check_unsigned(&dev, "Device Speed", 1, 8);
        check_string(&dev, "USB Vendor Name", "Yubico");
        check_string(&dev, "USB Product Name", "Security Key by Yubico");
        check_string(&dev, "kUSBProductString", "Security Key by Yubico");
        check_unsigned(&dev, "PortNum", 3, 32);

        describe(umockdev_find(r, "1-2.3:1.0"), &intf);
        check_nub(&intf, "IOUSBHostInterface", "IOUSBHostInterface", "0");
        check_unsigned(&intf, "bInterfaceClass", 3, 8);
        check_unsigned(&intf, "bInterfaceSubClass", 0, 8);
        check_unsigned(&intf, "bNumEndpoints", 2, 8);
        check_unsigned(&intf, "idVendor", 0x1050, 16);
        check_unsigned(&intf, "locationID", 0x01230000, 32);
}

static void test_usb_dell_dock(void **state) {
        _cleanup_(umockdev_freep) UmockdevRecording *r = load(RECORDING("umockdev-hid-001.038"));
        static const struct {
                const char *sysname, *name, *location;
                uint32_t location_id;
        } devices[] = {
                { "usb1", "xHCI Host Controller", "1000000", 0x01000000 },
                { "1-1", "Dell dock", "1100000", 0x01100000 },
                { "1-1.3", "4-Port USB 2.1 Hub", "1130000", 0x01130000 },
                { "1-1.3.5", "Generic", "1135000", 0x01135000 },
        };
        _cleanup_(nub_done) NubDescription dock = {}, hid = {};

        for (size_t i = 0; i < ELEMENTSOF(devices); i++) {
                _cleanup_(nub_done) NubDescription n = {};

                describe(umockdev_find(r, devices[i].sysname), &n);
                check_nub(&n, "IOUSBHostDevice", devices[i].name, devices[i].location);
                check_unsigned(&n, "locationID", devices[i].location_id, 32);
        }
        describe(umockdev_find(r, "1-1"), &dock);
        check_string(&dock, "USB Vendor Name", "Dell Inc.");
        check_unsigned(&dock, "idVendor", 0x0bda, 16);
        check_unsigned(&dock, "idProduct", 0x5487, 16);

        describe(umockdev_find(r, "1-1.3.5"), &hid);
        check_unsigned(&hid, "idVendor", 0x413c, 16);
        check_unsigned(&hid, "idProduct", 0xb06f, 16);
        check_unsigned(&hid, "bcdUSB", 0x0201, 16);
        check_unsigned(&hid, "Device Speed", 2, 8);
        check_unsigned(&hid, "USB Address", 38, 16);
        check_unsigned(&hid, "iManufacturer", 0, 8);
        check_unsigned(&hid, "iProduct", 1, 8);
}

static void test_usb_vendor_class(void **state) {
        _cleanup_(umockdev_freep) UmockdevRecording *r = load(RECORDING("libfprint-synaptics"));
        _cleanup_(nub_done) NubDescription n = {};

        /* A fingerprint reader of vendor class ff with a serial but no product string. */
        describe(umockdev_find(r, "1-9"), &n);
        check_nub(&n, "IOUSBHostDevice", "IOUSBHostDevice", "1900000");
        check_unsigned(&n, "bDeviceClass", 0xff, 8);
        check_unsigned(&n, "bDeviceSubClass", 0x10, 8);
        check_unsigned(&n, "bDeviceProtocol", 0xff, 8);
        check_unsigned(&n, "idVendor", 0x06cb, 16);
        check_unsigned(&n, "idProduct", 0x00bd, 16);
        check_unsigned(&n, "locationID", 0x01900000, 32);
        check_string(&n, "USB Serial Number", "c087f7d72126");
        check_bool(&n, "Built-In", true);
        check_absent(&n, "USB Product Name");
}

static void test_usb_malformed(void **state) {
        static const char *const attrs[] = {
                "idVendor", "zz", "idProduct", "12345", "bcdDevice", "", "bDeviceClass", "0x1ff",
                "bMaxPacketSize0", "-8", "bNumConfigurations", "1 2", "devnum", "9x", "speed", "fast",
                "version", "2.0", "product", "Odd Device", NULL,
        };
        static const char *const intf_attrs[] = {
                "bInterfaceNumber", "zz", "bAlternateSetting", "", "bInterfaceClass", "3", NULL,
        };
        TableDevice dev = {
                .record = { .syspath = "/sys/devices/pci0000:00/0000:00:14.0/usb1/1-x", .subsystem = "usb",
                            .devtype = "usb_device" },
                .attrs = attrs,
        };
        TableDevice intf = {
                .record = { .syspath = "/sys/devices/pci0000:00/0000:00:14.0/usb1/1-x/1-x:1.0",
                            .subsystem = "usb",
                            .devtype = "usb_interface" },
                .attrs = intf_attrs,
        };
        _cleanup_(nub_done) NubDescription d = {}, i = {};
        static const char *const absent[] = {
                "idVendor", "idProduct", "bcdDevice", "bDeviceClass", "bMaxPacketSize0",
                "bNumConfigurations",
                "USB Address", "Device Speed", "bcdUSB", "locationID", "iManufacturer",
        };

        describe(table_device(&dev, NULL), &d);
        check_nub(&d, "IOUSBHostDevice", "Odd Device", NULL);
        for (size_t k = 0; k < ELEMENTSOF(absent); k++)
                check_absent(&d, absent[k]);

        describe(table_device(&intf, &dev.record), &i);
        check_nub(&i, "IOUSBHostInterface", "IOUSBHostInterface", NULL);
        check_absent(&i, "bInterfaceNumber");
        check_absent(&i, "bAlternateSetting");
        check_unsigned(&i, "bInterfaceClass", 3, 8);
        check_absent(&i, "idVendor");
        check_absent(&i, "locationID");
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_usb_keyboard_behind_hubs),
                cmocka_unit_test(test_usb_hid_interface),
                cmocka_unit_test(test_usb_fido2),
                cmocka_unit_test(test_usb_dell_dock),
                cmocka_unit_test(test_usb_vendor_class),
                cmocka_unit_test(test_usb_malformed),
        };

        return cmocka_run_group_tests_name("families-usb", tests, NULL, NULL);
}
