/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-registry-path.c: registry paths (registry-path.c) with the kernel's
 * rules (reference §1.3), on small trees built here. The trees of real
 * macOS machines are in test-registry-path-dumps.c.
 */

#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "registry-path.h"

static void *mfree(void *p) {
        free(p);
        return NULL;
}

static int setup_registry(void **state) {
        Registry *reg = NULL;

        if (registry_new(&reg) < 0)
                return -1;
        *state = reg;
        return 0;
}

static int teardown_registry(void **state) {
        registry_free(*state);
        return 0;
}

/* A new IOService entry below parent in plane, named globally. */
static Entry *add(Registry *reg, Entry *parent, const Plane *plane, const char *name, const char *location) {
        Entry *e = NULL;

        assert_int_equal(registry_create_entry(reg, "IOService", &e), 0);
        if (name)
                assert_int_equal(entry_set_name(e, NULL, name), 0);
        if (location)
                assert_int_equal(entry_set_location(e, NULL, location), 0);
        if (parent)
                assert_int_equal(entry_attach(e, parent, plane), 0);
        return e;
}

static void assert_path(Registry *reg, const Entry *e, const Plane *plane, const char *expected) {
        _cleanup_free_ char *path = NULL;

        assert_int_equal(registry_entry_get_path(reg, e, plane, &path), 0);
        assert_string_equal(path, expected);
}

static void assert_resolves(Registry *reg, const char *path, const Plane *default_plane,
                            const Entry *expected) {
        Entry *found = NULL;
        int r = registry_entry_from_path(reg, path, default_plane, &found);

        if (r < 0)
                fail_msg("'%s' does not resolve: %s", path, strerror(-r));
        if (found != expected)
                fail_msg("'%s' resolves to %s, not %s", path, entry_get_name(found, NULL),
                         entry_get_name(expected, NULL));
}

static void assert_fails(Registry *reg, const char *path, const Plane *default_plane, int error) {
        Entry *found = (Entry *) 0x1;
        int r = registry_entry_from_path(reg, path, default_plane, &found);

        if (r != error)
                fail_msg("'%s': %s, expected %s", path, r < 0 ? strerror(-r) : "found", strerror(-error));
        assert_ptr_equal(found, (Entry *) 0x1); /* untouched on failure */
}

/* Get-path, then from-path of that path: the same entry. */
static void assert_round_trip(Registry *reg, const Entry *e, const Plane *plane) {
        _cleanup_free_ char *path = NULL;

        assert_int_equal(registry_entry_get_path(reg, e, plane, &path), 0);
        assert_resolves(reg, path, NULL, e);
}

/*
 * The IOService plane of a PC, as on a hackintosh:
 *   Root
 *    └ Macmini8,1                     (plane root)
 *       └ AppleACPIPlatformExpert
 *          └ PCI0@0
 *             └ AppleACPIPCI
 *                ├ XHC@14  SATA@17  LPCB@1f  HDEF@1f,3  SBUS@1F,4  GFX0@2  X@14,1
 */
typedef struct Pc {
        Entry *pe, *acpi, *pci0, *pcibus, *xhc, *sata, *lpcb, *hdef, *sbus, *gfx0, *x;
} Pc;

static void build_pc(Registry *reg, Pc *pc) {
        const Plane *svc = reg->service_plane;

        pc->pe = add(reg, reg->root, svc, "Macmini8,1", NULL);
        pc->acpi = add(reg, pc->pe, svc, "AppleACPIPlatformExpert", NULL);
        pc->pci0 = add(reg, pc->acpi, svc, "PCI0", "0");
        pc->pcibus = add(reg, pc->pci0, svc, "AppleACPIPCI", NULL);
        pc->xhc = add(reg, pc->pcibus, svc, "XHC", "14");
        pc->sata = add(reg, pc->pcibus, svc, "SATA", "17");
        pc->lpcb = add(reg, pc->pcibus, svc, "LPCB", "1f");
        pc->hdef = add(reg, pc->pcibus, svc, "HDEF", "1f,3");
        pc->sbus = add(reg, pc->pcibus, svc, "SBUS", "1F,4");
        pc->gfx0 = add(reg, pc->pcibus, svc, "GFX0", "2");
        pc->x = add(reg, pc->pcibus, svc, "X", "14,1");
}

