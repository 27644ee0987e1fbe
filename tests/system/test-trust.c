/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * trust.h on real files: a root 0644 file in root 0755 directories is
 * trusted; a file of another owner, a 0666 file, a file in a
 * group-writable directory, and a symlink to an untrusted file are
 * refused; enforcement off accepts anything. Then personality_dirs_load()
 * with trust on: the refused file is skipped and the rest loads. Runs as
 * root (chown); skipped otherwise.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "personality-dirs.h"
#include "trust.h"

static char dir[] = "/tmp/ioreg-trust-XXXXXX";

static const char personality_json[] =
        "{ \"CFBundleIdentifier\": \"org.example.%s\", \"IOKitPersonalities\": { \"%s\": {"
        " \"IOClass\": \"IOService\", \"IOProviderClass\": \"IOResources\", \"IOResourceMatch\": \"IOKit\" } } }\n";

static char *make_file(const char *sub, const char *name, mode_t mode, uid_t uid) {
        char *path;
        FILE *f;

        assert_true(asprintf(&path, "%s/%s/%s", dir, sub, name) > 0);
        f = fopen(path, "w");
        assert_non_null(f);
        fprintf(f, personality_json, name, name);
        fclose(f);
        assert_int_equal(chmod(path, mode), 0);
        assert_int_equal(chown(path, uid, uid), 0);
        return path;
}

static char *make_dir(const char *sub, mode_t mode) {
        char *path;

        assert_true(asprintf(&path, "%s/%s", dir, sub) > 0);
        assert_int_equal(mkdir(path, 0755), 0);
        assert_int_equal(chmod(path, mode), 0);
        return path;
}

static int setup(void **state) {
        if (getuid() != 0)
                return -1;
        assert_non_null(mkdtemp(dir));
        assert_int_equal(chmod(dir, 0755), 0);
        return 0;
}

static int teardown(void **state) {
        char *cmd;

        assert_true(asprintf(&cmd, "rm -rf '%s'", dir) > 0);
        assert_int_equal(system(cmd), 0);
        free(cmd);
        return 0;
}

static void test_check_path(void **state) {
        _cleanup_free_ char *ok_dir = make_dir("ok", 0755), *gw_dir = make_dir("groupw", 0775);
        _cleanup_free_ char *good = make_file("ok", "good.json", 0644, 0);
        _cleanup_free_ char *other = make_file("ok", "other.json", 0644, 65534);
        _cleanup_free_ char *world = make_file("ok", "world.json", 0666, 0);
        _cleanup_free_ char *groupw = make_file("ok", "groupw.json", 0664, 0);
        _cleanup_free_ char *in_gw = make_file("groupw", "in-gw.json", 0644, 0);
        _cleanup_free_ char *link = NULL, *rel = NULL;

        trust_set_enforced(true);
        assert_int_equal(trust_check_path(good), 0);
        assert_int_equal(trust_check_path(other), -EPERM);
        assert_int_equal(trust_check_path(world), -EPERM);
        assert_int_equal(trust_check_path(groupw), -EPERM);
        assert_int_equal(trust_check_path(in_gw), -EPERM);
        assert_int_equal(trust_check_path(ok_dir), 0);
        assert_int_equal(trust_check_path(gw_dir), -EPERM);
        /* A root-owned link to an untrusted file: the target decides. */
        assert_true(asprintf(&link, "%s/ok/link.json", dir) > 0);
        assert_int_equal(symlink(world, link), 0);
        assert_int_equal(trust_check_path(link), -EPERM);
        /* A link by another user, even to a good file. */
        assert_int_equal(unlink(link), 0);
        assert_int_equal(symlink(good, link), 0);
        assert_int_equal(trust_check_path(link), 0);
        assert_int_equal(lchown(link, 65534, 65534), 0);
        assert_int_equal(trust_check_path(link), -EPERM);
        assert_int_equal(unlink(link), 0);
        /* Relative paths walk up from the working directory. */
        assert_int_equal(chdir(ok_dir), 0);
        assert_int_equal(trust_check_path("good.json"), 0);
        assert_int_equal(trust_check_path("world.json"), -EPERM);
        assert_int_equal(trust_check_path("missing.json"), -ENOENT);
        assert_int_equal(chdir("/"), 0);
        /* Off: anything goes (private buses, tests). */
        trust_set_enforced(false);
        assert_int_equal(trust_check_path(world), 0);
        assert_int_equal(trust_check_path(in_gw), 0);
}

static void test_dirs_load(void **state) {
        _cleanup_free_ char *d = make_dir("load", 0755);
        _cleanup_free_ char *a = make_file("load", "a-good.json", 0644, 0);
        _cleanup_free_ char *b = make_file("load", "b-world.json", 0666, 0);
        _cleanup_free_ char *c = make_file("load", "c-other.json", 0644, 65534);
        _cleanup_free_ char *e = make_file("load", "e-good.json", 0600, 0);
        char *dirs[] = { d, NULL };
        PersonalityList list = PERSONALITY_LIST_INIT;
        PersonalityLoadStats stats = {};

        trust_set_enforced(true);
        assert_int_equal(personality_dirs_load(dirs, &list, NULL, NULL, &stats), 0);
        assert_int_equal(list.n, 2);
        assert_string_equal(list.items[0]->name, "a-good.json");
        assert_string_equal(list.items[1]->name, "e-good.json");
        assert_int_equal(stats.n_errors, 2);
        personality_list_done(&list);

        /* Not enforced: all four. */
        trust_set_enforced(false);
        stats = (PersonalityLoadStats) {};
        assert_int_equal(personality_dirs_load(dirs, &list, NULL, NULL, &stats), 0);
        assert_int_equal(list.n, 4);
        assert_int_equal(stats.n_errors, 0);
        personality_list_done(&list);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_check_path),
                cmocka_unit_test(test_dirs_load),
        };

        if (getuid() != 0) {
                printf("Needs root (chown), skipping.\n");
                return 77;
        }
        return cmocka_run_group_tests(tests, setup, teardown);
}
