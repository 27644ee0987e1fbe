/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-udev-source.c: the udev source and the device tree on umockdev
 * testbeds built from real recordings: coldplug, hotplug (add, change,
 * remove), subtree termination order, and resync against a fresh coldplug.
 * Runs with libumockdev-preload.so in LD_PRELOAD (meson sets it).
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>
#include <umockdev.h>

#include "device-tree.h"
#include "platform-expert.h"
#include "udev-source.h"

#define KBD_ROOT "/sys/devices/pci0000:00/0000:00:1a.0/usb1"
#define KBD_HUB1 KBD_ROOT "/1-1"
#define KBD_HUB2 KBD_HUB1 "/1-1.5"
#define KBD_HUB3 KBD_HUB2 "/1-1.5.4"
#define KBD_DEV KBD_HUB3 "/1-1.5.4.2"

typedef struct Fixture {
        UMockdevTestbed *testbed; /* owned */
        sd_event *event;          /* owned */
        Registry *registry;       /* owned */
        Entry *platform;          /* borrowed */
        DeviceTree tree;
        UdevSource *source;       /* owned */
        char *terminated[64];     /* owned: syspaths in termination order */
        unsigned n_terminated;
} Fixture;

static void record_termination(Entry *e, void *userdata) {
        Fixture *f = userdata;
        Value *linux_dict = entry_get_property(e, "Linux");
        const char *syspath = value_string(value_dict_get(linux_dict, "SYSPATH"), NULL);

        if (syspath && f->n_terminated < ELEMENTSOF(f->terminated))
                f->terminated[f->n_terminated++] = strdup(syspath);
}

static int start(Fixture *f) {
        PlatformInfo info = {};

        if (sd_event_new(&f->event) < 0 || registry_new(&f->registry) < 0)
                return -1;
        if (registry_publish_platform(f->registry, &info, &f->platform, NULL) < 0)
                return -1;
        if (device_tree_init(&f->tree, f->registry, f->platform) < 0)
                return -1;
        f->tree.on_terminate = record_termination;
        f->tree.userdata = f;
        return udev_source_new(&f->source, f->event, &f->tree);
}

static void stop(Fixture *f) {
        udev_source_free(f->source);
        device_tree_done(&f->tree);
        registry_free(f->registry);
        sd_event_unref(f->event);
        for (unsigned i = 0; i < f->n_terminated; i++)
                free(f->terminated[i]);
        f->source = NULL;
        f->registry = NULL;
        f->event = NULL;
        f->n_terminated = 0;
}

static int setup_kbd(void **state) {
        Fixture *f = calloc(1, sizeof(*f));
        GError *error = NULL;

        setenv("IOREG_UDEV_MODE", "kernel", 1);
        f->testbed = umockdev_testbed_new();
        if (!umockdev_testbed_add_from_file(f->testbed, TEST_DATA "/umockdev/umockdev-input-usbkbd.umockdev", &error)) {
                fprintf(stderr, "cannot load the recording: %s\n", error->message);
                return -1;
        }
        if (start(f) < 0)
                return -1;
        *state = f;
        return 0;
}

static int teardown(void **state) {
        Fixture *f = *state;

        stop(f);
        g_object_unref(f->testbed);
        free(f);
        return 0;
}

/* Runs the loop until cond holds or 3 s pass. */
static bool run_until(Fixture *f, bool (*cond)(Fixture *f, const void *arg), const void *arg) {
        for (unsigned i = 0; i < 300; i++) {
                if (cond(f, arg))
                        return true;
                (void) sd_event_run(f->event, 10 * 1000);
        }
        return cond(f, arg);
}

static bool has_device(Fixture *f, const void *syspath) {
        return device_tree_find(&f->tree, syspath) != NULL;
}

static bool lacks_device(Fixture *f, const void *syspath) {
        return device_tree_find(&f->tree, syspath) == NULL;
}

