/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* bus-catalogue.c: see bus-catalogue.h. */

#include "bus-catalogue.h"
#include "log.h"

static int property_get_size(sd_bus *bus, const char *path, const char *interface, const char *property,
                             sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        BusContext *m = userdata;

        return sd_bus_message_append(reply, "u", m->catalogue ? catalogue_size(m->catalogue) : 0u);
}

static int property_get_generation(sd_bus *bus, const char *path, const char *interface, const char *property,
                                   sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        BusContext *m = userdata;

        return sd_bus_message_append(reply, "t", m->catalogue ? catalogue_generation(m->catalogue) : UINT64_C(0));
}

static int append_item(sd_bus_message *reply, const ExplainItem *x) {
        const Personality *p = x->personality;

        /* A kernel driver's item: its name, and its class as the bundle (matcher.h). */
        return sd_bus_message_append(reply, "(" EXPLAIN_RECORD_SIGNATURE ")", p ? p->name : x->kernel_driver,
                                     p ? p->bundle_id ?: "" : KERNEL_DRIVER_CLASS, p ? p->source ?: "" : "",
                                     explain_outcome_to_string(x->outcome), x->failed_key ?: "", x->passive_score,
                                     x->probe_score, x->driver_id, x->category);
}

static int method_explain(sd_bus_message *call, void *userdata, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        BusContext *m = userdata;
        ExplainItem *items = NULL;
        unsigned n = 0;
        uint64_t id;
        Entry *e;
        int r;

        r = sd_bus_message_read(call, "t", &id);
        if (r < 0)
                return r;
        if (!m->matcher)
                return sd_bus_error_set(error, IOREG_ERROR_NOT_SUPPORTED, "This daemon does no matching.");
        e = registry_get_entry(m->registry, id);
        if (!e)
                return sd_bus_error_setf(error, IOREG_ERROR_NO_SUCH_ENTRY, "No entry with ID 0x%llx.",
                                         (unsigned long long) id);
        r = matcher_explain(m->matcher, e, &items, &n);
        if (r < 0)
                return r;
        r = sd_bus_message_new_method_return(call, &reply);
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'a', "(" EXPLAIN_RECORD_SIGNATURE ")");
        for (unsigned i = 0; r >= 0 && i < n; i++)
                r = append_item(reply, &items[i]);
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        explain_items_free(items, n);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

static const sd_bus_vtable catalogue_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("Personalities", "u", property_get_size, 0, 0),
        SD_BUS_PROPERTY("Generation", "t", property_get_generation, 0, 0),
        SD_BUS_METHOD_WITH_ARGS("Explain",
                                SD_BUS_ARGS("t", id),
                                SD_BUS_RESULT("a(" EXPLAIN_RECORD_SIGNATURE ")", candidates),
                                method_explain, SD_BUS_VTABLE_UNPRIVILEGED), /* a query: any caller */
        SD_BUS_VTABLE_END,
};

int bus_catalogue_register(BusContext *m) {
        int r;

        r = sd_bus_add_object_vtable(m->bus, NULL, IOREG_OBJECT_PATH, IOREG_CATALOGUE_INTERFACE, catalogue_vtable, m);
        if (r < 0)
                return log_error_errno(r, "Failed to register the catalogue interface: %m");
        return 0;
}
