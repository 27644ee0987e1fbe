/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-wire-json.c: common/wire/wire-json.c, libioreg's codec, against the
 * daemon's (common/value/bus-value.c + value-json.c). Both sides must agree
 * on everything a message can carry: what wire-json reads is what the
 * daemon's Value turns into as JSON, what wire-json writes reads back as the
 * Value that JSON makes (same D-Bus signatures: 64-bit `t`/`x` numbers), and
 * both refuse the same things. Plus util/base64.c's strict rules.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base64.h"
#include "bus-value.h"
#include "value-json.h"
#include "wire-json.h"

static sd_bus *bus; /* owned: a client bus that never talks, enough to build and seal messages */

static int setup(void **state) {
        int fds[2];

        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) < 0 || sd_bus_new(&bus) < 0 ||
            sd_bus_set_fd(bus, fds[0], fds[0]) < 0 || sd_bus_start(bus) < 0)
                return -1;
        close(fds[1]);
        return 0;
}

static int teardown(void **state) {
        sd_bus_flush_close_unref(bus);
        return 0;
}

static sd_bus_message *new_message(void) {
        sd_bus_message *m = NULL;

        assert_int_equal(sd_bus_message_new_method_call(bus, &m, "org.ioreg.Registry1", "/org/ioreg/Registry1",
                                                        "org.ioreg.Registry1", "Test"),
                         0);
        return m;
}

static void seal(sd_bus_message *m) {
        static uint64_t cookie;

        assert_int_equal(sd_bus_message_seal(m, ++cookie, 0), 0);
        assert_true(sd_bus_message_rewind(m, true) >= 0);
}

static void assert_json_equal(json_t *a, json_t *b) {
        if (!json_equal(a, b)) {
                char *sa = json_dumps(a, JSON_COMPACT | JSON_ENCODE_ANY), *sb = json_dumps(b, JSON_COMPACT | JSON_ENCODE_ANY);

                fail_msg("%s != %s", sa, sb);
        }
}

/* Reads m (rewound) with both codecs: same JSON, or the same refusal. Returns wire-json's answer. */
static int read_both(sd_bus_message *m, bool dict, json_t **ret) {
        _cleanup_value_ Value *v = NULL;
        json_auto_t *j = NULL, *from_value = NULL;
        int r_value, r_json;

        r_value = dict ? bus_message_read_dict(m, &v) : bus_message_read_variant(m, &v);
        assert_true(sd_bus_message_rewind(m, true) >= 0);
        r_json = dict ? wire_json_read_dict(m, &j) : wire_json_read_variant(m, &j);
        assert_int_equal(r_json, r_value);
        if (r_json < 0)
                return r_json;
        from_value = value_to_json(v);
        assert_json_equal(j, from_value);
        *ret = TAKE_PTR(j);
        return 0;
}

