/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-notify-port.c: notification ports (daemon/bus/bus-notify-port.h) on
 * a real private dbus-daemon with the real ioregd (--no-udev): a client
 * that opened its port calls and hears there, in the order of one
 * connection (the reply, then the replay); a client on the bus beside it
 * is served as before; one port per connection; a port closed by its
 * client ends what it held and leaves the bus connection usable; a client
 * that leaves the bus loses its port; one that floods its port with calls
 * and reads nothing is cut off while the daemon goes on serving others; one
 * that leaves its replays unread until the socket is full gets every signal
 * whole and in order once it reads.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>
#include <poll.h>
#include <unistd.h>

#include "bus-notify-port.h"
#include "macro.h"
#include "notify-client.h"
#include "protocol.h"
#include "registry-query.h"
#include "test-bus.h"
#include "test-daemon.h"

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

        r = test_daemon_stop_with_bus(&daemon_, tb);
        free(tb);
        return r < 0 ? -1 : 0;
}

static unsigned read_u(const TestBus *tb, const char *property) {
        sd_bus *bus = NULL;
        uint32_t n = UINT32_MAX;

        assert_int_equal(test_bus_connect(tb, &bus), 0);
        assert_int_equal(sd_bus_get_property_trivial(bus, IOREG_BUS_NAME, IOREG_OBJECT_PATH, IOREG_NOTIFY_INTERFACE,
                                                     property, NULL, 'u', &n),
                         0);
        sd_bus_flush_close_unref(bus);
        return n;
}

static bool drops_to(const TestBus *tb, const char *property, unsigned n) {
        for (unsigned i = 0; i < 250; i++) {
                if (read_u(tb, property) == n)
                        return true;
                usleep(20 * 1000);
        }
        return false;
}

static bool has_n_events(Client *c, const void *arg) {
        return c->n_events >= *(const unsigned *) arg;
}

static void test_port_carries_reply_then_replay(void **state) {
        TestBus *tb = *state;
        Client *c = NULL, *plain = NULL;
        sd_bus_error error = SD_BUS_ERROR_NULL;
        unsigned want;

        assert_int_equal(client_new(tb, true, &c), 0);
        assert_int_equal(client_new(tb, true, &plain), 0);
        assert_int_equal(client_open_port(c, &error), 0);
        assert_int_equal(read_u(tb, "Ports"), 1);

        /* Over the port: the reply, then the platform expert's replay, then ReplayEnd (not recorded). */
        assert_int_equal(client_subscribe_async(c, "IOServicePublish", "IOProviderClass", "IOPlatformExpertDevice"), 0);
        want = 2;
        assert_true(client_run_until(c, has_n_events, &want, 5000));
        assert_int_equal(c->events[0].kind, EVENT_REPLY);
        assert_int_not_equal(c->events[0].subscription, 0);
        assert_int_equal(c->events[1].kind, EVENT_NOTIFICATION);
        assert_int_equal(c->events[1].subscription, c->events[0].subscription);
        assert_int_equal(c->events[1].sequence, 1);
        assert_string_equal(c->events[1].class_name, "IOPlatformExpertDevice");
        assert_true(c->events[1].n_properties > 0);

        /* A client on the bus beside it is served through the bus, as before. */
        uint64_t id;
        assert_int_equal(client_subscribe(plain, "IOServicePublish", "IOProviderClass", "IOPlatformExpertDevice", &id,
                                          NULL),
                         0);
        want = 1;
        assert_true(client_run_until(plain, has_n_events, &want, 5000));
        assert_string_equal(plain->events[0].class_name, "IOPlatformExpertDevice");
        assert_int_equal(read_u(tb, "Subscriptions"), 2);

        /* The port's owner is its bus connection: nothing of it arrives there. */
        assert_int_equal(sd_bus_process(c->home, NULL) >= 0, 1);

        /* Acks went over the port (auto_ack) and were taken: Unsubscribe over it works too. */
        assert_true(client_call_tt(c, "Unsubscribe", c->events[0].subscription, 0, &error) >= 0);
        assert_int_equal(read_u(tb, "Subscriptions"), 1);
        client_free(plain);
        client_free(c);
        assert_true(drops_to(tb, "Ports", 0));
        assert_true(drops_to(tb, "Subscriptions", 0));
}

