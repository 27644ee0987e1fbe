/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-device-tree: the nub tree (daemon/core/devices/device-tree.c) fed
 * device records built here, no udev: where nubs hang in IOService (below
 * the nearest known sysfs ancestor, its kernel driver when one is bound, the
 * platform expert otherwise), bind and unbind, change, move, removal of a
 * subtree children first, resync, and the records it refuses.
 *
 * The devices are generic ones (IOLinuxDevice, named after the sysname,
 * with the Linux dictionary only), so that what is checked is the tree and
 * not a family.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "device-tree.h"
#include "macro.h"
#include "platform-expert.h"

#define PLATFORM_BUS "/sys/devices/platform"
#define DEV_A PLATFORM_BUS "/a"
#define DEV_B DEV_A "/b"
#define DEV_C DEV_B "/c"
#define DEV_E DEV_A "/e"

/* ------------------------------------------------------------------------- */
/* Records */

typedef struct Device {
        DeviceAction action;
        const char *syspath;
        const char *driver; /* NULL: none bound */
        const char *modalias;
        const char *devpath_old; /* move only, without /sys */
} Device;

static const char *no_attr(const DeviceRecord *d, const char *name) {
        return NULL;
}

static int apply(DeviceTree *t, Device dev) {
        DeviceRecord d = {
                .action = dev.action,
                .syspath = dev.syspath,
                .devpath = dev.syspath ? dev.syspath + strlen("/sys") : NULL,
                .devpath_old = dev.devpath_old,
                .sysname = dev.syspath ? strrchr(dev.syspath, '/') + 1 : NULL,
                .subsystem = "platform",
                .driver = dev.driver,
                .modalias = dev.modalias,
                .get_attr = no_attr,
        };

        return device_tree_apply(t, &d);
}

static int add(DeviceTree *t, const char *syspath) {
        return apply(t, (Device) { .action = DEVICE_ACTION_ADD, .syspath = syspath });
}

/* ------------------------------------------------------------------------- */
/* Fixture: a registry with its platform expert and the tree, logging terminations and changes */

typedef struct Fixture {
        Registry *registry; /* owned */
        Entry *platform;    /* borrowed from the registry */
        DeviceTree tree;
        char terminated[16][32]; /* names, in the order the tree reported them */
        unsigned n_terminated;
        Entry *changed[16]; /* borrowed, valid during the test only as pointers to compare */
        unsigned n_changed;
} Fixture;

static void on_terminate(void *userdata, Entry *e) {
        Fixture *f = userdata;

        if (f->n_terminated < ELEMENTSOF(f->terminated))
                snprintf(f->terminated[f->n_terminated++], sizeof(f->terminated[0]), "%s",
                         entry_get_name(e, NULL));
}

/* The registry's observer: a nub's properties changed after it was built (entry_announce_properties()). */
static void on_properties_changed(void *userdata, Entry *nub) {
        Fixture *f = userdata;

        if (f->n_changed < ELEMENTSOF(f->changed))
                f->changed[f->n_changed++] = nub;
}

static const RegistryObserver observer = {
        .properties_changed = on_properties_changed,
};

static int setup(void **state) {
        Fixture *f = calloc(1, sizeof(*f));
        PlatformInfo info = {};

        *state = f;
        if (!f || registry_new(&f->registry) < 0 ||
            registry_publish_platform(f->registry, &info, &f->platform, NULL) < 0 ||
            device_tree_init(&f->tree, f->registry, f->platform) < 0)
                return -1;
        f->tree.on_terminate = on_terminate;
        f->tree.userdata = f;
        if (registry_add_observer(f->registry, &observer, f) < 0)
                return -1;
        return 0;
}

static int teardown(void **state) {
        Fixture *f = *state;

        if (f->registry)
                device_tree_done(&f->tree);
        registry_free(f->registry);
        free(f);
        return 0;
}

static Entry *service_parent(Fixture *f, Entry *e) {
        return entry_get_parent(e, f->registry->service_plane);
}

