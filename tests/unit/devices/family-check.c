/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * family-check.c: what the family tests (test-families*.c) share: checks of
 * a nub description's properties, each with its exact type and width, and
 * devices built from tables of attributes and udev properties.
 */

#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "family-check.h"

void nub_done(NubDescription *n) {
        nub_description_done(n);
}

const Value *get_prop(const NubDescription *n, const char *key) {
        const Value *v = value_dict_get(n->properties, key);

        if (!v)
                fail_msg("property \"%s\" is missing", key);
        return v;
}

void check_unsigned(const NubDescription *n, const char *key, uint64_t expected, unsigned bits) {
        const Value *v = get_prop(n, key);

        if (value_type(v) != VALUE_NUMBER || value_number_is_signed(v))
                fail_msg("\"%s\" is a %s, not an unsigned number", key, value_type_to_string(value_type(v)));
        if (value_number_bits(v) != bits)
                fail_msg("\"%s\" has %u bits, expected %u", key, value_number_bits(v), bits);
        if (value_unsigned(v) != expected)
                fail_msg("\"%s\" = %" PRIu64 " (0x%" PRIx64 "), expected %" PRIu64 " (0x%" PRIx64 ")", key,
                         value_unsigned(v), value_unsigned(v), expected, expected);
}

void check_signed(const NubDescription *n, const char *key, int64_t expected, unsigned bits) {
        const Value *v = get_prop(n, key);

        if (value_type(v) != VALUE_NUMBER || !value_number_is_signed(v))
                fail_msg("\"%s\" is not a signed number", key);
        if (value_number_bits(v) != bits)
                fail_msg("\"%s\" has %u bits, expected %u", key, value_number_bits(v), bits);
        if (value_signed(v) != expected)
                fail_msg("\"%s\" = %" PRId64 ", expected %" PRId64, key, value_signed(v), expected);
}

void check_string(const NubDescription *n, const char *key, const char *expected) {
        const Value *v = get_prop(n, key);

        if (value_type(v) != VALUE_STRING)
                fail_msg("\"%s\" is a %s, not a string", key, value_type_to_string(value_type(v)));
        if (!streq(value_string(v, NULL), expected))
                fail_msg("\"%s\" = \"%s\", expected \"%s\"", key, value_string(v, NULL), expected);
}

void check_bool(const NubDescription *n, const char *key, bool expected) {
        const Value *v = get_prop(n, key);

        if (value_type(v) != VALUE_BOOLEAN)
                fail_msg("\"%s\" is a %s, not a boolean", key, value_type_to_string(value_type(v)));
        if (value_boolean(v) != expected)
                fail_msg("\"%s\" = %s, expected %s", key, value_boolean(v) ? "Yes" : "No",
                         expected ? "Yes" : "No");
}

void check_data(const NubDescription *n, const char *key, const void *expected, size_t len) {
        const Value *v = get_prop(n, key);
        const uint8_t *p;
        size_t got;

        if (value_type(v) != VALUE_DATA)
                fail_msg("\"%s\" is a %s, not data", key, value_type_to_string(value_type(v)));
        p = value_data(v, &got);
        if (got != len || memcmp(p, expected, len) != 0)
                fail_msg("\"%s\" has other bytes (%zu, expected %zu)", key, got, len);
}

void check_absent(const NubDescription *n, const char *key) {
        if (value_dict_get(n->properties, key))
                fail_msg("property \"%s\" should be absent", key);
}

void check_nub(const NubDescription *n, const char *class_name, const char *name,
               const char *location) {
        assert_string_equal(n->class_name, class_name);
        assert_string_equal(n->name, name);
        if (location)
                assert_string_equal(n->location, location);
        else if (n->location)
                fail_msg("location \"%s\", expected none", n->location);
}

void describe(const DeviceRecord *d, NubDescription *ret) {
        assert_non_null(d);
        assert_int_equal(family_describe_device(d, ret), 0);
        assert_non_null(ret->properties);
}

const Value *linux_dict(const NubDescription *n) {
        const Value *l = get_prop(n, "Linux");

        assert_int_equal(value_type(l), VALUE_DICTIONARY);
        return l;
}

void check_linux_string(const NubDescription *n, const char *key, const char *expected) {
        const Value *v = value_dict_get(linux_dict(n), key);

        if (!expected) {
                if (v)
                        fail_msg("Linux.%s should be absent", key);
                return;
        }
        if (!v || value_type(v) != VALUE_STRING || !streq(value_string(v, NULL), expected))
                fail_msg("Linux.%s is not \"%s\"", key, expected);
}

UmockdevRecording *load(const char *path) {
        UmockdevRecording *r = NULL;

        assert_int_equal(umockdev_load(path, &r), 0);
        assert_non_null(r);
        return r;
}

/* ------------------------------------------------------------------------- */
/* Devices built from tables */

static const char *table_lookup(const char *const *kv, const char *key) {
        for (; kv && kv[0]; kv += 2)
                if (streq(kv[0], key))
                        return kv[1];
        return NULL;
}

static const char *table_attr(const DeviceRecord *d, const char *name) {
        return table_lookup(((const TableDevice *) d->userdata)->attrs, name);
}

static const char *table_property(const DeviceRecord *d, const char *key) {
        return table_lookup(((const TableDevice *) d->userdata)->props, key);
}

static int table_foreach(const DeviceRecord *d, int (*fn)(const char *key, const char *value, void *ud),
                         void *ud) {
        const char *const *kv = ((const TableDevice *) d->userdata)->props;
        int r;

        for (; kv && kv[0]; kv += 2) {
                r = fn(kv[0], kv[1], ud);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* Fills in what a table leaves out: sysname, devpath and the callbacks. */
DeviceRecord *table_device(TableDevice *t, const DeviceRecord *parent) {
        DeviceRecord *d = &t->record;

        d->sysname = strrchr(d->syspath, '/') + 1;
        d->devpath = d->syspath + strlen("/sys");
        d->parent = parent;
        d->get_attr = table_attr;
        d->get_property = t->props ? table_property : NULL;
        d->foreach_property = t->props ? table_foreach : NULL;
        d->userdata = t;
        return d;
}
