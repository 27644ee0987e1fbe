/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * notification-matching.c: IOServiceAddMatchingNotification on a port.
 *
 * Each notification is a daemon subscription and a queue of services.
 * The queue is fed by the subscription's signals, acknowledged as the
 * caller takes services from it (so the daemon's window, PendingLimit, is
 * also the queue's bound), and armed Apple's way: a callback is made when
 * services arrive while the notification is armed; taking the last one
 * arms it again.
 *
 * Across daemon restarts (reconnect.c) each notification remembers its
 * entries by ID and key (class, name, Linux SYSPATH), in `known`: for the
 * publish and match types the services it delivered, for the terminate
 * types the services that match now, kept by a second, internal
 * IOServicePublish subscription (`shadow`) with the same dictionary. After
 * the daemon comes back and the subscriptions are made again, what the
 * replay shows decides: the same key under the same ID is the same entry
 * (its objects are adopted for the new run, nothing is delivered), anything
 * else is new (queued for the publish and match types), and a known entry
 * that the replay does not show is gone (queued as terminated for the
 * terminate types, forgotten by the others).
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hashmap.h"
#include "notification-port.h"
#include "protocol.h"
#include "wire-json.h"

/* Acknowledge at least every this many services taken, and whenever the queue runs empty. */
#define ACK_BATCH 64
/* A daemon configured with a window larger than this cannot make the queue grow without limit. */
#define QUEUE_HARD_MAX 65536u

typedef struct Known {
        uint64_t id;       /* the map's key */
        LibEntry *entry;   /* owned reference; the caller may hold the same object */
        json_t *props;     /* owned: terminate types' last properties of the entry, else NULL */
        bool seen;         /* shown by the replay of the current resubscription */
} Known;

typedef struct Queued {
        LibEntry *entry;   /* owned reference, handed to the caller by next() */
        uint64_t seq;      /* its signal's sequence; 0 when the library made it (gone after a restart) */
} Queued;

struct LibMatching {
        struct ioreg_object base;
        ioreg_notification_port_t port; /* weak; NULL once the port is destroyed */
        LibMatching *prev, *next;       /* in port->matchings */
        char *type;                     /* owned: Apple's type name */
        bool terminate_type;
        json_t *matching;               /* owned */
        ioreg_service_matching_callback_t callback;
        void *refcon;                   /* the caller's */

        uint64_t sub;                   /* the subscription; 0 while there is none */
        uint64_t received_seq, acked_seq;
        uint64_t shadow;                /* terminate types: the IOServicePublish subscription; 0 when none */
        uint64_t shadow_seq, shadow_acked_seq;
        bool shadow_overflowed;

        Queued *queue;                  /* owned: queue[head..n_queue) are waiting */
        unsigned head, n_queue, cap_queue;
        bool armed, overflowed, wake, replaying;
        bool replay_ended;              /* the daemon's ReplayEnd for sub came (since Subscribe or Resync) */
        bool shadow_replay_ended;       /* the same for shadow */
        bool linked;                    /* in port->matchings */
        Hashmap known;                  /* id → Known (owned) */
};

static bool is_terminate_type(const char *type) {
        return streq(type, IOREG_TERMINATED_NOTIFICATION) || streq(type, IOREG_WILL_TERMINATE_NOTIFICATION) ||
               streq(type, "terminated") || streq(type, "will-terminate");
}

static unsigned queue_len(const LibMatching *n) {
        return n->n_queue - n->head;
}

static int queue_push(LibMatching *n, LibEntry *e, uint64_t seq) {
        if (n->head > 0 && n->head == n->n_queue)
                n->head = n->n_queue = 0;
        if (n->head >= 1024 && n->head * 2 >= n->n_queue) {
                memmove(n->queue, n->queue + n->head, queue_len(n) * sizeof(Queued));
                n->n_queue -= n->head;
                n->head = 0;
        }
        if (GROW(n->queue, n->cap_queue, n->n_queue + 1) < 0)
                return -ENOMEM;
        n->queue[n->n_queue++] = (Queued) { .entry = e, .seq = seq };
        return 0;
}

static void queue_clear(LibMatching *n) {
        for (unsigned i = n->head; i < n->n_queue; i++)
                lib_object_unref(&n->queue[i].entry->base);
        n->head = n->n_queue = 0;
}

static Known *known_free(Known *k) {
        if (k) {
                lib_object_unref(&k->entry->base);
                json_decref(k->props);
                free(k);
        }
        return NULL;
}

static void known_remove(LibMatching *n, uint64_t id) {
        known_free(hashmap_remove(&n->known, &id));
}

/* Puts entry (a new reference is taken) under its ID, replacing what was there. */
static int known_put(LibMatching *n, LibEntry *e, json_t *props) {
        Known *k = calloc(1, sizeof(*k));
        int r;

        if (!k)
                return -ENOMEM;
        k->id = e->id;
        k->entry = (LibEntry *) lib_object_ref(&e->base);
        k->props = props ? json_incref(props) : NULL;
        k->seen = true;
        known_remove(n, e->id);
        r = hashmap_put(&n->known, &k->id, k);
        if (r < 0)
                known_free(k);
        return r;
}

static void known_clear(LibMatching *n) {
        void *v;

        for (unsigned i = 0; hashmap_next(&n->known, &i, NULL, &v);)
                known_free(v);
        hashmap_done(&n->known);
        n->known = HASHMAP_INIT(&u64_hash_ops);
}

/* Everything up to the oldest service still queued has been taken (or was never queued): acknowledge it. */
static void ack_due(LibMatching *n, bool force) {
        uint64_t due;

        if (!n->port || !n->sub)
                return;
        due = n->received_seq;
        for (unsigned i = n->head; i < n->n_queue; i++)
                if (n->queue[i].seq) {
                        due = n->queue[i].seq - 1;
                        break;
                }
        if (due > n->acked_seq && (force || due - n->acked_seq >= ACK_BATCH || queue_len(n) == 0)) {
                lib_port_notify_send(n->port, "Ack", "tt", n->sub, due);
                n->acked_seq = due;
        }
}

static void shadow_ack(LibMatching *n, bool force) {
        if (n->port && n->shadow && n->shadow_seq > n->shadow_acked_seq &&
            (force || n->shadow_seq - n->shadow_acked_seq >= ACK_BATCH)) {
                lib_port_notify_send(n->port, "Ack", "tt", n->shadow, n->shadow_seq);
                n->shadow_acked_seq = n->shadow_seq;
        }
}

static void set_wake(LibMatching *n) {
        if (n->armed || n->overflowed) {
                n->wake = true;
                lib_port_wake(n->port);
        }
}

static LibMatching *find_subscription(ioreg_notification_port_t port, uint64_t sub, bool *ret_shadow) {
        for (LibMatching *n = port->matchings; n; n = n->next) {
                if (n->sub == sub) {
                        *ret_shadow = false;
                        return n;
                }
                if (n->shadow && n->shadow == sub) {
                        *ret_shadow = true;
                        return n;
                }
        }
        return NULL;
}

/* The shadow subscription of a terminate type: the entries that match now. */
static int handle_shadow(LibMatching *n, uint64_t seq, LibEntry *e, json_t *props) {
        Known *k = hashmap_get(&n->known, &e->id);
        json_auto_t *j = json_incref(props); /* kept by the known entry below */

        n->shadow_seq = seq;
        shadow_ack(n, false);
        if (!j)
                return -ENOMEM;
        if (k && streq_ptr(k->entry->key, e->key)) {
                /* The same entry: its object is adopted for this run; its properties are the newest. */
                atomic_store(&k->entry->run, atomic_load(&e->run));
                json_decref(k->props);
                k->props = TAKE_PTR(j);
                k->seen = true;
                return 0;
        }
        if (k && n->replaying) {
                /* Another entry under a known ID: the known one is gone. */
                k->seen = false;
                return 0; /* kept until the replay ends, when gone entries are queued */
        }
        return known_put(n, e, j);
}

static int handle_event(LibMatching *n, uint64_t seq, LibEntry *e, json_t *props) {
        Known *k;
        int r;

        n->received_seq = seq;
        if (queue_len(n) >= QUEUE_HARD_MAX) {
                n->overflowed = true; /* told through is_valid, never silent */
                set_wake(n);
                return 0;
        }
        if (n->terminate_type) {
                e->last_properties = json_incref(props); /* its own reference */
                known_remove(n, e->id);
        } else {
                k = hashmap_get(&n->known, &e->id);
                if (n->replaying && k && streq_ptr(k->entry->key, e->key)) {
                        /* Delivered before the daemon restarted, and still there: adopted, not new. */
                        atomic_store(&k->entry->run, atomic_load(&e->run));
                        k->seen = true;
                        ack_due(n, false);
                        return 0;
                }
                r = known_put(n, e, NULL);
                if (r < 0)
                        return r;
                e->notified_properties = json_incref(props); /* its own reference */
        }
        r = queue_push(n, (LibEntry *) lib_object_ref(&e->base), seq);
        if (r < 0) {
                lib_object_unref(&e->base);
                return r;
        }
        set_wake(n);
        return 0;
}

static int lib_matching_handle_signal(ioreg_notification_port_t port, sd_bus_message *m) {
        json_auto_t *props = NULL, *places = NULL;
        const char *type, *name, *class_name;
        uint64_t sub, seq, id;
        LibEntry *e;
        LibMatching *n;
        bool shadow;
        int r;

        if (sd_bus_message_is_signal(m, IOREG_NOTIFY_INTERFACE, "Overflow")) {
                if (sd_bus_message_read(m, "tt", &sub, &seq) < 0 || !(n = find_subscription(port, sub, &shadow)))
                        return 0;
                if (shadow)
                        n->shadow_overflowed = true;
                else {
                        n->overflowed = true;
                        n->wake = true;
                }
                lib_port_wake(port);
                return 0;
        }
        if (sd_bus_message_is_signal(m, IOREG_NOTIFY_INTERFACE, "ReplayEnd")) {
                if (sd_bus_message_read(m, "tt", &sub, &seq) < 0 || !(n = find_subscription(port, sub, &shadow)))
                        return 0;
                if (shadow)
                        n->shadow_replay_ended = true;
                else
                        n->replay_ended = true;
                return 0;
        }
        if (!sd_bus_message_is_signal(m, IOREG_NOTIFY_INTERFACE, "Notification"))
                return 0;
        r = sd_bus_message_read(m, "ttstss", &sub, &seq, &type, &id, &name, &class_name);
        if (r < 0)
                return r;
        n = find_subscription(port, sub, &shadow);
        if (!n)
                return 0; /* one we gave up (Unsubscribe is on its way) */
        r = wire_json_read_dict(m, &props);
        if (r < 0)
                return r;
        r = lib_places_read(m, &places);
        if (r < 0)
                return r;
        e = lib_entry_new(id, port->run);
        if (!e)
                return -ENOMEM;
        e->places = TAKE_PTR(places);
        e->key = lib_entry_key_make(class_name, name, props);
        if (!e->key)
                r = -ENOMEM;
        else if (shadow)
                r = handle_shadow(n, seq, e, props);
        else
                r = handle_event(n, seq, e, props);
        lib_object_unref(&e->base);
        return r;
}

/* Subscribe(type, matching) on the port's notification connection into *ret. */
static ioreg_return_t subscribe(LibMatching *n, const char *type, uint64_t *ret) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL, *reply = NULL;
        sd_bus *bus = lib_port_notify_bus(n->port);
        ioreg_return_t rr;
        int r;

        if (!bus || !n->port->owner)
                return IOREG_RETURN_NO_DEVICE;
        rr = lib_matching_check(n->matching);
        if (rr != IOREG_RETURN_SUCCESS)
                return rr;
        r = sd_bus_message_new_method_call(bus, &m, lib_port_notify_destination(n->port), IOREG_OBJECT_PATH,
                                           IOREG_NOTIFY_INTERFACE, "Subscribe");
        if (r >= 0)
                r = sd_bus_message_append_basic(m, 's', type);
        if (r >= 0)
                r = wire_json_append_dict(m, n->matching);
        if (r < 0)
                return lib_return_from_errno(r);
        {
                _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;

                r = sd_bus_call(bus, m, 0, &error, &reply);
                if (r < 0)
                        return lib_return_from_bus_error(&error, r);
        }
        r = sd_bus_message_read_basic(reply, 't', ret);
        return r < 0 ? lib_return_from_errno(r) : IOREG_RETURN_SUCCESS;
}

