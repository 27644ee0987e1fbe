/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-bus-wire.c: signals written by hand (bus-wire.h, bus-notify-wire.h)
 * are the bytes sd-bus writes for the same signal, header and body, for
 * every kind of value bus-value.h sends (strings that are not UTF-8 too);
 * an sd-bus client reads them back; root-only keys can be left out; and a
 * value nested deeper than D-Bus allows fails the message, not the daemon.
 *
 * The sd-bus side is a real server connection on a socketpair, as a port
 * is: after the handshake, what it writes is read from the client's end.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <systemd/sd-bus.h>
#include <systemd/sd-id128.h>

#include "bus-notify-wire.h"
#include "bus-restricted.h"
#include "bus-value.h"
#include "bus-wire.h"
#include "protocol.h"
#include "utf8.h"

#define DESTINATION ":1.42"
#define OTHER_DESTINATION ":1.1042"

typedef struct Pair {
        sd_bus *server, *client; /* owned */
        int server_fd, client_fd; /* borrowed from the connections */
} Pair;

static void pair_open(Pair *p) {
        sd_id128_t id;
        int fds[2];

        assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, fds), 0);
        assert_int_equal(sd_bus_new(&p->server), 0);
        assert_int_equal(sd_bus_set_fd(p->server, fds[0], fds[0]), 0);
        assert_int_equal(sd_id128_randomize(&id), 0);
        assert_int_equal(sd_bus_set_server(p->server, 1, id), 0);
        assert_int_equal(sd_bus_set_anonymous(p->server, 1), 0);
        assert_int_equal(sd_bus_start(p->server), 0);
        assert_int_equal(sd_bus_new(&p->client), 0);
        assert_int_equal(sd_bus_set_fd(p->client, fds[1], fds[1]), 0);
        assert_int_equal(sd_bus_set_anonymous(p->client, 1), 0);
        assert_int_equal(sd_bus_start(p->client), 0);
        p->server_fd = fds[0];
        p->client_fd = fds[1];
        /* The handshake: both sides until the client is running. */
        for (int i = 0; i < 1000 && sd_bus_is_ready(p->client) <= 0; i++) {
                while (sd_bus_process(p->server, NULL) > 0)
                        ;
                while (sd_bus_process(p->client, NULL) > 0)
                        ;
                (void) poll(&(struct pollfd) { .fd = fds[1], .events = POLLIN }, 1, 10);
        }
        assert_true(sd_bus_is_ready(p->client) > 0);
        /* The server has read all of it too: BEGIN, and nothing after. */
        while (sd_bus_process(p->server, NULL) > 0)
                ;
}

static void pair_close(Pair *p) {
        p->server = sd_bus_flush_close_unref(p->server);
        p->client = sd_bus_flush_close_unref(p->client);
}

/* Reads what the server wrote, len bytes at most, from the client's end (the client reads nothing itself). */
static size_t read_raw(Pair *p, uint8_t *buf, size_t size) {
        size_t n = 0;

        for (int i = 0; i < 100; i++) {
                ssize_t k = recv(p->client_fd, buf + n, size - n, MSG_DONTWAIT);

                if (k > 0) {
                        n += (size_t) k;
                        continue;
                }
                if (n > 0)
                        break;
                (void) poll(&(struct pollfd) { .fd = p->client_fd, .events = POLLIN }, 1, 10);
        }
        return n;
}

static uint32_t serial_of(const uint8_t *msg) {
        uint32_t x;

        memcpy(&x, msg + 8, 4);
        return le32toh(x);
}

