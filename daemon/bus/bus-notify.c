/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* bus-notify.c: see bus-notify.h. */

#include <assert.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "bus-errors.h"
#include "bus-restricted.h"
#include "bus-flow.h"
#include "bus-notify.h"
#include "bus-notify-port.h"
#include "bus-notify-wire.h"
#include "bus-peers.h"
#include "bus-registry.h"
#include "bus-value.h"
#include "notify-hub.h"
#include "power-plane.h"
#include "registry-path.h"
#include "log.h"


/* As deep as passive matching follows IOParentMatch; a real matching dictionary needs a few levels. */
#define NOTIFY_MAX_MATCHING_DEPTH 16u
/* A signal's header and fixed fields, counted as sent (bus-peers.h), besides its properties. */
#define NOTIFY_SIGNAL_BYTES 256u
/* Signals queued for writing at most; beyond, events wait in their notifiers' queues. */
#define NOTIFY_WQUEUE_MAX 64u
/* Work per turn of the loop on replays and queues (notify_hub_run(): an ID looked at is 1, a signal 8). */
#define NOTIFY_TURN_BUDGET 1024u

struct BusNotify {
        BusContext *ctx;       /* weak: the bus context outlives us */
        NotifyHub *hub;         /* owned */
        sd_bus_slot *slot;      /* owned: the vtable */
        Hashmap held;           /* owner names (owned keys) held back by the write queue */
        sd_event_source *drain; /* owned: pumps them once the write queue is short again */
        sd_event_source *turn;  /* owned: goes on with the hub's work, a budget per turn of the loop */
        NotifyEndpoint on_bus;  /* the vtable's userdata on the bus (owner NULL: the sender) */
        BusNotifyPorts *ports;  /* owned: the clients' notification ports (bus-notify-port.h) */
        bool turn_stalled;      /* the turn stopped for the bus's write queue: the drain restarts it */
        BusWire wire;           /* owned: the signal being written by hand for a port, kept for the next */
};

static void held_free(void *v) {
        free(v);
}
static const HashmapOps held_ops = HASHMAP_OPS_STRING(held_free);

/* Clients leave and read through bus-peers.h: one match for all, not one per client. */
static void on_owner_gone(void *userdata, const char *name) {
        BusNotify *b = userdata;
        unsigned n = notify_hub_drop_owner(b->hub, name);

        bus_notify_ports_close(b->ports, name);
        if (n > 0)
                log_debug("notify: %s left the bus; %u subscriptions ended", name, n);
}

static void on_owner_readable(void *userdata, const char *name) {
        BusNotify *b = userdata;

        notify_hub_owner_pump(b->hub, name);
}

static const BusPeersHooks notify_peer_hooks = {
        .gone = on_owner_gone,
        .readable = on_owner_readable,
};

static uint64_t queued_writes(BusNotify *b) {
        uint64_t n = 0;

        (void) sd_bus_get_n_queued_write(b->ctx->bus, &n);
        return n;
}

/*
 * Signals wait in the hub, not in the bus's write queue, once it is long: every answer to any
 * client is written after what is queued before it (one connection, first in first out).
 */
/* Calls wait (bus-flow.h) until the write queue is short: signals do not keep it long. */
static bool write_queue_full(BusNotify *b) {
        uint64_t n = queued_writes(b);

        return n >= NOTIFY_WQUEUE_MAX || (n >= BUS_FLOW_WQUEUE_LOW && bus_flow_parked(b->ctx->flow) > 0);
}

static void hold(BusNotify *b, const char *owner) {
        if (!hashmap_get(&b->held, owner)) {
                char *name = strdup(owner);

                if (name && hashmap_put(&b->held, name, name) < 0)
                        free(name);
        }
        (void) sd_event_source_set_enabled(b->drain, SD_EVENT_ON);
}

/* owner's port has room for NOTIFY_WQUEUE_MAX signals: what is not read waits in the hub. */
_hot_ static bool port_full(BusNotify *b, const char *owner) {
        return bus_notify_ports_queued(b->ports, owner) >= NOTIFY_WQUEUE_MAX;
}

_hot_ static bool may_send(void *userdata, const char *owner) {
        BusNotify *b = userdata;
        sd_bus *port;
        int r;

        /* A port's client reads its own socket: neither the bus's queue nor its accounts count. */
        r = bus_notify_ports_lookup(b->ports, owner, &port);
        if (r < 0)
                return false; /* ending: its subscriptions end with it */
        if (r > 0) {
                if (!port_full(b, owner))
                        return true;
                hold(b, owner);
                return false;
        }
        if (write_queue_full(b)) {
                hold(b, owner);
                return false;
        }
        return !b->ctx->peers || bus_peers_check_send(b->ctx->peers, owner) >= 0;
}