/* Makes n's subscriptions (the replay is handled by the caller's lib_port_sync()). */
static ioreg_return_t subscribe_all(LibMatching *n) {
        ioreg_return_t rr;

        n->received_seq = n->acked_seq = n->shadow_seq = n->shadow_acked_seq = 0;
        n->replay_ended = n->shadow_replay_ended = false;
        if (n->terminate_type) {
                /* First the shadow: an entry terminated in between is then in known when its Terminated comes. */
                rr = subscribe(n, IOREG_PUBLISH_NOTIFICATION, &n->shadow);
                if (rr != IOREG_RETURN_SUCCESS)
                        return rr;
        }
        return subscribe(n, n->type, &n->sub);
}

static uint64_t now_usec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000 + (uint64_t) ts.tv_nsec / 1000;
}

/* Still replaying, and the daemon's window (window) lets it send more before we acknowledge. */
static bool replay_pending(const LibMatching *n, uint32_t window) {
        if (!n->sub)
                return false;
        if (n->shadow && !n->shadow_replay_ended && !n->shadow_overflowed)
                return true; /* acknowledged as it comes: never held by the window */
        return !n->replay_ended && !n->overflowed && n->received_seq - n->acked_seq < window;
}

/*
 * The daemon sends a replay in slices, round-robin with other work (issue 23), so it may still be
 * coming after its Subscribe and a Ping were answered: wait for its ReplayEnd, or until its
 * window is full (the rest comes as the caller takes services), at most REPLAY_WAIT_USEC.
 */
