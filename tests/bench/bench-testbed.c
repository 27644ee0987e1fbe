/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* bench-testbed.c: see bench-testbed.h. */

#include <assert.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench-testbed.h"
#include "macro.h"

#define MAX_ATTRS 16
#define PCI_FUNCTIONS_PER_BUS 24
#define PLATFORM_PER_BUS 20

struct TestbedDevice {
        DeviceRecord record;              /* strings borrowed from the fields below */
        char *syspath;                    /* owned */
        char *sysname;                    /* owned */
        const char *attr_names[MAX_ATTRS]; /* static */
        char *attr_values[MAX_ATTRS];     /* owned */
        unsigned n_attrs;
};

static const char *device_get_attr(const DeviceRecord *d, const char *name) {
        const TestbedDevice *td = d->userdata;

        for (unsigned i = 0; i < td->n_attrs; i++)
                if (streq(td->attr_names[i], name))
                        return td->attr_values[i];
        return NULL;
}

static TestbedDevice *device_free(TestbedDevice *td) {
        if (!td)
                return NULL;
        for (unsigned i = 0; i < td->n_attrs; i++)
                free(td->attr_values[i]);
        free(td->syspath);
        free(td->sysname);
        free(td);
        return NULL;
}

void testbed_done(Testbed *t) {
        for (unsigned i = 0; i < t->n; i++)
                device_free(t->devices[i]);
        free(t->devices);
        *t = TESTBED_INIT;
}

const DeviceRecord *testbed_record(const Testbed *t, unsigned i) {
        return i < t->n ? &t->devices[i]->record : NULL;
}

static bool testbed_full(const Testbed *t) {
        return t->n >= t->max;
}

/* xorshift64*: the same testbed on every run. */
static unsigned next_random(Testbed *t, unsigned bound) {
        t->rng ^= t->rng >> 12;
        t->rng ^= t->rng << 25;
        t->rng ^= t->rng >> 27;
        return (unsigned) ((t->rng * UINT64_C(2685821657736338717)) >> 33) % bound;
}

_printf_(3, 4) static int device_attr(TestbedDevice *td, const char *name, const char *format, ...) {
        va_list ap;
        int r;

        assert(td->n_attrs < MAX_ATTRS);
        va_start(ap, format);
        r = vasprintf(&td->attr_values[td->n_attrs], format, ap);
        va_end(ap);
        if (r < 0)
                return -ENOMEM;
        td->attr_names[td->n_attrs++] = name;
        return 0;
}

/* A new device below parent (NULL: at the top), named sysname; NULL on ENOMEM. */
static TestbedDevice *device_new(Testbed *t, TestbedDevice *parent, const char *top, const char *sysname,
                                 const char *subsystem, const char *devtype) {
        TestbedDevice *td = calloc(1, sizeof(*td));

        if (!td)
                return NULL;
        td->sysname = strdup(sysname);
        if (!td->sysname || asprintf(&td->syspath, "%s/%s", parent ? parent->syspath : top, sysname) < 0 ||
            GROW(t->devices, t->cap, t->n + 1) < 0) {
                td->syspath = NULL;
                return device_free(td);
        }
        td->record = (DeviceRecord) {
                .action = DEVICE_ACTION_ADD,
                .syspath = td->syspath,
                .devpath = td->syspath + strlen("/sys"),
                .sysname = td->sysname,
                .subsystem = subsystem,
                .devtype = devtype,
                .parent = parent ? &parent->record : NULL,
                .get_attr = device_get_attr,
                .userdata = td,
        };
        t->devices[t->n++] = td;
        return td;
}

/* A pair from ids->hits (returns true), or a listed vendor with an unlisted product. */
static bool draw_ids(Testbed *t, const TestbedIds *ids, unsigned hit_percent, IdPair *ret) {
        if (ids->hits->n > 0 && next_random(t, 100) < hit_percent) {
                *ret = ids->hits->items[next_random(t, ids->hits->n)];
                return true;
        }
        do
                *ret = (IdPair) {
                        .vendor = ids->listed->items[next_random(t, ids->listed->n)].vendor,
                        .product = (uint16_t) next_random(t, 0x10000),
                };
        while (id_list_contains(ids->listed, ret->vendor, ret->product) ||
               id_list_contains(ids->hits, ret->vendor, ret->product));
        return false;
}

/* --- USB --- */

typedef struct InterfaceKind {
        uint8_t class, subclass, protocol;
} InterfaceKind;

/* What a leaf device's interfaces are: HID, storage, vendor, Bluetooth, CDC, audio, video. */
static const InterfaceKind leaf_interfaces[] = {
        { 0x03, 0x01, 0x01 }, { 0x03, 0x01, 0x02 }, { 0x03, 0x00, 0x00 }, { 0x08, 0x06, 0x50 },
        { 0xff, 0xff, 0xff }, { 0xe0, 0x01, 0x01 }, { 0x02, 0x02, 0x01 }, { 0x0a, 0x00, 0x00 },
        { 0x01, 0x01, 0x00 }, { 0x0e, 0x01, 0x00 },
};

