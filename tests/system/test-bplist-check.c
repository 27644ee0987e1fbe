/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bplist-check.h: the checked-in binary Info.plists pass and load; the
 * regression inputs with a NUL in a dictionary key (ASCII and UTF-16) are
 * refused with a message, where libplist 2.2 would abort; every prefix and
 * many single-byte corruptions of a real file give an answer, never a crash.
 */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "bplist-check.h"
#include "personality-file.h"

static char *read_all(const char *path, size_t *ret_len) {
        FILE *f = fopen(path, "rb");
        char *buf;
        long n;

        assert_non_null(f);
        assert_int_equal(fseek(f, 0, SEEK_END), 0);
        n = ftell(f);
        rewind(f);
        buf = malloc(n + 1);
        assert_non_null(buf);
        assert_int_equal(fread(buf, 1, n, f), (size_t) n);
        fclose(f);
        *ret_len = n;
        return buf;
}

static char *last_error;

static void on_error(void *userdata, const PersonalityError *e) {
        free(last_error);
        last_error = personality_error_to_string(e);
}

static unsigned load(const char *name, const char *buf, size_t len, unsigned *ret_errors) {
        PersonalityList list = PERSONALITY_LIST_INIT;
        PersonalityLoadStats stats = {};
        unsigned n;

        assert_int_equal(personality_buffer_load(name, buf, len, &list, on_error, NULL, &stats), 0);
        n = list.n;
        personality_list_done(&list);
        *ret_errors = stats.n_errors;
        return n;
}

static void test_seeds_pass(void **state) {
        const char *dir = FUZZ_CORPUS "/personality-plist";
        DIR *d = opendir(dir);
        unsigned n_binary = 0;
        struct dirent *de;

        assert_non_null(d);
        while ((de = readdir(d))) {
                _cleanup_free_ char *path = NULL, *buf = NULL;
                const char *reason = NULL;
                unsigned errors;
                size_t len;

                if (strncmp(de->d_name, "apple-", 6) != 0 && strncmp(de->d_name, "apress-", 7) != 0)
                        continue;
                assert_true(asprintf(&path, "%s/%s", dir, de->d_name) > 0);
                buf = read_all(path, &len);
                assert_true(bplist_is_binary(buf, len));
                n_binary++;
                assert_int_equal(bplist_check(buf, len, &reason), 0);
                assert_null(reason);
                assert_true(load(path, buf, len, &errors) > 0);
                assert_int_equal(errors, 0);
        }
        closedir(d);
        assert_true(n_binary >= 4);
}

static void test_nul_keys_refused(void **state) {
        static const char *const files[] = {
                FUZZ_CORPUS "/personality-plist/regress-nul-key-ascii.bplist",
                FUZZ_CORPUS "/personality-plist/regress-nul-key-utf16.bplist",
        };

        for (size_t i = 0; i < ELEMENTSOF(files); i++) {
                _cleanup_free_ char *buf = NULL;
                const char *reason = NULL;
                unsigned errors;
                size_t len;

                buf = read_all(files[i], &len);
                assert_int_equal(bplist_check(buf, len, &reason), -EBADMSG);
                assert_string_equal(reason, "a dictionary key holds a NUL character");
                assert_int_equal(load(files[i], buf, len, &errors), 0);
                assert_int_equal(errors, 1);
                assert_non_null(strstr(last_error, "NUL character"));
        }
}

static void test_damage(void **state) {
        _cleanup_free_ char *buf = NULL, *copy = NULL;
        const char *reason;
        size_t len;

        buf = read_all(FUZZ_CORPUS "/personality-plist/apress-Ch04-IOKitTest.bplist", &len);
        copy = malloc(len);
        assert_non_null(copy);
        /* Every prefix: the trailer moves, so almost all are broken; none may crash. */
        for (size_t n = 0; n < len; n++) {
                int r = bplist_check(buf, n, &reason);

                assert_true(r == 0 || r == -EBADMSG);
        }
        /* Every byte set to 0x00, 0xff and 0x0f in turn, through the loader (libplist included). */
        for (size_t i = 0; i < len; i++)
                for (unsigned v = 0; v < 3; v++) {
                        unsigned errors;

                        memcpy(copy, buf, len);
                        copy[i] = (char) (v == 0 ? 0x00 : v == 1 ? 0xff : 0x0f);
                        (void) load("damaged.plist", copy, len, &errors);
                }
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_seeds_pass),
                cmocka_unit_test(test_nul_keys_refused),
                cmocka_unit_test(test_damage),
        };
        int r = cmocka_run_group_tests(tests, NULL, NULL);

        free(last_error);
        return r;
}