#define REPLAY_WAIT_USEC (30ULL * 1000 * 1000)
static void wait_replays(ioreg_notification_port_t port) {
        sd_bus *bus = lib_port_notify_bus(port); /* where the replays come */
        uint64_t deadline = now_usec() + REPLAY_WAIT_USEC;
        uint32_t window = UINT32_MAX;
        bool pending = true;

        while (bus && pending && now_usec() < deadline) {
                pending = false;
                for (LibMatching *n = port->matchings; n && !pending; n = n->next)
                        pending = replay_pending(n, window);
                if (!pending)
                        break;
                if (window == UINT32_MAX &&
                    sd_bus_get_property_trivial(bus, lib_port_direct(port) ? NULL : port->owner ?: IOREG_BUS_NAME,
                                                IOREG_OBJECT_PATH, IOREG_NOTIFY_INTERFACE, "PendingLimit", NULL,
                                                'u', &window) < 0)
                        window = 1024; /* Apple's kMaxOutstanding, the daemon's default */
                if (sd_bus_wait(bus, 100 * 1000) < 0 || lib_port_drain(port) < 0)
                        break;
        }
}

/* After a resubscription's replay: adopted entries were marked seen; the others are gone. */
static void settle_replay(LibMatching *n) {
        _cleanup_free_ Known **gone = NULL;
        unsigned n_gone = 0;
        void *v;

        n->replaying = false;
        gone = calloc(hashmap_size(&n->known) + 1, sizeof(Known *));
        if (!gone)
                return;
        for (unsigned i = 0; hashmap_next(&n->known, &i, NULL, &v);)
                if (!((Known *) v)->seen)
                        gone[n_gone++] = v;
        for (unsigned i = 0; i < n_gone; i++) {
                Known *k = hashmap_remove(&n->known, &gone[i]->id);

                if (n->terminate_type) {
                        /* Its own object, of the earlier run: it answers NO_DEVICE, and its last properties. */
                        LibEntry *e = lib_entry_new(k->id, atomic_load(&k->entry->run));

                        if (e) {
                                e->key = k->entry->key ? strdup(k->entry->key) : NULL;
                                e->last_properties = k->props ? json_incref(k->props) : json_object();
                                e->places = json_incref(k->entry->places); /* where it was when last seen */
                                if (queue_push(n, e, 0) < 0)
                                        lib_object_unref(&e->base);
                        }
                }
                known_free(k);
        }
        if (queue_len(n) > 0)
                set_wake(n);
}

