/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-driver-host.c: the driver host without D-Bus (daemon/drivers/):
 * specs checked when personalities load (bad and conflicting ones refused,
 * the rest kept), the matcher seam (calls wait for the bus; one record per
 * driver, in the matcher), the supervision rules as tables, and a crash
 * loop driven by a real server that exits before it checks in (/bin/true;
 * the bus has an address but is never connected).
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "driver-host-internal.h"
#include "match-fixture.h"

#define USB_DEVICE "{\"idVendor\":1452,\"idProduct\":4660,\"bcdDevice\":256,\"bDeviceClass\":0,\"bDeviceSubClass\":0,\"bDeviceProtocol\":0}"
#define SERVED(server, exe) \
        "{\"IOProviderClass\":\"IOUSBDevice\",\"IOClass\":\"IOUserService\",\"IOUserClass\":\"C\"," \
        "\"idVendor\":1452,\"idProduct\":4660,\"IOUserServerName\":\"" server "\",\"IOUserServerExecutable\":\"" exe "\"}"

typedef struct HostFixture {
        MatchFixture *match;  /* owned */
        sd_event *event;      /* owned reference */
        DriverHost *host;     /* owned */
        PersonalityList list; /* owned */
} HostFixture;

static int setup(void **state) {
        HostFixture *f = calloc(1, sizeof(*f));
        void *m = NULL;

        if (!f || match_fixture_setup(&m) < 0)
                return -1;
        f->match = m;
        f->list = PERSONALITY_LIST_INIT;
        if (sd_event_new(&f->event) < 0)
                return -1;
        if (driver_host_new(f->event, f->match->registry, f->match->matcher, NULL, "/nonexistent", &f->host) < 0)
                return -1;
        matcher_set_host(f->match->matcher, &driver_host_ops, f->host);
        *state = f;
        return 0;
}

static int teardown(void **state) {
        HostFixture *f = *state;
        void *m = f->match;

        driver_host_free(f->host);
        personality_list_done(&f->list);
        match_fixture_teardown(&m);
        sd_event_unref(f->event);
        free(f);
        return 0;
}

static void add(HostFixture *f, const char *name, const char *json) {
        assert_int_equal(personality_list_append_take(&f->list, fixture_personality(name, json)), 0);
}

static const char *names(const PersonalityList *l) {
        static char buf[256];

        buf[0] = '\0';
        for (unsigned i = 0; i < l->n; i++) {
                if (i > 0)
                        strcat(buf, ",");
                strcat(buf, l->items[i]->name);
        }
        return buf;
}

static void test_specs_checked_at_load(void **state) {
        HostFixture *f = *state;

        add(f, "A", SERVED("org.test.one", "/bin/true"));
        add(f, "Other", SERVED("org.test.one", "/bin/false"));    /* same server, another program */
        add(f, "Missing", SERVED("org.test.two", "no-such-server")); /* not in the driver path */
        add(f, "BadType", "{\"IOProviderClass\":\"IOUSBDevice\",\"IOUserServerName\":\"org.test.three\","
                          "\"IOUserServerExecutable\":5}");
        add(f, "Same", SERVED("org.test.one", "/bin/true"));      /* same server, same spec: shares it */
        add(f, "Codeless", "{\"IOProviderClass\":\"IOUSBDevice\",\"IOClass\":\"X\"}");
        assert_int_equal(driver_host_load_specs(f->host, &f->list), 0);
        assert_string_equal(names(&f->list), "A,Same,Codeless");

        /* A reload starts from scratch: the first one to name a server defines it. */
        personality_list_done(&f->list);
        add(f, "Other", SERVED("org.test.one", "/bin/false"));
        add(f, "A", SERVED("org.test.one", "/bin/true"));
        assert_int_equal(driver_host_load_specs(f->host, &f->list), 0);
        assert_string_equal(names(&f->list), "Other");
}

static void test_calls_wait_for_the_bus(void **state) {
        HostFixture *f = *state;
        Entry *nub = fixture_nub(f->match, NULL, "IOUSBHostDevice", "Dev", USB_DEVICE);
        MatcherDriver *d;

        add(f, "A", SERVED("org.test.one", "/bin/true"));
        assert_int_equal(driver_host_load_specs(f->host, &f->list), 0);
        assert_true(matcher_reload(f->match->matcher, &f->list) >= 0);
        assert_int_equal(matcher_register_service(f->match->matcher, nub), 0);
        /* Probe is queued: no bus, no process, the pass waits. */
        assert_int_equal(matcher_n_pending(f->match->matcher), 1);
        assert_int_equal(nub->busy, 1);
        assert_int_equal(driver_host_server_pid(f->host, "org.test.one"), 0);
        /* Nothing started, so no record. */
        assert_false(matcher_next_driver(f->match->matcher, &(unsigned) { 0 }, &d));
}

