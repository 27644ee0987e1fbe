/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-system-power.c: org.ioreg.SystemPower1 against a stand-in for logind
 * (logind-stub.c: logind's real name, object, Inhibit(ssss) → h with a real
 * pipe, PrepareForSleep(b)) on a real private dbus-daemon, with the real
 * ioregd and sd-bus clients:
 * - ioregd takes a "sleep" "delay" inhibitor; on PrepareForSleep(true)
 *   every client gets SystemWillSleep, the inhibitor stays until the last
 *   one allows, then its fd is closed; on PrepareForSleep(false) they get
 *   SystemWillPowerOn then SystemHasPoweredOn and a new inhibitor is taken;
 * - a client that never answers: the inhibitor goes at the timeout;
 * - CancelPowerChange and leaving the bus count as answers;
 * - errors: another client's registration, a notification never sent;
 * - without logind: the interface works, no inhibitor; when logind
 *   appears, ioregd takes one.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "macro.h"
#include "process.h"
#include "protocol.h"
#include "registry-query.h"
#include "test-bus.h"
#include "test-daemon.h"
#include "test-logind.h"

#define POWER_IFACE "org.ioreg.SystemPower1"
#define LOGIND_PATH "/org/freedesktop/login1"
#define STUB_IFACE "org.ioreg.test.LogindStub"

#define WILL_SLEEP 0xe0000280u
#define HAS_POWERED_ON 0xe0000300u
#define WILL_POWER_ON 0xe0000320u

typedef struct Message {
        uint64_t subscription, notification;
        uint32_t message;
} Message;

typedef struct PowerClient {
        sd_bus *bus;          /* owned */
        uint64_t id;
        Message messages[16];
        unsigned n;
} PowerClient;

typedef struct Fixture {
        TestBus test_bus;     /* the private dbus-daemon */
        TestDaemon daemon;    /* ioregd on it */
        pid_t stub_pid;       /* the logind stand-in, 0 when none */
        sd_bus *bus;          /* owned: the test's own calls */
} Fixture;

static int start(void **state, bool with_logind, const char *timeout_arg) {
        /* No devices: system power needs none, and the coldplug of the host's would only cost time. */
        const char *args[] = { "--no-udev", timeout_arg, NULL };
        Fixture *f = calloc(1, sizeof(*f));

        if (!f)
                return -1;
        *state = f;
        if (test_bus_start(&f->test_bus) < 0 || test_bus_connect(&f->test_bus, &f->bus) < 0)
                return -1;
        if (with_logind && test_logind_start(&f->test_bus, &f->stub_pid) < 0)
                return -1;
        return test_daemon_start(&f->daemon, &f->test_bus, args) < 0 ? -1 : 0;
}

static int setup(void **state) {
        return start(state, true, "--sleep-timeout=60000");
}

static int setup_short_timeout(void **state) {
        return start(state, true, "--sleep-timeout=300");
}

static int setup_no_logind(void **state) {
        return start(state, false, NULL);
}

static int teardown(void **state) {
        Fixture *f = *state;
        int r;

        /* Each stopped, and each must have exited cleanly. */
        r = test_logind_stop(&f->stub_pid);
        sd_bus_flush_close_unref(f->bus);
        if (test_daemon_stop_with_bus(&f->daemon, &f->test_bus) < 0)
                r = -1;
        free(f);
        return r < 0 ? -1 : 0;
}

static unsigned stub_count(Fixture *f, const char *property) {
        uint32_t v = UINT32_MAX;

        assert_true(sd_bus_get_property_trivial(f->bus, LOGIND_NAME, LOGIND_PATH, STUB_IFACE, property, NULL, 'u',
                                                &v) >= 0);
        return v;
}

/* Waits for the stand-in's counter to reach want, processing the clients meanwhile. */
static bool wait_stub(Fixture *f, const char *property, unsigned want, PowerClient **clients, unsigned n) {
        for (uint64_t end = now_msec() + 10000; now_msec() < end; usleep(10 * 1000)) {
                for (unsigned i = 0; i < n; i++)
                        while (clients[i] && sd_bus_process(clients[i]->bus, NULL) > 0)
                                ;
                if (stub_count(f, property) == want)
                        return true;
        }
        return false;
}

static void prepare_for_sleep(Fixture *f, bool start) {
        sd_bus_error error = SD_BUS_ERROR_NULL;

        assert_true(sd_bus_call_method(f->bus, LOGIND_NAME, LOGIND_PATH, STUB_IFACE, "PrepareForSleep", &error, NULL,
                                       "b", start) >= 0);
}

static int on_system_power(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        PowerClient *c = userdata;
        Message msg;

        assert_true(sd_bus_message_read(m, "tut", &msg.subscription, &msg.message, &msg.notification) > 0);
        assert_true(c->n < ELEMENTSOF(c->messages));
        c->messages[c->n++] = msg;
        return 0;
}

