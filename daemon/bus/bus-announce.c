/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* bus-announce.c: see bus-announce.h. */

#include <assert.h>
#include <stdlib.h>

#include "bus-announce.h"
#include "bus-entry.h"
#include "log.h"

typedef struct Pending {
        uint64_t id;
        bool added;     /* InterfacesAdded, else InterfacesRemoved */
        bool cancelled; /* added and removed before the flush: nothing to say */
} Pending;

struct BusAnnounce {
        sd_bus *bus;            /* borrowed */
        sd_event *event;        /* borrowed */
        sd_event_source *timer; /* owned; armed while something is queued */
        sd_bus_slot *filter;    /* owned */
        Pending *queue;         /* owned, in the order the registry changed */
        unsigned n_queue, cap_queue;
        /*
         * Entry ID → index + 1 of its queued arrival, for entries still alive.
         * Keys are borrowed from the entries: an entry leaves the map when it
         * is removed, before it can be freed.
         */
        Hashmap added;
        unsigned n_live;        /* queued items not cancelled */
};

/* What sd_bus_emit_object_added() lists for an entry object: the same names go in InterfacesRemoved. */
static const char *const entry_interfaces[] = {
        "org.freedesktop.DBus.Peer",
        "org.freedesktop.DBus.Introspectable",
        "org.freedesktop.DBus.Properties",
        IOREG_ENTRY_INTERFACE,
        NULL,
};

static void queue_clear(BusAnnounce *a) {
        a->n_queue = a->n_live = 0;
        hashmap_done(&a->added);
        a->added = HASHMAP_INIT(&u64_hash_ops);
}

int bus_announce_flush(BusAnnounce *a) {
        unsigned sent = 0;
        int r = 0;

        if (a->n_queue == 0)
                return 0;
        (void) sd_event_source_set_enabled(a->timer, SD_EVENT_OFF);
        for (unsigned i = 0; i < a->n_queue; i++) {
                const Pending *p = &a->queue[i];
                char path[BUS_ENTRY_PATH_MAX];
                int k;

                if (p->cancelled)
                        continue;
                bus_entry_path(p->id, path);
                if (p->added)
                        k = sd_bus_emit_object_added(a->bus, path);
                else
                        k = sd_bus_emit_interfaces_removed_strv(a->bus, path, (char **) entry_interfaces);
                if (k < 0) {
                        /* Clients resync with GetManagedObjects; one lost signal must not stop the rest. */
                        log_debug_errno(k, "Cannot announce %s of %s: %m", p->added ? "arrival" : "departure",
                                        path);
                        r = k;
                        continue;
                }
                sent++;
        }
        queue_clear(a);
        if (sent > 0)
                (void) sd_bus_emit_properties_changed(a->bus, IOREG_OBJECT_PATH, IOREG_INTERFACE, "Entries",
                                                      "Generation", NULL);
        return r;
}

unsigned bus_announce_n_pending(const BusAnnounce *a) {
        return a->n_live;
}

static int on_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        (void) bus_announce_flush(userdata);
        return 0;
}

static int on_incoming(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        BusAnnounce *a = userdata;

        if (a->n_queue > 0)
                (void) bus_announce_flush(a);
        return 0; /* go on processing m */
}

_hot_ static void arm(BusAnnounce *a) {
        int enabled = SD_EVENT_OFF;
        uint64_t now;

        if (sd_event_source_get_enabled(a->timer, &enabled) >= 0 && enabled != SD_EVENT_OFF)
                return;
        if (sd_event_now(a->event, CLOCK_MONOTONIC, &now) < 0 ||
            sd_event_source_set_time(a->timer, now + BUS_ANNOUNCE_DELAY_USEC) < 0 ||
            sd_event_source_set_enabled(a->timer, SD_EVENT_ONESHOT) < 0)
                log_debug("Cannot arm the announcement timer: the next incoming message flushes.");
}

_hot_ void bus_announce_entry(BusAnnounce *a, Entry *e, bool added) {
        uintptr_t slot;

        if (!added) {
                slot = (uintptr_t) hashmap_remove(&a->added, &e->id);
                if (slot > 0) {
                        a->queue[slot - 1].cancelled = true;
                        a->n_live--;
                        return;
                }
        }
        if (GROW(a->queue, a->cap_queue, a->n_queue + 1) < 0) {
                log_warning("Out of memory queueing an InterfacesAdded/Removed signal, ignoring.");
                return;
        }
        if (added && hashmap_put(&a->added, &e->id, (void *) (uintptr_t) (a->n_queue + 1)) < 0) {
                /* Announced anyway; only a quick removal would then be announced too. */
                log_debug("Cannot index the arrival of 0x%" PRIx64 ", ignoring.", e->id);
        }
        a->queue[a->n_queue++] = (Pending) { .id = e->id, .added = added };
        a->n_live++;
        arm(a);
}

int bus_announce_new(sd_bus *bus, sd_event *event, BusAnnounce **ret) {
        BusAnnounce *a;
        int r;

        assert(bus && event && ret);
        a = calloc(1, sizeof(*a));
        if (!a)
                return -ENOMEM;
        a->bus = bus;
        a->event = event;
        a->added = HASHMAP_INIT(&u64_hash_ops);
        r = sd_event_add_time(event, &a->timer, CLOCK_MONOTONIC, 0, 0, on_timer, a);
        if (r >= 0)
                r = sd_event_source_set_enabled(a->timer, SD_EVENT_OFF);
        if (r >= 0)
                r = sd_bus_add_filter(bus, &a->filter, on_incoming, a);
        if (r < 0) {
                bus_announce_free(a);
                return r;
        }
        *ret = a;
        return 0;
}

BusAnnounce *bus_announce_free(BusAnnounce *a) {
        if (!a)
                return NULL;
        sd_event_source_disable_unref(a->timer);
        sd_bus_slot_unref(a->filter);
        hashmap_done(&a->added);
        free(a->queue);
        free(a);
        return NULL;
}
