/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-snapshot.c: the saved-registry loaders (snapshot*.c) and Mac OS Roman. */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "macroman.h"
#include "registry.h"
#include "snapshot.h"

static void test_values(void **state) {
        _cleanup_value_ Value *v = NULL;
        size_t len;

        assert_int_equal(snapshot_parse_value("(1,\"a,b\",<\"x\",\"y\">,{\"k\"=Yes,\"n\"=No},<0a0b>)", &v), 0);
        assert_int_equal(value_type(v), VALUE_ARRAY);
        assert_int_equal(value_array_size(v), 5);
        assert_int_equal(value_unsigned(value_array_get(v, 0)), 1);
        assert_int_equal(value_number_bits(value_array_get(v, 0)), 32);
        assert_string_equal(value_string(value_array_get(v, 1), NULL), "a,b");
        /* <"x","y">: each string NUL-terminated. */
        assert_memory_equal(value_data(value_array_get(v, 2), &len), "x\0y\0", 4);
        assert_int_equal(len, 4);
        assert_true(value_boolean(value_dict_get(value_array_get(v, 3), "k")));
        assert_false(value_boolean(value_dict_get(value_array_get(v, 3), "n")));
        assert_memory_equal(value_data(value_array_get(v, 4), &len), "\x0a\x0b", 2);
        v = value_unref(v);

        /* Widths are inferred: above 32 bits a number is 64-bit. */
        assert_int_equal(snapshot_parse_value("18446744073709551615", &v), 0);
        assert_int_equal(value_number_bits(v), 64);
        assert_true(value_unsigned(v) == UINT64_MAX);
        v = value_unref(v);
        assert_int_equal(snapshot_parse_value("0x1f", &v), 0);
        assert_int_equal(value_unsigned(v), 31);
        v = value_unref(v);

        /* An empty value is a string ioreg could not encode. */
        assert_int_equal(snapshot_parse_value("{\"Codec\"=,\"x\"=1}", &v), 0);
        assert_string_equal(value_string(value_dict_get(v, "Codec"), NULL), MACROMAN_UNPRINTABLE);
        v = value_unref(v);

        assert_int_equal(snapshot_parse_value("(1,2", &v), -EBADMSG);
        assert_int_equal(snapshot_parse_value("<0g>", &v), -EBADMSG);
        assert_int_equal(snapshot_parse_value("Maybe", &v), -EBADMSG);
        /* A dictionary key whose quote ends the text: no '=' to step over (found by fuzz-snapshot). */
        assert_int_equal(snapshot_parse_value("{\"k\"", &v), -EBADMSG);
        assert_int_equal(snapshot_parse_value("{\"k\"x", &v), -EBADMSG);
}

static void test_macroman(void **state) {
        _cleanup_free_ char *u = NULL, *r = NULL;

        assert_int_equal(macroman_to_utf8("admin\xd5s", 7, &u), 0);
        assert_string_equal(u, "admin\xe2\x80\x99s"); /* U+2019 */
        assert_int_equal(utf8_to_macroman(u, &r), 0);
        assert_string_equal(r, "admin\xd5s");
        free(r);
        r = NULL;
        assert_int_equal(utf8_to_macroman("\xe4\xb8\xad", &r), -EILSEQ); /* CJK: not in Mac OS Roman */
}

static const char dump[] =
        "+-o Root  <class IORegistryEntry, id 0x100000100, retain 9>\n"
        "  +-o Mac  <class IOPlatformExpertDevice, id 0x100000110, registered, matched, active, busy 0 (12 ms), retain 25>\n"
        "    +-o hub@14000000  <class IOUSBRootHubDevice, id 0x100000200, !registered, !matched, inactive, busy 2, retain 7>\n"
        "    |   {\n"
        "    |     \"idVendor\" = 1452\n"
        "    |     \"USB Product Name\" = \"Root \"hub\"\"\n"
        "    |     \"Note\" = \"two\n"
        "lines\"\n"
        "    |   }\n"
        "    |   \n"
        "    +-o Other  <class AppleThing, id 0x100000300, registered, matched, active, busy 0 (0 ms), retain 3>\n"
        "      +-o hub@14000000  <class IOUSBRootHubDevice, id 0x100000200, !registered, !matched, inactive, busy 2, retain 7>\n";

static void test_text(void **state) {
        _cleanup_(registry_freep) Registry *reg = NULL;
        SnapshotError err = {};
        const Plane *plane;
        Entry *hub, *other;
        unsigned n;

        assert_int_equal(registry_new(&reg), 0);
        plane = reg->service_plane;
        if (snapshot_load_text(reg, plane, dump, strlen(dump), &err) < 0)
                fail_msg("line %u: %s", err.line, err.message);
        assert_int_equal(registry_n_entries(reg), 4);
        assert_int_equal(entry_retain_count(reg->root), 9);

        hub = registry_get_entry(reg, 0x100000200);
        assert_non_null(hub);
        assert_string_equal(entry_get_name(hub, plane), "hub");
        assert_string_equal(entry_get_location(hub, plane), "14000000");
        /* A known Apple class gets its real chain. */
        assert_true(entry_conforms_to(hub, "IOUSBDevice"));
        assert_int_equal(hub->state, ENTRY_STATE_INACTIVE);
        assert_int_equal(hub->busy, 2);
        assert_int_equal(value_unsigned(entry_get_property(hub, "idVendor")), 1452);
        /* Quotes inside a string, and a newline printed as it is. */
        assert_string_equal(value_string(entry_get_property(hub, "USB Product Name"), NULL), "Root \"hub\"");
        assert_string_equal(value_string(entry_get_property(hub, "Note"), NULL), "two\nlines");
        /* Listed twice: one entry with two parents. */
        entry_get_parents(hub, plane, &n);
        assert_int_equal(n, 2);

        /* An unknown class showing state is an IOService; "(0 ms)" stays non-zero. */
        other = registry_get_entry(reg, 0x100000300);
        assert_true(entry_is_service(other));
        assert_true(other->busy_time_nsec > 0 && other->busy_time_nsec < 1000000);
        assert_int_equal(registry_get_entry(reg, 0x100000110)->busy_time_nsec, 12000000);
}

