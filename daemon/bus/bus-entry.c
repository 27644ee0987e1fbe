/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* bus-entry.c: see bus-entry.h. */

#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bus-entry.h"
#include "bus-errors.h"
#include "bus-restricted.h"
#include "bus-value.h"
#include "registry-iterator.h"
#include "registry-path.h"
#include "log.h"

char *bus_entry_path(uint64_t id, char buf[static BUS_ENTRY_PATH_MAX]) {
        (void) snprintf(buf, BUS_ENTRY_PATH_MAX, IOREG_ENTRY_PATH_PREFIX "/%016" PRIx64, id);
        return buf;
}

int bus_entry_id_from_path(const char *path, uint64_t *ret) {
        const char *p;
        uint64_t id = 0;

        if (strncmp(path, IOREG_ENTRY_PATH_PREFIX "/", sizeof(IOREG_ENTRY_PATH_PREFIX)) != 0)
                return -EINVAL;
        p = path + sizeof(IOREG_ENTRY_PATH_PREFIX);
        /* One spelling per ID: exactly 16 lowercase digits, so paths compare as strings. */
        for (unsigned i = 0; i < 16; i++) {
                char c = p[i];

                if (c >= '0' && c <= '9')
                        id = id << 4 | (uint64_t) (c - '0');
                else if (c >= 'a' && c <= 'f')
                        id = id << 4 | (uint64_t) (c - 'a' + 10);
                else
                        return -EINVAL;
        }
        if (p[16] != '\0')
                return -EINVAL;
        *ret = id;
        return 0;
}

static int entry_find(sd_bus *bus, const char *path, const char *interface, void *userdata, void **ret_found,
                      sd_bus_error *error) {
        BusContext *m = userdata;
        uint64_t id;
        Entry *e;

        if (bus_entry_id_from_path(path, &id) < 0)
                return 0; /* not ours: the caller gets UnknownObject */
        e = registry_get_entry(m->registry, id);
        if (!e)
                return 0;
        *ret_found = e; /* borrowed: handlers run before anything can remove it */
        return 1;
}

static int entry_enumerate(sd_bus *bus, const char *prefix, void *userdata, char ***ret_nodes,
                           sd_bus_error *error) {
        BusContext *m = userdata;
        unsigned n = registry_n_entries(m->registry), k = 0;
        char **nodes;
        void *v;

        nodes = calloc(n + 1, sizeof(char *));
        if (!nodes)
                return -ENOMEM;
        for (unsigned i = 0; k < n && hashmap_next(&m->registry->by_id, &i, NULL, &v);) {
                char buf[BUS_ENTRY_PATH_MAX];

                nodes[k] = strdup(bus_entry_path(((Entry *) v)->id, buf));
                if (!nodes[k]) {
                        strv_free(nodes);
                        return -ENOMEM;
                }
                k++;
        }
        *ret_nodes = nodes; /* sd-bus frees the strv */
        return 0;
}

/* --- properties --- */

static int property_get_class(sd_bus *bus, const char *path, const char *interface, const char *property,
                              sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Entry *e = userdata;

        return sd_bus_message_append_basic(reply, 's', e->klass->name);
}

static int property_get_class_chain(sd_bus *bus, const char *path, const char *interface, const char *property,
                                    sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Entry *e = userdata;
        int r;

        r = sd_bus_message_open_container(reply, 'a', "s");
        if (r < 0)
                return r;
        for (const Class *c = e->klass; c; c = c->super) {
                r = sd_bus_message_append_basic(reply, 's', c->name);
                if (r < 0)
                        return r;
        }
        return sd_bus_message_close_container(reply);
}

static int property_get_name(sd_bus *bus, const char *path, const char *interface, const char *property,
                             sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Entry *e = userdata;

        return sd_bus_message_append_basic(reply, 's', entry_get_name(e, NULL));
}

static int property_get_location(sd_bus *bus, const char *path, const char *interface, const char *property,
                                 sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Entry *e = userdata;

        return sd_bus_message_append_basic(reply, 's', entry_get_location(e, NULL) ?: "");
}

static int property_get_busy_time(sd_bus *bus, const char *path, const char *interface, const char *property,
                                  sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Entry *e = userdata;

        return sd_bus_message_append(reply, "t", entry_busy_time_nsec(e));
}

static int property_get_retain(sd_bus *bus, const char *path, const char *interface, const char *property,
                               sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Entry *e = userdata;

        return sd_bus_message_append(reply, "u", entry_retain_count(e));
}

/* The BusContext's limit, from bus_entry_register() (the property getters see the entry only). */
static uint64_t max_message = BUS_DEFAULT_MAX_MESSAGE;

