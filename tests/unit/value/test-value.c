/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-value.c: typed property values (value.c) and the symbol table that
 * interns dictionary keys (symbol.c). Every test ends with the symbol table
 * empty again, so a leaked key anywhere shows up as a failure here and not
 * only under a leak checker.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "symbol.h"
#include "value.h"

/* Every test starts and must end with no interned symbol alive. */
static int setup_symbols(void **state) {
        return symbol_table_size() == 0 ? 0 : -1;
}

static int teardown_symbols(void **state) {
        if (symbol_table_size() != 0) {
                print_error("%zu symbols still interned after the test\n", symbol_table_size());
                return -1;
        }
        return 0;
}

static Value *dict_of_numbers(const char *const *keys, size_t n, unsigned bits) {
        Value *d = value_new_dictionary();

        assert_non_null(d);
        for (size_t i = 0; i < n; i++)
                assert_int_equal(value_dict_set_take(d, keys[i], value_new_unsigned(i, bits)), 0);
        return d;
}

/* --- constructors --- */

static void test_string_constructors(void **state) {
        _cleanup_value_ Value *s = value_new_string("hello"), *slice = value_new_string_len("abcdef", 3),
                              *empty = value_new_string("");
        size_t len = 99;

        assert_non_null(s);
        assert_int_equal(value_type(s), VALUE_STRING);
        assert_string_equal(value_string(s, &len), "hello");
        assert_int_equal(len, 5);

        assert_string_equal(value_string(slice, &len), "abc");
        assert_int_equal(len, 3);

        assert_string_equal(value_string(empty, &len), "");
        assert_int_equal(len, 0);

        assert_null(value_new_string(NULL));
        /* A string has no other face. */
        assert_null(value_data(s, NULL));
        assert_int_equal(value_unsigned(s), 0);
        assert_false(value_boolean(s));
        assert_int_equal(value_array_size(s), 0);
        assert_int_equal(value_dict_size(s), 0);
        assert_null(value_dict_get(s, "hello"));
}

static void test_data_and_boolean_constructors(void **state) {
        static const uint8_t bytes[] = { 0x00, 0x01, 0xff, 0x00, 0x7f };
        _cleanup_value_ Value *d = value_new_data(bytes, sizeof(bytes)), *none = value_new_data(NULL, 0),
                              *t = value_new_boolean(true), *f = value_new_boolean(false);
        size_t len = 99;

        assert_int_equal(value_type(d), VALUE_DATA);
        assert_memory_equal(value_data(d, &len), bytes, sizeof(bytes));
        assert_int_equal(len, sizeof(bytes));
        assert_null(value_string(d, NULL));

        assert_non_null(none);
        assert_non_null(value_data(none, &len));
        assert_int_equal(len, 0);

        assert_int_equal(value_type(t), VALUE_BOOLEAN);
        assert_true(value_boolean(t));
        assert_false(value_boolean(f));
        assert_false(value_number_is_signed(t));
        assert_int_equal(value_number_bits(t), 0);
}

static void test_container_constructors(void **state) {
        _cleanup_value_ Value *a = value_new_array(), *d = value_new_dictionary();

        assert_int_equal(value_type(a), VALUE_ARRAY);
        assert_int_equal(value_array_size(a), 0);
        assert_null(value_array_get(a, 0));
        assert_int_equal(value_type(d), VALUE_DICTIONARY);
        assert_int_equal(value_dict_size(d), 0);
        assert_null(value_dict_get(d, "missing"));
        assert_null(value_dict_key_at(d, 0));
        assert_null(value_dict_value_at(d, 0));
}

static void test_type_names(void **state) {
        assert_int_equal(value_type(NULL), _VALUE_TYPE_INVALID);
        assert_string_equal(value_type_to_string(VALUE_STRING), "string");
        assert_string_equal(value_type_to_string(VALUE_NUMBER), "number");
        assert_string_equal(value_type_to_string(VALUE_BOOLEAN), "boolean");
        assert_string_equal(value_type_to_string(VALUE_DATA), "data");
        assert_string_equal(value_type_to_string(VALUE_ARRAY), "array");
        assert_string_equal(value_type_to_string(VALUE_DICTIONARY), "dictionary");
        assert_null(value_type_to_string(_VALUE_TYPE_MAX));
        assert_null(value_type_to_string(_VALUE_TYPE_INVALID));
}