/* The bus's write queue is short again (a quarter of its bound): what waited for it may go. */
static bool bus_has_room(BusNotify *b) {
        return queued_writes(b) < NOTIFY_WQUEUE_MAX / 4 && !write_queue_full(b);
}

/* owner may be sent more now: its port has room, or (without a port) the bus has, bus_room. */
static bool owner_writable(BusNotify *b, const char *owner, bool bus_room) {
        sd_bus *port;
        int r = bus_notify_ports_lookup(b->ports, owner, &port);

        if (r > 0)
                return !port_full(b, owner);
        return r == 0 && bus_room;
}

static int on_drain(sd_event_source *s, void *userdata) {
        BusNotify *b = userdata;
        bool pumped = false, bus_room = bus_has_room(b);
        void *v;

        /* Without ports only the bus's progress frees anyone: nothing to look at until it reads. */
        if (!bus_room && bus_notify_ports_count(b->ports) == 0)
                return 0;
        /* A pump only schedules (notify_hub_run() sends, a budget per turn): every owner with room. */
        for (unsigned i = 0; hashmap_next(&b->held, &i, NULL, &v);) {
                _cleanup_free_ char *owner = NULL;

                if (!owner_writable(b, v, bus_room))
                        continue;
                owner = hashmap_remove_current(&b->held, i);
                notify_hub_owner_pump(b->hub, owner);
                pumped = true;
        }
        if (hashmap_size(&b->held) == 0 && bus_room)
                (void) sd_event_source_set_enabled(b->drain, SD_EVENT_OFF);
        if (b->turn_stalled && bus_room)
                b->turn_stalled = false;
        else if (!pumped)
                return 0;
        (void) sd_event_source_set_enabled(b->turn, SD_EVENT_ON);
        return 0;
}

/* Replays and queues in slices: no Subscribe, Resync or pump holds the loop (issue 23). */
static int on_turn(sd_event_source *s, void *userdata) {
        BusNotify *b = userdata;

        /* Nobody may be sent more until the bus reads: the drain (on the bus's progress) resumes. */
        if (write_queue_full(b)) {
                b->turn_stalled = true;
                (void) sd_event_source_set_enabled(b->turn, SD_EVENT_OFF);
                (void) sd_event_source_set_enabled(b->drain, SD_EVENT_ON);
                return 0;
        }
        if (!notify_hub_run(b->hub, NOTIFY_TURN_BUDGET))
                (void) sd_event_source_set_enabled(b->turn, SD_EVENT_OFF);
        return 0;
}

static void wake(void *userdata) {
        BusNotify *b = userdata;

        (void) sd_event_source_set_enabled(b->turn, SD_EVENT_ON);
}

static int send_counted(BusNotify *b, const char *owner, sd_bus_message *msg, uint64_t bytes) {
        sd_bus *bus = sd_bus_message_get_bus(msg);
        int r = sd_bus_send(bus, msg, NULL);

        if (r >= 0 && bus != b->ctx->bus)
                bus_notify_ports_sent(b->ports, owner);
        /* The bus's accounts are of what went through the bus. */
        if (r >= 0 && b->ctx->peers && bus == b->ctx->bus)
                bus_peers_charge(b->ctx->peers, owner, bytes);
        return r;
}

/* --- signals --- */

static int new_signal(BusNotify *b, const char *owner, const char *member, sd_bus_message **ret) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *msg = NULL;
        sd_bus *bus = NULL;
        int r;

        r = bus_notify_ports_lookup(b->ports, owner, &bus);
        if (r < 0)
                return r;
        r = sd_bus_message_new_signal(bus ?: b->ctx->bus, &msg, IOREG_OBJECT_PATH, IOREG_NOTIFY_INTERFACE, member);
        if (r < 0)
                return r;
        /*
         * Unicast: the subscriber alone receives it, whatever other clients match on. On its port
         * the destination is read by nobody but bus-restricted.h, which judges it as on the bus.
         */
        r = sd_bus_message_set_destination(msg, owner);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(msg);
        return 0;
}

static uint64_t max_message(const BusNotify *b) {
        return b->ctx->max_message_bytes ?: BUS_DEFAULT_MAX_MESSAGE;
}

/* e's properties leave the signal under the message limit (the bus drops a sender that goes over). */
_hot_ static bool properties_fit(BusNotify *b, const Entry *e, uint64_t *ret_size) {
        *ret_size = bus_dict_wire_size(e->properties);
        return *ret_size + NOTIFY_SIGNAL_BYTES + 4096 <= max_message(b);
}

/*
 * e's properties, or, when they do not fit, their size in their place
 * (IOREG_PROPERTIES_OMITTED_KEY): the client reads them with GetPlanePage. Returns the bytes
 * appended (an upper bound).
 */