#define PCIBUS "IOService:/AppleACPIPlatformExpert/PCI0@0/AppleACPIPCI"

static void test_plane_root_and_root(void **state) {
        Registry *reg = *state;
        const Plane *svc = reg->service_plane;
        _cleanup_free_ char *path = NULL;
        Pc pc;

        /* An empty plane has no root: nothing resolves. */
        assert_null(registry_plane_root(reg, svc));
        assert_fails(reg, "IOService:/", NULL, -ENOENT);

        build_pc(reg, &pc);
        assert_ptr_equal(registry_plane_root(reg, svc), pc.pe);
        assert_path(reg, pc.pe, svc, "IOService:/");
        assert_resolves(reg, "IOService:/", NULL, pc.pe);
        assert_resolves(reg, "/", svc, pc.pe);

        /* Root has no path, as in the kernel. */
        assert_int_equal(registry_entry_get_path(reg, reg->root, svc, &path), -ENOENT);
        assert_null(path);
        /* Nor has an entry outside the plane. */
        assert_int_equal(registry_entry_get_path(reg, pc.pe, reg->usb_plane, &path), -ENOENT);
        assert_null(path);
}

static void test_components(void **state) {
        Registry *reg = *state;
        const Plane *svc = reg->service_plane;
        Pc pc;

        build_pc(reg, &pc);
        assert_path(reg, pc.acpi, svc, "IOService:/AppleACPIPlatformExpert");
        assert_path(reg, pc.pci0, svc, "IOService:/AppleACPIPlatformExpert/PCI0@0");
        assert_path(reg, pc.hdef, svc, PCIBUS "/HDEF@1f,3");
        assert_path(reg, pc.sbus, svc, PCIBUS "/SBUS@1F,4");
        assert_resolves(reg, "IOService:/AppleACPIPlatformExpert", NULL, pc.acpi);
        assert_resolves(reg, PCIBUS, NULL, pc.pcibus);
        assert_resolves(reg, PCIBUS "/HDEF@1f,3", NULL, pc.hdef);

        /* A name without its location still finds the child. */
        assert_resolves(reg, "IOService:/AppleACPIPlatformExpert/PCI0/AppleACPIPCI/HDEF", NULL, pc.hdef);
        /* A class-named entry is named after its class. */
        {
                Entry *anon = add(reg, pc.hdef, svc, NULL, NULL);

                assert_path(reg, anon, svc, PCIBUS "/HDEF@1f,3/IOService");
                assert_round_trip(reg, anon, svc);
        }
        /* Every entry of the tree round-trips. */
        assert_round_trip(reg, pc.xhc, svc);
        assert_round_trip(reg, pc.sata, svc);
        assert_round_trip(reg, pc.lpcb, svc);
        assert_round_trip(reg, pc.sbus, svc);
        assert_round_trip(reg, pc.gfx0, svc);
        assert_round_trip(reg, pc.x, svc);
}

static void test_locations_compare_as_hex_fields(void **state) {
        Registry *reg = *state;
        Pc pc;

        build_pc(reg, &pc);
        /* Numerically, not as text. */
        assert_resolves(reg, "IOService:/AppleACPIPlatformExpert/PCI0@00000000", NULL, pc.pci0);
        assert_resolves(reg, PCIBUS "/HDEF@1F,3", NULL, pc.hdef);
        assert_resolves(reg, PCIBUS "/HDEF@001f,0003", NULL, pc.hdef);
        assert_resolves(reg, PCIBUS "/SBUS@1f,4", NULL, pc.sbus);
        assert_resolves(reg, PCIBUS "/GFX0@02", NULL, pc.gfx0);
        assert_fails(reg, "IOService:/AppleACPIPlatformExpert/PCI0@1", NULL, -ENOENT);
        /* All fields count: 14 is not 14,1, and 1f is not 1f,3. */
        assert_fails(reg, PCIBUS "/X@14", NULL, -ENOENT);
        assert_resolves(reg, PCIBUS "/X@14,1", NULL, pc.x);
        assert_fails(reg, PCIBUS "/HDEF@1f", NULL, -ENOENT);
        /* ... but a missing field is 0: 1f,0 is 1f. */
        assert_resolves(reg, PCIBUS "/LPCB@1f,0", NULL, pc.lpcb);
        /* The separators must agree. */
        assert_fails(reg, PCIBUS "/HDEF@1f:3", NULL, -ENOENT);
        /* Trailing garbage is a residue. */
        assert_fails(reg, PCIBUS "/HDEF@1f,3x", NULL, -ENOENT);
        assert_fails(reg, PCIBUS "/HDEF@", NULL, -ENOENT);
}

