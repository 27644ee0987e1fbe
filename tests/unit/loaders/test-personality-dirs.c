/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-personality-dirs.c: the personality directory rules (override,
 * masking, order, duplicates) on temporary directories.
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

static char *json_bundle(const char *bundle_id, const char *name, const char *class) {
        char *s = NULL;

        assert_true(asprintf(&s,
                             "{ \"CFBundleIdentifier\": \"%s\", \"IOKitPersonalities\": { \"%s\": "
                             "{ \"IOClass\": \"%s\", \"IOProviderClass\": \"IOResources\", \"IOProbeScore\": 5 } } }\n",
                             bundle_id, name, class) >= 0);
        return s;
}

static void put(const char *dir, const char *sub, const char *content) {
        _cleanup_free_ char *p = path_join(dir, sub);

        write_file(p, content);
}

static void test_dirs_override(void **state) {
        char root[] = "/tmp/test-personality-XXXXXX";
        _cleanup_free_ char *usr = NULL, *etc = NULL, *extra = NULL, *missing = NULL;
        _cleanup_free_ char *a_usr = NULL, *a_etc = NULL, *c = NULL, *d = NULL, *masked = NULL, *info = NULL;
        PersonalityList list = PERSONALITY_LIST_INIT;
        PersonalityLoadStats stats = {};
        Errors errors = {};

        assert_non_null(mkdtemp(root));
        make_dir(root, "usr");
        make_dir(root, "etc");
        make_dir(root, "extra");
        usr = path_join(root, "usr");
        etc = path_join(root, "etc");
        extra = path_join(root, "extra");
        missing = path_join(root, "missing");

        a_usr = json_bundle("org.example.a", "A", "VendorA");
        a_etc = json_bundle("org.example.a", "A", "AdminA");
        c = json_bundle("org.example.c", "C", "C");
        d = json_bundle("org.example.d", "D", "ExtraD");
        put(usr, "a.json", a_usr);
        put(usr, "c.json", c);
        put(usr, "z.kext", ""); /* a file where a bundle folder belongs: ignored */
        make_dir(usr, "IOKitTest.kext");
        make_dir(usr, "IOKitTest.kext/Contents");
        info = path_join(usr, "IOKitTest.kext/Contents/Info.plist");
        copy_file(PLISTS "/apress-Ch04-IOKitTest-Info.plist", info);
        put(usr, "b.plist", "");      /* overridden below before it could fail */
        put(etc, "a.json", a_etc);   /* /etc overrides /usr/share */
        put(etc, "README", "not a personality file\n");
        put(etc, ".hidden.json", "{");
        put(etc, "b.plist", "");     /* still broken: reported */
        masked = path_join(etc, "c.json");
        assert_int_equal(symlink("/dev/null", masked), 0); /* masks usr/c.json */
        put(extra, "d.json", d);
        put(extra, "b.plist", "garbage"); /* the last word on b.plist */

        char *dirs[] = { usr, etc, missing, extra, NULL };
        assert_int_equal(personality_dirs_load(dirs, &list, collect, &errors, &stats), 0);

        /* Name order: IOKitTest.kext, a.json, b.plist (failed), d.json. */
        {
                _cleanup_free_ char *b = path_join(extra, "b.plist");

                assert_errors(&errors, b, (const char *const[]) { "not a property list (XML or binary)" }, 1);
        }
        assert_int_equal(list.n, 3);
        assert_string_equal(list.items[0]->name, "TestIOKit");
        assert_string_equal(list.items[0]->source, info);
        assert_string_equal(list.items[1]->name, "A");
        assert_string(get(list.items[1], "IOClass"), "AdminA");
        assert_string_equal(list.items[2]->name, "D");
        assert_string(get(list.items[2], "IOClass"), "ExtraD");
        assert_int_equal(stats.n_files, 4);
        assert_int_equal(stats.n_personalities, 3);
        assert_int_equal(stats.n_errors, 1);
        assert_int_equal(stats.n_duplicates, 0);

        /* The same again: the order does not depend on the directory listing. */
        {
                PersonalityList again = PERSONALITY_LIST_INIT;

                assert_int_equal(personality_dirs_load(dirs, &again, NULL, NULL, NULL), 0);
                assert_int_equal(again.n, list.n);
                for (unsigned i = 0; i < list.n; i++)
                        assert_true(personality_equal(again.items[i], list.items[i]));
                personality_list_done(&again);
        }

        errors_done(&errors);
        personality_list_done(&list);
        rm_rf(root);
}

