/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-bus-errors.c: the argument checks of bus-errors.h on values built
 * here, including what no bus would deliver (invalid UTF-8, nesting past
 * what dbus-daemon lets through), and the entry object paths of bus-entry.h.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "bus-entry.h"
#include "bus-errors.h"

static void test_utf8(void **state) {
        static const struct {
                const char *s;
                bool valid;
        } cases[] = {
                { "", true },
                { "IOService", true },
                { "caf\xc3\xa9", true },                 /* é */
                { "\xe2\x82\xac", true },                /* € */
                { "\xf0\x9f\x98\x80", true },            /* U+1F600 */
                { "\xf4\x8f\xbf\xbf", true },            /* U+10FFFF */
                { "\xc3", false },                       /* truncated */
                { "\x80", false },                       /* lone continuation */
                { "\xc0\xaf", false },                   /* overlong '/' */
                { "\xe0\x80\xaf", false },               /* overlong, 3 bytes */
                { "\xed\xa0\x80", false },               /* a surrogate */
                { "\xf4\x90\x80\x80", false },           /* above U+10FFFF */
                { "\xff", false },
                { "ok\xe2\x82", false },                 /* truncated at the end */
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++)
                assert_int_equal(bus_utf8_is_valid(cases[i].s, strlen(cases[i].s)), cases[i].valid);
        /* An embedded NUL is not a D-Bus string. */
        assert_false(bus_utf8_is_valid("a\0b", 3));

        /* Long ASCII runs are checked a word at a time: a bad byte, a NUL or a character anywhere. */
        for (size_t at = 0; at < 40; at++) {
                char buf[48];

                memset(buf, 'a', 40);
                assert_true(bus_utf8_is_valid(buf, 40));
                buf[at] = (char) 0xff;
                assert_false(bus_utf8_is_valid(buf, 40));
                buf[at] = 0;
                assert_false(bus_utf8_is_valid(buf, 40));
                buf[at] = (char) 0x7f;
                assert_true(bus_utf8_is_valid(buf, 40));
                if (at + 2 <= 40) {
                        memcpy(buf + at, "\xc3\xa9", 2); /* é */
                        assert_true(bus_utf8_is_valid(buf, 40));
                        assert_false(bus_utf8_is_valid(buf, at + 1)); /* cut in the middle */
                }
        }
}

static void test_check_string(void **state) {
        sd_bus_error error = SD_BUS_ERROR_NULL;

        assert_int_equal(bus_check_string("name", "IOService", BUS_MAX_NAME, &error), 0);
        assert_true(bus_check_string("name", "abcdef", 5, &error) < 0);
        assert_true(sd_bus_error_has_name(&error, IOREG_ERROR_LIMITS_EXCEEDED));
        sd_bus_error_free(&error);
        assert_true(bus_check_string("name", "bad\xff", BUS_MAX_NAME, &error) < 0);
        assert_true(sd_bus_error_has_name(&error, IOREG_ERROR_INVALID_ARGUMENT));
        sd_bus_error_free(&error);
}

static Value *nested(unsigned depth) {
        Value *v = value_new_string("leaf");

        for (unsigned i = 0; i < depth; i++) {
                Value *d = value_new_dictionary();

                assert_int_equal(value_dict_set_take(d, "k", v), 0);
                v = d;
        }
        return v;
}

