/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-driver.c: driver servers end to end. The real ioregd on a real
 * private dbus-daemon launches the real test driver server
 * (test-driver-server.c, libioreg's driver API) for personalities that
 * match IOResources and the nubs the drivers publish:
 * - match → launch → start → the entry, with the properties its driver
 *   set, below its nub, running as the unprivileged user; the server's
 *   DriverServer1 interface equals its contract;
 * - a failed start falls through to the next candidate;
 * - two categories: two drivers in one server, the provider open
 *   exclusively by one of them;
 * - another process posing as the server is refused;
 * - a crash: the instance is terminated and rematched after a back-off in
 *   a new process; at the crash-loop limit the nub says so;
 * - termination reaches the driver (ServiceIsTerminated, then Stop) and a
 *   server whose last instance stopped exits;
 * - a reload that changes a server's spec (its environment) reaches its
 *   next launch.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "driver-test.h"
#include "protocol.h"
#include "macro.h"

#define RESOURCES_DRIVER(cls, cat, extra)                                                                     \
        "\"" cls "\": { \"IOProviderClass\": \"IOResources\", \"IOClass\": \"IOUserService\", "              \
        "\"IOUserClass\": \"" cls "\", \"IOUserServerName\": \"org.ioreg.test.drivers\", "                   \
        "\"IOUserServerExecutable\": \"@SERVER@\", \"IOMatchCategory\": \"" cat "\", "                       \
        "\"IOUserServerEnvironment\": { \"TEST_STOP_DIR\": \"@STOPDIR@\" }" extra " }"

static int64_t stat_uid(const char *path) {
        struct stat st;

        return stat(path, &st) < 0 ? -1 : (int64_t) st.st_uid;
}

static int teardown(void **state) {
        DriverTest *t = *state;
        int r;

        r = driver_test_stop(t);
        free(t);
        return r < 0 ? -1 : 0;
}

static DriverTest *start(const char *personalities) {
        DriverTest *t = calloc(1, sizeof(*t));

        assert_non_null(t);
        assert_int_equal(driver_test_start(t, personalities, NULL), 0);
        return t;
}

static const char *string_of(const Value *props, const char *key) {
        Value *v = value_dict_get(props, key);

        return v && value_type(v) == VALUE_STRING ? value_string(v, NULL) : NULL;
}

static uint64_t resources_id(DriverTest *t) {
        uint64_t id = 0;

        assert_int_equal(driver_test_find_one(t, "IOResources", &id), 1);
        return id;
}

/* The unique bus name of the connection of process pid. */
static char *name_of_pid(DriverTest *t, pid_t pid) {
        _cleanup_strv_free_ char **names = NULL;

        if (sd_bus_list_names(t->bus, &names, NULL) < 0)
                return NULL;
        for (char **n = names; n && *n; n++) {
                _cleanup_(sd_bus_creds_unrefp) sd_bus_creds *creds = NULL;
                pid_t p;

                if ((*n)[0] == ':' && sd_bus_get_name_creds(t->bus, *n, SD_BUS_CREDS_PID, &creds) >= 0 &&
                    sd_bus_creds_get_pid(creds, &p) >= 0 && p == pid)
                        return strdup(*n);
        }
        return NULL;
}

static void test_match_launch_start(void **state) {
        DriverTest *t = *state = start(RESOURCES_DRIVER("TestDriver", "TestCategory",
                                                        ", \"TestOpenProvider\": true, \"TestRegisterNub\": \"TestChildNub\""));
        _cleanup_value_ Value *props = NULL;
        _cleanup_free_ char *server = NULL;
        uint64_t drv = 0, nub = 0;
        char cmd[1024], xml[256];
        int64_t pid, uid;

        assert_int_equal(driver_test_find_one(t, "TestDriver", &drv), 1);
        assert_int_equal(driver_test_parent(t, drv), resources_id(t));
        assert_int_equal(driver_test_properties(t, drv, &props), 0);
        /* The personality, what the matcher adds, and what the driver set in its start. */
        assert_string_equal(string_of(props, "IOUserClass"), "TestDriver");
        assert_string_equal(string_of(props, "IOMatchCategory"), "TestCategory");
        assert_non_null(value_dict_get(props, "IOProbeScore"));
        assert_non_null(value_dict_get(props, "TestStarted"));
        assert_true(value_boolean(value_dict_get(props, "TestStarted")));
        assert_string_equal(string_of(props, "TestOpenResult"), "success");
        /* The matcher's keys stay the matcher's: the driver's attempt to change one was refused. */
        pid = driver_test_number(t, drv, "TestServerPID");
        uid = driver_test_number(t, drv, "TestServerUID");
        assert_true(pid > 0 && pid_alive((pid_t) pid));
        if (geteuid() == 0) {
                /* A user of its own (driver-user.h), which the system knows while it runs (nss-systemd). */
                struct passwd *pw;
                char name[64];

                assert_in_range(uid, 61184, 65519);
                pw = getpwuid((uid_t) uid);
                assert_non_null(pw);
                snprintf(name, sizeof(name), "ioreg-driver-%u", (unsigned) uid);
                assert_string_equal(pw->pw_name, name);
                /* Not dumpable: /proc/PID belongs to root, not to its user. */
                snprintf(name, sizeof(name), "/proc/%d/environ", (int) pid);
                assert_int_equal(stat_uid(name), 0);
        } else
                assert_int_equal(uid, (int64_t) geteuid());

        /* Its nub, published from start, is registered below it. */
        assert_int_equal(driver_test_find_one(t, "TestChildNub", &nub), 1);
        assert_int_equal(driver_test_parent(t, nub), drv);

        /* The server's side of the protocol, as introspected, is its contract. */
        server = name_of_pid(t, (pid_t) pid);
        assert_non_null(server);
        snprintf(xml, sizeof(xml), "%s/server.xml", t->stop_dir);
        snprintf(cmd, sizeof(cmd),
                 "busctl --address='%s' introspect --xml-interface %s /org/ioreg/DriverServer1 > %s && "
                 "python3 " SOURCE_ROOT "/tests/fixture/compare-introspection.py "
                 SOURCE_ROOT "/systemd/org.ioreg.DriverServer1.xml -- %s",
                 t->private_bus.address, server, xml, xml);
        if (system("command -v busctl >/dev/null") == 0)
                assert_int_equal(system(cmd), 0);
}

static void test_start_failure_next_candidate(void **state) {
        DriverTest *t = *state = start(RESOURCES_DRIVER("TestFailDriver", "Shared",
                                                        ", \"TestBehavior\": \"fail-start\", \"TestProbeScore\": 1000") ", "
                                       RESOURCES_DRIVER("TestDriver", "Shared", ", \"TestProbeScore\": 10"));
        uint64_t drv = 0, failed = 0;

        /* The better candidate was started first and failed; the next one holds the category. */
        assert_int_equal(driver_test_find_one(t, "TestFailDriver", &failed), 0);
        assert_int_equal(driver_test_find_one(t, "TestDriver", &drv), 1);
        assert_int_equal(driver_test_number(t, drv, "IOProbeScore"), 10);
        assert_true(pid_alive((pid_t) driver_test_number(t, drv, "TestServerPID")));
}

static void test_two_categories(void **state) {
        DriverTest *t = *state = start(RESOURCES_DRIVER("TestDriverA", "CategoryA", ", \"TestOpenProvider\": true") ", "
                                       RESOURCES_DRIVER("TestDriverB", "CategoryB", ", \"TestOpenProvider\": true"));
        _cleanup_value_ Value *pa = NULL, *pb = NULL;
        uint64_t a = 0, b = 0;
        const char *ra, *rb;

        assert_int_equal(driver_test_find_one(t, "TestDriverA", &a), 1);
        assert_int_equal(driver_test_find_one(t, "TestDriverB", &b), 1);
        assert_int_equal(driver_test_parent(t, a), resources_id(t));
        assert_int_equal(driver_test_parent(t, b), resources_id(t));
        /* One server process runs both. */
        assert_int_equal(driver_test_number(t, a, "TestServerPID"), driver_test_number(t, b, "TestServerPID"));
        /* open() is exclusive: one of them has IOResources open, the other was told so. */
        assert_int_equal(driver_test_properties(t, a, &pa), 0);
        assert_int_equal(driver_test_properties(t, b, &pb), 0);
        ra = string_of(pa, "TestOpenResult");
        rb = string_of(pb, "TestOpenResult");
        assert_non_null(ra);
        assert_non_null(rb);
        assert_true((strcmp(ra, "success") == 0 && strcmp(rb, "exclusive access and device already open") == 0) ||
                    (strcmp(rb, "success") == 0 && strcmp(ra, "exclusive access and device already open") == 0));
}

static void test_poser_refused(void **state) {
        DriverTest *t = *state = start(RESOURCES_DRIVER("TestDriver", "TestCategory", ", \"TestCopyFD\": \"\""));
        sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_value_ Value *props = NULL;
        uint64_t drv = 0;
        Value *v;
        int r;

        assert_int_equal(driver_test_find_one(t, "TestDriver", &drv), 1);
        /* IOResources has no device node: its driver's CopyProviderFD is unsupported (issue 17). */
        assert_int_equal(driver_test_properties(t, drv, &props), 0);
        v = value_dict_get(props, "TestFDResult");
        assert_non_null(v);
        assert_string_equal(value_string(v, NULL), "unsupported function");
        /* This process was not launched by ioregd: its check-in is refused, for a running server or another. */
        r = sd_bus_call_method(t->bus, IOREG_BUS_NAME, "/org/ioreg/DriverHost1", "org.ioreg.DriverHost1",
                               "CheckIn", &error, NULL, "s", "org.ioreg.test.drivers");
        assert_true(r < 0);
        assert_string_equal(error.name, "org.ioreg.Error.AccessDenied");
        sd_bus_error_free(&error);
        r = sd_bus_call_method(t->bus, IOREG_BUS_NAME, "/org/ioreg/DriverHost1", "org.ioreg.DriverHost1",
                               "CheckIn", &error, NULL, "s", "org.ioreg.never.launched");
        assert_true(r < 0);
        assert_string_equal(error.name, "org.ioreg.Error.AccessDenied");
        sd_bus_error_free(&error);
        /* Nor may it act for the server's driver. */
        r = sd_bus_call_method(t->bus, IOREG_BUS_NAME, "/org/ioreg/DriverHost1", "org.ioreg.DriverHost1",
                               "SetProperties", &error, NULL, "ta{sv}", drv, 1, "Evil", "b", 1);
        assert_true(r < 0);
        assert_string_equal(error.name, "org.ioreg.Error.AccessDenied");
        sd_bus_error_free(&error);
        r = sd_bus_call_method(t->bus, IOREG_BUS_NAME, "/org/ioreg/DriverHost1", "org.ioreg.DriverHost1",
                               "OpenProvider", &error, NULL, "t", drv);
        assert_true(r < 0);
        assert_string_equal(error.name, "org.ioreg.Error.AccessDenied");
        sd_bus_error_free(&error);
        r = sd_bus_call_method(t->bus, IOREG_BUS_NAME, "/org/ioreg/DriverHost1", "org.ioreg.DriverHost1",
                               "CopyProviderFD", &error, NULL, "t", drv);
        assert_true(r < 0);
        assert_string_equal(error.name, "org.ioreg.Error.AccessDenied");
        sd_bus_error_free(&error);
        /* The driver goes on undisturbed. */
        assert_int_equal(driver_test_find_one(t, "TestDriver", &drv), 1);
        assert_true(pid_alive((pid_t) driver_test_number(t, drv, "TestServerPID")));
}

typedef struct Restarted {
        int64_t old_pid;
        uint64_t old_id;
} Restarted;

static bool restarted(DriverTest *t, const void *arg) {
        const Restarted *r = arg;
        uint64_t id = 0;
        int64_t pid;

        if (driver_test_find_one(t, "TestDriver", &id) != 1 || id == r->old_id)
                return false;
        pid = driver_test_number(t, id, "TestServerPID");
        return pid > 0 && pid != r->old_pid;
}

static bool server_pid_set(DriverTest *t, const void *arg) {
        uint64_t id = 0;

        return driver_test_find_one(t, "TestDriver", &id) == 1 && driver_test_number(t, id, "TestServerPID") > 0;
}

static bool crash_loop_shown(DriverTest *t, const void *arg) {
        _cleanup_value_ Value *props = NULL;
        const char *s;

        if (driver_test_properties(t, *(const uint64_t *) arg, &props) < 0)
                return false;
        s = string_of(props, "IOUserServerCrashLoop");
        return s && strcmp(s, "org.ioreg.test.drivers") == 0;
}

static int reload(DriverTest *t);

static bool running_again(DriverTest *t, const void *arg) {
        uint64_t drv = 0, res = *(const uint64_t *) arg;

        return driver_test_find_one(t, "TestDriver", &drv) == 1 && !crash_loop_shown(t, &res);
}

static void test_crash_rematch_backoff(void **state) {
        DriverTest *t = *state = start(RESOURCES_DRIVER("TestDriver", "TestCategory", ""));
        uint64_t res = resources_id(t), drv = 0;
        unsigned kills = 0;

        /* Each crash: the instance goes, IOResources is matched again after the back-off, in a new process. */
        while (!crash_loop_shown(t, &res)) {
                Restarted before = {};

                assert_true(kills < 10);
                if (driver_test_find_one(t, "TestDriver", &drv) != 1) {
                        /* Given up: the last crash reached the limit. */
                        assert_true(driver_test_wait(t, crash_loop_shown, &res, 5000));
                        break;
                }
                /* The server sets its PID in Start, which may still be under way for the first one. */
                assert_true(driver_test_wait(t, server_pid_set, NULL, 5000));
                assert_int_equal(driver_test_find_one(t, "TestDriver", &drv), 1);
                before.old_id = drv;
                before.old_pid = driver_test_number(t, drv, "TestServerPID");
                assert_true(before.old_pid > 0);
                assert_int_equal(kill((pid_t) before.old_pid, SIGKILL), 0);
                kills++;
                if (kills < 5)
                        assert_true(driver_test_wait(t, restarted, &before, 15000));
                else
                        assert_true(driver_test_wait(t, crash_loop_shown, &res, 5000));
        }
        /* The limit (driver-backoff.h: 5 crashes in a minute), no more, and nothing runs it now. */
        assert_int_equal(kills, 5);
        assert_int_equal(driver_test_find_one(t, "TestDriver", &drv), 0);

        /* A reload with the personality unchanged tries the server again (issue 20): the nub is matched
         * again, the driver runs, and IOUserServerCrashLoop is gone from the nub. */
        assert_true(reload(t) >= 0);
        assert_true(driver_test_wait(t, running_again, &res, 15000));
}

static bool stopped(DriverTest *t, const void *arg) {
        return driver_test_stop_file(t, "stop", *(const uint64_t *) arg);
}

static bool gone(DriverTest *t, const void *arg) {
        return !pid_alive(*(const pid_t *) arg);
}

static int reload(DriverTest *t) {
        sd_bus_error error = SD_BUS_ERROR_NULL;
        int r;

        r = sd_bus_call_method(t->bus, IOREG_BUS_NAME, "/org/ioreg/Registry1", "org.ioreg.Registry1",
                               "ReloadCatalogue", &error, NULL, "");
        sd_bus_error_free(&error);
        return r;
}

static void test_termination_stop_exit(void **state) {
        DriverTest *t = *state = start(RESOURCES_DRIVER("TestDriver", "TestCategory",
                                                        ", \"TestRegisterNub\": \"TestChildNub\"") ", "
                                       "\"TestDriverB\": { \"IOProviderClass\": \"TestChildNub\", "
                                       "\"IOClass\": \"IOUserService\", \"IOUserClass\": \"TestDriverB\", "
                                       "\"IOUserServerName\": \"org.ioreg.test.drivers\", "
                                       "\"IOUserServerExecutable\": \"@SERVER@\", "
                                       "\"IOUserServerEnvironment\": { \"TEST_STOP_DIR\": \"@STOPDIR@\" } }");
        char path[512];
        uint64_t drv = 0, nub = 0, child = 0;
        pid_t pid;
        FILE *f;

        if (geteuid() != 0)
                skip(); /* TerminateEntry and ReloadCatalogue are root's */
        assert_int_equal(driver_test_find_one(t, "TestDriver", &drv), 1);
        assert_int_equal(driver_test_find_one(t, "TestChildNub", &nub), 1);
        /* The driver's nub was matched in turn: a driver on it, in the same server. */
        assert_int_equal(driver_test_find_one(t, "TestDriverB", &child), 1);
        assert_int_equal(driver_test_parent(t, child), nub);
        pid = (pid_t) driver_test_number(t, drv, "TestServerPID");
        assert_int_equal(driver_test_number(t, child, "TestServerPID"), pid);

        /* Terminating the nub reaches its driver (ServiceIsTerminated, Stop); the server keeps its other driver. */
        assert_true(sd_bus_call_method(t->bus, IOREG_BUS_NAME, "/org/ioreg/Registry1", "org.ioreg.Registry1",
                                       "TerminateEntry", NULL, NULL, "t", nub) >= 0);
        assert_true(driver_test_wait(t, stopped, &child, 5000));
        assert_true(driver_test_stop_file(t, "message", child));
        assert_int_equal(driver_test_find_one(t, "TestDriverB", &child), 0);
        assert_true(pid_alive(pid));

        /* Its personality removed, the last driver stops and the server exits: nothing is left running. */
        snprintf(path, sizeof(path), "%s/test.json", t->pdir);
        f = fopen(path, "we");
        assert_non_null(f);
        fputs("{ \"CFBundleIdentifier\": \"org.ioreg.test.drivers\", \"IOKitPersonalities\": {} }\n", f);
        assert_int_equal(fclose(f), 0);
        assert_true(reload(t) >= 0);
        assert_true(driver_test_wait(t, stopped, &drv, 5000));
        assert_true(driver_test_wait(t, gone, &pid, 5000));
        assert_int_equal(driver_test_find_one(t, "TestDriver", &drv), 0);
}

static bool started_once(DriverTest *t, const void *arg) {
        uint64_t drv = 0;

        return driver_test_find_one(t, "TestDriver", &drv) == 1 && drv != *(const uint64_t *) arg;
}

static bool stopped_in(DriverTest *t, const void *arg) {
        return access((const char *) arg, F_OK) == 0;
}

/* Writes the personalities file again with every `from` replaced by `to` (or empty with from NULL). */
static void rewrite_personalities(DriverTest *t, const char *from, const char *to) {
        _cleanup_free_ char *text = NULL, *out = NULL;
        char path[512];
        size_t n = 0;
        FILE *f;

        snprintf(path, sizeof(path), "%s/test.json", t->pdir);
        f = fopen(path, "re");
        assert_non_null(f);
        assert_true(getdelim(&text, &n, '\0', f) > 0);
        fclose(f);
        if (from) {
                char *at = strstr(text, from);

                assert_non_null(at);
                assert_true(asprintf(&out, "%.*s%s%s", (int) (at - text), text, to, at + strlen(from)) > 0);
        } else
                out = strdup("{ \"CFBundleIdentifier\": \"org.ioreg.test.drivers\", \"IOKitPersonalities\": {} }\n");
        f = fopen(path, "we");
        assert_non_null(f);
        fputs(out, f);
        assert_int_equal(fclose(f), 0);
}

static void test_reload_changes_server(void **state) {
        DriverTest *t = *state = start(RESOURCES_DRIVER("TestDriver", "TestCategory", ""));
        char second[512], stop[600], saved[8192];
        uint64_t drv = 0, drv2 = 0;
        FILE *f;
        pid_t pid;

        if (geteuid() != 0)
                skip(); /* ReloadCatalogue is root's */
        assert_int_equal(driver_test_find_one(t, "TestDriver", &drv), 1);
        pid = (pid_t) driver_test_number(t, drv, "TestServerPID");
        snprintf(stop, sizeof(stop), "%s/test.json", t->pdir);
        f = fopen(stop, "re");
        assert_non_null(f);
        saved[fread(saved, 1, sizeof(saved) - 1, f)] = '\0';
        fclose(f);

        /* Its personality goes: the server stops its driver and exits. */
        rewrite_personalities(t, NULL, NULL);
        assert_true(reload(t) >= 0);
        assert_true(driver_test_wait(t, stopped, &drv, 5000));
        assert_true(driver_test_wait(t, gone, &pid, 5000));

        /* It comes back with another environment: the new server has it (not the first launch's). */
        snprintf(second, sizeof(second), "%s/second", t->stop_dir);
        assert_int_equal(mkdir(second, 0777), 0);
        assert_int_equal(chmod(second, 0777), 0); /* the server runs as nobody */
        f = fopen(stop, "we");
        assert_non_null(f);
        fputs(saved, f);
        assert_int_equal(fclose(f), 0);
        rewrite_personalities(t, t->stop_dir, second);
        assert_true(reload(t) >= 0);
        assert_true(driver_test_wait(t, started_once, &drv, 5000));
        assert_int_equal(driver_test_find_one(t, "TestDriver", &drv2), 1);
        rewrite_personalities(t, NULL, NULL);
        assert_true(reload(t) >= 0);
        snprintf(stop, sizeof(stop), "%s/stop-%" PRIx64, second, drv2);
        assert_true(driver_test_wait(t, stopped_in, stop, 5000));
        assert_false(driver_test_stop_file(t, "stop", drv2));
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_teardown(test_match_launch_start, teardown),
                cmocka_unit_test_teardown(test_start_failure_next_candidate, teardown),
                cmocka_unit_test_teardown(test_two_categories, teardown),
                cmocka_unit_test_teardown(test_poser_refused, teardown),
                cmocka_unit_test_teardown(test_crash_rematch_backoff, teardown),
                cmocka_unit_test_teardown(test_termination_stop_exit, teardown),
                cmocka_unit_test_teardown(test_reload_changes_server, teardown),
        };

        return cmocka_run_group_tests_name("driver servers", tests, NULL, NULL);
}