static void lib_matching_resubscribe_all(ioreg_notification_port_t port) {
        void *v;

        for (LibMatching *n = port->matchings; n; n = n->next) {
                if (n->sub)
                        continue;
                for (unsigned i = 0; hashmap_next(&n->known, &i, NULL, &v);)
                        ((Known *) v)->seen = false;
                n->replaying = true;
                if (subscribe_all(n) != IOREG_RETURN_SUCCESS) {
                        n->replaying = false; /* tried again when the daemon comes back next */
                        n->sub = n->shadow = 0;
                }
        }
        (void) lib_port_sync(port);
        wait_replays(port);
        for (LibMatching *n = port->matchings; n; n = n->next)
                if (n->replaying)
                        settle_replay(n);
}

static void lib_matching_forget_all(ioreg_notification_port_t port) {
        for (LibMatching *n = port->matchings; n; n = n->next)
                n->sub = n->shadow = 0;
}

static void lib_matching_detach_all(ioreg_notification_port_t port) {
        while (port->matchings) {
                LibMatching *n = port->matchings;

                port->matchings = n->next;
                n->prev = n->next = NULL;
                n->linked = false;
                n->port = NULL;
                n->sub = n->shadow = 0;
        }
}

static ioreg_return_t resync_shadow(LibMatching *n) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        int r;

        n->shadow_overflowed = false;
        r = sd_bus_call_method(lib_port_notify_bus(n->port), lib_port_notify_destination(n->port), IOREG_OBJECT_PATH,
                               IOREG_NOTIFY_INTERFACE, "Resync", &error, NULL, "t", n->shadow);
        if (r < 0)
                return lib_return_from_bus_error(&error, r);
        n->shadow_acked_seq = n->shadow_seq;
        return IOREG_RETURN_SUCCESS;
}

