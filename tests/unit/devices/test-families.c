/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-families.c: the families (daemon/family-*.c): for real recordings
 * (tests/data/umockdev, loaded by umockdev-load.c) and for devices built
 * here from tables, the class, name, location and every property with its
 * exact type and width; the Linux dictionary; the class hierarchy; and
 * malformed attributes, which must leave a property out, never fill it with
 * garbage.
 *
 * There is no umockdev recording of a tty, block, net or power_supply
 * device, so those are tables. Their udev properties are copied from the
 * `udevadm info --export-db` dumps in the shared test data
 * (testdata/udevdb/checkbox-udevadm-export-db-LENOVO_T430S.txt and
 * ...-HP_ELITEBOOK_835_13_INCH_G10.txt). Those dumps hold no sysfs
 * attributes: the attributes in the tables below (size, mtu, address, ...)
 * are invented, realistic for the device, and marked "invented".
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

#include "class-table.h"
#include "family.h"
#include "umockdev-load.h"

#define RECORDING(name) FAMILY_TEST_DATA "/umockdev/" name ".umockdev"

/* ------------------------------------------------------------------------- */
/* Checking properties */

static void nub_done(NubDescription *n) {
        nub_description_done(n);
}

static const Value *get_prop(const NubDescription *n, const char *key) {
        const Value *v = value_dict_get(n->properties, key);

        if (!v)
                fail_msg("property \"%s\" is missing", key);
        return v;
}

static void check_unsigned(const NubDescription *n, const char *key, uint64_t expected, unsigned bits) {
        const Value *v = get_prop(n, key);

        if (value_type(v) != VALUE_NUMBER || value_number_is_signed(v))
                fail_msg("\"%s\" is a %s, not an unsigned number", key, value_type_to_string(value_type(v)));
        if (value_number_bits(v) != bits)
                fail_msg("\"%s\" has %u bits, expected %u", key, value_number_bits(v), bits);
        if (value_unsigned(v) != expected)
                fail_msg("\"%s\" = %" PRIu64 " (0x%" PRIx64 "), expected %" PRIu64 " (0x%" PRIx64 ")", key,
                         value_unsigned(v), value_unsigned(v), expected, expected);
}

static void check_signed(const NubDescription *n, const char *key, int64_t expected, unsigned bits) {
        const Value *v = get_prop(n, key);

        if (value_type(v) != VALUE_NUMBER || !value_number_is_signed(v))
                fail_msg("\"%s\" is not a signed number", key);
        if (value_number_bits(v) != bits)
                fail_msg("\"%s\" has %u bits, expected %u", key, value_number_bits(v), bits);
        if (value_signed(v) != expected)
                fail_msg("\"%s\" = %" PRId64 ", expected %" PRId64, key, value_signed(v), expected);
}

static void check_string(const NubDescription *n, const char *key, const char *expected) {
        const Value *v = get_prop(n, key);

        if (value_type(v) != VALUE_STRING)
                fail_msg("\"%s\" is a %s, not a string", key, value_type_to_string(value_type(v)));
        if (!streq(value_string(v, NULL), expected))
                fail_msg("\"%s\" = \"%s\", expected \"%s\"", key, value_string(v, NULL), expected);
}

static void check_bool(const NubDescription *n, const char *key, bool expected) {
        const Value *v = get_prop(n, key);

        if (value_type(v) != VALUE_BOOLEAN)
                fail_msg("\"%s\" is a %s, not a boolean", key, value_type_to_string(value_type(v)));
        if (value_boolean(v) != expected)
                fail_msg("\"%s\" = %s, expected %s", key, value_boolean(v) ? "Yes" : "No",
                         expected ? "Yes" : "No");
}

static void check_data(const NubDescription *n, const char *key, const void *expected, size_t len) {
        const Value *v = get_prop(n, key);
        const uint8_t *p;
        size_t got;

        if (value_type(v) != VALUE_DATA)
                fail_msg("\"%s\" is a %s, not data", key, value_type_to_string(value_type(v)));
        p = value_data(v, &got);
        if (got != len || memcmp(p, expected, len) != 0)
                fail_msg("\"%s\" has other bytes (%zu, expected %zu)", key, got, len);
}

static void check_absent(const NubDescription *n, const char *key) {
        if (value_dict_get(n->properties, key))
                fail_msg("property \"%s\" should be absent", key);
}

static void check_nub(const NubDescription *n, const char *class_name, const char *name,
                      const char *location) {
        assert_string_equal(n->class_name, class_name);
        assert_string_equal(n->name, name);
        if (location)
                assert_string_equal(n->location, location);
        else if (n->location)
                fail_msg("location \"%s\", expected none", n->location);
}

static void describe(const DeviceRecord *d, NubDescription *ret) {
        assert_non_null(d);
        assert_int_equal(family_describe_device(d, ret), 0);
        assert_non_null(ret->properties);
}

static const Value *linux_dict(const NubDescription *n) {
        const Value *l = get_prop(n, "Linux");

        assert_int_equal(value_type(l), VALUE_DICTIONARY);
        return l;
}

static void check_linux_string(const NubDescription *n, const char *key, const char *expected) {
        const Value *v = value_dict_get(linux_dict(n), key);

        if (!expected) {
                if (v)
                        fail_msg("Linux.%s should be absent", key);
                return;
        }
        if (!v || value_type(v) != VALUE_STRING || !streq(value_string(v, NULL), expected))
                fail_msg("Linux.%s is not \"%s\"", key, expected);
}

static UmockdevRecording *load(const char *path) {
        UmockdevRecording *r = NULL;

        assert_int_equal(umockdev_load(path, &r), 0);
        assert_non_null(r);
        return r;
}

/* ------------------------------------------------------------------------- */
/* Devices built from tables */

typedef struct TableDevice {
        DeviceRecord record;
        const char *const *attrs; /* borrowed: name, value, ..., NULL */
        const char *const *props; /* borrowed: key, value, ..., NULL */
} TableDevice;

static const char *table_lookup(const char *const *kv, const char *key) {
        for (; kv && kv[0]; kv += 2)
                if (streq(kv[0], key))
                        return kv[1];
        return NULL;
}

static const char *table_attr(const DeviceRecord *d, const char *name) {
        return table_lookup(((const TableDevice *) d->userdata)->attrs, name);
}

static const char *table_property(const DeviceRecord *d, const char *key) {
        return table_lookup(((const TableDevice *) d->userdata)->props, key);
}