static int append_properties(BusNotify *b, sd_bus_message *msg, const Entry *e, uint64_t *ret_bytes) {
        uint64_t size;
        int r;

        if (properties_fit(b, e, &size)) {
                *ret_bytes = size;
                return bus_append_entry_properties(msg, e->properties); /* root-only keys to root only */
        }
        r = sd_bus_message_open_container(msg, 'a', "{sv}");
        if (r >= 0)
                r = sd_bus_message_append(msg, "{sv}", IOREG_PROPERTIES_OMITTED_KEY, "t", size);
        if (r >= 0)
                r = sd_bus_message_close_container(msg);
        *ret_bytes = 64;
        return r;
}

/* One (plane, name, location, path) of the places array, location "" for none: a writer's. */
typedef int (*PlaceFn)(void *userdata, const char *plane, const char *name, const char *location, const char *path);

/*
 * Where e is: ("", its name, its location, "") then, for each plane of the registry, its name,
 * location and path there (path "" when it is not in that plane; for a removed entry, the planes
 * it was in when it left). A terminated service keeps answering these (libioreg), as its object
 * does on a Mac.
 */
_hot_ static int for_each_place(BusNotify *b, const Entry *e, PlaceFn fn, void *userdata) {
        const Registry *reg = b->ctx->registry;
        int r;

        r = fn(userdata, "", entry_get_name(e, NULL), entry_get_location(e, NULL) ?: "", "");
        for (unsigned p = 0; r >= 0 && reg && p < reg->n_planes; p++) {
                const Plane *plane = reg->planes[p];
                _cleanup_free_ char *live = NULL;
                const char *path;

                if (e->registry) {
                        r = registry_entry_get_path(reg, e, plane, &live);
                        if (r < 0 && r != -ENOENT)
                                break;
                        path = live ?: "";
                } else
                        path = entry_get_last_path(e, plane) ?: "";
                r = fn(userdata, plane->name, entry_get_name(e, plane), entry_get_location(e, plane) ?: "", path);
        }
        return r < 0 ? r : 0;
}

typedef struct PlaceMessage {
        sd_bus_message *msg; /* borrowed */
        uint64_t bytes;
} PlaceMessage;

static int append_place(void *userdata, const char *plane, const char *name, const char *location, const char *path) {
        PlaceMessage *pm = userdata;

        pm->bytes += 16 + strlen(plane) + strlen(name) + strlen(location) + strlen(path);
        return sd_bus_message_append(pm->msg, "(ssss)", plane, name, location, path);
}

/* The places array of e, by sd-bus. Returns the bytes appended in *ret_bytes. */
static int append_places(BusNotify *b, sd_bus_message *msg, const Entry *e, uint64_t *ret_bytes) {
        PlaceMessage pm = { .msg = msg };
        int r;

        r = sd_bus_message_open_container(msg, 'a', "(ssss)");
        if (r >= 0)
                r = for_each_place(b, e, append_place, &pm);
        if (r >= 0)
                r = sd_bus_message_close_container(msg);
        *ret_bytes = pm.bytes;
        return r;
}

/* --- the same signals written by hand, for a port whose socket is ours alone (bus-notify-wire.h) --- */

_hot_ static int write_place(void *userdata, const char *plane, const char *name, const char *location,
                             const char *path) {
        BusWire *w = userdata;

        bus_wire_align(w, 8);
        bus_wire_string(w, plane);
        bus_wire_string(w, name);
        bus_wire_string(w, location);
        bus_wire_string(w, path);
        return w->error;
}

/* append_properties(), by hand: the same table, the same root-only keys left out, the same size limit. */
_hot_ static void write_properties(BusNotify *b, const char *owner, const Entry *e) {
        BusWire *w = &b->wire;
        BusWireArray omitted;
        uint64_t size;

        if (properties_fit(b, e, &size)) {
                bool hide = bus_restricted_holds(e->properties) && !bus_restricted_may_see_name(NULL, owner);

                bus_wire_dict(w, e->properties, hide ? bus_restricted_key : NULL);
                return;
        }
        omitted = bus_wire_array_begin(w, 8);
        bus_wire_align(w, 8);
        bus_wire_string(w, IOREG_PROPERTIES_OMITTED_KEY);
        bus_wire_signature(w, "t");
        bus_wire_u64(w, size);
        bus_wire_array_end(w, omitted);
}

/* The message in b->wire is complete: its body's length, then the port. */
_hot_ static int write_out(BusNotify *b, BusNotifyPort *port, size_t body_at) {
        int r = bus_notify_wire_end(&b->wire, body_at);

        if (r < 0)
                return r;
        return bus_notify_ports_write(port, b->wire.data, b->wire.len);
}

