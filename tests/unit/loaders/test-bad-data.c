/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-bad-data.c: bad data in files (issue 23, F and G). Nesting: XML,
 * binary and JSON files 100,000 levels deep are refused with an error, as
 * personalities and as `ioreg --from` snapshots (they overflowed the stack);
 * a binary plist that contains itself is refused; a personality nested
 * deeper than D-Bus carries is refused by name while the rest of its file
 * loads, one as deep as allowed loads. Text: strings that are not UTF-8 are
 * repaired (utf8.h), and refused in a personality (named, the rest loads).
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "bplist-check.h"
#include "personality-file-check.h"
#include "registry.h"
#include "snapshot.h"
#include "utf8.h"
#include "xplist-check.h"

#define HUGE_DEPTH 100000

static char dir[] = "/tmp/test-personality-XXXXXX";

static int setup(void **state) {
        return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state) {
        rm_rf(dir);
        return 0;
}

/* open + n × (open) ... close × n: a string owned by the caller. */
static char *nest(const char *head, const char *open, const char *middle, const char *close, const char *tail,
                  unsigned n) {
        size_t lo = strlen(open), lc = strlen(close);
        char *s = malloc(strlen(head) + n * (lo + lc) + strlen(middle) + strlen(tail) + 1), *p;

        assert_non_null(s);
        p = stpcpy(s, head);
        for (unsigned i = 0; i < n; i++)
                p = stpcpy(p, open);
        p = stpcpy(p, middle);
        for (unsigned i = 0; i < n; i++)
                p = stpcpy(p, close);
        strcpy(p, tail);
        return s;
}

/*
 * A binary plist of n arrays, each holding the next, the last empty (cycle: the last holds the
 * first). Written with 4-byte offsets and references. *ret_len its size; owned by the caller.
 */
static uint8_t *deep_bplist(unsigned n, bool cycle, size_t *ret_len) {
        size_t objects = 8, table, len;
        uint8_t *b, *p;

        table = objects + (size_t) (n - 1) * 5 + (cycle ? 5 : 1);
        len = table + (size_t) n * 4 + 32;
        b = calloc(1, len);
        assert_non_null(b);
        memcpy(b, "bplist00", 8);
        p = b + objects;
        for (unsigned i = 0; i < n; i++) {
                uint32_t off = (uint32_t) (p - b), ref = i + 1 < n ? i + 1 : 0;

                for (unsigned k = 0; k < 4; k++)
                        b[table + i * 4 + k] = (uint8_t) (off >> (24 - 8 * k));
                if (i + 1 < n || cycle) {
                        *p++ = 0xa1;
                        for (unsigned k = 0; k < 4; k++)
                                *p++ = (uint8_t) (ref >> (24 - 8 * k));
                } else
                        *p++ = 0xa0;
        }
        p = b + table + (size_t) n * 4;
        p[6] = 4;                                   /* offset size */
        p[7] = 4;                                   /* reference size */
        for (unsigned k = 0; k < 8; k++) {
                p[8 + k] = (uint8_t) ((uint64_t) n >> (56 - 8 * k));       /* objects */
                p[24 + k] = (uint8_t) ((uint64_t) table >> (56 - 8 * k));  /* offset table */
        }
        *ret_len = len;
        return b;
}

static void write_bytes(const char *path, const void *buf, size_t len) {
        FILE *f = fopen(path, "we");

        assert_non_null(f);
        assert_int_equal(fwrite(buf, 1, len, f), len);
        assert_int_equal(fclose(f), 0);
}

/* Loads one file as personalities: its errors (the caller frees) and how many loaded. */
static unsigned load_one(const char *name, const void *buf, size_t len, Errors *errors) {
        _cleanup_free_ char *path = path_join(dir, name);
        PersonalityList list = PERSONALITY_LIST_INIT;
        unsigned n;

        write_bytes(path, buf, len);
        load(path, &list, errors, NULL);
        n = list.n;
        personality_list_done(&list);
        return n;
}

static bool has_error(const Errors *e, const char *part) {
        for (unsigned i = 0; i < e->n; i++)
                if (strstr(e->items[i], part))
                        return true;
        return false;
}

