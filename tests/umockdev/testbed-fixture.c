/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* testbed-fixture.c: see testbed-fixture.h. */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <glob.h>
#include <stdio.h>
#include <string.h>

#include "platform-expert.h"
#include "registry-snapshot.h"
#include "testbed-fixture.h"

static void record_termination(void *userdata, Entry *e) {
        Fixture *f = userdata;
        Value *linux_dict = entry_get_property(e, "Linux");
        const char *syspath = value_string(value_dict_get(linux_dict, "SYSPATH"), NULL);

        /* Driver entries have no Linux dictionary: only nubs are logged. */
        if (syspath && f->n_terminated < ELEMENTSOF(f->terminated))
                f->terminated[f->n_terminated++] = strdup(syspath);
}

int fixture_start(Fixture *f) {
        PlatformInfo info = {};
        int r;

        r = sd_event_new(&f->event);
        if (r >= 0)
                r = registry_new(&f->registry);
        if (r >= 0)
                r = registry_publish_platform(f->registry, &info, &f->platform, NULL);
        if (r >= 0)
                r = device_tree_init(&f->tree, f->registry, f->platform);
        if (r < 0)
                return r;
        f->tree.on_terminate = record_termination;
        f->tree.userdata = f;
        return udev_source_new(f->event, &f->tree, &f->source);
}

void fixture_stop(Fixture *f) {
        f->source = udev_source_free(f->source);
        if (f->registry)
                device_tree_done(&f->tree);
        f->registry = registry_free(f->registry);
        f->event = sd_event_unref(f->event);
        for (unsigned i = 0; i < f->n_terminated; i++)
                free(f->terminated[i]);
        f->n_terminated = 0;
}

int fixture_setup(void **state, UMockdevTestbed *testbed) {
        Fixture *f = calloc(1, sizeof(*f));

        if (!f) {
                g_object_unref(testbed);
                return -1;
        }
        f->testbed = testbed;
        *state = f;
        setenv("IOREG_UDEV_MODE", "kernel", 1);
        return fixture_start(f) < 0 ? -1 : 0;
}

int fixture_teardown(void **state) {
        Fixture *f = *state;

        if (!f)
                return 0;
        fixture_stop(f);
        g_object_unref(f->testbed);
        free(f);
        return 0;
}

bool fixture_run_until(Fixture *f, bool (*cond)(Fixture *f, const void *arg), const void *arg) {
        for (unsigned i = 0; i < 300; i++) {
                if (cond(f, arg))
                        return true;
                (void) sd_event_run(f->event, 10 * 1000);
        }
        return cond(f, arg);
}

void fixture_drain(Fixture *f) {
        /* sd_event_run() returns 0 when the timeout passed with nothing to dispatch. */
        for (unsigned i = 0; i < 1000; i++)
                if (sd_event_run(f->event, 20 * 1000) <= 0)
                        return;
}

int fixture_hide_monitors(Fixture *f, bool hide) {
        const char *root = umockdev_testbed_get_root_dir(f->testbed);
        _cleanup_free_ char *pattern = NULL;
        glob_t g = {};
        int r, n = 0;

        /* umockdev's sender globs <root>/event[0-9]*; a socket under another name is not found. */
        if (asprintf(&pattern, "%s/%s", root, hide ? "event[0-9]*" : "hidden-event[0-9]*") < 0)
                return -ENOMEM;
        r = glob(pattern, 0, NULL, &g);
        if (r == GLOB_NOMATCH)
                return 0;
        if (r != 0)
                return -EIO;
        for (size_t i = 0; i < g.gl_pathc; i++) {
                const char *base = strrchr(g.gl_pathv[i], '/') + 1;
                _cleanup_free_ char *to = NULL;

                if (asprintf(&to, "%s/%s%s", root, hide ? "hidden-" : "", hide ? base : base + strlen("hidden-")) < 0) {
                        n = -ENOMEM;
                        break;
                }
                if (rename(g.gl_pathv[i], to) < 0) {
                        n = -errno;
                        break;
                }
                n++;
        }
        globfree(&g);
        return n;
}

bool fixture_has_device(Fixture *f, const void *syspath) {
        return device_tree_find(&f->tree, syspath) != NULL;
}

bool fixture_lacks_device(Fixture *f, const void *syspath) {
        return device_tree_find(&f->tree, syspath) == NULL;
}

Value *fixture_property(Fixture *f, const char *syspath, const char *key) {
        Entry *e = device_tree_find(&f->tree, syspath);

        return e ? entry_get_property(e, key) : NULL;
}

unsigned fixture_diff_fresh_coldplug(Fixture *f) {
        Fixture fresh = { .testbed = f->testbed };
        _cleanup_strv_free_ char **mine = NULL, **theirs = NULL;
        unsigned n_diff;

        assert_int_equal(fixture_start(&fresh), 0);
        assert_int_equal(registry_snapshot(f->registry, &mine), 0);
        assert_int_equal(registry_snapshot(fresh.registry, &theirs), 0);
        fixture_stop(&fresh);
        /* Never vacuous: both hold at least the platform expert and IOResources. */
        assert_non_null(mine[0]);
        assert_non_null(theirs[0]);
        n_diff = registry_snapshot_diff(mine, theirs, stderr);
        return n_diff;
}
