/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-value-json.c: libioreg's property values (value-json.h's form) make
 * the round trip Value → JSON → Value and JSON → Value → JSON without loss:
 * every type, data kept apart from strings, unsigned numbers above
 * INT64_MAX, negative numbers, nesting; and what has no Value is refused
 * with the place it was found.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "value-json.h"

static Value *sample(void) {
        Value *d = value_new_dictionary(), *a = value_new_array(), *inner = value_new_dictionary();
        static const uint8_t bytes[] = { 0x00, 0xff, 0x41, 0x00, 0x7f };

        value_dict_set_take(d, "string", value_new_string("text"));
        value_dict_set_take(d, "looks like data", value_new_string("AP9BAH8="));
        value_dict_set_take(d, "data", value_new_data(bytes, sizeof(bytes)));
        value_dict_set_take(d, "empty data", value_new_data("", 0));
        value_dict_set_take(d, "u8", value_new_unsigned(200, 8));
        value_dict_set_take(d, "u64 max", value_new_unsigned(UINT64_MAX, 64));
        value_dict_set_take(d, "above int64", value_new_unsigned((uint64_t) INT64_MAX + 1, 64));
        value_dict_set_take(d, "negative", value_new_signed(-5, 64));
        value_dict_set_take(d, "true", value_new_boolean(true));
        value_dict_set_take(d, "false", value_new_boolean(false));
        value_array_append_take(a, value_new_string("x"));
        value_array_append_take(a, value_new_data("\x01\x02", 2));
        value_dict_set_take(inner, "deep", value_new_unsigned(1, 32));
        value_array_append_take(a, inner);
        value_dict_set_take(d, "array", a);
        return d;
}

static void test_value_json_value(void **state) {
        _cleanup_(value_unrefp) Value *v = sample(), *back = NULL;
        json_auto_t *j = value_to_json(v);

        assert_non_null(j);
        /* Data is an object, never a string; the string that looks like base64 stays a string. */
        assert_true(json_is_object(json_object_get(j, "data")));
        assert_string_equal(json_string_value(json_object_get(json_object_get(j, "data"), "$data")), "AP9BAH8=");
        assert_string_equal(json_string_value(json_object_get(j, "looks like data")), "AP9BAH8=");
        assert_string_equal(json_string_value(json_object_get(json_object_get(j, "u64 max"), "$unsigned")),
                            "18446744073709551615");
        assert_int_equal(json_integer_value(json_object_get(j, "negative")), -5);
        assert_int_equal(value_from_json(j, &back, NULL), 0);
        assert_int_equal(value_type(value_dict_get(back, "data")), VALUE_DATA);
        assert_int_equal(value_type(value_dict_get(back, "looks like data")), VALUE_STRING);
        assert_true(value_unsigned(value_dict_get(back, "u64 max")) == UINT64_MAX);
        assert_true(value_unsigned(value_dict_get(back, "above int64")) == (uint64_t) INT64_MAX + 1);
        assert_true(value_signed(value_dict_get(back, "negative")) == -5);
        assert_true(value_boolean(value_dict_get(back, "true")));
        assert_false(value_boolean(value_dict_get(back, "false")));
}

static void test_json_value_json(void **state) {
        static const char *const texts[] = {
                "{\"a\": \"b\"}",
                "{\"d\": {\"$data\": \"AAEC\"}, \"n\": [1, -1, {\"$unsigned\": \"18446744073709551615\"}]}",
                "{\"x\": {\"y\": {\"z\": [true, false, \"s\", {}]}}}",
                "{\"empty\": {\"$data\": \"\"}, \"e\": []}",
        };

        for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
                json_auto_t *in = json_loads(texts[i], 0, NULL), *out = NULL;
                _cleanup_(value_unrefp) Value *v = NULL;

                assert_non_null(in);
                assert_int_equal(value_from_json(in, &v, NULL), 0);
                out = value_to_json(v);
                assert_true(json_equal(in, out));
        }
}

static void test_refused(void **state) {
        static const struct {
                const char *text, *where;
        } bad[] = {
                { "{\"Scale\": 1.5}", "Scale" },
                { "{\"a\": [1, null]}", "a[1]" },
                { "{\"d\": {\"$data\": \"not base64!\"}}", "d" },
                { "{\"u\": {\"$unsigned\": \"-1\"}}", "u" },
        };

        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                json_auto_t *j = json_loads(bad[i].text, 0, NULL);
                ConvertError err = {};
                Value *v = NULL;

                assert_int_equal(value_from_json(j, &v, &err), -EINVAL);
                assert_null(v);
                assert_non_null(err.what);
                if (!err.where || !strstr(err.where, bad[i].where))
                        fail_msg("%s: error at \"%s\", expected \"%s\"", bad[i].text, err.where ? err.where : "",
                                 bad[i].where);
                convert_error_done(&err);
        }
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_value_json_value),
                cmocka_unit_test(test_json_value_json),
                cmocka_unit_test(test_refused),
        };

        return cmocka_run_group_tests_name("value-json", tests, NULL, NULL);
}
