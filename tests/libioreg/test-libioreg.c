/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-libioreg.c: every libioreg call against the real ioregd on a private
 * dbus-daemon, on a umockdev testbed (libumockdev-preload.so in LD_PRELOAD,
 * inherited from meson): a recorded USB keyboard behind three hubs, plus a
 * USB serial adapter (ttyUSB0) this test adds. Devices are plugged and
 * unplugged through umockdev for the notification tests; the daemon is
 * killed and started again for the restart tests. The examples in
 * examples/ run against the same daemon.
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

#define KBD_ROOT "/sys/devices/pci0000:00/0000:00:1a.0/usb1"
#define KBD_HUB1 KBD_ROOT "/1-1"
#define KBD_HUB2 KBD_HUB1 "/1-1.5"
#define KBD_HUB3 KBD_HUB2 "/1-1.5.4"
#define KBD_DEV KBD_HUB3 "/1-1.5.4.2"
#define SERIAL_DEV KBD_HUB1 "/1-1.3"
#define ROOT_ID UINT64_C(0x100000100)

static UMockdevTestbed *testbed;
static TestBus test_bus;  /* the private dbus-daemon */
static TestDaemon daemon_; /* ioregd on it */

static void start_daemon(const char *arg) {
        const char *args[] = { arg, NULL };

        assert_int_equal(test_daemon_start(&daemon_, &test_bus, args), 0);
}

