/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* bench-udevbed.c: see bench-udevbed.h. Moved out of bench-udev.c unchanged. */

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "bench-udevbed.h"
#include "macro.h"

/* One device as the generator adds it; storm leaves keep theirs to be added again. */
struct Spec {
        const char *subsystem;   /* static */
        char *parent;            /* owned: the parent's syspath, NULL for /sys/devices */
        char *name;              /* owned: below the parent, may hold slashes ("tty/ttyUSB0") */
        GPtrArray *attrs;        /* owned: name, value, name, value... */
        GPtrArray *props;        /* owned: the uevent file's KEY, value pairs */
        GPtrArray *deep_attrs;   /* owned: attributes in subdirectories ("queue/..."), or NULL */
        const char *driver;      /* static, or NULL: the bound driver ("driver" link, DRIVER=) */
        const char *binary_name; /* static, or NULL: one binary attribute */
        GBytes *binary;          /* owned, or NULL */
};

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

void bed_done(Bed *b) {
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
char *bed_add_spec(Bed *b, const Spec *s) {
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
void bed_remove(Bed *b, const Leaf *l) {
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
void bed_build(Bed *b, unsigned budget) {
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

/* Keeps max leaves evenly spaced over the list, so that the storm's set covers the whole tree. */
void bed_thin_leaves(Bed *b, unsigned max) {
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

