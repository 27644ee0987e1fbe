/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-personality-file-errors.c: the errors for malformed personality files
 * (tests/data/personalities), for files that cannot be read, and their text.
 *
 * The error collector, the value checks and the file helpers are in
 * personality-file-check.c.
 */

#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "personality-check.h"
#include "personality-file-check.h"
#include "personality-dirs.h"
#include "personality-file.h"

static void test_malformed_plist(void **state) {
        static const char *const expected[] = {
                "personality 'No provider': key 'IOProviderClass': missing",
                "personality 'Score string': key 'IOProbeScore': expected an integer, got a string",
                "personality 'Class number': key 'IOClass': expected a string, got an integer",
                "personality 'Provider array': key 'IOProviderClass': expected a string, got an array",
                "personality 'Category boolean': key 'IOMatchCategory': expected a string, got a boolean",
                "personality 'Name match dictionary': key 'IONameMatch': expected a string or an array of strings, got a dictionary",
                "personality 'Name match mixed': key 'IONameMatch': expected a string or an array of strings, got an array holding an integer at [1]",
                "personality 'Property match string': key 'IOPropertyMatch': expected a dictionary or an array of dictionaries, got a string",
                "personality 'Property match mixed': key 'IOPropertyMatch': expected a dictionary or an array of dictionaries, got an array holding a string at [1]",
                "personality 'Score too big': key 'IOProbeScore': 4294967296 is out of range (a signed 32-bit score)",
                "personality 'Real value': key 'Settings': unsupported type real at 'Scale'",
                "personality 'Date value': key 'Curves': unsupported type date at '[1]'",
                "personality 'Not a dictionary': expected a dictionary, got a string",
        };
        const char *path = PERSONALITIES "/malformed.plist";
        PersonalityList list = PERSONALITY_LIST_INIT;
        PersonalityLoadStats stats = {};
        Errors errors = {};
        const Personality *p;

        load(path, &list, &errors, &stats);
        assert_errors(&errors, path, expected, ELEMENTSOF(expected));
        assert_int_equal(stats.n_errors, ELEMENTSOF(expected));

        /* Everything valid still loads, in the file's order. */
        assert_int_equal(list.n, 4);
        assert_int_equal(stats.n_personalities, 4);
        assert_string_equal(list.items[0]->name, "Good A");
        assert_string_equal(list.items[1]->name, "Codeless merge");
        assert_string_equal(list.items[2]->name, "Negative score");
        assert_string_equal(list.items[3]->name, "Good Z");

        p = list.items[0];
        assert_string_equal(p->bundle_id, "org.example.malformed");
        assert_unsigned(get(p, "IOProbeScore"), 1000);
        assert_unsigned(get(p, "idVendor"), 1452);
        /* No IOClass: a codeless personality is valid. */
        p = list.items[1];
        assert_null(personality_get_string(p, "IOClass"));
        assert_boolean(value_dict_get(get(p, "IOProviderMergeProperties"), "ExpressCardCantWake"), true);
        assert_signed(get(list.items[2], "IOProbeScore"), -1000);
        p = list.items[3];
        assert_string_equal(p->bundle_id, "org.example.own");
        assert_data(get(p, "Blob"), "\xde\xad\xbe\xef", 4);
        assert_string(value_dict_get(value_array_get(get(p, "IOPropertyMatch"), 1), "Content Hint"), "Apple_HFS");

        errors_done(&errors);
        personality_list_done(&list);
}

