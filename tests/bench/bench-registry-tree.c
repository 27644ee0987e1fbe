/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bench-registry-tree.c: see bench-registry-tree.h. The shape of the tree
 * (one row per depth), the classes, and the 20 properties of every entry.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench-registry-tree.h"

/*
 * One row per depth below the plane root (depth 0): the class, the name of
 * the entries and how many children each entry at that depth gets. The
 * fan-out is wide near the top (PCI), then narrows to hub chains, as in a
 * real machine; it is 2 from depth 4 on so that 100,000 entries reach depth
 * 14 and about 10,000 already fill depth 10. The last row repeats for
 * deeper levels.
 */
typedef enum LocationKind {
        LOCATION_NONE,
        LOCATION_INDEX,      /* "3" */
        LOCATION_PCI,        /* "14,0": device,function */
        LOCATION_USB,        /* "14320000": a locationID */
} LocationKind;

typedef struct Level {
        const char *class_name;
        const char *name;
        LocationKind location;
        unsigned fan_out;
} Level;

static const Level levels[] = {
        { "IOPlatformExpertDevice", "MacBookPro16,1", LOCATION_NONE, 2 },
        { "AppleACPIPCI", "PCI0", LOCATION_INDEX, 4 },
        { "IOPCIDevice", "pci-bridge", LOCATION_PCI, 3 },
        { "IOPCIDevice", "pci8086,15f0", LOCATION_PCI, 3 },
        { "AppleUSBXHCI", "XHC1", LOCATION_PCI, 2 },
        { "IOUSBHostDevice", "USB3.1 Hub", LOCATION_USB, 2 },
        { "IOUSBHostDevice", "USB2.0 Hub", LOCATION_USB, 2 },
        { "IOUSBHostDevice", "USB2.0 Hub", LOCATION_USB, 2 },
        { "IOUSBHostDevice", "FT232R USB UART", LOCATION_USB, 2 },
        { "IOUSBHostInterface", "FT232R USB UART", LOCATION_INDEX, 2 },
        { "AppleUSBFTDI", "AppleUSBFTDI", LOCATION_INDEX, 2 },
        { "IOSerialBSDClient", "IOSerialBSDClient", LOCATION_INDEX, 2 },
        { "IOMedia", "Untitled", LOCATION_INDEX, 2 },
};

static const Level *level_at(unsigned depth) {
        return &levels[depth < ELEMENTSOF(levels) ? depth : ELEMENTSOF(levels) - 1];
}

/* Classes under IOService, superclass first. */
static const char *const classes[][2] = {
        { "IOPlatformExpertDevice", "IOService" },
        { "AppleACPIPCI", "IOService" },
        { "IOPCIDevice", "IOService" },
        { "AppleUSBHostController", "IOService" },
        { "AppleUSBXHCI", "AppleUSBHostController" },
        { "IOUSBHostDevice", "IOService" },
        { "IOUSBHostInterface", "IOService" },
        { "IOSerialDriver", "IOService" },
        { "AppleUSBFTDI", "IOSerialDriver" },
        { "IOSerialBSDClient", "IOService" },
        { "IOStorage", "IOService" },
        { "IOMedia", "IOStorage" },
};

/* The 20 property keys, in the order they are set. */
const char *const property_keys[N_PROPERTIES] = {
        "USB Product Name", "USB Vendor Name", "USB Serial Number", "IOUserClientClass",
        "IOCalloutDevice",  "idVendor",        "idProduct",         "bcdDevice",
        "bDeviceClass",     "bDeviceSubClass", "bDeviceProtocol",   "bMaxPacketSize0",
        "locationID",       "sessionID",       "IOProbeScore",      "Built-In",
        "IOPCIExpressLinkActive", "compatible", "IOPowerManagement", "kUSBCurrentConfiguration",
};

void bench_done(Bench *b) {
        b->registry = registry_free(b->registry);
        free(b->entries);
        free(b->depths);
        *b = (Bench) {};
}