/* A table with every kind of value, strings that are not UTF-8, empty and nested containers. */
static Value *every_kind(void) {
        static const uint8_t bytes[] = { 0x00, 0xff, 0x10 };
        Value *d = value_new_dictionary();
        _cleanup_value_ Value *inner = value_new_dictionary(), *array = value_new_array(), *empty_array = value_new_array(),
                              *empty_dict = value_new_dictionary(), *deep = value_new_array();

        assert_non_null(d);
        assert_int_equal(value_dict_set_take(inner, "deep", value_new_boolean(false)), 0);
        assert_int_equal(value_dict_set_take(inner, "bad \xff key", value_new_string("bad \xc3 value")), 0);
        assert_int_equal(value_array_append_take(array, value_new_signed(-5, 8)), 0);
        assert_int_equal(value_array_append_take(array, value_new_string("two")), 0);
        assert_int_equal(value_array_append(array, inner), 0);
        assert_int_equal(value_array_append(deep, array), 0);
        assert_int_equal(value_array_append(deep, empty_dict), 0);
        assert_int_equal(value_dict_set_take(d, "u8", value_new_unsigned(0xab, 8)), 0);
        assert_int_equal(value_dict_set_take(d, "s8", value_new_signed(-128, 8)), 0);
        assert_int_equal(value_dict_set_take(d, "u16", value_new_unsigned(0x403, 16)), 0);
        assert_int_equal(value_dict_set_take(d, "s16", value_new_signed(-2, 16)), 0);
        assert_int_equal(value_dict_set_take(d, "u32", value_new_unsigned(UINT32_MAX, 32)), 0);
        assert_int_equal(value_dict_set_take(d, "s32", value_new_signed(INT32_MIN, 32)), 0);
        assert_int_equal(value_dict_set_take(d, "u64", value_new_unsigned(UINT64_MAX, 64)), 0);
        assert_int_equal(value_dict_set_take(d, "s64", value_new_signed(INT64_MIN, 64)), 0);
        assert_int_equal(value_dict_set_take(d, "yes", value_new_boolean(true)), 0);
        assert_int_equal(value_dict_set_take(d, "data", value_new_data(bytes, sizeof(bytes))), 0);
        assert_int_equal(value_dict_set_take(d, "no data", value_new_data(NULL, 0)), 0);
        assert_int_equal(value_dict_set_take(d, "USB Product Name", value_new_string("FT232R USB UART")), 0);
        assert_int_equal(value_dict_set_take(d, "caf\xc3\xa9", value_new_string("")), 0);
        assert_int_equal(value_dict_set_take(d, "not utf-8", value_new_string("\xfe\xff ok")), 0);
        assert_int_equal(value_dict_set_take(d, "IOPlatformSerialNumber", value_new_string("C02XYZ")), 0);
        assert_int_equal(value_dict_set(d, "list", array), 0);
        assert_int_equal(value_dict_set(d, "none", empty_array), 0);
        assert_int_equal(value_dict_set(d, "nested", inner), 0);
        assert_int_equal(value_dict_set(d, "empty", empty_dict), 0);
        assert_int_equal(value_dict_set(d, "deep", deep), 0);
        return d;
}

static const char *const places[][4] = {
        { "", "FT232R USB UART", "14111100", "" },
        { "IOService", "FT232R USB UART", "14111100", "IOService:/AppleACPIPlatformExpert/FT232R USB UART@14111100" },
        { "IOUSB", "FT232R USB UART", "", "" },
};

/* The Notification as bus-notify.c builds it with sd-bus, sent by the server. */
static void send_by_sd_bus(Pair *p, const Value *props, const char *destination) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;

        assert_int_equal(sd_bus_message_new_signal(p->server, &m, IOREG_OBJECT_PATH, IOREG_NOTIFY_INTERFACE,
                                                   "Notification"), 0);
        assert_int_equal(sd_bus_message_set_destination(m, destination), 0);
        assert_true(sd_bus_message_append(m, "ttstss", (uint64_t) 7, (uint64_t) 99, "FirstPublish",
                                          (uint64_t) 0x1000004d2, "FT232R USB UART", "IOUSBHostDevice") >= 0);
        assert_true(bus_message_append_dict(m, props) >= 0);
        assert_int_equal(sd_bus_message_open_container(m, 'a', "(ssss)"), 0);
        for (size_t i = 0; i < sizeof(places) / sizeof(places[0]); i++)
                assert_true(sd_bus_message_append(m, "(ssss)", places[i][0], places[i][1], places[i][2],
                                                  places[i][3]) >= 0);
        assert_true(sd_bus_message_close_container(m) >= 0);
        assert_int_equal(sd_bus_send(p->server, m, NULL), 1);
}

