/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * value-check.h: what the value and symbol tests (test-value*.c,
 * test-symbol.c) share. Every test ends with the symbol table empty again,
 * so a leaked key anywhere shows up as a failure and not only under a leak
 * checker.
 */
#pragma once

#include <stddef.h>

#include "value.h"

/* Every test starts and must end with no interned symbol alive. */
int setup_symbols(void **state);
int teardown_symbols(void **state);

#define T(f) cmocka_unit_test_setup_teardown(f, setup_symbols, teardown_symbols)

/* A dictionary keys[i] = i, numbers of that width; owned by the caller. */
Value *dict_of_numbers(const char *const *keys, size_t n, unsigned bits);
/* Fills d with n keys "key-<i>" → i, checking order and lookups as it grows. */
void fill_numbered(Value *d, unsigned n);
