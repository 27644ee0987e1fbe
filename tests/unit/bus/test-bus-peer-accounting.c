/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-bus-peer-accounting.c: bus-peer-accounting.h on answers built here
 * in the shape of dbus-broker 33's Debug.Stats.GetStats (what the
 * adversarial case sync-reader asks of a real one), of dbus-daemon's
 * (no PeerAccounting), and malformed.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bus-peer-accounting.h"

typedef struct Seen {
        unsigned n;
        char name[32];
        uint32_t outgoing;
} Seen;

static void on_peer(void *userdata, const char *name, uint32_t outgoing) {
        Seen *s = userdata;

        s->n++;
        strncpy(s->name, name, sizeof(s->name) - 1);
        s->outgoing = outgoing;
}

/*
 * sd-bus builds messages only for a bus that has started: one on a socket pair, whose
 * authentication never ends (nothing is sent).
 */
static sd_bus *bus;
static int fds[2] = { -1, -1 };

static int setup(void **state) {
        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, fds) < 0 || sd_bus_new(&bus) < 0 ||
            sd_bus_set_fd(bus, fds[0], fds[0]) < 0 || sd_bus_start(bus) < 0)
                return -1;
        return 0;
}

static int teardown(void **state) {
        bus = sd_bus_close_unref(bus); /* closes fds[0] */
        if (fds[1] >= 0)
                close(fds[1]);
        return 0;
}

static sd_bus_message *new_answer(void) {
        sd_bus_message *m = NULL;

        assert_int_equal(sd_bus_message_new_signal(bus, &m, "/org/freedesktop/DBus", "org.freedesktop.DBus",
                                                   "Stats"), 0);
        return m;
}

static void seal(sd_bus_message *m) {
        assert_int_equal(sd_bus_message_seal(m, 1, 0), 0);
        assert_true(sd_bus_message_rewind(m, true) >= 0);
}

/* One peer (sa{sv}a{su}); outgoing UINT32_MAX: without OutgoingBytes. */
static void append_peer(sd_bus_message *m, const char *name, uint32_t outgoing) {
        assert_true(sd_bus_message_open_container(m, 'r', "sa{sv}a{su}") >= 0);
        assert_true(sd_bus_message_append(m, "sa{sv}", name, 2, "UnixUserID", "u", 65534, "ProcessID", "u", 42) >=
                    0);
        assert_true(sd_bus_message_open_container(m, 'a', "{su}") >= 0);
        assert_true(sd_bus_message_append(m, "{su}", "IncomingBytes", 16) >= 0);
        if (outgoing != UINT32_MAX)
                assert_true(sd_bus_message_append(m, "{su}", "OutgoingBytes", outgoing) >= 0);
        assert_true(sd_bus_message_append(m, "{su}", "OutgoingFds", 0) >= 0);
        assert_true(sd_bus_message_close_container(m) >= 0);
        assert_true(sd_bus_message_close_container(m) >= 0);
}

static void test_broker(void **state) {
        sd_bus_message *m = new_answer();
        Seen seen = {};

        assert_true(sd_bus_message_open_container(m, 'a', "{sv}") >= 0);
        assert_true(sd_bus_message_append(m, "{sv}", "org.bus1.DBus.Debug.Stats.Version", "u", 1) >= 0);
        assert_true(sd_bus_message_open_container(m, 'e', "sv") >= 0);
        assert_true(sd_bus_message_append(m, "s", BUS_PEER_ACCOUNTING_KEY) >= 0);
        assert_true(sd_bus_message_open_container(m, 'v', "a(sa{sv}a{su})") >= 0);
        assert_true(sd_bus_message_open_container(m, 'a', "(sa{sv}a{su})") >= 0);
        append_peer(m, ":1.7", UINT32_MAX);
        append_peer(m, ":1.9", 183456);
        assert_true(sd_bus_message_close_container(m) >= 0);
        assert_true(sd_bus_message_close_container(m) >= 0);
        assert_true(sd_bus_message_close_container(m) >= 0);
        assert_true(sd_bus_message_append(m, "{sv}", "org.bus1.DBus.Debug.Stats.UserAccounting", "u", 0) >= 0);
        assert_true(sd_bus_message_close_container(m) >= 0);
        seal(m);

        assert_int_equal(bus_peer_accounting_parse(m, on_peer, &seen), 0);
        assert_int_equal(seen.n, 1);
        assert_string_equal(seen.name, ":1.9");
        assert_int_equal(seen.outgoing, 183456);
        sd_bus_message_unref(m);
}

static void test_daemon(void **state) {
        sd_bus_message *m = new_answer();
        Seen seen = {};

        assert_true(sd_bus_message_append(m, "a{sv}", 2, "Serial", "u", 12, "ActiveConnections", "u", 3) >= 0);
        seal(m);
        assert_int_equal(bus_peer_accounting_parse(m, on_peer, &seen), -ENOENT);
        assert_int_equal(seen.n, 0);
        sd_bus_message_unref(m);
}

static void test_malformed(void **state) {
        sd_bus_message *m = new_answer();
        Seen seen = {};
        int r;

        assert_true(sd_bus_message_append(m, "a{sv}", 1, BUS_PEER_ACCOUNTING_KEY, "u", 7) >= 0);
        seal(m);
        r = bus_peer_accounting_parse(m, on_peer, &seen);
        assert_true(r < 0 && r != -ENOENT);
        assert_int_equal(seen.n, 0);
        sd_bus_message_unref(m);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_broker),
                cmocka_unit_test(test_daemon),
                cmocka_unit_test(test_malformed),
        };

        return cmocka_run_group_tests(tests, setup, teardown);
}
