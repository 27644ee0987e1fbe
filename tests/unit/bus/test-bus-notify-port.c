/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-bus-notify-port.c: a notification port's two writers (bus-notify-port.h).
 * Signals written by hand that the socket does not take wait, part-written,
 * and go first: the client reads every one whole and in order, and the
 * answer to a call it made meanwhile comes after them (sd-bus neither
 * writes nor reads calls while they wait, and the port does not wake the
 * loop); once they are out, sd-bus serves the port again.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include "bus-notify-port.h"
#include "bus-notify-wire.h"
#include "protocol.h"

#define OWNER ":1.5"

static int method_echo(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        const char *s;
        int r = sd_bus_message_read(m, "s", &s);

        return r < 0 ? r : sd_bus_reply_method_return(m, "s", s);
}

static const sd_bus_vtable vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_METHOD("Echo", "s", "s", method_echo, 0),
        SD_BUS_VTABLE_END,
};

typedef struct Seen {
        unsigned signals;     /* in order: each body names its index */
        bool out_of_order;
        int echo_after;       /* signals seen when the answer came; -1 before it */
} Seen;

static int on_signal(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        Seen *seen = userdata;
        const char *body;
        unsigned index;

        if (!sd_bus_message_is_signal(m, IOREG_NOTIFY_INTERFACE, "Notification"))
                return 0;
        if (sd_bus_message_read(m, "s", &body) < 0 || sscanf(body, "%u", &index) != 1 || index != seen->signals)
                seen->out_of_order = true;
        seen->signals++;
        return 0;
}

static int on_echo(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        Seen *seen = userdata;

        seen->echo_after = sd_bus_message_is_method_error(m, NULL) ? -2 : (int) seen->signals;
        return 0;
}

/* A Notification whose body is one string of about 8 KiB that starts with index. */
static int write_signal(BusNotifyPorts *p, BusWire *w, unsigned index) {
        char body[8192];
        BusNotifyPort *port;
        uint32_t serial;
        size_t at;
        int r;

        r = bus_notify_ports_by_hand(p, OWNER, &port, &serial);
        if (r != 1)
                return r < 0 ? r : -EBUSY;
        memset(body, 'x', sizeof(body) - 1);
        body[sizeof(body) - 1] = '\0';
        snprintf(body, 16, "%u", index);
        body[strlen(body)] = ' ';
        at = bus_notify_wire_begin(w, serial, OWNER, "Notification", "s");
        bus_wire_string(w, body);
        r = bus_notify_wire_end(w, at);
        return r < 0 ? r : bus_notify_ports_write(port, w->data, w->len);
}

static void test_written_by_hand_waits_whole_and_first(void **state) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *client = NULL;
        sd_event *e = NULL;
        BusNotifyPorts *p = NULL;
        Seen seen = { .echo_after = -1 };
        BusWire w = {};
        unsigned written = 0;
        uint64_t unwritten = 1;
        int fd = -1;

        assert_int_equal(sd_event_new(&e), 0);
        assert_int_equal(bus_notify_ports_new(e, vtable, IOREG_OBJECT_PATH, IOREG_NOTIFY_INTERFACE, NULL, NULL, NULL,
                                              &p), 0);
        assert_int_equal(bus_notify_ports_open(p, OWNER, (uid_t) -1, &fd), 0);
        assert_int_equal(sd_bus_new(&client), 0);
        assert_int_equal(sd_bus_set_fd(client, fd, fd), 0);
        assert_int_equal(sd_bus_set_anonymous(client, 1), 0);
        assert_int_equal(sd_bus_start(client), 0);
        assert_int_equal(sd_bus_add_filter(client, NULL, on_signal, &seen), 0);
        for (int i = 0; i < 500 && sd_bus_is_ready(client) <= 0; i++) {
                (void) sd_event_run(e, 10 * 1000);
                while (sd_bus_process(client, NULL) > 0)
                        ;
        }
        assert_true(sd_bus_is_ready(client) > 0);

        /* Nothing read: the socket fills, one message stays part-written, those after it wait whole. */
        while (bus_notify_ports_queued(p, OWNER) == 0 && written < 10000)
                assert_int_equal(write_signal(p, &w, written++), 0);
        assert_true(written > 2);
        assert_true(written < 10000);
        for (unsigned i = 0; i < 10; i++)
                assert_int_equal(write_signal(p, &w, written++), 0);
        assert_int_equal(bus_notify_ports_queued(p, OWNER), 11);

        /* A call made now is read, and answered, only after them. */
        assert_true(sd_bus_call_method_async(client, NULL, "org.ioreg.Test", IOREG_OBJECT_PATH, IOREG_NOTIFY_INTERFACE,
                                             "Echo", on_echo, &seen, "s", "hello") >= 0);
        assert_true(sd_bus_flush(client) >= 0);
        assert_int_equal(sd_bus_get_n_queued_write(client, &unwritten), 0);
        assert_int_equal(unwritten, 0); /* the call is in the socket */
        /* Meanwhile the port costs the loop nothing: neither the call nor the full socket wakes it. */
        for (int i = 0; i < 10; i++)
                assert_int_equal(sd_event_run(e, 0), 0);
        assert_int_equal(seen.echo_after, -1);
        for (int i = 0; i < 3000 && (seen.signals < written || seen.echo_after == -1); i++) {
                while (sd_bus_process(client, NULL) > 0)
                        ;
                (void) sd_event_run(e, 1000);
        }
        assert_false(seen.out_of_order);
        assert_int_equal(seen.signals, written);
        assert_int_equal(seen.echo_after, (int) written);
        assert_int_equal(bus_notify_ports_queued(p, OWNER), 0);
        assert_int_equal(bus_notify_ports_count(p), 1);

        bus_wire_done(&w);
        bus_notify_ports_free(p);
        sd_event_unref(e);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_written_by_hand_waits_whole_and_first),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
