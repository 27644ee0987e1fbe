/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-robust-deep.c: nesting deeper than the wire allows (issue 23, G),
 * end to end. The real ioregd on a private dbus-daemon loads a folder with
 * a personality nested 32 levels deep next to one that is not: the deep one
 * is refused by name in the log, the other loads (Catalogue1.Personalities
 * is 1), GetPlane answers and `ioreg -l` prints the plane. `ioreg --from`
 * a property list and a text dump 100,000 levels deep fails with a message,
 * not a crash.
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
#include <sys/wait.h>
#include <unistd.h>

#include "macro.h"
#include "protocol.h"
#include "registry-query.h"
#include "test-bus.h"
#include "test-daemon.h"

static TestBus test_bus;
static TestDaemon daemon_;
static char dir[] = "/tmp/test-robust-deep-XXXXXX";
static char pdir[sizeof(dir) + 16];

/* A JSON value nested n levels: {"k": {"k": ... 1 ...}}. Owned by the caller. */
static char *nest(unsigned n, const char *open, const char *middle, const char *close) {
        size_t lo = strlen(open), lc = strlen(close);
        char *s = malloc(n * (lo + lc) + strlen(middle) + 1), *p = s;

        assert_non_null(s);
        for (unsigned i = 0; i < n; i++)
                p = stpcpy(p, open);
        p = stpcpy(p, middle);
        for (unsigned i = 0; i < n; i++)
                p = stpcpy(p, close);
        return s;
}

static void write_text(const char *path, const char *head, const char *body, const char *tail) {
        FILE *f = fopen(path, "we");

        assert_non_null(f);
        fputs(head, f);
        fputs(body, f);
        fputs(tail, f);
        assert_int_equal(fclose(f), 0);
}

static int setup(void **state) {
        _cleanup_free_ char *deep = NULL, *path = NULL;
        const char *args[3] = { NULL };

        if (!mkdtemp(dir))
                return -1;
        snprintf(pdir, sizeof(pdir), "%s/p", dir);
        if (mkdir(pdir, 0755) < 0)
                return -1;
        deep = nest(32, "{\"k\": ", "1", "}");
        if (asprintf(&path, "%s/deep.json", pdir) < 0)
                return -1;
        write_text(path,
                   "{\"CFBundleIdentifier\": \"org.example.deep\", \"IOKitPersonalities\": {"
                   "\"Good\": {\"IOProviderClass\": \"IOResources\", \"IOMatchCategory\": \"Good\"},"
                   "\"Deep\": {\"IOProviderClass\": \"IOResources\", \"IOMatchCategory\": \"Deep\", \"Nest\": ",
                   deep, "}}}\n");
        args[0] = "--personalities";
        args[1] = pdir;
        if (test_bus_start(&test_bus) < 0)
                return -1;
        return test_daemon_start(&daemon_, &test_bus, args) < 0 ? -1 : 0;
}

static int teardown(void **state) {
        char cmd[128];
        int r = test_daemon_stop_with_bus(&daemon_, &test_bus);

        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
        (void) !system(cmd);
        return r < 0 ? -1 : 0;
}

/* Runs a shell command; its exit status (or 128 + the signal that killed it). */
static int run(const char *cmd) {
        int status = system(cmd);

        assert_true(status >= 0);
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static void test_deep_personality_refused(void **state) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *b = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_free_ uint64_t *ids = NULL;
        char cmd[1024];
        uint32_t n_personalities = 0;
        unsigned n = 0;

        assert_int_equal(test_bus_connect(&test_bus, &b), 0);
        assert_true(sd_bus_get_property_trivial(b, IOREG_BUS_NAME, IOREG_OBJECT_PATH, IOREG_CATALOGUE_INTERFACE,
                                                "Personalities", &error, 'u', &n_personalities) >= 0);
        assert_int_equal(n_personalities, 1);
        /* GetPlane answers for everyone. */
        assert_int_equal(plane_ids(b, NULL, 0, &ids, &n), 0);
        assert_true(n > 0);
        snprintf(cmd, sizeof(cmd), "IOREG_BUS_ADDRESS='%s' " BUILD_ROOT "/cli/ioreg -l -w0 > /dev/null", test_bus.address);
        assert_int_equal(run(cmd), 0);
}

static void test_ioreg_from_deep_files(void **state) {
        _cleanup_free_ char *xml = nest(100000, "<array>", "<true/>", "</array>"),
                            *text = nest(100000, "(", "1", ")"), *p1 = NULL, *p2 = NULL;
        char cmd[1024];
        int r;

        assert_true(asprintf(&p1, "%s/deep.plist", dir) > 0);
        assert_true(asprintf(&p2, "%s/deep.txt", dir) > 0);
        write_text(p1, "<?xml version=\"1.0\"?>\n<plist version=\"1.0\"><dict><key>IORegistryEntryChildren</key>", xml,
                   "</dict></plist>\n");
        write_text(p2, "+-o Root  <class IORegistryEntry, id 0x100000100>\n    {\n      \"k\" = ", text, "\n    }\n");
        /* Refused with a message: an exit status, not a signal. */
        snprintf(cmd, sizeof(cmd), BUILD_ROOT "/cli/ioreg --from '%s' > /dev/null 2>&1", p1);
        r = run(cmd);
        assert_true(r > 0 && r < 128);
        snprintf(cmd, sizeof(cmd), BUILD_ROOT "/cli/ioreg --from '%s' > /dev/null 2>&1", p2);
        r = run(cmd);
        assert_true(r > 0 && r < 128);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_deep_personality_refused),
                cmocka_unit_test(test_ioreg_from_deep_files),
        };

        return cmocka_run_group_tests_name("nesting deeper than the wire", tests, setup, teardown);
}