static int table_foreach(const DeviceRecord *d, int (*fn)(const char *key, const char *value, void *ud),
                         void *ud) {
        const char *const *kv = ((const TableDevice *) d->userdata)->props;
        int r;

        for (; kv && kv[0]; kv += 2) {
                r = fn(kv[0], kv[1], ud);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* Fills in what a table leaves out: sysname, devpath and the callbacks. */
static DeviceRecord *table_device(TableDevice *t, const DeviceRecord *parent) {
        DeviceRecord *d = &t->record;

        d->sysname = strrchr(d->syspath, '/') + 1;
        d->devpath = d->syspath + strlen("/sys");
        d->parent = parent;
        d->get_attr = table_attr;
        d->get_property = t->props ? table_property : NULL;
        d->foreach_property = t->props ? table_foreach : NULL;
        d->userdata = t;
        return d;
}

/* ------------------------------------------------------------------------- */
/* The class hierarchy */

static void test_class_hierarchy(void **state) {
        _cleanup_(class_table_freep) ClassTable *t = NULL;
        const Class *ether, *network;
        static const char *const services[] = {
                "IOPCIDevice", "IOUSBHostDevice", "IOUSBHostInterface", "IOSerialBSDClient", "IOMedia",
                "IONetworkInterface", "IOEthernetInterface", "IOHIDDevice", "IOPMPowerSource",
                "IOLinuxDevice",
                "IOLinuxKernelDriver",
        };

        assert_int_equal(class_table_new(&t), 0);
        assert_int_equal(family_define_classes(t), 0);
        assert_int_equal(family_define_classes(t), 0); /* again: a no-op */
        for (size_t i = 0; i < ELEMENTSOF(services); i++) {
                const Class *c = class_table_find(t, services[i]);

                assert_non_null(c);
                assert_true(class_table_conforms_to(t, c, "IOService"));
                assert_true(class_table_conforms_to(t, c, "IORegistryEntry"));
        }
        /* Old names personalities still use. */
        assert_ptr_equal(class_table_find(t, "IOUSBDevice"), class_table_find(t, "IOUSBHostDevice"));
        assert_ptr_equal(class_table_find(t, "IOUSBInterface"), class_table_find(t, "IOUSBHostInterface"));
        assert_true(class_table_conforms_to(t, class_table_find(t, "IOUSBHostDevice"), "IOUSBDevice"));
        assert_true(class_table_conforms_to(t, class_table_find(t, "IOUSBDevice"), "IOUSBHostDevice"));
        ether = class_table_find(t, "IOEthernetInterface");
        network = class_table_find(t, "IONetworkInterface");
        assert_true(class_table_conforms_to(t, ether, "IONetworkInterface"));
        assert_false(class_table_conforms_to(t, network, "IOEthernetInterface"));
        assert_true(class_table_conforms_to(t, class_table_find(t, "IOMedia"), "IOStorage"));
        assert_false(class_table_conforms_to(t, class_table_find(t, "IOLinuxDevice"), "IOUSBHostDevice"));
        assert_false(class_table_conforms_to(t, class_table_find(t, "IOHIDDevice"), "IOUSBHostInterface"));
}

/* ------------------------------------------------------------------------- */
/* PCI */

static void test_pci_usb_controllers(void **state) {
        _cleanup_(umockdev_freep) UmockdevRecording *kbd = load(RECORDING("umockdev-input-usbkbd"));
        _cleanup_(umockdev_freep) UmockdevRecording *fp = load(RECORDING("libfprint-synaptics"));
        _cleanup_(nub_done) NubDescription ehci = {}, xhci = {};
        static const char ehci_compatible[] = "pci17aa,2163\0pci8086,3b3c\0pciclass,0c0320";
        static const char xhci_compatible[] = "pci17aa,2292\0pci8086,9ded\0pciclass,0c0330";

        /* 00:1a.0 on a 3.10 kernel: no `revision` attribute, so it comes from config byte 8. */
        describe(umockdev_find(kbd, "0000:00:1a.0"), &ehci);
        check_nub(&ehci, "IOPCIDevice", "pci8086,3b3c", "1A");
        check_data(&ehci, "vendor-id", "\x86\x80\x00\x00", 4);
        check_data(&ehci, "device-id", "\x3c\x3b\x00\x00", 4);
        check_data(&ehci, "subsystem-vendor-id", "\xaa\x17\x00\x00", 4);
        check_data(&ehci, "subsystem-id", "\x63\x21\x00\x00", 4);
        check_data(&ehci, "class-code", "\x20\x03\x0c\x00", 4);
        check_data(&ehci, "revision-id", "\x06\x00\x00\x00", 4);
        check_data(&ehci, "name", "pci8086,3b3c", sizeof("pci8086,3b3c"));
        check_data(&ehci, "compatible", ehci_compatible, sizeof(ehci_compatible));
        check_string(&ehci, "IOName", "pci8086,3b3c");
        check_string(&ehci, "pcidebug", "0:26:0");
        check_linux_string(&ehci, "DRIVER", "ehci-pci");
        check_linux_string(&ehci, "SUBSYSTEM", "pci");

        describe(umockdev_find(fp, "0000:00:14.0"), &xhci);
        check_nub(&xhci, "IOPCIDevice", "pci8086,9ded", "14");
        check_data(&xhci, "revision-id", "\x11\x00\x00\x00", 4);
        check_data(&xhci, "class-code", "\x30\x03\x0c\x00", 4); /* as a Mac's XHC: <30030c00> */
        check_data(&xhci, "compatible", xhci_compatible, sizeof(xhci_compatible));
        check_string(&xhci, "pcidebug", "0:20:0");
}

static void test_pci_function(void **state) {
        _cleanup_(umockdev_freep) UmockdevRecording *spi = load(RECORDING("umockdev-spi-elanfingerprint"));
        _cleanup_(nub_done) NubDescription n = {};
        static const char compatible[] = "pci1043,1d2d\0pci8086,9d29\0pciclass,118000";

        describe(umockdev_find(spi, "0000:00:1e.2"), &n);
        /* "dev,fn" in uppercase hex, like a Mac's "SATA@1F,2". */
        check_nub(&n, "IOPCIDevice", "pci8086,9d29", "1E,2");
        check_data(&n, "class-code", "\x00\x80\x11\x00", 4);
        check_data(&n, "revision-id", "\x21\x00\x00\x00", 4);
        check_data(&n, "compatible", compatible, sizeof(compatible));
        check_string(&n, "pcidebug", "0:30:2");
}

static void test_pci_bridge_and_malformed(void **state) {
        /* A PCIe root port: no subsystem IDs, named "pci-bridge" like a Mac's. Attributes invented. */
        static const char *const bridge_attrs[] = {
                "vendor", "0x8086", "device", "0x15e7", "subsystem_vendor", "0x0000", "subsystem_device",
                "0x0000",
                "class", "0x060400", "revision", "0x06", NULL,
        };
        static const char *const bad_attrs[] = {
                "vendor", "0xzz", "device", "0x123456", "class", "garbage", "revision", "-1", NULL,
        };
        static const char bridge_compatible[] = "pci8086,15e7\0pciclass,060400";
        TableDevice bridge = {
                .record = { .syspath = "/sys/devices/pci0000:00/0000:00:1c.4/0000:04:00.0",
                            .subsystem = "pci" },
                .attrs = bridge_attrs,
        };
        TableDevice bad = {
                .record = { .syspath = "/sys/devices/pci0000:00/not-a-slot", .subsystem = "pci" },
                .attrs = bad_attrs,
        };
        _cleanup_(nub_done) NubDescription b = {}, m = {};

        describe(table_device(&bridge, NULL), &b);
        check_nub(&b, "IOPCIDevice", "pci-bridge", "0");
        check_data(&b, "name", "pci-bridge", sizeof("pci-bridge"));
        check_data(&b, "compatible", bridge_compatible, sizeof(bridge_compatible));
        check_absent(&b, "subsystem-vendor-id");
        check_absent(&b, "subsystem-id");
        check_string(&b, "pcidebug", "4:0:0");

        describe(table_device(&bad, NULL), &m);
        check_nub(&m, "IOPCIDevice", "not-a-slot", NULL);
        check_absent(&m, "vendor-id");
        check_absent(&m, "device-id");
        check_absent(&m, "class-code");
        check_absent(&m, "revision-id");
        check_absent(&m, "compatible");
        check_absent(&m, "pcidebug");
        check_string(&m, "IOName", "not-a-slot");
}

/* ------------------------------------------------------------------------- */
/* USB */

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

/* ------------------------------------------------------------------------- */
/* HID */

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

/* ------------------------------------------------------------------------- */
/* Generic */

static void test_generic_spi_and_serial_bus(void **state) {
        _cleanup_(umockdev_freep) UmockdevRecording *spi = load(RECORDING("umockdev-spi-elanfingerprint"));
        _cleanup_(umockdev_freep) UmockdevRecording *ec = NULL;
        _cleanup_(nub_done) NubDescription dev = {}, node = {}, serdev = {}, misc = {}, port = {};
        const Value *l, *udev;

        ec = load(RECORDING("umockdev-cros_ec-crosfingerprint"));
        describe(umockdev_find(spi, "spi-ELAN7001:00"), &dev);
        check_nub(&dev, "IOLinuxDevice", "spi-ELAN7001:00", NULL);
        check_linux_string(&dev, "SUBSYSTEM", "spi");
        check_linux_string(&dev, "DRIVER", "spidev");
        check_linux_string(&dev, "MODALIAS", "acpi:ELAN7001:");
        check_linux_string(&dev, "SYSPATH",
                           "/sys/devices/pci0000:00/0000:00:1e.2/pxa2xx-spi.3/spi_master/spi0"
                           "/spi-ELAN7001:00");
        check_linux_string(&dev, "DEVNAME", NULL);
        assert_int_equal(value_dict_size(dev.properties), 1); /* the Linux dictionary only */

        describe(umockdev_find(spi, "spidev0.0"), &node);
        check_nub(&node, "IOLinuxDevice", "spidev0.0", NULL);
        l = linux_dict(&node);
        assert_int_equal(value_unsigned(value_dict_get(l, "MAJOR")), 153);
        assert_int_equal(value_number_bits(value_dict_get(l, "MAJOR")), 32);
        assert_int_equal(value_unsigned(value_dict_get(l, "MINOR")), 0);

        /* A serdev device on a UART (subsystem serial) is not a tty: generic. */
        describe(umockdev_find(ec, "serial0-0"), &serdev);
        check_nub(&serdev, "IOLinuxDevice", "serial0-0", NULL);
        check_linux_string(&serdev, "MODALIAS", "of:NcrfpTCgoogle,cros-ec-uart");
        describe(umockdev_find(ec, "cros_fp"), &misc);
        check_nub(&misc, "IOLinuxDevice", "cros_fp", NULL);
        check_linux_string(&misc, "DEVNAME", "/dev/cros_fp");
        udev = value_dict_get(linux_dict(&misc), "udev");
        assert_non_null(udev);
        assert_string_equal(value_string(value_dict_get(udev, "SUBSYSTEM"), NULL), "misc");
        describe(umockdev_find(ec, "AMDI0020:01:0.0"), &port);
        check_nub(&port, "IOLinuxDevice", "AMDI0020:01:0.0", NULL);
        check_linux_string(&port, "DEVTYPE", "port");
}

/* Every device of every recording: a family, a class, a name, and the class its family stands for. */
static void test_every_recorded_device(void **state) {
        static const char *const recordings[] = {
                "umockdev-input-usbkbd", "umockdev-hidraw-fido2", "umockdev-hid-001.038",
                "libfprint-synaptics",
                "umockdev-input-synaptics-touchpad", "umockdev-spi-elanfingerprint",
                "umockdev-cros_ec-crosfingerprint",
                "libfprint-elanspi-hidraw",
        };
        static const struct {
                const char *family, *class_name;
        } classes[] = {
                { "pci", "IOPCIDevice" }, { "usb-device", "IOUSBHostDevice" },
                { "usb-interface", "IOUSBHostInterface" }, { "hid", "IOHIDDevice" },
                { "generic", "IOLinuxDevice" },
        };
        size_t total = 0;

        for (size_t i = 0; i < ELEMENTSOF(recordings); i++) {
                _cleanup_free_ char *path = NULL;
                _cleanup_(umockdev_freep) UmockdevRecording *r = NULL;
                const DeviceRecord *d;

                assert_true(asprintf(&path, "%s/umockdev/%s.umockdev", FAMILY_TEST_DATA, recordings[i]) > 0);
                r = load(path);
                for (size_t k = 0; (d = umockdev_device(r, k)); k++) {
                        _cleanup_(nub_done) NubDescription n = {};
                        const Family *f = family_for_device(d);
                        bool known = false;

                        describe(d, &n);
                        assert_true(strlen(n.name) > 0);
                        for (size_t c = 0; c < ELEMENTSOF(classes); c++)
                                if (streq(f->name, classes[c].family)) {
                                        assert_string_equal(n.class_name, classes[c].class_name);
                                        known = true;
                                }
                        assert_true(known);
                        check_linux_string(&n, "SYSPATH", d->syspath);
                        total++;
                }
        }
        assert_int_equal(total, 47);
}

/* ------------------------------------------------------------------------- */
/* Serial */

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

/* ------------------------------------------------------------------------- */
/* Storage */

/* sda and sda1: LENOVO_T430S (udevdb). Attributes invented: size (a 500 GB HTS725050A7E630 has
 * 976773168 sectors), queue/logical_block_size, removable, ro; the SCSI parent's vendor and model
 * are what the kernel shows for this ATA disk. */
static const char *const t430s_scsi_attrs[] = { "vendor", "ATA     ", "model", "HGST HTS725050A7", NULL };
static const char *const t430s_sda_attrs[] = {
        "size", "976773168", "queue/logical_block_size", "512", "removable", "0", "ro", "0", NULL,
};
static const char *const t430s_sda_props[] = {
        "DEVNAME", "/dev/sda", "DEVTYPE", "disk", "ID_BUS", "ata", "ID_MODEL", "HGST_HTS725050A7E630",
        "ID_MODEL_ENC",
        "HGST\\x20HTS725050A7E630\\x20\\x20\\x20\\x20\\x20\\x20\\x20\\x20\\x20\\x20\\x20\\x20\\x20"
                        "\\x20\\x20\\x20\\x20\\x20\\x20\\x20",
        "ID_PART_TABLE_TYPE", "gpt", "ID_SERIAL_SHORT", "TF755AWHG5Y15M", "ID_TYPE", "disk", "MAJOR", "8",
        "MINOR", "0", "SUBSYSTEM", "block", NULL,
};
static const char *const t430s_sda1_attrs[] = {
        "size", "2048000", "start", "2048", "partition", "1", "ro", "0", NULL,
};
static const char *const t430s_sda1_props[] = {
        "DEVNAME", "/dev/sda1", "DEVTYPE", "partition", "ID_FS_LABEL", "WINRE_DRV", "ID_FS_TYPE", "ntfs",
        "ID_FS_UUID", "7EB4BDFAB4BDB4CD", "ID_PART_ENTRY_DISK", "8:0", "ID_PART_ENTRY_FLAGS", "0x1",
        "ID_PART_ENTRY_NUMBER", "1", "ID_PART_ENTRY_OFFSET", "2048", "ID_PART_ENTRY_SCHEME", "gpt",
        "ID_PART_ENTRY_SIZE", "2048000", "ID_PART_ENTRY_TYPE", "de94bba4-06d1-4d40-a16a-bfd50179d6ac",
        "ID_PART_ENTRY_UUID", "58c0030d-7957-4c21-b0cd-53b952d2d692", "ID_PART_TABLE_TYPE", "gpt",
        "MAJOR", "8",
        "MINOR", "1", "SUBSYSTEM", "block", NULL,
};

static void test_storage_sata_disk(void **state) {
        TableDevice scsi = {
                .record = { .syspath = "/sys/devices/pci0000:00/0000:00:1f.2/ata1/host0/target0:0:0/0:0:0:0",
                            .subsystem = "scsi", .devtype = "scsi_device" },
                .attrs = t430s_scsi_attrs,
        };
        TableDevice sda = {
                .record = { .syspath = "/sys/devices/pci0000:00/0000:00:1f.2/ata1/host0/target0:0:0"
                            "/0:0:0:0/block/sda",
                            .subsystem = "block", .devtype = "disk", .devname = "/dev/sda",
                            .major = 8, .minor = 0 },
                .attrs = t430s_sda_attrs,
                .props = t430s_sda_props,
        };
        TableDevice sda1 = {
                .record = { .syspath = "/sys/devices/pci0000:00/0000:00:1f.2/ata1/host0/target0:0:0"
                            "/0:0:0:0/block/sda/sda1",
                            .subsystem = "block", .devtype = "partition", .devname = "/dev/sda1",
                            .major = 8, .minor = 1 },
                .attrs = t430s_sda1_attrs,
                .props = t430s_sda1_props,
        };
        _cleanup_(nub_done) NubDescription disk = {}, part = {};

        table_device(&scsi, NULL);
        describe(table_device(&sda, &scsi.record), &disk);
        check_nub(&disk, "IOMedia", "HGST HTS725050A7E630 Media", NULL);
        check_string(&disk, "BSD Name", "sda");
        check_unsigned(&disk, "BSD Major", 8, 32);
        check_unsigned(&disk, "BSD Minor", 0, 32);
        check_unsigned(&disk, "BSD Unit", 0, 32);
        check_unsigned(&disk, "Size", UINT64_C(976773168) * 512, 64);
        check_unsigned(&disk, "Preferred Block Size", 512, 64);
        check_bool(&disk, "Whole", true);
        check_bool(&disk, "Leaf", false); /* it has a partition table */
        check_bool(&disk, "Removable", false);
        check_bool(&disk, "Ejectable", false);
        check_bool(&disk, "Writable", true);
        check_string(&disk, "Content", "GUID_partition_scheme");
        check_string(&disk, "Content Hint", "");
        check_absent(&disk, "UUID");
        check_absent(&disk, "Base");
        check_absent(&disk, "Partition ID");

        describe(table_device(&sda1, &sda.record), &part);
        check_nub(&part, "IOMedia", "Untitled 1", "1"); /* no GPT partition name in this dump */
        check_string(&part, "BSD Name", "sda1");
        check_unsigned(&part, "BSD Minor", 1, 32);
        check_unsigned(&part, "BSD Unit", 0, 32);
        check_unsigned(&part, "Size", UINT64_C(2048000) * 512, 64);
        check_unsigned(&part, "Base", UINT64_C(2048) * 512, 64);
        check_unsigned(&part, "Partition ID", 1, 32);
        check_unsigned(&part, "Preferred Block Size", 512, 64); /* the disk's */
        check_bool(&part, "Whole", false);
        check_bool(&part, "Leaf", true);
        check_bool(&part, "Removable", false); /* the disk's */
        check_bool(&part, "Writable", true);
        check_string(&part, "Content", "DE94BBA4-06D1-4D40-A16A-BFD50179D6AC");
        check_string(&part, "Content Hint", "DE94BBA4-06D1-4D40-A16A-BFD50179D6AC");
        check_string(&part, "UUID", "58C0030D-7957-4C21-B0CD-53B952D2D692");
}

static void test_storage_nvme(void **state) {
        /* HP_ELITEBOOK_835_13_INCH_G10 (udevdb); the controller's `model`, size and the rest invented. */
        static const char *const ctrl_attrs[] = { "model", "WD PC SN740 SDDQNQD-256G-1006          ", NULL };
        static const char *const disk_attrs[] = {
                "size", "500118192", "queue/logical_block_size", "512", "removable", "0", "ro", "0", NULL,
        };
        static const char *const disk_props[] = {
                "DEVTYPE", "disk", "ID_MODEL", "WD PC SN740 SDDQNQD-256G-1006", "ID_PART_TABLE_TYPE", "gpt",
                "ID_PART_TABLE_UUID", "95a8b5d1-e53c-4b93-b97f-d9de372de5a8", NULL,
        };
        static const char *const part_attrs[] = {
                "size", "1050748", "start", "34", "partition", "1", "ro", "0", NULL,
        };
        static const char *const part_props[] = {
                "DEVTYPE", "partition", "PARTN", "1", "PARTNAME", "EFI", "ID_FS_UUID", "5D3A-3942",
                "ID_PART_ENTRY_SCHEME", "gpt", "ID_PART_ENTRY_NAME", "EFI",
                "ID_PART_ENTRY_UUID", "02c28251-a69b-44d9-8438-835853fbebc6",
                "ID_PART_ENTRY_TYPE", "c12a7328-f81f-11d2-ba4b-00a0c93ec93b", "ID_PART_ENTRY_NUMBER",
                "1", NULL,
        };
        TableDevice ctrl = {
                .record = { .syspath = "/sys/devices/pci0000:00/0000:00:02.4/0000:03:00.0/nvme/nvme0",
                            .subsystem = "nvme" },
                .attrs = ctrl_attrs,
        };
        TableDevice disk = {
                .record = { .syspath = "/sys/devices/pci0000:00/0000:00:02.4/0000:03:00.0/nvme/nvme0"
                            "/nvme0n1",
                            .subsystem = "block", .devtype = "disk", .devname = "/dev/nvme0n1",
                            .major = 259, .minor = 0 },
                .attrs = disk_attrs,
                .props = disk_props,
        };
        TableDevice part = {
                .record = { .syspath = "/sys/devices/pci0000:00/0000:00:02.4/0000:03:00.0/nvme/nvme0"
                            "/nvme0n1/nvme0n1p1",
                            .subsystem = "block", .devtype = "partition", .devname = "/dev/nvme0n1p1",
                            .major = 259,
                            .minor = 1 },
                .attrs = part_attrs,
                .props = part_props,
        };
        _cleanup_(nub_done) NubDescription d = {}, p = {};

        table_device(&ctrl, NULL);
        describe(table_device(&disk, &ctrl.record), &d);
        check_nub(&d, "IOMedia", "WD PC SN740 SDDQNQD-256G-1006 Media", NULL);
        check_unsigned(&d, "BSD Unit", 0, 32);
        check_unsigned(&d, "BSD Major", 259, 32);
        check_absent(&d, "UUID"); /* the table's UUID belongs to the partition scheme, not the media */

        describe(table_device(&part, &disk.record), &p);
        check_nub(&p, "IOMedia", "EFI", "1");
        check_unsigned(&p, "Base", 34 * 512, 64);
        /* As a Mac's "EFI System Partition@1". */
        check_string(&p, "Content", "C12A7328-F81F-11D2-BA4B-00A0C93EC93B");
        check_string(&p, "UUID", "02C28251-A69B-44D9-8438-835853FBEBC6");
}

static void test_storage_without_udev(void **state) {
        /* No udev: names from sysfs alone, the partition name from the kernel's uevent (PARTNAME). */
        static const char *const stick_scsi_attrs[] = {
                "vendor", "SanDisk ", "model", "Cruzer Glide    ", NULL,
        };
        static const char *const stick_attrs[] = {
                "size", "60063744", "queue/logical_block_size", "512", "removable", "1", "ro", "0",
                "dev", "8:16", NULL,
        };
        static const char *const part_attrs[] = {
                "size", "60061696", "start", "2048", "partition", "1", "ro", "1",
                "uevent",
                "MAJOR=8\nMINOR=17\nDEVNAME=sdb1\nDEVTYPE=partition\nPARTN=1\nPARTNAME=Basic data partition",
                NULL,
        };
        static const char *const loop_attrs[] = { "size", "0", "removable", "0", "ro", "0", NULL };
        TableDevice scsi = {
                .record = { .syspath = "/sys/devices/pci0000:00/0000:00:14.0/usb2/2-1/2-1:1.0/host6"
                            "/target6:0:0/6:0:0:0",
                            .subsystem = "scsi", .devtype = "scsi_device" },
                .attrs = stick_scsi_attrs,
        };
        TableDevice stick = {
                .record = { .syspath = "/sys/devices/pci0000:00/0000:00:14.0/usb2/2-1/2-1:1.0/host6"
                            "/target6:0:0/6:0:0:0/block/sdb",
                            .subsystem = "block", .devtype = "disk", .devname = "/dev/sdb" },
                .attrs = stick_attrs,
        };
        TableDevice part = {
                .record = { .syspath = "/sys/devices/pci0000:00/0000:00:14.0/usb2/2-1/2-1:1.0/host6"
                            "/target6:0:0/6:0:0:0/block/sdb/sdb1",
                            .subsystem = "block", .devtype = "partition", .devname = "/dev/sdb1",
                            .major = 8, .minor = 17 },
                .attrs = part_attrs,
        };
        TableDevice loop = {
                .record = { .syspath = "/sys/devices/virtual/block/loop3",
                            .subsystem = "block", .devtype = "disk",
                            .devname = "/dev/loop3", .major = 7, .minor = 3 },
                .attrs = loop_attrs,
        };
        _cleanup_(nub_done) NubDescription s = {}, p = {}, l = {};

        table_device(&scsi, NULL);
        describe(table_device(&stick, &scsi.record), &s);
        check_nub(&s, "IOMedia", "SanDisk Cruzer Glide Media", NULL);
        check_unsigned(&s, "BSD Major", 8, 32); /* from the `dev` attribute */
        check_unsigned(&s, "BSD Minor", 16, 32);
        check_unsigned(&s, "BSD Unit", 1, 32);
        check_bool(&s, "Removable", true);
        check_bool(&s, "Ejectable", true);
        check_bool(&s, "Leaf", true); /* no udev: the partition table is unknown */
        check_string(&s, "Content", "");

        describe(table_device(&part, &stick.record), &p);
        check_nub(&p, "IOMedia", "Basic data partition", "1");
        check_bool(&p, "Writable", false);
        check_bool(&p, "Removable", true);
        check_string(&p, "Content", "");
        check_absent(&p, "UUID");

        describe(table_device(&loop, NULL), &l);
        check_nub(&l, "IOMedia", "loop3", NULL);
        check_unsigned(&l, "BSD Unit", 3, 32);
        check_unsigned(&l, "Size", 0, 64);
        check_absent(&l, "Preferred Block Size");
}

static void test_storage_mbr_and_malformed(void **state) {
        static const char *const disk_attrs[] = { "size", "lots", "removable", "maybe", "ro", "2", NULL };
        static const char *const disk_props[] = { "ID_PART_TABLE_TYPE", "dos", NULL };
        static const char *const part_attrs[] = { "size", "-5", "start", "x", "partition", "one", NULL };
        static const char *const part_props[] = {
                "ID_PART_ENTRY_SCHEME", "dos", "ID_PART_ENTRY_TYPE", "0xc", "ID_PART_ENTRY_UUID",
                "5f2a0b1c-01", NULL,
        };
        TableDevice disk = {
                .record = { .syspath = "/sys/devices/virtual/block/vdc",
                            .subsystem = "block", .devtype = "disk" },
                .attrs = disk_attrs,
                .props = disk_props,
        };
        TableDevice part = {
                .record = { .syspath = "/sys/devices/virtual/block/vdc/vdc1",
                            .subsystem = "block", .devtype = "partition" },
                .attrs = part_attrs,
                .props = part_props,
        };
        _cleanup_(nub_done) NubDescription d = {}, p = {};

        describe(table_device(&disk, NULL), &d);
        check_nub(&d, "IOMedia", "vdc", NULL);
        check_string(&d, "Content", "FDisk_partition_scheme");
        check_unsigned(&d, "BSD Unit", 2, 32);
        check_absent(&d, "Size");
        check_absent(&d, "Removable");
        check_absent(&d, "Writable");
        check_absent(&d, "BSD Major");

        describe(table_device(&part, &disk.record), &p);
        /* No partition number: neither "Untitled N" nor a location. */
        check_nub(&p, "IOMedia", "vdc1", NULL);
        check_string(&p, "Content", "0x0C");
        check_string(&p, "Content Hint", "0x0C");
        check_string(&p, "UUID", "5F2A0B1C-01");
        check_absent(&p, "Size");
        check_absent(&p, "Base");
        check_absent(&p, "Partition ID");
}

/* ------------------------------------------------------------------------- */
/* Network */

static void test_network(void **state) {
        /* eth0: LENOVO_T430S (udevdb); the attributes are invented. */
        static const char *const eth_attrs[] = {
                "type", "1", "address", "3c:97:0e:a1:b2:c3", "addr_len", "6", "mtu", "1500", "carrier", "1",
                "operstate", "up", "speed", "1000", NULL,
        };
        static const char *const eth_props[] = {
                "ID_BUS", "pci", "ID_MODEL_FROM_DATABASE", "82579LM Gigabit Network Connection",
                "IFINDEX", "2",
                "INTERFACE", "eth0", "SUBSYSTEM", "net", NULL,
        };
        /* wlp1s0: HP_ELITEBOOK_835_13_INCH_G10; the address is the one in its ID_NET_NAME_MAC. */
        static const char *const wlan_attrs[] = {
                "type", "1", "address", "60:e9:aa:f9:67:67", "addr_len", "6", "mtu", "1500", "carrier", "0",
                "operstate", "down", "speed", "-1", NULL,
        };
        static const char *const lo_attrs[] = {
                "type", "772", "address", "00:00:00:00:00:00", "addr_len", "6", "mtu", "65536",
                "operstate", "unknown",
                NULL,
        };
        /* wwan0: HP_ELITEBOOK_835_13_INCH_G10, a raw-IP modem: no link-layer address. */
        static const char *const wwan_attrs[] = { "type", "65534", "addr_len", "0", "mtu", "1500", NULL };
        TableDevice eth = {
                .record = { .syspath = "/sys/devices/pci0000:00/0000:00:19.0/net/eth0", .subsystem = "net" },
                .attrs = eth_attrs,
                .props = eth_props,
        };
        TableDevice wlan = {
                .record = { .syspath = "/sys/devices/pci0000:00/0000:00:02.2/0000:01:00.0/net/wlp1s0",
                            .subsystem = "net",
                            .devtype = "wlan" },
                .attrs = wlan_attrs,
        };
        TableDevice lo = {
                .record = { .syspath = "/sys/devices/virtual/net/lo", .subsystem = "net" },
                .attrs = lo_attrs,
        };
        TableDevice wwan = {
                .record = { .syspath = "/sys/devices/pci0000:00/0000:00:02.3/0000:02:00.0/wwan/wwan0"
                            "/net/wwan0",
                            .subsystem = "net", .devtype = "wwan" },
                .attrs = wwan_attrs,
        };
        _cleanup_(nub_done) NubDescription e = {}, w = {}, l = {}, m = {};

        describe(table_device(&eth, NULL), &e);
        check_nub(&e, "IOEthernetInterface", "eth0", NULL);
        check_string(&e, "BSD Name", "eth0");
        check_string(&e, "IOInterfaceNamePrefix", "eth");
        check_unsigned(&e, "IOInterfaceUnit", 0, 32);
        check_data(&e, "IOMACAddress", "\x3c\x97\x0e\xa1\xb2\xc3", 6);
        check_unsigned(&e, "IOMediaAddressLength", 6, 8);
        check_unsigned(&e, "IOMaxTransferUnit", 1500, 32);
        check_unsigned(&e, "IOInterfaceType", 6, 8); /* IFT_ETHER, as a Mac's en0 */
        check_unsigned(&e, "IOLinkStatus", 3, 32);   /* valid | active */
        check_unsigned(&e, "IOLinkSpeed", UINT64_C(1000000000), 64);
        check_linux_string(&e, "SUBSYSTEM", "net");

        describe(table_device(&wlan, NULL), &w);
        check_nub(&w, "IOEthernetInterface", "wlp1s0", NULL);
        check_string(&w, "IOInterfaceNamePrefix", "wlp1s");
        check_unsigned(&w, "IOInterfaceUnit", 0, 32);
        check_data(&w, "IOMACAddress", "\x60\xe9\xaa\xf9\x67\x67", 6);
        check_unsigned(&w, "IOLinkStatus", 1, 32); /* valid, no carrier */
        check_absent(&w, "IOLinkSpeed");           /* speed -1: unknown */

        describe(table_device(&lo, NULL), &l);
        check_nub(&l, "IONetworkInterface", "lo", NULL);
        check_string(&l, "IOInterfaceNamePrefix", "lo");
        check_absent(&l, "IOInterfaceUnit");
        check_unsigned(&l, "IOInterfaceType", 0x18, 8); /* IFT_LOOP */
        check_unsigned(&l, "IOLinkStatus", 0, 32);
        check_unsigned(&l, "IOMaxTransferUnit", 65536, 32);

        describe(table_device(&wwan, NULL), &m);
        check_nub(&m, "IONetworkInterface", "wwan0", NULL);
        check_unsigned(&m, "IOInterfaceType", 0xff, 8); /* IFT_CELLULAR */
        check_absent(&m, "IOMACAddress");
        check_unsigned(&m, "IOMediaAddressLength", 0, 8);
}

static void test_network_malformed(void **state) {
        static const char *const attrs[] = {
                "type", "ether", "address", "zz:00:00:00:00:00", "addr_len", "6", "mtu", "-1", "speed",
                "fast", NULL,
        };
        static const char *const short_attrs[] = {
                "type", "1", "address", "00:11:22", "addr_len", "6", NULL,
        };
        TableDevice bad = {
                .record = { .syspath = "/sys/devices/virtual/net/enx54af978e007e", .subsystem = "net" },
                .attrs = attrs,
        };
        TableDevice shortaddr = {
                .record = { .syspath = "/sys/devices/virtual/net/eth7", .subsystem = "net" },
                .attrs = short_attrs,
        };
        _cleanup_(nub_done) NubDescription b = {}, s = {};

        describe(table_device(&bad, NULL), &b);
        /* The type is unreadable: not known to be Ethernet. */
        check_nub(&b, "IONetworkInterface", "enx54af978e007e", NULL);
        check_string(&b, "IOInterfaceNamePrefix", "enx54af978e007e");  /* ends in a letter: no unit */
        check_absent(&b, "IOInterfaceUnit");
        check_absent(&b, "IOMACAddress");
        check_absent(&b, "IOMaxTransferUnit");
        check_absent(&b, "IOInterfaceType");
        check_absent(&b, "IOLinkSpeed");

        describe(table_device(&shortaddr, NULL), &s);
        check_nub(&s, "IOEthernetInterface", "eth7", NULL);
        check_absent(&s, "IOMACAddress"); /* 3 bytes where addr_len says 6 */
}

/* ------------------------------------------------------------------------- */
/* Power sources */

static void test_power_source_battery(void **state) {
        /* BAT0: LENOVO_T430S (udevdb), as the kernel's POWER_SUPPLY_* uevent variables only: an
         * energy-reporting battery (µWh), converted to mAh with the design voltage. */
        static const char *const props[] = {
                "POWER_SUPPLY_CAPACITY", "99", "POWER_SUPPLY_CYCLE_COUNT", "0",
                "POWER_SUPPLY_ENERGY_FULL", "42990000", "POWER_SUPPLY_ENERGY_FULL_DESIGN", "44000000",
                "POWER_SUPPLY_ENERGY_NOW", "42950000", "POWER_SUPPLY_MANUFACTURER", "SANYO",
                "POWER_SUPPLY_MODEL_NAME", "45N1037", "POWER_SUPPLY_NAME", "BAT0",
                "POWER_SUPPLY_POWER_NOW", "0",
                "POWER_SUPPLY_PRESENT", "1", "POWER_SUPPLY_SERIAL_NUMBER", " 1586",
                "POWER_SUPPLY_STATUS", "Unknown",
                "POWER_SUPPLY_TECHNOLOGY", "Li-ion", "POWER_SUPPLY_VOLTAGE_MIN_DESIGN", "11100000",
                "POWER_SUPPLY_VOLTAGE_NOW", "12515000", "SUBSYSTEM", "power_supply", NULL,
        };
        /* Invented: the 2012 dump has no POWER_SUPPLY_TYPE. */
        static const char *const attrs[] = { "type", "Battery", NULL };
        TableDevice bat = {
                .record = { .syspath = "/sys/devices/LNXSYSTM:00/LNXSYBUS:00/PNP0A08:00/device:08"
                            "/PNP0C09:00/PNP0C0A:00/power_supply/BAT0",
                            .subsystem = "power_supply" },
                .attrs = attrs,
                .props = props,
        };
        _cleanup_(nub_done) NubDescription n = {};

        describe(table_device(&bat, NULL), &n);
        check_nub(&n, "IOPMPowerSource", "BAT0", NULL);
        check_unsigned(&n, "CurrentCapacity", 3869, 32); /* 42950000 µWh / 11.1 V */
        check_unsigned(&n, "MaxCapacity", 3872, 32);
        check_unsigned(&n, "DesignCapacity", 3963, 32);
        check_unsigned(&n, "Voltage", 12515, 32);
        check_signed(&n, "Amperage", 0, 32);
        check_unsigned(&n, "CycleCount", 0, 32);
        check_bool(&n, "BatteryInstalled", true);
        check_string(&n, "Manufacturer", "SANYO");
        check_string(&n, "DeviceName", "45N1037");
        check_string(&n, "Serial", "1586");
        check_absent(&n, "IsCharging"); /* status Unknown */
        check_absent(&n, "ExternalConnected");
        check_absent(&n, "Temperature");
}

static void test_power_source_discharging(void **state) {
        /* A charge-reporting battery, as sysfs attributes (invented, typical of an ACPI battery). */
        static const char *const attrs[] = {
                "type", "Battery", "status", "Discharging", "present", "1", "charge_now", "3012000",
                "charge_full", "4210000", "charge_full_design", "4400000", "current_now", "1270000",
                "voltage_now", "11893000", "cycle_count", "212", "temp", "312", "time_to_empty_now", "8460",
                "manufacturer", "SMP", "model_name", "5B10W13975", "serial_number", "1234", NULL,
        };
        static const char *const charging_attrs[] = {
                "type", "Battery", "status", "Charging", "present", "1", "capacity", "57", "current_now",
                "-900000",
                NULL,
        };
        static const char *const ac_attrs[] = { "type", "Mains", "online", "1", NULL };
        /* AC: HP_ELITEBOOK_835_13_INCH_G10 (udevdb), as uevent variables. */
        static const char *const usb_props[] = {
                "POWER_SUPPLY_NAME", "ucsi-source-psy-USBC000:001", "POWER_SUPPLY_TYPE", "USB",
                "POWER_SUPPLY_ONLINE", "0", NULL,
        };
        TableDevice bat = {
                .record = { .syspath = "/sys/devices/platform/PNP0C0A:00/power_supply/BAT1",
                            .subsystem = "power_supply" },
                .attrs = charging_attrs,
        };
        TableDevice dis = {
                .record = { .syspath = "/sys/devices/platform/PNP0C0A:00/power_supply/BAT0",
                            .subsystem = "power_supply" },
                .attrs = attrs,
        };
        TableDevice ac = {
                .record = { .syspath = "/sys/devices/platform/ACPI0003:00/power_supply/AC",
                            .subsystem = "power_supply" },
                .attrs = ac_attrs,
        };
        TableDevice usb = {
                .record = { .syspath = "/sys/devices/platform/USBC000:00/power_supply"
                            "/ucsi-source-psy-USBC000:001",
                            .subsystem = "power_supply" },
                .props = usb_props,
        };
        _cleanup_(nub_done) NubDescription d = {}, c = {}, a = {}, u = {};

        describe(table_device(&dis, NULL), &d);
        check_unsigned(&d, "CurrentCapacity", 3012, 32);
        check_unsigned(&d, "MaxCapacity", 4210, 32);
        check_unsigned(&d, "DesignCapacity", 4400, 32);
        check_unsigned(&d, "Voltage", 11893, 32);
        check_signed(&d, "Amperage", -1270, 32); /* negative while discharging, as on a Mac */
        check_unsigned(&d, "CycleCount", 212, 32);
        check_signed(&d, "Temperature", 3120, 32); /* 31.2 °C in 0.01 °C */
        check_signed(&d, "TimeRemaining", 141, 32); /* minutes */
        check_bool(&d, "IsCharging", false);
        check_bool(&d, "FullyCharged", false);
        check_bool(&d, "ExternalConnected", false);
        check_string(&d, "DeviceName", "5B10W13975");

        describe(table_device(&bat, NULL), &c);
        check_unsigned(&c, "CurrentCapacity", 57, 32); /* a percentage when only `capacity` is known */
        check_unsigned(&c, "MaxCapacity", 100, 32);
        check_absent(&c, "DesignCapacity");
        check_signed(&c, "Amperage", 900, 32);
        check_bool(&c, "IsCharging", true);
        check_bool(&c, "ExternalConnected", true);

        describe(table_device(&ac, NULL), &a);
        check_nub(&a, "IOPMPowerSource", "AC", NULL);
        check_bool(&a, "ExternalConnected", true);
        check_absent(&a, "BatteryInstalled");
        assert_int_equal(value_dict_size(a.properties), 2); /* and the Linux dictionary */

        describe(table_device(&usb, NULL), &u);
        check_bool(&u, "ExternalConnected", false);
}

static void test_power_source_malformed(void **state) {
        static const char *const attrs[] = {
                "type", "Battery", "status", "Discharging", "charge_now", "lots", "voltage_now", "-5",
                "current_now", "x", "cycle_count", "99999999999", "temp", "", "present", "yes", NULL,
        };
        TableDevice bat = {
                .record = { .syspath = "/sys/devices/platform/test/power_supply/BAT9",
                            .subsystem = "power_supply" },
                .attrs = attrs,
        };
        _cleanup_(nub_done) NubDescription n = {};

        describe(table_device(&bat, NULL), &n);
        check_nub(&n, "IOPMPowerSource", "BAT9", NULL);
        check_absent(&n, "CurrentCapacity");
        check_absent(&n, "Voltage");
        check_absent(&n, "Amperage");
        check_absent(&n, "CycleCount"); /* above 32 bits */
        check_absent(&n, "Temperature");
        check_absent(&n, "BatteryInstalled");
        check_bool(&n, "ExternalConnected", false);
}

/* ------------------------------------------------------------------------- */
/* The loader and the family table itself */

static void test_family_describe_rejects(void **state) {
        DeviceRecord nameless = { .subsystem = "usb" };
        NubDescription n = { .name = (char *) "untouched" };

        assert_int_equal(family_describe_device(&nameless, &n), -EINVAL);
        assert_string_equal(n.name, "untouched");
}

static void test_umockdev_loader(void **state) {
        _cleanup_(umockdev_freep) UmockdevRecording *r = load(RECORDING("umockdev-input-usbkbd"));
        const DeviceRecord *kbd = umockdev_find(r, "1-1.5.4.2"), *in = umockdev_find(r, "input5");
        UmockdevRecording *bad = NULL;
        uint8_t desc[4];
        char path[] = "/tmp/test-families-XXXXXX";
        int fd;

        assert_int_equal(r->n_devices, 9);
        assert_non_null(kbd);
        assert_string_equal(kbd->parent->sysname, "1-1.5.4");
        assert_string_equal(in->parent->sysname, "1-1.5.4.2:1.0"); /* across the "input" directory */
        assert_null(umockdev_find(r, "0000:00:1a.0")->parent);
        assert_string_equal(device_record_attr(kbd, "busnum"), "1"); /* "1\n" unescaped and stripped */
        assert_string_equal(device_record_attr(kbd, "version"), " 1.10"); /* leading blanks are sysfs' */
        assert_string_equal(device_record_attr(kbd, "driver"), "usb"); /* an L: link */
        assert_string_equal(kbd->devname, "/dev/bus/usb/001/009");
        assert_int_equal(kbd->major, 189);
        assert_int_equal(kbd->minor, 8);
        assert_int_equal(device_record_read_attr_binary(kbd, "descriptors", desc, sizeof(desc)), 4);
        assert_memory_equal(desc, "\x12\x01\x10\x01", 4);
        assert_int_equal(device_record_read_attr_binary(kbd, "nope", desc, sizeof(desc)), -ENOENT);
        assert_null(device_record_attr(kbd, "descriptors")); /* binary: not a text attribute */

        assert_int_equal(umockdev_load("/nonexistent/x.umockdev", &bad), -ENOENT);
        fd = mkstemp(path);
        assert_true(fd >= 0);
        assert_true(write(fd, "P: /devices/x\nQ: what\n", 22) == 22);
        close(fd);
        assert_int_equal(umockdev_load(path, &bad), -EBADMSG);
        assert_null(bad);
        unlink(path);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_class_hierarchy),
                cmocka_unit_test(test_pci_usb_controllers),
                cmocka_unit_test(test_pci_function),
                cmocka_unit_test(test_pci_bridge_and_malformed),
                cmocka_unit_test(test_usb_keyboard_behind_hubs),
                cmocka_unit_test(test_usb_hid_interface),
                cmocka_unit_test(test_usb_fido2),
                cmocka_unit_test(test_usb_dell_dock),
                cmocka_unit_test(test_usb_vendor_class),
                cmocka_unit_test(test_usb_malformed),
                cmocka_unit_test(test_hid_fido2),
                cmocka_unit_test(test_hid_i2c),
                cmocka_unit_test(test_hid_usb_keyboard_input),
                cmocka_unit_test(test_hid_ps2_touchpad),
                cmocka_unit_test(test_hid_input_without_udev),
                cmocka_unit_test(test_hid_malformed),
                cmocka_unit_test(test_generic_spi_and_serial_bus),
                cmocka_unit_test(test_every_recorded_device),
                cmocka_unit_test(test_serial),
                cmocka_unit_test(test_serial_virtual_consoles),
                cmocka_unit_test(test_storage_sata_disk),
                cmocka_unit_test(test_storage_nvme),
                cmocka_unit_test(test_storage_without_udev),
                cmocka_unit_test(test_storage_mbr_and_malformed),
                cmocka_unit_test(test_network),
                cmocka_unit_test(test_network_malformed),
                cmocka_unit_test(test_power_source_battery),
                cmocka_unit_test(test_power_source_discharging),
                cmocka_unit_test(test_power_source_malformed),
                cmocka_unit_test(test_family_describe_rejects),
                cmocka_unit_test(test_umockdev_loader),
        };

        return cmocka_run_group_tests_name("families", tests, NULL, NULL);
}