static void test_check_value(void **state) {
        const BusValueLimits limits = { .max_depth = 4, .max_values = 10 };
        sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_value_ Value *ok = nested(4), *deep = nested(5), *wide = value_new_array(), *bad = NULL,
                              *bad_key = value_new_dictionary(), *big = value_new_dictionary();
        char *s;

        assert_int_equal(bus_check_value(ok, &limits, &error), 0);
        assert_true(bus_check_value(deep, &limits, &error) < 0);
        assert_true(sd_bus_error_has_name(&error, IOREG_ERROR_LIMITS_EXCEEDED));
        sd_bus_error_free(&error);

        for (unsigned i = 0; i < 10; i++)
                assert_int_equal(value_array_append_take(wide, value_new_unsigned(i, 32)), 0);
        assert_true(bus_check_value(wide, &limits, &error) < 0); /* 11 values with the array */
        assert_true(sd_bus_error_has_name(&error, IOREG_ERROR_LIMITS_EXCEEDED));
        sd_bus_error_free(&error);

        bad = value_new_array();
        assert_int_equal(value_array_append_take(bad, value_new_string("\xc0\xaf")), 0);
        assert_true(bus_check_value(bad, &limits, &error) < 0);
        assert_true(sd_bus_error_has_name(&error, IOREG_ERROR_INVALID_ARGUMENT));
        sd_bus_error_free(&error);

        assert_int_equal(value_dict_set_take(bad_key, "key\xff", value_new_boolean(true)), 0);
        assert_true(bus_check_value(bad_key, &limits, &error) < 0);
        assert_true(sd_bus_error_has_name(&error, IOREG_ERROR_INVALID_ARGUMENT));
        sd_bus_error_free(&error);

        s = malloc(BUS_MAX_STRING + 2);
        assert_non_null(s);
        memset(s, 'x', BUS_MAX_STRING + 1);
        s[BUS_MAX_STRING + 1] = '\0';
        assert_int_equal(value_dict_set_take(big, "k", value_new_string(s)), 0);
        free(s);
        assert_true(bus_check_value(big, &bus_limits_properties, &error) < 0);
        assert_true(sd_bus_error_has_name(&error, IOREG_ERROR_LIMITS_EXCEEDED));
        sd_bus_error_free(&error);
}

static void test_entry_paths(void **state) {
        char buf[BUS_ENTRY_PATH_MAX];
        uint64_t id = 0;

        assert_string_equal(bus_entry_path(REGISTRY_ROOT_ID, buf), "/org/ioreg/Registry1/entry/0000000100000100");
        assert_int_equal(bus_entry_id_from_path(buf, &id), 0);
        assert_int_equal(id, REGISTRY_ROOT_ID);
        assert_string_equal(bus_entry_path(UINT64_MAX, buf), "/org/ioreg/Registry1/entry/ffffffffffffffff");
        assert_int_equal(bus_entry_id_from_path(buf, &id), 0);
        assert_int_equal(id, UINT64_MAX);

        assert_int_equal(bus_entry_id_from_path("/org/ioreg/Registry1/entry/0000000100000100/x", &id), -EINVAL);
        assert_int_equal(bus_entry_id_from_path("/org/ioreg/Registry1/entry/100000100", &id), -EINVAL);
        assert_int_equal(bus_entry_id_from_path("/org/ioreg/Registry1/entry/00000001000001A0", &id), -EINVAL);
        assert_int_equal(bus_entry_id_from_path("/org/ioreg/Registry1/entry", &id), -EINVAL);
        assert_int_equal(bus_entry_id_from_path("/org/ioreg/Registry1", &id), -EINVAL);
        assert_int_equal(bus_entry_id_from_path("/org/ioreg/Registry1/entryX0000000100000100", &id), -EINVAL);
}

static void test_errno_names(void **state) {
        static const struct {
                int r;
                const char *name;
        } cases[] = {
                { -ENOENT, IOREG_ERROR_NOT_FOUND },     { -ENXIO, IOREG_ERROR_NO_SUCH_PLANE },
                { -ESTALE, IOREG_ERROR_NO_SUCH_ENTRY }, { -EINVAL, IOREG_ERROR_INVALID_ARGUMENT },
                { -ELOOP, IOREG_ERROR_LIMITS_EXCEEDED }, { -EPERM, IOREG_ERROR_NOT_PERMITTED },
                { -EOPNOTSUPP, IOREG_ERROR_NOT_SUPPORTED }, { -ETIMEDOUT, IOREG_ERROR_TIMEOUT },
                { -EIO, IOREG_ERROR_FAILED },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                sd_bus_error error = SD_BUS_ERROR_NULL;

                assert_true(bus_error_set_errno(&error, cases[i].r, "test") < 0);
                assert_string_equal(error.name, cases[i].name);
                sd_bus_error_free(&error);
        }
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_utf8),
                cmocka_unit_test(test_check_string),
                cmocka_unit_test(test_check_value),
                cmocka_unit_test(test_entry_paths),
                cmocka_unit_test(test_errno_names),
        };

        return cmocka_run_group_tests_name("bus-errors", tests, NULL, NULL);
}
