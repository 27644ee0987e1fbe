/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-driver-access.c: device access for driver servers (issue 17). ioregd
 * runs on a umockdev testbed (libumockdev-preload.so in LD_PRELOAD, from
 * meson): a recorded FIDO2 key (USB device, interface, HID device, hidraw5)
 * and a 16550 UART (ttyS4, which umockdev makes a pseudo-terminal). The
 * real test driver server (test-driver-server.c) takes its provider's fd
 * with ioreg_driver_copy_provider_fd() and talks through it; the test is the
 * device on the other side (umockdev_testbed_get_dev_fd()):
 * - tty: the server's bytes arrive at the port, the port's bytes at the server;
 * - hidraw: the same through the HID device's hidraw node;
 * - usbfs: the USB device's node (busnum, devnum) reads its descriptors;
 * - the servers run with no supplementary groups (as nobody under root);
 * - a second driver (another server, another category) on the HID device gets
 *   ExclusiveAccess;
 * - the UART goes while its driver hangs in Stop: the nub stays in the
 *   registry until the Stop times out, the server is killed, then the nub
 *   goes; the FIDO key goes with a driver that stops at once: its Stop has
 *   returned before its nub leaves;
 * - a UART plugged in goes while its driver's Start is under way: the nub
 *   stays until Start returned (a Start that succeeds gets Stop, and the
 *   nub waits for that too).
 */

#include <dirent.h>
#include <fcntl.h>
#include <glob.h>
#include <inttypes.h>
#include <poll.h>
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
#include "entry-query.h"
#include "testbed.h"
#include "macro.h"

#define FIDO_DEVICE "/sys/devices/pci0000:00/0000:00:08.1/0000:05:00.3/usb1/1-2/1-2.3"
#define UART "/sys/devices/pnp0/00:04/tty/ttyS4"

/* A PC's 16550A UART (type 4), as udevadm would record it. */
static const char uart_recording[] =
        "P: /devices/pnp0/00:04\n"
        "E: SUBSYSTEM=pnp\n"
        "E: DRIVER=serial\n"
        "\n"
        "P: /devices/pnp0/00:04/tty/ttyS4\n"
        "N: ttyS4\n"
        "E: DEVNAME=/dev/ttyS4\n"
        "E: SUBSYSTEM=tty\n"
        "E: MAJOR=4\n"
        "E: MINOR=68\n"
        "A: dev=4:68\n"
        "A: type=4\n";