/* Calls OpenPort (or, with a type, Subscribe(type, {})) on bus and expects the error name. */
static void assert_refused(sd_bus *bus, const char *subscribe_type, const char *name) {
        sd_bus_error error = SD_BUS_ERROR_NULL;
        int r;

        if (subscribe_type)
                r = sd_bus_call_method(bus, IOREG_BUS_NAME, IOREG_OBJECT_PATH, IOREG_NOTIFY_INTERFACE, "Subscribe",
                                       &error, NULL, "sa{sv}", subscribe_type, 0);
        else
                r = sd_bus_call_method(bus, IOREG_BUS_NAME, IOREG_OBJECT_PATH, IOREG_NOTIFY_INTERFACE,
                                       IOREG_NOTIFY_OPEN_PORT, &error, NULL, "");
        assert_true(r < 0);
        if (!sd_bus_error_has_name(&error, name)) {
                fprintf(stderr, "expected %s, got %s: %s\n", name, error.name, error.message);
                fail();
        }
        sd_bus_error_free(&error);
}

static void test_one_port_per_connection(void **state) {
        TestBus *tb = *state;
        sd_bus_error error = SD_BUS_ERROR_NULL;
        Client *c = NULL;

        assert_int_equal(client_new(tb, false, &c), 0);
        assert_int_equal(client_open_port(c, &error), 0);
        assert_refused(c->home, NULL, IOREG_ERROR_LIMITS_EXCEEDED);     /* again over the bus */
        assert_refused(c->bus, NULL, IOREG_ERROR_INVALID_ARGUMENT);     /* over the port itself */
        /* A bad call over the port is answered, and the port stays. */
        assert_refused(c->bus, "NoSuchType", IOREG_ERROR_INVALID_ARGUMENT);
        assert_int_equal(read_u(tb, "Ports"), 1);
        client_free(c);
        assert_true(drops_to(tb, "Ports", 0));
}

/* The client closes its port and keeps its bus connection: what it held ends; it may open again. */
static void test_closing_the_port_ends_its_subscriptions(void **state) {
        TestBus *tb = *state;
        sd_bus_error error = SD_BUS_ERROR_NULL;
        Client *c = NULL;
        uint64_t id;

        assert_int_equal(client_new(tb, false, &c), 0);
        assert_int_equal(client_open_port(c, &error), 0);
        assert_int_equal(client_subscribe(c, "IOServiceTerminate", NULL, NULL, &id, &error), 0);
        assert_int_equal(client_subscribe(c, "IOServicePublish", "IOProviderClass", "IOResources", &id, &error), 0);
        assert_int_equal(read_u(tb, "Subscriptions"), 2);

        c->match = sd_bus_slot_unref(c->match);
        c->bus = sd_bus_flush_close_unref(c->bus);
        assert_true(drops_to(tb, "Ports", 0));
        assert_true(drops_to(tb, "Subscriptions", 0));

        /* The bus connection is alive and may open a new port. */
        c->bus = TAKE_PTR(c->home);
        assert_int_equal(client_open_port(c, &error), 0);
        assert_int_equal(read_u(tb, "Ports"), 1);
        client_free(c);
        assert_true(drops_to(tb, "Ports", 0));
}

static bool disconnected(sd_bus *bus, unsigned timeout_ms) {
        for (unsigned waited = 0; waited < timeout_ms; waited += 20) {
                while (sd_bus_process(bus, NULL) > 0)
                        ;
                if (sd_bus_is_open(bus) <= 0)
                        return true;
                (void) sd_bus_wait(bus, 20 * 1000);
        }
        return false;
}

/* The owner leaves the bus: the daemon closes the port (the client sees it end). */
static void test_leaving_the_bus_closes_the_port(void **state) {
        TestBus *tb = *state;
        sd_bus_error error = SD_BUS_ERROR_NULL;
        Client *c = NULL;
        uint64_t id;

        assert_int_equal(client_new(tb, false, &c), 0);
        assert_int_equal(client_open_port(c, &error), 0);
        assert_int_equal(client_subscribe(c, "IOServiceTerminate", NULL, NULL, &id, &error), 0);
        c->home = sd_bus_flush_close_unref(c->home);
        assert_true(disconnected(c->bus, 5000));
        assert_true(drops_to(tb, "Ports", 0));
        assert_true(drops_to(tb, "Subscriptions", 0));
        client_free(c);
}

