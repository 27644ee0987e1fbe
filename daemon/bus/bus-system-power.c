/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* bus-system-power.c: see bus-system-power.h. */

#include <assert.h>
#include <inttypes.h>
#include <stdlib.h>

#include "bus-errors.h"
#include "bus-peers.h"
#include "bus-system-power.h"
#include "logind.h"
#include "notify-hub.h"
#include "log.h"

/* Registrations one client may hold: a client needs one. */
#define SYSTEM_POWER_MAX_PER_OWNER 64u

typedef struct PowerClient {
        uint64_t id;            /* the subscriptions key */
        char *owner;            /* owned: the client's unique name */
        bool pending;           /* told WillSleep, not answered yet */
        BusSystemPower *b;      /* weak */
} PowerClient;

struct BusSystemPower {
        BusContext *ctx;       /* weak: the bus context outlives us */
        sd_bus_slot *slot;      /* owned: the vtable */
        Logind *logind;         /* owned, NULL without logind */
        Hashmap clients;        /* id → PowerClient * (owned); keys borrowed from them */
        uint64_t next_id;
        uint64_t notification;  /* the last notification ID sent, 0 before the first */
        unsigned n_pending;     /* clients that have not answered the current WillSleep */
        sd_event_source *timer; /* owned: the answer timeout, armed while n_pending > 0 */
};

static PowerClient *client_free(PowerClient *c) {
        if (!c)
                return NULL;
        free(c->owner);
        free(c);
        return NULL;
}

DEFINE_HASHMAP_FREE_FUNC(client_free_void, PowerClient, client_free);
static const HashmapOps clients_ops = HASHMAP_OPS_U64(client_free_void);

static int send_message(BusSystemPower *b, PowerClient *c, uint32_t message) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *msg = NULL;
        int r;

        r = sd_bus_message_new_signal(b->ctx->bus, &msg, IOREG_OBJECT_PATH, IOREG_SYSTEM_POWER_INTERFACE,
                                      "SystemPower");
        if (r >= 0)
                r = sd_bus_message_set_destination(msg, c->owner); /* unicast, as interest messages */
        if (r >= 0)
                r = sd_bus_message_append(msg, "tut", c->id, message, b->notification);
        if (r >= 0)
                r = sd_bus_send(b->ctx->bus, msg, NULL);
        if (r < 0)
                log_warning_errno(r, "Cannot send system power message 0x%08" PRIx32 " to %s: %m", message, c->owner);
        return r;
}

/* Forgets who has not answered yet, and the timeout. */
static void end_round(BusSystemPower *b) {
        void *v;

        for (unsigned i = 0; hashmap_next(&b->clients, &i, NULL, &v);)
                ((PowerClient *) v)->pending = false;
        b->n_pending = 0;
        (void) sd_event_source_set_enabled(b->timer, SD_EVENT_OFF);
}

/* Every client answered, or the time is up: logind may suspend. */
static void let_sleep(BusSystemPower *b) {
        end_round(b);
        if (b->logind && logind_release_inhibitor(b->logind))
                log_debug("system power: sleep %" PRIu64 " may go on", b->notification);
}

static void answered(BusSystemPower *b, PowerClient *c) {
        if (!c->pending)
                return;
        c->pending = false;
        assert(b->n_pending > 0);
        if (--b->n_pending == 0)
                let_sleep(b);
}

static int on_timeout(sd_event_source *s, uint64_t usec, void *userdata) {
        BusSystemPower *b = userdata;
        void *v;

        for (unsigned i = 0; hashmap_next(&b->clients, &i, NULL, &v);) {
                PowerClient *c = v;

                if (c->pending)
                        log_warning("System power: %s did not answer SystemWillSleep %" PRIu64 " in time, "
                                    "letting the system sleep.", c->owner, b->notification);
        }
        let_sleep(b);
        return 0;
}

static void on_prepare_for_sleep(void *userdata, bool start) {
        BusSystemPower *b = userdata;
        uint64_t timeout = b->ctx->sleep_timeout_usec;
        void *v;
        int r;

        /* A round still open (a sleep that never came) ends here. */
        end_round(b);
        b->notification++;
        if (!start) {
                for (unsigned i = 0; hashmap_next(&b->clients, &i, NULL, &v);)
                        (void) send_message(b, v, IO_MESSAGE_SYSTEM_WILL_POWER_ON);
                for (unsigned i = 0; hashmap_next(&b->clients, &i, NULL, &v);)
                        (void) send_message(b, v, IO_MESSAGE_SYSTEM_HAS_POWERED_ON);
                if (b->logind)
                        (void) logind_take_inhibitor(b->logind);
                return;
        }
        for (unsigned i = 0; hashmap_next(&b->clients, &i, NULL, &v);) {
                PowerClient *c = v;

                if (send_message(b, c, IO_MESSAGE_SYSTEM_WILL_SLEEP) >= 0) {
                        c->pending = true;
                        b->n_pending++;
                }
        }
        if (b->n_pending == 0) {
                let_sleep(b);
                return;
        }
        r = sd_event_source_set_time_relative(b->timer, timeout);
        if (r >= 0)
                r = sd_event_source_set_enabled(b->timer, SD_EVENT_ONESHOT);
        if (r < 0) {
                log_warning_errno(r, "Cannot arm the system power timeout, letting the system sleep: %m");
                let_sleep(b);
        }
}