/* The same, by hand, as bus-notify.c writes it for a port (through h, a port's kept header, if any). */
static int write_kept(BusWire *w, BusNotifyWireHeader *h, const char *destination, uint32_t serial,
                      const Value *props, bool (*skip)(const char *key)) {
        size_t body = h ? bus_notify_wire_begin_kept(w, h, serial, destination, "Notification", "ttstssa{sv}a(ssss)")
                        : bus_notify_wire_begin(w, serial, destination, "Notification", "ttstssa{sv}a(ssss)");
        BusWireArray a;

        bus_wire_u64(w, 7);
        bus_wire_u64(w, 99);
        bus_wire_string(w, "FirstPublish");
        bus_wire_u64(w, 0x1000004d2);
        bus_wire_string(w, "FT232R USB UART");
        bus_wire_string(w, "IOUSBHostDevice");
        bus_wire_dict(w, props, skip);
        a = bus_wire_array_begin(w, 8);
        for (size_t i = 0; i < sizeof(places) / sizeof(places[0]); i++) {
                bus_wire_align(w, 8);
                for (size_t j = 0; j < 4; j++)
                        bus_wire_string(w, places[i][j]);
        }
        bus_wire_array_end(w, a);
        return bus_notify_wire_end(w, body);
}

static int write_by_hand(BusWire *w, uint32_t serial, const Value *props, bool (*skip)(const char *key)) {
        return write_kept(w, NULL, DESTINATION, serial, props, skip);
}

static void test_notification_bytes(void **state) {
        _cleanup_value_ Value *props = every_kind();
        BusWire w = {};
        uint8_t sent[8192];
        size_t n;
        Pair p = {};

        pair_open(&p);
        send_by_sd_bus(&p, props, DESTINATION);
        n = read_raw(&p, sent, sizeof(sent));
        assert_true(n > 200);
        assert_int_equal(write_by_hand(&w, serial_of(sent), props, NULL), 0);
        assert_int_equal(w.len, n);
        assert_memory_equal(w.data, sent, n);
        /* Kept memory, same bytes: a second message written in the same buffer. */
        assert_int_equal(write_by_hand(&w, serial_of(sent), props, NULL), 0);
        assert_memory_equal(w.data, sent, n);
        bus_wire_done(&w);
        pair_close(&p);
}

/*
 * A port's kept header: the next Notification copies it with its own serial (sd-bus's next one), and
 * another destination writes and keeps a new one.
 */
static void test_kept_header(void **state) {
        static const char *const destinations[] = { DESTINATION, DESTINATION, OTHER_DESTINATION, OTHER_DESTINATION };
        _cleanup_value_ Value *props = every_kind();
        BusNotifyWireHeader h = {};
        BusWire w = {};
        uint8_t sent[8192];
        size_t n;
        Pair p = {};

        pair_open(&p);
        for (size_t i = 0; i < ELEMENTSOF(destinations); i++) {
                send_by_sd_bus(&p, props, destinations[i]);
                n = read_raw(&p, sent, sizeof(sent));
                assert_int_equal(write_kept(&w, &h, destinations[i], serial_of(sent), props, NULL), 0);
                assert_int_equal(w.len, n);
                assert_memory_equal(w.data, sent, n);
                assert_string_equal(h.destination, destinations[i]);
        }
        /* The copy is what goes out: a byte changed in the kept header shows in the next message. */
        h.bytes[h.len - 1] ^= 0x5a;
        assert_int_equal(write_kept(&w, &h, OTHER_DESTINATION, serial_of(sent), props, NULL), 0);
        assert_int_equal(w.data[h.len - 1], sent[h.len - 1] ^ 0x5a);
        bus_notify_wire_header_done(&h);
        bus_wire_done(&w);
        pair_close(&p);
}