#define SERVER_ENV "\"IOUserServerEnvironment\": { \"TEST_STOP_DIR\": \"@STOPDIR@\" }"
#define PERSONALITIES                                                                                          \
        "\"AccessTTY\": { \"IOProviderClass\": \"IOSerialBSDClient\", \"IOTTYDevice\": \"ttyS4\", "            \
        "\"IOClass\": \"IOUserService\", \"IOUserClass\": \"TestAccessDriver\", "                             \
        "\"IOUserServerName\": \"org.ioreg.test.access-tty\", \"IOUserServerExecutable\": \"@SERVER@\", "    \
        "\"TestCopyFD\": \"ping\\n\", \"TestHangInStop\": true, " SERVER_ENV " }, "                          \
        "\"AccessHID\": { \"IOProviderClass\": \"IOHIDDevice\", \"VendorID\": 4176, \"ProductID\": 288, "     \
        "\"IOClass\": \"IOUserService\", \"IOUserClass\": \"TestAccessDriver\", \"IOMatchCategory\": \"A\", " \
        "\"IOUserServerName\": \"org.ioreg.test.access-hid\", \"IOUserServerExecutable\": \"@SERVER@\", "    \
        "\"TestCopyFD\": \"hid-out\", " SERVER_ENV " }, "                                                     \
        "\"AccessHIDB\": { \"IOProviderClass\": \"IOHIDDevice\", \"VendorID\": 4176, \"ProductID\": 288, "    \
        "\"IOClass\": \"IOUserService\", \"IOUserClass\": \"TestAccessDriverB\", \"IOMatchCategory\": \"B\", " \
        "\"IOUserServerName\": \"org.ioreg.test.access-hid-b\", \"IOUserServerExecutable\": \"@SERVER@\", "  \
        "\"TestCopyFD\": \"\", \"TestCopyFDAfterOther\": true, " SERVER_ENV " }, "                      \
        "\"AccessUSB\": { \"IOProviderClass\": \"IOUSBHostDevice\", \"idVendor\": 4176, \"idProduct\": 288, "  \
        "\"IOClass\": \"IOUserService\", \"IOUserClass\": \"TestAccessUSBDriver\", "                          \
        "\"IOUserServerName\": \"org.ioreg.test.access-usb\", \"IOUserServerExecutable\": \"@SERVER@\", "    \
        "\"TestCopyFD\": \"\", \"TestReadFD\": true, " SERVER_ENV " }, "                               \
        "\"AccessSlow\": { \"IOProviderClass\": \"IOSerialBSDClient\", \"IOTTYDevice\": \"ttyS5\", "             \
        "\"IOClass\": \"IOUserService\", \"IOUserClass\": \"TestSlowDriver\", "                               \
        "\"IOUserServerName\": \"org.ioreg.test.access-slow\", \"IOUserServerExecutable\": \"@SERVER@\", "   \
        "\"TestStartSleepMs\": 2000, " SERVER_ENV " }"

/* Another UART, plugged in during the test (its driver is slow to start). */
static const char uart2_recording[] =
        "P: /devices/pnp0/00:05\n"
        "E: SUBSYSTEM=pnp\n"
        "E: DRIVER=serial\n"
        "\n"
        "P: /devices/pnp0/00:05/tty/ttyS5\n"
        "N: ttyS5\n"
        "E: DEVNAME=/dev/ttyS5\n"
        "E: SUBSYSTEM=tty\n"
        "E: MAJOR=4\n"
        "E: MINOR=69\n"
        "A: dev=4:69\n"
        "A: type=4\n";
#define UART2 "/sys/devices/pnp0/00:05/tty/ttyS5"

typedef struct AccessTest {
        UMockdevTestbed *testbed; /* owned */
        DriverTest t;
} AccessTest;

static int setup(void **state) {
        AccessTest *a = calloc(1, sizeof(*a));
        GError *error = NULL;

        if (!a)
                return -1;
        *state = a;
        if (testbed_from_recording("umockdev-hidraw-fido2.umockdev", &a->testbed) < 0)
                return -1;
        if (!umockdev_testbed_add_from_string(a->testbed, uart_recording, &error)) {
                fprintf(stderr, "cannot add the UART: %s\n", error->message);
                g_error_free(error);
                return -1;
        }
        if (driver_test_start(&a->t, PERSONALITIES, NULL) < 0) {
                fprintf(stderr, "cannot start dbus-daemon and ioregd on the testbed\n");
                return -1;
        }
        return 0;
}

static int teardown(void **state) {
        AccessTest *a = *state;
        int r;

        r = driver_test_stop(&a->t);
        if (a->testbed)
                g_object_unref(a->testbed);
        free(a);
        return r < 0 ? -1 : 0;
}

static char *string_prop(DriverTest *t, uint64_t id, const char *key) {
        _cleanup_value_ Value *props = NULL;
        Value *v;

        if (driver_test_properties(t, id, &props) < 0)
                return NULL;
        v = value_dict_get(props, key);
        return v && value_type(v) == VALUE_STRING ? strdup(value_string(v, NULL)) : NULL;
}

typedef struct ReadBack {
        uint64_t driver;
        const char *want;
} ReadBack;