_hot_ static int write_matching(BusNotify *b, BusNotifyPort *port, const char *owner, uint32_t serial, uint64_t id,
                                uint64_t seq, MatchNotification type, Entry *e) {
        BusWire *w = &b->wire;
        size_t body = bus_notify_wire_begin_kept(w, bus_notify_ports_header(port), serial, owner, "Notification",
                                                 "ttstssa{sv}a(ssss)");
        BusWireArray places;
        int r;

        bus_wire_u64(w, id);
        bus_wire_u64(w, seq);
        bus_wire_string(w, match_notification_to_string(type));
        bus_wire_u64(w, e->id);
        bus_wire_string(w, entry_get_name(e, NULL));
        bus_wire_string(w, e->klass->name);
        write_properties(b, owner, e);
        places = bus_wire_array_begin(w, 8);
        r = for_each_place(b, e, write_place, w);
        if (r < 0)
                return r;
        bus_wire_array_end(w, places);
        return write_out(b, port, body);
}

static int write_interest(BusNotify *b, BusNotifyPort *port, const char *owner, uint32_t serial, uint64_t id,
                          uint64_t seq, Entry *e, uint32_t message, uint64_t argument) {
        BusWire *w = &b->wire;
        size_t body = bus_notify_wire_begin(w, serial, owner, "Interest", "tttuta{sv}");

        bus_wire_u64(w, id);
        bus_wire_u64(w, seq);
        bus_wire_u64(w, e->id);
        bus_wire_u32(w, message);
        bus_wire_u64(w, argument);
        if (message == IO_MESSAGE_SERVICE_PROPERTY_CHANGE)
                write_properties(b, owner, e);
        else
                bus_wire_array_end(w, bus_wire_array_begin(w, 8));
        return write_out(b, port, body);
}

static int write_mark(BusNotify *b, BusNotifyPort *port, const char *owner, uint32_t serial, const char *member,
                      uint64_t id, uint64_t seq) {
        size_t body = bus_notify_wire_begin(&b->wire, serial, owner, member, "tt");

        bus_wire_u64(&b->wire, id);
        bus_wire_u64(&b->wire, seq);
        return write_out(b, port, body);
}

_hot_ static int send_matching(void *userdata, const char *owner, uint64_t id, uint64_t seq, MatchNotification type,
                               Entry *e) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *msg = NULL;
        BusNotify *b = userdata;
        uint64_t bytes = 0, place_bytes = 0;
        BusNotifyPort *port;
        uint32_t serial;
        int r;

        r = bus_notify_ports_by_hand(b->ports, owner, &port, &serial);
        if (r != 0)
                return r < 0 ? r : write_matching(b, port, owner, serial, id, seq, type, e);

        r = new_signal(b, owner, "Notification", &msg);
        if (r < 0)
                return r;
        /* The global name: a terminated entry has left its planes but keeps it. */
        r = sd_bus_message_append(msg, "ttstss", id, seq, match_notification_to_string(type), e->id,
                                  entry_get_name(e, NULL), e->klass->name);
        if (r < 0)
                return r;
        r = append_properties(b, msg, e, &bytes);
        if (r < 0)
                return r;
        r = append_places(b, msg, e, &place_bytes);
        if (r < 0)
                return r;
        return send_counted(b, owner, msg, NOTIFY_SIGNAL_BYTES + strlen(entry_get_name(e, NULL)) +
                                                   strlen(e->klass->name) + bytes + place_bytes);
}

static int send_interest(void *userdata, const char *owner, uint64_t id, uint64_t seq, Entry *e, uint32_t message,
                         uint64_t argument) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *msg = NULL;
        BusNotify *b = userdata;
        uint64_t bytes = 0;
        BusNotifyPort *port;
        uint32_t serial;
        int r;

        r = bus_notify_ports_by_hand(b->ports, owner, &port, &serial);
        if (r != 0)
                return r < 0 ? r : write_interest(b, port, owner, serial, id, seq, e, message, argument);
        r = new_signal(b, owner, "Interest", &msg);
        if (r < 0)
                return r;
        r = sd_bus_message_append(msg, "tttut", id, seq, e->id, message, argument);
        if (r < 0)
                return r;
        /* The new properties with PropertyChange; nothing with the other messages. */
        if (message == IO_MESSAGE_SERVICE_PROPERTY_CHANGE)
                r = append_properties(b, msg, e, &bytes);
        else
                r = sd_bus_message_append(msg, "a{sv}", 0);
        if (r < 0)
                return r;
        return send_counted(b, owner, msg, NOTIFY_SIGNAL_BYTES + bytes);
}

