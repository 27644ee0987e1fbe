/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * match-hid.c: IOHIDFamily's matchPropertyTable (IOHIDFamilyPrivate.cpp's
 * MatchPropertyTable, used by IOHIDDevice, IOHIDInterface and
 * IOHIDEventService). Each key the table has must equal the nub's:
 * Transport (+1000), LocationID (+2000, counted only with Transport),
 * VendorID (+5000), the product (ProductID +1000, else a ProductIDArray
 * entry +975, else ProductID under ProductIDMask +950, else a
 * ProductIDArray entry under the mask +925), VersionNumber, Manufacturer,
 * SerialNumber and PhysicalDeviceUniqueID (+100 each; the product and these
 * count only with VendorID),
 * PrimaryUsagePage (+1100) and PrimaryUsage (+100), counted only when no
 * device usage matched, DeviceUsagePairs (any one pair) and
 * DeviceUsagePage/DeviceUsage (against the nub's DeviceUsagePairs: +100 for
 * page and usage, +50 for the page alone, then +1100), BootProtocol, and
 * HIDDefaultBehavior (only its presence on the nub). A nub without
 * DeviceUsagePairs matches no table, as in IOHIDFamily.
 *
 * An IOHIDInterface answers with its IOHIDDevice's properties (it asks its
 * provider), unless the device has several interfaces
 * (MultipleInterfaceEnabled): then with its own.
 */

#include "match-family.h"

enum {
        TRANSPORT_SCORE = 1000,
        LOCATION_SCORE = 2000,
        USAGE_BASE = 1100,
        USAGE_SCORE = 100,
        VENDOR_SCORE = 5000,
        PRODUCT_SCORE = 1000,
        PRODUCT_ARRAY_SCORE = 975,
        PRODUCT_MASK_SCORE = 950,
        PRODUCT_ARRAY_MASK_SCORE = 925,
        VERSION_SCORE = 100,
};

/* CompareProperty: absent from the table matches; present must equal the nub's. */
static bool compare(const Entry *e, const Value *table, const char *key, int32_t *score, int32_t increment) {
        Value *want = value_dict_get(table, key), *mine;

        if (!want)
                return true;
        mine = entry_get_property(e, key);
        if (!mine || !value_equal(want, mine))
                return false;
        *score += increment;
        return true;
}

static bool equal_or_absent(const Value *a, const Value *b) {
        return a && b && value_equal(a, b);
}

/* CompareDeviceUsage: DeviceUsagePage/DeviceUsage of table against the nub's DeviceUsagePairs. */
static bool compare_device_usage(const Entry *e, const Value *table, int32_t *score) {
        Value *usage = value_dict_get(table, "DeviceUsage"), *page = value_dict_get(table, "DeviceUsagePage");
        Value *pairs = entry_get_property(e, "DeviceUsagePairs");
        bool matches = true;

        if (!pairs || value_type(pairs) != VALUE_ARRAY)
                return false;
        if (!page && !usage)
                return true;
        for (size_t i = 0; i < value_array_size(pairs); i++) {
                Value *pair = value_array_get(pairs, i);

                if (value_type(pair) != VALUE_DICTIONARY)
                        continue;
                /* As IOHIDFamily: a table with a usage but no page matches nothing (and stays true). */
                if (!page || !(matches = equal_or_absent(page, value_dict_get(pair, "DeviceUsagePage"))))
                        continue;
                if (!usage) {
                        *score += USAGE_SCORE / 2;
                        break;
                }
                if (!(matches = equal_or_absent(usage, value_dict_get(pair, "DeviceUsage"))))
                        continue;
                *score += USAGE_SCORE;
                break;
        }
        return matches;
}

/* CompareDeviceUsagePairs: the first pair of the table's DeviceUsagePairs that matches. */
static bool compare_usage_pairs(const Entry *e, const Value *table, int32_t *score) {
        Value *pairs = value_dict_get(table, "DeviceUsagePairs");
        bool matches = true;

        if (!pairs || value_type(pairs) != VALUE_ARRAY)
                return true;
        for (size_t i = 0; i < value_array_size(pairs); i++) {
                Value *pair = value_array_get(pairs, i);

                if (value_type(pair) != VALUE_DICTIONARY)
                        continue;
                if ((matches = compare_device_usage(e, pair, score)))
                        break;
        }
        return matches;
}

static bool number_of(const Value *v, uint32_t *ret) {
        if (!v || value_type(v) != VALUE_NUMBER)
                return false;
        *ret = (uint32_t) value_unsigned(v);
        return true;
}

/* An entry of the table's ProductIDArray equal to the nub's ProductID under mask; -1 without the array. */
static int product_in_array(const Value *array, bool have_mine, uint32_t mine, uint32_t mask) {
        uint32_t want;

        if (!array || value_type(array) != VALUE_ARRAY)
                return -1;
        for (size_t i = 0; have_mine && i < value_array_size(array); i++)
                if (number_of(value_array_get(array, i), &want) && (want & mask) == (mine & mask))
                        return 1;
        return 0;
}

