/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * family.h: families turn one device record into a nub: its class, name,
 * location and properties with Apple's names and types (reference/), plus
 * a `Linux` dictionary (SYSPATH, SUBSYSTEM, DEVTYPE, DRIVER, DEVNAME,
 * MODALIAS and the udev properties when there are any). Pure functions:
 * they read the record and nothing else. One file per family.
 */
#pragma once

#include "class-table.h"
#include "device-record.h"
#include "value.h"

typedef struct NubDescription {
        const char *class_name; /* static */
        char *name;             /* owned: the entry's name */
        char *location;         /* owned or NULL */
        Value *properties;      /* owned dictionary */
} NubDescription;

void nub_description_done(NubDescription *n);

#define FAMILY_MAX_SUBSYSTEMS 2

typedef struct Family {
        const char *name;
        /*
         * The only subsystems handles() can accept; none listed: any. family_for_device() asks only the
         * families that list the device's subsystem, so that an add does not call into every family's
         * file (an add runs with cold caches: each file is code and data of its own to fetch).
         */
        const char *subsystems[FAMILY_MAX_SUBSYSTEMS];
        /* True when this family describes d. Asked in table order; the generic family takes the rest. */
        bool (*handles)(const DeviceRecord *d);
        /* Fills class_name, name, location and the family's properties into nub->properties. */
        int (*describe)(const DeviceRecord *d, NubDescription *nub);
} Family;

/* Defines every family's classes (with Apple's superclasses and aliases) in t. */
int family_define_classes(ClassTable *t);

const Family *family_for_device(const DeviceRecord *d);

/* The family's description plus the Linux dictionary. *ret is untouched on failure. */
int family_describe_device(const DeviceRecord *d, NubDescription *ret);


extern const Family family_pci;
extern const Family family_usb_device;
extern const Family family_usb_interface;
extern const Family family_serial;
extern const Family family_storage;
extern const Family family_network;
extern const Family family_hid;
extern const Family family_power_source;
extern const Family family_generic;