static unsigned n_service_children(Fixture *f, Entry *e) {
        unsigned n = 0;

        (void) entry_get_children(e, f->registry->service_plane, &n);
        return n;
}

/* ------------------------------------------------------------------------- */

static void test_add_finds_parents(void **state) {
        Fixture *f = *state;
        unsigned base = registry_n_entries(f->registry);
        Entry *a, *b, *c, *anchor, *bridge;

        assert_int_equal(device_tree_size(&f->tree), 0);
        /* Nothing known above it: below the platform expert. */
        assert_int_equal(add(&f->tree, DEV_A), 1);
        a = device_tree_find(&f->tree, DEV_A);
        assert_non_null(a);
        assert_string_equal(a->klass->name, "IOLinuxDevice");
        assert_string_equal(entry_get_name(a, NULL), "a");
        assert_ptr_equal(service_parent(f, a), f->platform);
        assert_string_equal(value_string(value_dict_get(entry_get_property(a, "Linux"), "SYSPATH"), NULL),
                            DEV_A);

        /* Its parent directory has a node: below that nub. */
        assert_int_equal(add(&f->tree, DEV_B), 1);
        b = device_tree_find(&f->tree, DEV_B);
        assert_ptr_equal(service_parent(f, b), a);

        /* Directories in between without a node of their own are skipped. */
        assert_int_equal(add(&f->tree, DEV_B "/x/y/c"), 1);
        c = device_tree_find(&f->tree, DEV_B "/x/y/c");
        assert_ptr_equal(service_parent(f, c), b);
        assert_null(device_tree_find(&f->tree, DEV_B "/x"));

        /* An unknown parent in sysfs's virtual folder: below the one "virtual" anchor (device-tree.h). */
        assert_int_equal(add(&f->tree, "/sys/devices/virtual/misc/lonely"), 1);
        anchor = service_parent(f, device_tree_find(&f->tree, "/sys/devices/virtual/misc/lonely"));
        assert_string_equal(entry_get_name(anchor, NULL), "virtual");
        assert_ptr_equal(service_parent(f, anchor), f->platform);
        assert_null(entry_get_property(anchor, "Linux")); /* a folder, not a device: no SYSPATH */
        assert_int_equal(add(&f->tree, "/sys/devices/virtual/misc/other"), 1);
        assert_ptr_equal(service_parent(f, device_tree_find(&f->tree, "/sys/devices/virtual/misc/other")), anchor);
        /* A PCI host bridge's folder: an IOPCIBridge named after it. */
        assert_int_equal(add(&f->tree, "/sys/devices/pci0000:00/0000:00:1f.2"), 1);
        bridge = service_parent(f, device_tree_find(&f->tree, "/sys/devices/pci0000:00/0000:00:1f.2"));
        assert_string_equal(entry_get_name(bridge, NULL), "pci0000:00");
        assert_string_equal(bridge->klass->name, "IOPCIBridge");
        assert_ptr_equal(service_parent(f, bridge), f->platform);

        assert_int_equal(device_tree_size(&f->tree), 6);
        assert_int_equal(f->tree.n_added, 6);
        assert_int_equal(registry_n_entries(f->registry), base + 8);

        /* The same add again describes nothing new: no change, no new entry. */
        assert_int_equal(add(&f->tree, DEV_A), 0);
        assert_ptr_equal(device_tree_find(&f->tree, DEV_A), a);
        assert_int_equal(registry_n_entries(f->registry), base + 8);
        assert_int_equal(f->n_changed, 0);
}

