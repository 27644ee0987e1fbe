/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-bus-blob.c: GetPlaneBlob's records (bus-blob.c writes, wire-blob.c reads):
 * an entry with every kind of value reads back as the JSON form of its Values
 * (what GetPlanePage gives through wire-json.c), root-only keys only for root,
 * bytes that are not UTF-8 repaired; and what is not a record is refused, at
 * every truncation, whatever the tag, count, string or nesting.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "bus-blob.h"
#include "registry.h"
#include "value-json.h"
#include "wire-blob.h"

typedef struct Fixture {
        Registry *reg; /* owned */
        Entry *e;      /* borrowed from reg */
} Fixture;

static int setup(void **state) {
        static const uint8_t bytes[] = { 0x00, 0xff, 0x10 };
        Fixture *f = calloc(1, sizeof(*f));
        _cleanup_value_ Value *dict = value_new_dictionary(), *array = value_new_array(), *inner = value_new_dictionary();

        assert_non_null(f);
        assert_int_equal(registry_new(&f->reg), 0);
        assert_int_equal(registry_create_entry(f->reg, "IOService", &f->e), 0);
        assert_int_equal(entry_attach(f->e, f->reg->root, f->reg->service_plane), 0);
        assert_int_equal(entry_set_name(f->e, NULL, "FT232R USB UART"), 0);
        assert_int_equal(entry_set_location(f->e, NULL, "14111100"), 0);
        assert_int_equal(value_dict_set_take(inner, "deep", value_new_boolean(false)), 0);
        assert_int_equal(value_array_append_take(array, value_new_signed(-5, 8)), 0);
        assert_int_equal(value_array_append_take(array, value_new_string("two")), 0);
        assert_int_equal(value_array_append(array, inner), 0);
        assert_int_equal(value_dict_set_take(dict, "MaxPowerState", value_new_unsigned(2, 32)), 0);
        assert_int_equal(value_dict_set_take(dict, "IOPlatformSerialNumber", value_new_string("nested: kept")), 0);
        assert_int_equal(entry_set_property_take(f->e, "idVendor", value_new_unsigned(0x403, 16)), 0);
        assert_int_equal(entry_set_property_take(f->e, "sessionID", value_new_unsigned(UINT64_MAX, 64)), 0);
        assert_int_equal(entry_set_property_take(f->e, "IOProbeScore", value_new_signed(INT64_MIN, 64)), 0);
        assert_int_equal(entry_set_property_take(f->e, "Removable", value_new_boolean(true)), 0);
        assert_int_equal(entry_set_property_take(f->e, "compatible", value_new_data(bytes, sizeof(bytes))), 0);
        assert_int_equal(entry_set_property_take(f->e, "empty", value_new_data(NULL, 0)), 0);
        assert_int_equal(entry_set_property_take(f->e, "USB Product Name", value_new_string("FT232R USB UART")), 0);
        assert_int_equal(entry_set_property_take(f->e, "caf\xc3\xa9", value_new_string("")), 0);
        assert_int_equal(entry_set_property(f->e, "IOPowerManagement", dict), 0);
        assert_int_equal(entry_set_property(f->e, "list", array), 0);
        assert_int_equal(entry_set_property_take(f->e, "IOPlatformSerialNumber", value_new_string("C02XYZ")), 0);
        *state = f;
        return 0;
}

static int teardown(void **state) {
        Fixture *f = *state;

        registry_free(f->reg);
        free(f);
        return 0;
}

/* e's record written and read back: one record, its JSON object. */
static json_t *round_trip(const Entry *e, bool omit, bool to_root, BusBlob *b) {
        json_t *a = json_array(), *record;

        assert_int_equal(bus_blob_put_record(b, e, e->registry->service_plane, 1, omit, 4242, to_root), 0);
        assert_int_equal(wire_blob_read_records(b->bytes, b->n, a), 0);
        assert_int_equal(json_array_size(a), 1);
        record = json_incref(json_array_get(a, 0));
        json_decref(a);
        return record;
}

