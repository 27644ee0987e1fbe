/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-value-dictionary.c: dictionaries of values (value.c): order,
 * replacement, removal and the hash index. Every test ends with the symbol
 * table empty again (value-check.c).
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
        /* 40 more: past the scan threshold (32, value.c) again. */
        for (unsigned i = 0; i < 40; i++) {
                snprintf(key, sizeof(key), "more-%u", i);
                assert_int_equal(value_dict_set_take(d, key, value_new_unsigned(1000 + i, 32)), 0);
        }
        for (unsigned i = 0; i < 40; i++) {
                snprintf(key, sizeof(key), "more-%u", i);
                assert_int_equal(value_unsigned(value_dict_get(d, key)), 1000 + i);
                assert_string_equal(value_dict_key_at(d, 3 + i), key);
        }
        assert_int_equal(value_unsigned(value_dict_get(d, "key-2")), 2);
}

static void test_dictionary_above_scan_threshold(void **state) {
        check_large_dictionary(9);
        check_large_dictionary(17);
        check_large_dictionary(33); /* value.c scans up to 32 keys, then indexes */
        check_large_dictionary(70);
        check_large_dictionary(300); /* an index of more than 256 slots: four-byte slots */
}

static void test_dictionary_thousands_of_keys(void **state) {
        check_large_dictionary(1500);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                T(test_dictionary_order),
                T(test_dictionary_above_scan_threshold),
                T(test_dictionary_thousands_of_keys),
        };

        return cmocka_run_group_tests_name("value-dictionary", tests, NULL, NULL);
}