static void test_location_only_components(void **state) {
        Registry *reg = *state;
        Pc pc;

        build_pc(reg, &pc);
        assert_resolves(reg, PCIBUS "/@17", NULL, pc.sata);
        assert_resolves(reg, PCIBUS "/@1f,3", NULL, pc.hdef);
        assert_resolves(reg, PCIBUS "/@1f", NULL, pc.lpcb);
        assert_resolves(reg, PCIBUS "/@1F,4", NULL, pc.sbus);
        assert_resolves(reg, PCIBUS "/@14", NULL, pc.xhc);
        assert_resolves(reg, PCIBUS "/@14,1", NULL, pc.x);
        assert_resolves(reg, "IOService:/AppleACPIPlatformExpert/@0/AppleACPIPCI/@2", NULL, pc.gfx0);
        assert_fails(reg, PCIBUS "/@1f,2", NULL, -ENOENT);
        assert_fails(reg, PCIBUS "/@99", NULL, -ENOENT);
        /* Entries without a location never match a location. */
        assert_fails(reg, "IOService:/@0", NULL, -ENOENT);
}

static void test_names_match_up_to_a_separator(void **state) {
        Registry *reg = *state;
        const Plane *svc = reg->service_plane;
        Entry *pe = add(reg, reg->root, svc, "PE", NULL);
        Entry *usb = add(reg, pe, svc, "USB", NULL), *usb3 = add(reg, pe, svc, "USB", "3"),
              *usbx = add(reg, pe, svc, "USBX", NULL),
              *lan = add(reg, pe, svc, "USB 10/100/1G/2.5G LAN", "00300000");

        /* A prefix only counts when the name ends there. */
        assert_resolves(reg, "IOService:/USBX", NULL, usbx);
        assert_resolves(reg, "IOService:/USB", NULL, usb);
        /* USB has no location, so USB@3 passes it by. */
        assert_resolves(reg, "IOService:/USB@3", NULL, usb3);
        assert_fails(reg, "IOService:/USBY", NULL, -ENOENT);
        assert_fails(reg, "IOService:/US", NULL, -ENOENT);
        /* A name with '/' in it is compared whole. */
        assert_path(reg, lan, svc, "IOService:/USB 10/100/1G/2.5G LAN@00300000");
        assert_round_trip(reg, lan, svc);
        assert_round_trip(reg, usb3, svc);
}

static void test_first_matching_child_wins(void **state) {
        Registry *reg = *state;
        const Plane *svc = reg->service_plane;
        _cleanup_free_ char *path = NULL;
        Entry *pe = add(reg, reg->root, svc, "PE", NULL);
        Entry *uc1 = add(reg, pe, svc, "IOHIDLibUserClient", NULL),
              *uc2 = add(reg, pe, svc, "IOHIDLibUserClient", NULL), *pxsx = add(reg, pe, svc, "PXSX", "0"),
              *pxsx_bare = add(reg, pe, svc, "PXSX", NULL), *dev0 = add(reg, pe, svc, "dev", "0"),
              *dev00 = add(reg, pe, svc, "dev", "00"), *lan10 = add(reg, pe, svc, "LAN 10", NULL),
              *lan = add(reg, pe, svc, "LAN 10/100", "3");
        Entry *found = NULL;

        /* Identical siblings: the second's path leads to the first. */
        assert_int_equal(registry_entry_get_path(reg, uc2, svc, &path), 0);
        assert_string_equal(path, "IOService:/IOHIDLibUserClient");
        assert_resolves(reg, path, NULL, uc1);
        path = mfree(path);
        /* A name without location matches an earlier sibling that has one. */
        assert_int_equal(registry_entry_get_path(reg, pxsx_bare, svc, &path), 0);
        assert_resolves(reg, path, NULL, pxsx);
        path = mfree(path);
        /* Numerically equal locations: 00 is 0. */
        assert_int_equal(registry_entry_get_path(reg, dev00, svc, &path), 0);
        assert_string_equal(path, "IOService:/dev@00");
        assert_resolves(reg, path, NULL, dev0);
        path = mfree(path);
        /* An earlier sibling whose name is a prefix ending at '/' takes the walk elsewhere. */
        assert_int_equal(registry_entry_get_path(reg, lan, svc, &path), 0);
        assert_int_equal(registry_entry_from_path(reg, path, NULL, &found), -ENOENT);
        (void) lan10;
}