static void test_coldplug_usb_topology(void **state) {
        Fixture *f = *state;
        const char *chain[] = { KBD_ROOT, KBD_HUB1, KBD_HUB2, KBD_HUB3, KBD_DEV };
        Entry *e;

        /* Every USB device of the recording is in the IOUSB plane, below the one above it. */
        for (size_t i = 0; i < ELEMENTSOF(chain); i++) {
                e = device_tree_find(&f->tree, chain[i]);
                assert_non_null(e);
                assert_string_equal(e->klass->name, "IOUSBHostDevice");
                assert_true(entry_in_plane(e, f->registry->usb_plane));
                if (i == 0)
                        assert_ptr_equal(entry_get_parent(e, f->registry->usb_plane), f->registry->root);
                else
                        assert_ptr_equal(entry_get_parent(e, f->registry->usb_plane),
                                         device_tree_find(&f->tree, chain[i - 1]));
                assert_true(e->state & ENTRY_STATE_REGISTERED);
        }
        /* Apple's locationID: bus in the top byte, one nibble per port. */
        e = device_tree_find(&f->tree, KBD_DEV);
        assert_int_equal(value_unsigned(entry_get_property(e, "locationID")), 0x01154200);
        /* The interfaces are nubs in IOService but not in IOUSB. */
        e = device_tree_find(&f->tree, KBD_DEV "/1-1.5.4.2:1.0");
        assert_non_null(e);
        assert_string_equal(e->klass->name, "IOUSBHostInterface");
        assert_false(entry_in_plane(e, f->registry->usb_plane));
        /* Everything sysfs lists has an entry. */
        assert_int_equal(device_tree_size(&f->tree), 9);
}

static void test_kernel_driver_entries(void **state) {
        Fixture *f = *state;
        Entry *intf = device_tree_find(&f->tree, KBD_DEV "/1-1.5.4.2:1.0"), *drv;
        unsigned n;
        Entry *const *children = entry_get_children(intf, f->registry->service_plane, &n);

        /* usbhid is bound: its driver entry sits between the interface and the nubs below. */
        assert_int_equal(n, 1);
        drv = children[0];
        assert_string_equal(drv->klass->name, "IOLinuxKernelDriver");
        assert_string_equal(entry_get_name(drv, NULL), "usbhid");
        children = entry_get_children(drv, f->registry->service_plane, &n);
        assert_true(n >= 1);
}

static bool property_is(Fixture *f, const void *arg) {
        Entry *e = device_tree_find(&f->tree, KBD_DEV);
        const char *v = e ? value_string(entry_get_property(e, "USB Product Name"), NULL) : NULL;

        return v && streq(v, arg);
}

static void test_hotplug_change(void **state) {
        Fixture *f = *state;

        umockdev_testbed_set_attribute(f->testbed, KBD_DEV, "product", "Renamed Keyboard");
        umockdev_testbed_uevent(f->testbed, KBD_DEV, "change");
        assert_true(run_until(f, property_is, "Renamed Keyboard"));
}

static void test_hotplug_add_remove(void **state) {
        Fixture *f = *state;
        char *syspath;

        syspath = umockdev_testbed_add_device(f->testbed, "usb", "1-1.6", KBD_HUB1,
                                              "idVendor", "046d", "idProduct", "c077", "bcdDevice", "7200",
                                              "product", "USB Optical Mouse", "manufacturer", "Logitech",
                                              "busnum", "1", "devnum", "9", "speed", "1.5", NULL,
                                              "DEVTYPE", "usb_device", NULL);
        assert_non_null(syspath);
        assert_true(run_until(f, has_device, syspath));
        assert_ptr_equal(entry_get_parent(device_tree_find(&f->tree, syspath), f->registry->usb_plane),
                         device_tree_find(&f->tree, KBD_HUB1));
        assert_int_equal(value_unsigned(entry_get_property(device_tree_find(&f->tree, syspath), "locationID")),
                         0x01160000);

        umockdev_testbed_uevent(f->testbed, syspath, "remove");
        umockdev_testbed_remove_device(f->testbed, syspath);
        assert_true(run_until(f, lacks_device, syspath));
        g_free(syspath);
}

static void test_remove_hub_terminates_children_first(void **state) {
        Fixture *f = *state;

        /* One remove for the hub: the registry takes its whole subtree, deepest first. */
        umockdev_testbed_uevent(f->testbed, KBD_HUB2, "remove");
        assert_true(run_until(f, lacks_device, KBD_HUB2));
        assert_null(device_tree_find(&f->tree, KBD_DEV));
        assert_null(device_tree_find(&f->tree, KBD_HUB3));
        assert_non_null(device_tree_find(&f->tree, KBD_HUB1));
        assert_true(f->n_terminated >= 3);
        /* Every terminated device comes before any of its ancestors. */
        for (unsigned i = 0; i < f->n_terminated; i++)
                for (unsigned j = i + 1; j < f->n_terminated; j++) {
                        size_t len = strlen(f->terminated[i]);

                        /* j is later: it must not be a descendant of i. */
                        assert_false(strncmp(f->terminated[j], f->terminated[i], len) == 0 &&
                                     f->terminated[j][len] == '/');
                }
        assert_string_equal(f->terminated[f->n_terminated - 1], KBD_HUB2);
}

