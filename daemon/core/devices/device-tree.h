/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * device-tree.h: applies device records to the registry. Pure: it takes
 * records (from the udev source, or from tables in tests) and changes
 * entries; it reads nothing itself.
 *
 * Placement (DESIGN.md, issue "udev → registry"):
 * - IOService: each nub below the nub of its nearest sysfs ancestor that has
 *   one, or below that ancestor's kernel-driver entry when a driver is
 *   bound; top-level devices below the platform expert, except that the
 *   devices of a PCI host bridge's folder (/sys/devices/pci0000:00) hang
 *   below an IOPCIBridge entry named after it (a Mac's PCI root) and those
 *   of /sys/devices/virtual below one IOLinuxDevice entry "virtual", so the
 *   hardware is not buried among virtual devices. These anchors are made on
 *   first use, have no Linux dictionary (they are folders, not devices:
 *   no SYSPATH, so tests/vm's "registry equals sysfs" ignores them) and stay.
 * - Kernel drivers: a bound driver is an IOLinuxKernelDriver entry named
 *   after the driver, between the nub and the nubs below it (drivers the
 *   matcher started on the nub stay below the nub).
 * - IOUSB: USB devices below their parent USB device; root hubs below Root.
 * - IOPower: power-managed nubs below their power parents, devlinks as
 *   further power parents, IOPowerManagement (power-plane.h).
 * - IODeviceTree: the device tree or the ACPI namespace, devices sharing
 *   their firmware node's entry (firmware-tree.h).
 * Events other than add for a device that has left sysfs (a real kernel sends
 * an unplugged device's unbind after removing its folder) keep the nub's
 * name and properties and change its driver only. A move updates the
 * SYSPATH of every nub below the moved device too.
 * Removal terminates the nub and its subtree, children first; every entry
 * removed leaves every plane, and the power and firmware planes are told
 * before it goes.
 */
#pragma once

#include "device-record.h"
#include "firmware-tree.h"
#include "power-plane.h"
#include "registry.h"

typedef struct DeviceNode DeviceNode;

typedef struct DeviceTree {
        Registry *registry;      /* borrowed */
        Entry *platform;         /* borrowed: where top-level devices hang in IOService */
        Hashmap by_syspath;      /* syspath → DeviceNode *, owning the nodes; keys borrowed from them */
        Hashmap by_entry;        /* nub or driver entry id → DeviceNode * (borrowed) */
        PowerPlane power;        /* the IOPower plane's links and root */
        FirmwareTree firmware;   /* the IODeviceTree plane's nodes */
        struct {
                char folder[32];  /* "pci0000:00", "virtual" */
                Entry *entry;     /* owned reference */
        } anchors[16];           /* top-level folders with an entry of their own (above) */
        unsigned n_anchors;
        uint64_t sweep;          /* resync generation */
        unsigned n_added, n_removed, n_changed; /* counters for logs and tests */
        const char *last_class_name; /* static (a family's); the class of the last add, looked up once */
        const Class *last_class;     /* borrowed from registry->classes (classes live as long as it) */
        /* Told about each entry just before it is terminated, children first (notifications, tests). */
        void (*on_terminate)(void *userdata, Entry *e);
        /*
         * Told about each new nub once it is in the registry (registerService), and about each new
         * kernel-driver entry after its nub; NULL: marked registered. Kernel-driver entries that go
         * (unbind) are terminated like nubs: on_terminate hears of them.
         */
        void (*on_publish)(void *userdata, Entry *nub);
        void *userdata;          /* borrowed */
} DeviceTree;

/* Publishes the power root domain below platform when the registry lacks one. */
int device_tree_init(DeviceTree *t, Registry *reg, Entry *platform);
void device_tree_done(DeviceTree *t);

/*
 * Applies one event. Returns 1 when the registry changed, 0 when there was
 * nothing to do (remove of an unknown device, change with equal
 * properties), or a negative errno for a record that cannot be described;
 * the registry is then unchanged.
 */
int device_tree_apply(DeviceTree *t, const DeviceRecord *d);

/*
 * Terminates e and its subtree (registry_terminate_entry()), telling
 * on_terminate about each entry and forgetting the device nodes of the nubs
 * and kernel-driver entries among them, so that no node is left pointing at
 * a removed entry. Works for any entry, a device's or not. A device whose
 * nub is terminated this way comes back on its next uevent or resync.
 * Returns the number removed.
 */
unsigned device_tree_terminate(DeviceTree *t, Entry *e);

/* The nub for a syspath (borrowed), or NULL. */
Entry *device_tree_find(const DeviceTree *t, const char *syspath);
unsigned device_tree_size(const DeviceTree *t);

/*
 * Resync: begin(), then device_tree_apply() with action add for every
 * device sysfs lists now, then end(): devices not seen since begin() are
 * terminated and device links not seen are dropped. Adds of known devices
 * update them. Returns the number terminated and dropped.
 */
void device_tree_resync_begin(DeviceTree *t);
unsigned device_tree_resync_end(DeviceTree *t);
