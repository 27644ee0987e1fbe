/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* registry.c: IORegistry* calls: the root, paths, names, navigation. */

#include <stdlib.h>
#include <string.h>

#include "lib-internal.h"
#include "protocol.h"

/* An entry object from a call answering one ID ("t"). */
static ioreg_registry_entry_t entry_from_call(const char *member, const char *types, const char *arg) {
        _cleanup_bus_unlock_ sd_bus *bus = NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        uint64_t id, run;
        LibEntry *e;

        if (lib_bus_lock(&bus) != IOREG_RETURN_SUCCESS)
                return NULL;
        if (lib_call(bus, &reply, &run, IOREG_OBJECT_PATH, IOREG_INTERFACE, member, types, arg) !=
                    IOREG_RETURN_SUCCESS ||
            sd_bus_message_read_basic(reply, 't', &id) <= 0)
                return NULL;
        e = lib_entry_new(id, run);
        return e ? &e->base : NULL;
}

ioreg_registry_entry_t ioreg_registry_get_root_entry(void) {
        return entry_from_call("GetRootEntry", NULL, NULL);
}

ioreg_registry_entry_t ioreg_registry_entry_from_path(const char *path) {
        if (!path)
                return NULL;
        return entry_from_call("EntryFromPath", "s", path);
}

ioreg_registry_entry_t ioreg_registry_entry_copy_from_path(const char *path) {
        return ioreg_registry_entry_from_path(path);
}

/*
 * e's last state: the places its notification carried, else (a daemon that sends none) the name
 * its notification carried. NO_DEVICE when no notification told anything.
 */
static ioreg_return_t last_state(const LibEntry *e, const char *member, const char *plane, char **ret) {
        if (e->places)
                return lib_entry_place(e, member, plane, ret);
        if (!plane && streq(member, "GetName")) {
                *ret = lib_entry_notified_field(e, 1);
                if (*ret)
                        return IOREG_RETURN_SUCCESS;
        }
        return IOREG_RETURN_NO_DEVICE;
}

/* Whether a call that failed with rr failed because the daemon no longer has e (or is another run). */
static bool entry_gone(sd_bus *bus, LibEntry *e, ioreg_return_t rr) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;

        if (rr == IOREG_RETURN_NO_DEVICE)
                return true;
        if (rr != IOREG_RETURN_NOT_FOUND)
                return false;
        /* NOT_FOUND is also "no location here": GetName answers for every entry the daemon has. */
        rr = lib_entry_call(bus, e, &reply, "GetName", "s", "");
        return rr == IOREG_RETURN_NOT_FOUND || rr == IOREG_RETURN_NO_DEVICE;
}

/* An Entry1 method taking a plane and answering a string (GetName, GetLocation, GetPath), into a new string. */
static ioreg_return_t entry_string(ioreg_registry_entry_t entry, const char *member, const char *plane, char **ret) {
        _cleanup_bus_unlock_ sd_bus *bus = NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        LibEntry *e = lib_entry_cast(entry);
        ioreg_return_t rr, last;
        const char *s;
        int r;

        if (!e)
                return IOREG_RETURN_BAD_ARGUMENT;
        /* A terminated service answers from its last state (the daemon forgot it; its notification told us). */
        if (e->last_properties) {
                last = last_state(e, member, plane, ret);
                if (last != IOREG_RETURN_NO_DEVICE)
                        return last;
        }
        rr = lib_bus_lock(&bus);
        if (rr != IOREG_RETURN_SUCCESS)
                return rr;
        rr = lib_entry_call(bus, e, &reply, member, "s", plane ? plane : "");
        /* Gone since its notification (published and terminated at once): the state it had then. */
        if (rr != IOREG_RETURN_SUCCESS && (e->places || e->key) && entry_gone(bus, e, rr)) {
                last = last_state(e, member, plane, ret);
                if (last != IOREG_RETURN_NO_DEVICE)
                        return last;
        }
        if (rr != IOREG_RETURN_SUCCESS)
                return rr;
        r = sd_bus_message_read_basic(reply, 's', &s);
        if (r < 0)
                return lib_return_from_errno(r);
        *ret = strdup(s);
        return *ret ? IOREG_RETURN_SUCCESS : IOREG_RETURN_NO_MEMORY;
}

static ioreg_return_t entry_string_into(ioreg_registry_entry_t entry, const char *member, const char *plane,
                                        char *buf, size_t size) {
        _cleanup_free_ char *s = NULL;
        ioreg_return_t rr;

        if (!buf)
                return IOREG_RETURN_BAD_ARGUMENT;
        rr = entry_string(entry, member, plane, &s);
        if (rr != IOREG_RETURN_SUCCESS)
                return rr;
        lib_strlcpy(buf, s, size);
        return IOREG_RETURN_SUCCESS;
}

ioreg_return_t ioreg_registry_entry_get_name(ioreg_registry_entry_t entry, ioreg_name_t name) {
        return entry_string_into(entry, "GetName", NULL, name, IOREG_NAME_MAX);
}

ioreg_return_t ioreg_registry_entry_get_name_in_plane(ioreg_registry_entry_t entry, const char *plane,
                                                      ioreg_name_t name) {
        return entry_string_into(entry, "GetName", plane, name, IOREG_NAME_MAX);
}

ioreg_return_t ioreg_registry_entry_get_location_in_plane(ioreg_registry_entry_t entry, const char *plane,
                                                          ioreg_name_t location) {
        return entry_string_into(entry, "GetLocation", plane, location, IOREG_NAME_MAX);
}