static void test_huge_depth_personalities(void **state) {
        _cleanup_free_ char *xml = nest("<?xml version=\"1.0\"?>\n<plist version=\"1.0\"><dict><key>IOKitPersonalities</key>",
                                        "<array>", "<string>x</string>", "</array>", "</dict></plist>\n", HUGE_DEPTH);
        _cleanup_free_ char *json = nest("{\"IOKitPersonalities\": ", "[", "1", "]", "}", HUGE_DEPTH);
        _cleanup_free_ uint8_t *bin = NULL;
        Errors errors = {};
        size_t len;

        assert_int_equal(load_one("deep.plist", xml, strlen(xml), &errors), 0);
        assert_true(has_error(&errors, "nest deeper than 256"));
        errors_done(&errors);

        bin = deep_bplist(HUGE_DEPTH, false, &len);
        assert_int_equal(load_one("deep-binary.plist", bin, len, &errors), 0);
        assert_true(has_error(&errors, "nest deeper than 256"));
        errors_done(&errors);

        assert_int_equal(load_one("deep.json", json, strlen(json), &errors), 0);
        assert_int_equal(errors.n, 1);
        errors_done(&errors);
}

static void test_bplist_depth_and_cycles(void **state) {
        const char *reason = NULL;
        _cleanup_free_ uint8_t *ok = NULL, *deep = NULL, *cycle = NULL;
        size_t len;

        /* 256 levels pass, 257 do not; the count is of containers, whatever holds them. */
        ok = deep_bplist(BPLIST_MAX_NESTING, false, &len);
        if (bplist_check(ok, len, &reason) < 0)
                fail_msg("%s", reason);
        deep = deep_bplist(BPLIST_MAX_NESTING + 1, false, &len);
        assert_int_equal(bplist_check(deep, len, &reason), -EBADMSG);
        assert_string_equal(reason, "containers nest deeper than 256 levels");
        cycle = deep_bplist(3, true, &len);
        assert_int_equal(bplist_check(cycle, len, &reason), -EBADMSG);
        assert_string_equal(reason, "an object contains itself (a reference cycle)");
}

static void test_xplist_depth(void **state) {
        _cleanup_free_ char *ok = nest("<plist>", "<array>", "<true/><!-- <array> -->", "</array>", "</plist>",
                                       BPLIST_MAX_NESTING);
        _cleanup_free_ char *deep = nest("<plist>", "<array>", "<string>x</string>", "</array>", "</plist>",
                                         BPLIST_MAX_NESTING + 1);
        const char *reason = NULL;

        assert_int_equal(xplist_check(ok, strlen(ok), &reason), 0);
        assert_int_equal(xplist_check(deep, strlen(deep), &reason), -EBADMSG);
}

/* ioreg --from: the snapshot loader refuses what libplist would recurse through. */
static void test_huge_depth_snapshots(void **state) {
        _cleanup_free_ char *xml = nest("<?xml version=\"1.0\"?>\n<plist version=\"1.0\">", "<dict><key>IORegistryEntryChildren</key><array>",
                                        "", "</array></dict>", "</plist>\n", HUGE_DEPTH);
        _cleanup_free_ char *text = nest("+-o Root  <class IORegistryEntry, id 0x100000100>\n    {\n      \"k\" = ", "(", "1", ")",
                                         "\n    }\n", HUGE_DEPTH);
        _cleanup_free_ uint8_t *bin = NULL;
        size_t len;

        for (unsigned i = 0; i < 3; i++) {
                _cleanup_(registry_freep) Registry *reg = NULL;
                SnapshotError err = {};
                int r;

                assert_int_equal(registry_new(&reg), 0);
                if (i == 0)
                        r = snapshot_load_buffer(reg, "IOService", xml, strlen(xml), &err);
                else if (i == 1) {
                        bin = deep_bplist(HUGE_DEPTH, false, &len);
                        r = snapshot_load_buffer(reg, "IOService", (const char *) bin, len, &err);
                } else
                        r = snapshot_load_buffer(reg, "IOService", text, strlen(text), &err);
                assert_true(r < 0);
                assert_true(err.message[0] != '\0');
        }
}

