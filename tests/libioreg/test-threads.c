/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-threads.c: libioreg from several threads at once (suite 'threads',
 * also run under ThreadSanitizer by `CI=true ./test`). ioreg/notification.h
 * promises that different ports may be used from different threads, and the
 * synchronous calls from any thread. Against the real ioregd on a private
 * bus, serving a saved registry of about 1,200 entries with their
 * properties:
 *   - each port thread creates its own port, subscribes (publish, first
 *     match, terminate, Root's busy interest), drains the primed iterator
 *     (every entry's properties decoded into dictionaries on that thread),
 *     reads properties of what it got, and runs its port a little;
 *   - each query thread asks for matching services, reads properties and
 *     searches them, at the same time.
 * Every thread must see the same registry; TSan must see no race.
 * And ioreg_notification_port_stop() from another thread and from a signal
 * handler ends a run() blocked in another thread, promptly.
 */

#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <ioreg/ioreg.h>

#include "test-bus.h"
#include "test-daemon.h"

#define N_PORT_THREADS 4
#define N_QUERY_THREADS 3
#define SNAPSHOT SOURCE_ROOT "/tests/data/ioreg/hackintosh-Macmini8,1-ioreg-l.txt"

static TestBus private_bus;
static TestDaemon daemon_;

typedef struct Work {
        pthread_t thread;
        unsigned published, first_matched, properties_read, keys_seen, busy_messages;
        unsigned matched_services, searched;
        ioreg_return_t failed;  /* the first call that went wrong, else SUCCESS */
        const char *failed_at;  /* static */
} Work;

static void fail_at(Work *w, const char *what, ioreg_return_t rr) {
        if (w->failed_at)
                return;
        w->failed = rr;
        w->failed_at = what;
}

static void busy_cb(void *refcon, ioreg_service_t service, uint32_t message, void *argument) {
        Work *w = refcon;

        if (message == IOREG_MESSAGE_SERVICE_BUSY_STATE_CHANGE)
                w->busy_messages++;
}

static void matched_cb(void *refcon, ioreg_iterator_t it) {
        /* Nothing is published while the test runs: a callback would be a bug. */
        fail_at(refcon, "a matching callback for an unchanged registry", IOREG_RETURN_ERROR);
}

/* Drains it; reads the properties of every eighth entry (a dictionary built on this thread). */
static unsigned drain_reading(Work *w, ioreg_iterator_t it) {
        ioreg_object_t o;
        unsigned n = 0;

        while ((o = ioreg_iterator_next(it))) {
                if (n++ % 8 == 0) {
                        json_t *props = NULL;
                        ioreg_return_t rr = ioreg_registry_entry_create_properties(o, &props, 0);

                        if (rr != IOREG_RETURN_SUCCESS)
                                fail_at(w, "create_properties of a notified service", rr);
                        else {
                                w->properties_read++;
                                w->keys_seen += json_object_size(props);
                        }
                        json_decref(props);
                }
                ioreg_object_release(o);
        }
        return n;
}

static void *port_thread(void *userdata) {
        Work *w = userdata;
        ioreg_notification_port_t port = ioreg_notification_port_create();
        ioreg_iterator_t published = NULL, first = NULL, terminated = NULL;
        ioreg_notification_t busy = NULL;
        ioreg_registry_entry_t root = NULL;
        ioreg_return_t rr;

        if (!port) {
                fail_at(w, "port_create", IOREG_RETURN_NO_MEMORY);
                return NULL;
        }
        rr = ioreg_service_add_matching_notification(port, IOREG_PUBLISH_NOTIFICATION, ioreg_service_matching("IOService"),
                                                     matched_cb, w, &published);
        if (rr != IOREG_RETURN_SUCCESS)
                fail_at(w, "add_matching_notification(publish)", rr);
        rr = ioreg_service_add_matching_notification(port, IOREG_FIRST_MATCH_NOTIFICATION,
                                                     ioreg_service_matching("IOService"), matched_cb, w, &first);
        if (rr != IOREG_RETURN_SUCCESS)
                fail_at(w, "add_matching_notification(first match)", rr);
        rr = ioreg_service_add_matching_notification(port, IOREG_TERMINATED_NOTIFICATION,
                                                     ioreg_service_matching("IOService"), matched_cb, w, &terminated);
        if (rr != IOREG_RETURN_SUCCESS)
                fail_at(w, "add_matching_notification(terminate)", rr);
        root = ioreg_registry_get_root_entry();
        rr = root ? ioreg_service_add_interest_notification(port, root, IOREG_BUSY_INTEREST, busy_cb, w, &busy)
                  : IOREG_RETURN_NO_DEVICE;
        if (rr != IOREG_RETURN_SUCCESS)
                fail_at(w, "add_interest_notification(busy)", rr);
        if (published)
                w->published = drain_reading(w, published);
        if (first)
                w->first_matched = drain_reading(w, first);
        for (unsigned i = 0; i < 5; i++)
                (void) ioreg_notification_port_run(port, 10 * 1000);
        if (terminated && ioreg_iterator_next(terminated))
                fail_at(w, "a terminated service in an unchanged registry", IOREG_RETURN_ERROR);
        for (ioreg_object_t *o = (ioreg_object_t[]) { busy, terminated, first, published, root }, *end = o + 5;
             o < end; o++)
                if (*o)
                        ioreg_object_release(*o);
        ioreg_notification_port_destroy(port);
        return NULL;
}

static void *query_thread(void *userdata) {
        Work *w = userdata;

        for (unsigned round = 0; round < 3; round++) {
                ioreg_iterator_t it = NULL;
                ioreg_return_t rr;
                ioreg_object_t o;
                unsigned n = 0;

                rr = ioreg_service_get_matching_services(ioreg_service_matching("IOService"), &it);
                if (rr != IOREG_RETURN_SUCCESS) {
                        fail_at(w, "get_matching_services", rr);
                        return NULL;
                }
                while (it && (o = ioreg_iterator_next(it))) {
                        if (n++ % 16 == 0) {
                                json_t *props = NULL, *found;

                                rr = ioreg_registry_entry_create_properties(o, &props, 0);
                                if (rr != IOREG_RETURN_SUCCESS)
                                        fail_at(w, "create_properties", rr);
                                else
                                        w->keys_seen += json_object_size(props);
                                json_decref(props);
                                /* Searched up the service plane: some parent has one. */
                                found = ioreg_registry_entry_search_property(
                                        o, "IOService", "IOPlatformSerialNumber",
                                        IOREG_REGISTRY_ITERATE_RECURSIVELY | IOREG_REGISTRY_ITERATE_PARENTS);
                                if (found)
                                        w->searched++;
                                json_decref(found);
                        }
                        ioreg_object_release(o);
                }
                if (it)
                        ioreg_object_release(it);
                if (round == 0)
                        w->matched_services = n;
                else if (n != w->matched_services)
                        fail_at(w, "the matching services changed between rounds", IOREG_RETURN_ERROR);
        }
        return NULL;
}

/* ioreg_notification_port_stop(): CFRunLoopStop's place, from another thread and from a signal handler. */
typedef struct Runner {
        pthread_t thread;
        ioreg_notification_port_t port; /* borrowed */
        ioreg_return_t result;
} Runner;

static void *run_for_30s(void *userdata) {
        Runner *r = userdata;

        r->result = ioreg_notification_port_run(r->port, 30 * 1000 * 1000);
        return NULL;
}

static uint64_t now_usec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000 + (uint64_t) ts.tv_nsec / 1000;
}

static ioreg_notification_port_t stop_port; /* borrowed: the port the SIGUSR1 handler stops */

static void stop_on_signal(int sig) {
        (void) ioreg_notification_port_stop(stop_port);
}

/* Starts a thread blocked in run(30 s), lets it block, stops it with stop(), and checks it returned promptly. */
static void stop_a_blocked_run(ioreg_notification_port_t port, void (*stop)(Runner *r)) {
        Runner r = { .port = port, .result = IOREG_RETURN_SUCCESS };
        uint64_t t;

        assert_int_equal(pthread_create(&r.thread, NULL, run_for_30s, &r), 0);
        usleep(300 * 1000);
        t = now_usec();
        stop(&r);
        assert_int_equal(pthread_join(r.thread, NULL), 0);
        assert_true(now_usec() - t < 1000 * 1000);
        assert_int_equal(r.result, IOREG_RETURN_ABORTED);
}

static void stop_from_this_thread(Runner *r) {
        assert_int_equal(ioreg_notification_port_stop(r->port), IOREG_RETURN_SUCCESS);
}

static void stop_from_a_signal_handler(Runner *r) {
        assert_int_equal(pthread_kill(r->thread, SIGUSR1), 0);
}

static void no_callback(void *refcon, ioreg_iterator_t it) {
}

/* The port answers a new subscription with the services it matches, as before any stop. */
static void check_port_works(ioreg_notification_port_t port) {
        ioreg_iterator_t it = NULL;
        ioreg_object_t o;
        ioreg_return_t rr;
        unsigned n = 0;

        assert_int_equal(ioreg_service_add_matching_notification(port, IOREG_PUBLISH_NOTIFICATION,
                                                                 ioreg_service_matching("IOPlatformExpertDevice"),
                                                                 no_callback, NULL, &it),
                         IOREG_RETURN_SUCCESS);
        while ((o = ioreg_iterator_next(it))) {
                n++;
                ioreg_object_release(o);
        }
        assert_int_equal(n, 1);
        /* No stop is left over: once the subscription's own work is done, a run waits its time. */
        for (unsigned i = 0; (rr = ioreg_notification_port_run(port, 100 * 1000)) == IOREG_RETURN_SUCCESS && i < 10; i++)
                ;
        assert_int_equal(rr, IOREG_RETURN_TIMEOUT);
        ioreg_object_release(it);
}

static void test_stop_a_running_port(void **state) {
        struct sigaction sa = { .sa_handler = stop_on_signal };
        ioreg_notification_port_t port = ioreg_notification_port_create();

        assert_non_null(port);
        stop_port = port; /* before the runner threads start: pthread_kill orders nothing for TSan */
        check_port_works(port);
        stop_a_blocked_run(port, stop_from_this_thread);
        check_port_works(port);

        assert_int_equal(sigaction(SIGUSR1, &sa, NULL), 0);
        stop_a_blocked_run(port, stop_from_a_signal_handler);
        check_port_works(port);

        /* A stop before run() is not lost, and stops made meanwhile count as one. */
        assert_int_equal(ioreg_notification_port_stop(port), IOREG_RETURN_SUCCESS);
        assert_int_equal(ioreg_notification_port_stop(port), IOREG_RETURN_SUCCESS);
        assert_int_equal(ioreg_notification_port_run(port, 30 * 1000 * 1000), IOREG_RETURN_ABORTED);
        assert_int_equal(ioreg_notification_port_run(port, 100 * 1000), IOREG_RETURN_TIMEOUT);
        /* dispatch() reports it too. */
        assert_int_equal(ioreg_notification_port_stop(port), IOREG_RETURN_SUCCESS);
        assert_int_equal(ioreg_notification_port_dispatch(port), IOREG_RETURN_ABORTED);
        assert_int_equal(ioreg_notification_port_dispatch(port), IOREG_RETURN_SUCCESS);
        assert_int_equal(ioreg_notification_port_stop(NULL), IOREG_RETURN_BAD_ARGUMENT);

        ioreg_notification_port_destroy(port);
}

static int group_setup(void **state) {
        const char *args[] = { "--snapshot=" SNAPSHOT, "--notify-limit=4096", NULL };

        if (test_bus_start(&private_bus) < 0)
                return -1;
        setenv("IOREG_BUS_ADDRESS", private_bus.address, 1);
        return test_daemon_start(&daemon_, &private_bus, args) < 0 ? -1 : 0;
}

static int group_teardown(void **state) {
        return test_daemon_stop_with_bus(&daemon_, &private_bus) < 0 ? -1 : 0;
}

static void check(const Work *w, const char *kind, unsigned i) {
        if (w->failed_at)
                fail_msg("%s thread %u: %s failed: %s", kind, i, w->failed_at, ioreg_return_string(w->failed));
}

static void test_ports_and_queries_in_threads(void **state) {
        Work ports[N_PORT_THREADS] = {}, queries[N_QUERY_THREADS] = {};

        for (unsigned i = 0; i < N_PORT_THREADS; i++)
                assert_int_equal(pthread_create(&ports[i].thread, NULL, port_thread, &ports[i]), 0);
        for (unsigned i = 0; i < N_QUERY_THREADS; i++)
                assert_int_equal(pthread_create(&queries[i].thread, NULL, query_thread, &queries[i]), 0);
        for (unsigned i = 0; i < N_PORT_THREADS; i++)
                assert_int_equal(pthread_join(ports[i].thread, NULL), 0);
        for (unsigned i = 0; i < N_QUERY_THREADS; i++)
                assert_int_equal(pthread_join(queries[i].thread, NULL), 0);

        for (unsigned i = 0; i < N_PORT_THREADS; i++) {
                check(&ports[i], "port", i);
                /* Hundreds of services, each seen by every port alike. */
                assert_true(ports[i].published > 100);
                assert_int_equal(ports[i].published, ports[0].published);
                assert_int_equal(ports[i].first_matched, ports[0].first_matched);
                assert_int_equal(ports[i].keys_seen, ports[0].keys_seen);
                assert_true(ports[i].properties_read > 10);
        }
        for (unsigned i = 0; i < N_QUERY_THREADS; i++) {
                check(&queries[i], "query", i);
                assert_int_equal(queries[i].matched_services, ports[0].published);
                assert_int_equal(queries[i].keys_seen, queries[0].keys_seen);
                assert_int_equal(queries[i].searched, queries[0].searched);
        }
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_ports_and_queries_in_threads),
                cmocka_unit_test(test_stop_a_running_port),
        };

        return cmocka_run_group_tests_name("libioreg in threads", tests, group_setup, group_teardown);
}
