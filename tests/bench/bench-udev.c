/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bench-udev.c: the udev source benchmark (issue 3, "Benchmark rows"), on a
 * generated umockdev testbed of 10,000 devices: PCI functions with xHCI
 * controllers, trees of USB hubs down to USB devices with their interfaces
 * and the class devices below them (tty, net, SCSI disks with partitions,
 * HID with hidraw and input nodes, video), an NVMe disk, platform, virtual
 * and misc devices, each with the attributes, uevent properties and driver
 * links a real machine has.
 *
 * - Coldplug: the time udev_source_new() takes (the coldplug pass is
 *   synchronous in it: when it returns the registry is quiet), against a
 *   plain libudev enumeration that reads what the families read for each
 *   device, in the same run on the same testbed. Best of 3 each, the two
 *   interleaved. Target: ≤ 1.25× the peer.
 * - Storm: add and remove events on a set of leaf devices (each removed from
 *   or added back to the testbed, so that sysfs matches), through the real
 *   path: the UdevSource monitor and the DeviceTree, driven by sd_event_run()
 *   until every event is consumed. Then the registry must equal sysfs: the
 *   device tree's syspaths equal a fresh libudev enumeration, and a fresh
 *   coldplug into a second registry gives the same entries.
 *
 * Runs in-process under libumockdev-preload.so (meson sets LD_PRELOAD and
 * IOREG_UDEV_MODE=kernel). The result is one markdown table on stdout,
 * `| metric | value | unit | target | verdict |`; progress goes to stderr.
 * The testbed generator uses GLib, as umockdev does: it aborts when out of
 * memory instead of returning -ENOMEM.
 *
 *     bench-udev [--devices N] [--events N] [--quick] [--runs N]
 */

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <libudev.h>
#include <umockdev.h>

#include "bench-util.h"
#include "device-tree.h"
#include "platform-expert.h"
#include "registry-path.h"
#include "shared/log.h"
#include "udev-source.h"

#define DEFAULT_DEVICES 10000u
#define QUICK_DEVICES 1000u
#define DEFAULT_EVENTS 50000u
#define QUICK_EVENTS 5000u
#define DEFAULT_RUNS 3u
#define MAX_DEVICES 200000u    /* about 700 devices per USB bus: bus numbers stay below 300 */
#define MAX_STORM_LEAVES 1200u /* not a divisor of the event count: some leaves end up removed */

#define TARGET_COLDPLUG_RATIO 1.25

static unsigned arg_devices = DEFAULT_DEVICES;
static unsigned arg_events = DEFAULT_EVENTS;
static unsigned arg_runs = DEFAULT_RUNS;

/* Prevents the compiler from dropping the peer's reads. */
static volatile uint64_t sink;

/* --- the testbed --- */

/* One device as the generator adds it; storm leaves keep theirs to be added again. */
typedef struct Spec {
        const char *subsystem;   /* static */
        char *parent;            /* owned: the parent's syspath, NULL for /sys/devices */
        char *name;              /* owned: below the parent, may hold slashes ("tty/ttyUSB0") */
        GPtrArray *attrs;        /* owned: name, value, name, value... */
        GPtrArray *props;        /* owned: the uevent file's KEY, value pairs */
        GPtrArray *deep_attrs;   /* owned: attributes in subdirectories ("queue/..."), or NULL */
        const char *driver;      /* static, or NULL: the bound driver ("driver" link, DRIVER=) */
        const char *binary_name; /* static, or NULL: one binary attribute */
        GBytes *binary;          /* owned, or NULL */
} Spec;

static Spec *spec_free(Spec *s) {
        if (!s)
                return NULL;
        g_free(s->parent);
        g_free(s->name);
        g_ptr_array_unref(s->attrs);
        g_ptr_array_unref(s->props);
        if (s->deep_attrs)
                g_ptr_array_unref(s->deep_attrs);
        if (s->binary)
                g_bytes_unref(s->binary);
        g_free(s);
        return NULL;
}

_printf_(3, 4) static Spec *spec_new(const char *subsystem, const char *parent, const char *name_format,
                                     ...) {
        Spec *s = g_new0(Spec, 1);
        va_list ap;

        s->subsystem = subsystem;
        s->parent = g_strdup(parent);
        va_start(ap, name_format);
        s->name = g_strdup_vprintf(name_format, ap);
        va_end(ap);
        s->attrs = g_ptr_array_new_with_free_func(g_free);
        s->props = g_ptr_array_new_with_free_func(g_free);
        return s;
}

_printf_(3, 0) static void pairs_add(GPtrArray *a, const char *key, const char *format, va_list ap) {
        g_ptr_array_add(a, g_strdup(key));
        g_ptr_array_add(a, g_strdup_vprintf(format, ap));
}

_printf_(3, 4) static void spec_attr(Spec *s, const char *key, const char *format, ...) {
        va_list ap;

        va_start(ap, format);
        pairs_add(s->attrs, key, format, ap);
        va_end(ap);
}

_printf_(3, 4) static void spec_prop(Spec *s, const char *key, const char *format, ...) {
        va_list ap;

        va_start(ap, format);
        pairs_add(s->props, key, format, ap);
        va_end(ap);
}

_printf_(3, 4) static void spec_deep_attr(Spec *s, const char *key, const char *format, ...) {
        va_list ap;

        if (!s->deep_attrs)
                s->deep_attrs = g_ptr_array_new_with_free_func(g_free);
        va_start(ap, format);
        pairs_add(s->deep_attrs, key, format, ap);
        va_end(ap);
}

static void spec_driver(Spec *s, const char *driver) {
        s->driver = driver;
        spec_prop(s, "DRIVER", "%s", driver);
}

static void spec_binary(Spec *s, const char *name, const void *data, size_t size) {
        s->binary_name = name;
        s->binary = g_bytes_new(data, size);
}

/* A storm leaf: a device without children that the storm removes and adds back. */
typedef struct Leaf {
        Spec *spec;    /* owned */
        char *syspath; /* owned */
        bool present;  /* in the testbed now */
} Leaf;

typedef struct Bed {
        UMockdevTestbed *testbed; /* owned */
        char *root;               /* owned: the testbed's real directory, where /sys lives */
        unsigned budget;          /* devices to generate */
        unsigned n_devices;       /* devices added: what an enumeration lists */
        unsigned n_usb, n_hubs, n_disks, n_ttys, n_nets, n_hids, n_buses;
        unsigned n_eth, n_sd, n_hidraw, n_input, n_video, n_scsi_host, n_hid_seq;
        Leaf *leaves;             /* owned */
        unsigned n_leaves, cap_leaves;
} Bed;

static void bed_done(Bed *b) {
        for (unsigned i = 0; i < b->n_leaves; i++) {
                spec_free(b->leaves[i].spec);
                g_free(b->leaves[i].syspath);
        }
        free(b->leaves);
        if (b->testbed)
                g_object_unref(b->testbed);
        g_free(b->root);
        *b = (Bed) {};
}

static bool bed_fits(const Bed *b, unsigned n) {
        return b->n_devices + n <= b->budget;
}

/* Creates a directory (and its parents) inside the testbed, under its real root. */
static void bed_mkdir(Bed *b, const char *syspath, const char *dir) {
        g_autofree char *path = g_build_filename(b->root, syspath, dir, NULL);

        if (g_mkdir_with_parents(path, 0755) < 0)
                g_error("Cannot create %s: %s", path, g_strerror(errno));
}

/* Writes a file that is not an attribute of a device ("uevent" of a bare parent directory). */
static void bed_write(Bed *b, const char *path, const char *contents) {
        g_autofree char *real = g_build_filename(b->root, path, NULL);
        g_autoptr(GError) error = NULL;

        if (!g_file_set_contents(real, contents, -1, &error))
                g_error("Cannot write %s: %s", real, error->message);
}

/*
 * Adds the device (umockdev sends its "add" uevent), then its binary
 * attribute, its attributes in subdirectories and its driver link. Returns
 * its syspath.
 */
static char *bed_add_spec(Bed *b, const Spec *s) {
        char *syspath;

        /* NULL-terminated for the call, then as they were: the spec may be added again. */
        g_ptr_array_add(s->attrs, NULL);
        g_ptr_array_add(s->props, NULL);
        syspath = umockdev_testbed_add_devicev(b->testbed, s->subsystem, s->name, s->parent,
                                               (char **) s->attrs->pdata, (char **) s->props->pdata);
        g_ptr_array_remove_index(s->attrs, s->attrs->len - 1);
        g_ptr_array_remove_index(s->props, s->props->len - 1);
        if (!syspath)
                g_error("Cannot add %s/%s to the testbed", s->parent ?: "/sys/devices", s->name);
        if (s->binary)
                umockdev_testbed_set_attribute_binary(b->testbed, syspath, s->binary_name,
                                                      (guint8 *) g_bytes_get_data(s->binary, NULL),
                                                      (int) g_bytes_get_size(s->binary));
        for (unsigned i = 0; s->deep_attrs && i + 1 < s->deep_attrs->len; i += 2) {
                const char *key = s->deep_attrs->pdata[i];
                g_autofree char *dir = g_path_get_dirname(key);

                bed_mkdir(b, syspath, dir);
                umockdev_testbed_set_attribute(b->testbed, syspath, key, s->deep_attrs->pdata[i + 1]);
        }
        if (s->driver) {
                g_autofree char *target = g_strdup_printf("../../../bus/%s/drivers/%s", s->subsystem,
                                                          s->driver);

                umockdev_testbed_set_attribute_link(b->testbed, syspath, "driver", target);
        }
        return syspath;
}

