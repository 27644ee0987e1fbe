/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-driver-spec.c: how a personality's server is found and described
 * (daemon/drivers/driver-spec.h), against real files in a temporary folder: an
 * absolute path, a path relative to the personality file, a bare name in
 * the driver path, a .dext bundle's CFBundleExecutable (deep and shallow),
 * the optional keys, and the errors.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "driver-spec.h"
#include "value-json.h"

static char dir[] = "/tmp/ioreg-spec-XXXXXX";

static void make_file(const char *rel, const char *text, mode_t mode) {
        char path[512];
        FILE *f;

        snprintf(path, sizeof(path), "%s/%s", dir, rel);
        f = fopen(path, "we");
        assert_non_null(f);
        fputs(text, f);
        assert_int_equal(fclose(f), 0);
        assert_int_equal(chmod(path, mode), 0);
}

static void make_dir(const char *rel) {
        char path[512];

        snprintf(path, sizeof(path), "%s/%s", dir, rel);
        assert_int_equal(mkdir(path, 0755), 0);
}

static Personality *personality(const char *json, const char *source_rel) {
        json_error_t jerr;
        json_t *j = json_loads(json, 0, &jerr);
        Value *v = NULL;
        Personality *p = NULL;
        char source[512];

        assert_non_null(j);
        assert_int_equal(value_from_json(j, &v, NULL), 0);
        json_decref(j);
        snprintf(source, sizeof(source), "%s/%s", dir, source_rel);
        assert_int_equal(personality_new("test", "org.test", source, v, &p), 0);
        return p;
}

static int setup(void **state) {
        if (!mkdtemp(dir))
                return -1;
        make_file("server", "#!/bin/sh\n", 0755);
        make_file("not-executable", "", 0644);
        make_dir("sub");
        make_file("sub/rel-server", "#!/bin/sh\n", 0755);
        make_dir("path");
        make_file("path/named-server", "#!/bin/sh\n", 0755);
        make_dir("Deep.dext");
        make_dir("Deep.dext/Contents");
        make_dir("Deep.dext/Contents/MacOS");
        make_file("Deep.dext/Contents/MacOS/deep", "#!/bin/sh\n", 0755);
        make_file("Deep.dext/Contents/Info.plist",
                  "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<plist version=\"1.0\"><dict>"
                  "<key>CFBundleExecutable</key><string>deep</string></dict></plist>\n", 0644);
        make_dir("Shallow.dext");
        make_file("Shallow.dext/shallow", "#!/bin/sh\n", 0755);
        make_file("Shallow.dext/Info.plist",
                  "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<plist version=\"1.0\"><dict>"
                  "<key>CFBundleExecutable</key><string>shallow</string></dict></plist>\n", 0644);
        make_dir("Bad.dext");
        make_file("Bad.dext/Info.plist",
                  "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<plist version=\"1.0\"><dict>"
                  "<key>CFBundleExecutable</key><string>../../server</string></dict></plist>\n", 0644);
        return 0;
}

static int teardown(void **state) {
        char cmd[600];

        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
        return system(cmd) == 0 ? 0 : -1;
}

typedef struct Case {
        const char *json, *source;
        int expected;          /* 0 or the negative errno */
        const char *executable; /* relative to dir, when expected is 0 */
} Case;

static void test_executables(void **state) {
        static const Case cases[] = {
                { "{\"IOUserServerName\":\"s\",\"IOUserServerExecutable\":\"sub/rel-server\"}", "x.json", 0, "sub/rel-server" },
                { "{\"IOUserServerName\":\"s\",\"IOUserServerExecutable\":\"named-server\"}", "x.json", 0, "path/named-server" },
                { "{\"IOUserServerName\":\"s\",\"IOUserServerExecutable\":\"server\"}", "x.json", -ENOENT, NULL }, /* not in the path */
                { "{\"IOUserServerName\":\"s\",\"IOUserServerExecutable\":\"./not-executable\"}", "x.json", -ENOENT, NULL },
                { "{\"IOUserServerName\":\"s\",\"IOUserServerExecutable\":\"\"}", "x.json", -EINVAL, NULL },
                { "{\"IOUserServerName\":\"s\",\"IOUserServerExecutable\":5}", "x.json", -EINVAL, NULL },
                { "{\"IOUserServerName\":\"s\"}", "Deep.dext/Contents/Info.plist", 0, "Deep.dext/Contents/MacOS/deep" },
                { "{\"IOUserServerName\":\"s\"}", "Shallow.dext/Info.plist", 0, "Shallow.dext/shallow" },
                { "{\"IOUserServerName\":\"s\"}", "Bad.dext/Info.plist", -ENOENT, NULL }, /* a path, not a name */
                { "{\"IOUserServerName\":\"s\"}", "x.json", -ENOENT, NULL },
                { "{\"IOUserServerExecutable\":\"sub/rel-server\"}", "x.json", -EINVAL, NULL },
        };
        char path_dir[512];
        char *search[] = { path_dir, NULL };

        snprintf(path_dir, sizeof(path_dir), "%s/path", dir);
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                _cleanup_(personality_unrefp) Personality *p = personality(cases[i].json, cases[i].source);
                _cleanup_(driver_spec_done) DriverSpec spec = {};
                const char *why = NULL;
                int r = driver_spec_from_personality(p, search, &spec, &why);

                print_message("case %zu: %s → %d (%s)\n", i, cases[i].json, r, why ?: "");
                assert_int_equal(r, cases[i].expected);
                if (r == 0) {
                        char want[512];

                        snprintf(want, sizeof(want), "%s/%s", dir, cases[i].executable);
                        assert_string_equal(spec.executable, want);
                        assert_string_equal(spec.argv[0], want);
                        assert_null(spec.argv[1]);
                        assert_string_equal(spec.server_name, "s");
                        assert_int_equal(spec.restart, DRIVER_RESTART_ON_FAILURE);
                } else
                        assert_non_null(why);
        }
}