/* A snapshot of the device entries: syspath, class, name, location, parent's syspath, properties. */
static char *describe_registry(Fixture *f) {
        char *buf = NULL;
        size_t len = 0;
        FILE *out = open_memstream(&buf, &len);
        const char *paths[] = { KBD_ROOT, KBD_HUB1, KBD_HUB2, KBD_HUB3, KBD_DEV,
                                KBD_DEV "/1-1.5.4.2:1.0", KBD_DEV "/1-1.5.4.2:1.1" };

        for (size_t i = 0; i < ELEMENTSOF(paths); i++) {
                Entry *e = device_tree_find(&f->tree, paths[i]);

                fprintf(out, "%s: ", paths[i]);
                if (!e) {
                        fprintf(out, "absent\n");
                        continue;
                }
                fprintf(out, "%s %s@%s props=%zu\n", e->klass->name, entry_get_name(e, NULL),
                        entry_get_location(e, NULL) ?: "-", value_dict_size(e->properties));
        }
        fclose(out);
        return buf;
}

static void test_resync_equals_fresh_coldplug(void **state) {
        Fixture *f = *state;
        Fixture fresh = { .testbed = f->testbed };
        char *after_resync, *after_coldplug;
        char *syspath;
        unsigned i;

        /* Behind the daemon's back: a new device without a uevent, a changed one, a vanished one. */
        syspath = umockdev_testbed_add_device(f->testbed, "usb", "1-1.7", KBD_HUB1, "idVendor", "0bda", "idProduct",
                                              "8153", "product", "USB 10/100/1000 LAN", "busnum", "1", "devnum", "10",
                                              NULL, "DEVTYPE", "usb_device", NULL);
        umockdev_testbed_set_attribute(f->testbed, KBD_DEV, "product", "Changed Quietly");
        umockdev_testbed_remove_device(f->testbed, KBD_DEV "/1-1.5.4.2:1.1");

        assert_true(udev_source_resync(f->source, "test") > 0);
        assert_non_null(device_tree_find(&f->tree, syspath));
        assert_null(device_tree_find(&f->tree, KBD_DEV "/1-1.5.4.2:1.1"));
        assert_true(property_is(f, "Changed Quietly"));

        /* A daemon starting now on the same testbed sees the same registry. */
        assert_int_equal(start(&fresh), 0);
        assert_int_equal(device_tree_size(&fresh.tree), device_tree_size(&f->tree));
        after_resync = describe_registry(f);
        after_coldplug = describe_registry(&fresh);
        assert_string_equal(after_resync, after_coldplug);
        i = 0;
        for (unsigned k = 0; hashmap_next(&f->tree.by_syspath, &k, NULL, NULL);)
                i++;
        assert_int_equal(i, device_tree_size(&fresh.tree));
        free(after_resync);
        free(after_coldplug);
        stop(&fresh);
        g_free(syspath);
}

static void test_bad_event_is_ignored(void **state) {
        Fixture *f = *state;
        unsigned before = device_tree_size(&f->tree);
        const UdevSourceStats *stats = udev_source_stats(f->source);

        /* A remove for a device nobody knows changes nothing and stops nothing. */
        umockdev_testbed_uevent(f->testbed, KBD_DEV, "offline");
        (void) sd_event_run(f->event, 100 * 1000);
        assert_int_equal(device_tree_size(&f->tree), before);
        umockdev_testbed_set_attribute(f->testbed, KBD_DEV, "product", "Still Listening");
        umockdev_testbed_uevent(f->testbed, KBD_DEV, "change");
        assert_true(run_until(f, property_is, "Still Listening"));
        assert_true(stats->events > 0);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_coldplug_usb_topology, setup_kbd, teardown),
                cmocka_unit_test_setup_teardown(test_kernel_driver_entries, setup_kbd, teardown),
                cmocka_unit_test_setup_teardown(test_hotplug_change, setup_kbd, teardown),
                cmocka_unit_test_setup_teardown(test_hotplug_add_remove, setup_kbd, teardown),
                cmocka_unit_test_setup_teardown(test_remove_hub_terminates_children_first, setup_kbd, teardown),
                cmocka_unit_test_setup_teardown(test_resync_equals_fresh_coldplug, setup_kbd, teardown),
                cmocka_unit_test_setup_teardown(test_bad_event_is_ignored, setup_kbd, teardown),
        };

        return cmocka_run_group_tests_name("udev source on umockdev", tests, NULL, NULL);
}
