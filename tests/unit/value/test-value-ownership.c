/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-value-ownership.c: who owns a value (value.c): deep copies,
 * references, the *_take functions, the memory a value holds. Every test ends
 * with the symbol table empty again (value-check.c).
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

/* Numbers and booleans kept in the pointer (value.c) behave as counted objects do. */
static void test_immediate_scalars(void **state) {
        Value *n = value_new_unsigned(0x1234, 16), *big = value_new_unsigned(UINT64_MAX, 64),
              *t = value_new_boolean(true), *d = value_new_dictionary(), *a = value_new_array(), *c;

        assert_ptr_equal(value_ref(n), n);
        assert_null(value_unref(n));
        assert_int_equal(value_unsigned(n), 0x1234);
        assert_int_equal(value_memory_size(n), 0);        /* no heap */
        assert_int_equal(value_memory_size(t), 0);
        assert_true(value_memory_size(big) >= 8);         /* too wide: on the heap */
        assert_int_equal(value_dict_set(d, "n", n), 0);
        assert_int_equal(value_dict_set(d, "big", big), 0);
        assert_int_equal(value_dict_set_take(d, "t", t), 0);
        assert_int_equal(value_array_append(a, n), 0);
        assert_int_equal(value_array_append_take(a, value_new_signed(-7, 8)), 0);
        c = value_copy(d);
        assert_true(value_equal(c, d));
        assert_int_equal(value_hash(c), value_hash(d));
        assert_int_equal(value_unsigned(value_dict_get(c, "n")), 0x1234);
        assert_int_equal(value_number_bits(value_dict_get(c, "n")), 16);
        assert_true(value_boolean(value_dict_get(c, "t")));
        assert_int_equal(value_signed(value_array_get(a, 1)), -7);
        assert_true(value_number_is_signed(value_array_get(a, 1)));
        assert_int_equal(value_dict_remove(c, "n"), 1);
        assert_int_equal(value_unsigned(value_dict_get(d, "n")), 0x1234);
        value_unref(c);
        value_unref(a);
        value_unref(d);
        value_unref(big);
        value_unref(n);
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

int main(void) {
        const struct CMUnitTest tests[] = {
                T(test_copy_is_deep),
                T(test_take_functions_consume),
                T(test_references),
                T(test_immediate_scalars),
                T(test_memory_size),
        };

        return cmocka_run_group_tests_name("value-ownership", tests, NULL, NULL);
}