/* A signal of a subscription's stream that carries only its ID and a sequence number. */
static int send_mark(BusNotify *b, const char *owner, const char *member, uint64_t id, uint64_t seq) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *msg = NULL;
        BusNotifyPort *port;
        uint32_t serial;
        int r;

        r = bus_notify_ports_by_hand(b->ports, owner, &port, &serial);
        if (r != 0)
                return r < 0 ? r : write_mark(b, port, owner, serial, member, id, seq);
        r = new_signal(b, owner, member, &msg);
        if (r < 0)
                return r;
        r = sd_bus_message_append(msg, "tt", id, seq);
        if (r < 0)
                return r;
        return send_counted(b, owner, msg, NOTIFY_SIGNAL_BYTES);
}

static int send_overflow(void *userdata, const char *owner, uint64_t id, uint64_t last_seq) {
        return send_mark(userdata, owner, "Overflow", id, last_seq);
}

/* ReplayEnd: what existed is out; what follows happened after the subscription. */
static int send_replay_end(void *userdata, const char *owner, uint64_t id, uint64_t last_seq) {
        return send_mark(userdata, owner, "ReplayEnd", id, last_seq);
}

static const NotifyHubOps hub_ops = {
        .send_matching = send_matching,
        .send_interest = send_interest,
        .send_overflow = send_overflow,
        .send_replay_end = send_replay_end,
        .may_send = may_send,
        .wake = wake,
};

/* --- methods --- */

static unsigned value_depth(const Value *v) {
        unsigned d = 0;

        switch (value_type(v)) {
        case VALUE_DICTIONARY:
                for (size_t i = 0; i < value_dict_size(v); i++) {
                        unsigned sub = value_depth(value_dict_value_at(v, i));

                        d = sub > d ? sub : d;
                }
                return d + 1;
        case VALUE_ARRAY:
                for (size_t i = 0; i < value_array_size(v); i++) {
                        unsigned sub = value_depth(value_array_get(v, i));

                        d = sub > d ? sub : d;
                }
                return d + 1;
        default:
                return 0;
        }
}

static int reply_hub_error(sd_bus_error *error, int r, uint64_t id) {
        switch (r) {
        case -ENOENT:
                return sd_bus_error_setf(error, IOREG_ERROR_NO_SUCH_SUBSCRIPTION,
                                         "No subscription %" PRIu64 " of yours.", id);
        case -EUSERS:
                return sd_bus_error_setf(error, IOREG_ERROR_LIMITS_EXCEEDED,
                                         "At most %u subscriptions per client.", NOTIFY_MAX_PER_OWNER);
        case -ERANGE:
                return sd_bus_error_setf(error, IOREG_ERROR_INVALID_ARGUMENT,
                                         "Sequence not sent yet on subscription %" PRIu64 ".", id);
        default:
                return r;
        }
}

/* Who owns what a call makes: the port's owner on a port, else the sender. */
static const char *sender_of(sd_bus_message *call, const NotifyEndpoint *ep, sd_bus_error *error) {
        const char *sender = ep->owner ?: sd_bus_message_get_sender(call);

        /* A peer-to-peer connection has no name to send signals to, nor one to track. */
        if (!sender)
                sd_bus_error_set(error, IOREG_ERROR_INVALID_ARGUMENT, "Notifications need a bus connection.");
        return sender;
}

/* Per connection the hub's NOTIFY_MAX_PER_OWNER; per user, bus-peers.h's. */
static int check_quota(BusNotify *b, const char *sender, sd_bus_error *error) {
        if (!b->ctx->peers)
                return 0;
        (void) bus_peers_track(b->ctx->peers, sender);
        if (bus_peers_subscriptions_full(b->ctx->peers, sender))
                return sd_bus_error_setf(error, IOREG_ERROR_LIMITS_EXCEEDED,
                                         "At most %u subscriptions per user, over all its connections.",
                                         BUS_UID_MAX_SUBSCRIPTIONS);
        return 0;
}

static void counted(BusNotify *b, const char *sender, int delta) {
        if (b->ctx->peers)
                bus_peers_add_subscriptions(b->ctx->peers, sender, delta);
}

