/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * linux-facts.h: what lsusb, lspci and udevadm say about a device, read
 * from a registry entry's properties: the IDs as hex vendor:product, their
 * names from the hwdb (sd_hwdb, the database udev's ID_*_FROM_DATABASE come
 * from; no id-file parsing of our own), the device node, the kernel driver
 * and the PCI address. Used by `ioreg --linux` and `ioreg --monitor`.
 */
#pragma once

#include <jansson.h>
#include <stdbool.h>

typedef struct LinuxFacts {
        char ids[10];        /* "046d:c31c", or "" when the entry has no USB or PCI IDs */
        char *vendor, *product; /* owned: the hwdb's names, NULL when unknown */
        char *devnode;       /* owned: "/dev/ttyUSB0", NULL when none */
        const char *driver;  /* borrowed from the properties: the bound kernel driver, NULL when none */
        const char *pci_address; /* borrowed: "0000:00:1f.2" for a PCI function, else NULL */
        const char *subsystem;   /* borrowed: Linux.SUBSYSTEM, NULL when none */
} LinuxFacts;

/* Fills *ret from properties (borrowed; they must outlive *ret). names: look up the hwdb. */
void linux_facts_read(json_t *properties, bool names, LinuxFacts *ret);
void linux_facts_done(LinuxFacts *f);
/* Whether anything was found. */
bool linux_facts_empty(const LinuxFacts *f);
/* The facts as a JSON object (only the fields found), or NULL when out of memory. */
json_t *linux_facts_to_json(const LinuxFacts *f);
