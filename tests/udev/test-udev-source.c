/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-udev-source.c: the udev source and the device tree on a umockdev
 * testbed built from a real recording (a USB keyboard behind three hubs):
 * coldplug, hotplug (add, change, remove), unbind after the sysfs folder
 * went (a real kernel's order), subtree termination order,
 * resync after lost events and after changes made behind the daemon's
 * back, each compared with a fresh coldplug, and bad events.
 * Runs with libumockdev-preload.so in LD_PRELOAD (meson sets it).
 *
 * Lost events: umockdev delivers each uevent to every monitor socket it
 * finds in the testbed (one AF_UNIX datagram socket per monitor, named
 * event<fd>), and numbers it with SEQNUM whether or not it finds one. The
 * test hides the monitor's socket from the sender while devices change, so
 * those events are numbered and lost on the way, as the kernel loses
 * events for a netlink socket whose receive buffer is full; the next event
 * that gets through shows the gap in SEQNUM, which is the source's real
 * kernel-mode check. A real overflow cannot be produced: umockdev 0.17
 * aborts the sending process when a monitor's queue is full (sendmsg
 * EAGAIN), and an AF_UNIX receiver is never told of drops, so the ENOBUFS
 * branch of the source is not reached here; it calls the same
 * udev_source_resync() as the gap does.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testbed.h"
#include "udev-fixture.h"

#define KBD_ROOT "/sys/devices/pci0000:00/0000:00:1a.0/usb1"
#define KBD_HUB1 KBD_ROOT "/1-1"
#define KBD_HUB2 KBD_HUB1 "/1-1.5"
#define KBD_HUB3 KBD_HUB2 "/1-1.5.4"
#define KBD_DEV KBD_HUB3 "/1-1.5.4.2"