/* --- numbers --- */

typedef struct NumberCase {
        bool is_signed;
        uint64_t in;    /* the argument, as bits (int64_t for signed constructors) */
        unsigned bits;  /* the width asked for */
        unsigned width; /* the width kept: 8, 16, 32 or 64 */
        uint64_t u;     /* value_unsigned() */
        int64_t s;      /* value_signed() */
} NumberCase;

static void test_number_widths(void **state) {
        static const NumberCase cases[] = {
                /* Signed values are stored sign-extended, truncated to their width first. */
                { true, (uint64_t) -1, 8, 8, UINT64_MAX, -1 },
                { true, 127, 8, 8, 127, 127 },
                { true, 128, 8, 8, (uint64_t) -128, -128 },
                { true, 200, 8, 8, (uint64_t) -56, -56 },
                { true, (uint64_t) -129, 8, 8, 127, 127 },
                { true, 0x8000, 16, 16, (uint64_t) -32768, -32768 },
                { true, (uint64_t) -2, 32, 32, (uint64_t) -2, -2 },
                { true, 0x80000000, 32, 32, (uint64_t) INT32_MIN, INT32_MIN },
                { true, (uint64_t) INT64_MIN, 64, 64, (uint64_t) INT64_MIN, INT64_MIN },
                /* Unsigned values are masked to their width. */
                { false, 0x1ff, 8, 8, 0xff, 0xff },
                { false, 0x12345678, 16, 16, 0x5678, 0x5678 },
                { false, 0x1234567890, 32, 32, 0x34567890, 0x34567890 },
                { false, UINT64_MAX, 64, 64, UINT64_MAX, -1 },
                /* Odd widths round up to the next supported one; 0 means 8. */
                { false, 7, 0, 8, 7, 7 },
                { false, 0xfff, 12, 16, 0xfff, 0xfff },
                { false, 1, 33, 64, 1, 1 },
                { true, (uint64_t) -3, 24, 32, (uint64_t) -3, -3 },
                { false, 0x1ffff, 99, 64, 0x1ffff, 0x1ffff },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                const NumberCase *c = &cases[i];
                _cleanup_value_ Value *v = c->is_signed ? value_new_signed((int64_t) c->in, c->bits)
                                                        : value_new_unsigned(c->in, c->bits);

                assert_non_null(v);
                assert_int_equal(value_type(v), VALUE_NUMBER);
                if (value_number_is_signed(v) != c->is_signed || value_number_bits(v) != c->width ||
                    value_unsigned(v) != c->u || value_signed(v) != c->s)
                        fail_msg("case %zu (%s 0x%llx, %u bits): %s %u bits, 0x%llx / %lld", i,
                                 c->is_signed ? "signed" : "unsigned", (unsigned long long) c->in, c->bits,
                                 value_number_is_signed(v) ? "signed" : "unsigned", value_number_bits(v),
                                 (unsigned long long) value_unsigned(v), (long long) value_signed(v));
        }
}

typedef struct EqualityCase {
        Value *a, *b; /* owned */
        bool equal;
} EqualityCase;

static void check_equality_cases(EqualityCase *cases, size_t n) {
        for (size_t i = 0; i < n; i++) {
                assert_non_null(cases[i].a);
                assert_non_null(cases[i].b);
                /* Equality is symmetric. */
                if (value_equal(cases[i].a, cases[i].b) != cases[i].equal ||
                    value_equal(cases[i].b, cases[i].a) != cases[i].equal)
                        fail_msg("case %zu: expected %s", i, cases[i].equal ? "equal" : "different");
        }
        for (size_t i = 0; i < n; i++) {
                value_unref(cases[i].a);
                value_unref(cases[i].b);
        }
}

static void test_number_equality(void **state) {
        EqualityCase cases[] = {
                /* By value, whatever the width. */
                { value_new_unsigned(5, 8), value_new_signed(5, 32), true },
                { value_new_unsigned(0x100, 16), value_new_unsigned(0x100, 64), true },
                { value_new_signed(-1, 8), value_new_signed(-1, 64), true },
                { value_new_signed(0, 8), value_new_unsigned(0, 64), true },
                { value_new_signed(INT64_MAX, 64), value_new_unsigned(INT64_MAX, 64), true },
                /* -1 is not 0xffffffffffffffff, nor 0xff. */
                { value_new_signed(-1, 64), value_new_unsigned(UINT64_MAX, 64), false },
                { value_new_signed(-1, 8), value_new_unsigned(0xff, 8), false },
                { value_new_signed(-128, 8), value_new_unsigned(0x80, 8), false },
                { value_new_unsigned(1, 32), value_new_unsigned(2, 32), false },
                /* Numbers never equal other types. */
                { value_new_unsigned(1, 8), value_new_boolean(true), false },
                { value_new_unsigned(0x31, 8), value_new_string("1"), false },
                { value_new_unsigned(0, 8), value_new_data("\0", 1), false },
        };

        check_equality_cases(cases, ELEMENTSOF(cases));
}

