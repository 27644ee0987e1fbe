/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-planes.c: the IOPower plane (daemon/core/devices/power-plane.c) and the
 * IODeviceTree plane (daemon/core/devices/firmware-tree.c) as the device tree builds
 * them: from a real recording (tests/data/umockdev, whose devices carry
 * power/runtime_status and firmware_node links), from tables, and from the
 * device-tree fixture in tests/data/sysfs-devicetree. Also a move's effect on
 * the nubs below the moved device.
 *
 * The ACPI nodes themselves are not in any recording (umockdev-record
 * records a device's ancestors, not its firmware node). The tables below
 * give them the syspaths the recording's firmware_node links name; their
 * ACPI paths and _ADR are invented, realistic for an Intel LPSS I2C
 * controller (PCI 00:15.1) and its touchpad, and marked "invented".
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "device-tree.h"
#include "platform-expert.h"
#include "registry-path.h"
#include "umockdev-load.h"

#define RECORDING(name) FAMILY_TEST_DATA "/umockdev/" name ".umockdev"

/* ------------------------------------------------------------------------- */
/* Devices from tables */

typedef struct TableDevice {
        DeviceRecord record;
        const char *const *attrs; /* name, value, ..., NULL */
        const char *const *links; /* name, absolute target, ..., NULL */
} TableDevice;

static const char *table_get(const char *const *kv, const char *key) {
        for (size_t i = 0; kv && kv[i]; i += 2)
                if (streq(kv[i], key))
                        return kv[i + 1];
        return NULL;
}

static const char *table_attr(const DeviceRecord *d, const char *name) {
        return table_get(((const TableDevice *) d)->attrs, name);
}

static const char *table_link(const DeviceRecord *d, const char *name) {
        return table_get(((const TableDevice *) d)->links, name);
}

/* A record for syspath with attributes and links; sysname is the last component. */
static TableDevice table_device(DeviceAction action, const char *syspath, const char *subsystem,
                                const char *const *attrs, const char *const *links) {
        return (TableDevice) {
                .record = {
                        .action = action,
                        .syspath = syspath,
                        .devpath = syspath + strlen("/sys"),
                        .sysname = strrchr(syspath, '/') + 1,
                        .subsystem = subsystem,
                        .get_attr = table_attr,
                        .get_link = table_link,
                },
                .attrs = attrs,
                .links = links,
        };
}

static int apply(DeviceTree *t, DeviceAction action, const char *syspath, const char *subsystem,
                 const char *const *attrs, const char *const *links) {
        TableDevice d = table_device(action, syspath, subsystem, attrs, links);

        return device_tree_apply(t, &d.record);
}

/* ------------------------------------------------------------------------- */
/* Fixture: a registry with its platform expert and the device tree */

typedef struct Fixture {
        Registry *registry;
        Entry *platform;  /* borrowed */
        Entry *root_domain; /* borrowed */
        DeviceTree tree;
} Fixture;

static int setup(void **state) {
        Fixture *f = calloc(1, sizeof(*f));
        PlatformInfo info = {};

        if (!f || registry_new(&f->registry) < 0 ||
            registry_publish_platform(f->registry, &info, &f->platform, NULL) < 0 ||
            device_tree_init(&f->tree, f->registry, f->platform) < 0)
                return -1;
        f->root_domain = registry_find_root_domain(f->registry);
        *state = f;
        return f->root_domain ? 0 : -1;
}

static int teardown(void **state) {
        Fixture *f = *state;

        device_tree_done(&f->tree);
        registry_free(f->registry);
        free(f);
        return 0;
}

static Entry *nub(Fixture *f, const char *syspath) {
        Entry *e = device_tree_find(&f->tree, syspath);

        if (!e)
                fail_msg("no nub for %s", syspath);
        return e;
}

static unsigned n_parents(const Entry *e, const Plane *plane) {
        unsigned n;

        (void) entry_get_parents(e, plane, &n);
        return n;
}

static bool has_parent(const Entry *e, const Entry *parent, const Plane *plane) {
        Entry *const *parents;
        unsigned n;

        parents = entry_get_parents(e, plane, &n);
        for (unsigned i = 0; i < n; i++)
                if (parents[i] == parent)
                        return true;
        return false;
}

static void assert_pm_number(const Entry *e, const char *key, uint64_t want) {
        Value *pm = entry_get_property(e, "IOPowerManagement"), *v;

        if (!pm)
                fail_msg("%s has no IOPowerManagement", entry_get_name(e, NULL));
        v = value_dict_get(pm, key);
        if (!v)
                fail_msg("IOPowerManagement of %s lacks %s", entry_get_name(e, NULL), key);
        assert_int_equal(value_type(v), VALUE_NUMBER);
        assert_int_equal(value_unsigned(v), want);
}

static void assert_pm_string(const Entry *e, const char *key, const char *want) {
        Value *pm = entry_get_property(e, "IOPowerManagement");

        assert_non_null(pm);
        assert_non_null(value_dict_get(pm, key));
        assert_string_equal(value_string(value_dict_get(pm, key), NULL), want);
}

/* Applies a recording parents first (the file has children first). */
static void apply_recording(Fixture *f, const UmockdevRecording *rec) {
        for (size_t i = rec->n_devices; i > 0; i--)
                assert_int_equal(device_tree_apply(&f->tree, umockdev_device(rec, i - 1)), 1);
}

/* ------------------------------------------------------------------------- */
/* IOPower */

#define LPSS "/sys/devices/pci0000:00/0000:00:15.1"
#define DW LPSS "/i2c_designware.1"
#define I2C DW "/i2c-1"
#define ELAN I2C "/i2c-ELAN1300:00"
#define HID ELAN "/0018:04F3:3057.0001"
#define HIDRAW HID "/hidraw/hidraw0"

static void test_power_parent_is_sysfs_parent(void **state) {
        _cleanup_(umockdev_freep) UmockdevRecording *rec = NULL;
        Fixture *f = *state;
        const Plane *power = f->registry->power_plane;
        const char *chain[] = { LPSS, DW, I2C, ELAN, HID, HIDRAW };

        assert_int_equal(umockdev_load(RECORDING("libfprint-elanspi-hidraw"), &rec), 0);
        apply_recording(f, rec);

        /* The top device (its parent pci0000:00 is not in the recording) hangs below the root domain. */
        assert_ptr_equal(entry_get_parent(nub(f, LPSS), power), f->root_domain);
        for (size_t i = 1; i < ELEMENTSOF(chain); i++) {
                Entry *e = nub(f, chain[i]);

                /* The sysfs parent's nub, not its kernel-driver entry as in IOService. */
                assert_ptr_equal(entry_get_parent(e, power), nub(f, chain[i - 1]));
                assert_int_equal(n_parents(e, power), 1);
        }
        /* IOService puts the driver in between: the planes differ where they should. */
        assert_ptr_not_equal(entry_get_parent(nub(f, DW), f->registry->service_plane), nub(f, LPSS));

        /* runtime_status → IOPowerManagement. */
        assert_pm_number(nub(f, LPSS), "CurrentPowerState", POWER_STATE_ON);
        assert_pm_number(nub(f, LPSS), "CapabilityFlags", IOPM_POWER_ON | IOPM_DEVICE_USABLE);
        assert_pm_number(nub(f, LPSS), "MaxPowerState", POWER_STATE_ON);
        assert_pm_string(nub(f, LPSS), "RuntimeStatus", "active");
        assert_pm_number(nub(f, I2C), "CurrentPowerState", POWER_STATE_SUSPENDED);
        assert_pm_number(nub(f, I2C), "CapabilityFlags", IOPM_LOW_POWER);
        assert_pm_string(nub(f, I2C), "RuntimeStatus", "suspended");
        assert_pm_number(nub(f, HIDRAW), "CurrentPowerState", POWER_STATE_ON); /* "unsupported": always on */
        /* power/control: "on" holds the PCI function on; "auto" leaves it to runtime PM. */
        assert_pm_number(nub(f, LPSS), "DevicePowerState", POWER_STATE_ON);
        assert_pm_string(nub(f, LPSS), "Control", "on");
        assert_pm_number(nub(f, DW), "DevicePowerState", POWER_STATE_OFF);

        /* Removing the controller takes its whole subtree out of every plane. */
        {
                TableDevice rm = table_device(DEVICE_ACTION_REMOVE, LPSS, "pci", NULL, NULL);
                Entry *const *children;
                unsigned n;

                assert_int_equal(device_tree_apply(&f->tree, &rm.record), 1);
                assert_int_equal(device_tree_size(&f->tree), 0);
                children = entry_get_children(f->root_domain, power, &n);
                (void) children;
                assert_int_equal(n, 0);
        }
}

static void test_runtime_status(void **state) {
        static const char *const suspended[] = {
                "power/runtime_status", "suspended", "power/control", "auto", NULL,
        };
        static const char *const held_on[] = {
                "power/runtime_status", "active", "power/control", "on", NULL,
        };
        static const char *const resuming[] = { "power/runtime_status", "resuming", NULL };
        static const char *const failed[] = { "power/runtime_status", "error", NULL };
        static const char *const odd[] = { "power/runtime_status", "sideways", NULL };
        static const char *const unmanaged[] = { "uevent", "", NULL };
        Fixture *f = *state;
        const Plane *power = f->registry->power_plane;
        Entry *e;

        assert_int_equal(apply(&f->tree, DEVICE_ACTION_ADD, "/sys/devices/platform/dev0", "platform", suspended, NULL), 1);
        e = nub(f, "/sys/devices/platform/dev0");
        assert_pm_number(e, "CurrentPowerState", POWER_STATE_SUSPENDED);
        assert_pm_number(e, "CapabilityFlags", IOPM_LOW_POWER);
        assert_pm_number(e, "DevicePowerState", POWER_STATE_OFF);
        assert_pm_string(e, "Control", "auto");
        assert_ptr_equal(entry_get_parent(e, power), f->root_domain);

        /* Same state again: nothing changed. A change event with a new state updates it in place. */
        assert_int_equal(apply(&f->tree, DEVICE_ACTION_CHANGE, "/sys/devices/platform/dev0", "platform", suspended, NULL), 0);
        assert_int_equal(apply(&f->tree, DEVICE_ACTION_CHANGE, "/sys/devices/platform/dev0", "platform", held_on, NULL), 1);
        assert_ptr_equal(nub(f, "/sys/devices/platform/dev0"), e);
        assert_pm_number(e, "CurrentPowerState", POWER_STATE_ON);
        assert_pm_number(e, "DevicePowerState", POWER_STATE_ON); /* control "on": held on */
        assert_pm_number(e, "CapabilityFlags", IOPM_POWER_ON | IOPM_DEVICE_USABLE);
        assert_int_equal(n_parents(e, power), 1);

        assert_int_equal(apply(&f->tree, DEVICE_ACTION_ADD, "/sys/devices/platform/dev1", "platform", resuming, NULL), 1);
        assert_pm_number(nub(f, "/sys/devices/platform/dev1"), "CurrentPowerState", POWER_STATE_SUSPENDED);
        assert_int_equal(apply(&f->tree, DEVICE_ACTION_ADD, "/sys/devices/platform/dev2", "platform", failed, NULL), 1);
        assert_pm_number(nub(f, "/sys/devices/platform/dev2"), "CurrentPowerState", POWER_STATE_OFF);
        assert_pm_number(nub(f, "/sys/devices/platform/dev2"), "CapabilityFlags", 0);

        /* A status we do not know: no guessed state, but the device is still power-managed. */
        assert_int_equal(apply(&f->tree, DEVICE_ACTION_ADD, "/sys/devices/platform/dev3", "platform", odd, NULL), 1);
        e = nub(f, "/sys/devices/platform/dev3");
        assert_null(value_dict_get(entry_get_property(e, "IOPowerManagement"), "CurrentPowerState"));
        assert_pm_string(e, "RuntimeStatus", "sideways");
        assert_true(entry_in_plane(e, power));

        /* No power/runtime_status (CPU caches): in IOService, not in IOPower; its child skips it. */
        assert_int_equal(apply(&f->tree, DEVICE_ACTION_ADD, "/sys/devices/platform/dev0/cache", "cpu", unmanaged, NULL), 1);
        e = nub(f, "/sys/devices/platform/dev0/cache");
        assert_false(entry_in_plane(e, power));
        assert_null(entry_get_property(e, "IOPowerManagement"));
        assert_true(entry_in_plane(e, f->registry->service_plane));
        assert_int_equal(apply(&f->tree, DEVICE_ACTION_ADD, "/sys/devices/platform/dev0/cache/index0", "cpu", suspended,
                               NULL), 1);
        assert_ptr_equal(entry_get_parent(nub(f, "/sys/devices/platform/dev0/cache/index0"), power),
                         nub(f, "/sys/devices/platform/dev0"));
}

#define SUPPLIER "/sys/devices/platform/regulator.0"
#define CONSUMER "/sys/devices/platform/soc/mmc0"
#define DEVLINKS "/sys/devices/virtual/devlink/"
#define DEVLINK DEVLINKS "platform:regulator.0--platform:mmc0"

static const char *const pm_active[] = { "power/runtime_status", "active", NULL };
static const char *const devlink_links[] = { "supplier", SUPPLIER, "consumer", CONSUMER, NULL };
static const char *const devlink_attrs[] = { "status", "active", "runtime_pm", "1", NULL };

static void test_devlink(void **state) {
        Fixture *f = *state;
        const Plane *power = f->registry->power_plane;
        unsigned n_entries;
        Entry *consumer;

        assert_int_equal(apply(&f->tree, DEVICE_ACTION_ADD, "/sys/devices/platform/soc", "platform", pm_active, NULL), 1);
        assert_int_equal(apply(&f->tree, DEVICE_ACTION_ADD, CONSUMER, "platform", pm_active, NULL), 1);
        consumer = nub(f, CONSUMER);
        assert_int_equal(n_parents(consumer, power), 1);

        /* The link comes before its supplier: it waits, and is no device (no nub, no entry). */
        n_entries = registry_n_entries(f->registry);
        assert_int_equal(apply(&f->tree, DEVICE_ACTION_ADD, DEVLINK, "devlink", devlink_attrs, devlink_links), 0);
        assert_int_equal(registry_n_entries(f->registry), n_entries);
        assert_null(device_tree_find(&f->tree, DEVLINK));
        assert_int_equal(n_parents(consumer, power), 1);

        /* The supplier comes: a second power parent, after the sysfs one. */
        assert_int_equal(apply(&f->tree, DEVICE_ACTION_ADD, SUPPLIER, "platform", pm_active, NULL), 1);
        assert_int_equal(n_parents(consumer, power), 2);
        assert_ptr_equal(entry_get_parent(consumer, power), nub(f, "/sys/devices/platform/soc"));
        assert_true(has_parent(consumer, nub(f, SUPPLIER), power));
        /* IOService does not change: the link is a power dependency, not a provider. */
        assert_int_equal(n_parents(consumer, f->registry->service_plane), 1);
        /* The same link again changes nothing. */
        assert_int_equal(apply(&f->tree, DEVICE_ACTION_CHANGE, DEVLINK, "devlink", devlink_attrs, devlink_links), 0);

        /* Removing the link detaches it. */
        assert_int_equal(apply(&f->tree, DEVICE_ACTION_REMOVE, DEVLINK, "devlink", NULL, NULL), 1);
        assert_int_equal(n_parents(consumer, power), 1);
        assert_false(has_parent(consumer, nub(f, SUPPLIER), power));
        assert_int_equal(apply(&f->tree, DEVICE_ACTION_REMOVE, DEVLINK, "devlink", NULL, NULL), 0);

        /* Back; then the supplier goes first: the consumer keeps its sysfs power parent. */
        assert_int_equal(apply(&f->tree, DEVICE_ACTION_ADD, DEVLINK, "devlink", devlink_attrs, devlink_links), 1);
        assert_int_equal(n_parents(consumer, power), 2);
        assert_int_equal(apply(&f->tree, DEVICE_ACTION_REMOVE, SUPPLIER, "platform", NULL, NULL), 1);
        assert_int_equal(n_parents(consumer, power), 1);
        assert_ptr_equal(entry_get_parent(consumer, power), nub(f, "/sys/devices/platform/soc"));
        /* The supplier comes back while the link stays: the edge returns, to the new entry. */
        assert_int_equal(apply(&f->tree, DEVICE_ACTION_ADD, SUPPLIER, "platform", pm_active, NULL), 1);
        assert_true(has_parent(consumer, nub(f, SUPPLIER), power));
        assert_int_equal(n_parents(consumer, power), 2);

        /* Resync that no longer sees the link drops it. */
        device_tree_resync_begin(&f->tree);
        assert_int_equal(apply(&f->tree, DEVICE_ACTION_ADD, "/sys/devices/platform/soc", "platform", pm_active, NULL), 0);
        assert_int_equal(apply(&f->tree, DEVICE_ACTION_ADD, CONSUMER, "platform", pm_active, NULL), 0);
        assert_int_equal(apply(&f->tree, DEVICE_ACTION_ADD, SUPPLIER, "platform", pm_active, NULL), 0);
        assert_int_equal(device_tree_resync_end(&f->tree), 1);
        assert_int_equal(n_parents(consumer, power), 1);

        /*
         * A link without its supplier and consumer symlinks (a real kernel makes them after the add
         * uevent, and libata's ":ata2--scsi:1:0:0:0" never has them) is known by its name.
         */
        assert_int_equal(apply(&f->tree, DEVICE_ACTION_ADD, DEVLINK, "devlink", devlink_attrs, NULL), 1);
        assert_true(has_parent(consumer, nub(f, SUPPLIER), power));
        assert_int_equal(apply(&f->tree, DEVICE_ACTION_REMOVE, DEVLINK, "devlink", NULL, NULL), 1);
        assert_int_equal(n_parents(consumer, power), 1);
        /* The name finds devices of that bus only; an empty bus (neither bus nor class) any. */
        assert_int_equal(apply(&f->tree, DEVICE_ACTION_ADD, DEVLINKS "pci:regulator.0--platform:mmc0", "devlink",
                               devlink_attrs, NULL), 0);
        assert_int_equal(n_parents(consumer, power), 1);
        assert_int_equal(apply(&f->tree, DEVICE_ACTION_ADD, DEVLINKS ":regulator.0--platform:mmc0", "devlink",
                               devlink_attrs, NULL), 1);
        assert_true(has_parent(consumer, nub(f, SUPPLIER), power));
        assert_int_equal(apply(&f->tree, DEVICE_ACTION_REMOVE, DEVLINKS ":regulator.0--platform:mmc0", "devlink",
                               NULL, NULL), 1);
        /* Neither links nor such a name: refused. A link whose supplier is below its consumer makes no cycle. */
        assert_int_equal(apply(&f->tree, DEVICE_ACTION_ADD, DEVLINKS "nameless", "devlink", devlink_attrs, NULL),
                         -EINVAL);
        {
                static const char *const loop[] = { "supplier", CONSUMER, "consumer", "/sys/devices/platform/soc", NULL };

                assert_int_equal(apply(&f->tree, DEVICE_ACTION_ADD, "/sys/devices/virtual/devlink/loop", "devlink",
                                       NULL, loop), 0);
                assert_int_equal(n_parents(nub(f, "/sys/devices/platform/soc"), power), 1);
        }
}

/* ------------------------------------------------------------------------- */
/* IODeviceTree from ACPI */

#define ACPI_ROOT "/sys/devices/LNXSYSTM:00"
#define ACPI_SB ACPI_ROOT "/LNXSYBUS:00"
#define ACPI_PCI ACPI_SB "/PNP0A08:00"
#define ACPI_I2C ACPI_PCI "/device:72"
#define ACPI_TP ACPI_I2C "/ELAN1300:00"

static void apply_acpi_nodes(Fixture *f) {
        /* Invented ACPI paths and _ADR (see the top of this file); real syspaths. */
        static const char *const root[] = { "path", "\\", "power/runtime_status", "unsupported", NULL };
        static const char *const sb[] = { "path", "\\_SB_", NULL };
        static const char *const pci[] = { "path", "\\_SB_.PCI0", "adr", "0x00000000", NULL };
        static const char *const i2c[] = { "path", "\\_SB_.PCI0.I2C1", "adr", "0x00150001", NULL };
        static const char *const tp[] = { "path", "\\_SB_.PCI0.I2C1.ETPD", NULL };

        assert_int_equal(apply(&f->tree, DEVICE_ACTION_ADD, ACPI_ROOT, "acpi", root, NULL), 1);
        assert_int_equal(apply(&f->tree, DEVICE_ACTION_ADD, ACPI_SB, "acpi", sb, NULL), 1);
        assert_int_equal(apply(&f->tree, DEVICE_ACTION_ADD, ACPI_PCI, "acpi", pci, NULL), 1);
        assert_int_equal(apply(&f->tree, DEVICE_ACTION_ADD, ACPI_I2C, "acpi", i2c, NULL), 1);
        assert_int_equal(apply(&f->tree, DEVICE_ACTION_ADD, ACPI_TP, "acpi", tp, NULL), 1);
}

static void assert_dt(Fixture *f, Entry *e, Entry *parent, const char *name, const char *location) {
        const Plane *dt = f->registry->device_tree_plane;

        assert_true(entry_in_plane(e, dt));
        assert_int_equal(n_parents(e, dt), 1);
        assert_ptr_equal(entry_get_parent(e, dt), parent);
        assert_string_equal(entry_get_name(e, dt), name);
        if (location)
                assert_string_equal(entry_get_location(e, dt), location);
        else
                assert_null(entry_get_location(e, dt));
}

static void test_acpi_tree(void **state) {
        _cleanup_(umockdev_freep) UmockdevRecording *rec = NULL;
        Fixture *f = *state;
        const Plane *dt = f->registry->device_tree_plane, *svc = f->registry->service_plane;
        _cleanup_free_ char *path = NULL;
        Entry *found = NULL;

        apply_acpi_nodes(f);
        /* The namespace root is the platform expert: "\" itself is not in the plane. */
        assert_false(entry_in_plane(nub(f, ACPI_ROOT), dt));
        assert_dt(f, nub(f, ACPI_SB), f->platform, "_SB", NULL);
        assert_dt(f, nub(f, ACPI_PCI), nub(f, ACPI_SB), "PCI0", "0");
        assert_dt(f, nub(f, ACPI_I2C), nub(f, ACPI_PCI), "I2C1", "15,1");
        assert_dt(f, nub(f, ACPI_TP), nub(f, ACPI_I2C), "ETPD", NULL);
        /* ACPI nodes keep their IOService place (below LNXSYSTM:00) and global names. */
        assert_ptr_equal(entry_get_parent(nub(f, ACPI_SB), svc), nub(f, ACPI_ROOT));
        assert_string_equal(entry_get_name(nub(f, ACPI_SB), NULL), "LNXSYBUS:00");

        /* The real devices: PCI 00:15.1, its platform device and i2c-1 all name device:72. */
        assert_int_equal(umockdev_load(RECORDING("libfprint-elanspi-hidraw"), &rec), 0);
        apply_recording(f, rec);

        /* The one nearest the root takes the node's place: one entry in IOService and IODeviceTree. */
        assert_dt(f, nub(f, LPSS), nub(f, ACPI_PCI), "I2C1", "15,1");
        assert_string_equal(nub(f, LPSS)->klass->name, "IOPCIDevice");
        assert_true(entry_in_plane(nub(f, LPSS), svc));
        assert_false(entry_in_plane(nub(f, ACPI_I2C), dt)); /* the node's own nub steps aside */
        assert_false(entry_in_plane(nub(f, DW), dt));
        assert_false(entry_in_plane(nub(f, I2C), dt));
        /* The touchpad's node moved with its parent node, and its device took it. */
        assert_dt(f, nub(f, ELAN), nub(f, LPSS), "ETPD", NULL);
        assert_false(entry_in_plane(nub(f, ACPI_TP), dt));
        assert_false(entry_in_plane(nub(f, HID), dt)); /* no firmware node */
        assert_int_equal(registry_entry_get_path(f->registry, nub(f, ELAN), dt, &path), 0);
        assert_string_equal(path, "IODeviceTree:/_SB/PCI0@0/I2C1@15,1/ETPD");
        assert_int_equal(registry_entry_from_path(f->registry, path, NULL, &found), 0);
        assert_ptr_equal(found, nub(f, ELAN));

        /* The touchpad goes: its node's own nub comes back, below the PCI device. */
        assert_int_equal(apply(&f->tree, DEVICE_ACTION_REMOVE, ELAN, "i2c", NULL, NULL), 1);
        assert_dt(f, nub(f, ACPI_TP), nub(f, LPSS), "ETPD", NULL);
        /* The controller goes: device:72's nub comes back, and the touchpad node below it. */
        assert_int_equal(apply(&f->tree, DEVICE_ACTION_REMOVE, LPSS, "pci", NULL, NULL), 1);
        assert_dt(f, nub(f, ACPI_I2C), nub(f, ACPI_PCI), "I2C1", "15,1");
        assert_dt(f, nub(f, ACPI_TP), nub(f, ACPI_I2C), "ETPD", NULL);
        assert_string_equal(entry_get_name(nub(f, ACPI_I2C), NULL), "device:72");

        /* An ACPI node goes: the nodes below it move up to the nearest one left. */
        assert_int_equal(apply(&f->tree, DEVICE_ACTION_REMOVE, ACPI_TP, "acpi", NULL, NULL), 1);
        assert_int_equal(firmware_tree_size(&f->tree.firmware), 4);
        assert_int_equal(apply(&f->tree, DEVICE_ACTION_REMOVE, ACPI_SB, "acpi", NULL, NULL), 1);
        assert_null(device_tree_find(&f->tree, ACPI_I2C)); /* a sysfs child: terminated with it */
        assert_int_equal(firmware_tree_size(&f->tree.firmware), 1); /* "\" */
        assert_false(entry_in_plane(nub(f, ACPI_ROOT), dt));
}

/* A device whose parent was added after it (hotplug out of order) is found by resync, and the
 * claim goes to the device nearest the root. */
static void test_acpi_claim_order(void **state) {
        static const char *const i2c[] = { "path", "\\_SB_.PCI0.I2C1", "adr", "0x00150001", NULL };
        static const char *const to_node[] = { "firmware_node", ACPI_I2C, NULL };
        Fixture *f = *state;

        assert_int_equal(apply(&f->tree, DEVICE_ACTION_ADD, DW, "platform", NULL, to_node), 1);
        /* The node is not known yet: the device shows under a name made from the link. */
        assert_dt(f, nub(f, DW), f->platform, "device:72", NULL);
        assert_int_equal(apply(&f->tree, DEVICE_ACTION_ADD, ACPI_I2C, "acpi", i2c, NULL), 1);
        assert_dt(f, nub(f, DW), f->platform, "I2C1", "15,1");
        assert_false(entry_in_plane(nub(f, ACPI_I2C), f->registry->device_tree_plane));
        /* Its parent device comes later and names the same node: it takes it over. */
        assert_int_equal(apply(&f->tree, DEVICE_ACTION_ADD, LPSS, "pci", NULL, to_node), 1);
        assert_dt(f, nub(f, LPSS), f->platform, "I2C1", "15,1");
        assert_false(entry_in_plane(nub(f, DW), f->registry->device_tree_plane));
}

/* ------------------------------------------------------------------------- */
/* IODeviceTree from a device tree */

#define OF_SERIAL "/sys/devices/platform/soc/7e201000.serial"

static void test_devicetree(void **state) {
        static const char *const to_serial[] = {
                "of_node", "/sys/firmware/devicetree/base/soc/serial@7e201000", NULL,
        };
        static const char *const to_acpi[] = { "firmware_node", ACPI_I2C, NULL };
        Fixture *f = *state;
        const Plane *dt = f->registry->device_tree_plane;
        Entry *soc, *serial, *gpio;
        size_t len;
        const uint8_t *bytes;

        assert_int_equal(firmware_tree_load_devicetree(&f->tree.firmware, FAMILY_TEST_DATA "/sysfs-devicetree"), 3);
        soc = firmware_tree_find(&f->tree.firmware, "/soc");
        serial = firmware_tree_find(&f->tree.firmware, "/soc/serial@7e201000");
        gpio = firmware_tree_find(&f->tree.firmware, "/soc/gpio@7e200000");
        assert_non_null(soc);
        assert_non_null(serial);
        assert_non_null(gpio);
        /* As xnu's IODeviceTreeAlloc() makes them: IOService, not registered, properties as data. */
        assert_string_equal(serial->klass->name, "IOService");
        assert_false(serial->state & ENTRY_STATE_REGISTERED);
        assert_false(entry_in_plane(serial, f->registry->service_plane));
        assert_dt(f, soc, f->platform, "soc", NULL);
        assert_dt(f, gpio, soc, "gpio", "7e200000"); /* name order: gpio before serial */
        assert_dt(f, serial, soc, "serial", "7e201000");
        assert_ptr_equal(entry_get_children(soc, dt, &(unsigned) { 0 })[0], gpio);
        bytes = value_data(entry_get_property(serial, "compatible"), &len);
        assert_non_null(bytes);
        assert_int_equal(len, sizeof("brcm,bcm2835-pl011\0arm,pl011"));
        assert_memory_equal(bytes, "brcm,bcm2835-pl011\0arm,pl011", len);
        assert_int_equal(value_data(entry_get_property(serial, "reg"), &len)[0], 0x7e);
        assert_int_equal(len, 8);

        /* The device of that node takes its place, with the node's properties it lacked. */
        assert_int_equal(apply(&f->tree, DEVICE_ACTION_ADD, "/sys/devices/platform/soc", "platform", pm_active, NULL), 1);
        assert_int_equal(apply(&f->tree, DEVICE_ACTION_ADD, OF_SERIAL, "amba", pm_active, to_serial), 1);
        assert_dt(f, nub(f, OF_SERIAL), soc, "serial", "7e201000");
        assert_false(entry_in_plane(serial, dt));
        assert_non_null(value_data(entry_get_property(nub(f, OF_SERIAL), "compatible"), &len));
        assert_non_null(entry_get_property(nub(f, OF_SERIAL), "Linux")); /* the family's own stay */
        /* Described the same way again: no change (the node's properties are part of the description). */
        assert_int_equal(apply(&f->tree, DEVICE_ACTION_CHANGE, OF_SERIAL, "amba", pm_active, to_serial), 0);

        /* With a device tree, firmware_node links and ACPI nodes stay out of IODeviceTree. */
        assert_int_equal(apply(&f->tree, DEVICE_ACTION_ADD, "/sys/devices/platform/other", "platform", NULL, to_acpi), 1);
        assert_false(entry_in_plane(nub(f, "/sys/devices/platform/other"), dt));

        /* The device goes: the node's entry comes back. */
        assert_int_equal(apply(&f->tree, DEVICE_ACTION_REMOVE, OF_SERIAL, "amba", NULL, NULL), 1);
        assert_dt(f, serial, soc, "serial", "7e201000");
        assert_int_equal(firmware_tree_size(&f->tree.firmware), 3);
}

static void test_resolve_link(void **state) {
        static const struct {
                const char *base, *target, *want;
        } cases[] = {
                { "/sys/devices/pci0000:00/0000:00:15.1", "../../LNXSYSTM:00/LNXSYBUS:00/PNP0A08:00/device:72",
                  "/sys/devices/LNXSYSTM:00/LNXSYBUS:00/PNP0A08:00/device:72" },
                { "/sys/devices/virtual/devlink/a--b", "../../../platform/a", "/sys/devices/platform/a" },
                { "/sys/a", "./b/../c//d/", "/sys/a/c/d" },
                { "/sys/a", "/abs/./x", "/abs/x" },
                { "/sys", "../../../..", "/" },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_free_ char *p = NULL;

                assert_int_equal(device_record_resolve_link(cases[i].base, cases[i].target, &p), 0);
                assert_string_equal(p, cases[i].want);
        }
        {
                char *p = (char *) 0x1;

                assert_int_equal(device_record_resolve_link("relative", "x", &p), -EINVAL);
                assert_ptr_equal(p, (char *) 0x1);
        }
}

/* The loader resolves L: links against the device, as the kernel's are. */
static void test_recording_links(void **state) {
        _cleanup_(umockdev_freep) UmockdevRecording *rec = NULL;
        const DeviceRecord *d;

        assert_int_equal(umockdev_load(RECORDING("libfprint-elanspi-hidraw"), &rec), 0);
        d = umockdev_find(rec, "i2c-ELAN1300:00");
        assert_non_null(d);
        assert_string_equal(device_record_link(d, "firmware_node"), ACPI_TP);
        assert_string_equal(device_record_link(d, "driver"), "/sys/bus/i2c/drivers/i2c_hid");
        assert_null(device_record_link(d, "of_node"));
        assert_null(device_record_link(d, "power/runtime_status")); /* an attribute, not a link */
}

static const char *linux_syspath(Entry *e) {
        return value_string(value_dict_get(entry_get_property(e, "Linux"), "SYSPATH"), NULL);
}

/*
 * A move (ip link set d0 name d1) takes the nubs below along: their SYSPATH follows, not only the
 * tree's index (tests/vm's network scenario found the stale ones on a real kernel).
 */
static void test_move_updates_syspath_below(void **state) {
        Fixture *f = *state;
        TableDevice moved = table_device(DEVICE_ACTION_MOVE, "/sys/devices/virtual/things/d1", "things", NULL,
                                         NULL);
        Entry *e;

        assert_int_equal(apply(&f->tree, DEVICE_ACTION_ADD, "/sys/devices/virtual/things/d0", "things", NULL, NULL), 1);
        assert_int_equal(apply(&f->tree, DEVICE_ACTION_ADD, "/sys/devices/virtual/things/d0/part", "things", NULL,
                               NULL), 1);
        moved.record.devpath_old = "/devices/virtual/things/d0";
        assert_int_equal(device_tree_apply(&f->tree, &moved.record), 1);
        assert_null(device_tree_find(&f->tree, "/sys/devices/virtual/things/d0/part"));
        e = device_tree_find(&f->tree, "/sys/devices/virtual/things/d1/part");
        assert_non_null(e);
        assert_string_equal(linux_syspath(e), "/sys/devices/virtual/things/d1/part");
        assert_string_equal(linux_syspath(device_tree_find(&f->tree, "/sys/devices/virtual/things/d1")),
                            "/sys/devices/virtual/things/d1");
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void) {
        const struct CMUnitTest tests[] = {
                T(test_power_parent_is_sysfs_parent),
                T(test_runtime_status),
                T(test_devlink),
                T(test_move_updates_syspath_below),
                T(test_acpi_tree),
                T(test_acpi_claim_order),
                T(test_devicetree),
                cmocka_unit_test(test_resolve_link),
                cmocka_unit_test(test_recording_links),
        };

        return cmocka_run_group_tests_name("planes", tests, NULL, NULL);
}