/* Adds s and frees it; or keeps it as a storm leaf. Returns the syspath (g_free()). */
static char *bed_add(Bed *b, Spec *s, bool leaf) {
        char *syspath = bed_add_spec(b, s);

        b->n_devices++;
        if (!leaf) {
                spec_free(s);
                return syspath;
        }
        if (GROW(b->leaves, b->cap_leaves, b->n_leaves + 1) < 0)
                g_error("Out of memory");
        b->leaves[b->n_leaves++] = (Leaf) { .spec = s, .syspath = g_strdup(syspath), .present = true };
        return syspath;
}

static void bed_add_free(Bed *b, Spec *s) {
        g_free(bed_add(b, s, false));
}

/*
 * Unplugs a leaf in the kernel's order (device_del(): the "remove" uevent,
 * then the directory goes; umockdev needs the device's uevent file to build
 * the event anyway). umockdev leaves the /sys/block link of a block device
 * behind, which would stop it from being added again: it goes too.
 */
static void bed_remove(Bed *b, const Leaf *l) {
        umockdev_testbed_uevent(b->testbed, l->syspath, "remove");
        umockdev_testbed_remove_device(b->testbed, l->syspath);
        if (streq(l->spec->subsystem, "block")) {
                g_autofree char *link = g_build_filename(b->root, "sys", "block", strrchr(l->syspath, '/') + 1,
                                                         NULL);

                (void) unlink(link);
        }
}

/* --- USB --- */

typedef struct UsbModel {
        uint16_t vendor, product, bcd;
        uint8_t class, subclass, protocol;
        const char *manufacturer, *product_name;
} UsbModel;

typedef struct UsbInterfaceModel {
        uint8_t class, subclass, protocol, endpoints;
        const char *driver; /* or NULL */
        const char *name;   /* the interface string, or NULL */
} UsbInterfaceModel;

static const UsbModel hub2_model = {
        0x05e3, 0x0610, 0x9226, 0x09, 0x00, 0x02, "GenesysLogic", "USB2.1 Hub",
};
static const UsbModel hub3_model = {
        0x05e3, 0x0626, 0x9226, 0x09, 0x00, 0x03, "GenesysLogic", "USB3.1 Hub",
};
static const UsbInterfaceModel hub_interface = { 0x09, 0x00, 0x00, 1, "hub", NULL };