static void test_string_data_equality(void **state) {
        EqualityCase cases[] = {
                /* Apple's rule: a string equals data with the same bytes. */
                { value_new_string("abc"), value_new_data("abc", 3), true },
                { value_new_string(""), value_new_data(NULL, 0), true },
                { value_new_string("abc"), value_new_data("abc\0", 4), false },
                { value_new_string("abc"), value_new_data("abd", 3), false },
                { value_new_string("abc"), value_new_string("abc"), true },
                { value_new_string("abc"), value_new_string("abcd"), false },
                { value_new_string("abc"), value_new_string("ABC"), false },
                { value_new_data("a\0b", 3), value_new_data("a\0b", 3), true },
                { value_new_data("a\0b", 3), value_new_data("a\0c", 3), false },
                { value_new_boolean(true), value_new_boolean(true), true },
                { value_new_boolean(true), value_new_boolean(false), false },
                { value_new_boolean(false), value_new_string(""), false },
        };

        check_equality_cases(cases, ELEMENTSOF(cases));
        assert_true(value_equal(NULL, NULL));
        {
                _cleanup_value_ Value *s = value_new_string("x");

                assert_false(value_equal(s, NULL));
                assert_false(value_equal(NULL, s));
                assert_true(value_equal(s, s));
        }
}

/* [1, "two", [3, {"k": 4}]] with the numbers in the given width. */
static Value *nested_array(unsigned bits, const char *two, uint64_t four) {
        Value *a = value_new_array(), *inner = value_new_array(), *d = value_new_dictionary();

        assert_int_equal(value_dict_set_take(d, "k", value_new_unsigned(four, bits)), 0);
        assert_int_equal(value_array_append_take(inner, value_new_unsigned(3, bits)), 0);
        assert_int_equal(value_array_append_take(inner, d), 0);
        assert_int_equal(value_array_append_take(a, value_new_unsigned(1, bits)), 0);
        assert_int_equal(value_array_append_take(a, value_new_string(two)), 0);
        assert_int_equal(value_array_append_take(a, inner), 0);
        return a;
}

static void test_array_equality(void **state) {
        _cleanup_value_ Value *a = nested_array(8, "two", 4), *b = nested_array(64, "two", 4),
                              *deep_differs = nested_array(8, "two", 5),
                              *string_differs = nested_array(8, "tw0", 4),
                              *longer = nested_array(8, "two", 4), *reordered = value_new_array(),
                              *empty1 = value_new_array(), *empty2 = value_new_array();

        assert_int_equal(value_array_size(a), 3);
        assert_int_equal(value_unsigned(value_array_get(a, 0)), 1);
        assert_string_equal(value_string(value_array_get(a, 1), NULL), "two");
        assert_int_equal(value_array_size(value_array_get(a, 2)), 2);
        assert_null(value_array_get(a, 3));

        assert_true(value_equal(a, b));             /* widths do not matter, deep down either */
        assert_false(value_equal(a, deep_differs)); /* a difference three levels down */
        assert_false(value_equal(a, string_differs));
        assert_int_equal(value_array_append_take(longer, value_new_boolean(false)), 0);
        assert_false(value_equal(a, longer));

        /* Arrays are ordered. */
        assert_int_equal(value_array_append(reordered, value_array_get(a, 1)), 0);
        assert_int_equal(value_array_append(reordered, value_array_get(a, 0)), 0);
        assert_int_equal(value_array_append(reordered, value_array_get(a, 2)), 0);
        assert_false(value_equal(a, reordered));

        assert_true(value_equal(empty1, empty2));
        assert_false(value_equal(empty1, a));
        {
                _cleanup_value_ Value *d = value_new_dictionary();

                assert_false(value_equal(empty1, d)); /* an empty array is not an empty dictionary */
        }
}

