/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libioreg-testbed.c: what the libioreg tests against the real ioregd
 * (test-libioreg*.c) share: the umockdev testbed, a private dbus-daemon and
 * ioregd on it (cmocka group setup and teardown), devices plugged and
 * unplugged, and waits on matching services and notification ports.
 */

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <systemd/sd-event.h>
#include <unistd.h>
#include <umockdev.h>

#include <ioreg/ioreg.h>

#include "macro.h"
#include "registry-query.h"
#include "test-bus.h"
#include "test-daemon.h"
#include "libioreg-testbed.h"

UMockdevTestbed *testbed;
TestBus test_bus;  /* the private dbus-daemon */
TestDaemon daemon_; /* ioregd on it */

void start_daemon(const char *arg) {
        const char *args[] = { arg, NULL };

        assert_int_equal(test_daemon_start(&daemon_, &test_bus, args), 0);
}

int group_setup(void **state) {
        GError *error = NULL;
        char *p;

        /* Sets $UMOCKDEV_DIR: ioregd, started below, inherits it with the preload. */
        testbed = umockdev_testbed_new();
        if (!umockdev_testbed_add_from_file(testbed, TEST_DATA "/umockdev/umockdev-input-usbkbd.umockdev", &error)) {
                fprintf(stderr, "cannot load the recording: %s\n", error->message);
                return -1;
        }
        /* An FTDI USB serial adapter: device, interface, ttyUSB0. */
        p = umockdev_testbed_add_device(testbed, "usb", "1-1.3", KBD_HUB1, "idVendor", "0403", "idProduct", "6001",
                                        "bcdDevice", "0600", "manufacturer", "FTDI", "product", "FT232R USB UART",
                                        "busnum", "1", "devnum", "12", "speed", "12", NULL, "DEVTYPE", "usb_device",
                                        "DEVNAME", "/dev/bus/usb/001/012", NULL);
        g_free(p);
        p = umockdev_testbed_add_device(testbed, "usb", "1-1.3:1.0", SERIAL_DEV, "bInterfaceNumber", "00",
                                        "bInterfaceClass", "ff", NULL, "DEVTYPE", "usb_interface", NULL);
        g_free(p);
        p = umockdev_testbed_add_device(testbed, "tty", "ttyUSB0", SERIAL_DEV "/1-1.3:1.0", "dev", "188:0", NULL,
                                        "DEVNAME", "/dev/ttyUSB0", "MAJOR", "188", "MINOR", "0", NULL);
        g_free(p);
        if (test_bus_start(&test_bus) < 0)
                return -1;
        setenv("IOREG_BUS_ADDRESS", test_bus.address, 1);
        {
                const char *args[] = { NULL };

                if (test_daemon_start(&daemon_, &test_bus, args) < 0)
                        return -1;
        }
        return 0;
}

int group_teardown(void **state) {
        int r = test_daemon_stop_with_bus(&daemon_, &test_bus);

        if (testbed)
                g_object_unref(testbed);
        return r < 0 ? -1 : 0;
}

char *add_mouse(unsigned port) {
        char name[16], devnum[8], devname[32];

        snprintf(name, sizeof(name), "1-1.%u", port);
        snprintf(devnum, sizeof(devnum), "%u", 20 + port);
        snprintf(devname, sizeof(devname), "/dev/bus/usb/001/%03u", 20 + port);
        return umockdev_testbed_add_device(testbed, "usb", name, KBD_HUB1, "idVendor", "046d", "idProduct", "c077",
                                           "bcdDevice", "7200", "product", "USB Optical Mouse", "manufacturer",
                                           "Logitech", "busnum", "1", "devnum", devnum, "speed", "1.5", NULL,
                                           "DEVTYPE", "usb_device", "DEVNAME", devname, NULL);
}

void remove_device(const char *syspath) {
        umockdev_testbed_uevent(testbed, syspath, "remove");
        umockdev_testbed_remove_device(testbed, syspath);
}

json_t *mouse_matching(void) {
        json_t *m = ioreg_service_matching("IOUSBHostDevice");

        json_object_set_new(m, "idVendor", json_integer(0x046d));
        json_object_set_new(m, "idProduct", json_integer(0xc077));
        return m;
}

unsigned count_matching(json_t *matching) {
        ioreg_iterator_t it = NULL;
        ioreg_object_t o;
        unsigned n = 0;

        assert_int_equal(ioreg_service_get_matching_services(matching, &it), IOREG_RETURN_SUCCESS);
        while (it && (o = ioreg_iterator_next(it))) {
                n++;
                ioreg_object_release(o);
        }
        if (it)
                ioreg_object_release(it);
        return n;
}

void wait_for_count(json_t *matching, unsigned n) {
        for (unsigned i = 0; i < 500; i++) {
                json_incref(matching);
                if (count_matching(matching) == n && ioreg_kit_wait_quiet(5000000) == IOREG_RETURN_SUCCESS) {
                        json_decref(matching);
                        return;
                }
                usleep(10 * 1000);
        }
        json_decref(matching);
        fail_msg("never %u matching services", n);
}

/* Runs the port until *counter reaches want or 10 s pass. */
void run_until(ioreg_notification_port_t port, const unsigned *counter, unsigned want) {
        for (unsigned i = 0; i < 200 && *counter < want; i++)
                (void) ioreg_notification_port_run(port, 50 * 1000);
        assert_int_equal(*counter, want);
}