static void test_residue_and_errors(void **state) {
        Registry *reg = *state;
        const Plane *svc = reg->service_plane;
        Pc pc;

        build_pc(reg, &pc);
        assert_fails(reg, "IOService:/AppleACPIPlatformExpert/Nope", NULL, -ENOENT);
        assert_fails(reg, "IOService:/AppleACPIPlatformExpertX", NULL, -ENOENT);
        assert_fails(reg, "IOService:/AppleACPIPlatformExpert:", NULL, -ENOENT);
        assert_fails(reg, "IOService:/AppleACPIPlatformExpert:junk", NULL, -ENOENT);
        assert_fails(reg, PCIBUS "/HDEF@1f,3/Nothing", NULL, -ENOENT);
        /* Unknown plane. */
        assert_fails(reg, "IOFoo:/", NULL, -ENXIO);
        assert_fails(reg, "IOFoo:/AppleACPIPlatformExpert", svc, -ENXIO);
        /* No plane and no default. */
        assert_fails(reg, "/AppleACPIPlatformExpert", NULL, -EINVAL);
        assert_fails(reg, NULL, svc, -EINVAL);
        /* Not starting with '/': an alias, which is not supported. */
        assert_fails(reg, "AppleACPIPlatformExpert", svc, -ENOENT);
        assert_fails(reg, "IOService:AppleACPIPlatformExpert", NULL, -ENOENT);
        assert_fails(reg, "IOService:", NULL, -ENOENT);
        assert_fails(reg, "", svc, -ENOENT);
        /* A "plane" too long to be one is part of the path. */
        assert_fails(reg, "ThisIsMuchTooLongToBeAPlaneName1:/", svc, -ENOENT);
        /* A plane with no entries. */
        assert_fails(reg, "IODeviceTree:/", NULL, -ENOENT);
}

static void test_default_plane(void **state) {
        Registry *reg = *state;
        const Plane *svc = reg->service_plane, *dt = reg->device_tree_plane;
        Entry *dtroot, *pci;
        Pc pc;

        build_pc(reg, &pc);
        assert_resolves(reg, "/AppleACPIPlatformExpert/PCI0@0", svc, pc.pci0);
        assert_resolves(reg, "/", svc, pc.pe);
        /* The same entry has a device-tree face with its own names. */
        assert_int_equal(entry_attach(pc.pe, reg->root, dt), 0);
        assert_int_equal(entry_set_name(pc.pe, dt, "device-tree"), 0);
        dtroot = pc.pe;
        pci = add(reg, dtroot, dt, "PCI0", "0");
        assert_int_equal(entry_set_name(pci, dt, "pci"), 0);
        assert_path(reg, pci, dt, "IODeviceTree:/pci@0");
        assert_resolves(reg, "/pci@0", dt, pci);
        assert_fails(reg, "/pci@0", svc, -ENOENT);
        /* An explicit plane wins over the default. */
        assert_resolves(reg, "IOService:/AppleACPIPlatformExpert", dt, pc.acpi);
        assert_resolves(reg, "IODeviceTree:/pci", svc, pci);
        /* Per-plane names do not leak into the other plane's path. */
        assert_path(reg, pc.pci0, svc, "IOService:/AppleACPIPlatformExpert/PCI0@0");
        assert_int_equal(entry_set_location(pci, dt, "0,1"), 0);
        assert_path(reg, pci, dt, "IODeviceTree:/pci@0,1");
        assert_resolves(reg, "IODeviceTree:/pci@0,1", NULL, pci);
}