static void test_malformed_json(void **state) {
        static const char *const expected[] = {
                "personality 'Null value': key 'IOMatchCategory': unsupported type null",
                "personality 'Real value': key 'IOProbeScore': unsupported type real",
                "personality 'Bad base64': key 'Blobs': invalid $data: not base64 (RFC 4648, padded, no spaces) at '[0]'",
                "personality 'Data with company': key 'Blob': invalid $data: expected {\"$data\": \"BASE64\"} and nothing else",
                "personality 'Data personality': expected a dictionary, got data",
                "personality 'Score string': key 'IOProbeScore': expected an integer, got a string",
                "personality 'Replaces string': key 'IOUserServerReplacesKernelDriver': expected a boolean, got a string",
                "personality 'Array': expected a dictionary, got an array",
        };
        const char *path = PERSONALITIES "/malformed.json";
        PersonalityList list = PERSONALITY_LIST_INIT;
        Errors errors = {};
        const Personality *p;

        load(path, &list, &errors, NULL);
        assert_errors(&errors, path, expected, ELEMENTSOF(expected));
        assert_int_equal(list.n, 1);
        p = list.items[0];
        assert_string_equal(p->name, "Good");
        assert_string_equal(p->bundle_id, "org.example.malformed-json");
        assert_signed(get(p, "IOProbeScore"), -20);
        assert_unsigned(get(p, "idVendor"), 1452);
        assert_data(get(p, "Firmware"), "\xde\xad\xbe\xef", 4);
        assert_data(get(p, "Empty"), NULL, 0);

        errors_done(&errors);
        personality_list_done(&list);
}

static void test_bundle_identifier(void **state) {
        const char *path = PERSONALITIES "/no-bundle-id.json";
        PersonalityList list = PERSONALITY_LIST_INIT;
        Errors errors = {};

        load(path, &list, &errors, NULL);
        assert_errors(&errors, path, (const char *const[]) {
                "personality 'No identifier': key 'CFBundleIdentifier': missing, and the file has none either",
        }, 1);
        assert_int_equal(list.n, 1);
        assert_string_equal(list.items[0]->bundle_id, "org.example.own");
        errors_done(&errors);
        personality_list_done(&list);
}

static void test_file_errors(void **state) {
        static const struct {
                const char *file;
                const char *message; /* the whole message, or its start when it ends in '*' */
        } cases[] = {
                { "not-a-plist.plist", "not a property list (XML or binary)" },
                { "top-array.plist", "expected a dictionary at the top, got an array" },
                { "personalities-array.plist", "key 'IOKitPersonalities': expected a dictionary, got an array" },
                { "broken.json", "not valid JSON: *" },
                { "duplicate-keys.json", "not valid JSON: duplicate object key*" },
                { "absent.plist", "cannot read: No such file or directory" },
                { "absent.json", "cannot read: No such file or directory" },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_free_ char *path = path_join(PERSONALITIES, cases[i].file), *want = NULL;
                PersonalityList list = PERSONALITY_LIST_INIT;
                PersonalityLoadStats stats = {};
                Errors errors = {};
                size_t n;

                load(path, &list, &errors, &stats);
                assert_int_equal(list.n, 0);
                assert_int_equal(errors.n, 1);
                assert_int_equal(stats.n_errors, 1);
                assert_true(asprintf(&want, "%s: %s", path, cases[i].message) >= 0);
                n = strlen(want);
                if (want[n - 1] == '*') {
                        if (strncmp(errors.items[0], want, n - 1) != 0)
                                fail_msg("'%s' does not start with '%.*s'", errors.items[0], (int) n - 1, want);
                } else
                        assert_string_equal(errors.items[0], want);
                errors_done(&errors);
        }
}

static void test_error_to_string(void **state) {
        _cleanup_free_ char *a = NULL, *b = NULL, *c = NULL;

        a = personality_error_to_string(&(PersonalityError) {
                .file = "acme.plist", .personality = "Foo", .key = "IOProbeScore",
                .message = "expected an integer, got a string" });
        b = personality_error_to_string(&(PersonalityError) {
                .file = "acme.plist", .personality = "Foo", .message = "expected a dictionary, got an array" });
        c = personality_error_to_string(&(PersonalityError) { .file = "acme.plist", .message = "not a property list (XML or binary)" });
        assert_string_equal(a, "acme.plist: personality 'Foo': key 'IOProbeScore': expected an integer, got a string");
        assert_string_equal(b, "acme.plist: personality 'Foo': expected a dictionary, got an array");
        assert_string_equal(c, "acme.plist: not a property list (XML or binary)");
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_malformed_plist),
                cmocka_unit_test(test_malformed_json),
                cmocka_unit_test(test_bundle_identifier),
                cmocka_unit_test(test_file_errors),
                cmocka_unit_test(test_error_to_string),
        };

        return cmocka_run_group_tests_name("personality file errors", tests, NULL, NULL);
}
