/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-symbol.c: the symbol table that interns dictionary keys
 * (symbol.c). Every test ends with the symbol
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

static void test_symbols_intern_and_release(void **state) {
        Symbol *a, *b, *c;

        assert_int_equal(symbol_table_size(), 0);
        assert_null(symbol_lookup("IOClass"));
        a = symbol_intern("IOClass");
        assert_non_null(a);
        assert_string_equal(a->str, "IOClass");
        assert_int_equal(a->len, 7);
        assert_true(a->utf8);
        {
                Symbol *bad = symbol_intern("caf\xe9");

                assert_false(bad->utf8); /* Latin-1, not UTF-8: bus-blob.c repairs it */
                symbol_unref(bad);
        }
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

int main(void) {
        const struct CMUnitTest tests[] = {
                T(test_symbols_intern_and_release),
                T(test_symbol_table_returns_to_zero),
        };

        return cmocka_run_group_tests_name("symbol", tests, NULL, NULL);
}
