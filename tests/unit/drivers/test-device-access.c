/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-device-access.c: which node a nub gives its driver
 * (daemon/drivers/device-access.h), from the nub's Linux dictionary and a
 * sysfs tree written to a temporary folder in the kernel's layout: a USB
 * device (busnum, devnum), one of its interfaces (bInterfaceNumber), a HID
 * device with its hidraw child, an input device with its evdev child, a
 * tty, nubs with no node; and the open itself on a regular file standing
 * for DEVNAME (the flags the server's fd gets).
 */

#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "device-access.h"

typedef struct Fixture {
        Registry *reg;  /* owned */
        char dir[64];   /* the fake sysfs */
} Fixture;

static void write_file(const char *dir, const char *rel, const char *content) {
        char path[512], cmd[600];
        FILE *f;

        snprintf(path, sizeof(path), "%s/%s", dir, rel);
        snprintf(cmd, sizeof(cmd), "mkdir -p \"$(dirname '%s')\"", path);
        assert_int_equal(system(cmd), 0);
        f = fopen(path, "we");
        assert_non_null(f);
        fputs(content, f);
        assert_int_equal(fclose(f), 0);
}

static int setup(void **state) {
        Fixture *f = calloc(1, sizeof(*f));

        if (!f || registry_new(&f->reg) < 0)
                return -1;
        strcpy(f->dir, "/tmp/ioreg-access-XXXXXX");
        if (!mkdtemp(f->dir))
                return -1;
        *state = f;
        return 0;
}

static int teardown(void **state) {
        Fixture *f = *state;
        char cmd[128];

        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
        (void) !system(cmd);
        registry_free(f->reg);
        free(f);
        return 0;
}

/* A nub whose Linux dictionary says SYSPATH (below the fake sysfs, NULL: none), SUBSYSTEM, DEVTYPE, DEVNAME. */
static Entry *nub(Fixture *f, const char *rel_syspath, const char *subsystem, const char *devtype,
                  const char *devname) {
        Value *l = value_new_dictionary();
        char syspath[512];
        Entry *e;

        assert_int_equal(registry_create_entry(f->reg, "IOService", &e), 0);
        snprintf(syspath, sizeof(syspath), "%s/%s", f->dir, rel_syspath ?: "");
        if (rel_syspath)
                assert_int_equal(value_dict_set_take(l, "SYSPATH", value_new_string(syspath)), 0);
        if (subsystem)
                assert_int_equal(value_dict_set_take(l, "SUBSYSTEM", value_new_string(subsystem)), 0);
        if (devtype)
                assert_int_equal(value_dict_set_take(l, "DEVTYPE", value_new_string(devtype)), 0);
        if (devname)
                assert_int_equal(value_dict_set_take(l, "DEVNAME", value_new_string(devname)), 0);
        assert_int_equal(entry_set_property_take(e, "Linux", l), 0);
        return e;
}

static void assert_path(Entry *e, const char *want, int want_interface) {
        _cleanup_free_ char *path = NULL;
        int interface = -2;

        assert_int_equal(device_access_path(e, &path, &interface), 0);
        assert_string_equal(path, want);
        assert_int_equal(interface, want_interface);
}

static void test_usb(void **state) {
        Fixture *f = *state;

        write_file(f->dir, "usb1/1-2/busnum", "1\n");
        write_file(f->dir, "usb1/1-2/devnum", "12\n");
        write_file(f->dir, "usb1/1-2/1-2:1.3/bInterfaceNumber", "03\n");
        write_file(f->dir, "usb1/1-2/1-2:1.10/bInterfaceNumber", "0a\n");
        /* The device: its usbfs node from busnum and devnum (DEVNAME is udev's, and may be absent). */
        assert_path(nub(f, "usb1/1-2", "usb", "usb_device", NULL), "/dev/bus/usb/001/012", -1);
        /* An interface: its device's node, and the interface to claim (bInterfaceNumber is hex). */
        assert_path(nub(f, "usb1/1-2/1-2:1.3", "usb", "usb_interface", NULL), "/dev/bus/usb/001/012", 3);
        assert_path(nub(f, "usb1/1-2/1-2:1.10", "usb", "usb_interface", NULL), "/dev/bus/usb/001/012", 10);
        /* A device whose sysfs lacks busnum falls back on DEVNAME; without either it has no node. */
        write_file(f->dir, "usb1/1-3/idVendor", "1050\n");
        assert_path(nub(f, "usb1/1-3", "usb", "usb_device", "/dev/bus/usb/001/013"), "/dev/bus/usb/001/013", -1);
        assert_int_equal(device_access_path(nub(f, "usb1/1-3", "usb", "usb_device", NULL), &(char *) { NULL }, NULL),
                         -ENODEV);
        /* An interface with a number out of range is refused, not claimed. */
        write_file(f->dir, "usb1/1-2/1-2:1.99/bInterfaceNumber", "99\n");
        assert_int_equal(device_access_path(nub(f, "usb1/1-2/1-2:1.99", "usb", "usb_interface", NULL),
                                            &(char *) { NULL }, NULL),
                         -EINVAL);
}

static void test_hid_input_tty(void **state) {
        Fixture *f = *state;

        write_file(f->dir, "hid/0003:1050:0120.000A/hidraw/hidraw7/dev", "240:7\n");
        write_file(f->dir, "hid/0003:1050:0120.000A/report_descriptor", "x");
        assert_path(nub(f, "hid/0003:1050:0120.000A", "hid", NULL, NULL), "/dev/hidraw7", -1);
        /* A HID device whose hidraw is not there (hidraw not loaded): no node. */
        write_file(f->dir, "hid/0003:1050:0121.000B/report_descriptor", "x");
        assert_int_equal(device_access_path(nub(f, "hid/0003:1050:0121.000B", "hid", NULL, NULL),
                                            &(char *) { NULL }, NULL),
                         -ENODEV);
        /* An input device (an IOHIDDevice with no HID device above it): its evdev child. */
        write_file(f->dir, "input/input12/name", "AT Translated Set 2 keyboard\n");
        write_file(f->dir, "input/input12/event9/dev", "13:73\n");
        assert_path(nub(f, "input/input12", "input", NULL, NULL), "/dev/input/event9", -1);
        /* A tty, and any other nub with a node: DEVNAME. */
        assert_path(nub(f, "tty/ttyS4", "tty", NULL, "/dev/ttyS4"), "/dev/ttyS4", -1);
        assert_path(nub(f, "block/sda", "block", "disk", "/dev/sda"), "/dev/sda", -1);
        /* The kernel's own DEVNAME is relative to /dev. */
        assert_path(nub(f, "tty/ttyUSB0", "tty", NULL, "ttyUSB0"), "/dev/ttyUSB0", -1);
        assert_int_equal(device_access_path(nub(f, "tty/x", "tty", NULL, "../etc/shadow"), &(char *) { NULL }, NULL),
                         -EINVAL);
        /* No node: a platform device, or a nub that is not a device's. */
        assert_int_equal(device_access_path(nub(f, "platform/i8042", "platform", NULL, NULL), &(char *) { NULL }, NULL),
                         -ENODEV);
        assert_int_equal(device_access_path(nub(f, NULL, NULL, NULL, NULL), &(char *) { NULL }, NULL), -ENODEV);
}

static void test_open(void **state) {
        Fixture *f = *state;
        char node[128];
        int fd = -1, fl;

        snprintf(node, sizeof(node), "%s/dev-node", f->dir);
        write_file(f->dir, "dev-node", "");
        assert_int_equal(device_access_open(nub(f, "misc/thing", "misc", NULL, node), 0, &fd), 0);
        assert_true(fd >= 0);
        /* Read-write, close-on-exec, and blocking again (opened non-blocking, not to wait for a carrier). */
        fl = fcntl(fd, F_GETFL);
        assert_int_equal(fl & O_ACCMODE, O_RDWR);
        assert_false(fl & O_NONBLOCK);
        assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
        assert_int_equal(write(fd, "x", 1), 1);
        /* Nothing to revoke on a node that is no evdev or usbfs. */
        assert_int_equal(device_access_revoke(fd), 0);
        close(fd);

        /* The node is gone: the open's errno; no node at all: -ENODEV; ret_fd untouched. */
        fd = -7;
        snprintf(node, sizeof(node), "%s/gone", f->dir);
        assert_int_equal(device_access_open(nub(f, "misc/gone", "misc", NULL, node), 0, &fd), -ENOENT);
        assert_int_equal(device_access_open(nub(f, "platform/x", "platform", NULL, NULL), 0, &fd), -ENODEV);
        assert_int_equal(fd, -7);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_usb, setup, teardown),
                cmocka_unit_test_setup_teardown(test_hid_input_tty, setup, teardown),
                cmocka_unit_test_setup_teardown(test_open, setup, teardown),
        };

        return cmocka_run_group_tests_name("device access", tests, NULL, NULL);
}