static void test_text_errors(void **state) {
        static const char *const bad[] = {
                "hello\n",
                "+-o Root  <class IORegistryEntry, retain 9>\n",
                "+-o Root  <class IORegistryEntry, id 0x100000100, retain 9>\n      +-o Deep  <class X, id 0x2, retain 1>\n",
                "+-o Root  <class IORegistryEntry, id 0x100000100, retain 9>\n  {\n    \"k\" = (1,\n  }\n",
                "+-o Root  <class IORegistryEntry, id 0x100000100, retain 9>\n  {\n    \"k\" = 1\n",
        };

        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                _cleanup_(registry_freep) Registry *reg = NULL;
                SnapshotError err = {};

                assert_int_equal(registry_new(&reg), 0);
                assert_int_equal(snapshot_load_text(reg, reg->service_plane, bad[i], strlen(bad[i]), &err), -EBADMSG);
                assert_true(err.message[0] != 0);
        }
}

static const char archive[] =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<plist version=\"1.0\"><dict>\n"
        "<key>IOObjectClass</key><string>IORegistryEntry</string>\n"
        "<key>IORegistryEntryID</key><integer>4294967552</integer>\n"
        "<key>IORegistryEntryName</key><string>Root</string>\n"
        "<key>IOObjectRetainCount</key><integer>5</integer>\n"
        "<key>IORegistryEntryChildren</key><array><dict>\n"
        "  <key>IOObjectClass</key><string>IOMedia</string>\n"
        "  <key>IORegistryEntryID</key><integer>4294967808</integer>\n"
        "  <key>IORegistryEntryName</key><string>disk0</string>\n"
        "  <key>IORegistryEntryLocation</key><string>1</string>\n"
        "  <key>IOServiceState</key><integer>6</integer>\n"
        "  <key>IOServiceBusyState</key><integer>0</integer>\n"
        "  <key>IOServiceBusyTime</key><integer>3000000</integer>\n"
        "  <key>Size</key><integer>500107862016</integer>\n"
        "  <key>Removable</key><false/>\n"
        "  <key>Data</key><data>AAEC</data>\n"
        "</dict></array>\n"
        "</dict></plist>\n";

static void test_plist(void **state) {
        _cleanup_(registry_freep) Registry *reg = NULL;
        SnapshotError err = {};
        size_t len;
        Entry *disk;

        assert_int_equal(registry_new(&reg), 0);
        assert_int_equal(snapshot_load_plist(reg, reg->service_plane, archive, strlen(archive), &err), 0);
        disk = registry_get_entry(reg, 0x100000200);
        assert_non_null(disk);
        assert_string_equal(entry_get_name(disk, reg->service_plane), "disk0");
        assert_string_equal(entry_get_location(disk, reg->service_plane), "1");
        assert_true(entry_conforms_to(disk, "IOStorage"));
        assert_int_equal(disk->state, ENTRY_STATE_REGISTERED | ENTRY_STATE_MATCHED);
        assert_int_equal(disk->busy_time_nsec, 3000000);
        assert_true(value_unsigned(entry_get_property(disk, "Size")) == UINT64_C(500107862016));
        assert_false(value_boolean(entry_get_property(disk, "Removable")));
        assert_memory_equal(value_data(entry_get_property(disk, "Data"), &len), "\0\1\2", 3);
        /* Apple's keys are not properties. */
        assert_null(entry_get_property(disk, "IORegistryEntryName"));
        assert_int_equal(entry_retain_count(reg->root), 5);

        assert_int_equal(snapshot_load_plist(reg, reg->service_plane, "<plist", 6, &err), -EBADMSG);
}

/* Every real text dump loads (the parity test prints them back). */
static void test_real_dumps(void **state) {
        static const char *const files[] = {
                "hackintosh-Macmini8,1-ioreg-l.txt", "hackintosh-M17xR2-MacBookPro8,3-ioreg-l.txt",
                "glpi-ioreg-AppleCLCD2.txt",         "qemu-MacPro7,1-ioreg-tree.txt",
        };

        for (size_t i = 0; i < ELEMENTSOF(files); i++) {
                _cleanup_(registry_freep) Registry *reg = NULL;
                _cleanup_free_ char *path = NULL;
                SnapshotError err = {};

                assert_true(asprintf(&path, "%s/%s", IOREG_DUMPS, files[i]) > 0);
                assert_int_equal(registry_new(&reg), 0);
                if (snapshot_load_file(reg, "IOService", path, &err) < 0)
                        fail_msg("%s:%u: %s", files[i], err.line, err.message);
                assert_true(registry_n_entries(reg) >= 2);
        }
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_values),     cmocka_unit_test(test_macroman), cmocka_unit_test(test_text),
                cmocka_unit_test(test_text_errors), cmocka_unit_test(test_plist),   cmocka_unit_test(test_real_dumps),
        };

        return cmocka_run_group_tests_name("snapshot", tests, NULL, NULL);
}