/* One header field (code, one-letter signature, string value) at *at, 8-aligned, little-endian. */
static size_t put_field(uint8_t *buf, size_t at, uint8_t code, char sig, const char *value) {
        uint32_t len = strlen(value);

        at = (at + 7) & ~(size_t) 7;
        buf[at++] = code;
        buf[at++] = 1;
        buf[at++] = (uint8_t) sig;
        buf[at++] = 0;
        memcpy(buf + at, &len, 4);
        memcpy(buf + at + 4, value, len + 1);
        return at + 4 + len + 1;
}

/*
 * An Introspect call marshalled by hand (D-Bus wire format): a client that writes calls and never
 * reads, which no D-Bus library is (sd-bus reads its socket while it flushes).
 */
static size_t raw_introspect(uint8_t *buf, uint32_t serial) {
        uint32_t fields_len, zero = 0;
        size_t at;

        memset(buf, 0, 256);
        memcpy(buf, "l\1\0\1", 4);
        memcpy(buf + 4, &zero, 4);        /* body length */
        memcpy(buf + 8, &serial, 4);
        at = put_field(buf, 16, 1, 'o', IOREG_OBJECT_PATH);
        at = put_field(buf, at, 2, 's', "org.freedesktop.DBus.Introspectable");
        at = put_field(buf, at, 3, 's', "Introspect");
        fields_len = (uint32_t) (at - 16);
        memcpy(buf + 12, &fields_len, 4);
        return (at + 7) & ~(size_t) 7;
}

/* other, on a port of its own, is still served: a subscription replays the platform expert to it. Frees it. */
static void assert_served(Client *other) {
        sd_bus_error error = SD_BUS_ERROR_NULL;
        unsigned want = 1;
        uint64_t id;

        assert_int_equal(client_subscribe(other, "IOServicePublish", "IOProviderClass", "IOPlatformExpertDevice", &id,
                                          &error),
                         0);
        assert_true(client_run_until(other, has_n_events, &want, 5000));
        client_free(other);
}

/* Calls over the port, no answer read: cut off, and the daemon serves the others meanwhile. */
static void test_flooding_the_port_cuts_it_off(void **state) {
        TestBus *tb = *state;
        sd_bus_error error = SD_BUS_ERROR_NULL;
        Client *c = NULL, *other = NULL;
        unsigned sent = 0;
        uint8_t call[256];
        int fd;

        assert_int_equal(client_new(tb, false, &c), 0);
        assert_int_equal(client_open_port(c, &error), 0);
        fd = sd_bus_get_fd(c->bus);
        assert_true(fd >= 0);
        /* The daemon's answers (a few KiB each) fill the socket, then wait on its side, until it cuts us off. */
        for (; sent < 64 * NOTIFY_PORT_MAX_QUEUED; sent++) {
                size_t n = raw_introspect(call, sent + 1000);
                struct pollfd p = { .fd = fd, .events = POLLOUT };

                if (poll(&p, 1, 5000) <= 0 || (p.revents & (POLLERR | POLLHUP)) || write(fd, call, n) != (ssize_t) n)
                        break;
        }
        assert_true(sent > NOTIFY_PORT_MAX_QUEUED);
        assert_true(sent < 64 * NOTIFY_PORT_MAX_QUEUED); /* cut off, not given up */
        assert_true(drops_to(tb, "Ports", 0));

        /* After, the daemon answers others. */
        assert_int_equal(client_new(tb, true, &other), 0);
        assert_int_equal(client_open_port(other, &error), 0);
        assert_served(other);
        client_free(c);
        assert_true(drops_to(tb, "Ports", 0));
}

static bool has_n_notifications(Client *c, const void *arg) {
        unsigned n = 0;

        for (unsigned i = 0; i < c->n_events; i++)
                n += c->events[i].kind == EVENT_NOTIFICATION;
        return n >= *(const unsigned *) arg;
}

/*
 * A client that does not read while its replays fill the socket: ioregd's signals go by hand
 * (bus-notify-wire.h) while sd-bus holds nothing for the port, through sd-bus behind the answers it
 * holds, then wait in the hub; once the client reads, every one arrives whole (sd-bus would drop
 * the port at a cut message), in order, each subscription's sequence without a gap, after its
 * reply. (A message left part-written is tests/unit/bus/test-bus-notify-port.c's.)
 */
