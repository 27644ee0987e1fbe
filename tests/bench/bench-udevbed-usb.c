/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bench-udevbed-usb.c: the USB part of the generated testbed: USB devices
 * with their descriptors and interfaces, and the buses of an xHCI
 * controller, each a root hub with tiers of hubs whose ports take the units
 * of bench-udevbed-units.c in turn.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "bench-udevbed-gen.h"
#include "macro.h"

static const UsbModel hub2_model = {
        0x05e3, 0x0610, 0x9226, 0x09, 0x00, 0x02, "GenesysLogic", "USB2.1 Hub",
};
static const UsbModel hub3_model = {
        0x05e3, 0x0626, 0x9226, 0x09, 0x00, 0x03, "GenesysLogic", "USB3.1 Hub",
};
static const UsbInterfaceModel hub_interface = { 0x09, 0x00, 0x00, 1, "hub", NULL };

/* The 18-byte device descriptor and a 9-byte configuration descriptor, as the "descriptors" attribute. */
static void usb_descriptors(Spec *s, const UsbModel *m, unsigned speed, unsigned n_interfaces) {
        uint16_t bcd_usb = speed >= 5000 ? 0x0320 : 0x0210;
        const uint8_t d[27] = {
                18, 0x01, bcd_usb & 0xff, bcd_usb >> 8, m->class, m->subclass, m->protocol,
                speed >= 5000 ? 9 : 64, m->vendor & 0xff, m->vendor >> 8, m->product & 0xff, m->product >> 8,
                m->bcd & 0xff, m->bcd >> 8, 1, 2, 3, 1,
                9, 0x02, 9 + 9 * n_interfaces, 0, n_interfaces, 1, 0, 0xa0, 50,
        };

        spec_binary(s, "descriptors", d, sizeof(d));
}

static Spec *usb_device_spec(const UsbPort *port, const UsbModel *m, unsigned n_interfaces,
                             const char *serial, bool hub) {
        const char *dash = strchr(port->sysname, '-');
        Spec *s = spec_new("usb", port->parent, "%s", port->sysname);

        spec_attr(s, "idVendor", "%04x", m->vendor);
        spec_attr(s, "idProduct", "%04x", m->product);
        spec_attr(s, "bcdDevice", "%04x", m->bcd);
        spec_attr(s, "bDeviceClass", "%02x", m->class);
        spec_attr(s, "bDeviceSubClass", "%02x", m->subclass);
        spec_attr(s, "bDeviceProtocol", "%02x", m->protocol);
        spec_attr(s, "bMaxPacketSize0", "%u", port->speed >= 5000 ? 9 : 64);
        spec_attr(s, "bNumConfigurations", "1");
        spec_attr(s, "bConfigurationValue", "1");
        spec_attr(s, "bNumInterfaces", "%2u", n_interfaces);
        spec_attr(s, "bmAttributes", "%s", hub ? "e0" : "a0");
        spec_attr(s, "bMaxPower", "%s", hub ? "0mA" : "100mA");
        spec_attr(s, "busnum", "%u", port->bus);
        spec_attr(s, "devnum", "%u", port->devnum);
        spec_attr(s, "devpath", "%s", dash ? dash + 1 : "0");
        spec_attr(s, "speed", "%u", port->speed);
        spec_attr(s, "version", "%s", port->speed >= 5000 ? " 3.20" : " 2.10");
        spec_attr(s, "manufacturer", "%s", m->manufacturer);
        spec_attr(s, "product", "%s", m->product_name);
        if (serial)
                spec_attr(s, "serial", "%s", serial);
        spec_attr(s, "removable", "%s", hub ? "fixed" : "removable");
        spec_attr(s, "maxchild", "%u", hub ? 7 : 0);
        spec_attr(s, "authorized", "1");
        spec_attr(s, "avoid_reset_quirk", "0");
        spec_attr(s, "quirks", "0x0");
        spec_attr(s, "urbnum", "%u", 40 + port->devnum);
        spec_attr(s, "ltm_capable", "no");
        spec_attr(s, "rx_lanes", "1");
        spec_attr(s, "tx_lanes", "1");
        spec_prop(s, "MAJOR", "189");
        spec_prop(s, "MINOR", "%u", (port->bus - 1) * 128 + port->devnum - 1);
        spec_prop(s, "DEVNAME", "bus/usb/%03u/%03u", port->bus, port->devnum);
        spec_prop(s, "DEVTYPE", "usb_device");
        spec_driver(s, "usb");
        spec_prop(s, "PRODUCT", "%x/%x/%x", m->vendor, m->product, m->bcd);
        spec_prop(s, "TYPE", "%u/%u/%u", m->class, m->subclass, m->protocol);
        spec_prop(s, "BUSNUM", "%03u", port->bus);
        spec_prop(s, "DEVNUM", "%03u", port->devnum);
        usb_descriptors(s, m, port->speed, n_interfaces);
        return s;
}

