/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* bus-registry.c: see bus-registry.h. */

#include <assert.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "bus-admin.h"
#include "bus-announce.h"
#include "bus-blob.h"
#include "bus-entry.h"
#include "bus-peers.h"
#include "bus-query.h"
#include "bus-registry.h"
#include "bus-restricted.h"
#include "bus-value.h"
#include "registry-diagnostics.h"
#include "log.h"

/* The record GetPlane returns per entry; see the interface XML for the field meanings. */
#define ENTRY_RECORD_SIGNATURE "tussasuutua{sv}"
/* GetPlanePage: a page's size when the caller leaves it to us, and the least it may ask for. */
#define PAGE_DEFAULT_BYTES (1u << 20)
#define PAGE_MIN_BYTES (64u << 10)
/* A cursor is (record index << PAGE_CURSOR_CHECK_BITS) | check. */
#define PAGE_CURSOR_CHECK_BITS 24
#define PAGE_CURSOR_CHECK_MASK ((1ULL << PAGE_CURSOR_CHECK_BITS) - 1)

struct QuietWaiter {
        BusContext *ctx;        /* weak: the bus context outlives us */
        sd_bus_message *call;    /* owned reference: answered once quiet or timed out */
        sd_event_source *timer;  /* owned, NULL without a timeout */
        QuietWaiter *next;       /* owned by the list */
        bool counted;             /* in bus-peers.h's calls in flight */
};

static QuietWaiter *quiet_waiter_free(QuietWaiter *w) {
        if (!w)
                return NULL;
        if (w->counted && w->ctx->peers)
                bus_peers_call_end(w->ctx->peers, sd_bus_message_get_sender(w->call));
        sd_bus_message_unref(w->call);
        sd_event_source_disable_unref(w->timer);
        free(w);
        return NULL;
}

static void quiet_waiter_unlink(BusContext *m, QuietWaiter *w) {
        for (QuietWaiter **i = &m->quiet_waiters; *i; i = &(*i)->next)
                if (*i == w) {
                        *i = w->next;
                        return;
                }
}

static int append_class_chain(sd_bus_message *reply, const Class *c) {
        int r = sd_bus_message_open_container(reply, 'a', "s");

        if (r < 0)
                return r;
        for (; c; c = c->super) {
                r = sd_bus_message_append_basic(reply, 's', c->name);
                if (r < 0)
                        return r;
        }
        return sd_bus_message_close_container(reply);
}

/* An upper bound of a record's bytes on the wire (bus-value.h's counting). */
static uint64_t entry_record_size(const Entry *e, const Plane *plane) {
        const char *loc = entry_get_location(e, plane);
        uint64_t n = 64 + strlen(entry_get_name(e, plane)) + (loc ? strlen(loc) : 0);

        for (const Class *c = e->klass; c; c = c->super)
                n += 8 + strlen(c->name) + 1;
        return n + bus_dict_wire_size(e->properties);
}

/* A record whose properties alone do not fit a message: the table's size in their place. */
static int append_omitted(sd_bus_message *reply, uint64_t size) {
        int r = sd_bus_message_open_container(reply, 'a', "{sv}");

        if (r >= 0)
                r = sd_bus_message_append(reply, "{sv}", IOREG_PROPERTIES_OMITTED_KEY, "t", size);
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        return r;
}

static int append_entry_record(sd_bus_message *reply, const Entry *e, const Plane *plane, unsigned depth,
                               bool omit_properties) {
        const char *loc = entry_get_location(e, plane);
        int r;

        r = sd_bus_message_open_container(reply, 'r', ENTRY_RECORD_SIGNATURE);
        if (r < 0)
                return r;
        r = sd_bus_message_append(reply, "tuss", e->id, (uint32_t) depth, entry_get_name(e, plane), loc ?: "");
        if (r < 0)
                return r;
        r = append_class_chain(reply, e->klass);
        if (r < 0)
                return r;
        r = sd_bus_message_append(reply, "uutu", e->state, e->busy, entry_busy_time_nsec(e), entry_retain_count(e));
        if (r < 0)
                return r;
        r = omit_properties ? append_omitted(reply, bus_dict_wire_size(e->properties)) :
                              bus_append_entry_properties(reply, e->properties);
        if (r < 0)
                return r;
        return sd_bus_message_close_container(reply);
}