static void test_full_socket_keeps_every_signal_whole(void **state) {
        enum { SUBSCRIPTIONS = 800 };
        TestBus *tb = *state;
        sd_bus_error error = SD_BUS_ERROR_NULL;
        Client *c = NULL;
        uint64_t *last = NULL, *ids = NULL;
        unsigned per, want, replies = 0, bytes_min;

        assert_int_equal(client_new(tb, true, &c), 0);
        assert_int_equal(client_open_port(c, &error), 0);
        /* How many entries one subscription replays. */
        assert_int_equal(client_subscribe_async(c, "IOServicePublish", NULL, NULL), 0);
        client_run_for(c, 500);
        per = c->n_events - 1;
        assert_true(per >= 3);
        for (unsigned i = 0; i < SUBSCRIPTIONS; i++)
                assert_int_equal(client_subscribe_async(c, "IOServicePublish", NULL, NULL), 0);
        /* Each notification is well over 200 bytes: far more than a socket holds (208 KiB by default). */
        bytes_min = SUBSCRIPTIONS * per * 200;
        assert_true(bytes_min > 2 * 212992);
        usleep(1500 * 1000); /* nothing read: the daemon's side fills and waits */
        want = (SUBSCRIPTIONS + 1) * per;
        assert_true(client_run_until(c, has_n_notifications, &want, 30000));
        client_run_for(c, 200);

        last = calloc(c->n_events, sizeof(*last));
        ids = calloc(c->n_events, sizeof(*ids));
        assert_non_null(last);
        assert_non_null(ids);
        for (unsigned i = 0; i < c->n_events; i++) {
                const Event *ev = &c->events[i];
                unsigned k;

                assert_int_not_equal(ev->kind, EVENT_OVERFLOW);
                for (k = 0; k < replies && ids[k] != ev->subscription; k++)
                        ;
                if (ev->kind == EVENT_REPLY) {
                        assert_int_equal(k, replies); /* one reply per subscription, before its signals */
                        ids[replies++] = ev->subscription;
                        continue;
                }
                assert_true(k < replies);
                assert_int_equal(ev->sequence, last[k] + 1);
                last[k] = ev->sequence;
        }
        assert_int_equal(replies, SUBSCRIPTIONS + 1);
        for (unsigned k = 0; k < replies; k++)
                assert_int_equal(last[k], per);
        assert_int_equal(read_u(tb, "Ports"), 1);
        free(last);
        free(ids);
        client_free(c);
        assert_true(drops_to(tb, "Ports", 0));
        assert_true(drops_to(tb, "Subscriptions", 0));
}

/* Bytes that are no D-Bus message on the port: the daemon ends that port, and only it. */
static void test_garbage_on_the_port_ends_it(void **state) {
        TestBus *tb = *state;
        sd_bus_error error = SD_BUS_ERROR_NULL;
        static const char junk[] = "B\x01\x00\x07\xff\xff\xff\xff not a message at all, and then some more bytes";
        Client *c = NULL, *other = NULL;
        uint64_t id;

        assert_int_equal(client_new(tb, false, &c), 0);
        assert_int_equal(client_new(tb, true, &other), 0);
        assert_int_equal(client_open_port(c, &error), 0);
        assert_int_equal(client_open_port(other, &error), 0);
        assert_int_equal(client_subscribe(c, "IOServiceTerminate", NULL, NULL, &id, &error), 0);
        assert_int_equal(read_u(tb, "Ports"), 2);
        assert_int_equal(write(sd_bus_get_fd(c->bus), junk, sizeof(junk)), (ssize_t) sizeof(junk));
        assert_true(drops_to(tb, "Ports", 1));
        assert_true(drops_to(tb, "Subscriptions", 0));
        /* The other port goes on. */
        assert_served(other);
        client_free(c);
        assert_true(drops_to(tb, "Ports", 0));
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_port_carries_reply_then_replay),
                cmocka_unit_test(test_one_port_per_connection),
                cmocka_unit_test(test_closing_the_port_ends_its_subscriptions),
                cmocka_unit_test(test_leaving_the_bus_closes_the_port),
                cmocka_unit_test(test_flooding_the_port_cuts_it_off),
                cmocka_unit_test(test_garbage_on_the_port_ends_it),
                cmocka_unit_test(test_full_socket_keeps_every_signal_whole),
        };

        return cmocka_run_group_tests(tests, setup, teardown);
}