/* A property nested n levels in the personality "Deep", next to a good one. */
static char *deep_personality_file(unsigned n) {
        _cleanup_free_ char *head = NULL;

        assert_true(asprintf(&head,
                             "{\"CFBundleIdentifier\": \"org.example.deep\", \"IOKitPersonalities\": {"
                             "\"Good\": {\"IOProviderClass\": \"IOResources\", \"IOClass\": \"Good\"},"
                             "\"Deep\": {\"IOProviderClass\": \"IOResources\", \"IOClass\": \"Deep\", \"Nest\": ") > 0);
        return nest(head, "{\"k\": ", "1", "}", "}}}", n);
}

static void test_nesting_beyond_the_bus(void **state) {
        Errors errors = {};
        PersonalityList list = PERSONALITY_LIST_INIT;
        _cleanup_free_ char *deep32 = deep_personality_file(32), *just = deep_personality_file(VALUE_MAX_NESTING),
                            *over = deep_personality_file(VALUE_MAX_NESTING + 1);
        _cleanup_free_ char *path = path_join(dir, "deep32.json");

        /* 32 levels: refused by name with the reason; the other personality loads. */
        write_file(path, deep32);
        load(path, &list, &errors, NULL);
        assert_int_equal(list.n, 1);
        assert_string_equal(list.items[0]->name, "Good");
        assert_int_equal(errors.n, 1);
        assert_true(strstr(errors.items[0], "personality 'Deep'"));
        assert_true(strstr(errors.items[0], "nested deeper than 16 levels"));
        errors_done(&errors);
        personality_list_done(&list);

        /* The limit itself: a property VALUE_MAX_NESTING deep loads, one more does not. */
        assert_int_equal(load_one("just.json", just, strlen(just), &errors), 2);
        assert_int_equal(errors.n, 0);
        assert_int_equal(load_one("over.json", over, strlen(over), &errors), 1);
        assert_int_equal(errors.n, 1);
        errors_done(&errors);
}

static void test_utf8_repair(void **state) {
        _cleanup_free_ char *a = utf8_escape_invalid("Caf\xe9", 4), *b = utf8_escape_invalid("ok \xc3\xa9", 5),
                            *c = utf8_escape_invalid("\xc0\xaf\xed\xa0\x80x", 6);

        assert_true(utf8_is_valid("Caf\xc3\xa9", 5));
        assert_false(utf8_is_valid("Caf\xe9", 4));
        assert_false(utf8_is_valid("a\0b", 3));
        assert_string_equal(a, "Caf" UTF8_REPLACEMENT);
        assert_string_equal(b, "ok \xc3\xa9");
        /* An overlong '/' and a surrogate: every byte replaced. */
        assert_string_equal(c, UTF8_REPLACEMENT UTF8_REPLACEMENT UTF8_REPLACEMENT UTF8_REPLACEMENT
                               UTF8_REPLACEMENT "x");
}

/* A Latin-1 string in an Info.plist (libplist passes the byte on): that personality is refused. */
static void test_non_utf8_personality(void **state) {
        static const char xml[] =
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<plist version=\"1.0\"><dict>"
                "<key>CFBundleIdentifier</key><string>org.example.latin1</string>"
                "<key>IOKitPersonalities</key><dict>"
                "<key>Good</key><dict><key>IOProviderClass</key><string>IOResources</string></dict>"
                "<key>Latin</key><dict><key>IOProviderClass</key><string>IOResources</string>"
                "<key>Vendor</key><string>Soci\xe9t\xe9</string></dict>"
                "</dict></dict></plist>\n";
        Errors errors = {};

        assert_int_equal(load_one("latin1.plist", xml, strlen(xml), &errors), 1);
        assert_int_equal(errors.n, 1);
        assert_true(strstr(errors.items[0], "personality 'Latin': key 'Vendor': a string that is not UTF-8"));
        errors_done(&errors);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_huge_depth_personalities),
                cmocka_unit_test(test_bplist_depth_and_cycles),
                cmocka_unit_test(test_xplist_depth),
                cmocka_unit_test(test_huge_depth_snapshots),
                cmocka_unit_test(test_nesting_beyond_the_bus),
                cmocka_unit_test(test_utf8_repair),
                cmocka_unit_test(test_non_utf8_personality),
        };

        return cmocka_run_group_tests_name("bad data in files", tests, setup, teardown);
}