/* One walk of a plane, appending the records from index first on while they fit budget bytes. */
typedef struct PlaneWalk {
        sd_bus_message *reply;  /* borrowed */
        BusBlob *blob;          /* borrowed; NULL: the records go into reply as a(tussasuutua{sv}) */
        int may_see;            /* blob: bus_restricted_may_see(reply) (root-only keys too); -1 until asked */
        const Plane *plane;     /* borrowed */
        uint64_t first;         /* records before this one are walked over, not appended */
        uint64_t index;         /* records walked so far */
        uint64_t budget, used;  /* bytes (bus-value.h's upper bound) */
        uint64_t next;          /* the first record that did not fit; 0 while everything fits */
} PlaneWalk;

/*
 * GetPlaneBlob: the record's own bytes count against the budget (no upper bound to
 * compute first); one that alone is over it goes without its table, as GetPlanePage's.
 */
static int append_blob_record(PlaneWalk *w, const Entry *e, unsigned depth) {
        size_t start = w->blob->n;
        int r;

        /* Whom the reply goes to counts only for a table with a root-only key: asked once. */
        if (w->may_see < 0 && bus_restricted_holds(e->properties))
                w->may_see = bus_restricted_may_see(w->reply);
        r = bus_blob_put_record(w->blob, e, w->plane, depth, false, 0, w->may_see > 0);
        if (r >= 0 && w->blob->n - start > w->budget) {
                w->blob->n = start;
                r = bus_blob_put_record(w->blob, e, w->plane, depth, true, bus_dict_wire_size(e->properties), false);
        }
        if (r < 0)
                return r;
        if (w->used > 0 && w->used + (w->blob->n - start) > w->budget) {
                w->blob->n = start; /* the first of the next page */
                w->next = w->index;
                return 0;
        }
        w->used += w->blob->n - start;
        return 0;
}

/*
 * Pre-order, children in attach order. An entry with several parents is
 * listed under each of them, as ioreg's own child-iterator walk shows it.
 * Depth is bounded by the tree: attach refuses cycles.
 */
static int walk_subtree(PlaneWalk *w, const Entry *e, unsigned depth) {
        Entry *const *children;
        unsigned n;
        int r;

        if (w->next)
                return 0;
        if (w->index >= w->first && w->blob) {
                r = append_blob_record(w, e, depth);
                if (r < 0 || w->next)
                        return r;
        } else if (w->index >= w->first) {
                uint64_t size = entry_record_size(e, w->plane);
                bool omit = size > w->budget; /* alone too large: sent without its table */

                if (omit)
                        size = entry_record_size(e, w->plane) - bus_dict_wire_size(e->properties) + 64;
                if (w->used > 0 && w->used + size > w->budget) {
                        w->next = w->index;
                        return 0;
                }
                r = append_entry_record(w->reply, e, w->plane, depth, omit);
                if (r < 0)
                        return r;
                w->used += size;
        }
        w->index++;
        children = entry_get_children(e, w->plane, &n);
        for (unsigned i = 0; i < n; i++) {
                r = walk_subtree(w, children[i], depth + 1);
                if (r < 0)
                        return r;
        }
        return 0;
}

static uint64_t max_message(const BusContext *m) {
        return m->max_message_bytes ?: BUS_DEFAULT_MAX_MESSAGE;
}

/* Sends a reply built by a walk, counted against the caller's unread bytes (bus-peers.h). */
static int send_counted(BusContext *m, sd_bus_message *call, sd_bus_message *reply, uint64_t bytes) {
        int r = sd_bus_send(NULL, reply, NULL);

        if (r >= 0 && m->peers)
                bus_peers_charge(m->peers, sd_bus_message_get_sender(call), bytes + 256);
        return r;
}

static int start_plane_reply(BusContext *m, sd_bus_message *call, const char *name, const Plane **ret_plane,
                             sd_bus_message **ret_reply, sd_bus_error *error) {
        int r;

        r = bus_find_plane(m->registry, name, false, ret_plane, error);
        if (r < 0)
                return r;
        /* Root's class counts, as of now (ioclasscount reads them). */
        r = registry_update_diagnostics(m->registry);
        if (r < 0)
                return r;
        return sd_bus_message_new_method_return(call, ret_reply);
}