static void test_dictionary_equality(void **state) {
        _cleanup_value_ Value *a = value_new_dictionary(), *b = value_new_dictionary(),
                              *c = value_new_dictionary(), *sub_a = value_new_dictionary(),
                              *sub_b = value_new_dictionary();

        assert_int_equal(value_dict_set_take(sub_a, "x", value_new_string("1")), 0);
        assert_int_equal(value_dict_set_take(sub_a, "y", value_new_data("1", 1)), 0);
        assert_int_equal(value_dict_set_take(sub_b, "y", value_new_string("1")), 0);
        assert_int_equal(value_dict_set_take(sub_b, "x", value_new_data("1", 1)), 0);

        assert_int_equal(value_dict_set_take(a, "idVendor", value_new_unsigned(0x46d, 16)), 0);
        assert_int_equal(value_dict_set_take(a, "USB Product Name", value_new_string("C920")), 0);
        assert_int_equal(value_dict_set(a, "sub", sub_a), 0);

        /* The same content in another order and with other widths. */
        assert_int_equal(value_dict_set(b, "sub", sub_b), 0);
        assert_int_equal(value_dict_set_take(b, "USB Product Name", value_new_string("C920")), 0);
        assert_int_equal(value_dict_set_take(b, "idVendor", value_new_signed(0x46d, 32)), 0);
        assert_true(value_equal(a, b));
        assert_string_equal(value_dict_key_at(a, 0), "idVendor");
        assert_string_equal(value_dict_key_at(b, 0), "sub");

        /* A missing key, an extra key, a different value. */
        assert_int_equal(value_dict_set_take(c, "idVendor", value_new_unsigned(0x46d, 16)), 0);
        assert_int_equal(value_dict_set_take(c, "USB Product Name", value_new_string("C920")), 0);
        assert_false(value_equal(a, c));
        assert_int_equal(value_dict_set(c, "sub", sub_a), 0);
        assert_true(value_equal(a, c));
        assert_int_equal(value_dict_set_take(c, "extra", value_new_boolean(true)), 0);
        assert_false(value_equal(a, c));
        assert_int_equal(value_dict_remove(c, "extra"), 1);
        assert_true(value_equal(a, c));
        assert_int_equal(value_dict_set_take(sub_b, "x", value_new_data("2", 1)), 0);
        assert_false(value_equal(a, b)); /* the nested dictionary changed */
}

static void test_dictionary_subset(void **state) {
        _cleanup_value_ Value *super = value_new_dictionary(), *sub = value_new_dictionary(),
                              *empty = value_new_dictionary(), *array = value_new_array(), *nested = NULL;

        assert_int_equal(value_dict_set_take(super, "idVendor", value_new_unsigned(0x1a86, 16)), 0);
        assert_int_equal(value_dict_set_take(super, "idProduct", value_new_unsigned(0x7523, 16)), 0);
        assert_int_equal(value_dict_set_take(super, "kUSBProductString", value_new_string("USB2.0-Serial")),
                         0);

        assert_true(value_dict_is_subset(empty, super));
        assert_true(value_dict_is_subset(empty, empty));
        assert_true(value_dict_is_subset(super, super));

        /* IOPropertyMatch-style: a width other than the entry's still matches. */
        assert_int_equal(value_dict_set_take(sub, "idProduct", value_new_unsigned(0x7523, 32)), 0);
        assert_true(value_dict_is_subset(sub, super));
        assert_false(value_dict_is_subset(super, sub));
        assert_int_equal(value_dict_set_take(sub, "kUSBProductString", value_new_data("USB2.0-Serial", 13)),
                         0);
        assert_true(value_dict_is_subset(sub, super));

        assert_int_equal(value_dict_set_take(sub, "idProduct", value_new_unsigned(0x7524, 16)), 0);
        assert_false(value_dict_is_subset(sub, super));
        assert_int_equal(value_dict_set_take(sub, "idProduct", value_new_unsigned(0x7523, 16)), 0);
        assert_int_equal(value_dict_set_take(sub, "bcdDevice", value_new_unsigned(0x264, 16)), 0);
        assert_false(value_dict_is_subset(sub, super)); /* a key super lacks */

        /* Nested dictionaries compare fully, not as subsets. */
        nested = value_new_dictionary();
        assert_int_equal(value_dict_set(nested, "inner", empty), 0);
        assert_false(value_dict_is_subset(nested, super));
        assert_int_equal(value_dict_set(super, "inner", empty), 0);
        assert_true(value_dict_is_subset(nested, super));

        assert_false(value_dict_is_subset(array, super));
        assert_false(value_dict_is_subset(empty, array));
        assert_false(value_dict_is_subset(NULL, super));
        assert_false(value_dict_is_subset(empty, NULL));
}

