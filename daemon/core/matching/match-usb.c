/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * match-usb.c: the USB family's implied probe scores (reference §2, after
 * IOUSBFamily 560 IOUSBDevice/IOUSBInterface::matchPropertyTable and the USB
 * Common Class Specification's match priorities). The first rule that holds
 * sets the base score; the personality's IOProbeScore (≥ 10000 clamped to
 * 9000) is added; −1000 per "*" wildcard among the rule's keys, −500 when
 * idProductMask was needed. A table with no USB key is left to the generic
 * keys (IOServiceMatching("IOUSBDevice") matches every device).
 *
 * The modern family (IOUSBHostFamily, closed source) also compares
 * USBPortType (tIOUSBHostPortType: standard, captive, internal, ...) and
 * USBSpeed (tIOUSBHostConnectionSpeed) with the nub's: a table naming one
 * matches only a nub with the same value, so that Apple's internal-hub
 * personalities fail on external hubs. They add nothing to the score: a
 * real Mac records IOProbeScore 90100 for AppleUSB20InternalIntelHub
 * (idVendor, idProductArray, USBPortType: the 90000 rule plus its own 100),
 * and 50000 for AppleUSB20Hub (the bare class rule).
 */

#include "match-family.h"

enum {
        K_VENDOR = 1 << 0,
        K_PRODUCT = 1 << 1,
        K_BCD = 1 << 2,
        K_CLASS = 1 << 3,
        K_SUBCLASS = 1 << 4,
        K_PROTOCOL = 1 << 5,
        K_CONFIG = 1 << 6,
        K_INTERFACE = 1 << 7,
        _K_COUNT = 8,
};

typedef struct UsbRule {
        int32_t score;
        unsigned required;   /* present and equal */
        unsigned if_present; /* equal when present */
        unsigned absent;     /* must not be present */
        int vendor_class;    /* 1: only when the nub's class is 0xFF, 0: only when it is not, -1: always */
} UsbRule;

typedef struct UsbKeys {
        const char *names[_K_COUNT];
        unsigned present, matched, wildcard;
        bool mask_used;
} UsbKeys;

#define DEVICE_CLASS_KEYS (K_CLASS | K_SUBCLASS | K_PROTOCOL)

static const UsbRule device_rules[] = {
        { 100000, K_VENDOR | K_PRODUCT | K_BCD, DEVICE_CLASS_KEYS, 0, -1 },
        { 90000, K_VENDOR | K_PRODUCT, K_BCD | DEVICE_CLASS_KEYS, 0, -1 },
        { 80000, K_VENDOR | K_SUBCLASS | K_PROTOCOL, K_CLASS, K_PRODUCT | K_BCD, 1 },
        { 70000, K_VENDOR | K_SUBCLASS, K_CLASS, K_PRODUCT | K_BCD | K_PROTOCOL, 1 },
        { 60000, K_CLASS | K_SUBCLASS | K_PROTOCOL, 0, K_VENDOR | K_PRODUCT | K_BCD, 0 },
        { 50000, K_CLASS | K_SUBCLASS, 0, K_VENDOR | K_PRODUCT | K_BCD | K_PROTOCOL, 0 },
};

#define IFACE_IDS (K_CONFIG | K_INTERFACE)

static const UsbRule interface_rules[] = {
        { 100000, K_VENDOR | K_PRODUCT | K_BCD | IFACE_IDS, DEVICE_CLASS_KEYS, 0, -1 },
        { 90000, K_VENDOR | K_PRODUCT | IFACE_IDS, K_BCD | DEVICE_CLASS_KEYS, 0, -1 },
        { 80000, K_VENDOR | K_SUBCLASS | K_PROTOCOL, K_CLASS, K_PRODUCT | K_BCD | IFACE_IDS, 1 },
        { 70000, K_VENDOR | K_SUBCLASS, K_CLASS, K_PRODUCT | K_BCD | IFACE_IDS | K_PROTOCOL, 1 },
        { 60000, K_CLASS | K_SUBCLASS | K_PROTOCOL, 0, K_VENDOR | K_PRODUCT | K_BCD | IFACE_IDS, 0 },
        { 50000, K_CLASS | K_SUBCLASS, 0, K_VENDOR | K_PRODUCT | K_BCD | IFACE_IDS | K_PROTOCOL, 0 },
};

_hot_ static bool is_wildcard(const Value *v) {
        return value_type(v) == VALUE_STRING && streq(value_string(v, NULL), "*");
}

_hot_ static bool number_of(const Value *v, uint64_t *ret) {
        if (!v || value_type(v) != VALUE_NUMBER)
                return false;
        *ret = value_unsigned(v);
        return true;
}