static Spec *usb_interface_spec(const char *device, const char *device_sysname, const UsbModel *m,
                                unsigned number, const UsbInterfaceModel *im) {
        Spec *s = spec_new("usb", device, "%s:1.%u", device_sysname, number);
        g_autofree char *modalias = g_strdup_printf(
                "usb:v%04Xp%04Xd%04Xdc%02Xdsc%02Xdp%02Xic%02Xisc%02Xip%02Xin%02X", m->vendor, m->product,
                m->bcd, m->class, m->subclass, m->protocol, im->class, im->subclass, im->protocol, number);

        spec_attr(s, "bInterfaceNumber", "%02x", number);
        spec_attr(s, "bAlternateSetting", "%2u", 0);
        spec_attr(s, "bInterfaceClass", "%02x", im->class);
        spec_attr(s, "bInterfaceSubClass", "%02x", im->subclass);
        spec_attr(s, "bInterfaceProtocol", "%02x", im->protocol);
        spec_attr(s, "bNumEndpoints", "%02x", im->endpoints);
        if (im->name)
                spec_attr(s, "interface", "%s", im->name);
        spec_attr(s, "modalias", "%s", modalias);
        spec_attr(s, "supports_autosuspend", "1");
        spec_attr(s, "authorized", "1");
        spec_prop(s, "DEVTYPE", "usb_interface");
        if (im->driver)
                spec_driver(s, im->driver);
        spec_prop(s, "PRODUCT", "%x/%x/%x", m->vendor, m->product, m->bcd);
        spec_prop(s, "TYPE", "%u/%u/%u", m->class, m->subclass, m->protocol);
        spec_prop(s, "INTERFACE", "%u/%u/%u", im->class, im->subclass, im->protocol);
        spec_prop(s, "MODALIAS", "%s", modalias);
        return s;
}

/* A USB device and its interfaces; returns the device's syspath, and interface 0's in *ret_if0. */
char *add_usb_device(Bed *b, const UsbPort *port, const UsbModel *m,
                     const UsbInterfaceModel *interfaces, unsigned n_interfaces, bool hub,
                     char **ret_if0) {
        g_autofree char *serial = hub ? NULL : g_strdup_printf("%08X%04X", 0x1a2b0000u + port->devnum,
                                                                 port->bus * 131 + port->devnum);
        char *device = bed_add(b, usb_device_spec(port, m, n_interfaces, serial, hub), false);

        b->n_usb++;
        for (unsigned i = 0; i < n_interfaces; i++) {
                Spec *s = usb_interface_spec(device, port->sysname, m, i, &interfaces[i]);
                char *intf = bed_add(b, s, false);

                if (i == 0 && ret_if0)
                        *ret_if0 = intf;
                else
                        g_free(intf);
        }
        return device;
}

/*
 * Hub tiers below each root hub: 4 hubs on the root's ports; each of them
 * has 3 hubs (7 ports each, all devices) and 4 devices. 117 USB devices per
 * bus with the root hub, below USB's 127 addresses.
 */
