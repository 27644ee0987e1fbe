/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-kernel-driver-umockdev.c: arbitration with kernel drivers on a real
 * recording (issue 17; matcher.h, kernel-driver.h). ioregd runs on a
 * umockdev testbed of the Sony Xperia recording (libumockdev-preload.so in
 * LD_PRELOAD, from meson), whose EHCI controller 0000:00:1a.0 has ehci-pci
 * bound. The test gives the testbed the driver's sysfs folder (driver ->
 * bus/pci/drivers/ehci-pci, its unbind file, bus/pci/drivers_probe): plain
 * files, so what the daemon writes to them can be read back.
 * - A personality without IOUserServerReplacesKernelDriver, whatever its
 *   score, never starts in the default category and nothing is written to
 *   unbind.
 * - One with the key (run by the test driver server) starts after the
 *   daemon wrote the device's name to unbind; when its personality is
 *   removed (reload), the daemon writes the name to drivers_probe.
 * - One with the key whose Start fails: unbind, then drivers_probe.
 */

#include <errno.h>
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
#include <umockdev.h>

#include "driver-test.h"
#include "macro.h"
#include "protocol.h"
#include "testbed.h"

#define EHCI "sys/devices/pci0000:00/0000:00:1a.0"
#define EHCI_NAME "0000:00:1a.0"

/* Matches the EHCI controller by name, run by the test server as user_class (one it knows). */
#define PERSONALITY(name, user_class, extra)                                                                  \
        "\"" name "\": { \"IOProviderClass\": \"IOPCIDevice\", \"IONameMatch\": \"pci8086,3b3c\", "           \
        "\"IOClass\": \"IOUserService\", \"IOUserClass\": \"" user_class "\", "                              \
        "\"IOUserServerName\": \"org.ioreg.test.kdrv\", \"IOUserServerExecutable\": \"@SERVER@\", "          \
        "\"IOUserServerEnvironment\": { \"TEST_STOP_DIR\": \"@STOPDIR@\" }" extra " }"

typedef struct KdrvTest {
        UMockdevTestbed *testbed; /* owned */
        char *root;               /* owned: the testbed's root folder */
        DriverTest t;
} KdrvTest;

static int write_file(const char *root, const char *rel, const char *text) {
        _cleanup_free_ char *path = NULL;
        FILE *f;

        if (asprintf(&path, "%s/%s", root, rel) < 0)
                return -ENOMEM;
        f = fopen(path, "we");
        if (!f)
                return -errno;
        fputs(text, f);
        return fclose(f) == 0 ? 0 : -errno;
}

/* The file's text ("" when empty), NULL when it cannot be read. */
static char *read_file(const char *root, const char *rel) {
        _cleanup_free_ char *path = NULL;
        char buf[256];
        size_t n;
        FILE *f;

        if (asprintf(&path, "%s/%s", root, rel) < 0)
                return NULL;
        f = fopen(path, "re");
        if (!f)
                return NULL;
        n = fread(buf, 1, sizeof(buf) - 1, f);
        fclose(f);
        buf[n] = '\0';
        return strdup(buf);
}

/* ehci-pci's sysfs folder in the testbed, as the kernel has it: driver -> bus/pci/drivers/ehci-pci. */
static int add_driver_files(const char *root) {
        _cleanup_free_ char *dir = NULL, *link = NULL;
        int r;

        if (asprintf(&dir, "%s/sys/bus/pci/drivers/ehci-pci", root) < 0 || asprintf(&link, "%s/" EHCI "/driver", root) < 0)
                return -ENOMEM;
        if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
                /* sys/bus/pci/drivers first */
                _cleanup_free_ char *parent = strndup(dir, strrchr(dir, '/') - dir);

                if (!parent || mkdir(parent, 0755) < 0 || mkdir(dir, 0755) < 0)
                        return -errno;
        }
        if (symlink("../../../bus/pci/drivers/ehci-pci", link) < 0 && errno != EEXIST)
                return -errno;
        r = write_file(root, "sys/bus/pci/drivers/ehci-pci/unbind", "");
        if (r >= 0)
                r = write_file(root, "sys/bus/pci/drivers_probe", "");
        return r;
}

static int start(void **state, const char *personalities) {
        KdrvTest *k = calloc(1, sizeof(*k));

        *state = k;
        if (!k || testbed_from_recording("umockdev-mobiles-sony-xperia-mini-pro.umockdev", &k->testbed) < 0)
                return -1;
        k->root = strdup(umockdev_testbed_get_root_dir(k->testbed));
        if (!k->root || add_driver_files(k->root) < 0) {
                fprintf(stderr, "cannot add ehci-pci's files to the testbed\n");
                return -1;
        }
        if (driver_test_start(&k->t, personalities, NULL) < 0) {
                fprintf(stderr, "cannot start dbus-daemon and ioregd on the testbed\n");
                return -1;
        }
        return 0;
}

