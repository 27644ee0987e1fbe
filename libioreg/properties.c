/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * properties.c: property values as JSON (json-form.h's form, where data is
 * {"$data": base64} and never a string), read and written over D-Bus.
 */

#include <stdlib.h>

#include "lib-internal.h"
#include "protocol.h"
#include "wire-json.h"

ioreg_return_t lib_matching_check(json_t *j) {
        int r;

        if (!json_is_object(j))
                return IOREG_RETURN_BAD_ARGUMENT;
        r = wire_json_check(j);
        return r < 0 ? lib_return_from_errno(r) : IOREG_RETURN_SUCCESS;
}

ioreg_return_t ioreg_registry_entry_create_properties(ioreg_registry_entry_t entry, json_t **properties,
                                                      uint32_t options) {
        _cleanup_bus_unlock_ sd_bus *bus = NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        LibEntry *e = lib_entry_cast(entry);
        ioreg_return_t rr;
        int r;

        if (!e || !properties || options != 0)
                return IOREG_RETURN_BAD_ARGUMENT;
        *properties = NULL;
        /* A terminated service the port delivered: what it had last, as the kernel keeps the object. */
        if (e->last_properties) {
                *properties = json_deep_copy(e->last_properties);
                return *properties ? IOREG_RETURN_SUCCESS : IOREG_RETURN_NO_MEMORY;
        }
        rr = lib_bus_lock(&bus);
        if (rr != IOREG_RETURN_SUCCESS)
                return rr;
        rr = lib_entry_get_property(bus, e, "Properties", "a{sv}", &reply);
        if (rr != IOREG_RETURN_SUCCESS)
                return rr;
        r = wire_json_read_dict(reply, properties);
        return r < 0 ? lib_return_from_errno(r) : IOREG_RETURN_SUCCESS;
}

json_t *ioreg_registry_entry_copy_notification_properties(ioreg_registry_entry_t entry) {
        LibEntry *e = lib_entry_cast(entry);
        json_t *props; /* borrowed */

        if (!e)
                return NULL;
        props = e->notified_properties ? e->notified_properties : e->last_properties;
        return props ? json_deep_copy(props) : NULL;
}

json_t *ioreg_registry_entry_search_property(ioreg_registry_entry_t entry, const char *plane, const char *key,
                                             uint32_t options) {
        _cleanup_bus_unlock_ sd_bus *bus = NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        LibEntry *e = lib_entry_cast(entry);
        json_t *v = NULL;

        if (!e || !key)
                return NULL;
        if (e->last_properties && !(options & IOREG_REGISTRY_ITERATE_RECURSIVELY)) {
                json_t *j = json_object_get(e->last_properties, key);

                return j ? json_deep_copy(j) : NULL;
        }
        if (lib_bus_lock(&bus) != IOREG_RETURN_SUCCESS)
                return NULL;
        if (lib_entry_call(bus, e, &reply, "SearchProperty", "ssu", key, plane ? plane : "", options) !=
                    IOREG_RETURN_SUCCESS ||
            wire_json_read_variant(reply, &v) < 0)
                return NULL;
        return v;
}

json_t *ioreg_registry_entry_create_property(ioreg_registry_entry_t entry, const char *key, uint32_t options) {
        if (options != 0)
                return NULL;
        return ioreg_registry_entry_search_property(entry, NULL, key, 0);
}

ioreg_return_t ioreg_registry_entry_set_properties(ioreg_registry_entry_t entry, json_t *properties) {
        _cleanup_bus_unlock_ sd_bus *bus = NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        LibEntry *e = lib_entry_cast(entry);
        ioreg_return_t rr;
        uint64_t run;
        int r;

        if (!e || !json_is_object(properties))
                return IOREG_RETURN_BAD_ARGUMENT;
        rr = lib_matching_check(properties);
        if (rr != IOREG_RETURN_SUCCESS)
                return rr;
        rr = lib_bus_lock(&bus);
        if (rr != IOREG_RETURN_SUCCESS)
                return rr;
        r = sd_bus_message_new_method_call(bus, &m, IOREG_BUS_NAME, IOREG_OBJECT_PATH, IOREG_INTERFACE,
                                           "SetProperties");
        if (r >= 0)
                r = sd_bus_message_append_basic(m, 't', &e->id);
        if (r >= 0)
                r = wire_json_append_dict(m, properties);
        if (r < 0)
                return lib_return_from_errno(r);
        rr = lib_call_message(bus, m, NULL, &run);
        if (rr == IOREG_RETURN_SUCCESS && run != atomic_load(&e->run))
                return IOREG_RETURN_NO_DEVICE; /* (the daemon of another run changed its entry of that ID) */
        return rr;
}

ioreg_return_t ioreg_registry_entry_set_property(ioreg_registry_entry_t entry, const char *key, json_t *value) {
        json_auto_t *d = NULL;

        if (!key || !value)
                return IOREG_RETURN_BAD_ARGUMENT;
        d = json_object();
        if (!d || json_object_set(d, key, value) < 0)
                return IOREG_RETURN_NO_MEMORY;
        return ioreg_registry_entry_set_properties(entry, d);
}
