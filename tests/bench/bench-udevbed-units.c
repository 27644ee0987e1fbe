/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bench-udevbed-units.c: the units of the generated testbed that hang below
 * a hub port: a USB device, its interfaces and its class devices (serial
 * ports, network interfaces, disks with partitions, HID devices with
 * hidraw and input nodes, cameras).
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

const unsigned unit_size[_UNIT_MAX] = {
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

void add_unit(Bed *b, UnitKind kind, const UsbPort *port) {
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