static int property_get_properties(sd_bus *bus, const char *path, const char *interface, const char *property,
                                   sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Entry *e = userdata;

        /* A table too large for one message is refused, not sent (the bus would drop the daemon). */
        if (bus_dict_wire_size(e->properties) > max_message - 4096)
                return sd_bus_error_setf(error, IOREG_ERROR_LIMITS_EXCEEDED,
                                         "The properties of 0x%" PRIx64 " do not fit one message; read them "
                                         "with GetPlanePage.", e->id);
        return bus_append_entry_properties(reply, e->properties);
}

/* --- methods --- */

/* Reads the plane argument of a per-entry call. */
static int read_plane(sd_bus_message *call, Entry *e, bool allow_none, const Plane **ret, sd_bus_error *error) {
        const char *name;
        int r;

        r = sd_bus_message_read(call, "s", &name);
        if (r < 0)
                return r;
        return bus_find_plane(e->registry, name, allow_none, ret, error);
}

static int method_get_name(sd_bus_message *call, void *userdata, sd_bus_error *error) {
        Entry *e = userdata;
        const Plane *plane;
        int r;

        r = read_plane(call, e, true, &plane, error);
        if (r < 0)
                return r;
        return sd_bus_reply_method_return(call, "s", entry_get_name(e, plane));
}

static int method_get_location(sd_bus_message *call, void *userdata, sd_bus_error *error) {
        Entry *e = userdata;
        const Plane *plane;
        const char *loc;
        int r;

        r = read_plane(call, e, true, &plane, error);
        if (r < 0)
                return r;
        loc = entry_get_location(e, plane);
        /* IORegistryEntryGetLocationInPlane: kIOReturnNotFound when there is none. */
        if (!loc)
                return sd_bus_error_setf(error, IOREG_ERROR_NOT_FOUND, "Entry 0x%" PRIx64 " has no location%s%s.",
                                         e->id, plane ? " in " : "", plane ? plane->name : "");
        return sd_bus_reply_method_return(call, "s", loc);
}

static int method_get_path(sd_bus_message *call, void *userdata, sd_bus_error *error) {
        _cleanup_free_ char *path = NULL;
        Entry *e = userdata;
        const Plane *plane;
        int r;

        r = read_plane(call, e, false, &plane, error);
        if (r < 0)
                return r;
        r = registry_entry_get_path(e->registry, e, plane, &path);
        if (r == -ENOENT)
                return sd_bus_error_setf(error, IOREG_ERROR_NOT_FOUND, "Entry 0x%" PRIx64 " has no path in %s.",
                                         e->id, plane->name);
        if (r < 0)
                return bus_error_set_errno(error, r, "Cannot build the path");
        return sd_bus_reply_method_return(call, "s", path);
}

static int reply_ids(sd_bus_message *call, Entry *const *entries, unsigned n) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        int r;

        r = sd_bus_message_new_method_return(call, &reply);
        if (r < 0)
                return r;
        r = sd_bus_message_open_container(reply, 'a', "t");
        for (unsigned i = 0; r >= 0 && i < n; i++)
                r = sd_bus_message_append_basic(reply, 't', &entries[i]->id);
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

static int method_get_parents(sd_bus_message *call, void *userdata, sd_bus_error *error) {
        Entry *e = userdata;
        Entry *const *parents;
        const Plane *plane;
        unsigned n;
        int r;

        r = read_plane(call, e, false, &plane, error);
        if (r < 0)
                return r;
        parents = entry_get_parents(e, plane, &n);
        return reply_ids(call, parents, n);
}

static int method_get_children(sd_bus_message *call, void *userdata, sd_bus_error *error) {
        Entry *e = userdata;
        Entry *const *children;
        const Plane *plane;
        unsigned n;
        int r;

        r = read_plane(call, e, false, &plane, error);
        if (r < 0)
                return r;
        children = entry_get_children(e, plane, &n);
        return reply_ids(call, children, n);
}

static int method_in_plane(sd_bus_message *call, void *userdata, sd_bus_error *error) {
        Entry *e = userdata;
        const Plane *plane;
        int r;

        r = read_plane(call, e, false, &plane, error);
        if (r < 0)
                return r;
        return sd_bus_reply_method_return(call, "b", (int) entry_in_plane(e, plane));
}

static int method_conforms_to(sd_bus_message *call, void *userdata, sd_bus_error *error) {
        Entry *e = userdata;
        const char *name;
        int r;

        r = sd_bus_message_read(call, "s", &name);
        if (r < 0)
                return r;
        r = bus_check_string("class name", name, BUS_MAX_NAME, error);
        if (r < 0)
                return r;
        return sd_bus_reply_method_return(call, "b", (int) entry_conforms_to(e, name));
}