/* Every basic type and container the daemon sends or a client may send. */
static void test_read_agrees(void **state) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = new_message();
        static const uint8_t bytes[] = { 0, 1, 2, 0xfe, 0xff };
        json_auto_t *j = NULL;

        assert_true(sd_bus_message_open_container(m, 'a', "{sv}") >= 0);
        assert_true(sd_bus_message_append(m, "{sv}", "s", "s", "héllo") >= 0);
        assert_true(sd_bus_message_append(m, "{sv}", "o", "o", "/a/b") >= 0);
        assert_true(sd_bus_message_append(m, "{sv}", "g", "g", "a{sv}") >= 0);
        assert_true(sd_bus_message_append(m, "{sv}", "y", "y", 255) >= 0);
        assert_true(sd_bus_message_append(m, "{sv}", "q", "q", 65535) >= 0);
        assert_true(sd_bus_message_append(m, "{sv}", "u", "u", UINT32_MAX) >= 0);
        assert_true(sd_bus_message_append(m, "{sv}", "t", "t", UINT64_MAX) >= 0);
        assert_true(sd_bus_message_append(m, "{sv}", "t small", "t", UINT64_C(42)) >= 0);
        assert_true(sd_bus_message_append(m, "{sv}", "n", "n", -32768) >= 0);
        assert_true(sd_bus_message_append(m, "{sv}", "i", "i", INT32_MIN) >= 0);
        assert_true(sd_bus_message_append(m, "{sv}", "x", "x", INT64_MIN) >= 0);
        assert_true(sd_bus_message_append(m, "{sv}", "b", "b", 1) >= 0);
        assert_true(sd_bus_message_open_container(m, 'e', "sv") >= 0);
        assert_true(sd_bus_message_append(m, "s", "ay") >= 0);
        assert_true(sd_bus_message_open_container(m, 'v', "ay") >= 0);
        assert_true(sd_bus_message_append_array(m, 'y', bytes, sizeof(bytes)) >= 0);
        assert_true(sd_bus_message_close_container(m) >= 0);
        assert_true(sd_bus_message_close_container(m) >= 0);
        assert_true(sd_bus_message_append(m, "{sv}", "empty ay", "ay", 0) >= 0);
        assert_true(sd_bus_message_append(m, "{sv}", "as", "as", 2, "a", "b") >= 0);
        assert_true(sd_bus_message_append(m, "{sv}", "av", "av", 2, "u", 7, "s", "x") >= 0);
        assert_true(sd_bus_message_append(m, "{sv}", "a{ss}", "a{ss}", 1, "k", "v") >= 0);
        assert_true(sd_bus_message_append(m, "{sv}", "a{sv}", "a{sv}", 1, "inner", "a{sv}", 1, "deep", "q", 3) >= 0);
        assert_true(sd_bus_message_append(m, "{sv}", "aau", "aau", 1, 2, 1, 2) >= 0);
        assert_true(sd_bus_message_close_container(m) >= 0);
        seal(m);

        assert_int_equal(read_both(m, true, &j), 0);
        assert_string_equal(json_string_value(json_object_get(j, "s")), "héllo");
        assert_string_equal(json_string_value(json_object_get(json_object_get(j, "t"), JSON_FORM_UNSIGNED_KEY)),
                            "18446744073709551615");
        assert_int_equal(json_integer_value(json_object_get(j, "t small")), 42);
        assert_int_equal(json_integer_value(json_object_get(j, "x")), INT64_MIN);
        assert_string_equal(json_string_value(json_object_get(json_object_get(j, "ay"), JSON_FORM_DATA_KEY)),
                            "AAEC/v8=");
        assert_string_equal(json_string_value(json_object_get(json_object_get(j, "empty ay"), JSON_FORM_DATA_KEY)),
                            "");
        assert_int_equal(json_form_type(json_object_get(j, "ay")), JSON_FORM_DATA);
        assert_int_equal(json_form_type(json_object_get(j, "t")), JSON_FORM_NUMBER);
        assert_int_equal(json_form_type(json_object_get(j, "a{sv}")), JSON_FORM_DICTIONARY);
        assert_true(json_form_number(json_object_get(j, "t")) == UINT64_MAX);
        assert_true(json_form_number(json_object_get(j, "n")) == (uint64_t) -32768);
}

/* What the daemon refuses, wire-json refuses alike: doubles, fds, structs, numeric keys, too deep. */
static void test_read_refuses_alike(void **state) {
        json_t *j = NULL;
        struct {
                const char *what;
                int want;
        } cases[] = { { "d", -EMEDIUMTYPE }, { "(ss)", -EMEDIUMTYPE }, { "a{us}", -EMEDIUMTYPE }, { "deep", -ELOOP } };

        for (size_t c = 0; c < ELEMENTSOF(cases); c++) {
                _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = new_message();

                if (streq(cases[c].what, "d"))
                        assert_true(sd_bus_message_append(m, "v", "d", 1.5) >= 0);
                else if (streq(cases[c].what, "(ss)"))
                        assert_true(sd_bus_message_append(m, "v", "(ss)", "a", "b") >= 0);
                else if (streq(cases[c].what, "a{us}"))
                        assert_true(sd_bus_message_append(m, "v", "a{us}", 1, 7, "x") >= 0);
                else {
                        /* Variants in variants, deeper than WIRE_JSON_MAX_DEPTH (each variant counts). */
                        for (unsigned i = 0; i < WIRE_JSON_MAX_DEPTH + 1; i++)
                                assert_true(sd_bus_message_open_container(m, 'v', "v") >= 0);
                        assert_true(sd_bus_message_append(m, "v", "u", 1) >= 0);
                        for (unsigned i = 0; i < WIRE_JSON_MAX_DEPTH + 1; i++)
                                assert_true(sd_bus_message_close_container(m) >= 0);
                }
                seal(m);
                assert_int_equal(read_both(m, false, &j), cases[c].want);
                assert_null(j);
        }
}