static void client_remove(BusSystemPower *b, PowerClient *c) {
        answered(b, c); /* a client that goes counts as having allowed */
        hashmap_delete(&b->clients, &c->id); /* frees c */
}

/* bus-peers.h tells: one match for every client, not a match rule per registration. */
static void on_client_gone(void *userdata, const char *name) {
        BusSystemPower *b = userdata;
        void *v;

        for (unsigned i = 0; hashmap_next(&b->clients, &i, NULL, &v);) {
                PowerClient *c = v;

                if (!streq(c->owner, name))
                        continue;
                log_debug("system power: %s left the bus, registration %" PRIu64 " ended", c->owner, c->id);
                client_remove(b, c);
                i = 0; /* the map changed: from the start (a client holds at most a few) */
        }
}

static const BusPeersHooks power_peer_hooks = {
        .gone = on_client_gone,
};

static PowerClient *find_owned(BusSystemPower *b, sd_bus_message *call, uint64_t id) {
        PowerClient *c = hashmap_get(&b->clients, &id);
        const char *sender = sd_bus_message_get_sender(call);

        return c && sender && streq(c->owner, sender) ? c : NULL;
}

static int method_register(sd_bus_message *call, void *userdata, sd_bus_error *error) {
        BusSystemPower *b = userdata;
        const char *sender = sd_bus_message_get_sender(call);
        PowerClient *c;
        unsigned n = 0;
        void *v;
        int r;

        if (!sender)
                return sd_bus_error_set(error, IOREG_ERROR_INVALID_ARGUMENT, "A call without a sender.");
        for (unsigned i = 0; hashmap_next(&b->clients, &i, NULL, &v);)
                n += streq(((PowerClient *) v)->owner, sender);
        if (n >= SYSTEM_POWER_MAX_PER_OWNER)
                return sd_bus_error_setf(error, IOREG_ERROR_LIMITS_EXCEEDED,
                                         "At most %u system power registrations per client.",
                                         SYSTEM_POWER_MAX_PER_OWNER);
        c = calloc(1, sizeof(*c));
        if (!c)
                return -ENOMEM;
        c->b = b;
        c->id = ++b->next_id;
        c->owner = strdup(sender);
        r = c->owner ? hashmap_put(&b->clients, &c->id, c) : -ENOMEM;
        if (r < 0) {
                client_free(c);
                return r;
        }
        log_debug("system power: %s registered as %" PRIu64, sender, c->id);
        return sd_bus_reply_method_return(call, "t", c->id);
}

static int method_deregister(sd_bus_message *call, void *userdata, sd_bus_error *error) {
        BusSystemPower *b = userdata;
        PowerClient *c;
        uint64_t id;
        int r;

        r = sd_bus_message_read(call, "t", &id);
        if (r < 0)
                return r;
        c = find_owned(b, call, id);
        if (!c)
                return sd_bus_error_setf(error, IOREG_ERROR_NO_SUCH_SUBSCRIPTION,
                                         "No system power registration %" PRIu64 " of yours.", id);
        client_remove(b, c);
        return sd_bus_reply_method_return(call, NULL);
}

/* AllowPowerChange and CancelPowerChange: the answer to the current WillSleep. */
static int answer(sd_bus_message *call, BusSystemPower *b, sd_bus_error *error, bool cancel) {
        PowerClient *c;
        uint64_t id, notification;
        int r;

        r = sd_bus_message_read(call, "tt", &id, &notification);
        if (r < 0)
                return r;
        c = find_owned(b, call, id);
        if (!c)
                return sd_bus_error_setf(error, IOREG_ERROR_NO_SUCH_SUBSCRIPTION,
                                         "No system power registration %" PRIu64 " of yours.", id);
        if (notification == 0 || notification > b->notification)
                return sd_bus_error_setf(error, IOREG_ERROR_INVALID_ARGUMENT,
                                         "No system power notification %" PRIu64 " was sent.", notification);
        if (notification < b->notification || !c->pending) {
                /* Late (after the timeout, or for an older round), or not one that waits: nothing to do. */
                log_debug("system power: %s answered notification %" PRIu64 " late", c->owner, notification);
                return sd_bus_reply_method_return(call, NULL);
        }
        if (cancel)
                log_info("System power: %s cancelled SystemWillSleep %" PRIu64 "; logind's sleep cannot be "
                         "vetoed, taken as allowed.", c->owner, notification);
        answered(b, c);
        return sd_bus_reply_method_return(call, NULL);
}