typedef struct UsbPort {
        const char *parent;  /* the syspath of the hub's device */
        char *sysname;       /* owned: "3-1.4.2" */
        unsigned bus, devnum;
        unsigned speed;      /* Mbit/s */
} UsbPort;

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
static char *add_usb_device(Bed *b, const UsbPort *port, const UsbModel *m,
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

/* The units that hang below a hub port: a device, its interfaces and its class devices. */
typedef enum UnitKind {
        UNIT_SERIAL, /* FTDI dual UART: usb-serial port, tty */
        UNIT_NET,    /* Realtek Ethernet: net */
        UNIT_DISK,   /* SanDisk stick: SCSI host, target, LUN, disk, two partitions */
        UNIT_HID,    /* Logitech keyboard and mouse: two HID devices, each with hidraw, input, event */
        UNIT_CAMERA, /* Logitech webcam: video4linux node */
        _UNIT_MAX,
} UnitKind;

static const unsigned unit_size[_UNIT_MAX] = {
        [UNIT_SERIAL] = 5, [UNIT_NET] = 4, [UNIT_DISK] = 8, [UNIT_HID] = 11, [UNIT_CAMERA] = 4,
};

static const uint8_t keyboard_report[] = {
        0x05, 0x01, 0x09, 0x06, 0xa1, 0x01, 0x05, 0x07, 0x19, 0xe0, 0x29, 0xe7, 0x15, 0x00, 0x25, 0x01,
        0x75, 0x01, 0x95, 0x08, 0x81, 0x02, 0x95, 0x01, 0x75, 0x08, 0x81, 0x01, 0x95, 0x05, 0x75, 0x01,
        0x05, 0x08, 0x19, 0x01, 0x29, 0x05, 0x91, 0x02, 0x95, 0x01, 0x75, 0x03, 0x91, 0x01, 0x95, 0x06,
        0x75, 0x08, 0x15, 0x00, 0x25, 0x65, 0x05, 0x07, 0x19, 0x00, 0x29, 0x65, 0x81, 0x00, 0xc0,
};

static const uint8_t mouse_report[] = {
        0x05, 0x01, 0x09, 0x02, 0xa1, 0x01, 0x09, 0x01, 0xa1, 0x00, 0x05, 0x09, 0x19, 0x01, 0x29, 0x03,
        0x15, 0x00, 0x25, 0x01, 0x95, 0x03, 0x75, 0x01, 0x81, 0x02, 0x95, 0x01, 0x75, 0x05, 0x81, 0x01,
        0x05, 0x01, 0x09, 0x30, 0x09, 0x31, 0x15, 0x81, 0x25, 0x7f, 0x75, 0x08, 0x95, 0x02, 0x81, 0x06,
        0xc0, 0xc0,
};

static void add_serial_unit(Bed *b, const UsbPort *port) {
        static const UsbModel m = { 0x0403, 0x6010, 0x0700, 0x00, 0x00, 0x00, "FTDI", "Dual RS232-HS" };
        static const UsbInterfaceModel interfaces[] = {
                { 0xff, 0xff, 0xff, 2, "ftdi_sio", "Dual RS232-HS" },
                { 0xff, 0xff, 0xff, 2, "ftdi_sio", "Dual RS232-HS" },
        };
        g_autofree char *device = NULL, *if0 = NULL, *port_dev = NULL;
        unsigned n = b->n_ttys++;
        Spec *s;

        device = add_usb_device(b, port, &m, interfaces, ELEMENTSOF(interfaces), false, &if0);
        s = spec_new("usb-serial", if0, "ttyUSB%u", n);
        spec_attr(s, "port_number", "0");
        spec_driver(s, "ftdi_sio");
        port_dev = bed_add(b, s, false);
        s = spec_new("tty", port_dev, "tty/ttyUSB%u", n);
        spec_prop(s, "MAJOR", "188");
        spec_prop(s, "MINOR", "%u", n);
        spec_prop(s, "DEVNAME", "ttyUSB%u", n);
        g_free(bed_add(b, s, true));
}

static void add_net_unit(Bed *b, const UsbPort *port) {
        static const UsbModel m = {
                0x0bda, 0x8153, 0x3100, 0x00, 0x00, 0x00, "Realtek", "USB 10/100/1000 LAN",
        };
        static const UsbInterfaceModel interfaces[] = {
                { 0x02, 0x06, 0x00, 1, "cdc_ether", "CDC Communications Control" },
                { 0x0a, 0x00, 0x00, 2, "cdc_ether", "Ethernet Data" },
        };
        g_autofree char *device = NULL, *if0 = NULL;
        unsigned n = b->n_eth++;
        Spec *s;

        device = add_usb_device(b, port, &m, interfaces, ELEMENTSOF(interfaces), false, &if0);
        s = spec_new("net", if0, "net/eth%u", n);
        spec_attr(s, "type", "1");
        spec_attr(s, "addr_len", "6");
        spec_attr(s, "address", "00:e0:4c:%02x:%02x:%02x", (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff);
        spec_attr(s, "broadcast", "ff:ff:ff:ff:ff:ff");
        spec_attr(s, "mtu", "1500");
        spec_attr(s, "carrier", "%u", n % 3 != 0);
        spec_attr(s, "operstate", "%s", n % 3 != 0 ? "up" : "down");
        spec_attr(s, "speed", "%d", n % 3 != 0 ? 1000 : -1);
        spec_attr(s, "ifindex", "%u", 10 + n);
        spec_attr(s, "flags", "0x1003");
        spec_attr(s, "tx_queue_len", "1000");
        spec_prop(s, "INTERFACE", "eth%u", n);
        spec_prop(s, "IFINDEX", "%u", 10 + n);
        g_free(bed_add(b, s, true));
        b->n_nets++;
}

/* "sda".."sdz", "sdaa"..: the kernel's sd naming. */
static void sd_name(unsigned index, char *buf, size_t size) {
        char letters[8];
        unsigned n = 0;

        index++;
        while (index > 0 && n < sizeof(letters)) {
                index--;
                letters[n++] = (char) ('a' + index % 26);
                index /= 26;
        }
        snprintf(buf, size, "sd");
        for (unsigned i = 0; i < n && 2 + i + 1 < size; i++) {
                buf[2 + i] = letters[n - 1 - i];
                buf[3 + i] = '\0';
        }
}

/* sd's device numbers: 16 minors per disk, majors 8, 65-71, 128-135, then the extended range. */
static void sd_devnum(unsigned index, unsigned partition, unsigned *ret_major, unsigned *ret_minor) {
        unsigned group = index / 16;

        *ret_major = group == 0 ? 8 : group < 8 ? 64 + group : group < 16 ? 120 + group : 259;
        *ret_minor = group < 16 ? (index % 16) * 16 + partition : index * 16 + partition;
}

/* name: below the parent ("block/sda" for a disk, "sda1" for a partition). */
static Spec *block_spec(const char *parent, const char *name, const char *sysname, unsigned index,
                        unsigned partition, uint64_t sectors) {
        Spec *s = spec_new("block", parent, "%s", name);
        unsigned major, minor;

        sd_devnum(index, partition, &major, &minor);
        spec_attr(s, "size", "%" PRIu64, sectors);
        spec_attr(s, "ro", "0");
        spec_attr(s, "alignment_offset", "0");
        spec_attr(s, "discard_alignment", "0");
        spec_attr(s, "stat", "     120        0     8192       60        0        0        0        0");
        spec_prop(s, "MAJOR", "%u", major);
        spec_prop(s, "MINOR", "%u", minor);
        spec_prop(s, "DEVNAME", "%s", sysname);
        return s;
}

static void add_disk_unit(Bed *b, const UsbPort *port) {
        static const UsbModel m = { 0x0781, 0x5581, 0x0100, 0x00, 0x00, 0x00, "SanDisk", "Ultra" };
        static const UsbInterfaceModel interfaces[] = {
                { 0x08, 0x06, 0x50, 2, "usb-storage", NULL },
        };
        g_autofree char *device = NULL, *if0 = NULL, *host = NULL, *target = NULL, *lun = NULL, *disk = NULL;
        unsigned h = b->n_scsi_host++, index = b->n_sd++;
        char name[16], part[24];
        Spec *s;

        device = add_usb_device(b, port, &m, interfaces, ELEMENTSOF(interfaces), false, &if0);
        s = spec_new("scsi", if0, "host%u", h);
        spec_prop(s, "DEVTYPE", "scsi_host");
        host = bed_add(b, s, false);
        s = spec_new("scsi", host, "target%u:0:0", h);
        spec_prop(s, "DEVTYPE", "scsi_target");
        target = bed_add(b, s, false);
        s = spec_new("scsi", target, "%u:0:0:0", h);
        spec_attr(s, "vendor", "SanDisk ");
        spec_attr(s, "model", "Ultra           ");
        spec_attr(s, "rev", "1.00");
        spec_attr(s, "type", "0");
        spec_attr(s, "state", "running");
        spec_prop(s, "DEVTYPE", "scsi_device");
        spec_driver(s, "sd");
        spec_prop(s, "MODALIAS", "scsi:t-0x00");
        lun = bed_add(b, s, false);

        sd_name(index, name, sizeof(name));
        snprintf(part, sizeof(part), "block/%s", name);
        s = block_spec(lun, part, name, index, 0, UINT64_C(60063744));
        spec_attr(s, "removable", "1");
        spec_attr(s, "range", "16");
        spec_attr(s, "ext_range", "256");
        spec_attr(s, "capability", "51");
        spec_deep_attr(s, "queue/logical_block_size", "512");
        spec_deep_attr(s, "queue/physical_block_size", "512");
        spec_deep_attr(s, "queue/rotational", "1");
        spec_prop(s, "DEVTYPE", "disk");
        disk = bed_add(b, s, false);
        for (unsigned p = 1; p <= 2; p++) {
                snprintf(part, sizeof(part), "%s%u", name, p);
                s = block_spec(disk, part, part, index, p, p == 1 ? 1048576 : 59013120);
                spec_attr(s, "partition", "%u", p);
                spec_attr(s, "start", "%u", p == 1 ? 2048 : 1050624);
                spec_prop(s, "DEVTYPE", "partition");
                spec_prop(s, "PARTN", "%u", p);
                g_free(bed_add(b, s, p == 2));
        }
        b->n_disks++;
}

/* A HID device below a USB interface, with its hidraw node, input device and event node. */
static void add_hid(Bed *b, const char *intf, const UsbPort *port, const UsbModel *m, unsigned number,
                    const uint8_t *report, size_t report_size, bool leaf) {
        g_autofree char *hid = NULL, *input = NULL;
        unsigned seq = ++b->n_hid_seq, raw = b->n_hidraw++, in = b->n_input++;
        const char *kind = number == 0 ? "Keyboard" : "Mouse";
        Spec *s;

        s = spec_new("hid", intf, "0003:%04X:%04X.%04X", m->vendor, m->product, seq);
        spec_attr(s, "country", "00");
        spec_driver(s, "hid-generic");
        spec_prop(s, "HID_ID", "0003:%08X:%08X", m->vendor, m->product);
        spec_prop(s, "HID_NAME", "%s %s", m->manufacturer, m->product_name);
        spec_prop(s, "HID_PHYS", "usb-0000:00:14.0-%s/input%u", strchr(port->sysname, '-') + 1, number);
        spec_prop(s, "HID_UNIQ", "%s", "");
        spec_prop(s, "MODALIAS", "hid:b0003g0001v%08Xp%08X", m->vendor, m->product);
        spec_binary(s, "report_descriptor", report, report_size);
        hid = bed_add(b, s, false);

        s = spec_new("hidraw", hid, "hidraw/hidraw%u", raw);
        spec_prop(s, "MAJOR", "240");
        spec_prop(s, "MINOR", "%u", raw);
        spec_prop(s, "DEVNAME", "hidraw%u", raw);
        bed_add_free(b, s);

        s = spec_new("input", hid, "input/input%u", in);
        spec_attr(s, "name", "%s %s %s", m->manufacturer, m->product_name, kind);
        spec_attr(s, "phys", "usb-0000:00:14.0-%s/input%u", strchr(port->sysname, '-') + 1, number);
        spec_attr(s, "uniq", "%s", "");
        spec_attr(s, "properties", "0");
        spec_prop(s, "PRODUCT", "3/%x/%x/111", m->vendor, m->product);
        spec_prop(s, "NAME", "\"%s %s %s\"", m->manufacturer, m->product_name, kind);
        spec_prop(s, "EV", "%s", number == 0 ? "120013" : "17");
        spec_prop(s, "MODALIAS", "input:b0003v%04Xp%04Xe0111-e0,1,", m->vendor, m->product);
        input = bed_add(b, s, false);

        s = spec_new("input", input, "event%u", in);
        spec_prop(s, "MAJOR", "13");
        spec_prop(s, "MINOR", "%u", 64 + in);
        spec_prop(s, "DEVNAME", "input/event%u", in);
        g_free(bed_add(b, s, leaf));
        b->n_hids++;
}

static void add_hid_unit(Bed *b, const UsbPort *port) {
        static const UsbModel m = { 0x046d, 0xc31c, 0x6400, 0x00, 0x00, 0x00, "Logitech", "USB Receiver" };
        static const UsbInterfaceModel interfaces[] = {
                { 0x03, 0x01, 0x01, 1, "usbhid", NULL },
                { 0x03, 0x01, 0x02, 1, "usbhid", NULL },
        };
        g_autofree char *device = NULL, *if0 = NULL, *if1 = NULL;

        device = add_usb_device(b, port, &m, interfaces, ELEMENTSOF(interfaces), false, &if0);
        if1 = g_strdup_printf("%s/%s:1.1", device, port->sysname);
        add_hid(b, if0, port, &m, 0, keyboard_report, sizeof(keyboard_report), false);
        add_hid(b, if1, port, &m, 1, mouse_report, sizeof(mouse_report), true);
}

static void add_camera_unit(Bed *b, const UsbPort *port) {
        static const UsbModel m = { 0x046d, 0x0825, 0x0012, 0xef, 0x02, 0x01, "Logitech", "C270 HD WEBCAM" };
        static const UsbInterfaceModel interfaces[] = {
                { 0x0e, 0x01, 0x00, 1, "uvcvideo", NULL },
                { 0x0e, 0x02, 0x00, 0, "uvcvideo", NULL },
        };
        g_autofree char *device = NULL, *if0 = NULL;
        unsigned n = b->n_video++;
        Spec *s;

        device = add_usb_device(b, port, &m, interfaces, ELEMENTSOF(interfaces), false, &if0);
        s = spec_new("video4linux", if0, "video4linux/video%u", n);
        spec_attr(s, "name", "C270 HD WEBCAM");
        spec_attr(s, "index", "0");
        spec_prop(s, "MAJOR", "81");
        spec_prop(s, "MINOR", "%u", n);
        spec_prop(s, "DEVNAME", "video%u", n);
        g_free(bed_add(b, s, true));
}

static void add_unit(Bed *b, UnitKind kind, const UsbPort *port) {
        switch (kind) {
        case UNIT_SERIAL:
                add_serial_unit(b, port);
                break;
        case UNIT_NET:
                add_net_unit(b, port);
                break;
        case UNIT_DISK:
                add_disk_unit(b, port);
                break;
        case UNIT_HID:
                add_hid_unit(b, port);
                break;
        case UNIT_CAMERA:
        default:
                add_camera_unit(b, port);
                break;
        }
}

/*
 * Hub tiers below each root hub: 4 hubs on the root's ports; each of them
 * has 3 hubs (7 ports each, all devices) and 4 devices. 117 USB devices per
 * bus with the root hub, below USB's 127 addresses.
 */
#define ROOT_HUB_PORTS 4u
#define HUB_PORTS 7u
#define TIER1_HUBS 3u

typedef struct Usb {
        Bed *bed;            /* borrowed */
        unsigned next_kind;  /* the unit kinds take turns */
        bool full;           /* the budget is spent */
} Usb;

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

static void usb_add_bus(Usb *u, const char *controller, unsigned bus, bool usb3) {
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

/* --- the rest of the machine --- */

typedef struct PciModel {
        const char *slot;
        uint16_t vendor, device, sub_vendor, sub_device;
        uint32_t class;
        uint8_t revision;
        const char *driver; /* or NULL */
} PciModel;

static char *add_pci(Bed *b, const char *parent, const PciModel *m) {
        Spec *s = spec_new("pci", parent, "%s", m->slot);
        g_autofree char *modalias = g_strdup_printf("pci:v%08Xd%08Xsv%08Xsd%08Xbc%02Xsc%02Xi%02X", m->vendor,
                                                    m->device, m->sub_vendor, m->sub_device, m->class >> 16,
                                                    (m->class >> 8) & 0xff, m->class & 0xff);

        spec_attr(s, "vendor", "0x%04x", m->vendor);
        spec_attr(s, "device", "0x%04x", m->device);
        spec_attr(s, "subsystem_vendor", "0x%04x", m->sub_vendor);
        spec_attr(s, "subsystem_device", "0x%04x", m->sub_device);
        spec_attr(s, "class", "0x%06x", m->class);
        spec_attr(s, "revision", "0x%02x", m->revision);
        spec_attr(s, "irq", "%u", 16 + (m->device & 0x1f));
        spec_attr(s, "local_cpus", "ff");
        spec_attr(s, "local_cpulist", "0-7");
        spec_attr(s, "numa_node", "-1");
        spec_attr(s, "enable", "1");
        spec_attr(s, "broken_parity_status", "0");
        spec_attr(s, "msi_bus", "1");
        spec_attr(s, "d3cold_allowed", "1");
        spec_attr(s, "modalias", "%s", modalias);
        if (m->driver)
                spec_driver(s, m->driver);
        spec_prop(s, "PCI_CLASS", "%X", m->class);
        spec_prop(s, "PCI_ID", "%04X:%04X", m->vendor, m->device);
        spec_prop(s, "PCI_SUBSYS_ID", "%04X:%04X", m->sub_vendor, m->sub_device);
        spec_prop(s, "PCI_SLOT_NAME", "%s", m->slot);
        spec_prop(s, "MODALIAS", "%s", modalias);
        return bed_add(b, s, false);
}

static void add_generic(Bed *b, const char *subsystem, const char *parent, const char *name,
                        const char *driver, const char *devname, unsigned major, unsigned minor) {
        Spec *s = spec_new(subsystem, parent, "%s", name);

        if (streq(subsystem, "platform")) {
                const char *base = strrchr(name, '/') ? strrchr(name, '/') + 1 : name;

                spec_attr(s, "modalias", "platform:%.*s", (int) strcspn(base, "."), base);
                spec_attr(s, "driver_override", "(null)");
                spec_prop(s, "MODALIAS", "platform:%.*s", (int) strcspn(base, "."), base);
        }
        if (driver)
                spec_driver(s, driver);
        if (devname) {
                spec_prop(s, "MAJOR", "%u", major);
                spec_prop(s, "MINOR", "%u", minor);
                spec_prop(s, "DEVNAME", "%s", devname);
        }
        bed_add_free(b, s);
}

/* The devices of a laptop that are not on USB: 39. */
static void add_machine(Bed *b) {
        static const PciModel host = {
                "0000:00:00.0", 0x8086, 0x9a14, 0x17aa, 0x22d8, 0x060000, 0x01, NULL,
        };
        static const PciModel vga = {
                "0000:00:02.0", 0x8086, 0x9a49, 0x17aa, 0x22d8, 0x030000, 0x01, "i915",
        };
        static const PciModel bridge = {
                "0000:00:1d.0", 0x8086, 0xa0b0, 0x17aa, 0x22d8, 0x060400, 0x20, "pcieport",
        };
        static const PciModel nvme = {
                "0000:04:00.0", 0x144d, 0xa80a, 0x144d, 0xa801, 0x010802, 0x00, "nvme",
        };
        static const PciModel isa = { "0000:00:1f.0", 0x8086, 0xa082, 0x17aa, 0x22d8, 0x060100, 0x20, NULL };
        static const PciModel audio = { "0000:00:1f.3", 0x8086, 0xa0c8, 0x17aa, 0x22d8, 0x040380, 0x20,
                                        "snd_hda_intel" };
        static const PciModel smbus = { "0000:00:1f.4", 0x8086, 0xa0a3, 0x17aa, 0x22d8, 0x0c0500, 0x20,
                                        "i801_smbus" };
        static const PciModel ethernet = { "0000:00:1f.6", 0x8086, 0x15fc, 0x17aa, 0x22d8, 0x020000, 0x20,
                                           "e1000e" };
        static const char *const platform[][2] = {
                { "platform/efi-framebuffer.0", "efi-framebuffer" },
                { "platform/intel_pmc_core.0", "intel_pmc_core" },
                { "platform/reg-dummy", "reg-dummy" }, { "platform/alarmtimer.0.auto", "alarmtimer" },
                { "platform/PNP0C14:00", "acpi-wmi" }, { "platform/pcspkr", "pcspkr" },
                { "platform/microcode", NULL }, { "platform/coretemp.0", "coretemp" },
        };
        const char *pci_root = "/sys/devices/pci0000:00";
        g_autofree char *p = NULL, *nvme_dev = NULL, *ctrl = NULL, *disk = NULL;
        g_autofree char *i8042 = NULL, *serio = NULL, *input = NULL, *s8250 = NULL;
        Spec *s;

        /* The bare directories above the devices, with the empty uevent file sysfs has. */
        bed_mkdir(b, pci_root, ".");
        bed_write(b, "/sys/devices/pci0000:00/uevent", "");
        bed_mkdir(b, "/sys/devices/platform", ".");
        bed_write(b, "/sys/devices/platform/uevent", "");

        g_free(add_pci(b, pci_root, &host));
        p = add_pci(b, pci_root, &vga);
        add_generic(b, "drm", p, "drm/card0", NULL, "dri/card0", 226, 0);
        g_clear_pointer(&p, g_free);
        p = add_pci(b, pci_root, &bridge);
        nvme_dev = add_pci(b, p, &nvme);
        s = spec_new("nvme", nvme_dev, "nvme/nvme0");
        spec_attr(s, "model", "Samsung SSD 980 PRO 1TB                 ");
        spec_attr(s, "serial", "S5GXNF0R123456A     ");
        spec_attr(s, "firmware_rev", "5B2QGXA7");
        spec_prop(s, "MAJOR", "239");
        spec_prop(s, "MINOR", "0");
        spec_prop(s, "DEVNAME", "nvme0");
        ctrl = bed_add(b, s, false);
        s = spec_new("block", ctrl, "nvme0n1");
        spec_attr(s, "size", "1953525168");
        spec_attr(s, "ro", "0");
        spec_attr(s, "removable", "0");
        spec_attr(s, "range", "0");
        spec_attr(s, "ext_range", "256");
        spec_deep_attr(s, "queue/logical_block_size", "512");
        spec_deep_attr(s, "queue/rotational", "0");
        spec_prop(s, "MAJOR", "259");
        spec_prop(s, "MINOR", "0");
        spec_prop(s, "DEVNAME", "nvme0n1");
        spec_prop(s, "DEVTYPE", "disk");
        disk = bed_add(b, s, false);
        for (unsigned i = 1; i <= 3; i++) {
                s = spec_new("block", disk, "nvme0n1p%u", i);
                spec_attr(s, "partition", "%u", i);
                spec_attr(s, "start", "%u", i == 1 ? 2048 : i == 2 ? 1050624 : 3147776);
                spec_attr(s, "size", "%u", i == 1 ? 1048576 : i == 2 ? 2097152 : 1950377392);
                spec_attr(s, "ro", "0");
                spec_prop(s, "MAJOR", "259");
                spec_prop(s, "MINOR", "%u", i);
                spec_prop(s, "DEVNAME", "nvme0n1p%u", i);
                spec_prop(s, "DEVTYPE", "partition");
                spec_prop(s, "PARTN", "%u", i);
                bed_add_free(b, s);
        }
        g_clear_pointer(&p, g_free);
        g_free(add_pci(b, pci_root, &isa));
        p = add_pci(b, pci_root, &audio);
        add_generic(b, "sound", p, "sound/card0", NULL, NULL, 0, 0);
        g_clear_pointer(&p, g_free);
        p = add_pci(b, pci_root, &smbus);
        add_generic(b, "i2c", p, "i2c-0", NULL, NULL, 0, 0);
        g_clear_pointer(&p, g_free);
        p = add_pci(b, pci_root, &ethernet);
        s = spec_new("net", p, "net/eth%u", b->n_eth++);
        spec_attr(s, "type", "1");
        spec_attr(s, "addr_len", "6");
        spec_attr(s, "address", "8c:8c:aa:01:02:03");
        spec_attr(s, "mtu", "1500");
        spec_attr(s, "carrier", "1");
        spec_attr(s, "operstate", "up");
        spec_attr(s, "speed", "1000");
        spec_prop(s, "INTERFACE", "eth%u", b->n_eth - 1);
        bed_add_free(b, s);
        g_clear_pointer(&p, g_free);

        for (size_t i = 0; i < ELEMENTSOF(platform); i++)
                add_generic(b, "platform", NULL, platform[i][0], platform[i][1], NULL, 0, 0);
        s8250 = g_strdup("/sys/devices/platform/serial8250");
        add_generic(b, "platform", NULL, "platform/serial8250", "serial8250", NULL, 0, 0);
        for (unsigned i = 0; i < 4; i++) {
                s = spec_new("tty", s8250, "tty/ttyS%u", i);
                spec_attr(s, "type", "%u", i == 0 ? 4 : 0); /* 16550A, then empty slots (PORT_UNKNOWN) */
                spec_attr(s, "port", "0x%x", i == 0 ? 0x3f8 : 0);
                spec_prop(s, "MAJOR", "4");
                spec_prop(s, "MINOR", "%u", 64 + i);
                spec_prop(s, "DEVNAME", "ttyS%u", i);
                bed_add_free(b, s);
        }
        add_generic(b, "platform", NULL, "platform/i8042", "i8042", NULL, 0, 0);
        i8042 = g_strdup("/sys/devices/platform/i8042");
        s = spec_new("serio", i8042, "serio0");
        spec_attr(s, "description", "i8042 KBD port");
        spec_driver(s, "atkbd");
        spec_prop(s, "MODALIAS", "serio:ty06pr00id00ex00");
        serio = bed_add(b, s, false);
        s = spec_new("input", serio, "input/input0");
        spec_attr(s, "name", "AT Translated Set 2 keyboard");
        spec_attr(s, "phys", "isa0060/serio0/input0");
        spec_attr(s, "properties", "0");
        spec_deep_attr(s, "id/bustype", "0011");
        spec_deep_attr(s, "id/vendor", "0001");
        spec_deep_attr(s, "id/product", "0001");
        spec_deep_attr(s, "id/version", "ab83");
        spec_deep_attr(s, "capabilities/ev", "120013");
        spec_deep_attr(s, "capabilities/key", "402000000 3803078f800d001 feffffdfffefffff fffffffffffffffe");
        spec_deep_attr(s, "capabilities/rel", "0");
        spec_deep_attr(s, "capabilities/abs", "0");
        spec_prop(s, "PRODUCT", "11/1/1/ab83");
        spec_prop(s, "NAME", "\"AT Translated Set 2 keyboard\"");
        input = bed_add(b, s, false);
        add_generic(b, "input", input, "event0", NULL, "input/event0", 13, 64);
        b->n_input = 1;

        add_generic(b, "misc", NULL, "virtual/misc/fuse", NULL, "fuse", 10, 229);
        add_generic(b, "misc", NULL, "virtual/misc/uinput", NULL, "uinput", 10, 223);
        add_generic(b, "tty", NULL, "virtual/tty/tty0", NULL, "tty0", 4, 0);
        add_generic(b, "tty", NULL, "virtual/tty/ptmx", NULL, "ptmx", 5, 2);
        s = spec_new("net", NULL, "virtual/net/lo");
        spec_attr(s, "type", "772");
        spec_attr(s, "addr_len", "6");
        spec_attr(s, "address", "00:00:00:00:00:00");
        spec_attr(s, "mtu", "65536");
        spec_attr(s, "operstate", "unknown");
        spec_attr(s, "carrier", "1");
        spec_prop(s, "INTERFACE", "lo");
        bed_add_free(b, s);
}

/*
 * Generates budget devices: the machine, then xHCI controllers with two
 * buses each (USB 2 and USB 3) filled with hubs and units until the budget
 * would be passed, then platform devices for what is left.
 */
static void bed_build(Bed *b, unsigned budget) {
        Usb u = { .bed = b };

        b->testbed = umockdev_testbed_new();
        b->root = umockdev_testbed_get_root_dir(b->testbed);
        b->budget = budget;
        add_machine(b);
        for (unsigned c = 0; !u.full && bed_fits(b, 3); c++) {
                PciModel xhci = { NULL, 0x8086, 0xa0ed, 0x17aa, 0x22d8, 0x0c0330, 0x20, "xhci_hcd" };
                /* Slots 04-13 on bus 0, then one bus per controller (bridges left out). */
                g_autofree char *slot = c < 16 ? g_strdup_printf("0000:00:%02x.0", 0x04 + c)
                                               : g_strdup_printf("0000:%02x:00.0", 0x10 + c);
                g_autofree char *controller = NULL;

                xhci.slot = slot;
                controller = add_pci(b, "/sys/devices/pci0000:00", &xhci);
                usb_add_bus(&u, controller, 2 * c + 1, false);
                if (!u.full)
                        usb_add_bus(&u, controller, 2 * c + 2, true);
        }
        for (unsigned i = 0; b->n_devices < budget; i++) {
                g_autofree char *name = g_strdup_printf("platform/gpio-keys.%u.auto", i);

                add_generic(b, "platform", NULL, name, "gpio-keys", NULL, 0, 0);
        }
}

/* --- the daemon's side --- */

/* What ioregd runs: a registry with its platform expert, the device tree and the udev source. */
typedef struct Instance {
        sd_event *event;      /* owned */
        Registry *registry;   /* owned */
        Entry *platform;      /* borrowed */
        DeviceTree tree;
        bool tree_ready;
        UdevSource *source;   /* owned */
} Instance;

static void instance_done(Instance *in) {
        in->source = udev_source_free(in->source);
        if (in->tree_ready)
                device_tree_done(&in->tree);
        in->registry = registry_free(in->registry);
        in->event = sd_event_unref(in->event);
        *in = (Instance) {};
}

/* Sets up everything but the source, then times udev_source_new(): monitor, coldplug, quiet. */
static int instance_start(Instance *in, uint64_t *ret_nsec) {
        PlatformInfo info = {};
        uint64_t start;
        int r;

        r = sd_event_new(&in->event);
        if (r >= 0)
                r = registry_new(&in->registry);
        if (r >= 0)
                r = registry_publish_platform(in->registry, &info, &in->platform, NULL);
        if (r >= 0)
                r = device_tree_init(&in->tree, in->registry, in->platform);
        if (r < 0)
                return r;
        in->tree_ready = true;

        start = bench_now_nsec();
        r = udev_source_new(&in->source, in->event, &in->tree);
        if (ret_nsec)
                *ret_nsec = bench_now_nsec() - start;
        return r;
}

/* --- the libudev peer --- */

/*
 * What the families read (daemon/family-*.c), by subsystem. The peer reads
 * the same attributes of the same devices, and the ancestors they take
 * them from, with plain libudev calls.
 */
static const char *const usb_device_attrs[] = {
        "idVendor", "idProduct", "bcdDevice", "bDeviceClass", "bDeviceSubClass", "bDeviceProtocol",
        "bMaxPacketSize0", "bNumConfigurations", "bConfigurationValue", "devnum", "version",
        "manufacturer", "product", "serial", "speed", "removable", NULL,
};
static const char *const usb_interface_attrs[] = {
        "bInterfaceNumber", "bAlternateSetting", "bInterfaceClass", "bInterfaceSubClass",
        "bInterfaceProtocol", "bNumEndpoints", "interface", NULL,
};
static const char *const usb_interface_device_attrs[] = {
        "bConfigurationValue", "idVendor", "idProduct", "bcdDevice", NULL,
};
static const char *const pci_attrs[] = {
        "vendor", "device", "subsystem_vendor", "subsystem_device", "class", "revision", NULL,
};
static const char *const net_attrs[] = {
        "type", "addr_len", "address", "mtu", "carrier", "operstate", "speed", NULL,
};
static const char *const partition_attrs[] = { "partition", "size", "start", "ro", "uevent", NULL };
static const char *const disk_attrs[] = { "size", "queue/logical_block_size", "removable", "ro", NULL };
static const char *const disk_parent_attrs[] = { "vendor", "model", "name", NULL };
static const char *const hid_attrs[] = { "uevent", "country", NULL };
static const char *const hid_usb_attrs[] = { "product", "serial", "bcdDevice", "manufacturer", NULL };
static const char *const input_attrs[] = {
        "id/bustype", "id/vendor", "id/product", "id/version", "name", "uniq", "capabilities/ev",
        "capabilities/key", "capabilities/rel", "capabilities/abs", "properties", NULL,
};
static const char *const power_supply_attrs[] = {
        "type", "status", "present", "online", "capacity", "charge_full", "charge_full_design", "charge_now",
        "current_now", "voltage_now", "cycle_count", "manufacturer", "model_name", "serial_number", NULL,
};

static uint64_t str_sum(const char *s) {
        return s ? strlen(s) + 1 : 0;
}

static uint64_t read_attrs(struct udev_device *d, const char *const *names) {
        uint64_t sum = 0;

        for (; d && *names; names++)
                sum += str_sum(udev_device_get_sysattr_value(d, *names));
        return sum;
}

/* Binary attributes: read from sysfs directly, as the daemon's record does. */
static uint64_t read_binary(struct udev_device *d, const char *name, size_t size) {
        _cleanup_free_ char *path = NULL;
        _cleanup_close_ int fd = -EBADF;
        uint8_t buf[4096];
        ssize_t n;

        if (asprintf(&path, "%s/%s", udev_device_get_syspath(d), name) < 0)
                return 0;
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return 0;
        n = read(fd, buf, size < sizeof(buf) ? size : sizeof(buf));
        return n > 0 ? (uint64_t) n : 0;
}

static uint64_t peer_read_device(struct udev_device *d) {
        const char *subsystem = udev_device_get_subsystem(d), *devtype = udev_device_get_devtype(d);
        const char *sysname = udev_device_get_sysname(d), *modalias;
        dev_t devnum = udev_device_get_devnum(d);
        struct udev_device *up;
        uint64_t sum;

        /* The record and the Linux dictionary: every device. */
        sum = str_sum(udev_device_get_syspath(d)) + str_sum(udev_device_get_devpath(d)) + str_sum(sysname) +
              str_sum(subsystem) + str_sum(devtype) + str_sum(udev_device_get_driver(d)) +
              str_sum(udev_device_get_devnode(d)) + major(devnum) + minor(devnum);
        modalias = udev_device_get_property_value(d, "MODALIAS");
        if (!modalias)
                modalias = udev_device_get_sysattr_value(d, "modalias");
        sum += str_sum(modalias);

        if (streq_ptr(subsystem, "usb") && streq_ptr(devtype, "usb_device")) {
                sum += read_attrs(d, usb_device_attrs) + read_binary(d, "descriptors", 18);
        } else if (streq_ptr(subsystem, "usb") && streq_ptr(devtype, "usb_interface")) {
                sum += read_attrs(d, usb_interface_attrs);
                up = udev_device_get_parent_with_subsystem_devtype(d, "usb", "usb_device");
                sum += read_attrs(up, usb_interface_device_attrs);
                sum += str_sum(up ? udev_device_get_sysname(up) : NULL);
        } else if (streq_ptr(subsystem, "pci")) {
                sum += read_attrs(d, pci_attrs);
        } else if (streq_ptr(subsystem, "tty")) {
                if (udev_device_get_devnode(d))
                        sum += str_sum(udev_device_get_sysattr_value(d, "type"));
        } else if (streq_ptr(subsystem, "net")) {
                sum += read_attrs(d, net_attrs);
        } else if (streq_ptr(subsystem, "block")) {
                bool partition = streq_ptr(devtype, "partition");
                struct udev_device *disk = partition ? udev_device_get_parent(d) : d;

                sum += read_attrs(d, partition ? partition_attrs : disk_attrs);
                if (partition)
                        sum += read_attrs(disk, disk_attrs);
                else
                        sum += read_attrs(udev_device_get_parent(d), disk_parent_attrs);
        } else if (streq_ptr(subsystem, "hid")) {
                sum += read_attrs(d, hid_attrs) + read_binary(d, "report_descriptor", 4096);
                up = udev_device_get_parent_with_subsystem_devtype(d, "usb", "usb_device");
                sum += read_attrs(up, hid_usb_attrs) + str_sum(up ? udev_device_get_sysname(up) : NULL);
        } else if (streq_ptr(subsystem, "input") && !udev_device_get_devnode(d) && sysname &&
                   strncmp(sysname, "input", 5) == 0 &&
                   !udev_device_get_parent_with_subsystem_devtype(d, "hid", NULL)) {
                sum += read_attrs(d, input_attrs);
        } else if (streq_ptr(subsystem, "power_supply")) {
                sum += read_attrs(d, power_supply_attrs);
        }
        return sum;
}

/* udev_enumerate_scan_devices(), then every device from its syspath with what the families read. */
static int time_peer(uint64_t *ret_nsec, unsigned *ret_devices) {
        struct udev_enumerate *en = NULL;
        struct udev_list_entry *item;
        struct udev *udev;
        uint64_t start = bench_now_nsec(), sum = 0;
        unsigned n = 0;
        int r;

        udev = udev_new();
        if (!udev)
                return -ENOMEM;
        en = udev_enumerate_new(udev);
        if (!en) {
                udev_unref(udev);
                return -ENOMEM;
        }
        r = udev_enumerate_scan_devices(en);
        if (r >= 0)
                udev_list_entry_foreach(item, udev_enumerate_get_list_entry(en)) {
                        const char *syspath = udev_list_entry_get_name(item);
                        struct udev_device *d = udev_device_new_from_syspath(udev, syspath);

                        if (!d)
                                continue;
                        sum += peer_read_device(d);
                        udev_device_unref(d);
                        n++;
                }
        udev_enumerate_unref(en);
        udev_unref(udev);
        if (r < 0)
                return r;
        *ret_nsec = bench_now_nsec() - start;
        *ret_devices = n;
        sink += sum;
        return 0;
}

/* --- the storm --- */

/*
 * How many datagrams the emulated uevent socket holds. umockdev replaces
 * the netlink socket with an AF_UNIX datagram socket, whose queue is
 * net.unix.max_dgram_qlen (+1) deep, and its sender exits the process when
 * a send would block: each burst must fit.
 */
static unsigned socket_queue_length(void) {
        _cleanup_fclose_ FILE *f = fopen("/proc/sys/net/unix/max_dgram_qlen", "re");
        unsigned n = 0;

        if (!f || fscanf(f, "%u", &n) != 1 || n == 0)
                return 1;
        return n;
}

typedef struct StormResult {
        unsigned events;         /* sent */
        unsigned consumed;       /* events the source applied or dropped */
        unsigned burst;          /* events per burst */
        unsigned leaves;
        uint64_t daemon_nsec;    /* inside sd_event_run() */
        uint64_t total_nsec;     /* with umockdev generating the events */
        uint64_t resyncs, bad_events;
        /* Bursts of adds only and of removes only: their events and time in sd_event_run(). */
        unsigned adds, removes;
        uint64_t add_nsec, remove_nsec;
} StormResult;

/* Dispatches until nothing is pending. */
static int drain(Instance *in) {
        for (;;) {
                int r = sd_event_run(in->event, 0);

                if (r <= 0)
                        return r;
        }
}

/*
 * Toggles the leaves in turn (present: remove uevent, then out of the
 * testbed; absent: back into the testbed, whose add sends the uevent), in
 * bursts that fit the socket, each burst followed by sd_event_run() until
 * the source has taken everything.
 */
static int storm(Instance *in, Bed *b, unsigned n_events, StormResult *ret) {
        const UdevSourceStats *st = udev_source_stats(in->source);
        uint64_t base = st->events + st->bad_events, resyncs = st->resyncs, bad = st->bad_events;
        uint64_t start = bench_now_nsec(), daemon_nsec = 0, add_nsec = 0, remove_nsec = 0;
        unsigned burst = socket_queue_length(), sent = 0, cursor = 0, adds = 0, removes = 0;
        int r;

        if (b->n_leaves == 0)
                return -ENOENT;
        while (sent < n_events) {
                unsigned n_add = 0, n_remove = 0;
                uint64_t t;

                for (unsigned k = 0; k < burst && sent < n_events; k++, sent++) {
                        Leaf *l = &b->leaves[cursor];

                        cursor = (cursor + 1) % b->n_leaves;
                        if (l->present) {
                                bed_remove(b, l);
                                n_remove++;
                        } else {
                                g_free(bed_add_spec(b, l->spec));
                                n_add++;
                        }
                        l->present = !l->present;
                }
                t = bench_now_nsec();
                r = drain(in);
                t = bench_now_nsec() - t;
                if (r < 0)
                        return r;
                daemon_nsec += t;
                if (n_remove == 0) {
                        adds += n_add;
                        add_nsec += t;
                } else if (n_add == 0) {
                        removes += n_remove;
                        remove_nsec += t;
                }
        }
        *ret = (StormResult) {
                .events = sent,
                .consumed = (unsigned) (st->events + st->bad_events - base),
                .burst = burst,
                .leaves = b->n_leaves,
                .daemon_nsec = daemon_nsec,
                .total_nsec = bench_now_nsec() - start,
                .resyncs = st->resyncs - resyncs,
                .bad_events = st->bad_events - bad,
                .adds = adds,
                .removes = removes,
                .add_nsec = add_nsec,
                .remove_nsec = remove_nsec,
        };
        return 0;
}

/* --- registry == sysfs --- */

static int strcmp_ptr(const void *a, const void *b) {
        return strcmp(*(char *const *) a, *(char *const *) b);
}

typedef struct Check {
        unsigned tree_devices, sysfs_devices, fresh_devices;
        unsigned missing, extra;     /* syspaths sysfs has and the tree lacks, and the reverse */
        unsigned differ;             /* devices whose entries differ from the fresh coldplug's */
        unsigned entries, fresh_entries;
        char first[512];             /* the first difference */
} Check;

_printf_(2, 3) static void check_note(Check *c, const char *format, ...) {
        va_list ap;

        if (c->first[0])
                return;
        va_start(ap, format);
        vsnprintf(c->first, sizeof(c->first), format, ap);
        va_end(ap);
}

/* The sorted syspaths a fresh enumeration lists. */
static int sysfs_syspaths(char ***ret, unsigned *ret_n) {
        struct udev *udev = udev_new();
        struct udev_enumerate *en = udev ? udev_enumerate_new(udev) : NULL;
        struct udev_list_entry *item;
        char **paths = NULL;
        unsigned n = 0, cap = 0;
        int r = -ENOMEM;

        if (!en)
                goto out;
        r = udev_enumerate_scan_devices(en);
        if (r < 0)
                goto out;
        udev_list_entry_foreach(item, udev_enumerate_get_list_entry(en)) {
                r = GROW(paths, cap, n + 1);
                if (r < 0)
                        goto out;
                paths[n] = strdup(udev_list_entry_get_name(item));
                if (!paths[n]) {
                        r = -ENOMEM;
                        goto out;
                }
                n++;
        }
        qsort(paths, n, sizeof(char *), strcmp_ptr);
        *ret = TAKE_PTR(paths);
        *ret_n = n;
        r = 0;
out:
        for (unsigned i = 0; paths && i < n; i++)
                free(paths[i]);
        free(paths);
        udev_enumerate_unref(en);
        udev_unref(udev);
        return r;
}

/* Compares one device's nub in the two registries: class, name, location, properties, IOService path. */
static void compare_entry(Check *c, const char *syspath, Instance *a, Entry *x, Instance *b, Entry *y) {
        _cleanup_free_ char *path_x = NULL, *path_y = NULL;

        if (!x) {
                c->differ++;
                check_note(c, "%s: not in the registry after the storm", syspath);
                return;
        }
        (void) registry_entry_get_path(a->registry, x, a->registry->service_plane, &path_x);
        (void) registry_entry_get_path(b->registry, y, b->registry->service_plane, &path_y);
        if (!streq(x->klass->name, y->klass->name) ||
            !streq(entry_get_name(x, NULL), entry_get_name(y, NULL))) {
                c->differ++;
                check_note(c, "%s: %s \"%s\" after the storm, %s \"%s\" after a coldplug", syspath,
                           x->klass->name, entry_get_name(x, NULL), y->klass->name, entry_get_name(y, NULL));
        } else if (!streq_ptr(entry_get_location(x, NULL), entry_get_location(y, NULL))) {
                c->differ++;
                check_note(c, "%s: location %s after the storm, %s after a coldplug", syspath,
                           entry_get_location(x, NULL) ?: "none", entry_get_location(y, NULL) ?: "none");
        } else if (!value_equal(x->properties, y->properties)) {
                c->differ++;
                check_note(c, "%s: properties differ from a coldplug's", syspath);
        } else if (!streq_ptr(path_x, path_y)) {
                c->differ++;
                check_note(c, "%s: IOService path %s after the storm, %s after a coldplug", syspath,
                           path_x ?: "?", path_y ?: "?");
        }
}

static int check_registry(Instance *in, Check *c) {
        _cleanup_(instance_done) Instance fresh = {};
        char **tree = NULL, **sysfs = NULL;
        unsigned n_tree = 0, n_sysfs = 0, i, j;
        const void *key;
        void *value;
        int r;

        *c = (Check) {};
        /* 1. The tree's syspaths against a fresh enumeration. */
        tree = calloc(device_tree_size(&in->tree) + 1, sizeof(char *));
        if (!tree)
                return -ENOMEM;
        for (unsigned k = 0; hashmap_next(&in->tree.by_syspath, &k, &key, &value);)
                tree[n_tree++] = (char *) key;
        qsort(tree, n_tree, sizeof(char *), strcmp_ptr);
        r = sysfs_syspaths(&sysfs, &n_sysfs);
        if (r < 0) {
                free(tree);
                return r;
        }
        for (i = 0, j = 0; i < n_tree || j < n_sysfs;) {
                int d = i == n_tree ? 1 : j == n_sysfs ? -1 : strcmp(tree[i], sysfs[j]);

                if (d < 0) {
                        c->extra++;
                        check_note(c, "%s: in the registry, gone from sysfs", tree[i]);
                        i++;
                } else if (d > 0) {
                        c->missing++;
                        check_note(c, "%s: in sysfs, missing from the registry", sysfs[j]);
                        j++;
                } else
                        i++, j++;
        }
        c->tree_devices = n_tree;
        c->sysfs_devices = n_sysfs;
        free(tree);
        for (unsigned k = 0; k < n_sysfs; k++)
                free(sysfs[k]);
        free(sysfs);

        /* 2. A second registry, coldplugged now, entry by entry. */
        r = instance_start(&fresh, NULL);
        if (r < 0)
                return r;
        c->fresh_devices = device_tree_size(&fresh.tree);
        for (unsigned k = 0; hashmap_next(&fresh.tree.by_syspath, &k, &key, &value);)
                compare_entry(c, key, in, device_tree_find(&in->tree, key), &fresh,
                              device_tree_find(&fresh.tree, key));
        c->entries = registry_n_entries(in->registry);
        c->fresh_entries = registry_n_entries(fresh.registry);
        if (c->entries != c->fresh_entries)
                check_note(c, "%u registry entries after the storm, %u after a coldplug", c->entries,
                           c->fresh_entries);
        return 0;
}

static bool check_passed(const Check *c) {
        return c->missing == 0 && c->extra == 0 && c->differ == 0 && c->tree_devices == c->sysfs_devices &&
               c->fresh_devices == c->tree_devices && c->entries == c->fresh_entries;
}

/* --- output --- */

static void help(void) {
        printf("Usage: bench-udev [OPTIONS]\n"
               "Coldplug and an event storm on a generated umockdev testbed; prints a markdown table.\n"
               "Run it with LD_PRELOAD=libumockdev-preload.so.0 (meson and ./bench do).\n\n"
               "  --devices N   devices in the testbed (default %u)\n"
               "  --events N    add and remove events in the storm (default %u)\n"
               "  --quick       %u devices, %u events\n"
               "  --runs N      coldplug runs, the best is kept (default %u)\n"
               "  -h --help     this text\n"
               "bench-registry's --entries and --calls are accepted and ignored (./bench passes its\n"
               "arguments to every benchmark).\n",
               DEFAULT_DEVICES, DEFAULT_EVENTS, QUICK_DEVICES, QUICK_EVENTS, DEFAULT_RUNS);
}

static int parse_argv(int argc, char *argv[]) {
        enum { ARG_DEVICES = 0x100, ARG_EVENTS, ARG_QUICK, ARG_RUNS, ARG_IGNORED };
        static const struct option options[] = {
                { "devices", required_argument, NULL, ARG_DEVICES },
                { "events", required_argument, NULL, ARG_EVENTS },
                { "quick", no_argument, NULL, ARG_QUICK },
                { "runs", required_argument, NULL, ARG_RUNS },
                { "entries", required_argument, NULL, ARG_IGNORED },
                { "calls", required_argument, NULL, ARG_IGNORED },
                { "help", no_argument, NULL, 'h' },
                {},
        };
        bool devices_set = false, events_set = false;
        int c;

        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0)
                switch (c) {
                case ARG_DEVICES:
                        if (bench_parse_unsigned(optarg, 100, &arg_devices) < 0 || arg_devices > MAX_DEVICES) {
                                fprintf(stderr, "Invalid --devices (100 to %u): %s\n", MAX_DEVICES, optarg);
                                return -EINVAL;
                        }
                        devices_set = true;
                        break;
                case ARG_EVENTS:
                        if (bench_parse_unsigned(optarg, 1, &arg_events) < 0) {
                                fprintf(stderr, "Invalid --events: %s\n", optarg);
                                return -EINVAL;
                        }
                        events_set = true;
                        break;
                case ARG_QUICK:
                        if (!devices_set)
                                arg_devices = QUICK_DEVICES;
                        if (!events_set)
                                arg_events = QUICK_EVENTS;
                        break;
                case ARG_RUNS:
                        if (bench_parse_unsigned(optarg, 1, &arg_runs) < 0) {
                                fprintf(stderr, "Invalid --runs: %s\n", optarg);
                                return -EINVAL;
                        }
                        break;
                case ARG_IGNORED:
                        break;
                case 'h':
                        help();
                        return 0;
                default:
                        return -EINVAL;
                }
        if (optind < argc) {
                fprintf(stderr, "Unexpected argument: %s\n", argv[optind]);
                return -EINVAL;
        }
        return 1;
}

/* Keeps max leaves evenly spaced over the list, so that the storm's set covers the whole tree. */
static void bed_thin_leaves(Bed *b, unsigned max) {
        unsigned kept = 0, next = 0;

        if (b->n_leaves <= max)
                return;
        for (unsigned i = 0; i < b->n_leaves; i++) {
                if (i == next && kept < max) {
                        b->leaves[kept++] = b->leaves[i];
                        next = (unsigned) ((uint64_t) kept * b->n_leaves / max);
                        continue;
                }
                spec_free(b->leaves[i].spec);
                g_free(b->leaves[i].syspath);
        }
        b->n_leaves = kept;
}

static int run(void) {
        _cleanup_(bed_done) Bed bed = {};
        _cleanup_(instance_done) Instance in = {};
        uint64_t build_nsec, ours = UINT64_MAX, peer = UINT64_MAX, start;
        unsigned ours_devices = 0, peer_devices = 0;
        double ours_per, peer_per, ratio;
        StormResult st = {};
        Check check = {};
        int r;

        if (!strstr(getenv("LD_PRELOAD") ?: "", "libumockdev-preload")) {
                fprintf(stderr, "bench-udev: run with LD_PRELOAD=libumockdev-preload.so.0 "
                                "(meson and ./bench set it)\n");
                return -ENOEXEC;
        }
        /* The kernel's event stream, its sequence numbers and no udev database, on every machine. */
        (void) setenv("IOREG_UDEV_MODE", "kernel", 1);
        /* The source logs each coldplug at info level; keep warnings and resync notices. */
        log_set_max_level(LOG_NOTICE);

        fprintf(stderr, "bench-udev: generating a testbed of %u devices...\n", arg_devices);
        start = bench_now_nsec();
        bed_build(&bed, arg_devices);
        build_nsec = bench_now_nsec() - start;
        bed_thin_leaves(&bed, MAX_STORM_LEAVES);

        /* Coldplug, best of runs, interleaved with the peer; the last instance stays for the storm. */
        fprintf(stderr, "bench-udev: coldplug against the libudev peer (best of %u runs)...\n", arg_runs);
        for (unsigned run_no = 0; run_no < arg_runs; run_no++) {
                uint64_t nsec;
                unsigned n;

                instance_done(&in);
                r = instance_start(&in, &nsec);
                if (r < 0) {
                        fprintf(stderr, "Coldplug failed: %s\n", strerror(-r));
                        return r;
                }
                ours = nsec < ours ? nsec : ours;
                ours_devices = device_tree_size(&in.tree);
                r = time_peer(&nsec, &n);
                if (r < 0) {
                        fprintf(stderr, "The libudev peer failed: %s\n", strerror(-r));
                        return r;
                }
                peer = nsec < peer ? nsec : peer;
                peer_devices = n;
        }
        ours_per = (double) ours / ours_devices;
        peer_per = (double) peer / peer_devices;
        ratio = (double) ours / peer;

        fprintf(stderr, "bench-udev: storm of %u events on %u leaf devices...\n", arg_events, bed.n_leaves);
        r = storm(&in, &bed, arg_events, &st);
        if (r < 0) {
                fprintf(stderr, "The storm failed: %s\n", strerror(-r));
                return r;
        }
        fprintf(stderr, "bench-udev: comparing the registry with sysfs and a fresh coldplug...\n");
        r = check_registry(&in, &check);
        if (r < 0) {
                fprintf(stderr, "The check failed: %s\n", strerror(-r));
                return r;
        }

        bench_row("metric", "value", "unit", "target", "verdict");
        bench_row("---", "---:", "---", "---", "---");
        bench_row("udev testbed: synthetic devices (umockdev, generated)", bench_fmt("%u", bed.n_devices), "devices",
            "-",
            bench_fmt("%u USB buses, %u hubs, %u USB devices, %u disks, %u ttyUSB, %u net, %u HID; "
                "built in %.1f s",
                bed.n_buses, bed.n_hubs, bed.n_usb, bed.n_disks, bed.n_ttys, bed.n_nets, bed.n_hids,
                (double) build_nsec / 1e9));
        bench_row(bench_fmt("coldplug: udev_source_new() until quiet (%u devices, best of %u)", ours_devices, arg_runs),
            bench_fmt("%.1f", (double) ours / 1e6), "ms", "-", bench_fmt("%.1f µs/device", ours_per / 1e3));
        bench_row(bench_fmt("coldplug peer: libudev enumerate + the families' attributes (%u devices, best of %u)",
                peer_devices, arg_runs),
            bench_fmt("%.1f", (double) peer / 1e6), "ms", "-", bench_fmt("%.1f µs/device", peer_per / 1e3));
        bench_row("coldplug: ioregd ÷ libudev peer", bench_fmt("%.2f", ratio), "×", "≤ 1.25×",
            ours_devices != peer_devices
                    ? bench_fmt("FAIL (%u devices, the peer saw %u)", ours_devices, peer_devices)
                    : ratio <= TARGET_COLDPLUG_RATIO ? "PASS" : "FAIL");
        bench_row(bench_fmt("storm: add/remove events processed (UdevSource + DeviceTree, %u leaves)", st.leaves),
            bench_fmt("%.0f", st.events / ((double) st.daemon_nsec / 1e9)), "events/s", "-",
            bench_fmt("%u events (%u consumed), %.1f µs/event in sd_event_run(): add %.1f µs, remove %.1f µs",
                st.events, st.consumed, (double) st.daemon_nsec / 1e3 / st.events,
                st.adds ? (double) st.add_nsec / 1e3 / st.adds : 0.0,
                st.removes ? (double) st.remove_nsec / 1e3 / st.removes : 0.0));
        bench_row("storm: end to end, with umockdev generating the events",
            bench_fmt("%.0f", st.events / ((double) st.total_nsec / 1e9)), "events/s", "-",
            bench_fmt("%.1f s; umockdev sends in bursts of %u (its socket queue, net.unix.max_dgram_qlen)",
                (double) st.total_nsec / 1e9, st.burst));
        bench_row("storm: resyncs (ENOBUFS or kernel seqnum gap)", bench_fmt("%" PRIu64, st.resyncs), "resyncs", "-",
            bench_fmt("%" PRIu64 " bad events", st.bad_events));
        bench_row("storm: registry equals sysfs afterwards", bench_fmt("%u", check.tree_devices), "devices",
            "= enumeration, = fresh coldplug",
            check_passed(&check)
                    ? bench_fmt("PASS (%u in sysfs, %u in a fresh coldplug, %u entries each)", check.sysfs_devices,
                          check.fresh_devices, check.entries)
                    : bench_fmt("FAIL (%u missing, %u extra, %u differ; %s)", check.missing, check.extra,
                          check.differ, check.first[0] ? check.first : "counts differ"));
        fflush(stdout);
        return 0;
}

int main(int argc, char *argv[]) {
        int r;

        r = parse_argv(argc, argv);
        if (r <= 0)
                return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
        return run() < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
