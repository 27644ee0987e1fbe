/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* catalogue.c: the matcher's verdicts on an entry's candidate personalities (Catalogue1.Explain). */

#include "lib-internal.h"
#include "protocol.h"
#include "wire-json.h"

ioreg_return_t ioreg_catalogue_explain(uint64_t entry_id, json_t **candidates) {
        _cleanup_bus_unlock_ sd_bus *bus = NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        const char *name, *bundle, *source, *outcome, *key, *category;
        json_auto_t *a = NULL;
        int32_t passive, probe;
        uint64_t driver;
        ioreg_return_t rr;
        int r;

        if (!candidates)
                return IOREG_RETURN_BAD_ARGUMENT;
        a = json_array();
        if (!a)
                return IOREG_RETURN_NO_MEMORY;
        rr = lib_bus_lock(&bus);
        if (rr != IOREG_RETURN_SUCCESS)
                return rr;
        rr = lib_call(bus, &reply, NULL, IOREG_OBJECT_PATH, IOREG_CATALOGUE_INTERFACE, "Explain", "t", entry_id);
        if (rr != IOREG_RETURN_SUCCESS)
                return rr;
        r = sd_bus_message_enter_container(reply, 'a', "(sssssiits)");
        while (r >= 0 && (r = sd_bus_message_read(reply, "(sssssiits)", &name, &bundle, &source, &outcome, &key,
                                                  &passive, &probe, &driver, &category)) > 0) {
                json_t *c = json_pack("{s:s, s:s, s:s, s:s, s:s, s:i, s:i, s:o, s:s}", "name", name, "bundle", bundle,
                                      "source", source, "outcome", outcome, "failed_key", key, "passive_score",
                                      (int) passive, "probe_score", (int) probe, "driver", json_form_unsigned(driver),
                                      "category", category);

                if (!c || json_array_append_new(a, c) < 0)
                        r = -ENOMEM;
        }
        if (r < 0)
                return lib_return_from_errno(r);
        *candidates = TAKE_PTR(a);
        return IOREG_RETURN_SUCCESS;
}