/* --- dictionaries: order, replacement, removal, the hash index --- */

static void assert_keys(const Value *d, const char *const *keys, size_t n) {
        assert_int_equal(value_dict_size(d), n);
        for (size_t i = 0; i < n; i++)
                assert_string_equal(value_dict_key_at(d, i), keys[i]);
        assert_null(value_dict_key_at(d, n));
}

static void test_dictionary_order(void **state) {
        _cleanup_value_ Value *d = value_new_dictionary();
        static const char *const inserted[] = { "IOClass", "IOProviderClass", "idVendor", "IOProbeScore" };
        static const char *const removed[] = { "IOClass", "idVendor", "IOProbeScore" };
        Value *v;

        for (size_t i = 0; i < ELEMENTSOF(inserted); i++)
                assert_int_equal(value_dict_set_take(d, inserted[i], value_new_unsigned(i, 32)), 0);
        assert_keys(d, inserted, ELEMENTSOF(inserted));

        /* Replacing keeps the position. */
        assert_int_equal(value_dict_set_take(d, "IOProviderClass", value_new_string("IOUSBHostDevice")), 0);
        assert_keys(d, inserted, ELEMENTSOF(inserted));
        v = value_dict_get(d, "IOProviderClass");
        assert_string_equal(value_string(v, NULL), "IOUSBHostDevice");
        assert_ptr_equal(value_dict_value_at(d, 1), v);

        /* Removing keeps the order of the rest. */
        assert_int_equal(value_dict_remove(d, "IOProviderClass"), 1);
        assert_keys(d, removed, ELEMENTSOF(removed));
        assert_null(value_dict_get(d, "IOProviderClass"));
        assert_int_equal(value_dict_remove(d, "IOProviderClass"), 0);
        assert_int_equal(value_dict_remove(d, "never-seen-anywhere"), 0);
        assert_int_equal(value_unsigned(value_dict_get(d, "IOProbeScore")), 3);

        /* Re-adding appends. */
        assert_int_equal(value_dict_set_take(d, "IOProviderClass", value_new_string("again")), 0);
        assert_string_equal(value_dict_key_at(d, 3), "IOProviderClass");

        assert_int_equal(value_dict_remove(NULL, "x"), -EINVAL);
        assert_int_equal(value_dict_remove(d, NULL), -EINVAL);
}

/* Fills d with n keys "key-<i>" → i, checking order and lookups as it grows. */
static void fill_numbered(Value *d, unsigned n) {
        char key[32];

        for (unsigned i = 0; i < n; i++) {
                snprintf(key, sizeof(key), "key-%u", i);
                assert_int_equal(value_dict_set_take(d, key, value_new_unsigned(i, 32)), 0);
                assert_int_equal(value_dict_size(d), i + 1);
                assert_int_equal(value_unsigned(value_dict_get(d, key)), i);
        }
}

static void check_numbered(const Value *d, unsigned n, unsigned removed_every) {
        char key[32];
        unsigned pos = 0;

        for (unsigned i = 0; i < n; i++) {
                bool gone = removed_every && i % removed_every == 0;
                Value *v;

                snprintf(key, sizeof(key), "key-%u", i);
                v = value_dict_get(d, key);
                if (gone) {
                        assert_null(v);
                        continue;
                }
                assert_non_null(v);
                assert_int_equal(value_unsigned(v), i);
                assert_string_equal(value_dict_key_at(d, pos), key);
                assert_ptr_equal(value_dict_value_at(d, pos), v);
                pos++;
        }
        assert_int_equal(value_dict_size(d), pos);
}

