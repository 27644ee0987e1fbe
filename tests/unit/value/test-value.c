/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-value.c: typed property values (value.c): constructors, numbers and
 * their widths, equality and subsets. Every test ends with the symbol table
 * empty again (value-check.c).
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
#include "value-check.h"

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
        /* Checked for UTF-8 once (what the D-Bus edges send without looking again). */
        assert_true(value_string_is_utf8(s));
        assert_true(value_string_is_utf8(empty));
        {
                _cleanup_value_ Value *bad = value_new_string("a\xff"), *nul = value_new_string_len("a\0b", 3),
                                      *data = value_new_data("ok", 2);

                assert_false(value_string_is_utf8(bad));
                assert_false(value_string_is_utf8(nul)); /* D-Bus strings end at a NUL */
                assert_false(value_string_is_utf8(data));
                assert_false(value_string_is_utf8(NULL));
        }
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
                /* Both sides of what fits in a tagged pointer (value.c: 59 bits on 64-bit machines). */
                { false, (UINT64_C(1) << 59) - 1, 64, 64, (UINT64_C(1) << 59) - 1, (INT64_C(1) << 59) - 1 },
                { false, UINT64_C(1) << 59, 64, 64, UINT64_C(1) << 59, INT64_C(1) << 59 },
                { true, (uint64_t) -(INT64_C(1) << 58), 64, 64, (uint64_t) -(INT64_C(1) << 58), -(INT64_C(1) << 58) },
                { true, (uint64_t) (-(INT64_C(1) << 58) - 1), 64, 64, (uint64_t) (-(INT64_C(1) << 58) - 1),
                  -(INT64_C(1) << 58) - 1 },
                { true, (INT64_C(1) << 58) - 1, 64, 64, (INT64_C(1) << 58) - 1, (INT64_C(1) << 58) - 1 },
                { true, INT64_C(1) << 58, 64, 64, INT64_C(1) << 58, INT64_C(1) << 58 },
                { true, INT64_MAX, 64, 64, INT64_MAX, INT64_MAX },
                { false, 0, 64, 64, 0, 0 },
                { true, (uint64_t) INT32_MIN, 32, 32, (uint64_t) INT32_MIN, INT32_MIN },
                { false, UINT32_MAX, 32, 32, UINT32_MAX, UINT32_MAX },
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
                /* Whether kept in the pointer or on the heap (value.c), by value all the same. */
                { value_new_unsigned(UINT64_C(1) << 59, 64), value_new_signed(INT64_C(1) << 59, 64), true },
                { value_new_unsigned((UINT64_C(1) << 59) - 1, 64), value_new_unsigned(UINT64_C(1) << 59, 64), false },
                { value_new_signed(-(INT64_C(1) << 58) - 1, 64), value_new_signed(-(INT64_C(1) << 58), 64), false },
                { value_new_signed(INT64_MIN, 64), value_new_unsigned(UINT64_C(1) << 63, 64), false },
                { value_new_boolean(true), value_new_boolean(true), true },
                { value_new_boolean(false), value_new_boolean(true), false },
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
        };

        return cmocka_run_group_tests_name("value", tests, NULL, NULL);
}