static void test_exit_rules(void **state) {
        static const struct {
                ServerState state;
                bool retiring, signalled;
                unsigned n_instances;
                bool crash;
        } cases[] = {
                { SERVER_RUNNING, false, false, 0, true },   /* exited on its own */
                { SERVER_RUNNING, true, false, 0, false },   /* its last instance stopped */
                { SERVER_RUNNING, false, true, 0, false },   /* we killed it (idle) */
                { SERVER_RUNNING, true, false, 1, true },    /* left an instance behind */
                { SERVER_RUNNING, false, true, 2, true },    /* a Stop failed: SIGTERM */
                { SERVER_LAUNCHING, false, true, 0, true },  /* never checked in */
                { SERVER_LAUNCHING, false, false, 0, true },
        };
        DriverBackoff b;
        uint64_t delay = 0;

        for (size_t i = 0; i < ELEMENTSOF(cases); i++)
                assert_int_equal(driver_exit_is_crash(cases[i].state, cases[i].retiring, cases[i].signalled,
                                                      cases[i].n_instances),
                                 cases[i].crash);

        driver_backoff_init(&b);
        assert_int_equal(driver_exit_plan(&b, DRIVER_RESTART_NO, 1000, &delay), -ELOOP);
        for (unsigned i = 0; i + 1 < DRIVER_BACKOFF_LIMIT; i++) {
                assert_int_equal(driver_exit_plan(&b, DRIVER_RESTART_ON_FAILURE, 1000 + i, &delay), 0);
                assert_int_equal(delay, DRIVER_BACKOFF_BASE_USEC << i);
        }
        assert_int_equal(driver_exit_plan(&b, DRIVER_RESTART_ON_FAILURE, 2000, &delay), -ELOOP);
}

static void test_crash_loop_marks_the_nub(void **state) {
        HostFixture *f = *state;
        Entry *nub = fixture_nub(f->match, NULL, "IOUSBHostDevice", "Dev", USB_DEVICE);
        _cleanup_(sd_bus_unrefp) sd_bus *bus = NULL;
        Value *v = NULL;
        unsigned n;

        add(f, "A", SERVED("org.test.crash", "/bin/true"));
        assert_int_equal(driver_host_load_specs(f->host, &f->list), 0);
        assert_true(matcher_reload(f->match->matcher, &f->list) >= 0);
        assert_int_equal(matcher_register_service(f->match->matcher, nub), 0);

        /* An address to hand the server; /bin/true never uses it and exits: a crash before check-in. */
        assert_true(sd_bus_new(&bus) >= 0);
        assert_true(sd_bus_set_address(bus, "unix:path=/nonexistent/bus") >= 0);
        assert_int_equal(driver_host_attach_bus(f->host, bus), 0);

        /* Back-off 0.1 + 0.2 + 0.4 + 0.8 s, then the limit: well within 20 s. */
        for (int i = 0; i < 400 && !(v = entry_get_property(nub, "IOUserServerCrashLoop")); i++)
                assert_true(sd_event_run(f->event, 50 * 1000) >= 0);
        assert_non_null(v);
        assert_string_equal(value_string(v, NULL), "org.test.crash");
        /* Given up: the pass ended with the probe refused, nothing started, no process. */
        assert_int_equal(matcher_n_pending(f->match->matcher), 0);
        assert_int_equal(nub->busy, 0);
        assert_int_equal(driver_host_server_pid(f->host, "org.test.crash"), 0);
        (void) entry_get_children(nub, f->match->registry->service_plane, &n);
        assert_int_equal(n, 0);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_specs_checked_at_load, setup, teardown),
                cmocka_unit_test_setup_teardown(test_calls_wait_for_the_bus, setup, teardown),
                cmocka_unit_test(test_exit_rules),
                cmocka_unit_test_setup_teardown(test_crash_loop_marks_the_nub, setup, teardown),
        };

        return cmocka_run_group_tests_name("driver host", tests, NULL, NULL);
}