static void test_dirs_duplicates(void **state) {
        char root[] = "/tmp/test-personality-XXXXXX";
        _cleanup_free_ char *one = NULL, *other_bundle = NULL;
        PersonalityList list = PERSONALITY_LIST_INIT;
        PersonalityLoadStats stats = {};
        Errors errors = {};

        assert_non_null(mkdtemp(root));
        one = json_bundle("org.example.a", "A", "Same");
        other_bundle = json_bundle("org.example.b", "A", "Same");
        put(root, "1.json", one);
        put(root, "2.json", one);                 /* the same personality again: dropped */
        put(root, "3.json", other_bundle);        /* another bundle: kept */
        /* The same dictionary in another key order, with the bundle's identifier spelled out: dropped. */
        put(root, "4.json",
            "{ \"IOKitPersonalities\": { \"A again\": { \"IOProbeScore\": 5, \"IOProviderClass\": \"IOResources\", "
            "\"CFBundleIdentifier\": \"org.example.a\", \"IOClass\": \"Same\" } } }\n");
        /* A superset is not a duplicate (Apple lets them coexist). */
        put(root, "5.json",
            "{ \"CFBundleIdentifier\": \"org.example.a\", \"IOKitPersonalities\": { \"A\": { \"IOClass\": \"Same\", "
            "\"IOProviderClass\": \"IOResources\", \"IOProbeScore\": 5, \"IOMatchCategory\": \"Other\" } } }\n");
        put(root, "6.plist", "");

        char *dirs[] = { root, NULL };
        assert_int_equal(personality_dirs_load(dirs, &list, collect, &errors, &stats), 0);
        assert_int_equal(errors.n, 1); /* 6.plist is empty */
        assert_int_equal(list.n, 3);
        assert_string_equal(list.items[0]->source + strlen(root), "/1.json");
        assert_string_equal(list.items[1]->source + strlen(root), "/3.json");
        assert_string_equal(list.items[1]->bundle_id, "org.example.b");
        assert_string_equal(list.items[2]->source + strlen(root), "/5.json");
        assert_int_equal(stats.n_files, 6);
        assert_int_equal(stats.n_personalities, 3);
        assert_int_equal(stats.n_duplicates, 2);

        /* Loading into a list that has them already adds nothing. */
        stats = (PersonalityLoadStats) {};
        errors_done(&errors);
        assert_int_equal(personality_dirs_load(dirs, &list, collect, &errors, &stats), 0);
        assert_int_equal(list.n, 3);
        assert_int_equal(stats.n_duplicates, 5);

        errors_done(&errors);
        personality_list_done(&list);
        rm_rf(root);
}

static void test_dirs_entry_names(void **state) {
        assert_true(personality_dirs_entry_name_valid("50-acme.json"));
        assert_true(personality_dirs_entry_name_valid("Info.plist"));
        assert_true(personality_dirs_entry_name_valid("AppleUSBMergeNub.kext"));
        assert_true(personality_dirs_entry_name_valid("MyDriver.dext"));
        assert_false(personality_dirs_entry_name_valid(".json"));
        assert_false(personality_dirs_entry_name_valid(".acme.json"));
        assert_false(personality_dirs_entry_name_valid("acme.json~"));
        assert_false(personality_dirs_entry_name_valid("acme.txt"));
        assert_false(personality_dirs_entry_name_valid("README"));
}

static void test_dirs_default(void **state) {
        char *extra[] = { (char *) "/srv/one", (char *) "/srv/two", NULL };
        _cleanup_strv_free_ char **l = personality_dirs_default(extra);
        _cleanup_strv_free_ char **none = personality_dirs_default(NULL);

        assert_non_null(l);
        /* The build's prefix: meson passes them (daemon/meson.build). */
        assert_string_equal(l[0], PERSONALITY_DIR_VENDOR);
        assert_string_equal(l[1], PERSONALITY_DIR_ADMIN);
        assert_true(strstr(l[0], "/share/ioreg/personalities") != NULL);
        assert_true(strstr(l[1], "/ioreg/personalities") != NULL);
        assert_string_equal(l[2], "/srv/one");
        assert_string_equal(l[3], "/srv/two");
        assert_null(l[4]);
        assert_non_null(none);
        assert_null(none[2]);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_dirs_override),
                cmocka_unit_test(test_dirs_duplicates),
                cmocka_unit_test(test_dirs_entry_names),
                cmocka_unit_test(test_dirs_default),
        };

        return cmocka_run_group_tests_name("personality directories", tests, NULL, NULL);
}