static int teardown(void **state) {
        KdrvTest *k = *state;
        int r = 0;

        if (!k)
                return 0;
        if (k->t.bus)
                r = driver_test_stop(&k->t);
        if (k->testbed)
                g_object_unref(k->testbed);
        free(k->root);
        free(k);
        return r < 0 ? -1 : 0;
}

/* The IOLinuxKernelDriver entry named name, its ID; 0 when there is none. */
static uint64_t kernel_driver(DriverTest *t, const char *name) {
        _cleanup_free_ uint64_t *ids = NULL;
        unsigned n = 0;

        assert_true(driver_test_find(t, "IOLinuxKernelDriver", &ids, &n) >= 0);
        for (unsigned i = 0; i < n; i++) {
                _cleanup_value_ Value *props = NULL;

                if (driver_test_properties(t, ids[i], &props) < 0)
                        continue;
                if (streq_ptr(value_string(value_dict_get(props, "CFBundleIdentifier"), NULL), name))
                        return ids[i];
        }
        return 0;
}

static bool file_says(const char *root, const char *rel, const char *text) {
        _cleanup_free_ char *s = read_file(root, rel);

        return s && streq(s, text);
}

typedef struct FileWait {
        const char *root, *rel, *text;
} FileWait;

static bool file_written(DriverTest *t, const void *arg) {
        const FileWait *w = arg;

        return file_says(w->root, w->rel, w->text);
}

static bool absent(DriverTest *t, const void *arg) {
        uint64_t id;

        return driver_test_find_one(t, arg, &id) == 0;
}

typedef struct Verdict {
        char outcome[32], failed_key[64], bundle[64];
        uint64_t driver;
        int32_t score;
} Verdict;

/* Catalogue1.Explain on nub: the record named name. false when there is none. */
static bool explain(DriverTest *t, uint64_t nub, const char *name, Verdict *ret) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        const char *n, *bundle, *source, *outcome, *key, *category;
        int32_t passive, probe;
        uint64_t driver;
        bool found = false;
        int r;

        r = sd_bus_call_method(t->bus, IOREG_BUS_NAME, IOREG_OBJECT_PATH, IOREG_CATALOGUE_INTERFACE, "Explain", NULL,
                               &reply, "t", nub);
        assert_true(r >= 0);
        assert_true(sd_bus_message_enter_container(reply, 'a', "(sssssiits)") > 0);
        while ((r = sd_bus_message_read(reply, "(sssssiits)", &n, &bundle, &source, &outcome, &key, &passive, &probe,
                                        &driver, &category)) > 0)
                if (streq(n, name)) {
                        found = true;
                        snprintf(ret->outcome, sizeof(ret->outcome), "%s", outcome);
                        snprintf(ret->failed_key, sizeof(ret->failed_key), "%s", key);
                        snprintf(ret->bundle, sizeof(ret->bundle), "%s", bundle);
                        ret->driver = driver;
                        ret->score = probe;
                }
        assert_true(r >= 0);
        return found;
}

static void test_without_key_never_detaches(void **state) {
        KdrvTest *k;
        uint64_t ehci_pci, drv = 0, beside = 0;

        /* The highest score a personality can have, and a second one in a category of its own. */
        assert_int_equal(start(state, PERSONALITY("NoKey", "TestDriver", ", \"IOProbeScore\": 2000000000") ", "
                                      PERSONALITY("Beside", "TestDriverA", ", \"IOMatchCategory\": \"Beside\"")), 0);
        k = *state;
        ehci_pci = kernel_driver(&k->t, "ehci-pci");
        assert_true(ehci_pci != 0);
        /* Beside starts (the registry is quiet: its start is done); NoKey never does. */
        assert_int_equal(driver_test_find_one(&k->t, "TestDriverA", &beside), 1);
        assert_int_equal(driver_test_parent(&k->t, beside), driver_test_parent(&k->t, ehci_pci));
        usleep(200 * 1000);
        assert_int_equal(driver_test_find_one(&k->t, "TestDriver", &drv), 0);
        assert_true(file_says(k->root, "sys/bus/pci/drivers/ehci-pci/unbind", ""));
        assert_true(file_says(k->root, "sys/bus/pci/drivers_probe", ""));
        assert_int_equal(kernel_driver(&k->t, "ehci-pci"), ehci_pci);

        /* ioreg --explain's view: the kernel driver first, winning at its score; NoKey told which key it lacks. */
        {
                Verdict v = {};
                uint64_t nub = driver_test_parent(&k->t, ehci_pci);

                assert_true(explain(&k->t, nub, "ehci-pci", &v));
                assert_string_equal(v.outcome, "winner");
                assert_string_equal(v.bundle, "IOLinuxKernelDriver");
                assert_int_equal(v.driver, ehci_pci);
                assert_int_equal(v.score, 0);
                assert_true(explain(&k->t, nub, "NoKey", &v));
                assert_string_equal(v.outcome, "category-held");
                assert_string_equal(v.failed_key, "IOUserServerReplacesKernelDriver");
                assert_int_equal(v.driver, ehci_pci);
                assert_true(explain(&k->t, nub, "Beside", &v));
                assert_string_equal(v.outcome, "winner");
                assert_int_equal(v.driver, beside);
        }
}