static void format_location(char *buf, size_t size, const Level *lv, const char *parent_location,
                            unsigned usb_level, unsigned index) {
        switch (lv->location) {
        case LOCATION_INDEX:
                snprintf(buf, size, "%x", index);
                break;
        case LOCATION_PCI:
                snprintf(buf, size, "%x,%x", 0x14 + index, index & 7);
                break;
        case LOCATION_USB: {
                /* Bus byte, then one nibble per hub port, as macOS builds locationID. */
                unsigned long parent = usb_level > 1 && parent_location ? strtoul(parent_location, NULL, 16)
                                                                        : 0x14000000ul;
                unsigned shift = 24 - 4 * (usb_level < 6 ? usb_level : 6);

                snprintf(buf, size, "%08lx", parent | ((unsigned long) (index + 1) << shift));
                break;
        }
        case LOCATION_NONE:
        default:
                buf[0] = '\0';
                break;
        }
}

static unsigned usb_level_at(unsigned depth) {
        unsigned n = 0;

        for (unsigned d = 0; d <= depth; d++)
                if (level_at(d)->location == LOCATION_USB)
                        n++;
        return n;
}

/* The power state dictionary every IOService carries (kernel's IOPowerManagement). */
static Value *power_management_new(unsigned state) {
        _cleanup_value_ Value *pm = value_new_dictionary();

        if (!pm)
                return NULL;
        if (value_dict_set_take(pm, "DevicePowerState", value_new_unsigned(state, 32)) < 0 ||
            value_dict_set_take(pm, "CurrentPowerState", value_new_unsigned(state, 32)) < 0 ||
            value_dict_set_take(pm, "CapabilityFlags", value_new_unsigned(0x8000, 32)) < 0 ||
            value_dict_set_take(pm, "MaxPowerState", value_new_unsigned(2, 32)) < 0)
                return NULL;
        return TAKE_PTR(pm);
}

static int entry_add_properties(Entry *e, const Level *lv, unsigned i, const char *location) {
        static const uint8_t compatible[] = "usb403,6001\0usb403,6001.600\0usbifclass,255";
        char buf[64];
        int r;

        /* Strings: five, of typical lengths, two of them unique per entry. */
        r = entry_set_property_take(e, "USB Product Name", value_new_string(lv->name));
        if (r < 0)
                return r;
        r = entry_set_property_take(e, "USB Vendor Name",
                                    value_new_string("Future Technology Devices International Limited"));
        if (r < 0)
                return r;
        snprintf(buf, sizeof(buf), "A%07X", i * 2654435761u >> 4);
        r = entry_set_property_take(e, "USB Serial Number", value_new_string(buf));
        if (r < 0)
                return r;
        r = entry_set_property_take(e, "IOUserClientClass", value_new_string("IOUSBHostDeviceUserClient"));
        if (r < 0)
                return r;
        snprintf(buf, sizeof(buf), "/dev/cu.usbserial-A%u", i);
        r = entry_set_property_take(e, "IOCalloutDevice", value_new_string(buf));
        if (r < 0)
                return r;

        /* Numbers: 8, 16, 32 and 64 bits, one signed. */
        r = entry_set_property_take(e, "idVendor", value_new_unsigned(0x0403, 16));
        if (r < 0)
                return r;
        r = entry_set_property_take(e, "idProduct", value_new_unsigned(0x6001 + (i & 0xf), 16));
        if (r < 0)
                return r;
        r = entry_set_property_take(e, "bcdDevice", value_new_unsigned(0x0600, 16));
        if (r < 0)
                return r;
        r = entry_set_property_take(e, "bDeviceClass", value_new_unsigned(0, 8));
        if (r < 0)
                return r;
        r = entry_set_property_take(e, "bDeviceSubClass", value_new_unsigned(0, 8));
        if (r < 0)
                return r;
        r = entry_set_property_take(e, "bDeviceProtocol", value_new_unsigned(0, 8));
        if (r < 0)
                return r;
        r = entry_set_property_take(e, "bMaxPacketSize0", value_new_unsigned(64, 8));
        if (r < 0)
                return r;
        r = entry_set_property_take(e, "locationID",
                                    value_new_unsigned(*location ? strtoul(location, NULL, 16) : 0, 32));
        if (r < 0)
                return r;
        r = entry_set_property_take(e, "sessionID",
                                    value_new_unsigned(UINT64_C(0x1c2d3e4f5a6b) * (i + 1), 64));
        if (r < 0)
                return r;
        r = entry_set_property_take(e, "IOProbeScore", value_new_signed(-1000 + (int) (i % 3000), 32));
        if (r < 0)
                return r;

        /* Booleans, data, a small dictionary, and one more number. */
        r = entry_set_property_take(e, "Built-In", value_new_boolean(i % 4 == 0));
        if (r < 0)
                return r;
        r = entry_set_property_take(e, "IOPCIExpressLinkActive", value_new_boolean(true));
        if (r < 0)
                return r;
        r = entry_set_property_take(e, "compatible", value_new_data(compatible, sizeof(compatible)));
        if (r < 0)
                return r;
        r = entry_set_property_take(e, "IOPowerManagement", power_management_new(i % 3));
        if (r < 0)
                return r;
        return entry_set_property_take(e, "kUSBCurrentConfiguration", value_new_unsigned(1, 8));
}