static int method_get_plane(sd_bus_message *call, void *userdata, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        BusContext *m = userdata;
        const Plane *plane;
        const char *name;
        PlaneWalk w;
        int r;

        r = sd_bus_message_read(call, "s", &name);
        if (r < 0)
                return r;
        r = start_plane_reply(m, call, name, &plane, &reply, error);
        if (r < 0)
                return r;
        r = sd_bus_message_open_container(reply, 'a', "(" ENTRY_RECORD_SIGNATURE ")");
        if (r < 0)
                return r;
        /* From Root: the client rebuilds the tree from the depths. The whole plane, or an error. */
        w = (PlaneWalk) { .reply = reply, .plane = plane, .budget = max_message(m) - 4096 };
        r = walk_subtree(&w, m->registry->root, 0);
        if (r < 0)
                return r;
        if (w.next)
                return sd_bus_error_setf(error, IOREG_ERROR_LIMITS_EXCEEDED,
                                         "The %s plane does not fit one message of %" PRIu64 " bytes: "
                                         "read it with GetPlanePage.", plane->name, max_message(m));
        r = sd_bus_message_close_container(reply);
        if (r < 0)
                return r;
        return send_counted(m, call, reply, w.used);
}

/* A cursor: the index of the next record, and a check that ties it to this caller and generation. */
static uint64_t cursor_check(const BusContext *m, const char *sender, uint64_t index) {
        static uint64_t secret;
        struct {
                uint64_t secret, generation, index, sender;
        } k;

        if (secret == 0 && getrandom(&secret, sizeof(secret), 0) != sizeof(secret)) {
                struct timespec ts;

                clock_gettime(CLOCK_MONOTONIC, &ts);
                secret = (uint64_t) ts.tv_nsec << 32 ^ (uint64_t) ts.tv_sec;
        }
        k = (typeof(k)) { secret, m->registry->generation, index, sender ? string_hash(sender) : 0 };
        return hash_bytes(&k, sizeof(k)) & PAGE_CURSOR_CHECK_MASK;
}

/* GetPlanePage, and GetPlaneBlob when blob: the same walk, pages and cursors; only the records' form differs. */
static int plane_page(sd_bus_message *call, BusContext *m, bool blob, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_(bus_blob_done) BusBlob bytes = {};
        const char *sender = sd_bus_message_get_sender(call);
        uint64_t cursor, first = 0, next = 0;
        const Plane *plane;
        const char *name;
        uint32_t max_bytes;
        PlaneWalk w;
        int r;

        r = sd_bus_message_read(call, "stu", &name, &cursor, &max_bytes);
        if (r < 0)
                return r;
        if (cursor != 0) {
                first = cursor >> PAGE_CURSOR_CHECK_BITS;
                if ((cursor & PAGE_CURSOR_CHECK_MASK) != cursor_check(m, sender, first))
                        return sd_bus_error_set(error, IOREG_ERROR_CHANGED,
                                                "The registry changed since the previous page (or the cursor is "
                                                "not one the daemon gave this caller): start again from 0.");
                /* Only the previous page's reply held the cursor: the caller read it. */
                if (m->peers)
                        bus_peers_confirm(m->peers, sender);
        }
        r = start_plane_reply(m, call, name, &plane, &reply, error);
        if (r < 0)
                return r;
        r = sd_bus_message_append(reply, "t", m->registry->generation);
        if (r >= 0 && !blob)
                r = sd_bus_message_open_container(reply, 'a', "(" ENTRY_RECORD_SIGNATURE ")");
        if (r < 0)
                return r;
        w = (PlaneWalk) {
                .reply = reply,
                .blob = blob ? &bytes : NULL,
                .may_see = -1,
                .plane = plane,
                .first = first,
                .budget = max_bytes ? max_bytes : PAGE_DEFAULT_BYTES,
        };
        if (w.budget < PAGE_MIN_BYTES)
                w.budget = PAGE_MIN_BYTES;
        if (w.budget > max_message(m) - 4096)
                w.budget = max_message(m) - 4096;
        r = walk_subtree(&w, m->registry->root, 0);
        if (r < 0)
                return r;
        if (w.next)
                next = (w.next << PAGE_CURSOR_CHECK_BITS) | cursor_check(m, sender, w.next);
        r = blob ? sd_bus_message_append_array(reply, 'y', bytes.bytes, bytes.n) : sd_bus_message_close_container(reply);
        if (r >= 0)
                r = sd_bus_message_append(reply, "t", next);
        if (r < 0)
                return r;
        return send_counted(m, call, reply, blob ? bytes.n : w.used);
}