static int method_subscribe(sd_bus_message *call, void *userdata, sd_bus_error *error) {
        _cleanup_(value_unrefp) Value *matching = NULL;
        NotifyEndpoint *ep = userdata;
        BusNotify *b = ep->notify;
        MatchNotification type;
        const char *type_name, *sender;
        uint64_t id;
        int r;

        sender = sender_of(call, userdata, error);
        if (!sender)
                return -EINVAL;
        r = sd_bus_message_read(call, "s", &type_name);
        if (r < 0)
                return r;
        if (match_notification_from_string(type_name, &type) < 0)
                return sd_bus_error_setf(error, IOREG_ERROR_INVALID_ARGUMENT, "Unknown notification type '%s'.",
                                         type_name);
        /* The same limits as every matching dictionary (GetMatchingServices): each event meets all of it. */
        r = bus_read_dict_checked(call, &bus_limits_matching, &matching, error);
        if (r < 0)
                return r;
        if (value_depth(matching) > NOTIFY_MAX_MATCHING_DEPTH)
                return sd_bus_error_setf(error, IOREG_ERROR_INVALID_ARGUMENT,
                                         "Matching dictionary nested deeper than %u levels.",
                                         NOTIFY_MAX_MATCHING_DEPTH);
        r = check_quota(b, sender, error);
        if (r < 0)
                return r;
        r = notify_hub_subscribe(b->hub, sender, type, matching, &id);
        if (r < 0)
                return reply_hub_error(error, r, 0);
        counted(b, sender, +1);
        /*
         * The reply goes out before the replay: the client knows the ID before any event
         * carries it. One connection keeps its order on the bus, and no registry change can
         * run between here and the flush (one thread), so nothing is missed either.
         */
        r = sd_bus_reply_method_return(call, "t", id);
        if (r < 0) {
                if (notify_hub_unsubscribe(b->hub, sender, id) >= 0)
                        counted(b, sender, -1);
                return r;
        }
        notify_hub_flush(b->hub, id);
        return 1;
}

static int method_register_interest(sd_bus_message *call, void *userdata, sd_bus_error *error) {
        BusNotify *b = ((const NotifyEndpoint *) userdata)->notify;
        const char *type_name, *sender;
        InterestType type;
        uint64_t entry_id, id;
        int r;

        sender = sender_of(call, userdata, error);
        if (!sender)
                return -EINVAL;
        r = sd_bus_message_read(call, "ts", &entry_id, &type_name);
        if (r < 0)
                return r;
        type = interest_type_from_string(type_name);
        if (type < 0)
                return sd_bus_error_setf(error, IOREG_ERROR_INVALID_ARGUMENT, "Unknown interest type '%s'.",
                                         type_name);
        r = check_quota(b, sender, error);
        if (r < 0)
                return r;
        r = notify_hub_register_interest(b->hub, sender, entry_id, type, &id);
        if (r < 0) {
                if (r == -ENOENT)
                        return sd_bus_error_setf(error, IOREG_ERROR_NO_SUCH_ENTRY, "No entry 0x%" PRIx64 ".",
                                                 entry_id);
                if (r == -ESTALE)
                        return sd_bus_error_setf(error, IOREG_ERROR_NOT_READY,
                                                 "Entry 0x%" PRIx64 " is being terminated.", entry_id);
                return reply_hub_error(error, r, 0);
        }
        counted(b, sender, +1);
        return sd_bus_reply_method_return(call, "t", id);
}

static int method_unsubscribe(sd_bus_message *call, void *userdata, sd_bus_error *error) {
        BusNotify *b = ((const NotifyEndpoint *) userdata)->notify;
        const char *sender;
        uint64_t id;
        int r;

        sender = sender_of(call, userdata, error);
        if (!sender)
                return -EINVAL;
        r = sd_bus_message_read(call, "t", &id);
        if (r < 0)
                return r;
        r = notify_hub_unsubscribe(b->hub, sender, id);
        if (r < 0)
                return reply_hub_error(error, r, id);
        counted(b, sender, -1);
        return sd_bus_reply_method_return(call, NULL);
}

static int method_ack(sd_bus_message *call, void *userdata, sd_bus_error *error) {
        BusNotify *b = ((const NotifyEndpoint *) userdata)->notify;
        const char *sender;
        uint64_t id, seq;
        int r;

        sender = sender_of(call, userdata, error);
        if (!sender)
                return -EINVAL;
        r = sd_bus_message_read(call, "tt", &id, &seq);
        if (r < 0)
                return r;
        r = notify_hub_ack(b->hub, sender, id, seq);
        if (r < 0)
                return reply_hub_error(error, r, id);
        /* Also called without a reply wanted (libioreg): sd-bus then sends none. */
        return sd_bus_reply_method_return(call, NULL);
}

static int method_resync(sd_bus_message *call, void *userdata, sd_bus_error *error) {
        BusNotify *b = ((const NotifyEndpoint *) userdata)->notify;
        const char *sender;
        uint64_t id, dropped = 0;
        int r;

        sender = sender_of(call, userdata, error);
        if (!sender)
                return -EINVAL;
        r = sd_bus_message_read(call, "t", &id);
        if (r < 0)
                return r;
        r = notify_hub_resync(b->hub, sender, id, &dropped);
        if (r < 0)
                return reply_hub_error(error, r, id);
        /* As for Subscribe: the reply, then the replay. */
        r = sd_bus_reply_method_return(call, "t", dropped);
        if (r < 0)
                return r;
        notify_hub_flush(b->hub, id);
        return 1;
}