#define SEARCH_OPTIONS (REGISTRY_ITERATE_RECURSIVELY | REGISTRY_ITERATE_PARENTS)

static int method_search_property(sd_bus_message *call, void *userdata, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        const char *key, *plane_name;
        Entry *e = userdata;
        const Plane *plane;
        uint32_t options;
        Value *v;
        int r;

        r = sd_bus_message_read(call, "ssu", &key, &plane_name, &options);
        if (r < 0)
                return r;
        r = bus_check_string("key", key, BUS_MAX_NAME, error);
        if (r < 0)
                return r;
        if (options & ~(uint32_t) SEARCH_OPTIONS)
                return sd_bus_error_setf(error, IOREG_ERROR_INVALID_ARGUMENT,
                                         "Unknown search options 0x%x (0x1 recursively, 0x2 parents).",
                                         options & ~(uint32_t) SEARCH_OPTIONS);
        /* Apple's search needs a plane only to recurse; without recursion "" is fine. */
        r = bus_find_plane(e->registry, plane_name, !(options & REGISTRY_ITERATE_RECURSIVELY), &plane, error);
        if (r < 0)
                return r;
        v = registry_search_property(e->registry, e, key, plane, options);
        if (!v)
                return sd_bus_error_setf(error, IOREG_ERROR_NOT_FOUND, "No property '%s' found from entry 0x%" PRIx64 ".",
                                         key, e->id);
        r = sd_bus_message_new_method_return(call, &reply);
        if (r < 0)
                return r;
        r = bus_message_append_variant(reply, v);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

static const sd_bus_vtable entry_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("ID", "t", NULL, offsetof(Entry, id), SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Class", "s", property_get_class, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("ClassChain", "as", property_get_class_chain, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Name", "s", property_get_name, 0, 0),
        SD_BUS_PROPERTY("Location", "s", property_get_location, 0, 0),
        SD_BUS_PROPERTY("State", "u", NULL, offsetof(Entry, state), 0),
        SD_BUS_PROPERTY("Busy", "u", NULL, offsetof(Entry, busy), 0),
        SD_BUS_PROPERTY("BusyTime", "t", property_get_busy_time, 0, 0),
        SD_BUS_PROPERTY("RetainCount", "u", property_get_retain, 0, 0),
        /* Explicit: not in GetAll, InterfacesAdded nor GetManagedObjects, which would hold every table. */
        SD_BUS_PROPERTY("Properties", "a{sv}", property_get_properties, 0, SD_BUS_VTABLE_PROPERTY_EXPLICIT),
        SD_BUS_METHOD_WITH_ARGS("GetName", SD_BUS_ARGS("s", plane), SD_BUS_RESULT("s", name), method_get_name, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("GetLocation", SD_BUS_ARGS("s", plane), SD_BUS_RESULT("s", location),
                                method_get_location, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("GetPath", SD_BUS_ARGS("s", plane), SD_BUS_RESULT("s", path), method_get_path, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("GetParents", SD_BUS_ARGS("s", plane), SD_BUS_RESULT("at", ids),
                                method_get_parents, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("GetChildren", SD_BUS_ARGS("s", plane), SD_BUS_RESULT("at", ids),
                                method_get_children, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("InPlane", SD_BUS_ARGS("s", plane), SD_BUS_RESULT("b", in_plane),
                                method_in_plane, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("ConformsTo", SD_BUS_ARGS("s", class_name), SD_BUS_RESULT("b", conforms),
                                method_conforms_to, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("SearchProperty", SD_BUS_ARGS("s", key, "s", plane, "u", options),
                                SD_BUS_RESULT("v", value), method_search_property, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_VTABLE_END,
};

int bus_entry_register(BusContext *m) {
        int r;

        if (m->max_message_bytes)
                max_message = m->max_message_bytes;
        r = sd_bus_add_fallback_vtable(m->bus, NULL, IOREG_ENTRY_PATH_PREFIX, IOREG_ENTRY_INTERFACE, entry_vtable,
                                       entry_find, m);
        if (r < 0)
                return log_error_errno(r, "Failed to register the entry objects: %m");
        r = sd_bus_add_node_enumerator(m->bus, NULL, IOREG_ENTRY_PATH_PREFIX, entry_enumerate, m);
        if (r < 0)
                return log_error_errno(r, "Failed to register the entry enumerator: %m");
        return 0;
}