typedef struct UsbContext {
        const TestbedIds *ids;
        unsigned bus;
        unsigned devnum;
} UsbContext;

static int usb_interface_new(Testbed *t, TestbedDevice *dev, unsigned number, InterfaceKind kind) {
        char sysname[64];
        TestbedDevice *td;

        if (testbed_full(t))
                return 0;
        snprintf(sysname, sizeof(sysname), "%s:1.%u", dev->sysname, number);
        td = device_new(t, dev, NULL, sysname, "usb", "usb_interface");
        if (!td)
                return -ENOMEM;
        t->n_usb_interfaces++;
        if (device_attr(td, "bInterfaceNumber", "%02x", number) < 0 ||
            device_attr(td, "bAlternateSetting", "0") < 0 ||
            device_attr(td, "bInterfaceClass", "%02x", kind.class) < 0 ||
            device_attr(td, "bInterfaceSubClass", "%02x", kind.subclass) < 0 ||
            device_attr(td, "bInterfaceProtocol", "%02x", kind.protocol) < 0 ||
            device_attr(td, "bNumEndpoints", "02") < 0)
                return -ENOMEM;
        return 0;
}

/* A USB device named sysname below parent; class 9 makes a hub. *ret NULL when the testbed is full. */
static int usb_device_new(Testbed *t, UsbContext *u, TestbedDevice *parent, const char *sysname, uint8_t class,
                          const IdPair *fixed, TestbedDevice **ret) {
        TestbedDevice *td;
        IdPair id;

        *ret = NULL;
        if (testbed_full(t))
                return 0;
        td = device_new(t, parent, NULL, sysname, "usb", "usb_device");
        if (!td)
                return -ENOMEM;
        t->n_usb_devices++;
        if (fixed)
                id = *fixed;
        else if (draw_ids(t, u->ids, u->ids->hit_percent, &id))
                t->n_hits++;
        if (device_attr(td, "idVendor", "%04x", id.vendor) < 0 ||
            device_attr(td, "idProduct", "%04x", id.product) < 0 ||
            device_attr(td, "bcdDevice", "%04x", 0x0100 + next_random(t, 0x200)) < 0 ||
            device_attr(td, "bDeviceClass", "%02x", class) < 0 ||
            device_attr(td, "bDeviceSubClass", "00") < 0 ||
            device_attr(td, "bDeviceProtocol", "%02x", class == 0x09 ? 3 : 0) < 0 ||
            device_attr(td, "bMaxPacketSize0", "64") < 0 ||
            device_attr(td, "bNumConfigurations", "1") < 0 ||
            device_attr(td, "bConfigurationValue", "1") < 0 ||
            device_attr(td, "devnum", "%u", ++u->devnum) < 0 ||
            device_attr(td, "version", " 2.00") < 0 ||
            device_attr(td, "speed", "480") < 0 ||
            device_attr(td, "product", class == 0x09 ? "USB2.0 Hub" : "USB Device %04x", id.product) < 0 ||
            device_attr(td, "removable", class == 0x09 && !parent->record.subsystem ? "fixed" : "removable") < 0)
                return -ENOMEM;
        *ret = td;
        return 0;
}

