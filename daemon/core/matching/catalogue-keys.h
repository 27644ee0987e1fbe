/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * catalogue-keys.h: the keys the catalogue files a personality under, and
 * the same keys computed from a nub (catalogue.c looks them up).
 *
 * A key is a necessary condition of match_passive(): when a personality
 * matches a nub, the nub has one of the keys the personality was filed
 * under. So the index only ever drops personalities that would fail, and
 * match_passive() still decides. Keys are 64-bit hashes: two different
 * keys may collide, which costs a wasted candidate and nothing else.
 *
 * Generic keys (any provider class; matchInternal's, checked before any
 * family hook):
 *   NAME      IONameMatch: each name, when none ends in '*'
 *   PROPERTY  IOPropertyMatch: one key and its value of each dictionary
 * Family keys, used only in a bucket whose provider class fixes the family
 * hook (IOUSBHostDevice, IOUSBHostInterface, IOPCIDevice and their old
 * names); elsewhere a nub of another family ignores them:
 *   USB_PRODUCT  idVendor with idProduct or idProductArray, no mask
 *   USB_VENDOR   idVendor alone (or with a mask or a wildcard product)
 *   USB_CLASS    without idVendor: bDeviceClass / bInterfaceClass, with the
 *                subclass and protocol as far as they are numbers (probe.reg:
 *                the depth, 1 to 3)
 *   PCI          IOPCIPrimaryMatch, IOPCIMatch, IOPCISecondaryMatch or
 *                IOPCIClassMatch: each value & mask, with its register and mask
 * A personality with none of these goes to its bucket's general list.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "match-family.h"
#include "registry.h"

/* The family hook a bucket's provider class implies. */
typedef enum CatalogueKind {
        CATALOGUE_KIND_ANY, /* any hook: generic keys only */
        CATALOGUE_KIND_USB_DEVICE,
        CATALOGUE_KIND_USB_INTERFACE,
        CATALOGUE_KIND_PCI,
        _CATALOGUE_KIND_MAX,
} CatalogueKind;

typedef enum KeyType {
        KEY_TYPE_NAME,
        KEY_TYPE_PROPERTY,
        KEY_TYPE_USB_PRODUCT,
        KEY_TYPE_USB_VENDOR,
        KEY_TYPE_USB_CLASS,
        KEY_TYPE_PCI,
        _KEY_TYPE_MAX,
} KeyType;

/* What a nub needs to compute one key: the register and mask of a PCI key, the name of a property key,
 * the depth of a USB class key. */
typedef struct KeyProbe {
        uint8_t reg;          /* PciRegister; the depth of a USB class key */
        uint32_t mask;
        const char *property; /* borrowed from the personality's dictionary */
} KeyProbe;

typedef struct ItemKeys {
        KeyType type;
        uint64_t *keys;  /* owned; n == 0: the general list */
        KeyProbe *probes; /* owned, one per key (PCI and PROPERTY only) */
        unsigned n, cap, cap_probes;
} ItemKeys;

void item_keys_done(ItemKeys *k);

/* By the provider class's name as written (aliases included). */
CatalogueKind catalogue_kind_of_class(const char *name);

/* The keys of personality dictionary d in a bucket of this kind. */
int catalogue_item_keys(const Value *d, CatalogueKind kind, ItemKeys *ret);

/* A nub's keys, each computed on first use. */
typedef struct NubKeys {
        const Entry *nub; /* borrowed */
        bool have_kind, have_device_kind, have_names, have_usb, have_usb_class[2], have_pci;
        bool usb_interface, usb_device; /* conforms to the USB families' classes */
        uint64_t *names;                /* owned */
        unsigned n_names, cap_names;
        uint64_t usb_product, usb_vendor;
        uint64_t usb_class[2][3];   /* [0] bDevice*, [1] bInterface*: class, subclass, protocol */
        unsigned n_usb_class[2];    /* how many of them are numbers, in that order */
        bool has_usb_product, has_usb_vendor;
        uint32_t pci[_PCI_REG_MAX];
        bool has_pci[_PCI_REG_MAX];
} NubKeys;

void nub_keys_init(NubKeys *k, const Entry *nub);
void nub_keys_done(NubKeys *k);
/* Whether match_family_hook() gives the nub kind's hook, knowing it conforms to a class of that kind. */
bool nub_keys_has_hook(NubKeys *k, CatalogueKind kind);
/* The hashed names IONameMatch compares with (-ENOMEM, or the count; *ret borrowed from k). */
int nub_keys_names(NubKeys *k, const uint64_t **ret);
/* The nub's key of type for a bucket of kind; false when it has none. */
bool nub_keys_usb(NubKeys *k, KeyType type, CatalogueKind kind, uint64_t *ret);
bool nub_keys_usb_class(NubKeys *k, CatalogueKind kind, unsigned depth, uint64_t *ret);
bool nub_keys_pci(NubKeys *k, const KeyProbe *probe, uint64_t *ret);
bool nub_keys_property(NubKeys *k, const char *property, uint64_t *ret);
