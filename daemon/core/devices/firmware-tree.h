/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * firmware-tree.h: the IODeviceTree plane (issue "udev → registry"): the
 * machine's firmware description, below the platform expert (named
 * "device-tree" in this plane, as on a Mac).
 *
 * Source: the flattened device tree (/sys/firmware/devicetree/base) where
 * the machine has one, read once at start (firmware_tree_load_devicetree():
 * Apple's IODeviceTree is a snapshot of what the firmware handed over);
 * else the ACPI namespace, whose nodes are sysfs devices of subsystem
 * "acpi" (/sys/devices/LNXSYSTM:00/...) and come and go with their uevents.
 *
 * Nodes: each device-tree node is an entry of class IOService, not
 * registered, named and located after its node name ("serial@7e201000" →
 * serial, 7e201000), with every property file as data, as xnu's
 * IODeviceTreeAlloc() makes them. Each ACPI node is its own nub (the
 * families describe it; it stays in IOService below LNXSYSTM:00), named in
 * this plane after the last segment of its ACPI path (attribute path,
 * "\_SB_.PCI0.S08_" → S08), located after _ADR ("0x001c0004" → 1c,4, as
 * Apple locates PCI functions). The namespace root "\" is the plane's root,
 * the platform expert.
 *
 * Shared entries: a device whose firmware_node (ACPI) or of_node (device
 * tree) link names a node takes that node's place in IODeviceTree: its
 * name, location, parent and children there, the way xnu's
 * IOService::init(from, plane) makes an IOPCIDevice the IODeviceTree entry
 * of its firmware node. So one device is one entry, in IOService and in
 * IODeviceTree. The node's own entry leaves IODeviceTree while claimed and
 * comes back when the device goes. A device-tree node's properties are
 * added to its device's nub (firmware_tree_describe()), for the keys the
 * family did not set, as init(from) does; an ACPI node keeps its own nub in
 * IOService, so nothing is lost there. When several devices name one node,
 * the one nearest the root takes it (a serial port and its tty share the
 * port's ACPI node); two unrelated devices: the first keeps it.
 *
 * Removal: an entry that leaves the registry is forgotten here first
 * (firmware_tree_forget()): its node is re-placed (the node's own entry
 * returns, or the node leaves the plane) and the nodes below it move under
 * the nearest node that is still there.
 */
#pragma once

#include <stdbool.h>

#include "device-record.h"
#include "registry.h"

typedef struct FirmwareNode FirmwareNode;

typedef struct FirmwareTree {
        Registry *registry;    /* borrowed */
        Entry *platform;       /* borrowed: the plane's root below Root */
        Hashmap nodes;         /* key → FirmwareNode *, owning; keys borrowed from them */
        Hashmap by_entry;      /* entry id → FirmwareNode * (borrowed) for owns and claimants */
        bool devicetree;       /* a device tree was loaded: firmware_node links and ACPI are ignored */
} FirmwareTree;

int firmware_tree_init(FirmwareTree *ft, Registry *reg, Entry *platform);
void firmware_tree_done(FirmwareTree *ft);

/*
 * Adds one device-tree node: key is its full name ("/soc/serial@7e201000"),
 * props a dictionary of its properties (a new reference is taken). Parents
 * before children. Marks the tree as device-tree based.
 */
int firmware_tree_add_devicetree_node(FirmwareTree *ft, const char *key, Value *props);

/*
 * Reads DIR/firmware/devicetree/base below sysfs_root into nodes (firmware-tree-of.c).
 * Returns the number of nodes, 0 when the machine has no device tree.
 */
int firmware_tree_load_devicetree(FirmwareTree *ft, const char *sysfs_root);

/* Adds the properties of d's device-tree node to props, for keys props lacks. -ENOMEM only. */
int firmware_tree_describe(const FirmwareTree *ft, const DeviceRecord *d, Value *props);

/*
 * After d was added or changed with nub e: e becomes the ACPI node's own
 * entry (subsystem "acpi") and/or claims the node its link names. Returns 1
 * when the plane changed, 0 when not, -ENOMEM.
 */
int firmware_tree_device(FirmwareTree *ft, const DeviceRecord *d, Entry *e);

/* e is about to leave the registry: re-places its node and the nodes below. */
void firmware_tree_forget(FirmwareTree *ft, Entry *e);

/* The entry in IODeviceTree for a node key (borrowed), or NULL. */
Entry *firmware_tree_find(const FirmwareTree *ft, const char *key);
unsigned firmware_tree_size(const FirmwareTree *ft);
