/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-notify-bus.c: org.ioreg.Notifications1 through sd-bus clients, on a
 * real private dbus-daemon with the real ioregd (--no-udev: Root, the
 * platform expert, IOResources): the reply before the replay, the replay
 * against GetPlane, unicast delivery, every bad argument, and subscriptions
 * freed when their client closes or is killed. Live events and overflow
 * need devices: test-notify-umockdev.c.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "macro.h"
#include "notify-client.h"
#include "protocol.h"
#include "registry-query.h"
#include "test-bus.h"
#include "test-daemon.h"

#define ROOT_ID UINT64_C(0x100000100)

static TestDaemon daemon_; /* ioregd on the test's bus (*state) */

static int setup(void **state) {
        static const char *const args[] = { "--no-udev", NULL };
        TestBus *tb = calloc(1, sizeof(*tb));

        *state = tb;
        if (!tb || test_bus_start(tb) < 0 || test_daemon_start(&daemon_, tb, args) < 0) {
                fprintf(stderr, "cannot start dbus-daemon and ioregd\n");
                return -1;
        }
        return 0;
}

static int teardown(void **state) {
        TestBus *tb = *state;
        int r;

        /* Both stopped, and both must have exited cleanly. */
        r = test_daemon_stop_with_bus(&daemon_, tb);
        free(tb);
        return r < 0 ? -1 : 0;
}

static bool has_n_events(Client *c, const void *arg) {
        return c->n_events >= *(const unsigned *) arg;
}

static unsigned subscriptions(const TestBus *tb) {
        sd_bus *bus = NULL;
        unsigned n = UINT32_MAX;

        assert_int_equal(test_bus_connect(tb, &bus), 0);
        assert_int_equal(read_subscriptions(bus, &n), 0);
        sd_bus_flush_close_unref(bus);
        return n;
}

static bool subscriptions_drop_to(const TestBus *tb, unsigned n) {
        for (unsigned i = 0; i < 250; i++) {
                if (subscriptions(tb) == n)
                        return true;
                usleep(20 * 1000);
        }
        return false;
}

static void test_reply_then_replay_as_get_plane(void **state) {
        TestBus *tb = *state;
        _cleanup_free_ uint64_t *ids = NULL;
        Client *c = NULL, *other = NULL;
        unsigned n_ids, want;

        assert_int_equal(client_new(tb, true, &c), 0);
        assert_int_equal(client_new(tb, true, &other), 0);
        assert_int_equal(plane_ids(c->bus, NULL, 0x2 /* registered */, &ids, &n_ids), 0);
        assert_true(n_ids >= 2); /* IOResources and the platform expert, at least */

        assert_int_equal(client_subscribe_async(c, "IOServicePublish", NULL, NULL), 0);
        want = n_ids + 1;
        assert_true(client_run_until(c, has_n_events, &want, 5000));
        client_run_for(c, 100);
        assert_int_equal(c->n_events, want); /* nothing more */

        /* The reply first: the client knows the ID before any signal carries it. */
        assert_int_equal(c->events[0].kind, EVENT_REPLY);
        assert_int_not_equal(c->events[0].subscription, 0);
        for (unsigned i = 1; i < want; i++) {
                Event *e = &c->events[i];

                assert_int_equal(e->kind, EVENT_NOTIFICATION);
                assert_int_equal(e->subscription, c->events[0].subscription);
                assert_int_equal(e->sequence, i);
                assert_string_equal(e->type, "IOServicePublish");
                if (i > 1)
                        assert_true(e->entry > c->events[i - 1].entry); /* ascending IDs */
                assert_true(e->name[0] && e->class_name[0]);
                /* Exactly the registered entries GetPlane lists. */
                bool found = false;
                for (unsigned j = 0; j < n_ids; j++)
                        found = found || ids[j] == e->entry;
                assert_true(found);
        }

        /* Unicast: the other client, with the same match installed, received nothing. */
        client_run_for(other, 200);
        assert_int_equal(other->n_events, 0);

        /* With a dictionary: the platform expert only. */
        uint64_t id;
        want = c->n_events + 1;
        assert_int_equal(client_subscribe(c, "first-publish", "IOProviderClass", "IOPlatformExpertDevice", &id, NULL),
                         0);
        assert_true(client_run_until(c, has_n_events, &want, 5000));
        assert_string_equal(c->events[want - 1].class_name, "IOPlatformExpertDevice");
        assert_string_equal(c->events[want - 1].type, "IOServiceFirstPublish");
        assert_int_equal(c->events[want - 1].sequence, 1);
        assert_true(c->events[want - 1].n_properties > 0);

        client_free(other);
        client_free(c);
        assert_true(subscriptions_drop_to(tb, 0));
}

