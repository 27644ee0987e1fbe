/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* catalogue-keys.c: see catalogue-keys.h. Each rule below restates the matcher code it relies on. */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "catalogue-keys.h"
#include "match-passive.h"

/* splitmix64's finalizer: every bit of x moves the whole result. */
_hot_ static uint64_t mix64(uint64_t x) {
        x ^= x >> 30;
        x *= UINT64_C(0xbf58476d1ce4e5b9);
        x ^= x >> 27;
        x *= UINT64_C(0x94d049bb133111eb);
        return x ^ (x >> 31);
}

_hot_ static uint64_t key_mix(KeyType type, uint64_t a, uint64_t b) {
        return mix64(mix64(mix64(type) ^ a) ^ b);
}

_hot_ static uint64_t key_bytes(KeyType type, const void *p, size_t n, uint64_t b) {
        return key_mix(type, hash_bytes(p, n), b);
}

void item_keys_done(ItemKeys *k) {
        free(k->keys);
        free(k->probes);
        *k = (ItemKeys) {};
}

static int keys_add(ItemKeys *k, uint64_t key, const KeyProbe *probe) {
        if (GROW(k->keys, k->cap, k->n + 1) < 0)
                return -ENOMEM;
        if (probe && GROW(k->probes, k->cap_probes, k->n + 1) < 0)
                return -ENOMEM;
        if (probe)
                k->probes[k->n] = *probe;
        k->keys[k->n++] = key;
        return 0;
}

CatalogueKind catalogue_kind_of_class(const char *name) {
        /* The classes match_family_hook() tests; every nub in such a bucket conforms, so gets that hook. */
        if (streq(name, "IOUSBHostDevice") || streq(name, "IOUSBDevice"))
                return CATALOGUE_KIND_USB_DEVICE;
        if (streq(name, "IOUSBHostInterface") || streq(name, "IOUSBInterface"))
                return CATALOGUE_KIND_USB_INTERFACE;
        if (streq(name, "IOPCIDevice"))
                return CATALOGUE_KIND_PCI;
        return CATALOGUE_KIND_ANY;
}

static bool number_of(const Value *v, uint64_t *ret) {
        if (!v || value_type(v) != VALUE_NUMBER)
                return false;
        *ret = value_unsigned(v); /* number_equal() compares these 64 bits (and the sign, which we may ignore) */
        return true;
}

/*
 * IONameMatch: a string or an array of strings, each compared whole with the nub's names (name_equal()),
 * unless it ends in '*'. Non-strings in the array never match and file nothing.
 */
static int name_keys(const Value *v, ItemKeys *k) {
        size_t n = value_type(v) == VALUE_ARRAY ? value_array_size(v) : 1;

        if (value_type(v) != VALUE_STRING && value_type(v) != VALUE_ARRAY)
                return 0;
        for (size_t i = 0; i < n; i++) {
                const Value *s = value_type(v) == VALUE_ARRAY ? value_array_get(v, i) : v;
                const char *name;
                size_t len;

                if (value_type(s) != VALUE_STRING)
                        continue;
                name = value_string(s, &len);
                len = strlen(name); /* name_equal() stops at the first NUL */
                if (len > 0 && name[len - 1] == '*') {
                        k->n = 0; /* a prefix: not indexed */
                        return 0;
                }
                if (keys_add(k, key_bytes(KEY_TYPE_NAME, name, len, 0), NULL) < 0)
                        return -ENOMEM;
        }
        return 0;
}

/* IOPropertyMatch: a dictionary, or an array of them of which one must be a subset of the nub's properties. */
static int property_keys(const Value *v, ItemKeys *k) {
        size_t n = value_type(v) == VALUE_ARRAY ? value_array_size(v) : 1;

        if (value_type(v) != VALUE_DICTIONARY && value_type(v) != VALUE_ARRAY)
                return 0;
        for (size_t i = 0; i < n; i++) {
                const Value *d = value_type(v) == VALUE_ARRAY ? value_array_get(v, i) : v;
                KeyProbe probe = {};
                const char *name;

                if (value_type(d) != VALUE_DICTIONARY)
                        continue; /* never a subset */
                if (value_dict_size(d) == 0) {
                        k->n = 0; /* a subset of anything */
                        return 0;
                }
                name = value_dict_key_at(d, 0);
                probe.property = name;
                /* value_equal() implies equal value_hash(), across widths and string/data. */
                if (keys_add(k, key_bytes(KEY_TYPE_PROPERTY, name, strlen(name), value_hash(value_dict_value_at(d, 0))),
                             &probe) < 0)
                        return -ENOMEM;
        }
        return 0;
}