static int bench_define_classes(Registry *reg) {
        for (size_t i = 0; i < ELEMENTSOF(classes); i++) {
                int r = class_table_define(reg->classes, classes[i][0], classes[i][1], NULL);

                if (r < 0)
                        return r;
        }
        return 0;
}

/*
 * The benchmark's own bookkeeping, allocated and touched before the RSS
 * baseline is taken so that it does not count as registry memory.
 */
int bench_init(Bench *b, unsigned n) {
        b->entries = malloc(n * sizeof(Entry *));
        b->depths = malloc(n * sizeof(unsigned));
        if (!b->entries || !b->depths)
                return -ENOMEM;
        memset(b->entries, 0, n * sizeof(Entry *));
        memset(b->depths, 0, n * sizeof(unsigned));
        return 0;
}

/*
 * Creates n entries breadth-first: entries[0] is the plane root under
 * Root, and entries[k]'s children follow in order, so every level is full
 * before the next one starts.
 */
int bench_build(Bench *b, unsigned n) {
        unsigned parent = 0, child_of_parent = 0;
        int r;

        r = registry_new(&b->registry);
        if (r < 0)
                return r;
        b->plane = b->registry->service_plane;
        r = bench_define_classes(b->registry);
        if (r < 0)
                return r;

        for (unsigned i = 0; i < n; i++) {
                Entry *e, *up = b->registry->root;
                unsigned depth = 0, index = 0;
                const char *parent_location = NULL;
                char location[32];
                const Level *lv;

                if (i > 0) {
                        /* The next free child slot of the earliest entry that has one. */
                        while (child_of_parent >= level_at(b->depths[parent])->fan_out) {
                                parent++;
                                child_of_parent = 0;
                        }
                        up = b->entries[parent];
                        depth = b->depths[parent] + 1;
                        index = child_of_parent++;
                        parent_location = entry_get_location(up, NULL);
                }
                lv = level_at(depth);
                format_location(location, sizeof(location), lv, parent_location, usb_level_at(depth), index);

                r = registry_create_entry(b->registry, lv->class_name, &e);
                if (r < 0)
                        return r;
                r = entry_set_name(e, NULL, lv->name);
                if (r < 0)
                        return r;
                if (location[0]) {
                        r = entry_set_location(e, NULL, location);
                        if (r < 0)
                                return r;
                }
                r = entry_attach(e, up, b->plane);
                if (r < 0)
                        return r;
                r = entry_add_properties(e, lv, i, location);
                if (r < 0)
                        return r;

                b->entries[i] = e;
                b->depths[i] = depth;
                if (depth > b->max_depth)
                        b->max_depth = depth;
        }
        b->n_entries = n;
        return 0;
}