/* The client's notification port (bus-notify-port.h): one end of a socketpair, ours the server. */
static int method_open_port(sd_bus_message *call, void *userdata, sd_bus_error *error) {
        NotifyEndpoint *ep = userdata;
        BusNotify *b = ep->notify;
        _cleanup_close_ int fd = -EBADF;
        const char *sender;
        uid_t uid = (uid_t) -1;
        int r;

        if (ep->owner)
                return sd_bus_error_set(error, IOREG_ERROR_INVALID_ARGUMENT, "This is a notification port already.");
        sender = sender_of(call, ep, error);
        if (!sender)
                return -EINVAL;
        if (b->ctx->peers) {
                (void) bus_peers_track(b->ctx->peers, sender);
                (void) bus_peers_uid(b->ctx->peers, sender, &uid);
        }
        r = bus_notify_ports_open(b->ports, sender, uid, &fd);
        if (r == -EEXIST)
                return sd_bus_error_set(error, IOREG_ERROR_LIMITS_EXCEEDED, "One notification port per connection.");
        if (r == -EUSERS)
                return sd_bus_error_setf(error, IOREG_ERROR_LIMITS_EXCEEDED,
                                         "At most %u notification ports per user, %u in all.",
                                         NOTIFY_PORTS_MAX_PER_UID, NOTIFY_PORTS_MAX);
        if (r == -EMFILE || r == -ENFILE)
                return sd_bus_error_set(error, IOREG_ERROR_LIMITS_EXCEEDED,
                                        "ioregd has no file descriptor left for a notification port.");
        if (r < 0)
                return r;
        log_debug("notify: %s opened its notification port", sender);
        return sd_bus_reply_method_return(call, "h", fd); /* the message holds its own copy */
}

static int property_get_ports(sd_bus *bus, const char *path, const char *interface, const char *property,
                              sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        BusNotify *b = ((const NotifyEndpoint *) userdata)->notify;

        return sd_bus_message_append(reply, "u", bus_notify_ports_count(b->ports));
}

static int property_get_subscriptions(sd_bus *bus, const char *path, const char *interface, const char *property,
                                      sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        BusNotify *b = ((const NotifyEndpoint *) userdata)->notify;

        return sd_bus_message_append(reply, "u", notify_hub_count(b->hub, NULL));
}

static int property_get_limit(sd_bus *bus, const char *path, const char *interface, const char *property,
                              sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        BusNotify *b = ((const NotifyEndpoint *) userdata)->notify;

        return sd_bus_message_append(reply, "u", b->ctx->notify_limit ?: NOTIFY_DEFAULT_LIMIT);
}

/* The client closed its port (or was cut off): what it held there ends, its bus connection stays. */
static void on_port_closed(void *userdata, const char *owner) {
        BusNotify *b = userdata;
        unsigned n = notify_hub_drop_owner(b->hub, owner);

        counted(b, owner, -(int) n);
        hashmap_delete(&b->held, owner);
        log_debug("notify: %s closed its notification port; %u subscriptions ended", owner, n);
}

static const BusNotifyPortsHooks port_hooks = {
        .closed = on_port_closed,
};