static void assert_error(int r, sd_bus_error *error, const char *name) {
        assert_true(r < 0);
        if (!sd_bus_error_has_name(error, name)) {
                fprintf(stderr, "expected %s, got %s: %s\n", name, error->name, error->message);
                fail();
        }
        sd_bus_error_free(error);
}

/* Calls Subscribe with {"IOParentMatch": {"IOParentMatch": ... {}}}: depth + 1 dictionaries. */
static int subscribe_nested(Client *c, unsigned depth, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = NULL, *reply = NULL;
        int r;

        r = sd_bus_message_new_method_call(c->bus, &call, IOREG_BUS_NAME, IOREG_OBJECT_PATH,
                                           IOREG_NOTIFY_INTERFACE, "Subscribe");
        assert_int_equal(r, 0);
        assert_true(sd_bus_message_append(call, "s", "IOServicePublish") >= 0);
        for (unsigned i = 0; i < depth; i++) {
                assert_true(sd_bus_message_open_container(call, 'a', "{sv}") >= 0);
                assert_true(sd_bus_message_open_container(call, 'e', "sv") >= 0);
                assert_true(sd_bus_message_append(call, "s", "IOParentMatch") >= 0);
                assert_true(sd_bus_message_open_container(call, 'v', "a{sv}") >= 0);
        }
        assert_true(sd_bus_message_append(call, "a{sv}", 0) >= 0);
        for (unsigned i = 0; i < depth; i++) {
                assert_true(sd_bus_message_close_container(call) >= 0);
                assert_true(sd_bus_message_close_container(call) >= 0);
                assert_true(sd_bus_message_close_container(call) >= 0);
        }
        return sd_bus_call(c->bus, call, 0, error, &reply);
}

