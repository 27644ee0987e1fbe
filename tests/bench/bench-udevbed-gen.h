/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bench-udevbed-gen.h: the parts of the testbed generator (bench-udevbed*.c)
 * to one another, not to the benchmarks: a device as a spec, added to the
 * bed, and the generators of each kind of device. Uses GLib.
 */
#pragma once

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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

/* --- specs, added to the bed (bench-udevbed.c) --- */

/* A new spec of subsystem below parent (a syspath, or NULL for /sys/devices); owned by the caller. */
_printf_(3, 4) Spec *spec_new(const char *subsystem, const char *parent, const char *name_format, ...);
/* Returns NULL. */
Spec *spec_free(Spec *s);
_printf_(3, 4) void spec_attr(Spec *s, const char *key, const char *format, ...);
_printf_(3, 4) void spec_prop(Spec *s, const char *key, const char *format, ...);
_printf_(3, 4) void spec_deep_attr(Spec *s, const char *key, const char *format, ...);
void spec_driver(Spec *s, const char *driver);
void spec_binary(Spec *s, const char *name, const void *data, size_t size);
/* n more devices fit in the budget. */
bool bed_fits(const Bed *b, unsigned n);
/* Creates a directory (and its parents) inside the testbed, under its real root. */
void bed_mkdir(Bed *b, const char *syspath, const char *dir);
/* Writes a file that is not an attribute of a device ("uevent" of a bare parent directory). */
void bed_write(Bed *b, const char *path, const char *contents);
/* Adds s and frees it; or keeps it as a storm leaf. Returns the syspath (g_free()). */
char *bed_add(Bed *b, Spec *s, bool leaf);
void bed_add_free(Bed *b, Spec *s);

/* --- USB devices, hubs and buses (bench-udevbed-usb.c) --- */

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

typedef struct UsbPort {
        const char *parent;  /* the syspath of the hub's device */
        char *sysname;       /* owned: "3-1.4.2" */
        unsigned bus, devnum;
        unsigned speed;      /* Mbit/s */
} UsbPort;

typedef struct Usb {
        Bed *bed;            /* borrowed */
        unsigned next_kind;  /* the unit kinds take turns */
        bool full;           /* the budget is spent */
} Usb;

/* A USB device and its interfaces; returns the device's syspath, and interface 0's in *ret_if0. */
char *add_usb_device(Bed *b, const UsbPort *port, const UsbModel *m,
                     const UsbInterfaceModel *interfaces, unsigned n_interfaces, bool hub,
                     char **ret_if0);
void usb_add_bus(Usb *u, const char *controller, unsigned bus, bool usb3);

/* --- the units below hub ports (bench-udevbed-units.c) --- */

/* The units that hang below a hub port: a device, its interfaces and its class devices. */
typedef enum UnitKind {
        UNIT_SERIAL, /* FTDI dual UART: usb-serial port, tty */
        UNIT_NET,    /* Realtek Ethernet: net */
        UNIT_DISK,   /* SanDisk stick: SCSI host, target, LUN, disk, two partitions */
        UNIT_HID,    /* Logitech keyboard and mouse: two HID devices, each with hidraw, input, event */
        UNIT_CAMERA, /* Logitech webcam: video4linux node */
        _UNIT_MAX,
} UnitKind;

/* The devices each kind adds, which the budget must fit. */
extern const unsigned unit_size[_UNIT_MAX];

void add_unit(Bed *b, UnitKind kind, const UsbPort *port);

/* --- the rest of the machine (bench-udevbed-machine.c) --- */

typedef struct PciModel {
        const char *slot;
        uint16_t vendor, device, sub_vendor, sub_device;
        uint32_t class;
        uint8_t revision;
        const char *driver; /* or NULL */
} PciModel;

char *add_pci(Bed *b, const char *parent, const PciModel *m);
void add_generic(Bed *b, const char *subsystem, const char *parent, const char *name,
                 const char *driver, const char *devname, unsigned major, unsigned minor);
/* The devices of a laptop that are not on USB: 39. */
void add_machine(Bed *b);