static int setup_kbd(void **state) {
        UMockdevTestbed *testbed;

        if (testbed_from_recording("umockdev-input-usbkbd.umockdev", &testbed) < 0)
                return -1;
        return fixture_setup(state, testbed);
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

static bool product_is(Fixture *f, const void *arg) {
        const char *v = value_string(fixture_property(f, KBD_DEV, "USB Product Name"), NULL);

        return v && streq(v, arg);
}

static void test_hotplug_change(void **state) {
        Fixture *f = *state;

        umockdev_testbed_set_attribute(f->testbed, KBD_DEV, "product", "Renamed Keyboard");
        umockdev_testbed_uevent(f->testbed, KBD_DEV, "change");
        assert_true(fixture_run_until(f, product_is, "Renamed Keyboard"));
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
        assert_true(fixture_run_until(f, fixture_has_device, syspath));
        assert_ptr_equal(entry_get_parent(device_tree_find(&f->tree, syspath), f->registry->usb_plane),
                         device_tree_find(&f->tree, KBD_HUB1));
        assert_int_equal(value_unsigned(entry_get_property(device_tree_find(&f->tree, syspath), "locationID")),
                         0x01160000);

        umockdev_testbed_uevent(f->testbed, syspath, "remove");
        umockdev_testbed_remove_device(f->testbed, syspath);
        assert_true(fixture_run_until(f, fixture_lacks_device, syspath));
        g_free(syspath);
}

static char *add_mouse(Fixture *f) {
        return umockdev_testbed_add_device(f->testbed, "usb", "1-1.6", KBD_HUB1,
                                           "idVendor", "046d", "idProduct", "c077", "product", "USB Optical Mouse",
                                           "busnum", "1", "devnum", "9", "speed", "1.5", NULL,
                                           "DEVTYPE", "usb_device", NULL);
}

/* sessionID names one attachment: the ID of the device's sysfs node, read again for a new one. */
static void test_session_id(void **state) {
        Fixture *f = *state;
        uint64_t first, second;
        struct stat st;
        char *syspath;
        int old_node;

        syspath = add_mouse(f);
        assert_non_null(syspath);
        assert_true(fixture_run_until(f, fixture_has_device, syspath));
        assert_int_equal(stat(syspath, &st), 0);
        first = value_unsigned(entry_get_property(device_tree_find(&f->tree, syspath), "sessionID"));
        assert_int_equal(first, (uint64_t) st.st_ino);
        assert_int_not_equal(first, 0);
        /*
         * Held open, the old node keeps its inode: the testbed's filesystem cannot hand its number
         * to the new node (sysfs does not reuse them at once either).
         */
        old_node = open(syspath, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        assert_true(old_node >= 0);

        umockdev_testbed_uevent(f->testbed, syspath, "remove");
        umockdev_testbed_remove_device(f->testbed, syspath);
        assert_true(fixture_run_until(f, fixture_lacks_device, syspath));
        g_free(syspath);

        syspath = add_mouse(f);
        assert_non_null(syspath);
        assert_true(fixture_run_until(f, fixture_has_device, syspath));
        second = value_unsigned(entry_get_property(device_tree_find(&f->tree, syspath), "sessionID"));
        assert_int_not_equal(second, 0);
        /* The new attachment's own node, not the old one's (held open above, its number cannot return). */
        assert_int_not_equal(second, first);
        assert_int_equal(stat(syspath, &st), 0);
        assert_int_equal(second, (uint64_t) st.st_ino);
        g_free(syspath);
        close(old_node);
}

static bool driver_gone(Fixture *f, const void *syspath) {
        Entry *nub = device_tree_find(&f->tree, syspath);
        Entry *const *children;
        unsigned n;

        if (!nub)
                return false;
        children = entry_get_children(nub, f->registry->service_plane, &n);
        for (unsigned i = 0; i < n; i++)
                if (streq(children[i]->klass->name, "IOLinuxKernelDriver"))
                        return false;
        return true;
}

/* What sysfs says once the driver let go: no driver link, no DRIVER in the uevent file. */
static void unbind_in_testbed(Fixture *f, const char *syspath) {
        const char *sys = umockdev_testbed_get_sys_dir(f->testbed);
        g_autofree char *dir = g_build_filename(sys, syspath + strlen("/sys"), NULL);
        g_autofree char *uevent = g_build_filename(dir, "uevent", NULL);
        g_autofree char *driver = g_build_filename(dir, "driver", NULL);
        g_autofree char *contents = NULL;
        g_auto(GStrv) lines = NULL;
        GString *out = g_string_new(NULL);

        assert_true(g_file_get_contents(uevent, &contents, NULL, NULL));
        lines = g_strsplit(contents, "\n", -1);
        for (char **l = lines; *l; l++)
                if (**l && !g_str_has_prefix(*l, "DRIVER="))
                        g_string_append_printf(out, "%s\n", *l);
        assert_true(g_file_set_contents(uevent, out->str, -1, NULL));
        g_string_free(out, TRUE);
        assert_int_equal(unlink(driver), 0);
}

static unsigned n_terminated_drivers;

static void count_driver_termination(void *userdata, Entry *e) {
        if (streq(e->klass->name, "IOLinuxKernelDriver"))
                n_terminated_drivers++;
}

/*
 * A real kernel sends an unplugged device's unbind after its sysfs folder is gone (tests/vm found
 * it; umockdev's usual order hides it): the nub keeps its name and properties, its kernel driver
 * entry is terminated like a service (the nub goes on remove only).
 */
static void test_unbind_after_sysfs_is_gone(void **state) {
        Fixture *f = *state;
        Entry *dev = device_tree_find(&f->tree, KBD_DEV);
        char *name = strdup(entry_get_name(dev, NULL));
        size_t n_props = value_dict_size(dev->properties);

        n_terminated_drivers = 0;
        f->tree.on_terminate = count_driver_termination;
        /* umockdev sends from the folder: send, then remove it before the daemon reads the event. */
        unbind_in_testbed(f, KBD_DEV);
        umockdev_testbed_uevent(f->testbed, KBD_DEV, "unbind");
        umockdev_testbed_remove_device(f->testbed, KBD_DEV);
        assert_true(fixture_run_until(f, driver_gone, KBD_DEV));
        dev = device_tree_find(&f->tree, KBD_DEV);
        assert_string_equal(entry_get_name(dev, NULL), name);
        assert_int_equal(value_dict_size(dev->properties), n_props);
        assert_int_equal(value_unsigned(entry_get_property(dev, "idVendor")), 0x05f3);
        assert_null(value_dict_get(entry_get_property(dev, "Linux"), "DRIVER"));
        assert_int_equal(n_terminated_drivers, 1);
        free(name);
}

/* Every terminated device comes before each of its ancestors. */
static void assert_children_first(const Fixture *f) {
        for (unsigned i = 0; i < f->n_terminated; i++)
                for (unsigned j = i + 1; j < f->n_terminated; j++) {
                        size_t len = strlen(f->terminated[j]);

                        /* i came first: it must not be an ancestor of j. */
                        assert_false(strncmp(f->terminated[i], f->terminated[j], len) == 0 &&
                                     f->terminated[i][len] == '\0');
                        len = strlen(f->terminated[i]);
                        assert_false(strncmp(f->terminated[j], f->terminated[i], len) == 0 &&
                                     f->terminated[j][len] == '/');
                }
}

static void test_remove_hub_terminates_children_first(void **state) {
        Fixture *f = *state;
        const char *gone[] = {
                KBD_DEV "/1-1.5.4.2:1.0/input/input5/event5",
                KBD_DEV "/1-1.5.4.2:1.0/input/input5",
                KBD_DEV "/1-1.5.4.2:1.0",
                KBD_DEV,
                KBD_HUB3,
                KBD_HUB2,
        };
        unsigned entries = registry_n_entries(f->registry);

        /* One remove for the hub: the registry takes its whole subtree, deepest first. */
        umockdev_testbed_uevent(f->testbed, KBD_HUB2, "remove");
        assert_true(fixture_run_until(f, fixture_lacks_device, KBD_HUB2));
        for (size_t i = 0; i < ELEMENTSOF(gone); i++)
                assert_null(device_tree_find(&f->tree, gone[i]));
        assert_non_null(device_tree_find(&f->tree, KBD_HUB1));
        /* Six nubs, each logged once, children first, and the hub itself last. */
        assert_int_equal(f->n_terminated, ELEMENTSOF(gone));
        assert_children_first(f);
        assert_string_equal(f->terminated[f->n_terminated - 1], KBD_HUB2);
        /* Their driver entries went too: usbhid, and usb for each of the three USB devices. */
        assert_int_equal(registry_n_entries(f->registry), entries - ELEMENTSOF(gone) - 4);

        /* The hub leaves sysfs as well: a daemon starting now sees what this one has. */
        umockdev_testbed_remove_device(f->testbed, KBD_HUB2);
        fixture_assert_equals_fresh_coldplug(f);
}

static void test_resync_after_lost_events(void **state) {
        Fixture *f = *state;
        const UdevSourceStats *stats = udev_source_stats(f->source);
        uint64_t seqnum;
        char *mouse, *pen;

        /* An event that gets through first, so that the source knows where the numbering is. */
        umockdev_testbed_uevent(f->testbed, KBD_HUB3, "change");
        fixture_drain(f);
        seqnum = stats->last_seqnum;
        assert_true(seqnum > 0);

        /* While the monitor is out of the sender's sight: two devices arrive, one changes, a subtree leaves. */
        assert_int_equal(fixture_hide_monitors(f, true), 1);
        mouse = umockdev_testbed_add_device(f->testbed, "usb", "1-1.6", KBD_HUB1, "idVendor", "046d", "idProduct",
                                            "c077", "product", "USB Optical Mouse", "busnum", "1", "devnum", "9",
                                            NULL, "DEVTYPE", "usb_device", NULL);
        pen = umockdev_testbed_add_device(f->testbed, "usb", "1-1.7", KBD_HUB1, "idVendor", "0781", "idProduct",
                                          "5567", "product", "Cruzer Blade", "busnum", "1", "devnum", "10", NULL,
                                          "DEVTYPE", "usb_device", NULL);
        assert_non_null(mouse);
        assert_non_null(pen);
        /* (umockdev_testbed_add_device() sends the add itself.) */
        umockdev_testbed_set_attribute(f->testbed, KBD_HUB1, "product", "Renamed While Away");
        umockdev_testbed_uevent(f->testbed, KBD_HUB1, "change");
        umockdev_testbed_uevent(f->testbed, KBD_HUB3, "remove");
        umockdev_testbed_remove_device(f->testbed, KBD_HUB3);
        assert_int_equal(fixture_hide_monitors(f, false), 1);

        /* Nothing arrived, and nothing shows the loss yet. */
        fixture_drain(f);
        assert_null(device_tree_find(&f->tree, mouse));
        assert_non_null(device_tree_find(&f->tree, KBD_HUB3));
        assert_int_equal(stats->last_seqnum, seqnum);
        assert_int_equal(stats->resyncs, 0);

        /* The next event is numbered seqnum + 5: a gap, so a resync instead of applying it. */
        umockdev_testbed_uevent(f->testbed, KBD_ROOT, "change");
        assert_true(fixture_run_until(f, fixture_has_device, mouse));
        assert_int_equal(stats->resyncs, 1);
        assert_int_equal(stats->last_seqnum, seqnum + 5);
        assert_non_null(device_tree_find(&f->tree, pen));
        assert_null(device_tree_find(&f->tree, KBD_HUB3));
        assert_null(device_tree_find(&f->tree, KBD_DEV));
        assert_string_equal(value_string(fixture_property(f, KBD_HUB1, "USB Product Name"), NULL),
                            "Renamed While Away");
        assert_int_equal(value_unsigned(fixture_property(f, pen, "idProduct")), 0x5567);
        /* The vanished subtree (hub, keyboard, interface, input5, event5) went children first. */
        assert_int_equal(f->n_terminated, 5);
        assert_string_equal(f->terminated[4], KBD_HUB3);
        assert_children_first(f);
        fixture_assert_equals_fresh_coldplug(f);

        /* And the stream goes on: the next events are applied one by one, with no resync. */
        umockdev_testbed_uevent(f->testbed, mouse, "remove");
        umockdev_testbed_remove_device(f->testbed, mouse);
        assert_true(fixture_run_until(f, fixture_lacks_device, mouse));
        assert_int_equal(stats->resyncs, 1);
        g_free(mouse);
        g_free(pen);
}

static void test_resync_after_changes_behind_our_back(void **state) {
        Fixture *f = *state;
        unsigned devices = device_tree_size(&f->tree);
        char *syspath;

        /*
         * No uevents: a new device (hidden from the monitor: umockdev announces new devices), a
         * changed attribute, a vanished subtree (the keyboard).
         */
        assert_int_equal(fixture_hide_monitors(f, true), 1);
        syspath = umockdev_testbed_add_device(f->testbed, "usb", "1-1.7", KBD_HUB1, "idVendor", "0bda", "idProduct",
                                              "8153", "product", "USB 10/100/1000 LAN", "busnum", "1", "devnum", "10",
                                              NULL, "DEVTYPE", "usb_device", NULL);
        assert_non_null(syspath);
        umockdev_testbed_set_attribute(f->testbed, KBD_HUB3, "product", "Changed Quietly");
        umockdev_testbed_remove_device(f->testbed, KBD_DEV);
        assert_int_equal(fixture_hide_monitors(f, false), 1);

        /* The registry has not noticed, and differs from a fresh coldplug by those three devices at least. */
        fixture_drain(f);
        assert_true(fixture_diff_fresh_coldplug(f) >= 3);
        assert_null(device_tree_find(&f->tree, syspath));
        assert_non_null(device_tree_find(&f->tree, KBD_DEV));

        /*
         * Resync: one nub added, one changed, and six entries terminated: the keyboard, its
         * interface, input5, event5 and the driver entries of the first two (usb, usbhid).
         */
        assert_int_equal(udev_source_resync(f->source, "test"), 1 + 1 + 6);
        assert_int_equal(device_tree_size(&f->tree), devices + 1 - 4);
        assert_non_null(device_tree_find(&f->tree, syspath));
        assert_null(device_tree_find(&f->tree, KBD_DEV));
        assert_null(device_tree_find(&f->tree, KBD_DEV "/1-1.5.4.2:1.0"));
        assert_string_equal(value_string(fixture_property(f, KBD_HUB3, "USB Product Name"), NULL),
                            "Changed Quietly");
        assert_children_first(f);
        assert_int_equal(udev_source_stats(f->source)->resyncs, 1);

        /* A daemon starting now on the same testbed sees the same registry. */
        fixture_assert_equals_fresh_coldplug(f);
        /* A second resync finds nothing to change. */
        assert_int_equal(udev_source_resync(f->source, "test again"), 0);
        fixture_assert_equals_fresh_coldplug(f);
        g_free(syspath);
}

static bool has_bad_events(Fixture *f, const void *n) {
        return udev_source_stats(f->source)->bad_events >= *(const uint64_t *) n;
}

static void test_bad_events_are_ignored(void **state) {
        Fixture *f = *state;
        const UdevSourceStats *stats = udev_source_stats(f->source);
        const char *intf = KBD_DEV "/1-1.5.4.2:1.0";
        unsigned devices = device_tree_size(&f->tree), entries = registry_n_entries(f->registry);
        uint64_t events, one = 1;
        char *junk;

        /* A move without DEVPATH_OLD cannot be applied: logged, counted, dropped, nothing changed. */
        umockdev_testbed_uevent(f->testbed, KBD_DEV, "move");
        assert_true(fixture_run_until(f, has_bad_events, &one));
        assert_int_equal(device_tree_size(&f->tree), devices);
        assert_int_equal(registry_n_entries(f->registry), entries);

        /*
         * A remove of a device the registry does not know: the second of two removes (umockdev
         * sends a remove while the device is still in sysfs, so it can send it twice).
         */
        events = stats->events;
        umockdev_testbed_uevent(f->testbed, intf, "remove");
        umockdev_testbed_uevent(f->testbed, intf, "remove");
        fixture_drain(f);
        assert_null(device_tree_find(&f->tree, intf));
        assert_int_equal(stats->events, events + 2);
        assert_int_equal(stats->bad_events, 1);

        /* A device whose attributes are garbage: a nub with what can be read, nothing more. */
        junk = umockdev_testbed_add_device(f->testbed, "usb", "1-1.7", KBD_HUB1, "idVendor", "zzzz", "idProduct",
                                           "-1", "bcdDevice", "", "speed", "fast", "devnum", "x", NULL, "DEVTYPE",
                                           "usb_device", NULL);
        assert_true(fixture_run_until(f, fixture_has_device, junk));
        assert_string_equal(device_tree_find(&f->tree, junk)->klass->name, "IOUSBHostDevice");
        assert_null(fixture_property(f, junk, "idVendor"));
        assert_null(fixture_property(f, junk, "idProduct"));
        assert_null(fixture_property(f, junk, "bcdDevice"));
        assert_null(fixture_property(f, junk, "Device Speed"));
        assert_null(fixture_property(f, junk, "USB Address"));
        assert_int_equal(value_unsigned(fixture_property(f, junk, "locationID")), 0x01170000);
        assert_int_equal(stats->bad_events, 1);
        assert_int_equal(stats->resyncs, 0);

        /*
         * An action nobody knows: libudev drops the datagram, so the source never sees it, but its
         * SEQNUM is missing from the stream and the next event starts a resync, which is the safe
         * reading of "an event was lost".
         */
        umockdev_testbed_uevent(f->testbed, KBD_DEV, "explode");
        umockdev_testbed_set_attribute(f->testbed, KBD_DEV, "product", "Still Listening");
        umockdev_testbed_uevent(f->testbed, KBD_DEV, "change");
        assert_true(fixture_run_until(f, product_is, "Still Listening"));
        assert_int_equal(stats->resyncs, 1);
        /* The resync read sysfs, where the removed interface still is. */
        assert_non_null(device_tree_find(&f->tree, intf));

        /* The source keeps going: the next event is applied on its own. */
        umockdev_testbed_set_attribute(f->testbed, KBD_DEV, "product", "Still Here");
        umockdev_testbed_uevent(f->testbed, KBD_DEV, "change");
        assert_true(fixture_run_until(f, product_is, "Still Here"));
        assert_int_equal(stats->resyncs, 1);
        assert_int_equal(stats->bad_events, 1);
        g_free(junk);
}

/* Appends line to the uevent file of syspath in the testbed (what the next uevent carries). */
static void append_to_uevent(Fixture *f, const char *syspath, const char *line) {
        const char *sys = umockdev_testbed_get_sys_dir(f->testbed);
        g_autofree char *uevent = g_build_filename(sys, syspath + strlen("/sys"), "uevent", NULL);
        g_autofree char *contents = NULL, *out = NULL;

        assert_true(g_file_get_contents(uevent, &contents, NULL, NULL));
        out = g_strdup_printf("%s%s\n", contents, line);
        assert_true(g_file_set_contents(uevent, out, -1, NULL));
}

/*
 * Impossible fields (issue 23, L): a DEVNAME outside /dev made libsystemd abort in an assertion
 * when the source asked for the device node. The datagram is dropped with a log line before
 * libudev parses it, counted as a bad event, not as a loss (no resync), and the next good event
 * is applied.
 */
static void test_impossible_fields_are_dropped(void **state) {
        Fixture *f = *state;
        const UdevSourceStats *stats = udev_source_stats(f->source);
        const char *sys = umockdev_testbed_get_sys_dir(f->testbed);
        g_autofree char *uevent = g_build_filename(sys, KBD_DEV + strlen("/sys"), "uevent", NULL);
        g_autofree char *saved = NULL;
        const char *const bad[] = { "DEVNAME=/tmp/evil", "DEVNAME=/dev/../etc/shadow", "DEVNAME=" };
        uint64_t n;

        assert_true(g_file_get_contents(uevent, &saved, NULL, NULL));
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                append_to_uevent(f, KBD_DEV, bad[i]);
                umockdev_testbed_set_attribute(f->testbed, KBD_DEV, "product", "Not Applied");
                umockdev_testbed_uevent(f->testbed, KBD_DEV, "change");
                n = i + 1;
                assert_true(fixture_run_until(f, has_bad_events, &n));
                assert_false(product_is(f, "Not Applied"));
                assert_true(g_file_set_contents(uevent, saved, -1, NULL));
        }
        /* A relative DEVNAME is below /dev: fine. */
        append_to_uevent(f, KBD_DEV, "DEVNAME=input/event9");
        umockdev_testbed_set_attribute(f->testbed, KBD_DEV, "product", "Applied");
        umockdev_testbed_uevent(f->testbed, KBD_DEV, "change");
        assert_true(fixture_run_until(f, product_is, "Applied"));
        assert_int_equal(stats->bad_events, ELEMENTSOF(bad));
        assert_int_equal(stats->resyncs, 0);
}

/*
 * Events in the wrong order (issue 23, K): a parent's remove before its children's, then the
 * children's add before the parent's. Whatever the order, the registry ends as sysfs is (a fresh
 * coldplug); where an event cannot be placed (a child whose parent the registry does not have),
 * the source reads sysfs again.
 */
static void test_events_out_of_order(void **state) {
        Fixture *f = *state;
        const char *intf = KBD_DEV "/1-1.5.4.2:1.0";

        /* The hub's remove first: its subtree goes; then the removes of its children (unknown now). */
        umockdev_testbed_uevent(f->testbed, KBD_HUB3, "remove");
        umockdev_testbed_uevent(f->testbed, KBD_DEV, "remove");
        umockdev_testbed_uevent(f->testbed, intf, "remove");
        fixture_drain(f);
        assert_null(device_tree_find(&f->tree, KBD_HUB3));
        assert_null(device_tree_find(&f->tree, KBD_DEV));
        /* The devices come back, children first. */
        umockdev_testbed_uevent(f->testbed, intf, "add");
        umockdev_testbed_uevent(f->testbed, KBD_DEV, "add");
        umockdev_testbed_uevent(f->testbed, KBD_HUB3, "add");
        fixture_drain(f);
        assert_true(fixture_run_until(f, fixture_has_device, KBD_HUB3));
        fixture_drain(f);
        fixture_assert_equals_fresh_coldplug(f);
        /* The interface's add could not be placed: the source read sysfs. */
        assert_int_equal(udev_source_stats(f->source)->resyncs, 1);

        /* A child's add while its parent is gone from the registry but not from sysfs. */
        umockdev_testbed_uevent(f->testbed, KBD_HUB3, "remove");
        fixture_drain(f);
        umockdev_testbed_uevent(f->testbed, intf, "change");
        umockdev_testbed_uevent(f->testbed, KBD_DEV, "add");
        fixture_drain(f);
        umockdev_testbed_uevent(f->testbed, KBD_HUB3, "add");
        fixture_drain(f);
        assert_true(fixture_run_until(f, fixture_has_device, KBD_HUB3));
        fixture_drain(f);
        fixture_assert_equals_fresh_coldplug(f);
        assert_int_equal(udev_source_stats(f->source)->resyncs, 2);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_coldplug_usb_topology, setup_kbd, fixture_teardown),
                cmocka_unit_test_setup_teardown(test_kernel_driver_entries, setup_kbd, fixture_teardown),
                cmocka_unit_test_setup_teardown(test_hotplug_change, setup_kbd, fixture_teardown),
                cmocka_unit_test_setup_teardown(test_session_id, setup_kbd, fixture_teardown),
                cmocka_unit_test_setup_teardown(test_hotplug_add_remove, setup_kbd, fixture_teardown),
                cmocka_unit_test_setup_teardown(test_unbind_after_sysfs_is_gone, setup_kbd, fixture_teardown),
                cmocka_unit_test_setup_teardown(test_remove_hub_terminates_children_first, setup_kbd, fixture_teardown),
                cmocka_unit_test_setup_teardown(test_resync_after_lost_events, setup_kbd, fixture_teardown),
                cmocka_unit_test_setup_teardown(test_resync_after_changes_behind_our_back, setup_kbd, fixture_teardown),
                cmocka_unit_test_setup_teardown(test_bad_events_are_ignored, setup_kbd, fixture_teardown),
                cmocka_unit_test_setup_teardown(test_impossible_fields_are_dropped, setup_kbd, fixture_teardown),
                cmocka_unit_test_setup_teardown(test_events_out_of_order, setup_kbd, fixture_teardown),
        };

        return cmocka_run_group_tests_name("udev source on umockdev", tests, NULL, NULL);
}