/*
 * match-usb.c: once a table has any USB key, every rule requires idVendor matched or, for the rules
 * that forbid idVendor, the class key matched; the rules requiring idVendor either require idProduct
 * or forbid it. So a numeric idVendor must equal the nub's, with a plain idProduct(Array) it too; else
 * a numeric class must.
 */
static const char *const usb_class_keys[2][3] = {
        { "bDeviceClass", "bDeviceSubClass", "bDeviceProtocol" },
        { "bInterfaceClass", "bInterfaceSubClass", "bInterfaceProtocol" },
};

/* The class key of depth n (1: class, 2: and subclass, 3: and protocol); kind tells the two sets apart. */
static uint64_t usb_class_key(CatalogueKind kind, unsigned depth, const uint64_t numbers[3]) {
        return key_mix(KEY_TYPE_USB_CLASS, key_mix(numbers[0], depth > 1 ? numbers[1] : 0, depth > 2 ? numbers[2] : 0),
                       (uint64_t) kind << 8 | depth);
}

/*
 * Without idVendor only the class rules can hold: class and subclass matched, and the protocol when
 * the table names one (a wildcard "*" matches anything). So the key is as deep as the numbers go.
 */
static int usb_class_keys_of(const Value *d, CatalogueKind kind, ItemKeys *k) {
        const char *const *names = usb_class_keys[kind == CATALOGUE_KIND_USB_DEVICE ? 0 : 1];
        uint64_t numbers[3] = {};
        KeyProbe probe = {};

        /* A subclass or protocol that is "*" or absent stops the key there; any other non-number never
         * matches, so a shallower key is still a superset. */
        while (probe.reg < 3 && number_of(value_dict_get(d, names[probe.reg]), &numbers[probe.reg]))
                probe.reg++;
        if (probe.reg == 0)
                return 0;
        k->type = KEY_TYPE_USB_CLASS;
        return keys_add(k, usb_class_key(kind, probe.reg, numbers), &probe);
}

static int usb_keys(const Value *d, CatalogueKind kind, bool want_product, ItemKeys *k) {
        Value *vendor_v = value_dict_get(d, "idVendor");
        Value *single = value_dict_get(d, "idProduct"), *array = value_dict_get(d, "idProductArray");
        uint64_t vendor, product;

        if (!vendor_v)
                return want_product ? 0 : usb_class_keys_of(d, kind, k);
        if (!number_of(vendor_v, &vendor))
                return 0; /* "*" or a type that never matches */
        if (want_product) {
                if (value_dict_get(d, "idProductMask"))
                        return 0;
                if (single && !array && number_of(single, &product)) {
                        k->type = KEY_TYPE_USB_PRODUCT;
                        return keys_add(k, key_mix(KEY_TYPE_USB_PRODUCT, vendor, product), NULL);
                }
                if (!array || single || value_type(array) != VALUE_ARRAY || value_array_size(array) == 0)
                        return 0;
                for (size_t i = 0; i < value_array_size(array); i++) {
                        if (!number_of(value_array_get(array, i), &product)) {
                                k->n = 0; /* a wildcard or odd entry: the vendor key instead */
                                return 0;
                        }
                        if (keys_add(k, key_mix(KEY_TYPE_USB_PRODUCT, vendor, product), NULL) < 0)
                                return -ENOMEM;
                }
                k->type = KEY_TYPE_USB_PRODUCT;
                return 0;
        }
        k->type = KEY_TYPE_USB_VENDOR;
        return keys_add(k, key_mix(KEY_TYPE_USB_VENDOR, vendor, 0), NULL);
}

/*
 * match-pci.c: every one of these keys that is present must match, each through its list's entries
 * (a malformed entry ends the list). IOPCIMatch tries both registers.
 */
