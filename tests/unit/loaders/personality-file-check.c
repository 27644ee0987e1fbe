/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * personality-file-check.c: what the personality file tests
 * (test-personality-*.c) share: the loader's errors collected as text,
 * typed checks of a personality's values, and files and folders made in a
 * temporary directory.
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

void collect(void *userdata, const PersonalityError *e) {
        Errors *errors = userdata;

        assert_true(errors->n < ELEMENTSOF(errors->items));
        errors->items[errors->n] = personality_error_to_string(e);
        assert_non_null(errors->items[errors->n]);
        errors->n++;
}

void errors_done(Errors *errors) {
        for (unsigned i = 0; i < errors->n; i++)
                free(errors->items[i]);
        errors->n = 0;
}

/* Every expected message, in order, each prefixed with "FILE: ". */
void assert_errors(const Errors *errors, const char *file, const char *const *expected, unsigned n) {
        if (errors->n != n)
                for (unsigned i = 0; i < errors->n; i++)
                        print_message("unexpected? %s\n", errors->items[i]);
        for (unsigned i = 0; i < n && i < errors->n; i++) {
                _cleanup_free_ char *want = NULL;

                assert_true(asprintf(&want, "%s: %s", file, expected[i]) >= 0);
                assert_string_equal(errors->items[i], want);
        }
        assert_int_equal(errors->n, n);
}

const Personality *find(const PersonalityList *l, const char *name) {
        for (unsigned i = 0; i < l->n; i++)
                if (streq(l->items[i]->name, name))
                        return l->items[i];
        fail_msg("no personality '%s'", name);
        return NULL;
}

const Value *get(const Personality *p, const char *key) {
        const Value *v = value_dict_get(p->dict, key);

        if (!v)
                fail_msg("personality '%s' has no key '%s'", p->name, key);
        return v;
}

void assert_unsigned(const Value *v, uint64_t want) {
        assert_int_equal(value_type(v), VALUE_NUMBER);
        assert_false(value_number_is_signed(v));
        assert_int_equal(value_number_bits(v), 64);
        assert_int_equal(value_unsigned(v), want);
}

void assert_signed(const Value *v, int64_t want) {
        assert_int_equal(value_type(v), VALUE_NUMBER);
        assert_true(value_number_is_signed(v));
        assert_int_equal(value_number_bits(v), 64);
        assert_int_equal(value_signed(v), want);
}

void assert_string(const Value *v, const char *want) {
        assert_non_null(v);
        assert_int_equal(value_type(v), VALUE_STRING);
        assert_string_equal(value_string(v, NULL), want);
}

void assert_boolean(const Value *v, bool want) {
        assert_non_null(v);
        assert_int_equal(value_type(v), VALUE_BOOLEAN);
        assert_int_equal(value_boolean(v), want);
}

void assert_data(const Value *v, const void *want, size_t len) {
        size_t n = 0;
        const uint8_t *d;

        assert_non_null(v);
        assert_int_equal(value_type(v), VALUE_DATA);
        d = value_data(v, &n);
        assert_int_equal(n, len);
        if (len > 0)
                assert_memory_equal(d, want, len);
}

void load(const char *path, PersonalityList *list, Errors *errors, PersonalityLoadStats *stats) {
        assert_int_equal(personality_file_load(path, list, collect, errors, stats), 0);
}

void write_file(const char *path, const char *content) {
        FILE *f = fopen(path, "we");

        assert_non_null(f);
        assert_int_equal(fputs(content, f) >= 0, 1);
        assert_int_equal(fclose(f), 0);
}

void copy_file(const char *from, const char *to) {
        _cleanup_fclose_ FILE *in = fopen(from, "re");
        _cleanup_fclose_ FILE *out = fopen(to, "we");
        char buf[4096];
        size_t n;

        assert_non_null(in);
        assert_non_null(out);
        while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
                assert_int_equal(fwrite(buf, 1, n, out), n);
}

char *path_join(const char *a, const char *b) {
        char *s = NULL;

        assert_true(asprintf(&s, "%s/%s", a, b) >= 0);
        return s;
}

void make_dir(const char *base, const char *sub) {
        _cleanup_free_ char *p = path_join(base, sub);

        assert_int_equal(mkdir(p, 0755), 0);
}

void rm_rf(const char *path) {
        _cleanup_free_ char *cmd = NULL;

        /* Only ever a mkdtemp() directory of ours. */
        assert_true(strncmp(path, "/tmp/test-personality-", 22) == 0);
        assert_true(asprintf(&cmd, "rm -rf '%s'", path) >= 0);
        assert_int_equal(system(cmd), 0);
}