static void test_wanted(void **state) {
        _cleanup_(personality_unrefp) Personality *codeless = personality("{\"IOUserServerName\":\"s\"}", "x.json");
        _cleanup_(personality_unrefp) Personality *hosted =
                personality("{\"IOUserServerName\":\"s\",\"IOUserServerExecutable\":\"x\"}", "x.json");
        _cleanup_(personality_unrefp) Personality *bundle =
                personality("{\"IOUserServerName\":\"s\"}", "Deep.dext/Contents/Info.plist");
        _cleanup_(personality_unrefp) Personality *plain = personality("{\"IOClass\":\"X\"}", "x.json");

        /* A server with no way to launch it stays codeless (Apple's own personalities in tests). */
        assert_false(driver_spec_wanted(codeless));
        assert_true(driver_spec_wanted(hosted));
        assert_true(driver_spec_wanted(bundle));
        assert_false(driver_spec_wanted(plain));
}

static void test_optional_keys(void **state) {
        _cleanup_(personality_unrefp) Personality *p = personality(
                "{\"IOUserServerName\":\"s\",\"IOUserServerExecutable\":\"sub/rel-server\","
                "\"IOUserServerArguments\":[\"--verbose\",\"-x\"],"
                "\"IOUserServerEnvironment\":{\"A\":\"1\",\"B\":\"two\"},"
                "\"IOUserServerUser\":\"nobody\",\"IOUserServerGroup\":\"nogroup\",\"IOUserServerRestart\":\"no\"}",
                "x.json");
        _cleanup_(personality_unrefp) Personality *bad_args = personality(
                "{\"IOUserServerName\":\"s\",\"IOUserServerExecutable\":\"sub/rel-server\",\"IOUserServerArguments\":[1]}",
                "x.json");
        _cleanup_(personality_unrefp) Personality *bad_env = personality(
                "{\"IOUserServerName\":\"s\",\"IOUserServerExecutable\":\"sub/rel-server\","
                "\"IOUserServerEnvironment\":{\"A=B\":\"1\"}}",
                "x.json");
        _cleanup_(personality_unrefp) Personality *bad_restart = personality(
                "{\"IOUserServerName\":\"s\",\"IOUserServerExecutable\":\"sub/rel-server\",\"IOUserServerRestart\":\"always\"}",
                "x.json");
        _cleanup_(driver_spec_done) DriverSpec spec = {};
        DriverSpec unused = {};
        const char *why = NULL;

        assert_int_equal(driver_spec_from_personality(p, NULL, &spec, &why), 0);
        assert_string_equal(spec.argv[1], "--verbose");
        assert_string_equal(spec.argv[2], "-x");
        assert_null(spec.argv[3]);
        assert_string_equal(spec.env[0], "A=1");
        assert_string_equal(spec.env[1], "B=two");
        assert_null(spec.env[2]);
        assert_string_equal(spec.user, "nobody");
        assert_string_equal(spec.group, "nogroup");
        assert_int_equal(spec.restart, DRIVER_RESTART_NO);
        assert_int_equal(driver_spec_from_personality(bad_args, NULL, &unused, &why), -EINVAL);
        assert_int_equal(driver_spec_from_personality(bad_env, NULL, &unused, &why), -EINVAL);
        assert_int_equal(driver_spec_from_personality(bad_restart, NULL, &unused, &why), -EINVAL);
        assert_null(unused.executable); /* untouched on failure */
}

static void test_default_path(void **state) {
        _cleanup_strv_free_ char **l = NULL;

        assert_int_equal(setenv(IOREG_DRIVER_PATH_ENV, "/a::/b", 1), 0);
        l = driver_spec_default_path("/installed");
        assert_non_null(l);
        assert_string_equal(l[0], "/a");
        assert_string_equal(l[1], "/b");
        assert_string_equal(l[2], "/installed");
        assert_null(l[3]);
        unsetenv(IOREG_DRIVER_PATH_ENV);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_executables),
                cmocka_unit_test(test_wanted),
                cmocka_unit_test(test_optional_keys),
                cmocka_unit_test(test_default_path),
        };

        return cmocka_run_group_tests_name("driver spec", tests, setup, teardown);
}