static void test_marks_and_empty_tables(void **state) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        BusWire w = {};
        uint8_t sent[1024];
        size_t n, body;
        Pair p = {};

        pair_open(&p);
        assert_int_equal(sd_bus_message_new_signal(p.server, &m, IOREG_OBJECT_PATH, IOREG_NOTIFY_INTERFACE, "Interest"),
                         0);
        assert_int_equal(sd_bus_message_set_destination(m, DESTINATION), 0);
        assert_true(sd_bus_message_append(m, "tttuta{sv}", (uint64_t) 1, (uint64_t) 2, (uint64_t) 3,
                                          (uint32_t) 0xe0000010, (uint64_t) 4, 0) >= 0);
        assert_int_equal(sd_bus_send(p.server, m, NULL), 1);
        n = read_raw(&p, sent, sizeof(sent));
        body = bus_notify_wire_begin(&w, serial_of(sent), DESTINATION, "Interest", "tttuta{sv}");
        bus_wire_u64(&w, 1);
        bus_wire_u64(&w, 2);
        bus_wire_u64(&w, 3);
        bus_wire_u32(&w, 0xe0000010);
        bus_wire_u64(&w, 4);
        bus_wire_array_end(&w, bus_wire_array_begin(&w, 8));
        assert_int_equal(bus_notify_wire_end(&w, body), 0);
        assert_int_equal(w.len, n);
        assert_memory_equal(w.data, sent, n);

        m = sd_bus_message_unref(m);
        assert_int_equal(sd_bus_message_new_signal(p.server, &m, IOREG_OBJECT_PATH, IOREG_NOTIFY_INTERFACE,
                                                   "ReplayEnd"), 0);
        assert_int_equal(sd_bus_message_set_destination(m, DESTINATION), 0);
        assert_true(sd_bus_message_append(m, "tt", (uint64_t) 5, (uint64_t) 1010) >= 0);
        assert_int_equal(sd_bus_send(p.server, m, NULL), 1);
        n = read_raw(&p, sent, sizeof(sent));
        body = bus_notify_wire_begin(&w, serial_of(sent), DESTINATION, "ReplayEnd", "tt");
        bus_wire_u64(&w, 5);
        bus_wire_u64(&w, 1010);
        assert_int_equal(bus_notify_wire_end(&w, body), 0);
        assert_int_equal(w.len, n);
        assert_memory_equal(w.data, sent, n);
        bus_wire_done(&w);
        pair_close(&p);
}

typedef struct Received {
        sd_bus_message *m; /* owned */
} Received;

static int on_signal(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        Received *r = userdata;

        if (!r->m && sd_bus_message_is_signal(m, IOREG_NOTIFY_INTERFACE, NULL))
                r->m = sd_bus_message_ref(m);
        return 0;
}

/* What the client reads of bytes written on the server's socket (not by the server's sd-bus). */
static sd_bus_message *receive(Pair *p, const void *bytes, size_t len) {
        Received r = {};

        assert_int_equal(sd_bus_add_filter(p->client, NULL, on_signal, &r), 0);
        assert_int_equal(send(p->server_fd, bytes, len, MSG_NOSIGNAL), (ssize_t) len);
        for (int i = 0; i < 100 && !r.m; i++) {
                while (!r.m && sd_bus_process(p->client, NULL) > 0)
                        ;
                if (!r.m)
                        (void) poll(&(struct pollfd) { .fd = p->client_fd, .events = POLLIN }, 1, 10);
        }
        assert_non_null(r.m);
        return r.m;
}