static void check_large_dictionary(unsigned n) {
        _cleanup_value_ Value *d = value_new_dictionary(), *other = value_new_string("x"),
                              *holder = value_new_dictionary();
        char key[32];

        fill_numbered(d, n);
        check_numbered(d, n, 0);
        /* A key interned elsewhere but absent here, and one never interned. */
        assert_int_equal(value_dict_set(holder, "elsewhere", other), 0);
        assert_null(value_dict_get(d, "elsewhere"));
        assert_null(value_dict_get(d, "nowhere"));
        snprintf(key, sizeof(key), "key-%u", n);
        assert_null(value_dict_get(d, key));

        /* Replacing in the middle keeps the position, also with the index. */
        snprintf(key, sizeof(key), "key-%u", n / 2);
        assert_int_equal(value_dict_set_take(d, key, value_new_unsigned(n / 2, 16)), 0);
        assert_int_equal(value_number_bits(value_dict_get(d, key)), 16);
        assert_string_equal(value_dict_key_at(d, n / 2), key);
        check_numbered(d, n, 0);

        /* Removing every third key (key-0 first) keeps the rest in order and findable. */
        for (unsigned i = 0; i < n; i += 3) {
                snprintf(key, sizeof(key), "key-%u", i);
                assert_int_equal(value_dict_remove(d, key), 1);
                assert_int_equal(value_dict_remove(d, key), 0);
        }
        check_numbered(d, n, 3);

        /* Down to below the scan threshold and back up again. */
        while (value_dict_size(d) > 3) {
                const char *last = value_dict_key_at(d, value_dict_size(d) - 1);

                snprintf(key, sizeof(key), "%s", last);
                assert_int_equal(value_dict_remove(d, key), 1);
                assert_null(value_dict_get(d, key));
        }
        assert_string_equal(value_dict_key_at(d, 0), "key-1");
        assert_string_equal(value_dict_key_at(d, 1), "key-2");
        assert_string_equal(value_dict_key_at(d, 2), "key-4");
        assert_int_equal(value_unsigned(value_dict_get(d, "key-4")), 4);
        for (unsigned i = 0; i < 20; i++) {
                snprintf(key, sizeof(key), "more-%u", i);
                assert_int_equal(value_dict_set_take(d, key, value_new_unsigned(1000 + i, 32)), 0);
        }
        for (unsigned i = 0; i < 20; i++) {
                snprintf(key, sizeof(key), "more-%u", i);
                assert_int_equal(value_unsigned(value_dict_get(d, key)), 1000 + i);
                assert_string_equal(value_dict_key_at(d, 3 + i), key);
        }
        assert_int_equal(value_unsigned(value_dict_get(d, "key-2")), 2);
}

static void test_dictionary_above_scan_threshold(void **state) {
        check_large_dictionary(9);
        check_large_dictionary(17);
}

static void test_dictionary_thousands_of_keys(void **state) {
        check_large_dictionary(1500);
}

/* --- copies, references, the *_take functions --- */

static void test_copy_is_deep(void **state) {
        _cleanup_value_ Value *orig = value_new_dictionary(), *copy = NULL, *list = value_new_array(),
                              *inner = value_new_dictionary(), *name = value_new_string("Root Hub");
        Value *list_copy, *inner_copy;

        assert_int_equal(value_dict_set(inner, "name", name), 0);
        assert_int_equal(value_array_append(list, inner), 0);
        assert_int_equal(value_array_append_take(list, value_new_unsigned(7, 8)), 0);
        assert_int_equal(value_dict_set(orig, "list", list), 0);
        assert_int_equal(value_dict_set_take(orig, "flag", value_new_boolean(true)), 0);

        copy = value_copy(orig);
        assert_non_null(copy);
        assert_ptr_not_equal(copy, orig);
        assert_true(value_equal(orig, copy));
        assert_string_equal(value_dict_key_at(copy, 0), "list");
        assert_string_equal(value_dict_key_at(copy, 1), "flag");

        /* Containers are new at every level; scalars are shared. */
        list_copy = value_dict_get(copy, "list");
        assert_ptr_not_equal(list_copy, list);
        inner_copy = value_array_get(list_copy, 0);
        assert_ptr_not_equal(inner_copy, inner);
        assert_ptr_equal(value_dict_get(inner_copy, "name"), name);

        /* Changing the original, deep down, leaves the copy alone. */
        assert_int_equal(value_array_append_take(list, value_new_string("more")), 0);
        assert_int_equal(value_dict_set_take(inner, "name", value_new_string("changed")), 0);
        assert_int_equal(value_dict_set_take(inner, "added", value_new_boolean(false)), 0);
        assert_false(value_equal(orig, copy));
        assert_int_equal(value_array_size(list_copy), 2);
        assert_int_equal(value_dict_size(inner_copy), 1);
        assert_string_equal(value_string(value_dict_get(inner_copy, "name"), NULL), "Root Hub");

        assert_null(value_copy(NULL));
        {
                _cleanup_value_ Value *s = value_copy(name);

                assert_ptr_equal(s, name); /* immutable scalars are shared, with a new reference */
        }
}