static void test_bad_arguments(void **state) {
        TestBus *tb = *state;
        sd_bus_error error = SD_BUS_ERROR_NULL;
        Client *c = NULL, *other = NULL;
        uint64_t id, mine;
        int r;

        assert_int_equal(client_new(tb, false, &c), 0);
        assert_int_equal(client_new(tb, false, &other), 0);

        r = client_subscribe(c, "IOServiceTerminated", NULL, NULL, &id, &error); /* Apple's is IOServiceTerminate */
        assert_error(r, &error, "org.ioreg.Error.InvalidArgument");
        r = sd_bus_call_method(c->bus, IOREG_BUS_NAME, IOREG_OBJECT_PATH, IOREG_NOTIFY_INTERFACE,
                               "Subscribe", &error, NULL, "sa{sv}", "publish", 1, "IOProbeScore", "d", 1.5);
        assert_error(r, &error, "org.ioreg.Error.InvalidArgument"); /* no registry type for a double */
        /* 17 dictionaries, one in the other (the bus itself refuses more than 32 arrays deep). */
        r = subscribe_nested(c, 16, &error);
        assert_error(r, &error, "org.ioreg.Error.InvalidArgument");
        r = subscribe_nested(c, 15, &error);
        assert_true(r >= 0);
        r = sd_bus_call_method(c->bus, IOREG_BUS_NAME, IOREG_OBJECT_PATH, IOREG_NOTIFY_INTERFACE,
                               "Subscribe", &error, NULL, "ss", "publish", "IOService");
        assert_true(r < 0); /* wrong signature: refused by sd-bus */
        sd_bus_error_free(&error);

        r = client_register_interest(c, UINT64_C(0x7ffffff0), "IOGeneralInterest", &id, &error);
        assert_error(r, &error, "org.ioreg.Error.NoSuchEntry");
        r = client_register_interest(c, ROOT_ID, "IOConsoleSecurityInterest", &id, &error);
        assert_error(r, &error, "org.ioreg.Error.InvalidArgument");
        assert_int_equal(client_register_interest(c, ROOT_ID, "IOBusyInterest", &id, NULL), 0);

        assert_int_equal(client_subscribe(c, "terminated", NULL, NULL, &mine, NULL), 0);
        r = client_call_tt(c, "Unsubscribe", 999999, 0, &error);
        assert_error(r, &error, "org.ioreg.Error.NoSuchSubscription");
        r = client_call_tt(c, "Ack", mine, 1, &error); /* nothing sent yet */
        assert_error(r, &error, "org.ioreg.Error.InvalidArgument");
        r = client_call_tt(c, "Ack", 999999, 0, &error);
        assert_error(r, &error, "org.ioreg.Error.NoSuchSubscription");
        /* Another client's subscription is not there for us. */
        r = client_call_tt(other, "Unsubscribe", mine, 0, &error);
        assert_error(r, &error, "org.ioreg.Error.NoSuchSubscription");
        r = client_call_tt(other, "Resync", mine, 0, &error);
        assert_error(r, &error, "org.ioreg.Error.NoSuchSubscription");
        r = client_call_tt(other, "Ack", mine, 0, &error);
        assert_error(r, &error, "org.ioreg.Error.NoSuchSubscription");

        assert_int_equal(subscriptions(tb), 3);
        assert_true(client_call_tt(c, "Unsubscribe", mine, 0, NULL) >= 0);
        assert_int_equal(subscriptions(tb), 2);
        client_free(other);
        client_free(c);
        assert_true(subscriptions_drop_to(tb, 0));
}

/* A client that subscribes and is killed, and one that closes right after its calls. */
static void test_subscriptions_end_with_their_client(void **state) {
        TestBus *tb = *state;
        int pipefd[2];
        pid_t pid;
        char c;

        assert_int_equal(pipe(pipefd), 0);
        pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                Client *cl = NULL;
                uint64_t id;

                close(pipefd[0]);
                if (client_new(tb, false, &cl) < 0 ||
                    client_subscribe(cl, "IOServicePublish", NULL, NULL, &id, NULL) < 0 ||
                    client_subscribe(cl, "IOServiceTerminate", "IOProviderClass", "IOService", &id, NULL) < 0 ||
                    client_subscribe(cl, "matched", NULL, NULL, &id, NULL) < 0 ||
                    client_register_interest(cl, ROOT_ID, "IOGeneralInterest", &id, NULL) < 0)
                        _exit(1);
                (void) !write(pipefd[1], "y", 1);
                pause(); /* never reads its signals: killed with them queued */
                _exit(0);
        }
        close(pipefd[1]);
        assert_int_equal(read(pipefd[0], &c, 1), 1);
        close(pipefd[0]);
        assert_int_equal(subscriptions(tb), 4);
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        assert_true(subscriptions_drop_to(tb, 0));

        /* Closed at once after the call: the daemon may learn of it before or after tracking it. */
        for (unsigned i = 0; i < 20; i++) {
                Client *cl = NULL;

                assert_int_equal(client_new(tb, false, &cl), 0);
                assert_int_equal(client_subscribe_async(cl, "IOServicePublish", NULL, NULL), 0);
                assert_true(sd_bus_flush(cl->bus) >= 0);
                client_free(cl);
        }
        assert_true(subscriptions_drop_to(tb, 0));
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_reply_then_replay_as_get_plane),
                cmocka_unit_test(test_bad_arguments),
                cmocka_unit_test(test_subscriptions_end_with_their_client),
        };

        return cmocka_run_group_tests_name("notifications over D-Bus", tests, setup, teardown);
}