static int method_get_plane_page(sd_bus_message *call, void *userdata, sd_bus_error *error) {
        return plane_page(call, userdata, false, error);
}

static int method_get_plane_blob(sd_bus_message *call, void *userdata, sd_bus_error *error) {
        return plane_page(call, userdata, true, error);
}

static int quiet_timeout(sd_event_source *s, uint64_t usec, void *userdata) {
        QuietWaiter *w = userdata;
        BusContext *m = w->ctx;

        quiet_waiter_unlink(m, w);
        (void) sd_bus_reply_method_errorf(w->call, IOREG_ERROR_TIMEOUT,
                                          "The registry did not become quiet in time (busy %u).",
                                          m->registry->root->busy);
        quiet_waiter_free(w);
        return 0;
}

static int method_wait_quiet(sd_bus_message *call, void *userdata, sd_bus_error *error) {
        BusContext *m = userdata;
        QuietWaiter *w;
        uint64_t timeout;
        int r;

        r = sd_bus_message_read(call, "t", &timeout);
        if (r < 0)
                return r;
        if (m->registry->root->busy == 0)
                return sd_bus_reply_method_return(call, NULL);
        if (timeout == 0)
                return sd_bus_error_setf(error, IOREG_ERROR_TIMEOUT, "The registry is busy (%u).",
                                         m->registry->root->busy);

        /* Held until the registry is quiet: a call in flight (bus-peers.h's quotas). */
        r = m->peers ? bus_peers_call_begin(m->peers, sd_bus_message_get_sender(call)) : 0;
        if (r < 0)
                return bus_peers_error_calls(error, r);
        w = calloc(1, sizeof(*w));
        if (!w) {
                if (m->peers)
                        bus_peers_call_end(m->peers, sd_bus_message_get_sender(call));
                return -ENOMEM;
        }
        w->ctx = m;
        w->counted = m->peers != NULL;
        w->call = sd_bus_message_ref(call);
        if (timeout != UINT64_MAX) {
                r = sd_event_add_time_relative(m->event, &w->timer, CLOCK_MONOTONIC, timeout, 0,
                                               quiet_timeout, w);
                if (r < 0) {
                        quiet_waiter_free(w);
                        return r;
                }
        }
        w->next = m->quiet_waiters;
        m->quiet_waiters = w;
        return 1; /* answered later */
}

void bus_registry_quiet_changed(BusContext *m) {
        if (m->registry->root->busy > 0)
                return;
        while (m->quiet_waiters) {
                QuietWaiter *w = m->quiet_waiters;

                m->quiet_waiters = w->next;
                (void) sd_bus_reply_method_return(w->call, NULL);
                quiet_waiter_free(w);
        }
}

void bus_registry_drop_waiters(BusContext *m) {
        while (m->quiet_waiters) {
                QuietWaiter *w = m->quiet_waiters;

                m->quiet_waiters = w->next;
                quiet_waiter_free(w);
        }
}

static int property_get_planes(sd_bus *bus, const char *path, const char *interface, const char *property,
                               sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        BusContext *m = userdata;
        int r;

        r = sd_bus_message_open_container(reply, 'a', "s");
        if (r < 0)
                return r;
        for (unsigned i = 0; i < m->registry->n_planes; i++) {
                r = sd_bus_message_append_basic(reply, 's', m->registry->planes[i]->name);
                if (r < 0)
                        return r;
        }
        return sd_bus_message_close_container(reply);
}

static int property_get_generation(sd_bus *bus, const char *path, const char *interface, const char *property,
                                   sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        BusContext *m = userdata;

        return sd_bus_message_append(reply, "t", m->registry->generation);
}