static void test_bind_unbind(void **state) {
        Fixture *f = *state;
        unsigned base = registry_n_entries(f->registry);
        Entry *a, *b, *drv;

        assert_int_equal(add(&f->tree, DEV_A), 1);
        assert_int_equal(add(&f->tree, DEV_B), 1);
        a = device_tree_find(&f->tree, DEV_A);
        b = device_tree_find(&f->tree, DEV_B);
        assert_ptr_equal(service_parent(f, b), a);

        /* bind: a kernel-driver entry between the nub and the nubs below it. */
        assert_int_equal(
                apply(&f->tree, (Device) { .action = DEVICE_ACTION_BIND, .syspath = DEV_A, .driver = "i8042" }),
                1);
        drv = service_parent(f, b);
        assert_ptr_not_equal(drv, a);
        assert_string_equal(drv->klass->name, "IOLinuxKernelDriver");
        assert_string_equal(entry_get_name(drv, NULL), "i8042");
        assert_string_equal(value_string(entry_get_property(drv, "CFBundleIdentifier"), NULL), "i8042");
        assert_ptr_equal(service_parent(f, drv), a);
        assert_int_equal(n_service_children(f, a), 1);
        assert_int_equal(registry_n_entries(f->registry), base + 3);
        /* The nub's Linux dictionary names its driver now: a change. */
        assert_int_equal(f->n_changed, 1);
        assert_ptr_equal(f->changed[0], a);

        /* A device added below a bound one hangs below its driver. */
        assert_int_equal(add(&f->tree, DEV_E), 1);
        assert_ptr_equal(service_parent(f, device_tree_find(&f->tree, DEV_E)), drv);
        assert_int_equal(n_service_children(f, drv), 2);

        /* unbind: the driver entry goes, its children hang below the nub again. */
        assert_int_equal(apply(&f->tree, (Device) { .action = DEVICE_ACTION_UNBIND, .syspath = DEV_A }), 1);
        assert_ptr_equal(service_parent(f, b), a);
        assert_ptr_equal(service_parent(f, device_tree_find(&f->tree, DEV_E)), a);
        assert_int_equal(n_service_children(f, a), 2);
        assert_int_equal(registry_n_entries(f->registry), base + 3);
        assert_int_equal(device_tree_size(&f->tree), 3);

        /* Bound to another driver straight away: one entry, named after the new one. */
        assert_int_equal(
                apply(&f->tree, (Device) { .action = DEVICE_ACTION_BIND, .syspath = DEV_A, .driver = "one" }),
                1);
        assert_int_equal(
                apply(&f->tree, (Device) { .action = DEVICE_ACTION_BIND, .syspath = DEV_A, .driver = "two" }),
                1);
        drv = service_parent(f, b);
        assert_string_equal(entry_get_name(drv, NULL), "two");
        assert_int_equal(n_service_children(f, a), 1);
        assert_int_equal(registry_n_entries(f->registry), base + 4);
}

static void test_change(void **state) {
        Fixture *f = *state;
        Entry *a;

        assert_int_equal(add(&f->tree, DEV_A), 1);
        a = device_tree_find(&f->tree, DEV_A);
        assert_null(value_dict_get(entry_get_property(a, "Linux"), "MODALIAS"));

        /* A change that alters the description: the same entry, new properties, the registry's observer told. */
        assert_int_equal(
                apply(&f->tree,
                      (Device) { .action = DEVICE_ACTION_CHANGE, .syspath = DEV_A, .modalias = "platform:a" }),
                1);
        assert_ptr_equal(device_tree_find(&f->tree, DEV_A), a);
        assert_string_equal(value_string(value_dict_get(entry_get_property(a, "Linux"), "MODALIAS"), NULL),
                            "platform:a");
        assert_int_equal(f->tree.n_changed, 1);
        assert_int_equal(f->n_changed, 1);
        assert_ptr_equal(f->changed[0], a);

        /* The same change again: nothing to do. */
        assert_int_equal(
                apply(&f->tree,
                      (Device) { .action = DEVICE_ACTION_CHANGE, .syspath = DEV_A, .modalias = "platform:a" }),
                0);
        assert_int_equal(f->tree.n_changed, 1);
        assert_int_equal(f->n_changed, 1);

        /* A change of a device never seen adds it. */
        assert_int_equal(apply(&f->tree, (Device) { .action = DEVICE_ACTION_CHANGE, .syspath = DEV_E }), 1);
        assert_ptr_equal(service_parent(f, device_tree_find(&f->tree, DEV_E)), a);
        assert_int_equal(f->tree.n_added, 2);
}