static void test_take_functions_consume(void **state) {
        _cleanup_value_ Value *d = value_new_dictionary(), *a = value_new_array(),
                              *s = value_new_string("kept");

        /* NULL stands for a failed constructor: -ENOMEM, nothing changes. */
        assert_int_equal(value_dict_set_take(d, "k", NULL), -ENOMEM);
        assert_int_equal(value_array_append_take(a, NULL), -ENOMEM);
        assert_int_equal(value_dict_size(d), 0);
        assert_int_equal(value_array_size(a), 0);
        assert_int_equal(value_dict_set(d, "k", NULL), -ENOMEM);
        assert_int_equal(value_array_append(a, NULL), -ENOMEM);

        /* Misuse is -EINVAL, and the value given is still consumed (the leak checker knows). */
        assert_int_equal(value_dict_set_take(a, "k", value_new_string("x")), -EINVAL);
        assert_int_equal(value_dict_set_take(d, NULL, value_new_string("x")), -EINVAL);
        assert_int_equal(value_dict_set_take(NULL, "k", value_new_string("x")), -EINVAL);
        assert_int_equal(value_array_append_take(d, value_new_string("x")), -EINVAL);
        assert_int_equal(value_array_append_take(NULL, value_new_string("x")), -EINVAL);
        assert_int_equal(value_dict_set(d, "self", d), -EINVAL);
        assert_int_equal(value_array_append(a, a), -EINVAL);
        assert_int_equal(value_dict_size(d), 0);
        assert_int_equal(value_array_size(a), 0);

        /* The non-taking forms leave the caller's reference alone. */
        assert_int_equal(value_dict_set(d, "k", s), 0);
        assert_int_equal(value_array_append(a, s), 0);
        assert_ptr_equal(value_dict_get(d, "k"), s);
        assert_ptr_equal(value_array_get(a, 0), s);
        /* Setting a key to the value it already holds. */
        assert_int_equal(value_dict_set(d, "k", value_dict_get(d, "k")), 0);
        assert_ptr_equal(value_dict_get(d, "k"), s);
        assert_string_equal(value_string(s, NULL), "kept");
}

static void test_references(void **state) {
        Value *v = value_new_string("shared"), *d = value_new_dictionary();

        assert_ptr_equal(value_ref(v), v);
        assert_null(value_unref(v)); /* one reference left */
        assert_string_equal(value_string(v, NULL), "shared");
        assert_int_equal(value_dict_set(d, "a", v), 0);
        assert_int_equal(value_dict_set(d, "b", v), 0);
        assert_null(value_unref(v));
        /* The dictionary holds it twice. */
        assert_string_equal(value_string(value_dict_get(d, "a"), NULL), "shared");
        assert_int_equal(value_dict_remove(d, "a"), 1);
        assert_string_equal(value_string(value_dict_get(d, "b"), NULL), "shared");
        assert_null(value_unref(d));
        assert_null(value_unref(NULL));
        assert_null(value_ref(NULL));
}

static void test_memory_size(void **state) {
        _cleanup_value_ Value *d = value_new_dictionary(), *s = value_new_string("0123456789"),
                              *big = value_new_dictionary();
        size_t empty, one;

        assert_int_equal(value_memory_size(NULL), 0);
        assert_true(value_memory_size(s) >= 11);
        empty = value_memory_size(d);
        assert_true(empty > 0);
        assert_int_equal(value_dict_set(d, "s", s), 0);
        one = value_memory_size(d);
        assert_true(one >= empty + value_memory_size(s));
        fill_numbered(big, 100);
        assert_true(value_memory_size(big) > empty + 100 * sizeof(void *));
}

/* --- symbols --- */