static int pci_keys(const Value *d, bool classes, ItemKeys *k) {
        static const struct {
                const char *key;
                uint8_t regs[2];
                unsigned n_regs;
        } lists[] = {
                { "IOPCIPrimaryMatch", { PCI_REG_PRIMARY }, 1 },
                { "IOPCIMatch", { PCI_REG_PRIMARY, PCI_REG_SECONDARY }, 2 },
                { "IOPCISecondaryMatch", { PCI_REG_SECONDARY }, 1 },
                { "IOPCIClassMatch", { PCI_REG_CLASS }, 1 },
        };

        for (size_t i = 0; i < ELEMENTSOF(lists); i++) {
                Value *v = value_dict_get(d, lists[i].key);
                uint32_t want, mask;
                const char *p;

                if (!v || (lists[i].regs[0] == PCI_REG_CLASS) != classes)
                        continue;
                if (value_type(v) != VALUE_STRING)
                        return 0; /* never matches; the general list is as good as any */
                p = value_string(v, NULL);
                while (match_pci_list_next(&p, &want, &mask))
                        for (unsigned r = 0; r < lists[i].n_regs; r++) {
                                KeyProbe probe = { .reg = lists[i].regs[r], .mask = mask };

                                if (probe.reg == PCI_REG_CLASS)
                                        probe.mask &= PCI_CLASS_MASK;
                                if (keys_add(k, key_mix(KEY_TYPE_PCI, (uint64_t) probe.reg << 32 | probe.mask,
                                                        want & probe.mask),
                                             &probe) < 0)
                                        return -ENOMEM;
                        }
                k->type = KEY_TYPE_PCI;
                return 0;
        }
        return 0;
}

/* One kind of key after another, most selective first, until one files the personality. */
int catalogue_item_keys(const Value *d, CatalogueKind kind, ItemKeys *ret) {
        bool usb = kind == CATALOGUE_KIND_USB_DEVICE || kind == CATALOGUE_KIND_USB_INTERFACE;
        Value *v;
        int r;

        *ret = (ItemKeys) {};
        for (unsigned step = 0; step < 6 && ret->n == 0; step++) {
                switch (step) {
                case 0:
                        r = usb ? usb_keys(d, kind, true, ret) : 0;
                        break;
                case 1:
                        r = kind == CATALOGUE_KIND_PCI ? pci_keys(d, false, ret) : 0;
                        break;
                case 2:
                        ret->type = KEY_TYPE_NAME;
                        r = (v = value_dict_get(d, "IONameMatch")) ? name_keys(v, ret) : 0;
                        break;
                case 3:
                        r = usb ? usb_keys(d, kind, false, ret) : 0;
                        r = r >= 0 && kind == CATALOGUE_KIND_PCI ? pci_keys(d, true, ret) : r;
                        break;
                case 4:
                        ret->type = KEY_TYPE_PROPERTY;
                        r = (v = value_dict_get(d, "IOPropertyMatch")) ? property_keys(v, ret) : 0;
                        break;
                default:
                        r = 0;
                }
                if (r < 0 || ret->n == 0) {
                        item_keys_done(ret); /* the next step starts clean */
                        if (r < 0)
                                return r;
                }
        }
        return 0;
}

/* ------------------------------------------------------------------------- */

_hot_ void nub_keys_init(NubKeys *k, const Entry *nub) {
        *k = (NubKeys) { .nub = nub };
}

_hot_ void nub_keys_done(NubKeys *k) {
        free(k->names);
}

_hot_ bool nub_keys_has_hook(NubKeys *k, CatalogueKind kind) {
        /*
         * The nub conforms to the bucket's class, so match_family_hook() picks kind's hook unless a
         * hook it tries first applies too: the interface's comes first, the device's second, PCI's third.
         */
        if (kind == CATALOGUE_KIND_ANY || kind == CATALOGUE_KIND_USB_INTERFACE)
                return true;
        if (!k->have_kind) {
                k->have_kind = true;
                k->usb_interface = entry_conforms_to(k->nub, "IOUSBHostInterface") ||
                                   entry_conforms_to(k->nub, "IOUSBInterface");
        }
        if (k->usb_interface)
                return false;
        if (kind == CATALOGUE_KIND_USB_DEVICE)
                return true;
        if (!k->have_device_kind) {
                k->have_device_kind = true;
                k->usb_device = entry_conforms_to(k->nub, "IOUSBHostDevice") || entry_conforms_to(k->nub, "IOUSBDevice");
        }
        return !k->usb_device;
}