static void test_read_back(void **state) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        _cleanup_value_ Value *props = every_kind(), *read = NULL;
        const char *type, *name, *klass;
        uint64_t id, seq, entry;
        char *repaired;
        BusWire w = {};
        Pair p = {};

        pair_open(&p);
        assert_int_equal(write_by_hand(&w, 0x80000000u, props, bus_restricted_key), 0);
        m = receive(&p, w.data, w.len);
        assert_string_equal(sd_bus_message_get_member(m), "Notification");
        assert_string_equal(sd_bus_message_get_path(m), IOREG_OBJECT_PATH);
        assert_string_equal(sd_bus_message_get_destination(m), DESTINATION);
        assert_string_equal(sd_bus_message_get_signature(m, true), "ttstssa{sv}a(ssss)");
        assert_int_equal(sd_bus_message_read(m, "ttstss", &id, &seq, &type, &entry, &name, &klass), 1);
        assert_int_equal(id, 7);
        assert_int_equal(seq, 99);
        assert_string_equal(type, "FirstPublish");
        assert_int_equal(entry, 0x1000004d2);
        assert_string_equal(klass, "IOUSBHostDevice");
        assert_int_equal(bus_message_read_dict(m, &read), 0);
        /* Every key but the root-only one, with its value (repaired where it was not UTF-8). */
        assert_int_equal(value_dict_size(read), value_dict_size(props) - 1);
        assert_null(value_dict_get(read, "IOPlatformSerialNumber"));
        for (size_t i = 0; i < value_dict_size(props); i++) {
                const char *key = value_dict_key_at(props, i);

                if (streq(key, "IOPlatformSerialNumber") || streq(key, "not utf-8") || streq(key, "nested") ||
                    streq(key, "list") || streq(key, "deep"))
                        continue;
                assert_true(value_equal(value_dict_get(read, key), value_dict_value_at(props, i)));
        }
        repaired = utf8_escape_invalid("\xfe\xff ok", strlen("\xfe\xff ok"));
        assert_non_null(repaired);
        assert_string_not_equal(repaired, "\xfe\xff ok");
        assert_string_equal(value_string(value_dict_get(read, "not utf-8"), NULL), repaired);
        free(repaired);
        repaired = utf8_escape_invalid("bad \xff key", strlen("bad \xff key"));
        assert_non_null(repaired);
        assert_non_null(value_dict_get(value_dict_get(read, "nested"), repaired));
        free(repaired);
        assert_int_equal(value_array_size(value_dict_get(read, "deep")), 2);
        bus_wire_done(&w);
        pair_close(&p);
}

static void test_too_deep(void **state) {
        _cleanup_value_ Value *d = value_new_dictionary();
        Value *cur = d;
        BusWire w = {};
        size_t len;

        for (int i = 0; i < BUS_VALUE_MAX_DEPTH + 4; i++) {
                Value *next = value_new_dictionary();

                assert_non_null(next);
                assert_int_equal(value_dict_set_take(cur, "x", next), 0);
                cur = next;
        }
        bus_wire_dict(&w, d, NULL);
        assert_int_equal(w.error, -ELOOP);
        /* Errors stick: nothing more is written once one failed. */
        len = w.len;
        bus_wire_string(&w, "more");
        bus_wire_u64(&w, 1);
        assert_int_equal(w.len, len);
        assert_int_equal(bus_notify_wire_end(&w, 0), -ELOOP);
        /* The next message starts clean. */
        bus_wire_reset(&w);
        bus_wire_u32(&w, 1);
        assert_int_equal(w.error, 0);
        assert_int_equal(w.len, 4);
        bus_wire_done(&w);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_notification_bytes),
                cmocka_unit_test(test_kept_header),
                cmocka_unit_test(test_marks_and_empty_tables),
                cmocka_unit_test(test_read_back),
                cmocka_unit_test(test_too_deep),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