static void test_record_fields(void **state) {
        Fixture *f = *state;
        _cleanup_(bus_blob_done) BusBlob b = {};
        json_auto_t *r = round_trip(f->e, false, true, &b), *want = value_to_json(f->e->properties);
        json_t *classes = json_object_get(r, "classes");

        assert_int_equal(json_integer_value(json_object_get(r, "id")), f->e->id);
        assert_int_equal(json_integer_value(json_object_get(r, "depth")), 1);
        assert_string_equal(json_string_value(json_object_get(r, "name")), "FT232R USB UART");
        assert_string_equal(json_string_value(json_object_get(r, "location")), "14111100");
        assert_int_equal(json_array_size(classes), 2);
        assert_string_equal(json_string_value(json_array_get(classes, 0)), "IOService");
        assert_string_equal(json_string_value(json_array_get(classes, 1)), "IORegistryEntry");
        assert_int_equal(json_integer_value(json_object_get(r, "state")), f->e->state);
        assert_int_equal(json_integer_value(json_object_get(r, "retain")), entry_retain_count(f->e));
        /* Every value as the JSON form has it, in the table's order, root-only keys included for root. */
        assert_true(json_equal(json_object_get(r, "properties"), want));
        assert_string_equal(json_object_iter_key(json_object_iter(json_object_get(r, "properties"))), "idVendor");
}

static void test_root_only_keys(void **state) {
        Fixture *f = *state;
        _cleanup_(bus_blob_done) BusBlob b = {};
        json_auto_t *r = round_trip(f->e, false, false, &b);
        json_t *props = json_object_get(r, "properties");

        assert_null(json_object_get(props, "IOPlatformSerialNumber"));
        assert_int_equal(json_object_size(props), value_dict_size(f->e->properties) - 1);
        /* Only the entry's own table is filtered (bus-restricted.h): a nested key is a value's business. */
        assert_non_null(json_object_get(json_object_get(props, "IOPowerManagement"), "IOPlatformSerialNumber"));
}

static void test_omitted_and_no_location(void **state) {
        Fixture *f = *state;
        _cleanup_(bus_blob_done) BusBlob b = {};
        json_auto_t *r = NULL;

        assert_int_equal(entry_set_location(f->e, NULL, NULL), 0);
        r = round_trip(f->e, true, true, &b);
        assert_null(json_object_get(r, "location")); /* as plane.c: none when "" */
        assert_int_equal(json_object_size(json_object_get(r, "properties")), 1);
        assert_int_equal(json_integer_value(json_object_get(json_object_get(r, "properties"), "IORegistryPropertiesOmitted")),
                         4242);
}

static void test_repaired_utf8(void **state) {
        Fixture *f = *state;
        _cleanup_(bus_blob_done) BusBlob b = {};
        json_auto_t *r = NULL;
        const char *s;

        assert_int_equal(entry_set_property_take(f->e, "bad", value_new_string("a\xff" "b")), 0);
        assert_int_equal(entry_set_property_take(f->e, "key\xff", value_new_string_len("cut\0here", 8)), 0);
        r = round_trip(f->e, false, true, &b);
        s = json_string_value(json_object_get(json_object_get(r, "properties"), "bad"));
        assert_non_null(s);
        assert_string_equal(s, "a\xef\xbf\xbd" "b"); /* U+FFFD, as bus-value.c sends it */
        /* A key repaired too; a string with a NUL inside ends there, as a C string on D-Bus. */
        s = json_string_value(json_object_get(json_object_get(r, "properties"), "key\xef\xbf\xbd"));
        assert_non_null(s);
        assert_string_equal(s, "cut");
}

/* Every prefix of a good record is refused, and so is each byte changed to a tag nothing knows. */
static void test_truncated_and_garbled(void **state) {
        Fixture *f = *state;
        _cleanup_(bus_blob_done) BusBlob b = {};
        json_auto_t *a = json_array();

        assert_int_equal(bus_blob_put_record(&b, f->e, f->reg->service_plane, 0, false, 0, true), 0);
        for (size_t n = 1; n < b.n; n++) {
                json_auto_t *part = json_array();

                if (wire_blob_read_records(b.bytes, n, part) != -EBADMSG)
                        fail_msg("a record cut at %zu of %zu bytes was read", n, b.n);
                assert_int_equal(json_array_size(part), 0);
        }
        for (size_t i = 0; i < b.n; i++) {
                json_auto_t *any = json_array();
                uint8_t saved = b.bytes[i];
                int r;

                b.bytes[i] = 0xfe;
                r = wire_blob_read_records(b.bytes, b.n, any);
                b.bytes[i] = saved;
                assert_true(r == 0 || r == -EBADMSG); /* a changed length or number may still read */
        }
        assert_int_equal(wire_blob_read_records(b.bytes, b.n, a), 0);
        assert_int_equal(wire_blob_read_records(NULL, 0, a), 0);
        assert_int_equal(wire_blob_read_records(NULL, 1, a), -EINVAL);
        assert_int_equal(wire_blob_read_records(b.bytes, b.n, NULL), -EINVAL);
}