static void test_second_top_level_entry(void **state) {
        Registry *reg = *state;
        const Plane *usb = reg->usb_plane;
        /* The IOUSB plane of a Mac with two XHCI controllers: one root hub each, both below Root. */
        Entry *hub1 = add(reg, reg->root, usb, "AppleUSBXHCI Root Hub Simulation", "14000000"),
              *hub2 = add(reg, reg->root, usb, "AppleUSBXHCI Root Hub Simulation", "00000000");
        Entry *kbd = add(reg, hub1, usb, "USB Keyboard", "14210000"),
              *lan = add(reg, hub2, usb, "USB 10/100/1G/2.5G LAN", "00300000");

        assert_ptr_equal(registry_plane_root(reg, usb), hub1);
        assert_path(reg, hub1, usb, "IOUSB:/");
        assert_path(reg, kbd, usb, "IOUSB:/USB Keyboard@14210000");
        assert_path(reg, hub2, usb, "IOUSB:/AppleUSBXHCI Root Hub Simulation@00000000");
        assert_path(reg, lan, usb,
                    "IOUSB:/AppleUSBXHCI Root Hub Simulation@00000000/USB 10/100/1G/2.5G LAN@00300000");
        assert_round_trip(reg, hub1, usb);
        assert_round_trip(reg, kbd, usb);
        assert_round_trip(reg, hub2, usb);
        assert_round_trip(reg, lan, usb);
        assert_resolves(reg, "IOUSB:/@0", NULL, hub2);
        assert_fails(reg, "IOUSB:/AppleUSBXHCI Root Hub Simulation@1", NULL, -ENOENT);
}

static void test_string_locations_round_trip(void **state) {
        Registry *reg = *state;
        const Plane *svc = reg->service_plane;
        /* Linux names things by string where Apple has hex fields. */
        static const struct {
                const char *name, *location;
        } cases[] = {
                { "usb", "usb1" },
                { "serial", "ttyS0" },
                { "pci", "0000:00:14.0" },
                { "pci", "0000:00:1f.3" },
                { "interface", "1-1.2:1.0" },
                { "port", "1-0" },
                { "input", "input3" },
                { "disk", "sda" },
                { "card", "card0" },
                { "hci", "hci0" },
                { "platform", "PNP0C0A:00" },
        };
        Entry *pe = add(reg, reg->root, svc, "PE", NULL), *entries[ELEMENTSOF(cases)];

        for (size_t i = 0; i < ELEMENTSOF(cases); i++)
                entries[i] = add(reg, pe, svc, cases[i].name, cases[i].location);
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                char expected[64];

                snprintf(expected, sizeof(expected), "IOService:/%s@%s", cases[i].name, cases[i].location);
                assert_path(reg, entries[i], svc, expected);
                assert_round_trip(reg, entries[i], svc);
                /* And one level further down. */
                assert_round_trip(reg, add(reg, entries[i], svc, "child", cases[i].location), svc);
        }
        /* Text that is not identical does not match. */
        assert_fails(reg, "IOService:/serial@ttyS1", NULL, -ENOENT);
        assert_fails(reg, "IOService:/usb@usb", NULL, -ENOENT);
}

static void test_unattached_and_removed(void **state) {
        Registry *reg = *state;
        const Plane *svc = reg->service_plane;
        _cleanup_free_ char *path = NULL;
        Entry *pe = add(reg, reg->root, svc, "PE", NULL), *floating = add(reg, NULL, svc, "Floating", NULL),
              *below = add(reg, floating, svc, "Below", NULL), *gone = add(reg, pe, svc, "Gone", NULL);
        _cleanup_(entry_unrefp) _unused_ Entry *hold = entry_ref(gone);

        /* Linked, but not to Root. */
        assert_int_equal(registry_entry_get_path(reg, below, svc, &path), -ENOENT);
        assert_int_equal(registry_entry_get_path(reg, floating, svc, &path), -ENOENT);
        registry_remove_entry(reg, gone);
        assert_int_equal(registry_entry_get_path(reg, gone, svc, &path), -ENOENT);
        assert_null(path);
        assert_fails(reg, "IOService:/Gone", NULL, -ENOENT);
}

/*
 * A leaving entry keeps its path in each plane it was in (the first plane's
 * links inside the entry, the others' behind its table), with its names of
 * each plane, and none in a plane it was not in.
 */