static PowerClient *power_client_new(Fixture *f) {
        sd_bus_error error = SD_BUS_ERROR_NULL;
        sd_bus_message *reply = NULL;
        PowerClient *c = calloc(1, sizeof(*c));

        assert_non_null(c);
        assert_int_equal(test_bus_connect(&f->test_bus, &c->bus), 0);
        assert_true(sd_bus_match_signal(c->bus, NULL, IOREG_BUS_NAME, IOREG_OBJECT_PATH, POWER_IFACE,
                                        "SystemPower", on_system_power, c) >= 0);
        assert_int_equal(sd_bus_call_method(c->bus, IOREG_BUS_NAME, IOREG_OBJECT_PATH, POWER_IFACE,
                                            "RegisterForSystemPower", &error, &reply, NULL),
                         1);
        assert_int_equal(sd_bus_message_read(reply, "t", &c->id), 1);
        sd_bus_message_unref(reply);
        return c;
}

static void power_client_free(PowerClient *c) {
        if (!c)
                return;
        sd_bus_flush_close_unref(c->bus);
        free(c);
}

static bool wait_messages(PowerClient *c, unsigned want) {
        for (uint64_t end = now_msec() + 10000; c->n < want && now_msec() < end;)
                if (sd_bus_process(c->bus, NULL) == 0)
                        (void) sd_bus_wait(c->bus, 100 * 1000);
        return c->n >= want;
}

/* AllowPowerChange or CancelPowerChange from c; returns the error name or NULL. */
static char *answer(PowerClient *c, const char *method, uint64_t id, uint64_t notification) {
        sd_bus_error error = SD_BUS_ERROR_NULL;
        char *name = NULL;

        if (sd_bus_call_method(c->bus, IOREG_BUS_NAME, IOREG_OBJECT_PATH, POWER_IFACE, method, &error, NULL,
                               "tt", id, notification) < 0)
                name = strdup(error.name);
        sd_bus_error_free(&error);
        return name;
}

static bool inhibiting(Fixture *f) {
        int b = -1;

        assert_true(sd_bus_get_property_trivial(f->bus, IOREG_BUS_NAME, IOREG_OBJECT_PATH, POWER_IFACE,
                                                "Inhibiting", NULL, 'b', &b) >= 0);
        return b;
}

static void test_sleep_and_wake(void **state) {
        Fixture *f = *state;
        PowerClient *a, *b, *all[2];
        sd_bus_message *reply = NULL;
        sd_bus_error error = SD_BUS_ERROR_NULL;
        const char *what, *who, *why, *mode;
        uint64_t n;

        /* The inhibitor, as logind's real callers ask for it. */
        assert_true(wait_stub(f, "Held", 1, NULL, 0));
        assert_true(sd_bus_get_property(f->bus, LOGIND_NAME, LOGIND_PATH, STUB_IFACE, "Last", &error, &reply,
                                        "(ssss)") >= 0);
        assert_int_equal(sd_bus_message_read(reply, "(ssss)", &what, &who, &why, &mode), 1);
        assert_string_equal(what, "sleep");
        assert_string_equal(who, "ioregd");
        assert_string_equal(mode, "delay");
        reply = sd_bus_message_unref(reply);
        assert_true(inhibiting(f));

        a = power_client_new(f);
        b = power_client_new(f);
        all[0] = a, all[1] = b;
        assert_int_not_equal(a->id, b->id);

        prepare_for_sleep(f, true);
        assert_true(wait_messages(a, 1));
        assert_true(wait_messages(b, 1));
        assert_int_equal(a->messages[0].message, WILL_SLEEP);
        assert_int_equal(a->messages[0].subscription, a->id);
        assert_int_equal(b->messages[0].message, WILL_SLEEP);
        assert_int_equal(b->messages[0].subscription, b->id);
        n = a->messages[0].notification;
        assert_int_equal(b->messages[0].notification, n);
        assert_int_not_equal(n, 0);

        /* One answer is not enough: the inhibitor stays. */
        assert_null(answer(a, "AllowPowerChange", a->id, n));
        assert_int_equal(stub_count(f, "Held"), 1);
        assert_true(inhibiting(f));
        assert_int_equal(stub_count(f, "Released"), 0);
        /* The last answer lets logind go on: the fd is closed. */
        assert_null(answer(b, "AllowPowerChange", b->id, n));
        assert_true(wait_stub(f, "Released", 1, all, 2));
        assert_int_equal(stub_count(f, "Held"), 0);
        assert_false(inhibiting(f));

        /* Resume: WillPowerOn then HasPoweredOn, and a new inhibitor. */
        prepare_for_sleep(f, false);
        assert_true(wait_messages(a, 3));
        assert_true(wait_messages(b, 3));
        assert_int_equal(a->messages[1].message, WILL_POWER_ON);
        assert_int_equal(a->messages[2].message, HAS_POWERED_ON);
        assert_int_equal(b->messages[1].message, WILL_POWER_ON);
        assert_int_equal(b->messages[2].message, HAS_POWERED_ON);
        assert_true(a->messages[2].notification > n);
        assert_true(wait_stub(f, "Held", 1, all, 2));
        assert_int_equal(stub_count(f, "Inhibits"), 2);

        /* A second sleep: a new notification ID, the old one is late and does nothing. */
        prepare_for_sleep(f, true);
        assert_true(wait_messages(a, 4));
        assert_true(wait_messages(b, 4));
        assert_true(a->messages[3].notification > a->messages[2].notification);
        assert_null(answer(a, "AllowPowerChange", a->id, n));
        assert_null(answer(b, "AllowPowerChange", b->id, n));
        assert_int_equal(stub_count(f, "Held"), 1);
        assert_null(answer(a, "AllowPowerChange", a->id, a->messages[3].notification));
        assert_null(answer(b, "AllowPowerChange", b->id, b->messages[3].notification));
        assert_true(wait_stub(f, "Released", 2, all, 2));

        power_client_free(a);
        power_client_free(b);
}