static void lib_matching_work(ioreg_notification_port_t port) {
        for (LibMatching *n = port->matchings; n;) {
                LibMatching *next;

                lib_object_ref(&n->base); /* the callback may release it; our reference keeps n->next readable */
                shadow_ack(n, true);
                if (n->shadow_overflowed && resync_shadow(n) == IOREG_RETURN_SUCCESS)
                        (void) lib_port_drain(port);
                if (n->wake && (queue_len(n) > 0 || n->overflowed)) {
                        n->wake = false;
                        n->armed = false; /* until the caller drains it */
                        if (n->callback)
                                n->callback(n->refcon, &n->base);
                }
                ack_due(n, false);
                next = n->next;
                lib_object_unref(&n->base);
                n = next;
        }
}

ioreg_object_t lib_matching_next(ioreg_object_t o) {
        LibMatching *n = (LibMatching *) o;
        LibEntry *e;

        if (queue_len(n) == 0) {
                if (!n->overflowed)
                        n->armed = true; /* drained: the next service makes a callback */
                ack_due(n, true);
                return NULL;
        }
        e = n->queue[n->head++].entry;
        ack_due(n, false);
        return &e->base;
}

int ioreg_notification_replay_ended(ioreg_iterator_t notification) {
        if (!notification || notification->kind != LIB_OBJECT_MATCHING)
                return 0;
        return ((LibMatching *) notification)->replay_ended;
}