static void test_symbols_intern_and_release(void **state) {
        Symbol *a, *b, *c;

        assert_int_equal(symbol_table_size(), 0);
        assert_null(symbol_lookup("IOClass"));
        a = symbol_intern("IOClass");
        assert_non_null(a);
        assert_string_equal(a->str, "IOClass");
        assert_int_equal(a->len, 7);
        b = symbol_intern_len("IOClassXYZ", 7);
        assert_ptr_equal(a, b); /* equal strings are the same symbol */
        assert_ptr_equal(symbol_lookup("IOClass"), a);
        c = symbol_intern("IOProviderClass");
        assert_ptr_not_equal(a, c);
        assert_int_equal(symbol_table_size(), 2);

        /* Longer than the intern function's stack buffer. */
        {
                char big[300];
                Symbol *l1, *l2;

                memset(big, 'k', sizeof(big) - 1);
                big[sizeof(big) - 1] = '\0';
                l1 = symbol_intern(big);
                l2 = symbol_intern_len(big, strlen(big));
                assert_ptr_equal(l1, l2);
                assert_int_equal(l1->len, sizeof(big) - 1);
                assert_int_equal(symbol_table_size(), 3);
                symbol_unref(l1);
                symbol_unref(l2);
        }

        assert_null(symbol_unref(a));
        assert_ptr_equal(symbol_lookup("IOClass"), b); /* one reference left */
        assert_ptr_equal(symbol_ref(b), b);
        symbol_unref(b);
        symbol_unref(b);
        assert_null(symbol_lookup("IOClass"));
        assert_int_equal(symbol_table_size(), 1);
        symbol_unref(c);
        assert_int_equal(symbol_table_size(), 0);
        assert_null(symbol_unref(NULL));
        assert_null(symbol_ref(NULL));
}

static void test_symbol_table_returns_to_zero(void **state) {
        static const char *const keys[] = { "idVendor", "idProduct", "bcdDevice", "locationID", "IOClass" };
        Value *a = dict_of_numbers(keys, ELEMENTSOF(keys), 16), *b, *big = value_new_dictionary(), *list;

        assert_int_equal(symbol_table_size(), ELEMENTSOF(keys));
        /* The same keys in another dictionary share the symbols. */
        b = dict_of_numbers(keys, ELEMENTSOF(keys), 32);
        assert_int_equal(symbol_table_size(), ELEMENTSOF(keys));
        fill_numbered(big, 50);
        assert_int_equal(symbol_table_size(), ELEMENTSOF(keys) + 50);
        list = value_new_array();
        assert_int_equal(value_array_append_take(list, value_copy(a)), 0);
        assert_int_equal(value_array_append_take(list, value_copy(big)), 0);
        assert_int_equal(value_dict_set_take(b, "nested", list), 0);
        assert_int_equal(symbol_table_size(), ELEMENTSOF(keys) + 50 + 1);

        /* Symbols go as their last dictionary goes. */
        value_unref(a);
        assert_int_equal(symbol_table_size(), ELEMENTSOF(keys) + 50 + 1);
        value_unref(big);
        assert_int_equal(symbol_table_size(), ELEMENTSOF(keys) + 50 + 1); /* the copy inside b */
        assert_int_equal(value_dict_remove(b, "nested"), 1);
        assert_int_equal(symbol_table_size(), ELEMENTSOF(keys));
        for (size_t i = 0; i < ELEMENTSOF(keys); i++)
                assert_int_equal(value_dict_remove(b, keys[i]), 1);
        assert_int_equal(symbol_table_size(), 0);
        value_unref(b);
        assert_int_equal(symbol_table_size(), 0);

        /* And the table works again afterwards. */
        b = dict_of_numbers(keys, 2, 8);
        assert_int_equal(symbol_table_size(), 2);
        value_unref(b);
        assert_int_equal(symbol_table_size(), 0);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup_symbols, teardown_symbols)

int main(void) {
        const struct CMUnitTest tests[] = {
                T(test_string_constructors),
                T(test_data_and_boolean_constructors),
                T(test_container_constructors),
                T(test_type_names),
                T(test_number_widths),
                T(test_number_equality),
                T(test_string_data_equality),
                T(test_array_equality),
                T(test_dictionary_equality),
                T(test_dictionary_subset),
                T(test_dictionary_order),
                T(test_dictionary_above_scan_threshold),
                T(test_dictionary_thousands_of_keys),
                T(test_copy_is_deep),
                T(test_take_functions_consume),
                T(test_references),
                T(test_memory_size),
                T(test_symbols_intern_and_release),
                T(test_symbol_table_returns_to_zero),
        };

        return cmocka_run_group_tests_name("value", tests, NULL, NULL);
}