static int group_setup(void **state) {
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

static int group_teardown(void **state) {
        int r = test_daemon_stop_with_bus(&daemon_, &test_bus);

        if (testbed)
                g_object_unref(testbed);
        return r < 0 ? -1 : 0;
}

static char *add_mouse(unsigned port) {
        char name[16], devnum[8], devname[32];

        snprintf(name, sizeof(name), "1-1.%u", port);
        snprintf(devnum, sizeof(devnum), "%u", 20 + port);
        snprintf(devname, sizeof(devname), "/dev/bus/usb/001/%03u", 20 + port);
        return umockdev_testbed_add_device(testbed, "usb", name, KBD_HUB1, "idVendor", "046d", "idProduct", "c077",
                                           "bcdDevice", "7200", "product", "USB Optical Mouse", "manufacturer",
                                           "Logitech", "busnum", "1", "devnum", devnum, "speed", "1.5", NULL,
                                           "DEVTYPE", "usb_device", "DEVNAME", devname, NULL);
}

static void remove_device(const char *syspath) {
        umockdev_testbed_uevent(testbed, syspath, "remove");
        umockdev_testbed_remove_device(testbed, syspath);
}

static json_t *mouse_matching(void) {
        json_t *m = ioreg_service_matching("IOUSBHostDevice");

        json_object_set_new(m, "idVendor", json_integer(0x046d));
        json_object_set_new(m, "idProduct", json_integer(0xc077));
        return m;
}

static unsigned count_matching(json_t *matching) {
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

static void wait_for_count(json_t *matching, unsigned n) {
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
static void run_until(ioreg_notification_port_t port, const unsigned *counter, unsigned want) {
        for (unsigned i = 0; i < 200 && *counter < want; i++)
                (void) ioreg_notification_port_run(port, 50 * 1000);
        assert_int_equal(*counter, want);
}

/* ---- synchronous calls ---- */

static void test_return_strings(void **state) {
        assert_string_equal(ioreg_return_string(IOREG_RETURN_SUCCESS), "success");
        assert_string_equal(ioreg_return_string(IOREG_RETURN_NOT_FOUND), "not found");
        assert_string_equal(ioreg_return_string(IOREG_RETURN_OVERRUN), "data overrun");
        assert_string_equal(ioreg_return_string((ioreg_return_t) 999), "unknown error");
}

static void test_matching_builders(void **state) {
        json_auto_t *a = ioreg_service_matching("IOUSBHostDevice");
        json_auto_t *b = ioreg_service_name_matching("IOSerialBSDClient");
        json_auto_t *c = ioreg_bsd_name_matching("ttyUSB0");
        json_auto_t *d = ioreg_registry_entry_id_matching(ROOT_ID);
        json_auto_t *e = ioreg_registry_entry_id_matching(UINT64_MAX);

        assert_string_equal(json_string_value(json_object_get(a, "IOProviderClass")), "IOUSBHostDevice");
        assert_int_equal(json_object_size(a), 1);
        assert_string_equal(json_string_value(json_object_get(b, "IONameMatch")), "IOSerialBSDClient");
        assert_string_equal(json_string_value(json_object_get(c, "BSD Name")), "ttyUSB0");
        assert_int_equal(json_integer_value(json_object_get(d, "IORegistryEntryID")), (json_int_t) ROOT_ID);
        /* Above INT64_MAX: the value-json form, which the daemon reads back as an unsigned number. */
        assert_string_equal(json_string_value(json_object_get(json_object_get(e, "IORegistryEntryID"), "$unsigned")),
                            "18446744073709551615");
        assert_null(ioreg_service_matching(NULL));
}

static void test_root_and_paths(void **state) {
        ioreg_registry_entry_t root = ioreg_registry_get_root_entry(), dev, again;
        ioreg_name_t name, loc;
        ioreg_string_t path;
        uint64_t id = 0;
        char *copy;

        assert_non_null(root);
        assert_int_equal(ioreg_registry_entry_get_registry_entry_id(root, &id), IOREG_RETURN_SUCCESS);
        assert_true(id == ROOT_ID);
        assert_int_equal(ioreg_registry_entry_get_name(root, name), IOREG_RETURN_SUCCESS);
        assert_string_equal(name, "Root");
        assert_int_equal(ioreg_registry_entry_get_path(root, IOREG_SERVICE_PLANE, path), IOREG_RETURN_NOT_FOUND);
        assert_true(ioreg_registry_entry_in_plane(root, IOREG_SERVICE_PLANE));

        dev = ioreg_service_get_matching_service(ioreg_bsd_name_matching("ttyUSB0"));
        if (!dev) /* BSD Name is the block and network families' key; the serial client is found by its class */
                dev = ioreg_service_get_matching_service(ioreg_service_matching(IOREG_SERIAL_BSD_SERVICE_VALUE));
        assert_non_null(dev);
        assert_int_equal(ioreg_registry_entry_get_path(dev, IOREG_SERVICE_PLANE, path), IOREG_RETURN_SUCCESS);
        assert_true(strncmp(path, "IOService:/", 11) == 0);
        copy = ioreg_registry_entry_copy_path(dev, IOREG_SERVICE_PLANE);
        assert_string_equal(copy, path);
        free(copy);
        again = ioreg_registry_entry_from_path(path);
        assert_non_null(again);
        assert_true(ioreg_object_is_equal_to(dev, again));
        assert_false(ioreg_object_is_equal_to(dev, root));
        assert_int_equal(ioreg_registry_entry_get_name_in_plane(dev, IOREG_SERVICE_PLANE, name), IOREG_RETURN_SUCCESS);
        assert_string_equal(name, "IOSerialBSDClient");
        /* No location: NotFound, as the D-Bus API answers. */
        assert_int_equal(ioreg_registry_entry_get_location_in_plane(dev, IOREG_SERVICE_PLANE, loc),
                         IOREG_RETURN_NOT_FOUND);
        assert_null(ioreg_registry_entry_from_path("IOService:/no/such/entry"));
        assert_null(ioreg_registry_entry_from_path("NoSuchPlane:/"));
        ioreg_object_release(again);
        ioreg_object_release(dev);
        ioreg_object_release(root);
}

static void test_classes(void **state) {
        ioreg_service_t kbd;
        json_t *m = ioreg_service_matching("IOUSBHostDevice");
        ioreg_name_t cls;
        ioreg_iterator_t it = NULL;
        char *s;

        json_object_set_new(m, "idVendor", json_integer(0x05f3));
        json_object_set_new(m, "idProduct", json_integer(0x0007));
        kbd = ioreg_service_get_matching_service(m);
        assert_non_null(kbd);
        assert_int_equal(ioreg_object_get_class(kbd, cls), IOREG_RETURN_SUCCESS);
        assert_string_equal(cls, "IOUSBHostDevice");
        s = ioreg_object_copy_class(kbd);
        assert_string_equal(s, "IOUSBHostDevice");
        free(s);
        assert_true(ioreg_object_conforms_to(kbd, "IOUSBHostDevice"));
        assert_true(ioreg_object_conforms_to(kbd, "IOService"));
        assert_true(ioreg_object_conforms_to(kbd, "IORegistryEntry"));
        assert_false(ioreg_object_conforms_to(kbd, "IOSerialBSDClient"));
        assert_false(ioreg_object_conforms_to(kbd, "NoSuchClass"));
        s = ioreg_object_copy_superclass_for_class("IOService");
        assert_string_equal(s, "IORegistryEntry");
        free(s);
        assert_null(ioreg_object_copy_superclass_for_class("IORegistryEntry"));
        /* Libioreg's own objects. */
        assert_int_equal(ioreg_service_get_matching_services(ioreg_service_matching("IOService"), &it),
                         IOREG_RETURN_SUCCESS);
        assert_int_equal(ioreg_object_get_class(it, cls), IOREG_RETURN_SUCCESS);
        assert_string_equal(cls, "IOUserIterator");
        assert_true(ioreg_object_conforms_to(it, "OSIterator"));
        assert_false(ioreg_object_conforms_to(it, "IOService"));
        /* Reference counts. */
        assert_int_equal(ioreg_object_get_retain_count(kbd), 1);
        assert_int_equal(ioreg_object_retain(kbd), IOREG_RETURN_SUCCESS);
        assert_int_equal(ioreg_object_get_retain_count(kbd), 2);
        assert_int_equal(ioreg_object_release(kbd), IOREG_RETURN_SUCCESS);
        assert_int_equal(ioreg_object_release(NULL), IOREG_RETURN_BAD_ARGUMENT);
        ioreg_object_release(it);
        ioreg_object_release(kbd);
}

static void test_matching_services(void **state) {
        json_t *m = ioreg_service_matching("IOUSBHostDevice");
        ioreg_iterator_t it = NULL;
        ioreg_object_t o;
        uint64_t first = 0, id, prev = 0;
        unsigned n = 0, n2 = 0;

        /* The call consumes the dictionary: the extra reference taken here is the only one left. */
        json_incref(m);
        assert_int_equal(ioreg_service_get_matching_services(m, &it), IOREG_RETURN_SUCCESS);
        assert_int_equal(m->refcount, 1);
        json_decref(m);
        assert_non_null(it);
        assert_true(ioreg_iterator_is_valid(it));
        while ((o = ioreg_iterator_next(it))) {
                assert_int_equal(ioreg_registry_entry_get_registry_entry_id(o, &id), IOREG_RETURN_SUCCESS);
                assert_true(id > prev); /* by ascending ID */
                prev = id;
                if (!n)
                        first = id;
                assert_true(ioreg_object_conforms_to(o, "IOUSBHostDevice"));
                n++;
                ioreg_object_release(o);
        }
        /* usb1, three hubs, the keyboard, the serial adapter. */
        assert_int_equal(n, 6);
        ioreg_iterator_reset(it);
        o = ioreg_iterator_next(it);
        assert_int_equal(ioreg_registry_entry_get_registry_entry_id(o, &id), IOREG_RETURN_SUCCESS);
        assert_true(id == first);
        ioreg_object_release(o);
        while ((o = ioreg_iterator_next(it))) {
                n2++;
                ioreg_object_release(o);
        }
        assert_int_equal(n2, 5);
        ioreg_object_release(it);

        /* Nothing matches: success, and no iterator. */
        it = (ioreg_iterator_t) 1;
        assert_int_equal(ioreg_service_get_matching_services(ioreg_service_matching("NoSuchClass"), &it),
                         IOREG_RETURN_SUCCESS);
        assert_null(it);
        assert_null(ioreg_service_get_matching_service(ioreg_service_matching("NoSuchClass")));
        /* A matching dictionary that is not an object, or holds a real. */
        assert_int_equal(ioreg_service_get_matching_services(json_string("x"), &it), IOREG_RETURN_BAD_ARGUMENT);
        m = ioreg_service_matching("IOService");
        json_object_set_new(m, "Scale", json_real(1.5));
        assert_int_equal(ioreg_service_get_matching_services(m, &it), IOREG_RETURN_BAD_ARGUMENT);
}

static void test_match_property_table(void **state) {
        ioreg_service_t kbd = ioreg_service_get_matching_service(ioreg_registry_entry_id_matching(ROOT_ID));
        ioreg_service_t serial = ioreg_service_get_matching_service(ioreg_service_matching("IOSerialBSDClient"));
        json_auto_t *yes = ioreg_service_matching("IOSerialBSDClient");
        json_auto_t *no = ioreg_service_matching("IOUSBHostDevice");
        int matches = -1;

        assert_non_null(serial);
        assert_int_equal(ioreg_service_match_property_table(serial, yes, &matches), IOREG_RETURN_SUCCESS);
        assert_int_equal(matches, 1);
        assert_int_equal(ioreg_service_match_property_table(serial, no, &matches), IOREG_RETURN_SUCCESS);
        assert_int_equal(matches, 0);
        assert_int_equal(yes->refcount, 1); /* not consumed */
        ioreg_object_release(kbd);
        ioreg_object_release(serial);
}

static void test_properties(void **state) {
        json_t *m = ioreg_service_matching("IOUSBHostDevice"), *props = NULL, *v, *linux_props;
        ioreg_service_t kbd, serial;

        json_object_set_new(m, "idVendor", json_integer(0x05f3));
        json_object_set_new(m, "idProduct", json_integer(0x0007)); /* USB matching wants both */
        kbd = ioreg_service_get_matching_service(m);
        assert_non_null(kbd);
        assert_int_equal(ioreg_registry_entry_create_properties(kbd, &props, 0), IOREG_RETURN_SUCCESS);
        assert_true(json_is_object(props));
        assert_int_equal(json_integer_value(json_object_get(props, "idVendor")), 0x05f3);
        assert_int_equal(json_integer_value(json_object_get(props, "idProduct")), 0x0007);
        linux_props = json_object_get(props, "Linux");
        assert_string_equal(json_string_value(json_object_get(linux_props, "DEVNAME")), "/dev/bus/usb/001/009");
        json_decref(props);
        assert_int_equal(ioreg_registry_entry_create_properties(kbd, &props, 1), IOREG_RETURN_BAD_ARGUMENT);

        v = ioreg_registry_entry_create_property(kbd, "idProduct", 0);
        assert_int_equal(json_integer_value(v), 7);
        json_decref(v);
        assert_null(ioreg_registry_entry_create_property(kbd, "NoSuchKey", 0));

        /* The serial port has no idVendor; its USB device above has. */
        serial = ioreg_service_get_matching_service(ioreg_service_matching("IOSerialBSDClient"));
        assert_null(ioreg_registry_entry_create_property(serial, "idVendor", 0));
        v = ioreg_registry_entry_search_property(serial, IOREG_SERVICE_PLANE, "idVendor",
                                                 IOREG_REGISTRY_ITERATE_RECURSIVELY | IOREG_REGISTRY_ITERATE_PARENTS);
        assert_int_equal(json_integer_value(v), 0x0403);
        json_decref(v);
        /* The keyboard's children: its interface has bInterfaceClass. */
        v = ioreg_registry_entry_search_property(kbd, IOREG_SERVICE_PLANE, "bInterfaceClass",
                                                 IOREG_REGISTRY_ITERATE_RECURSIVELY);
        assert_non_null(v);
        json_decref(v);
        v = ioreg_registry_entry_create_property(serial, "IOCalloutDevice", 0);
        assert_string_equal(json_string_value(v), "/dev/ttyUSB0");
        json_decref(v);

        /* Setting: nubs do not take properties (NotSupported), a bad value is refused before the call. */
        v = json_string("x");
        assert_int_equal(ioreg_registry_entry_set_property(kbd, "Test", v), IOREG_RETURN_UNSUPPORTED);
        json_decref(v);
        v = json_real(1.0);
        assert_int_equal(ioreg_registry_entry_set_property(kbd, "Test", v), IOREG_RETURN_BAD_ARGUMENT);
        json_decref(v);
        assert_int_equal(ioreg_registry_entry_set_properties(kbd, NULL), IOREG_RETURN_BAD_ARGUMENT);
        ioreg_object_release(serial);
        ioreg_object_release(kbd);
}

static void test_navigation(void **state) {
        json_t *m = ioreg_service_matching("IOUSBHostDevice");
        ioreg_service_t kbd, parent = NULL, child = NULL, o;
        ioreg_iterator_t it = NULL;
        ioreg_name_t name;
        unsigned n = 0;

        json_object_set_new(m, "idVendor", json_integer(0x05f3));
        json_object_set_new(m, "idProduct", json_integer(0x0081)); /* the hub 1-1.5.4 */
        kbd = ioreg_service_get_matching_service(m);
        assert_non_null(kbd);
        assert_int_equal(ioreg_registry_entry_get_parent_entry(kbd, IOREG_SERVICE_PLANE, &parent),
                         IOREG_RETURN_SUCCESS);
        /* Its provider in IOService leads up to the hub 17ef:1005. */
        {
                json_t *v = ioreg_registry_entry_search_property(parent, IOREG_SERVICE_PLANE, "idProduct",
                                                                 IOREG_REGISTRY_ITERATE_RECURSIVELY |
                                                                         IOREG_REGISTRY_ITERATE_PARENTS);

                assert_int_equal(json_integer_value(v), 0x1005);
                json_decref(v);
        }
        assert_int_equal(ioreg_registry_entry_get_child_iterator(kbd, IOREG_SERVICE_PLANE, &it), IOREG_RETURN_SUCCESS);
        while ((o = ioreg_iterator_next(it))) {
                n++;
                ioreg_object_release(o);
        }
        assert_true(n >= 1); /* the keyboard (and the hub's interface) */
        ioreg_object_release(it);
        assert_int_equal(ioreg_registry_entry_get_child_entry(kbd, IOREG_SERVICE_PLANE, &child), IOREG_RETURN_SUCCESS);
        assert_int_equal(ioreg_registry_entry_get_name(child, name), IOREG_RETURN_SUCCESS);
        assert_int_equal(ioreg_registry_entry_get_parent_iterator(child, IOREG_SERVICE_PLANE, &it),
                         IOREG_RETURN_SUCCESS);
        o = ioreg_iterator_next(it);
        assert_true(ioreg_object_is_equal_to(o, kbd));
        ioreg_object_release(o);
        ioreg_object_release(it);
        assert_int_equal(ioreg_registry_entry_get_child_iterator(kbd, "NoSuchPlane", &it), IOREG_RETURN_BAD_ARGUMENT);
        ioreg_object_release(child);
        ioreg_object_release(parent);
        ioreg_object_release(kbd);
}

static void test_busy_and_quiet(void **state) {
        ioreg_registry_entry_t root = ioreg_registry_get_root_entry();
        uint32_t busy = 99;
        uint64_t st = 0;

        assert_int_equal(ioreg_service_wait_quiet(root, 5000000), IOREG_RETURN_SUCCESS);
        assert_int_equal(ioreg_kit_wait_quiet(0), IOREG_RETURN_SUCCESS);
        assert_int_equal(ioreg_service_get_busy_state(root, &busy), IOREG_RETURN_SUCCESS);
        assert_int_equal(busy, 0);
        assert_int_equal(ioreg_kit_get_busy_state(&busy), IOREG_RETURN_SUCCESS);
        ioreg_object_release(root);
        root = ioreg_service_get_matching_service(ioreg_service_matching("IOSerialBSDClient"));
        assert_int_equal(ioreg_service_get_state(root, &st), IOREG_RETURN_SUCCESS);
        assert_true((st & 0x6) == 0x6); /* registered, matched */
        assert_false(st & 0x1);          /* not inactive */
        ioreg_object_release(root);
}

/* ---- notifications ---- */

typedef struct Seen {
        unsigned callbacks, services;
        ioreg_object_t last; /* owned */
        int drain;           /* drain in the callback */
} Seen;

static void matched_cb(void *refcon, ioreg_iterator_t it) {
        Seen *s = refcon;
        ioreg_object_t o;

        s->callbacks++;
        while (s->drain && (o = ioreg_iterator_next(it))) {
                s->services++;
                if (s->last)
                        ioreg_object_release(s->last);
                s->last = o;
        }
}

static unsigned drain(ioreg_iterator_t it) {
        ioreg_object_t o;
        unsigned n = 0;

        while ((o = ioreg_iterator_next(it))) {
                n++;
                ioreg_object_release(o);
        }
        return n;
}

static void test_matching_notification_contract(void **state) {
        ioreg_notification_port_t port = ioreg_notification_port_create();
        Seen s = { .drain = 1 }, t = { .drain = 1 };
        ioreg_iterator_t it, term;
        char *mouse;
        ioreg_name_t name;
        json_t *props = NULL;

        assert_non_null(port);
        assert_true(ioreg_notification_port_get_fd(port) >= 0);
        /* Primed with the existing devices, and no callback for them. */
        assert_int_equal(ioreg_service_add_matching_notification(port, IOREG_FIRST_MATCH_NOTIFICATION,
                                                                 ioreg_service_matching("IOUSBHostDevice"), matched_cb,
                                                                 &s, &it),
                         IOREG_RETURN_SUCCESS);
        assert_int_equal(ioreg_service_add_matching_notification(port, IOREG_TERMINATED_NOTIFICATION,
                                                                 mouse_matching(), matched_cb, &t, &term),
                         IOREG_RETURN_SUCCESS);
        assert_int_equal(ioreg_object_get_class(it, name), IOREG_RETURN_SUCCESS);
        assert_string_equal(name, "IOServiceUserNotification");
        assert_int_equal(drain(term), 0); /* terminate types replay nothing */
        /* Not drained yet: a new device is queued but makes no callback. */
        mouse = add_mouse(7);
        wait_for_count(mouse_matching(), 1);
        for (unsigned i = 0; i < 10; i++)
                (void) ioreg_notification_port_run(port, 20 * 1000);
        assert_int_equal(s.callbacks, 0);
        assert_int_equal(drain(it), 7); /* six at the start, the mouse */
        /* Armed now: the next device calls back. */
        remove_device(mouse);
        g_free(mouse);
        run_until(port, &t.callbacks, 1);
        assert_int_equal(t.services, 1);
        /* A terminated service keeps its last properties for the callback's owner. */
        assert_int_equal(ioreg_registry_entry_create_properties(t.last, &props, 0), IOREG_RETURN_SUCCESS);
        assert_string_equal(json_string_value(json_object_get(props, "USB Product Name")), "USB Optical Mouse");
        json_decref(props);
        mouse = add_mouse(8);
        run_until(port, &s.services, 1);
        assert_int_equal(s.callbacks, 1);
        assert_int_equal(json_integer_value(ioreg_registry_entry_create_property(s.last, "idVendor", 0)), 0x046d);
        /* Releasing the iterator cancels: the removal reaches nobody. */
        ioreg_object_release(term);
        remove_device(mouse);
        g_free(mouse);
        wait_for_count(mouse_matching(), 0);
        for (unsigned i = 0; i < 10; i++)
                (void) ioreg_notification_port_run(port, 20 * 1000);
        assert_int_equal(t.callbacks, 1);
        ioreg_object_release(s.last);
        ioreg_object_release(t.last);
        ioreg_object_release(it);
        ioreg_notification_port_destroy(port);
        assert_int_equal(ioreg_service_add_matching_notification(NULL, IOREG_FIRST_MATCH_NOTIFICATION,
                                                                 ioreg_service_matching("X"), matched_cb, &s, &it),
                         IOREG_RETURN_BAD_ARGUMENT);
}

static void test_matching_notification_errors(void **state) {
        ioreg_notification_port_t port = ioreg_notification_port_create();
        ioreg_iterator_t it = NULL;

        assert_int_equal(ioreg_service_add_matching_notification(port, "IOServiceNoSuchType",
                                                                 ioreg_service_matching("IOService"), matched_cb, NULL,
                                                                 &it),
                         IOREG_RETURN_BAD_ARGUMENT);
        assert_null(it);
        ioreg_notification_port_destroy(port);
}

typedef struct Messages {
        unsigned n, terminated, busy;
        uint32_t last;
} Messages;

static void interest_cb(void *refcon, ioreg_service_t service, uint32_t type, void *arg) {
        Messages *m = refcon;

        assert_non_null(service);
        m->n++;
        m->last = type;
        if (type == IOREG_MESSAGE_SERVICE_IS_TERMINATED)
                m->terminated++;
        if (type == IOREG_MESSAGE_SERVICE_BUSY_STATE_CHANGE)
                m->busy++;
}

static void test_interest_notification(void **state) {
        ioreg_notification_port_t port = ioreg_notification_port_create();
        _cleanup_(sd_event_unrefp) sd_event *loop = NULL;
        ioreg_notification_t general = NULL, busy = NULL;
        Messages m = {};
        ioreg_service_t dev;
        char *mouse = add_mouse(9);

        wait_for_count(mouse_matching(), 1);
        dev = ioreg_service_get_matching_service(mouse_matching());
        assert_non_null(dev);
        assert_int_equal(ioreg_service_add_interest_notification(port, dev, IOREG_GENERAL_INTEREST, interest_cb, &m,
                                                                 &general),
                         IOREG_RETURN_SUCCESS);
        assert_int_equal(ioreg_service_add_interest_notification(port, dev, IOREG_BUSY_INTEREST, interest_cb, &m,
                                                                 &busy),
                         IOREG_RETURN_SUCCESS);
        assert_int_equal(ioreg_service_add_interest_notification(port, dev, "NoSuchInterest", interest_cb, &m,
                                                                 &general),
                         IOREG_RETURN_BAD_ARGUMENT);
        /* On an sd-event loop this time. */
        assert_int_equal(sd_event_new(&loop), 0);
        assert_int_equal(ioreg_notification_port_attach_event(port, loop, 0), IOREG_RETURN_SUCCESS);
        assert_int_equal(ioreg_notification_port_attach_event(port, loop, 0), IOREG_RETURN_BAD_ARGUMENT);
        remove_device(mouse);
        g_free(mouse);
        for (unsigned i = 0; i < 500 && !m.terminated; i++)
                assert_true(sd_event_run(loop, 20 * 1000) >= 0);
        assert_int_equal(m.terminated, 1);
        assert_int_equal(m.last, IOREG_MESSAGE_SERVICE_IS_TERMINATED); /* nothing after it */
        /* The service is gone. */
        assert_int_equal(ioreg_service_add_interest_notification(port, dev, IOREG_GENERAL_INTEREST, interest_cb, &m,
                                                                 &general) == IOREG_RETURN_SUCCESS,
                         0);
        assert_int_equal(ioreg_notification_port_detach_event(port), IOREG_RETURN_SUCCESS);
        ioreg_object_release(general);
        ioreg_object_release(busy);
        ioreg_object_release(dev);
        ioreg_notification_port_destroy(port);
}

/* The daemon's window is 2 (--notify-limit=2): an undrained notification overflows, and says so. */
static void test_overflow(void **state) {
        ioreg_notification_port_t port;
        Seen s = { .drain = 0 };
        ioreg_iterator_t it;
        char *mice[6];
        unsigned n;

        assert_int_equal(test_daemon_stop(&daemon_), 0);
        start_daemon("--notify-limit=2");
        port = ioreg_notification_port_create();
        assert_int_equal(ioreg_service_add_matching_notification(port, IOREG_PUBLISH_NOTIFICATION, mouse_matching(),
                                                                 matched_cb, &s, &it),
                         IOREG_RETURN_SUCCESS);
        assert_int_equal(drain(it), 0);
        assert_true(ioreg_iterator_is_valid(it));
        for (unsigned i = 0; i < 6; i++)
                mice[i] = add_mouse(10 + i);
        wait_for_count(mouse_matching(), 6);
        /* The callback does not drain: 2 pending, 2 waiting in the daemon, then the overflow. */
        for (unsigned i = 0; i < 500 && ioreg_iterator_is_valid(it); i++)
                (void) ioreg_notification_port_run(port, 20 * 1000);
        assert_false(ioreg_iterator_is_valid(it));
        assert_true(s.callbacks >= 1);
        n = drain(it);
        assert_true(n >= 1 && n < 6);
        assert_false(ioreg_iterator_is_valid(it));
        /* Reset starts over: every mouse again (paced by the window as the iterator is drained). */
        ioreg_iterator_reset(it);
        assert_true(ioreg_iterator_is_valid(it));
        n = drain(it);
        for (unsigned i = 0; i < 100 && n < 6; i++) {
                (void) ioreg_notification_port_run(port, 20 * 1000);
                n += drain(it);
        }
        assert_int_equal(n, 6);
        for (unsigned i = 0; i < 6; i++) {
                remove_device(mice[i]);
                g_free(mice[i]);
        }
        wait_for_count(mouse_matching(), 0);
        ioreg_object_release(it);
        ioreg_notification_port_destroy(port);
        assert_int_equal(test_daemon_stop(&daemon_), 0);
        start_daemon(NULL);
}

/* The daemon goes and comes back: gone entries terminated, new ones published, the same ones kept. */
static void test_daemon_restart(void **state) {
        ioreg_notification_port_t port = ioreg_notification_port_create();
        Seen pub = { .drain = 1 }, term = { .drain = 1 };
        Messages kept = {}, lost = {};
        ioreg_iterator_t pit, tit;
        ioreg_notification_t kept_n = NULL, lost_n = NULL;
        ioreg_service_t kbd, gone;
        char *m1 = add_mouse(90), *m2; /* 1-1.90 enumerates last: the others keep their IDs */
        ioreg_name_t name;
        uint64_t id;

        wait_for_count(mouse_matching(), 1);
        json_t *all = ioreg_service_matching("IOUSBHostDevice");
        assert_int_equal(ioreg_service_add_matching_notification(port, IOREG_PUBLISH_NOTIFICATION, all, matched_cb,
                                                                 &pub, &pit),
                         IOREG_RETURN_SUCCESS);
        assert_int_equal(drain(pit), 7);
        assert_int_equal(ioreg_service_add_matching_notification(port, IOREG_TERMINATED_NOTIFICATION,
                                                                 ioreg_service_matching("IOUSBHostDevice"), matched_cb,
                                                                 &term, &tit),
                         IOREG_RETURN_SUCCESS);
        assert_int_equal(drain(tit), 0);
        kbd = ioreg_service_get_matching_service(ioreg_registry_entry_id_matching(0)); /* none */
        assert_null(kbd);
        {
                json_t *k = ioreg_service_matching("IOUSBHostDevice");

                json_object_set_new(k, "idVendor", json_integer(0x05f3));
                json_object_set_new(k, "idProduct", json_integer(0x0007));
                kbd = ioreg_service_get_matching_service(k);
        }
        gone = ioreg_service_get_matching_service(mouse_matching());
        assert_non_null(kbd);
        assert_non_null(gone);
        assert_int_equal(ioreg_service_add_interest_notification(port, kbd, IOREG_GENERAL_INTEREST, interest_cb,
                                                                 &kept, &kept_n),
                         IOREG_RETURN_SUCCESS);
        assert_int_equal(ioreg_service_add_interest_notification(port, gone, IOREG_GENERAL_INTEREST, interest_cb,
                                                                 &lost, &lost_n),
                         IOREG_RETURN_SUCCESS);

        /* The daemon dies; meanwhile one mouse goes and another comes. */
        assert_int_equal(test_daemon_stop(&daemon_), 0);
        for (unsigned i = 0; i < 10; i++)
                (void) ioreg_notification_port_run(port, 10 * 1000);
        remove_device(m1);
        g_free(m1);
        m2 = add_mouse(91);
        start_daemon(NULL);
        wait_for_count(mouse_matching(), 1);
        run_until(port, &term.services, 1);
        run_until(port, &pub.services, 1);
        run_until(port, &lost.terminated, 1);
        for (unsigned i = 0; i < 10; i++)
                (void) ioreg_notification_port_run(port, 10 * 1000);
        /* Exactly the new mouse was published, exactly the old one terminated. */
        assert_int_equal(pub.services, 1);
        assert_int_equal(term.services, 1);
        assert_int_equal(kept.terminated, 0);
        assert_string_equal(json_string_value(ioreg_registry_entry_create_property(pub.last, "USB Product Name", 0)),
                            "USB Optical Mouse");
        assert_int_equal(ioreg_registry_entry_get_registry_entry_id(term.last, &id), IOREG_RETURN_SUCCESS);
        {
                uint64_t gone_id;

                assert_int_equal(ioreg_registry_entry_get_registry_entry_id(gone, &gone_id), IOREG_RETURN_SUCCESS);
                assert_true(id == gone_id);
        }
        /* The old run's mouse answers NO_DEVICE; the keyboard, the same entry, was adopted by the port. */
        assert_int_equal(ioreg_registry_entry_get_name(gone, name), IOREG_RETURN_NO_DEVICE);
        assert_int_equal(ioreg_registry_entry_get_name(kbd, name), IOREG_RETURN_SUCCESS);
        /* The notifications go on in the new run. */
        remove_device(m2);
        g_free(m2);
        run_until(port, &term.services, 2);

        ioreg_object_release(kept_n);
        ioreg_object_release(lost_n);
        ioreg_object_release(kbd);
        ioreg_object_release(gone);
        ioreg_object_release(pub.last);
        ioreg_object_release(term.last);
        ioreg_object_release(pit);
        ioreg_object_release(tit);
        ioreg_notification_port_destroy(port);
}

/* ---- the examples ---- */

/* Runs an example to its end; its stdout in out. */
static int run_example(const char *name, const char *const *args, char *out, size_t size) {
        char cmd[1024];
        FILE *p;
        size_t n;
        int status;

        snprintf(cmd, sizeof(cmd), "%s/examples/%s", BUILD_ROOT, name);
        for (; args && *args; args++) {
                strncat(cmd, " ", sizeof(cmd) - strlen(cmd) - 1);
                strncat(cmd, *args, sizeof(cmd) - strlen(cmd) - 1);
        }
        strncat(cmd, " 2>/dev/null", sizeof(cmd) - strlen(cmd) - 1);
        p = popen(cmd, "r");
        assert_non_null(p);
        n = fread(out, 1, size - 1, p);
        out[n] = '\0';
        status = pclose(p);
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

typedef struct Child {
        pid_t pid;
        int fd;            /* its stdout and stderr */
        char buf[8192];
        size_t len;
} Child;

static void child_start(Child *c, const char *name, const char *const *args) {
        char path[512];
        const char *argv[8] = {};
        int pipefd[2];
        unsigned n = 0;

        snprintf(path, sizeof(path), "%s/examples/%s", BUILD_ROOT, name);
        argv[n++] = path;
        for (; args && *args && n < 7; args++)
                argv[n++] = *args;
        assert_int_equal(pipe2(pipefd, O_CLOEXEC), 0);
        c->pid = fork();
        assert_true(c->pid >= 0);
        if (c->pid == 0) {
                dup2(pipefd[1], 1);
                dup2(pipefd[1], 2);
                execv(path, (char *const *) argv);
                _exit(127);
        }
        close(pipefd[1]);
        c->fd = pipefd[0];
        c->len = 0;
}

/* Reads the child's output until it holds text (10 s). */
static void child_expect(Child *c, const char *text) {
        for (unsigned i = 0; i < 1000 && !strstr(c->buf, text); i++) {
                struct pollfd p = { .fd = c->fd, .events = POLLIN };
                ssize_t k;

                if (poll(&p, 1, 10) <= 0)
                        continue;
                k = read(c->fd, c->buf + c->len, sizeof(c->buf) - 1 - c->len);
                if (k <= 0)
                        break;
                c->len += k;
                c->buf[c->len] = '\0';
        }
        if (!strstr(c->buf, text))
                fail_msg("expected \"%s\" in:\n%s", text, c->buf);
}

static int child_wait(Child *c) {
        int status = 0;

        for (unsigned i = 0; i < 1000; i++) {
                if (waitpid(c->pid, &status, WNOHANG) == c->pid) {
                        close(c->fd);
                        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
                }
                usleep(10 * 1000);
        }
        kill(c->pid, SIGKILL);
        waitpid(c->pid, NULL, 0);
        close(c->fd);
        return -1;
}

static void test_example_list_usb_devices(void **state) {
        char out[4096];

        assert_int_equal(run_example("list-usb-devices", NULL, out, sizeof(out)), 0);
        assert_non_null(strstr(out, "05f3:0007 "));
        assert_non_null(strstr(out, "0403:6001 "));
        assert_non_null(strstr(out, "1d6b:0002 "));
}

static void test_example_find_serial_port(void **state) {
        char out[4096];

        assert_int_equal(run_example("find-serial-port", NULL, out, sizeof(out)), 0);
        assert_string_equal(out, "ttyUSB0 /dev/ttyUSB0 usb 0403:6001\n");
        assert_int_equal(run_example("find-serial-port", (const char *[]) { "--modem", NULL }, out, sizeof(out)), 0);
        assert_string_equal(out, "");
}

static void test_example_wait_for_device(void **state) {
        char out[256];
        Child c = {};
        char *mouse;

        /* Present already: found by the first drain. */
        assert_int_equal(run_example("wait-for-device", (const char *[]) { "05f3", "0007", "5", NULL }, out,
                                     sizeof(out)),
                         0);
        assert_string_equal(out, "/dev/bus/usb/001/009\n");
        /* Plugged while it waits. */
        child_start(&c, "wait-for-device", (const char *[]) { "046d", "c077", "20", NULL });
        usleep(300 * 1000);
        mouse = add_mouse(30);
        child_expect(&c, "/dev/bus/usb/001/050");
        assert_int_equal(child_wait(&c), 0);
        remove_device(mouse);
        g_free(mouse);
        wait_for_count(mouse_matching(), 0);
}

static void test_example_watch_device(void **state) {
        char *mouse = add_mouse(31), *path;
        ioreg_service_t dev;
        Child c = {};

        wait_for_count(mouse_matching(), 1);
        dev = ioreg_service_get_matching_service(mouse_matching());
        path = ioreg_registry_entry_copy_path(dev, IOREG_SERVICE_PLANE);
        assert_non_null(path);
        child_start(&c, "watch-device", (const char *[]) { path, NULL });
        child_expect(&c, "watching ");
        remove_device(mouse);
        g_free(mouse);
        child_expect(&c, "terminated");
        assert_int_equal(child_wait(&c), 0);
        free(path);
        ioreg_object_release(dev);
}

/* The GLib recipe: the port's fd as a GSource (umockdev brings GLib, so it is built wherever this test is). */
static void test_example_glib_main_loop(void **state) {
        char out[4096];

        assert_int_equal(run_example("glib-main-loop", (const char *[]) { "1", NULL }, out, sizeof(out)), 0);
        assert_non_null(strstr(out, "added USB Keyboard") ? out : strstr(out, "added "));
        assert_non_null(strstr(out, "added FT232R USB UART"));
}

static void test_example_usb_notify(void **state) {
        Child c = {};
        char *mouse;

        /* 046d:c077 in decimal, as the sample takes its IDs. */
        child_start(&c, "usb-notify", (const char *[]) { "1133", "49271", NULL });
        child_expect(&c, "Starting run loop.");
        mouse = add_mouse(32);
        child_expect(&c, "Device added.");
        child_expect(&c, "deviceName: USB Optical Mouse");
        /* Its interest notification is made after the line: wait for the daemon to hold it. */
        {
                sd_bus *bus = NULL;
                unsigned subs = 0;

                assert_int_equal(test_bus_connect(&test_bus, &bus), 0);
                for (unsigned i = 0; i < 500 && subs < 2; i++) {
                        assert_int_equal(read_subscriptions(bus, &subs), 0);
                        if (subs < 2)
                                usleep(10 * 1000);
                }
                assert_int_equal(subs, 2);
                sd_bus_flush_close_unref(bus);
        }
        remove_device(mouse);
        g_free(mouse);
        child_expect(&c, "Device removed.");
        child_expect(&c, "privateDataRef->deviceName: USB Optical Mouse");
        kill(c.pid, SIGINT);
        assert_int_equal(child_wait(&c), 0);
        wait_for_count(mouse_matching(), 0);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_return_strings),
                cmocka_unit_test(test_matching_builders),
                cmocka_unit_test(test_root_and_paths),
                cmocka_unit_test(test_classes),
                cmocka_unit_test(test_matching_services),
                cmocka_unit_test(test_match_property_table),
                cmocka_unit_test(test_properties),
                cmocka_unit_test(test_navigation),
                cmocka_unit_test(test_busy_and_quiet),
                cmocka_unit_test(test_matching_notification_contract),
                cmocka_unit_test(test_matching_notification_errors),
                cmocka_unit_test(test_interest_notification),
                cmocka_unit_test(test_overflow),
                cmocka_unit_test(test_daemon_restart),
                cmocka_unit_test(test_example_list_usb_devices),
                cmocka_unit_test(test_example_find_serial_port),
                cmocka_unit_test(test_example_wait_for_device),
                cmocka_unit_test(test_example_watch_device),
                cmocka_unit_test(test_example_usb_notify),
                cmocka_unit_test(test_example_glib_main_loop),
        };

        return cmocka_run_group_tests_name("libioreg", tests, group_setup, group_teardown);
}