ioreg_return_t ioreg_registry_entry_get_path(ioreg_registry_entry_t entry, const char *plane, ioreg_string_t path) {
        _cleanup_free_ char *s = NULL;
        ioreg_return_t rr;

        if (!path || !plane)
                return IOREG_RETURN_BAD_ARGUMENT;
        rr = entry_string(entry, "GetPath", plane, &s);
        if (rr != IOREG_RETURN_SUCCESS)
                return rr;
        /* A cut path would name another entry: IOKitLib refuses too. */
        if (strlen(s) >= IOREG_STRING_MAX)
                return IOREG_RETURN_BAD_ARGUMENT;
        strcpy(path, s);
        return IOREG_RETURN_SUCCESS;
}

char *ioreg_registry_entry_copy_path(ioreg_registry_entry_t entry, const char *plane) {
        char *s = NULL;

        if (!plane)
                return NULL;
        return entry_string(entry, "GetPath", plane, &s) == IOREG_RETURN_SUCCESS ? s : NULL;
}

ioreg_return_t ioreg_registry_entry_get_registry_entry_id(ioreg_registry_entry_t entry, uint64_t *entry_id) {
        LibEntry *e = lib_entry_cast(entry);

        if (!e || !entry_id)
                return IOREG_RETURN_BAD_ARGUMENT;
        *entry_id = e->id;
        return IOREG_RETURN_SUCCESS;
}

int ioreg_registry_entry_in_plane(ioreg_registry_entry_t entry, const char *plane) {
        _cleanup_bus_unlock_ sd_bus *bus = NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        LibEntry *e = lib_entry_cast(entry);
        int b = 0;

        if (!e || !plane || lib_bus_lock(&bus) != IOREG_RETURN_SUCCESS)
                return 0;
        if (lib_entry_call(bus, e, &reply, "InPlane", "s", plane) != IOREG_RETURN_SUCCESS ||
            sd_bus_message_read_basic(reply, 'b', &b) < 0)
                return 0;
        return !!b;
}

/* GetParents or GetChildren of entry in plane, as IDs of entry's run. */
static ioreg_return_t entry_relatives(ioreg_registry_entry_t entry, const char *member, const char *plane,
                                      uint64_t **ret_ids, size_t *ret_n, uint64_t *ret_run) {
        _cleanup_bus_unlock_ sd_bus *bus = NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        LibEntry *e = lib_entry_cast(entry);
        ioreg_return_t rr;
        int r;

        if (!e || !plane)
                return IOREG_RETURN_BAD_ARGUMENT;
        rr = lib_bus_lock(&bus);
        if (rr != IOREG_RETURN_SUCCESS)
                return rr;
        rr = lib_entry_call(bus, e, &reply, member, "s", plane);
        if (rr != IOREG_RETURN_SUCCESS)
                return rr;
        r = lib_read_ids(reply, ret_ids, ret_n);
        if (r < 0)
                return lib_return_from_errno(r);
        *ret_run = atomic_load(&e->run);
        return IOREG_RETURN_SUCCESS;
}

static ioreg_return_t relatives_iterator(ioreg_registry_entry_t entry, const char *member, const char *plane,
                                         ioreg_iterator_t *iterator) {
        uint64_t *ids, run;
        size_t n;
        ioreg_return_t rr;
        LibIterator *it;

        if (!iterator)
                return IOREG_RETURN_BAD_ARGUMENT;
        rr = entry_relatives(entry, member, plane, &ids, &n, &run);
        if (rr != IOREG_RETURN_SUCCESS)
                return rr;
        it = lib_iterator_new(ids, n, run);
        if (!it)
                return IOREG_RETURN_NO_MEMORY;
        *iterator = &it->base;
        return IOREG_RETURN_SUCCESS;
}

static ioreg_return_t first_relative(ioreg_registry_entry_t entry, const char *member, const char *plane,
                                     ioreg_registry_entry_t *ret) {
        _cleanup_free_ uint64_t *ids = NULL;
        uint64_t run;
        size_t n;
        ioreg_return_t rr;
        LibEntry *e;

        if (!ret)
                return IOREG_RETURN_BAD_ARGUMENT;
        rr = entry_relatives(entry, member, plane, &ids, &n, &run);
        if (rr != IOREG_RETURN_SUCCESS)
                return rr;
        if (n == 0)
                return IOREG_RETURN_NOT_FOUND;
        e = lib_entry_new(ids[0], run);
        if (!e)
                return IOREG_RETURN_NO_MEMORY;
        *ret = &e->base;
        return IOREG_RETURN_SUCCESS;
}

ioreg_return_t ioreg_registry_entry_get_parent_entry(ioreg_registry_entry_t entry, const char *plane,
                                                     ioreg_registry_entry_t *parent) {
        return first_relative(entry, "GetParents", plane, parent);
}

ioreg_return_t ioreg_registry_entry_get_child_entry(ioreg_registry_entry_t entry, const char *plane,
                                                    ioreg_registry_entry_t *child) {
        return first_relative(entry, "GetChildren", plane, child);
}

ioreg_return_t ioreg_registry_entry_get_parent_iterator(ioreg_registry_entry_t entry, const char *plane,
                                                        ioreg_iterator_t *iterator) {
        return relatives_iterator(entry, "GetParents", plane, iterator);
}

ioreg_return_t ioreg_registry_entry_get_child_iterator(ioreg_registry_entry_t entry, const char *plane,
                                                       ioreg_iterator_t *iterator) {
        return relatives_iterator(entry, "GetChildren", plane, iterator);
}