static int property_get_entries(sd_bus *bus, const char *path, const char *interface, const char *property,
                                sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        BusContext *m = userdata;

        return sd_bus_message_append(reply, "u", registry_n_entries(m->registry));
}

static int property_get_version(sd_bus *bus, const char *path, const char *interface, const char *property,
                                sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        return sd_bus_message_append(reply, "s", IOREG_VERSION);
}

/*
 * Every method is SD_BUS_VTABLE_UNPRIVILEGED: queries are for any caller, and
 * the privileged calls check the caller themselves (bus_polkit_check())
 * so that a refusal is org.ioreg.Error.AccessDenied with one rule, not
 * sd-bus's own CAP_SYS_ADMIN test.
 */
static const sd_bus_vtable registry_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("Version", "s", property_get_version, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Planes", "as", property_get_planes, 0, 0),
        SD_BUS_PROPERTY("Generation", "t", property_get_generation, 0, SD_BUS_VTABLE_PROPERTY_EMITS_INVALIDATION),
        SD_BUS_PROPERTY("Entries", "u", property_get_entries, 0, SD_BUS_VTABLE_PROPERTY_EMITS_INVALIDATION),
        SD_BUS_METHOD_WITH_ARGS("GetPlane",
                                SD_BUS_ARGS("s", plane),
                                SD_BUS_RESULT("a(" ENTRY_RECORD_SIGNATURE ")", entries),
                                method_get_plane, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("GetPlanePage",
                                SD_BUS_ARGS("s", plane, "t", cursor, "u", max_bytes),
                                SD_BUS_RESULT("t", generation, "a(" ENTRY_RECORD_SIGNATURE ")", entries, "t", next),
                                method_get_plane_page, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("GetPlaneBlob",
                                SD_BUS_ARGS("s", plane, "t", cursor, "u", max_bytes),
                                SD_BUS_RESULT("t", generation, "ay", records, "t", next),
                                method_get_plane_blob, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("WaitQuiet",
                                SD_BUS_ARGS("t", timeout_usec),
                                SD_BUS_NO_RESULT,
                                method_wait_quiet, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("GetRootEntry",
                                SD_BUS_NO_ARGS,
                                SD_BUS_RESULT("t", id),
                                bus_method_get_root_entry, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("EntryFromPath",
                                SD_BUS_ARGS("s", path),
                                SD_BUS_RESULT("t", id),
                                bus_method_entry_from_path, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("GetMatchingServices",
                                SD_BUS_ARGS("a{sv}", matching),
                                SD_BUS_RESULT("at", ids),
                                bus_method_get_matching_services, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("GetClassHierarchy",
                                SD_BUS_NO_ARGS,
                                SD_BUS_RESULT("a(ss)", classes),
                                bus_method_get_class_hierarchy, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("SetProperties",
                                SD_BUS_ARGS("t", id, "a{sv}", properties),
                                SD_BUS_NO_RESULT,
                                bus_method_set_properties, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("TerminateEntry",
                                SD_BUS_ARGS("t", id),
                                SD_BUS_RESULT("u", removed),
                                bus_method_terminate_entry, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("ReloadCatalogue",
                                SD_BUS_NO_ARGS,
                                SD_BUS_RESULT("u", personalities),
                                bus_method_reload_catalogue, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_VTABLE_END,
};

int bus_registry_register(BusContext *m) {
        int r;

        r = sd_bus_add_object_vtable(m->bus, NULL, IOREG_OBJECT_PATH, IOREG_INTERFACE, registry_vtable, m);
        if (r < 0)
                return log_error_errno(r, "Failed to register the registry object: %m");
        r = sd_bus_add_object_manager(m->bus, NULL, IOREG_OBJECT_PATH);
        if (r < 0)
                return log_error_errno(r, "Failed to add the object manager: %m");
        r = bus_entry_register(m);
        if (r < 0)
                return r;
        /* From here on, every entry that comes or goes is announced (manager.c's entry callback). */
        r = bus_announce_new(m->bus, m->event, &m->announce);
        if (r < 0)
                return log_error_errno(r, "Failed to set up InterfacesAdded/Removed: %m");
        return 0;
}