/* The server's "read-ID" file holds exactly what the test sent it. */
static bool read_back_is(DriverTest *t, const void *arg) {
        const ReadBack *rb = arg;
        char path[512], buf[256];
        _cleanup_fclose_ FILE *f = NULL;
        size_t n;

        snprintf(path, sizeof(path), "%s/read-%" PRIx64, t->stop_dir, rb->driver);
        f = fopen(path, "re");
        if (!f)
                return false;
        n = fread(buf, 1, sizeof(buf) - 1, f);
        buf[n] = '\0';
        return streq(buf, rb->want);
}

static bool gone(DriverTest *t, const void *arg) {
        _cleanup_value_ Value *props = NULL;

        return driver_test_properties(t, *(const uint64_t *) arg, &props) < 0;
}

static bool exited(DriverTest *t, const void *arg) {
        return !pid_alive(*(const pid_t *) arg);
}

static bool stopped(DriverTest *t, const void *arg) {
        return driver_test_stop_file(t, "stop", *(const uint64_t *) arg);
}

/* The FIDO key's device descriptor, as its usbfs node reads (the recording's N: line). */
static const uint8_t fido_device_descriptor[18] = {
        0x12, 0x01, 0x00, 0x02, 0x00, 0x00, 0x00, 0x40, 0x50, 0x10, 0x20, 0x01, 0x12, 0x05, 0x01, 0x02, 0x00, 0x01,
};

/* The server's "read-ID" file starts with the device descriptor. */
static bool read_descriptor(DriverTest *t, const void *arg) {
        char path[512];
        uint8_t buf[256];
        _cleanup_fclose_ FILE *f = NULL;

        snprintf(path, sizeof(path), "%s/read-%" PRIx64, t->stop_dir, *(const uint64_t *) arg);
        f = fopen(path, "re");
        return f && fread(buf, 1, sizeof(buf), f) >= sizeof(fido_device_descriptor) &&
               memcmp(buf, fido_device_descriptor, sizeof(fido_device_descriptor)) == 0;
}

/* How many of pid's descriptors are open on the file named target (readlink of /proc/PID/fd/N). */
static unsigned fds_on(pid_t pid, const char *target) {
        char dir[64], path[384], link[256];
        struct dirent *de;
        unsigned n = 0;
        DIR *d;

        snprintf(dir, sizeof(dir), "/proc/%d/fd", (int) pid);
        d = opendir(dir);
        assert_non_null(d);
        while ((de = readdir(d))) {
                ssize_t len;

                snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
                len = readlink(path, link, sizeof(link) - 1);
                if (len <= 0)
                        continue;
                link[len] = '\0';
                n += streq(link, target);
        }
        closedir(d);
        return n;
}

/* Reads what the driver sent to the device (the controlling side of its node), within 10 s. */
static void expect_from_driver(int dev_fd, const char *want) {
        struct pollfd p = { .fd = dev_fd, .events = POLLIN };
        char buf[256];
        size_t have = 0;

        while (have < strlen(want)) {
                ssize_t n;

                assert_int_equal(poll(&p, 1, 10000), 1);
                n = read(dev_fd, buf + have, sizeof(buf) - 1 - have);
                assert_true(n > 0);
                have += (size_t) n;
        }
        buf[have] = '\0';
        assert_string_equal(buf, want);
}

/* The one driver entry of class, started. */
static uint64_t driver_of(DriverTest *t, const char *class_name) {
        uint64_t id = 0;

        assert_int_equal(driver_test_find_one(t, class_name, &id), 1);
        return id;
}

