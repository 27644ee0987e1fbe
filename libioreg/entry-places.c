/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * entry-places.c: where a notified entry is (its name, location and path in each plane), as
 * the notification carried it, so that a terminated service keeps answering them.
 */

#include <errno.h>
#include <string.h>

#include "lib-internal.h"

int lib_places_read(sd_bus_message *m, json_t **ret) {
        json_auto_t *places = NULL;
        const char *plane, *name, *location, *path;
        int r;

        *ret = NULL;
        /* A daemon older than the places argument sends none: nothing to keep. */
        r = sd_bus_message_peek_type(m, NULL, NULL);
        if (r <= 0)
                return r;
        r = sd_bus_message_enter_container(m, 'a', "(ssss)");
        if (r <= 0)
                return r;
        places = json_object();
        if (!places)
                return -ENOMEM;
        while ((r = sd_bus_message_read(m, "(ssss)", &plane, &name, &location, &path)) > 0) {
                json_t *one = json_pack("{s:s, s:s, s:s}", "name", name, "location", location, "path", path);

                if (!one || json_object_set_new(places, plane, one) < 0)
                        return -ENOMEM;
        }
        if (r < 0)
                return r;
        r = sd_bus_message_exit_container(m);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(places);
        return 0;
}

/* The field of plane's place, or of the entry's global one ("") when the plane has none and fall_back. */
static const char *place_field(const json_t *places, const char *plane, const char *field, bool fall_back) {
        json_t *p = json_object_get(places, plane ?: ""); /* borrowed */

        if (!p && fall_back)
                p = json_object_get(places, "");
        return json_string_value(json_object_get(p, field));
}

ioreg_return_t lib_entry_place(const LibEntry *e, const char *member, const char *plane, char **ret) {
        const char *s;

        if (!e->places)
                return IOREG_RETURN_NO_DEVICE;
        /* Every plane of the registry is there: another name is none (the daemon's NoSuchPlane). */
        if (plane && *plane && !json_object_get(e->places, plane))
                return IOREG_RETURN_BAD_ARGUMENT;
        if (streq(member, "GetName"))
                /* As GetName: the plane's name, else the global one (a plane the entry was not in too). */
                s = place_field(e->places, plane, "name", true);
        else if (streq(member, "GetLocation"))
                s = place_field(e->places, plane, "location", true);
        else if (streq(member, "GetPath")) {
                if (!plane || !*plane)
                        return IOREG_RETURN_BAD_ARGUMENT; /* a path is in a plane */
                /* "" in a plane it was not in: IORegistryEntryGetPath fails there. */
                s = place_field(e->places, plane, "path", false);
        }
        else
                return IOREG_RETURN_UNSUPPORTED;
        if (!s || !*s)
                return IOREG_RETURN_NOT_FOUND;
        *ret = strdup(s);
        return *ret ? IOREG_RETURN_SUCCESS : IOREG_RETURN_NO_MEMORY;
}
