/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-families.c: the families (daemon/core/devices/family-*.c) as a whole:
 * the class hierarchy, generic nubs (SPI, serial bus), every recorded device,
 * the family table and the umockdev loader. The other test-families-*.c take
 * one family each: for real recordings (tests/data/umockdev) and devices
 * built from tables, the class, name, location and every property with its
 * exact type and width, and malformed attributes, which must leave a property
 * out, never fill it with garbage.
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

#include "class-table.h"
#include "family-check.h"

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

/* The families in family.c's order, asked without its subsystem filter. */
static const Family *family_asking_all(const DeviceRecord *d) {
        static const Family *const order[] = {
                &family_pci,     &family_usb_device, &family_usb_interface, &family_serial, &family_storage,
                &family_network, &family_hid,        &family_power_source,  &family_generic,
        };

        for (size_t i = 0; i < ELEMENTSOF(order); i++)
                if (order[i]->handles(d))
                        return order[i];
        return NULL;
}

/* A family that accepts d lists d's subsystem (or none): the filter skips only families that refuse. */
static void check_subsystem_filter(const DeviceRecord *d) {
        const Family *f = family_asking_all(d);
        bool listed = !f->subsystems[0];

        for (size_t i = 0; i < ELEMENTSOF(f->subsystems) && f->subsystems[i]; i++)
                listed = listed || streq_ptr(d->subsystem, f->subsystems[i]);
        assert_true(listed);
        assert_ptr_equal(family_for_device(d), f);
}

static void test_family_subsystem_filter(void **state) {
        static const DeviceRecord records[] = {
                { .syspath = "/sys/devices/platform/serial8250/tty/ttyS0", .sysname = "ttyS0", .subsystem = "tty",
                  .devname = "/dev/ttyS0" },
                { .syspath = "/sys/devices/virtual/tty/tty1", .sysname = "tty1", .subsystem = "tty", .devname = "/dev/tty1" },
                { .syspath = "/sys/devices/virtual/block/loop0", .sysname = "loop0", .subsystem = "block",
                  .devtype = "disk", .devname = "/dev/loop0" },
                { .syspath = "/sys/devices/virtual/net/lo", .sysname = "lo", .subsystem = "net" },
                { .syspath = "/sys/devices/LNXSYSTM:00/AC", .sysname = "AC", .subsystem = "power_supply" },
                { .syspath = "/sys/devices/platform/i8042/serio0/input/input3", .sysname = "input3", .subsystem = "input" },
                { .syspath = "/sys/devices/platform/i8042/serio0/input/input3/event3", .sysname = "event3",
                  .subsystem = "input", .devname = "/dev/input/event3" },
                { .syspath = "/sys/devices/platform/grp0/ev1", .sysname = "ev1", .subsystem = "platform" },
                { .syspath = "/sys/devices/platform/grp0/ev2", .sysname = "ev2" },
        };

        for (size_t i = 0; i < ELEMENTSOF(records); i++)
                check_subsystem_filter(&records[i]);
        assert_ptr_equal(family_for_device(&records[0]), &family_serial);
        assert_ptr_equal(family_for_device(&records[2]), &family_storage);
        assert_ptr_equal(family_for_device(&records[3]), &family_network);
        assert_ptr_equal(family_for_device(&records[4]), &family_power_source);
        assert_ptr_equal(family_for_device(&records[5]), &family_hid);
        assert_ptr_equal(family_for_device(&records[7]), &family_generic);
        assert_ptr_equal(family_for_device(&records[8]), &family_generic);
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

                        check_subsystem_filter(d);
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
                cmocka_unit_test(test_generic_spi_and_serial_bus),
                cmocka_unit_test(test_every_recorded_device),
                cmocka_unit_test(test_family_subsystem_filter),
                cmocka_unit_test(test_family_describe_rejects),
                cmocka_unit_test(test_umockdev_loader),
        };

        return cmocka_run_group_tests_name("families", tests, NULL, NULL);
}