static void test_access(void **state) {
        AccessTest *a = *state;
        DriverTest *t = &a->t;
        uint64_t tty_drv, hid_a, hid_b, usb_drv, tty_nub, hid_nub;
        _cleanup_free_ char *res_a = NULL, *res_b = NULL, *res_usb = NULL, *node = NULL;
        char pts_path[64];
        unsigned pts;
        _cleanup_free_ uint64_t *found = NULL;
        unsigned n_found = 0;
        int tty_fd, hid_fd;
        pid_t tty_pid, hid_pid;
        uint64_t t0, waited;

        tty_fd = umockdev_testbed_get_dev_fd(a->testbed, "/dev/ttyS4");
        hid_fd = umockdev_testbed_get_dev_fd(a->testbed, "/dev/hidraw5");
        assert_true(tty_fd >= 0 && hid_fd >= 0);

        /* The drivers write first, then wait for an answer: be the device. */
        expect_from_driver(tty_fd, "ping\n");
        assert_int_equal(write(tty_fd, "pong\n", 5), 5);
        expect_from_driver(hid_fd, "hid-out");
        assert_int_equal(write(hid_fd, "hid-in", 6), 6);

        assert_int_equal(driver_test_find(t, "TestAccessDriver", &found, &n_found), 0);
        assert_int_equal(n_found, 2);
        tty_drv = hid_a = 0;
        for (unsigned i = 0; i < n_found; i++) {
                uint64_t nub = driver_test_parent(t, found[i]);
                _cleanup_value_ Value *props = NULL;

                assert_int_equal(driver_test_properties(t, nub, &props), 0);
                if (value_dict_get(props, "IOTTYDevice"))
                        tty_drv = found[i];
                else
                        hid_a = found[i];
        }
        assert_true(tty_drv != 0 && hid_a != 0);
        hid_b = driver_of(t, "TestAccessDriverB");

        /* What each read back through its fd. */
        assert_true(driver_test_wait(t, read_back_is, &(ReadBack) { tty_drv, "pong\n" }, 10000));
        assert_true(driver_test_wait(t, read_back_is, &(ReadBack) { hid_a, "hid-in" }, 10000));

        /* The USB device: its usbfs node, found from busnum and devnum, reads its descriptors. */
        usb_drv = driver_of(t, "TestAccessUSBDriver");
        res_usb = string_prop(t, usb_drv, "TestFDResult");
        assert_string_equal(res_usb, "success");
        assert_true(driver_test_wait(t, read_descriptor, &usb_drv, 10000));

        /* The servers run with no supplementary groups, as a user of their own when the daemon is root
         * (daemon/drivers/driver-user.h: 61184–65519, systemd's DynamicUser range). */
        assert_int_equal(driver_test_number(t, usb_drv, "TestServerGroups"), 0);
        if (geteuid() == 0) {
                int64_t uid = driver_test_number(t, usb_drv, "TestServerUID");

                assert_in_range(uid, 61184, 65519);
        }

        /* Exclusive: the second driver on the HID device is refused. */
        res_a = string_prop(t, hid_a, "TestFDResult");
        res_b = string_prop(t, hid_b, "TestFDResult");
        assert_string_equal(res_a, "success");
        assert_string_equal(res_b, "exclusive access and device already open");

        /* ioregd keeps its own copy of the tty's fd (the pty's slave side umockdev made) while the driver runs. */
        node = string_prop(t, tty_drv, "TestFDNode");
        assert_non_null(node);
        assert_true(sscanf(node, "136:%u", &pts) == 1);
        snprintf(pts_path, sizeof(pts_path), "/dev/pts/%u", pts);
        assert_int_equal(fds_on(t->daemon.pid, pts_path), 1);

        /* The UART goes while its driver hangs in Stop: the nub waits for the Stop's timeout (5 s). */
        tty_nub = driver_test_parent(t, tty_drv);
        tty_pid = (pid_t) driver_test_number(t, tty_drv, "TestServerPID");
        assert_true(tty_pid > 0);
        t0 = now_msec();
        umockdev_testbed_uevent(a->testbed, UART, "remove");
        umockdev_testbed_remove_device(a->testbed, UART);
        assert_true(driver_test_wait(t, stopped, &tty_drv, 10000));
        assert_false(gone(t, &tty_nub)); /* Stop has not returned: the nub is still there */
        assert_true(pid_alive(tty_pid));
        assert_true(driver_test_wait(t, gone, &tty_nub, 15000));
        waited = now_msec() - t0;
        assert_true(waited >= 4000); /* DRIVER_STOP_TIMEOUT_USEC, less the time to see the stop file */
        assert_true(gone(t, &tty_drv));
        /* It ignored SIGTERM (blocked in its loop): killed. ioregd's copy of the fd was closed. */
        assert_true(driver_test_wait(t, exited, &tty_pid, 10000));
        assert_int_equal(fds_on(t->daemon.pid, pts_path), 0);

        /* The FIDO key goes; its driver stops at once: its Stop returned before the nub left. */
        hid_nub = driver_test_parent(t, hid_a);
        hid_pid = (pid_t) driver_test_number(t, hid_a, "TestServerPID");
        umockdev_testbed_uevent(a->testbed, FIDO_DEVICE "/1-2.3:1.0/0003:1050:0120.000A/hidraw/hidraw5", "remove");
        umockdev_testbed_uevent(a->testbed, FIDO_DEVICE "/1-2.3:1.0/0003:1050:0120.000A", "remove");
        umockdev_testbed_uevent(a->testbed, FIDO_DEVICE "/1-2.3:1.0", "remove");
        umockdev_testbed_uevent(a->testbed, FIDO_DEVICE, "remove");
        umockdev_testbed_remove_device(a->testbed, FIDO_DEVICE);
        assert_true(driver_test_wait(t, gone, &hid_nub, 10000));
        assert_true(driver_test_stop_file(t, "stop", hid_a));
        assert_true(driver_test_stop_file(t, "message", hid_a));
        assert_true(driver_test_wait(t, exited, &hid_pid, 10000));
}