int lib_matching_is_valid(ioreg_object_t o) {
        return !((LibMatching *) o)->overflowed;
}

void lib_matching_reset(ioreg_object_t o) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        LibMatching *n = (LibMatching *) o;
        int r;

        if (!n->port || !n->sub || !lib_port_notify_bus(n->port))
                return;
        /* Starts the subscription over: the daemon forgets what it held, and replays the publish types. */
        r = sd_bus_call_method(lib_port_notify_bus(n->port), lib_port_notify_destination(n->port), IOREG_OBJECT_PATH,
                               IOREG_NOTIFY_INTERFACE, "Resync", &error, NULL, "t", n->sub);
        if (r < 0)
                return;
        queue_clear(n);
        n->acked_seq = n->received_seq;
        n->overflowed = false;
        n->replay_ended = false; /* the Resync's replay ends with one more ReplayEnd */
        n->armed = false;
        n->wake = false;
        (void) lib_port_drain(n->port);
}

static void matching_free(ioreg_object_t o) {
        LibMatching *n = (LibMatching *) o;

        if (n->port) {
                /* Releasing the iterator cancels the notification. */
                if (n->sub)
                        lib_port_notify_send(n->port, "Unsubscribe", "t", n->sub, 0);
                if (n->shadow)
                        lib_port_notify_send(n->port, "Unsubscribe", "t", n->shadow, 0);
                if (n->linked) {
                        if (n->prev)
                                n->prev->next = n->next;
                        else
                                n->port->matchings = n->next;
                        if (n->next)
                                n->next->prev = n->prev;
                }
        }
        queue_clear(n);
        free(n->queue);
        known_clear(n);
        hashmap_done(&n->known);
        json_decref(n->matching);
        free(n->type);
        free(n);
}

/* What the port calls on this kind (notification-port.h). */
static const LibPortKind matching_kind = {
        .handle_signal = lib_matching_handle_signal,
        .work = lib_matching_work,
        .resubscribe_all = lib_matching_resubscribe_all,
        .forget_all = lib_matching_forget_all,
        .detach_all = lib_matching_detach_all,
};

ioreg_return_t ioreg_service_add_matching_notification(ioreg_notification_port_t port, const char *notification_type,
                                                       json_t *matching, ioreg_service_matching_callback_t callback,
                                                       void *refcon, ioreg_iterator_t *notification) {
        json_auto_t *consumed = matching; /* IOKitLib's rule: the reference is ours, whatever happens */
        LibMatching *n;
        ioreg_return_t rr;

        if (!port || !notification_type || !json_is_object(consumed) || !notification)
                return IOREG_RETURN_BAD_ARGUMENT;
        *notification = NULL;
        n = calloc(1, sizeof(*n));
        if (!n)
                return IOREG_RETURN_NO_MEMORY;
        atomic_init(&n->base.n_ref, 1);
        n->base.kind = LIB_OBJECT_MATCHING;
        n->base.free = matching_free;
        n->known = HASHMAP_INIT(&u64_hash_ops);
        n->type = strdup(notification_type);
        n->matching = TAKE_PTR(consumed);
        n->terminate_type = is_terminate_type(notification_type);
        n->callback = callback;
        n->refcon = refcon;
        if (!n->type) {
                matching_free(&n->base);
                return IOREG_RETURN_NO_MEMORY;
        }
        n->port = port;
        port->kinds[LIB_PORT_KIND_MATCHING] = &matching_kind;
        rr = subscribe_all(n);
        if (rr != IOREG_RETURN_SUCCESS) {
                matching_free(&n->base); /* unsubscribes the shadow when it was made */
                return rr;
        }
        n->linked = true;
        n->next = port->matchings;
        if (n->next)
                n->next->prev = n;
        port->matchings = n;
        /* The replay follows the reply; once it ended (or fills the window) the iterator is primed. */
        (void) lib_port_sync(port);
        wait_replays(port);
        *notification = &n->base;
        return IOREG_RETURN_SUCCESS;
}