static int method_allow(sd_bus_message *call, void *userdata, sd_bus_error *error) {
        return answer(call, userdata, error, false);
}

static int method_cancel(sd_bus_message *call, void *userdata, sd_bus_error *error) {
        return answer(call, userdata, error, true);
}

static int property_get_timeout(sd_bus *bus, const char *path, const char *interface, const char *property,
                                sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        BusSystemPower *b = userdata;

        return sd_bus_message_append(reply, "t", b->ctx->sleep_timeout_usec);
}

static int property_get_inhibiting(sd_bus *bus, const char *path, const char *interface, const char *property,
                                   sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        BusSystemPower *b = userdata;

        return sd_bus_message_append(reply, "b", logind_holds_inhibitor(b->logind));
}

static int property_get_registrations(sd_bus *bus, const char *path, const char *interface, const char *property,
                                      sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        BusSystemPower *b = userdata;

        return sd_bus_message_append(reply, "u", hashmap_size(&b->clients));
}

static const sd_bus_vtable system_power_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("Timeout", "t", property_get_timeout, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Inhibiting", "b", property_get_inhibiting, 0, 0),
        SD_BUS_PROPERTY("Registrations", "u", property_get_registrations, 0, 0),
        SD_BUS_METHOD_WITH_ARGS("RegisterForSystemPower",
                                SD_BUS_NO_ARGS,
                                SD_BUS_RESULT("t", subscription),
                                method_register, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("DeregisterForSystemPower",
                                SD_BUS_ARGS("t", subscription),
                                SD_BUS_NO_RESULT,
                                method_deregister, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("AllowPowerChange",
                                SD_BUS_ARGS("t", subscription, "t", notification),
                                SD_BUS_NO_RESULT,
                                method_allow, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("CancelPowerChange",
                                SD_BUS_ARGS("t", subscription, "t", notification),
                                SD_BUS_NO_RESULT,
                                method_cancel, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_SIGNAL_WITH_ARGS("SystemPower",
                                SD_BUS_ARGS("t", subscription, "u", message, "t", notification),
                                0),
        SD_BUS_VTABLE_END,
};

int bus_system_power_register(BusContext *m, sd_bus *logind_bus) {
        BusSystemPower *b;
        int r;

        assert(m && m->bus && !m->system_power);
        b = calloc(1, sizeof(*b));
        if (!b)
                return log_error_errno(ENOMEM, "Out of memory.");
        b->ctx = m;
        b->clients = HASHMAP_INIT(&clients_ops);
        m->system_power = b;
        if (m->peers) {
                r = bus_peers_listen(m->peers, &power_peer_hooks, b);
                if (r < 0)
                        return log_error_errno(r, "Failed to watch clients leaving: %m");
        }
        /* Armed on each WillSleep; until then it waits forever, disabled. */
        r = sd_event_add_time(m->event, &b->timer, CLOCK_MONOTONIC, UINT64_MAX, 0, on_timeout, b);
        if (r >= 0)
                r = sd_event_source_set_enabled(b->timer, SD_EVENT_OFF);
        if (r < 0)
                return log_error_errno(r, "Failed to set up the system power timeout: %m");
        r = sd_bus_add_object_vtable(m->bus, &b->slot, IOREG_OBJECT_PATH, IOREG_SYSTEM_POWER_INTERFACE,
                                     system_power_vtable, b);
        if (r < 0)
                return log_error_errno(r, "Failed to register the system power interface: %m");
        if (!logind_bus)
                return 0;
        r = logind_new(logind_bus, on_prepare_for_sleep, b, &b->logind);
        if (r < 0)
                return log_error_errno(r, "Failed to watch logind: %m");
        return 0;
}

BusSystemPower *bus_system_power_free(BusSystemPower *b) {
        if (!b)
                return NULL;
        sd_bus_slot_unref(b->slot);
        hashmap_done(&b->clients);
        logind_free(b->logind);
        sd_event_source_disable_unref(b->timer);
        free(b);
        return NULL;
}