/* The driver's "starting-ID" file is there: *arg is ID. */
static bool starting(DriverTest *t, const void *arg) {
        char pattern[512];
        glob_t g = {};
        bool found;

        snprintf(pattern, sizeof(pattern), "%s/starting-*", t->stop_dir);
        found = glob(pattern, 0, NULL, &g) == 0 && g.gl_pathc == 1;
        if (found)
                *(uint64_t *) arg = strtoull(strrchr(g.gl_pathv[0], '-') + 1, NULL, 16);
        globfree(&g);
        return found;
}

/* The device goes while its driver's Start is under way: the nub waits for Start, then for Stop. */
static void test_removal_during_start(void **state) {
        AccessTest *a = *state;
        DriverTest *t = &a->t;
        GError *error = NULL;
        uint64_t drv = 0, nub, t0;

        assert_true(umockdev_testbed_add_from_string(a->testbed, uart2_recording, &error));
        umockdev_testbed_uevent(a->testbed, "/sys/devices/pnp0/00:05", "add");
        umockdev_testbed_uevent(a->testbed, UART2, "add");
        /* Start is under way (it sleeps 2 s): the device goes now. */
        assert_true(driver_test_wait(t, starting, &drv, 10000));
        t0 = now_msec();
        nub = driver_test_parent(t, drv);
        assert_true(nub != 0);
        umockdev_testbed_uevent(a->testbed, UART2, "remove");
        umockdev_testbed_remove_device(a->testbed, UART2);
        /* The nub stays until Start returned (here it fails: its instance is gone when it sets properties). */
        usleep(500 * 1000);
        assert_false(gone(t, &nub));
        assert_false(gone(t, &drv));
        assert_true(driver_test_wait(t, gone, &nub, 10000));
        assert_true(now_msec() - t0 >= 1500); /* Start's 2 s, less the time to see its file */
        assert_true(gone(t, &drv));
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_access, setup, teardown),
                cmocka_unit_test_setup_teardown(test_removal_during_start, setup, teardown),
        };

        return cmocka_run_group_tests_name("device access for driver servers", tests, NULL, NULL);
}
