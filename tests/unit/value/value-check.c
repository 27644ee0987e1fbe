/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * value-check.c: what the value and symbol tests (test-value*.c,
 * test-symbol.c) share: the check that every test starts and ends with the
 * symbol table empty, and dictionaries of numbers.
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

/* Every test starts and must end with no interned symbol alive. */
int setup_symbols(void **state) {
        return symbol_table_size() == 0 ? 0 : -1;
}

int teardown_symbols(void **state) {
        if (symbol_table_size() != 0) {
                print_error("%zu symbols still interned after the test\n", symbol_table_size());
                return -1;
        }
        return 0;
}

Value *dict_of_numbers(const char *const *keys, size_t n, unsigned bits) {
        Value *d = value_new_dictionary();

        assert_non_null(d);
        for (size_t i = 0; i < n; i++)
                assert_int_equal(value_dict_set_take(d, keys[i], value_new_unsigned(i, bits)), 0);
        return d;
}

/* Fills d with n keys "key-<i>" → i, checking order and lookups as it grows. */
void fill_numbered(Value *d, unsigned n) {
        char key[32];

        for (unsigned i = 0; i < n; i++) {
                snprintf(key, sizeof(key), "key-%u", i);
                assert_int_equal(value_dict_set_take(d, key, value_new_unsigned(i, 32)), 0);
                assert_int_equal(value_dict_size(d), i + 1);
                assert_int_equal(value_unsigned(value_dict_get(d, key)), i);
        }
}