static int usb_leaf_new(Testbed *t, UsbContext *u, TestbedDevice *parent, const char *sysname) {
        InterfaceKind first = leaf_interfaces[next_random(t, ELEMENTSOF(leaf_interfaces))];
        unsigned n_interfaces = 1 + next_random(t, 3);
        TestbedDevice *dev;
        int r;

        r = usb_device_new(t, u, parent, sysname, first.class == 0xe0 ? 0xe0 : n_interfaces > 1 ? 0xef : 0x00,
                           NULL, &dev);
        if (r < 0 || !dev)
                return r;
        for (unsigned i = 0; i < n_interfaces; i++) {
                r = usb_interface_new(t, dev, i,
                                      i == 0 ? first : leaf_interfaces[next_random(t, ELEMENTSOF(leaf_interfaces))]);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* A hub below parent at port, with n_ports ports; tiers more hubs below its port 1. */
static int usb_hub_new(Testbed *t, UsbContext *u, TestbedDevice *parent, const char *sysname, unsigned n_ports,
                       unsigned tiers) {
        static const InterfaceKind hub_interface = { 0x09, 0x00, 0x00 };
        TestbedDevice *hub;
        int r;

        r = usb_device_new(t, u, parent, sysname, 0x09, NULL, &hub);
        if (r < 0 || !hub)
                return r;
        r = usb_interface_new(t, hub, 0, hub_interface);
        for (unsigned port = 1; r >= 0 && port <= n_ports && !testbed_full(t); port++) {
                char child[64];

                snprintf(child, sizeof(child), "%s.%u", sysname, port);
                r = port == 1 && tiers > 0 ? usb_hub_new(t, u, hub, child, n_ports, tiers - 1)
                                           : usb_leaf_new(t, u, hub, child);
        }
        return r;
}

static int usb_bus_new(Testbed *t, const TestbedIds *ids, TestbedDevice *controller, unsigned bus) {
        static const IdPair root_hub = { 0x1d6b, 0x0002 };
        static const InterfaceKind hub_interface = { 0x09, 0x00, 0x00 };
        UsbContext u = { .ids = ids, .bus = bus };
        TestbedDevice *root;
        char sysname[32];
        int r;

        snprintf(sysname, sizeof(sysname), "usb%u", bus);
        r = usb_device_new(t, &u, controller, sysname, 0x09, &root_hub, &root);
        if (r < 0 || !root)
                return r;
        r = usb_interface_new(t, root, 0, hub_interface);
        for (unsigned port = 1; r >= 0 && port <= 8 && !testbed_full(t); port++) {
                snprintf(sysname, sizeof(sysname), "%u-%u", bus, port);
                r = port <= 2 ? usb_hub_new(t, &u, root, sysname, 7, 2) : usb_leaf_new(t, &u, root, sysname);
        }
        return r;
}

/* --- PCI and the rest --- */

static const uint32_t pci_classes[] = {
        0x020000, 0x028000, 0x030000, 0x010802, 0x040300, 0x0c0500, 0x060400, 0x088000, 0x0c8000, 0x010601,
};

static int pci_function_new(Testbed *t, const TestbedIds *ids, TestbedDevice *host, unsigned domain, unsigned bus,
                            unsigned dev, uint32_t class, TestbedDevice **ret) {
        TestbedDevice *td;
        IdPair id, sub;
        char sysname[32];

        *ret = NULL;
        if (testbed_full(t))
                return 0;
        snprintf(sysname, sizeof(sysname), "%04x:%02x:%02x.0", domain, bus, dev);
        td = device_new(t, host, NULL, sysname, "pci", NULL);
        if (!td)
                return -ENOMEM;
        t->n_pci++;
        if (draw_ids(t, ids, ids->hit_percent, &id))
                t->n_hits++;
        (void) draw_ids(t, ids, 0, &sub);
        if (device_attr(td, "vendor", "0x%04x", id.vendor) < 0 ||
            device_attr(td, "device", "0x%04x", id.product) < 0 ||
            device_attr(td, "subsystem_vendor", "0x%04x", sub.vendor) < 0 ||
            device_attr(td, "subsystem_device", "0x%04x", sub.product) < 0 ||
            device_attr(td, "class", "0x%06x", class) < 0 ||
            device_attr(td, "revision", "0x%02x", next_random(t, 0x20)) < 0)
                return -ENOMEM;
        *ret = td;
        return 0;
}

static int group_new(Testbed *t, const TestbedIds *usb, const TestbedIds *pci, unsigned group) {
        unsigned domain = group / 256, bus = group % 256;
        TestbedDevice *host, *xhci;
        char sysname[32];
        int r;

        snprintf(sysname, sizeof(sysname), "pci%04x:%02x", domain, bus);
        host = device_new(t, NULL, "/sys/devices", sysname, NULL, NULL);
        if (!host)
                return -ENOMEM;
        t->n_other++;
        r = pci_function_new(t, pci, host, domain, bus, 0, 0x0c0330, &xhci);
        if (r >= 0 && xhci)
                r = usb_bus_new(t, usb, xhci, group + 1);
        for (unsigned dev = 1; r >= 0 && dev <= PCI_FUNCTIONS_PER_BUS; dev++) {
                TestbedDevice *fn;

                r = pci_function_new(t, pci, host, domain, bus, dev, pci_classes[next_random(t, ELEMENTSOF(pci_classes))],
                                     &fn);
        }
        for (unsigned i = 0; r >= 0 && i < PLATFORM_PER_BUS && !testbed_full(t); i++) {
                snprintf(sysname, sizeof(sysname), "serial8250.%u", group * PLATFORM_PER_BUS + i);
                if (!device_new(t, NULL, "/sys/devices/platform", sysname, "platform", NULL))
                        return -ENOMEM;
                t->n_other++;
        }
        return r;
}

int testbed_generate(Testbed *t, unsigned n_devices, const TestbedIds *usb, const TestbedIds *pci) {
        int r = 0;

        *t = TESTBED_INIT;
        t->max = n_devices;
        t->rng = UINT64_C(0x9e3779b97f4a7c15);
        for (unsigned group = 0; r >= 0 && !testbed_full(t); group++)
                r = group_new(t, usb, pci, group);
        if (r < 0)
                testbed_done(t);
        return r;
}