static void test_kept_paths(void **state) {
        Registry *reg = *state;
        const Plane *svc = reg->service_plane, *usb = reg->usb_plane;
        Entry *pe = add(reg, reg->root, svc, "PE", NULL), *hub = add(reg, pe, svc, "Hub", "14");
        Entry *dev = add(reg, hub, svc, "Dev", "14100000");
        _cleanup_(entry_unrefp) Entry *hold = entry_ref(dev);

        assert_int_equal(entry_attach(hub, reg->root, usb), 0);
        assert_int_equal(entry_attach(dev, hub, usb), 0);
        assert_int_equal(entry_set_name(dev, usb, "Keyboard"), 0);
        assert_null(entry_get_last_path(dev, svc));

        assert_int_equal(registry_entry_keep_paths(reg, dev), 0);
        registry_remove_entry(reg, dev);
        assert_false(entry_in_plane(dev, svc));
        assert_false(entry_in_plane(dev, usb));
        assert_string_equal(entry_get_last_path(dev, svc), "IOService:/Hub@14/Dev@14100000");
        assert_string_equal(entry_get_last_path(dev, usb), "IOUSB:/Keyboard@14100000");
        assert_string_equal(entry_get_name(dev, usb), "Keyboard");
        assert_string_equal(entry_get_name(dev, svc), "Dev");
        assert_null(entry_get_last_path(dev, reg->power_plane));
        assert_null(entry_get_last_path(dev, reg->device_tree_plane));
        /* Kept again (the observer may run twice): the newer path replaces the older. */
        assert_int_equal(registry_entry_keep_paths(reg, hub), 0);
        assert_int_equal(registry_entry_keep_paths(reg, hub), 0);
        assert_string_equal(entry_get_last_path(hub, usb), "IOUSB:/"); /* the plane root */
}

static void test_deep_and_long_paths(void **state) {
        Registry *reg = *state;
        const Plane *svc = reg->service_plane;
        _cleanup_free_ char *path = NULL, *name = malloc(1001);
        Entry *e = add(reg, reg->root, svc, "PE", NULL);

        /* 300 levels: deeper than the path builder's stack buffer. */
        for (unsigned i = 0; i < 300; i++) {
                char n[16], loc[16];

                snprintf(n, sizeof(n), "L%u", i);
                snprintf(loc, sizeof(loc), "%x", i);
                e = add(reg, e, svc, n, loc);
        }
        assert_int_equal(registry_entry_get_path(reg, e, svc, &path), 0);
        assert_true(strncmp(path, "IOService:/L0@0/L1@1/L2@2/", 26) == 0);
        assert_non_null(strstr(path, "/L299@12b"));
        assert_round_trip(reg, e, svc);
        path = mfree(path);

        /* Long names: 15 levels of 1000 characters fit in 16 KiB, 17 do not. */
        assert_non_null(name);
        memset(name, 'n', 1000);
        name[1000] = '\0';
        e = registry_plane_root(reg, svc);
        for (unsigned i = 0; i < 17; i++) {
                name[0] = (char) ('a' + i);
                e = add(reg, e, svc, name, NULL);
                if (i == 14) {
                        assert_int_equal(registry_entry_get_path(reg, e, svc, &path), 0);
                        assert_int_equal(strlen(path), strlen("IOService:") + 15 * 1001);
                        assert_round_trip(reg, e, svc);
                        path = mfree(path);
                }
        }
        assert_int_equal(registry_entry_get_path(reg, e, svc, &path), -ENAMETOOLONG);
        assert_null(path);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup_registry, teardown_registry)

int main(void) {
        const struct CMUnitTest tests[] = {
                T(test_plane_root_and_root),
                T(test_components),
                T(test_locations_compare_as_hex_fields),
                T(test_location_only_components),
                T(test_names_match_up_to_a_separator),
                T(test_first_matching_child_wins),
                T(test_residue_and_errors),
                T(test_default_plane),
                T(test_second_top_level_entry),
                T(test_string_locations_round_trip),
                T(test_unattached_and_removed),
                T(test_kept_paths),
                T(test_deep_and_long_paths),
        };

        return cmocka_run_group_tests_name("registry-path", tests, NULL, NULL);
}