/* Writing: the D-Bus signatures the daemon got when libioreg went through Value (64-bit numbers). */
static void test_write_agrees(void **state) {
        static const char *const docs[] = {
                "{\"s\": \"x\", \"n\": 5, \"neg\": -5, \"big\": {\"$unsigned\": \"18446744073709551615\"},"
                " \"b\": false, \"d\": {\"$data\": \"AAEC/v8=\"}, \"e\": {\"$data\": \"\"}, \"a\": [1, \"two\", [true]],"
                " \"o\": {\"k\": {\"deeper\": 0}}, \"empty\": {}, \"none\": []}",
                "{}",
        };

        for (size_t i = 0; i < ELEMENTSOF(docs); i++) {
                _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = new_message();
                json_auto_t *j = json_loads(docs[i], 0, NULL), *again = NULL, *from_value = NULL;
                _cleanup_value_ Value *want = NULL, *got = NULL;

                assert_non_null(j);
                assert_int_equal(wire_json_check(j), 0);
                assert_int_equal(value_from_json(j, &want, NULL), 0);
                assert_int_equal(wire_json_append_dict(m, j), 0);
                seal(m);
                /* The daemon reads the Value the old path built, signature for signature. */
                assert_int_equal(bus_message_read_dict(m, &got), 0);
                assert_true(value_equal(got, want));
                for (size_t k = 0; k < value_dict_size(want); k++)
                        assert_string_equal(bus_value_signature(value_dict_value_at(got, k)),
                                            bus_value_signature(value_dict_value_at(want, k)));
                /* And it comes back as it went. */
                assert_true(sd_bus_message_rewind(m, true) >= 0);
                assert_int_equal(wire_json_read_dict(m, &again), 0);
                assert_json_equal(again, j);
                from_value = value_to_json(got);
                assert_json_equal(from_value, j);
        }
}

/* What has no registry value is refused before anything is sent, as value_from_json refuses it. */
static void test_write_refuses(void **state) {
        static const char *const bad[] = {
                "{\"r\": 1.5}",
                "{\"n\": null}",
                "{\"d\": {\"$data\": \"AAE\"}}",
                "{\"d\": {\"$data\": \"AA=E\"}}",
                "{\"d\": {\"$data\": \"A A=\"}}",
                "{\"d\": {\"$data\": 5}}",
                "{\"d\": {\"$data\": \"AAAA\", \"x\": 1}}",
                "{\"u\": {\"$unsigned\": \"18446744073709551616\"}}",
                "{\"u\": {\"$unsigned\": \"-1\"}}",
                "{\"u\": {\"$unsigned\": \"\"}}",
                "{\"a\": [1, [2, 3.0]]}",
        };

        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                json_auto_t *j = json_loads(bad[i], 0, NULL);
                _cleanup_value_ Value *v = NULL;
                ConvertError err = {}; /* given, not NULL: value_from_json() drops the path it builds for NULL */

                assert_non_null(j);
                assert_int_equal(wire_json_check(j), -EINVAL);
                assert_int_equal(value_from_json(j, &v, &err), -EINVAL);
                convert_error_done(&err);
        }
        assert_int_equal(wire_json_check(NULL), -EINVAL);
}

static void test_base64(void **state) {
        static const char *const good[][2] = {
                { "", "" }, { "AA==", "\x00" }, { "AAE=", "\x00\x01" }, { "AAEC", "\x00\x01\x02" },
                { "aGVsbG8gd29ybGQ=", "hello world" }, { "+/+/", "\xfb\xff\xbf" },
        };
        static const char *const bad[] = { "A", "AA", "AAA", "A===", "AA=A", "AA==AAAA", "AA AA", "A-==", "AAA\n" };

        for (size_t i = 0; i < ELEMENTSOF(good); i++) {
                size_t want_len = strlen(good[i][0]) / 4 * 3 - (strstr(good[i][0], "==") ? 2 : strchr(good[i][0], '=') ? 1 : 0);
                _cleanup_free_ uint8_t *b = NULL;
                _cleanup_free_ char *s = NULL;
                size_t len;

                assert_int_equal(base64_decode(good[i][0], strlen(good[i][0]), &b, &len), 0);
                assert_int_equal(len, want_len);
                assert_memory_equal(b, good[i][1], len);
                s = base64_encode(b, len);
                assert_string_equal(s, good[i][0]);
        }
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                uint8_t *b = NULL;
                size_t len;

                assert_int_equal(base64_decode(bad[i], strlen(bad[i]), &b, &len), -EINVAL);
                assert_null(b);
        }
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_read_agrees),
                cmocka_unit_test(test_read_refuses_alike),
                cmocka_unit_test(test_write_agrees),
                cmocka_unit_test(test_write_refuses),
                cmocka_unit_test(test_base64),
        };

        return cmocka_run_group_tests_name("wire-json", tests, setup, teardown);
}