#define ROOT_HUB_PORTS 4u
#define HUB_PORTS 7u
#define TIER1_HUBS 3u

/* Fills a port with the next unit, or marks the generator full. */
static void usb_fill_port(Usb *u, const char *hub, const char *hub_sysname, unsigned bus, unsigned *devnum,
                          unsigned port, unsigned speed) {
        UnitKind kind = (UnitKind) (u->next_kind % _UNIT_MAX);
        g_autofree char *sysname = NULL;
        UsbPort p;

        if (!bed_fits(u->bed, unit_size[kind])) {
                u->full = true;
                return;
        }
        sysname = strncmp(hub_sysname, "usb", 3) == 0 ? g_strdup_printf("%u-%u", bus, port)
                                                      : g_strdup_printf("%s.%u", hub_sysname, port);
        p = (UsbPort) {
                .parent = hub, .sysname = sysname, .bus = bus, .devnum = (*devnum)++, .speed = speed,
        };
        add_unit(u->bed, kind, &p);
        u->next_kind++;
}

/* A hub with its interface on a port; returns its syspath, or NULL when the budget is spent. */
static char *usb_add_hub(Usb *u, const char *parent, const char *parent_sysname, unsigned bus,
                         unsigned *devnum, unsigned port, unsigned speed, char **ret_sysname) {
        UsbPort p = { .parent = parent, .bus = bus, .speed = speed };
        char *hub;

        if (!bed_fits(u->bed, 2)) {
                u->full = true;
                return NULL;
        }
        p.sysname = strncmp(parent_sysname, "usb", 3) == 0 ? g_strdup_printf("%u-%u", bus, port)
                                                           : g_strdup_printf("%s.%u", parent_sysname, port);
        p.devnum = (*devnum)++;
        hub = add_usb_device(u->bed, &p, speed >= 5000 ? &hub3_model : &hub2_model, &hub_interface, 1, true,
                             NULL);
        u->bed->n_hubs++;
        *ret_sysname = p.sysname;
        return hub;
}

void usb_add_bus(Usb *u, const char *controller, unsigned bus, bool usb3) {
        const UsbModel root_model = {
                0x1d6b, usb3 ? 0x0003 : 0x0002, 0x0601, 0x09, 0x00, usb3 ? 0x03 : 0x01,
                "Linux 6.1.0-18-amd64 xhci-hcd", "xHCI Host Controller",
        };
        unsigned speed = usb3 ? 5000 : 480, devnum = 1;
        g_autofree char *root = NULL, *root_sysname = g_strdup_printf("usb%u", bus);
        UsbPort p = { .parent = controller, .sysname = root_sysname, .bus = bus, .speed = speed };

        if (!bed_fits(u->bed, 2)) {
                u->full = true;
                return;
        }
        p.devnum = devnum++;
        root = add_usb_device(u->bed, &p, &root_model, &hub_interface, 1, true, NULL);
        u->bed->n_buses++;
        for (unsigned p1 = 1; p1 <= ROOT_HUB_PORTS && !u->full; p1++) {
                g_autofree char *t1_sysname = NULL;
                g_autofree char *t1 = NULL;

                t1 = usb_add_hub(u, root, root_sysname, bus, &devnum, p1, speed, &t1_sysname);
                if (!t1)
                        return;
                for (unsigned p2 = 1; p2 <= HUB_PORTS && !u->full; p2++) {
                        g_autofree char *t2_sysname = NULL, *t2 = NULL;

                        if (p2 > TIER1_HUBS) {
                                usb_fill_port(u, t1, t1_sysname, bus, &devnum, p2, speed);
                                continue;
                        }
                        t2 = usb_add_hub(u, t1, t1_sysname, bus, &devnum, p2, speed, &t2_sysname);
                        if (!t2)
                                return;
                        for (unsigned p3 = 1; p3 <= HUB_PORTS && !u->full; p3++)
                                usb_fill_port(u, t2, t2_sysname, bus, &devnum, p3, speed);
                }
        }
}