static void test_move(void **state) {
        Fixture *f = *state;
        unsigned base = registry_n_entries(f->registry);
        Entry *a, *b, *c;

        assert_int_equal(add(&f->tree, DEV_A), 1);
        assert_int_equal(add(&f->tree, DEV_B), 1);
        assert_int_equal(add(&f->tree, DEV_C), 1);
        a = device_tree_find(&f->tree, DEV_A);
        b = device_tree_find(&f->tree, DEV_B);
        c = device_tree_find(&f->tree, DEV_C);

        /* b renamed to d: b and everything below it answer to the new paths, as the same entries. */
        assert_int_equal(apply(&f->tree, (Device) { .action = DEVICE_ACTION_MOVE,
                                                  .syspath = DEV_A "/d",
                                                  .devpath_old = "/devices/platform/a/b" }),
                         1);
        assert_null(device_tree_find(&f->tree, DEV_B));
        assert_null(device_tree_find(&f->tree, DEV_C));
        assert_ptr_equal(device_tree_find(&f->tree, DEV_A "/d"), b);
        assert_ptr_equal(device_tree_find(&f->tree, DEV_A "/d/c"), c);
        assert_string_equal(entry_get_name(b, NULL), "d");
        assert_string_equal(entry_get_name(c, NULL), "c");
        assert_ptr_equal(service_parent(f, b), a);
        assert_ptr_equal(service_parent(f, c), b);
        assert_int_equal(device_tree_size(&f->tree), 3);
        assert_int_equal(registry_n_entries(f->registry), base + 3);
        assert_int_equal(f->n_terminated, 0);

        /* A prefix that is not a path component does not move a sibling: a/bb stays. */
        assert_int_equal(add(&f->tree, DEV_A "/bb"), 1);
        assert_int_equal(apply(&f->tree, (Device) { .action = DEVICE_ACTION_MOVE,
                                                  .syspath = DEV_A "/z",
                                                  .devpath_old = "/devices/platform/a/b" }),
                         1);
        assert_non_null(device_tree_find(&f->tree, DEV_A "/bb"));
        /* Nothing was at a/b any more: the record is an add at a/z. */
        assert_string_equal(entry_get_name(device_tree_find(&f->tree, DEV_A "/z"), NULL), "z");
        assert_int_equal(device_tree_size(&f->tree), 5);
}

static void test_remove_subtree(void **state) {
        Fixture *f = *state;
        unsigned base = registry_n_entries(f->registry);
        Entry *a;

        assert_int_equal(add(&f->tree, DEV_A), 1);
        assert_int_equal(
                apply(&f->tree, (Device) { .action = DEVICE_ACTION_ADD, .syspath = DEV_B, .driver = "bdrv" }),
                1);
        assert_int_equal(add(&f->tree, DEV_C), 1);
        assert_int_equal(add(&f->tree, DEV_E), 1);
        a = device_tree_find(&f->tree, DEV_A);
        assert_int_equal(registry_n_entries(f->registry), base + 5);

        /* b goes with its driver entry and c: children first, each reported once. */
        assert_int_equal(apply(&f->tree, (Device) { .action = DEVICE_ACTION_REMOVE, .syspath = DEV_B }), 1);
        assert_int_equal(f->n_terminated, 3);
        assert_string_equal(f->terminated[0], "c");
        assert_string_equal(f->terminated[1], "bdrv");
        assert_string_equal(f->terminated[2], "b");
        assert_null(device_tree_find(&f->tree, DEV_B));
        assert_null(device_tree_find(&f->tree, DEV_C));
        assert_ptr_equal(device_tree_find(&f->tree, DEV_A), a);
        assert_non_null(device_tree_find(&f->tree, DEV_E));
        assert_int_equal(n_service_children(f, a), 1);
        assert_int_equal(device_tree_size(&f->tree), 2);
        assert_int_equal(f->tree.n_removed, 2);
        assert_int_equal(registry_n_entries(f->registry), base + 2);

        /* Removing what is gone, or what never was, changes nothing. */
        assert_int_equal(apply(&f->tree, (Device) { .action = DEVICE_ACTION_REMOVE, .syspath = DEV_B }), 0);
        assert_int_equal(
                apply(&f->tree, (Device) { .action = DEVICE_ACTION_REMOVE, .syspath = "/sys/nowhere" }), 0);
        assert_int_equal(f->n_terminated, 3);

        /* device_tree_terminate() on a nub forgets its node too: the device can come back. */
        assert_int_equal(device_tree_terminate(&f->tree, a), 2);
        assert_int_equal(device_tree_size(&f->tree), 0);
        assert_int_equal(registry_n_entries(f->registry), base);
        assert_int_equal(add(&f->tree, DEV_A), 1);
        assert_ptr_not_equal(device_tree_find(&f->tree, DEV_A), NULL);
}