/*
 * CompareProductID: the best of ProductID, ProductIDArray, ProductIDMask
 * and the array under the mask that matched; false when a key present
 * matched nothing and none matched.
 */
static bool compare_product(const Entry *e, const Value *table, int32_t *score) {
        Value *single = value_dict_get(table, "ProductID"), *array = value_dict_get(table, "ProductIDArray");
        Value *mask_v = value_dict_get(table, "ProductIDMask"), *nub = entry_get_property(e, "ProductID");
        uint32_t mine = 0, want, mask = 0;
        bool have_mine = number_of(nub, &mine), have_mask = number_of(mask_v, &mask);
        bool single_ok = !single || (nub && value_equal(single, nub));
        int in_array = product_in_array(array, have_mine, mine, UINT32_MAX);
        int in_masked = have_mask ? product_in_array(array, have_mine, mine, mask) : -1;
        bool mask_ok = !(single && have_mask && number_of(single, &want)) || (have_mine && (want & mask) == (mine & mask));
        bool mask_scored = single && have_mask && number_of(single, &want) && have_mine && (want & mask) == (mine & mask);

        if (single && single_ok)
                *score += PRODUCT_SCORE;
        else if (in_array == 1)
                *score += PRODUCT_ARRAY_SCORE;
        else if (mask_scored)
                *score += PRODUCT_MASK_SCORE;
        else if (in_masked == 1)
                *score += PRODUCT_ARRAY_MASK_SCORE;
        else
                return single_ok && in_array != 0 && mask_ok && in_masked != 0;
        return true;
}

/* The entry whose properties answer: an interface asks its device unless it is one of several. */
static const Entry *answering_entry(Registry *reg, const Entry *e) {
        Entry *provider;
        Value *multi;

        if (!entry_conforms_to(e, "IOHIDInterface"))
                return e;
        provider = entry_get_parent(e, reg->service_plane);
        if (!provider || !entry_conforms_to(provider, "IOHIDDevice"))
                return e;
        multi = entry_get_property(provider, "MultipleInterfaceEnabled");
        if (multi && value_type(multi) == VALUE_BOOLEAN && value_boolean(multi))
                return e;
        return provider;
}

bool match_hid(Registry *reg, Entry *nub, const Value *table, int32_t *score, const char **failed_key) {
        const Entry *e = answering_entry(reg, nub);
        int32_t trans = 0, location = 0, vendor = 0, product = 0, version = 0, page = 0, primary = 0, use = 0,
                none = 0;
        const char *failed = NULL;

        if (!compare(e, table, "Transport", &trans, TRANSPORT_SCORE))
                failed = "Transport";
        else if (!compare(e, table, "LocationID", &location, LOCATION_SCORE))
                failed = "LocationID";
        else if (!compare(e, table, "VendorID", &vendor, VENDOR_SCORE))
                failed = "VendorID";
        else if (!compare_product(e, table, &product))
                failed = value_dict_get(table, "ProductIDArray") && !value_dict_get(table, "ProductID")
                                 ? "ProductIDArray"
                                 : "ProductID";
        else if (!compare(e, table, "VersionNumber", &version, VERSION_SCORE))
                failed = "VersionNumber";
        else if (!compare(e, table, "Manufacturer", &version, VERSION_SCORE))
                failed = "Manufacturer";
        else if (!compare(e, table, "SerialNumber", &version, VERSION_SCORE))
                failed = "SerialNumber";
        else if (!compare(e, table, "PhysicalDeviceUniqueID", &version, VERSION_SCORE))
                failed = "PhysicalDeviceUniqueID";
        else if (!compare(e, table, "PrimaryUsagePage", &page, USAGE_BASE))
                failed = "PrimaryUsagePage";
        else if (!compare(e, table, "PrimaryUsage", &primary, USAGE_SCORE))
                failed = "PrimaryUsage";
        else if (!compare_usage_pairs(e, table, &use))
                failed = "DeviceUsagePairs";
        else if (!compare_device_usage(e, table, &use))
                failed = value_dict_get(table, "DeviceUsagePage") || value_dict_get(table, "DeviceUsage")
                                 ? "DeviceUsagePage"
                                 : "DeviceUsagePairs";
        else if (!compare(e, table, "BootProtocol", &none, 0))
                failed = "BootProtocol";
        else if (value_dict_get(table, "HIDDefaultBehavior") && !entry_get_property(e, "HIDDefaultBehavior"))
                failed = "HIDDefaultBehavior";
        if (failed) {
                *failed_key = failed;
                return false;
        }
        if (trans > 0)
                *score += trans + location;
        if (vendor > 0)
                *score += vendor + product + version;
        if (use > 0)
                *score += use + USAGE_BASE;
        else if (page > 0)
                *score += page + primary;
        return true;
}