static int reload(DriverTest *t) {
        sd_bus_error error = SD_BUS_ERROR_NULL;
        int r;

        r = sd_bus_call_method(t->bus, IOREG_BUS_NAME, IOREG_OBJECT_PATH, IOREG_INTERFACE, "ReloadCatalogue",
                               &error, NULL, "");
        sd_bus_error_free(&error);
        return r;
}

static void test_with_key_detaches_and_binds_again(void **state) {
        KdrvTest *k;
        uint64_t ehci_pci, drv = 0;
        char path[512];
        FILE *f;

        if (geteuid() != 0)
                skip(); /* ReloadCatalogue is root's */
        assert_int_equal(start(state, PERSONALITY("Keyed", "TestDriver", ", \"IOProbeScore\": 1, "
                                                           "\"IOUserServerReplacesKernelDriver\": true")), 0);
        k = *state;
        ehci_pci = kernel_driver(&k->t, "ehci-pci");
        assert_true(ehci_pci != 0);
        /* Detached before Start: the device's name in unbind; the driver started on the controller. */
        assert_true(driver_test_wait(&k->t, file_written,
                                     &(FileWait) { k->root, "sys/bus/pci/drivers/ehci-pci/unbind", EHCI_NAME }, 5000));
        assert_int_equal(driver_test_find_one(&k->t, "TestDriver", &drv), 1);
        assert_int_equal(driver_test_parent(&k->t, drv), driver_test_parent(&k->t, ehci_pci));
        assert_true(file_says(k->root, "sys/bus/pci/drivers_probe", ""));
        {
                Verdict v = {};

                /* The testbed sends no unbind uevent: the entry stays, shown lost to its replacement. */
                assert_true(explain(&k->t, driver_test_parent(&k->t, drv), "ehci-pci", &v));
                assert_string_equal(v.outcome, "lost");
                assert_int_equal(v.driver, drv);
        }

        /* Its personality removed: the driver goes and the kernel's driver is probed for the device again. */
        snprintf(path, sizeof(path), "%s/test.json", k->t.pdir);
        f = fopen(path, "we");
        assert_non_null(f);
        fputs("{ \"CFBundleIdentifier\": \"org.ioreg.test.drivers\", \"IOKitPersonalities\": {} }\n", f);
        assert_int_equal(fclose(f), 0);
        assert_true(reload(&k->t) >= 0);
        assert_true(driver_test_wait(&k->t, absent, "TestDriver", 5000));
        assert_true(driver_test_wait(&k->t, file_written,
                                     &(FileWait) { k->root, "sys/bus/pci/drivers_probe", EHCI_NAME }, 5000));
}

static void test_start_failure_binds_again(void **state) {
        KdrvTest *k;
        uint64_t drv = 0;

        /* Detached before Start, and Start fails: the kernel driver is probed for the device again. */
        assert_int_equal(start(state, PERSONALITY("Failing", "TestFailDriver", ", \"IOProbeScore\": 1, "
                                                             "\"IOUserServerReplacesKernelDriver\": true, "
                                                             "\"TestBehavior\": \"fail-start\"")), 0);
        k = *state;
        assert_true(driver_test_wait(&k->t, file_written,
                                     &(FileWait) { k->root, "sys/bus/pci/drivers/ehci-pci/unbind", EHCI_NAME }, 5000));
        assert_true(driver_test_wait(&k->t, file_written,
                                     &(FileWait) { k->root, "sys/bus/pci/drivers_probe", EHCI_NAME }, 5000));
        assert_int_equal(driver_test_find_one(&k->t, "TestFailDriver", &drv), 0);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_teardown(test_without_key_never_detaches, teardown),
                cmocka_unit_test_teardown(test_with_key_detaches_and_binds_again, teardown),
                cmocka_unit_test_teardown(test_start_failure_binds_again, teardown),
        };

        return cmocka_run_group_tests_name("kernel drivers on a umockdev testbed", tests, NULL, NULL);
}