static void test_resync(void **state) {
        Fixture *f = *state;
        Entry *a;

        assert_int_equal(add(&f->tree, DEV_A), 1);
        assert_int_equal(add(&f->tree, DEV_B), 1);
        assert_int_equal(add(&f->tree, DEV_C), 1);
        assert_int_equal(add(&f->tree, DEV_E), 1);
        a = device_tree_find(&f->tree, DEV_A);

        /* Sysfs lists a and e now: b and c were lost, and are terminated at the end, not before. */
        device_tree_resync_begin(&f->tree);
        assert_int_equal(add(&f->tree, DEV_A), 0);
        assert_int_equal(add(&f->tree, DEV_E), 0);
        assert_int_equal(f->n_terminated, 0);
        assert_int_equal(device_tree_resync_end(&f->tree), 2);
        assert_int_equal(f->n_terminated, 2);
        assert_string_equal(f->terminated[0], "c");
        assert_string_equal(f->terminated[1], "b");
        assert_ptr_equal(device_tree_find(&f->tree, DEV_A), a);
        assert_int_equal(device_tree_size(&f->tree), 2);

        /* A resync that sees everything removes nothing. */
        device_tree_resync_begin(&f->tree);
        assert_int_equal(add(&f->tree, DEV_A), 0);
        assert_int_equal(add(&f->tree, DEV_E), 0);
        assert_int_equal(device_tree_resync_end(&f->tree), 0);
        assert_int_equal(device_tree_size(&f->tree), 2);
}

static void test_refused_records(void **state) {
        Fixture *f = *state;
        unsigned base = registry_n_entries(f->registry);

        assert_int_equal(apply(&f->tree, (Device) { .action = DEVICE_ACTION_ADD }), -EINVAL);
        assert_int_equal(apply(&f->tree, (Device) { .action = _DEVICE_ACTION_INVALID, .syspath = DEV_A }),
                         -EINVAL);
        assert_int_equal(apply(&f->tree, (Device) { .action = _DEVICE_ACTION_MAX, .syspath = DEV_A }), -EINVAL);
        /* A move must say where from. */
        assert_int_equal(apply(&f->tree, (Device) { .action = DEVICE_ACTION_MOVE, .syspath = DEV_A }), -EINVAL);
        assert_int_equal(device_tree_size(&f->tree), 0);
        assert_int_equal(registry_n_entries(f->registry), base);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_add_finds_parents, setup, teardown),
                cmocka_unit_test_setup_teardown(test_bind_unbind, setup, teardown),
                cmocka_unit_test_setup_teardown(test_change, setup, teardown),
                cmocka_unit_test_setup_teardown(test_move, setup, teardown),
                cmocka_unit_test_setup_teardown(test_remove_subtree, setup, teardown),
                cmocka_unit_test_setup_teardown(test_resync, setup, teardown),
                cmocka_unit_test_setup_teardown(test_refused_records, setup, teardown),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