/* idProduct, idProductArray and idProductMask together. */
_hot_ static void read_product(Entry *e, const Value *table, UsbKeys *k) {
        Value *single = value_dict_get(table, "idProduct"), *array = value_dict_get(table, "idProductArray");
        Value *mask_v = value_dict_get(table, "idProductMask");
        uint64_t mine, mask = UINT64_MAX, want;

        if (!single && !array)
                return;
        k->present |= K_PRODUCT;
        if (single && is_wildcard(single)) {
                k->matched |= K_PRODUCT;
                k->wildcard |= K_PRODUCT;
                return;
        }
        if (!number_of(entry_get_property(e, "idProduct"), &mine))
                return;
        if (mask_v && !number_of(mask_v, &mask))
                return; /* a mask that is not a number matches nothing */
        if (single && number_of(single, &want) && (want & mask) == (mine & mask))
                k->matched |= K_PRODUCT;
        for (size_t i = 0; array && value_type(array) == VALUE_ARRAY && i < value_array_size(array); i++)
                if (number_of(value_array_get(array, i), &want) && (want & mask) == (mine & mask))
                        k->matched |= K_PRODUCT;
        if ((k->matched & K_PRODUCT) && mask_v)
                k->mask_used = true;
}

_hot_ static void read_keys(Entry *e, const Value *table, UsbKeys *k) {
        for (unsigned bit = 0; bit < _K_COUNT; bit++) {
                Value *want, *mine;

                if ((1u << bit) == K_PRODUCT) {
                        read_product(e, table, k);
                        continue;
                }
                want = value_dict_get(table, k->names[bit]);
                if (!want)
                        continue;
                k->present |= 1u << bit;
                if (is_wildcard(want)) {
                        k->matched |= 1u << bit;
                        k->wildcard |= 1u << bit;
                        continue;
                }
                mine = entry_get_property(e, k->names[bit]);
                if (mine && value_equal(want, mine))
                        k->matched |= 1u << bit;
        }
}

static const char *first_failed_key(const UsbKeys *k) {
        for (unsigned bit = 0; bit < _K_COUNT; bit++)
                if ((k->present & (1u << bit)) && !(k->matched & (1u << bit)))
                        return k->names[bit];
        /* Every key present matched, but they form no allowed combination. */
        return "USB key combination";
}

/* USBPortType and USBSpeed: equal to the nub's when present. */
_hot_ static bool port_keys_match(Entry *e, const Value *table, const char **failed_key) {
        static const char *const keys[] = { "USBPortType", "USBSpeed" };

        for (size_t i = 0; i < ELEMENTSOF(keys); i++) {
                Value *want = value_dict_get(table, keys[i]), *mine;

                if (!want)
                        continue;
                mine = entry_get_property(e, keys[i]);
                if (!mine || !value_equal(want, mine)) {
                        *failed_key = keys[i];
                        return false;
                }
        }
        return true;
}

_hot_ static bool usb_match(Entry *e, const Value *table, UsbKeys *k, const UsbRule *rules, size_t n_rules,
                            const char *class_key, int32_t *score, const char **failed_key) {
        const char *category;
        Value *cat;
        uint64_t nub_class = 0;
        bool vendor_class;

        if (!port_keys_match(e, table, failed_key))
                return false;
        read_keys(e, table, k);
        if (!k->present) {
                /* Apple gives the user-client merge personalities a fixed score. */
                cat = value_dict_get(table, "IOMatchCategory");
                category = cat && value_type(cat) == VALUE_STRING ? value_string(cat, NULL) : NULL;
                if (category && streq(category, "IOUSBUserClientInit"))
                        *score = 9000;
                return true;
        }

        vendor_class = number_of(entry_get_property(e, class_key), &nub_class) && nub_class == 0xff;
        for (size_t i = 0; i < n_rules; i++) {
                const UsbRule *r = &rules[i];
                unsigned bad_optional = k->present & r->if_present & ~k->matched;
                int32_t base = *score >= 10000 ? 9000 : *score;
                unsigned used;

                if (r->vendor_class >= 0 && r->vendor_class != vendor_class)
                        continue;
                if ((k->matched & r->required) != r->required || bad_optional || (k->present & r->absent))
                        continue;
                used = (r->required | (r->if_present & k->present));
                *score = r->score + base - 1000 * __builtin_popcount(k->wildcard & used) - (k->mask_used ? 500 : 0);
                return true;
        }
        *failed_key = first_failed_key(k);
        return false;
}

_hot_ bool match_usb_device(Registry *reg _unused_, Entry *e, const Value *table, int32_t *score,
                            const char **failed_key) {
        UsbKeys k = { .names = { "idVendor", "idProduct", "bcdDevice", "bDeviceClass", "bDeviceSubClass",
                                 "bDeviceProtocol", "bConfigurationValue", "bInterfaceNumber" } };

        return usb_match(e, table, &k, device_rules, ELEMENTSOF(device_rules), "bDeviceClass", score, failed_key);
}

_hot_ bool match_usb_interface(Registry *reg _unused_, Entry *e, const Value *table, int32_t *score,
                               const char **failed_key) {
        UsbKeys k = { .names = { "idVendor", "idProduct", "bcdDevice", "bInterfaceClass", "bInterfaceSubClass",
                                 "bInterfaceProtocol", "bConfigurationValue", "bInterfaceNumber" } };

        return usb_match(e, table, &k, interface_rules, ELEMENTSOF(interface_rules), "bInterfaceClass", score,
                         failed_key);
}
