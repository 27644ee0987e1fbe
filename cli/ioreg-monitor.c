/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* ioreg-monitor.c: see ioreg-monitor.h. */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "ioreg-monitor.h"
#include "ioreg-tree.h"
#include "macro.h"
#include "protocol.h"

#define MESSAGE_BUSY_STATE_CHANGE 0xe0000120u

typedef struct Monitor {
        sd_bus *bus;          /* borrowed */
        bool json;
        uint64_t known_max;   /* entries up to this ID existed at start: their replay is not news */
        unsigned n_events, max_events;
        bool done;
} Monitor;

static const char *short_type(const char *type) {
        if (streq(type, "IOServicePublish"))
                return "PUBLISH";
        if (streq(type, "IOServiceMatched"))
                return "MATCHED";
        if (streq(type, "IOServiceTerminate"))
                return "TERMINATED";
        return type;
}

/* JSON string body: the names the registry gives are UTF-8; escape what JSON requires. */
static void json_string(FILE *f, const char *s) {
        fputc('"', f);
        for (; *s; s++) {
                unsigned char c = (unsigned char) *s;

                if (c == '"' || c == '\\')
                        fprintf(f, "\\%c", c);
                else if (c < 0x20)
                        fprintf(f, "\\u%04x", c);
                else
                        fputc(c, f);
        }
        fputc('"', f);
}

static void ack(Monitor *mon, uint64_t subscription, uint64_t sequence) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;

        /* No reply wanted: the window only has to move on. */
        if (sd_bus_message_new_method_call(mon->bus, &m, IOREG_BUS_NAME, IOREG_OBJECT_PATH, IOREG_NOTIFY_INTERFACE, "Ack") < 0 ||
            sd_bus_message_append(m, "tt", subscription, sequence) < 0 ||
            sd_bus_message_set_expect_reply(m, false) < 0)
                return;
        (void) sd_bus_send(mon->bus, m, NULL);
}

static void count_event(Monitor *mon) {
        fflush(stdout);
        if (mon->max_events > 0 && ++mon->n_events >= mon->max_events)
                mon->done = true;
}

static int on_notification(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        Monitor *mon = userdata;
        const char *type, *name, *klass;
        uint64_t subscription, sequence, id;
        int r;

        r = sd_bus_message_read(m, "ttstss", &subscription, &sequence, &type, &id, &name, &klass);
        if (r < 0)
                return 0;
        ack(mon, subscription, sequence);
        if (!streq(type, "IOServiceTerminate") && id <= mon->known_max)
                return 0; /* the replay of what was there already */
        if (mon->json) {
                printf("{\"event\":\"%s\",\"id\":\"0x%" PRIx64 "\",\"name\":", type, id);
                json_string(stdout, name);
                printf(",\"class\":");
                json_string(stdout, klass);
                printf(",\"sequence\":%" PRIu64 "}\n", sequence);
        } else
                printf("%-11s 0x%" PRIx64 "  %-28s %s\n", short_type(type), id, klass, name);
        count_event(mon);
        return 0;
}

static int on_interest(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        Monitor *mon = userdata;
        uint64_t subscription, sequence, id, argument;
        uint32_t message;
        int r;

        r = sd_bus_message_read(m, "tttut", &subscription, &sequence, &id, &message, &argument);
        if (r < 0)
                return 0;
        ack(mon, subscription, sequence);
        if (message != MESSAGE_BUSY_STATE_CHANGE)
                return 0;
        if (mon->json)
                printf("{\"event\":\"IOBusyInterest\",\"id\":\"0x%" PRIx64 "\",\"busy\":%s}\n", id,
                       argument ? "true" : "false");
        else
                printf("%-11s 0x%" PRIx64 "  %s\n", argument ? "BUSY" : "QUIET", id, "registry");
        count_event(mon);
        return 0;
}

static int on_overflow(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        Monitor *mon = userdata;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        uint64_t subscription, sequence, dropped = 0;

        if (sd_bus_message_read(m, "tt", &subscription, &sequence) < 0)
                return 0;
        if (sd_bus_call_method(mon->bus, IOREG_BUS_NAME, IOREG_OBJECT_PATH, IOREG_NOTIFY_INTERFACE, "Resync", NULL, &reply,
                               "t", subscription) >= 0)
                (void) sd_bus_message_read(reply, "t", &dropped);
        fprintf(stderr, "ioreg: monitor fell behind: %" PRIu64 " events dropped\n", dropped);
        return 0;
}

static int subscribe(Monitor *mon, const char *type) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        int r;

        r = sd_bus_call_method(mon->bus, IOREG_BUS_NAME, IOREG_OBJECT_PATH, IOREG_NOTIFY_INTERFACE, "Subscribe", &error,
                               &reply, "sa{sv}", type, 0);
        if (r < 0)
                fprintf(stderr, "ioreg: cannot subscribe to %s: %s\n", type, error.message ?: strerror(-r));
        return r;
}

int ioreg_monitor(sd_bus *bus, bool json, unsigned max_events) {
        _cleanup_(ioreg_tree_done) IoregTree tree = {};
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        Monitor mon = { .bus = bus, .json = json, .max_events = max_events };
        static const char *const members[] = { "Notification", "Interest", "Overflow" };
        sd_bus_message_handler_t handlers[] = { on_notification, on_interest, on_overflow };
        int r;

        /* Signals first, so none is missed between a subscription and its match rule. */
        for (size_t i = 0; i < ELEMENTSOF(members); i++) {
                r = sd_bus_match_signal(bus, NULL, IOREG_BUS_NAME, IOREG_OBJECT_PATH, IOREG_NOTIFY_INTERFACE, members[i],
                                        handlers[i], &mon);
                if (r < 0)
                        return r;
        }
        r = ioreg_tree_fetch(bus, "IOService", &tree, NULL);
        if (r < 0) {
                fprintf(stderr, "ioreg: cannot read the registry: %s\n", strerror(-r));
                return r;
        }
        for (size_t i = 0; i < tree.n_nodes; i++)
                if (tree.nodes[i].id > mon.known_max)
                        mon.known_max = tree.nodes[i].id;
        if ((r = subscribe(&mon, "IOServicePublish")) < 0 || (r = subscribe(&mon, "IOServiceMatched")) < 0 ||
            (r = subscribe(&mon, "IOServiceTerminate")) < 0)
                return r;
        r = sd_bus_call_method(bus, IOREG_BUS_NAME, IOREG_OBJECT_PATH, IOREG_NOTIFY_INTERFACE, "RegisterInterest", &error,
                               &reply, "ts", tree.n_nodes ? tree.nodes[0].id : UINT64_C(0x100000100), "IOBusyInterest");
        if (r < 0)
                fprintf(stderr, "ioreg: no busy interest on Root: %s\n", error.message ?: strerror(-r));
        if (!json)
                fprintf(stderr, "monitoring the registry; press Ctrl-C to stop\n");

        while (!mon.done) {
                r = sd_bus_process(bus, NULL);
                if (r < 0) {
                        fprintf(stderr, "ioreg: the bus went away: %s\n", strerror(-r));
                        return r;
                }
                if (r > 0)
                        continue;
                r = sd_bus_wait(bus, UINT64_MAX);
                if (r < 0 && r != -EINTR)
                        return r;
        }
        return 0;
}