static void test_errors(void **state) {
        Fixture *f = *state;
        PowerClient *a = power_client_new(f), *b = power_client_new(f);
        char *e;

        /* Another client's registration. */
        e = answer(b, "AllowPowerChange", a->id, 1);
        assert_string_equal(e, "org.ioreg.Error.NoSuchSubscription");
        free(e);
        /* A notification never sent. */
        e = answer(a, "AllowPowerChange", a->id, 1);
        assert_string_equal(e, "org.ioreg.Error.InvalidArgument");
        free(e);
        e = answer(a, "CancelPowerChange", a->id, 0);
        assert_string_equal(e, "org.ioreg.Error.InvalidArgument");
        free(e);
        power_client_free(a);
        power_client_free(b);
}

static void test_timeout(void **state) {
        Fixture *f = *state;
        PowerClient *a, *silent, *all[2];

        assert_true(wait_stub(f, "Held", 1, NULL, 0));
        a = power_client_new(f);
        silent = power_client_new(f);
        all[0] = a, all[1] = silent;
        prepare_for_sleep(f, true);
        assert_true(wait_messages(a, 1));
        assert_null(answer(a, "AllowPowerChange", a->id, a->messages[0].notification));
        /* The silent client holds the sleep up to the timeout (300 ms), not longer. */
        assert_true(wait_stub(f, "Released", 1, all, 2));
        assert_true(wait_messages(silent, 1));
        assert_int_equal(silent->messages[0].message, WILL_SLEEP);
        /* Its late answer does nothing and succeeds. */
        assert_null(answer(silent, "AllowPowerChange", silent->id, silent->messages[0].notification));
        power_client_free(a);
        power_client_free(silent);
}

static void test_cancel_and_leave(void **state) {
        Fixture *f = *state;
        PowerClient *canceller, *leaver, *all[2];

        assert_true(wait_stub(f, "Held", 1, NULL, 0));
        canceller = power_client_new(f);
        leaver = power_client_new(f);
        all[0] = canceller, all[1] = NULL;
        prepare_for_sleep(f, true);
        assert_true(wait_messages(canceller, 1));
        assert_true(wait_messages(leaver, 1));
        /* logind cannot be vetoed: a cancel is an answer. */
        assert_null(answer(canceller, "CancelPowerChange", canceller->id, canceller->messages[0].notification));
        assert_int_equal(stub_count(f, "Held"), 1);
        /* Leaving the bus counts as allowing. */
        power_client_free(leaver);
        assert_true(wait_stub(f, "Released", 1, all, 1));
        power_client_free(canceller);
}

static void test_no_logind(void **state) {
        Fixture *f = *state;
        PowerClient *a;
        uint32_t n = 0;

        /* The daemon serves the interface without logind, and holds nothing. */
        a = power_client_new(f);
        assert_false(inhibiting(f));
        assert_true(sd_bus_get_property_trivial(f->bus, IOREG_BUS_NAME, IOREG_OBJECT_PATH, POWER_IFACE,
                                                "Registrations", NULL, 'u', &n) >= 0);
        assert_int_equal(n, 1);
        /* logind appears: ioregd takes its inhibitor then. */
        assert_int_equal(test_logind_start(&f->test_bus, &f->stub_pid), 0);
        assert_true(wait_stub(f, "Held", 1, &a, 1));
        assert_true(inhibiting(f));
        power_client_free(a);
        /* Still alive and answering. */
        assert_int_equal(wait_quiet(f->bus, 0), 0);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_sleep_and_wake, setup, teardown),
                cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
                cmocka_unit_test_setup_teardown(test_timeout, setup_short_timeout, teardown),
                cmocka_unit_test_setup_teardown(test_cancel_and_leave, setup, teardown),
                cmocka_unit_test_setup_teardown(test_no_logind, setup_no_logind, teardown),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