_hot_ static int name_add(NubKeys *k, const char *p, size_t len) {
        if (GROW(k->names, k->cap_names, k->n_names + 1) < 0)
                return -ENOMEM;
        k->names[k->n_names++] = key_bytes(KEY_TYPE_NAME, p, len, 0);
        return 0;
}

typedef struct NameWalk {
        NubKeys *keys;
        int error;
} NameWalk;

_hot_ static bool walk_name(const char *name, void *userdata) {
        NameWalk *w = userdata;

        w->error = name_add(w->keys, name, strlen(name));
        return w->error < 0;
}

/* The names match-passive.c's IONameMatch compares with (match_name_candidates()), once per nub. */
_hot_ int nub_keys_names(NubKeys *k, const uint64_t **ret) {
        NameWalk w = { .keys = k };
        int r;

        if (!k->have_names) {
                r = match_name_candidates(k->nub->registry, k->nub, walk_name, &w);
                if (r < 0 || w.error < 0)
                        return r < 0 ? r : w.error;
                k->have_names = true;
        }
        *ret = k->names;
        return (int) k->n_names;
}

/* idVendor and idProduct; read_product() wants the nub's idProduct a number too. */
_hot_ static void usb_ids(NubKeys *k) {
        k->have_usb = true;
        k->has_usb_vendor = number_of(entry_get_property(k->nub, "idVendor"), &k->usb_vendor);
        k->has_usb_product = k->has_usb_vendor && number_of(entry_get_property(k->nub, "idProduct"), &k->usb_product);
}

_hot_ bool nub_keys_usb_class(NubKeys *k, CatalogueKind kind, unsigned depth, uint64_t *ret) {
        unsigned i = kind == CATALOGUE_KIND_USB_DEVICE ? 0 : 1;

        if (!k->have_usb_class[i]) {
                k->have_usb_class[i] = true;
                while (k->n_usb_class[i] < 3 && number_of(entry_get_property(k->nub, usb_class_keys[i][k->n_usb_class[i]]),
                                                          &k->usb_class[i][k->n_usb_class[i]]))
                        k->n_usb_class[i]++;
        }
        if (depth == 0 || depth > k->n_usb_class[i])
                return false;
        *ret = usb_class_key(kind, depth, k->usb_class[i]);
        return true;
}

_hot_ bool nub_keys_usb(NubKeys *k, KeyType type, CatalogueKind kind, uint64_t *ret) {
        if (!k->have_usb)
                usb_ids(k);
        if (type == KEY_TYPE_USB_PRODUCT && k->has_usb_product) {
                *ret = key_mix(KEY_TYPE_USB_PRODUCT, k->usb_vendor, k->usb_product);
                return true;
        }
        if (type == KEY_TYPE_USB_VENDOR && k->has_usb_vendor) {
                *ret = key_mix(KEY_TYPE_USB_VENDOR, k->usb_vendor, 0);
                return true;
        }
        return false;
}

_hot_ bool nub_keys_pci(NubKeys *k, const KeyProbe *probe, uint64_t *ret) {
        if (!k->have_pci) {
                match_pci_registers(k->nub, k->pci, k->has_pci);
                k->have_pci = true;
        }
        if (probe->reg >= _PCI_REG_MAX || !k->has_pci[probe->reg])
                return false;
        *ret = key_mix(KEY_TYPE_PCI, (uint64_t) probe->reg << 32 | probe->mask, k->pci[probe->reg] & probe->mask);
        return true;
}

_hot_ bool nub_keys_property(NubKeys *k, const char *property, uint64_t *ret) {
        Value *v = entry_get_property(k->nub, property);

        if (!v)
                return false;
        *ret = key_bytes(KEY_TYPE_PROPERTY, property, strlen(property), value_hash(v));
        return true;
}
