/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bench-udevbed.h: the generated umockdev testbed of bench-udev and
 * bench-ioreg: a machine of N devices (PCI, xHCI controllers with trees of
 * USB hubs and devices, the class devices below them, platform and virtual
 * devices), each with the attributes, uevent properties and driver links a
 * real machine has. See BENCHMARKS.md, "What bench-udev measures".
 *
 * Uses GLib, as umockdev does: it aborts when out of memory. Run under
 * libumockdev-preload.so when the devices are to be read back.
 */
#pragma once

#include <stdbool.h>

#include <umockdev.h>

/* One device as the generator adds it (opaque); storm leaves keep theirs to be added again. */
typedef struct Spec Spec;

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

/*
 * Generates budget devices in a new testbed (b zero-initialised): the
 * machine, then xHCI controllers with two buses each filled with hubs and
 * units until the budget would be passed, then platform devices for the
 * rest. The testbed sets UMOCKDEV_DIR in this process's environment.
 */
void bed_build(Bed *b, unsigned budget);
/* Removes the testbed and frees everything; b is zeroed. */
void bed_done(Bed *b);

/* Adds a device (umockdev sends its "add" uevent) with its files and driver link; returns its syspath. */
char *bed_add_spec(Bed *b, const Spec *s);
/* Unplugs a leaf in the kernel's order: the "remove" uevent, then the files. */
void bed_remove(Bed *b, const Leaf *l);
/* Keeps max leaves evenly spaced over the list, so that a storm's set covers the whole tree. */
void bed_thin_leaves(Bed *b, unsigned max);