static const sd_bus_vtable notify_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("Subscriptions", "u", property_get_subscriptions, 0, 0),
        SD_BUS_PROPERTY("PendingLimit", "u", property_get_limit, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Ports", "u", property_get_ports, 0, 0),
        SD_BUS_METHOD_WITH_ARGS("OpenPort",
                                SD_BUS_NO_ARGS,
                                SD_BUS_RESULT("h", port),
                                method_open_port, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("Subscribe",
                                SD_BUS_ARGS("s", type, "a{sv}", matching),
                                SD_BUS_RESULT("t", subscription),
                                method_subscribe, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("RegisterInterest",
                                SD_BUS_ARGS("t", entry, "s", type),
                                SD_BUS_RESULT("t", subscription),
                                method_register_interest, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("Unsubscribe",
                                SD_BUS_ARGS("t", subscription),
                                SD_BUS_NO_RESULT,
                                method_unsubscribe, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("Ack",
                                SD_BUS_ARGS("t", subscription, "t", sequence),
                                SD_BUS_NO_RESULT,
                                method_ack, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("Resync",
                                SD_BUS_ARGS("t", subscription),
                                SD_BUS_RESULT("t", dropped),
                                method_resync, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_SIGNAL_WITH_ARGS("Notification",
                                SD_BUS_ARGS("t", subscription, "t", sequence, "s", type, "t", entry, "s", name,
                                            "s", class, "a{sv}", properties, "a(ssss)", places),
                                0),
        SD_BUS_SIGNAL_WITH_ARGS("Interest",
                                SD_BUS_ARGS("t", subscription, "t", sequence, "t", entry, "u", message,
                                            "t", argument, "a{sv}", properties),
                                0),
        SD_BUS_SIGNAL_WITH_ARGS("Overflow",
                                SD_BUS_ARGS("t", subscription, "t", sequence),
                                0),
        SD_BUS_SIGNAL_WITH_ARGS("ReplayEnd",
                                SD_BUS_ARGS("t", subscription, "t", sequence),
                                0),
        SD_BUS_VTABLE_END,
};

int bus_notify_register(BusContext *m) {
        BusNotify *b;
        int r;

        assert(m && m->bus && !m->notify);
        b = calloc(1, sizeof(*b));
        if (!b)
                return log_error_errno(ENOMEM, "Out of memory.");
        b->ctx = m;
        b->held = HASHMAP_INIT(&held_ops);
        b->on_bus = (NotifyEndpoint) { .notify = b };
        m->notify = b;
        r = sd_event_add_post(m->event, &b->drain, on_drain, b);
        if (r >= 0)
                r = sd_event_source_set_enabled(b->drain, SD_EVENT_OFF);
        if (r >= 0)
                r = sd_event_add_defer(m->event, &b->turn, on_turn, b);
        /* Below the bus's reading and calls: a client's call waits for no replay (issue 23 D). */
        if (r >= 0)
                r = sd_event_source_set_priority(b->turn, SD_EVENT_PRIORITY_IDLE);
        if (r >= 0)
                r = sd_event_source_set_enabled(b->turn, SD_EVENT_OFF);
        if (r < 0)
                return log_error_errno(r, "Failed to set up notification flow: %m");
        if (m->peers) {
                r = bus_peers_listen(m->peers, &notify_peer_hooks, b);
                if (r < 0)
                        return log_error_errno(r, "Failed to watch clients leaving: %m");
        }
        r = notify_hub_new(m->registry, &hub_ops, b, m->notify_limit, &b->hub);
        if (r < 0)
                return log_error_errno(r, "Failed to set up notifications: %m");
        r = bus_notify_ports_new(m->event, notify_vtable, IOREG_OBJECT_PATH, IOREG_NOTIFY_INTERFACE, b, &port_hooks, b,
                                 &b->ports);
        if (r < 0)
                return log_error_errno(r, "Failed to set up notification ports: %m");
        r = sd_bus_add_object_vtable(m->bus, &b->slot, IOREG_OBJECT_PATH, IOREG_NOTIFY_INTERFACE, notify_vtable,
                                     &b->on_bus);
        if (r < 0)
                return log_error_errno(r, "Failed to register the notification interface: %m");
        return 0;
}

BusNotify *bus_notify_free(BusNotify *b) {
        if (!b)
                return NULL;
        sd_bus_slot_unref(b->slot);
        bus_notify_ports_free(b->ports); /* before the hub: no hook runs from here */
        sd_event_source_disable_unref(b->drain);
        sd_event_source_disable_unref(b->turn);
        hashmap_done(&b->held);
        notify_hub_free(b->hub);
        bus_wire_done(&b->wire);
        free(b);
        return NULL;
}

_hot_ void bus_notify_matching(BusContext *m, Entry *e, MatchNotification type) {
        if (m->notify && m->notify->hub)
                notify_hub_matching_event(m->notify->hub, e, type);
}

_hot_ void bus_notify_busy_changed(BusContext *m, Entry *e, bool busy) {
        if (m->notify && m->notify->hub)
                notify_hub_busy_changed(m->notify->hub, e, busy);
}

void bus_notify_properties_changed(BusContext *m, Entry *e) {
        if (m->notify && m->notify->hub)
                notify_hub_properties_changed(m->notify->hub, e);
}

void bus_notify_power_changed(BusContext *m, Entry *e, unsigned from, unsigned to) {
        uint32_t will, has;
        uint64_t argument = power_plane_message_argument(to);

        if (!m->notify || !m->notify->hub)
                return;
        /* Linux tells us after the fact: the will message comes with the has message. */
        power_plane_messages(from, to, &will, &has);
        notify_hub_power_message(m->notify->hub, e, will, argument);
        notify_hub_power_message(m->notify->hub, e, has, argument);
}

void bus_notify_message_clients(BusContext *m, Entry *e, uint32_t message, uint64_t argument) {
        if (m->notify && m->notify->hub)
                notify_hub_message_clients(m->notify->hub, e, message, argument);
}