/* A record around a hand-made property table. */
static size_t record_with(uint8_t *buf, const uint8_t *table, size_t n) {
        static const uint8_t head[] = {
                1, 0, 0, 0, 0, 0, 0, 0, /* id */
                0, 0, 0, 0,             /* depth */
                1, 0, 0, 0, 'R',        /* name */
                0, 0, 0, 0,             /* location */
                0, 0, 0, 0,             /* no classes */
                0, 0, 0, 0, 0, 0, 0, 0, /* state, busy */
                0, 0, 0, 0, 0, 0, 0, 0, /* busy time */
                1, 0, 0, 0,             /* retain */
        };

        memcpy(buf, head, sizeof(head));
        memcpy(buf + sizeof(head), table, n);
        return sizeof(head) + n;
}

static int read_table(const uint8_t *table, size_t n) {
        json_auto_t *a = json_array();
        uint8_t buf[4096];

        assert_true(n + 64 < sizeof(buf));
        return wire_blob_read_records(buf, record_with(buf, table, n), a);
}

static void test_bad_tables(void **state) {
        static const uint8_t empty[] = { 'o', 0, 0, 0, 0 };
        static const uint8_t not_a_dict[] = { 'a', 0, 0, 0, 0 };
        static const uint8_t bad_tag[] = { 'o', 1, 0, 0, 0, 1, 0, 0, 0, 'k', 'x', 0 };
        static const uint8_t bad_utf8[] = { 'o', 1, 0, 0, 0, 1, 0, 0, 0, 'k', 's', 1, 0, 0, 0, 0xff };
        static const uint8_t nul[] = { 'o', 1, 0, 0, 0, 1, 0, 0, 0, 'k', 's', 2, 0, 0, 0, 'a', 0 };
        static const uint8_t bad_bool[] = { 'o', 1, 0, 0, 0, 1, 0, 0, 0, 'k', 'b', 2 };
        static const uint8_t huge_count[] = { 'o', 0xff, 0xff, 0xff, 0xff, 1, 0, 0, 0, 'k', 'b', 1 };
        static const uint8_t huge_data[] = { 'o', 1, 0, 0, 0, 1, 0, 0, 0, 'k', 'd', 0xff, 0xff, 0xff, 0xff, 1 };
        uint8_t deep[256];
        size_t n = 0;

        assert_int_equal(read_table(empty, sizeof(empty)), 0);
        assert_int_equal(read_table(not_a_dict, sizeof(not_a_dict)), -EBADMSG);
        assert_int_equal(read_table(bad_tag, sizeof(bad_tag)), -EBADMSG);
        assert_int_equal(read_table(bad_utf8, sizeof(bad_utf8)), -EBADMSG);
        assert_int_equal(read_table(nul, sizeof(nul)), -EBADMSG);
        assert_int_equal(read_table(bad_bool, sizeof(bad_bool)), -EBADMSG);
        assert_int_equal(read_table(huge_count, sizeof(huge_count)), -EBADMSG);
        assert_int_equal(read_table(huge_data, sizeof(huge_data)), -EBADMSG);

        /* The table and 15 arrays in it read (VALUE_MAX_NESTING); one more does not. */
        for (unsigned depth = 15; depth <= 16; depth++) {
                n = 0;
                deep[n++] = 'o';
                memcpy(deep + n, (const uint8_t[]) { 1, 0, 0, 0, 1, 0, 0, 0, 'k' }, 9);
                n += 9;
                for (unsigned i = 0; i < depth; i++) {
                        memcpy(deep + n, (const uint8_t[]) { 'a', i + 1 < depth ? 1 : 0, 0, 0, 0 }, 5);
                        n += 5;
                }
                assert_int_equal(read_table(deep, n), depth == 15 ? 0 : -EBADMSG);
        }
}

int main(void) {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
        const struct CMUnitTest tests[] = {
                T(test_record_fields),
                T(test_root_only_keys),
                T(test_omitted_and_no_location),
                T(test_repaired_utf8),
                T(test_truncated_and_garbled),
                T(test_bad_tables),
        };

        return cmocka_run_group_tests_name("bus-blob", tests, NULL, NULL);
}
