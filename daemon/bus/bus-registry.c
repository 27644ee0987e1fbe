/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* bus-registry.c: see bus-registry.h. */

#include <assert.h>
#include <stdlib.h>

#include "bus-admin.h"
#include "bus-announce.h"
#include "bus-entry.h"
#include "bus-query.h"
#include "bus-registry.h"
#include "bus-restricted.h"
#include "bus-value.h"
#include "registry-diagnostics.h"
#include "log.h"

/* The record GetPlane returns per entry; see the interface XML for the field meanings. */
#define ENTRY_RECORD_SIGNATURE "tussasuutua{sv}"

struct QuietWaiter {
        BusContext *ctx;        /* weak: the bus context outlives us */
        sd_bus_message *call;    /* owned reference: answered once quiet or timed out */
        sd_event_source *timer;  /* owned, NULL without a timeout */
        QuietWaiter *next;       /* owned by the list */
};

static QuietWaiter *quiet_waiter_free(QuietWaiter *w) {
        if (!w)
                return NULL;
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

static int append_entry_record(sd_bus_message *reply, const Entry *e, const Plane *plane, unsigned depth) {
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
        r = bus_append_entry_properties(reply, e->properties);
        if (r < 0)
                return r;
        return sd_bus_message_close_container(reply);
}

/*
 * Pre-order, children in attach order. An entry with several parents is
 * listed under each of them, as ioreg's own child-iterator walk shows it.
 * Depth is bounded by the tree: attach refuses cycles.
 */
static int append_subtree(sd_bus_message *reply, const Entry *e, const Plane *plane, unsigned depth) {
        Entry *const *children;
        unsigned n;
        int r;

        r = append_entry_record(reply, e, plane, depth);
        if (r < 0)
                return r;
        children = entry_get_children(e, plane, &n);
        for (unsigned i = 0; i < n; i++) {
                r = append_subtree(reply, children[i], plane, depth + 1);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int method_get_plane(sd_bus_message *call, void *userdata, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        BusContext *m = userdata;
        Registry *reg = m->registry;
        const Plane *plane;
        const char *name;
        int r;

        r = sd_bus_message_read(call, "s", &name);
        if (r < 0)
                return r;
        r = bus_find_plane(reg, name, false, &plane, error);
        if (r < 0)
                return r;
        /* Root's class counts, as of now (ioclasscount reads them). */
        r = registry_update_diagnostics(reg);
        if (r < 0)
                return r;

        r = sd_bus_message_new_method_return(call, &reply);
        if (r < 0)
                return r;
        r = sd_bus_message_open_container(reply, 'a', "(" ENTRY_RECORD_SIGNATURE ")");
        if (r < 0)
                return r;
        /* From Root: the client rebuilds the tree from the depths. */
        r = append_subtree(reply, reg->root, plane, 0);
        if (r < 0)
                return r;
        r = sd_bus_message_close_container(reply);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
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

        w = calloc(1, sizeof(*w));
        if (!w)
                return -ENOMEM;
        w->ctx = m;
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
