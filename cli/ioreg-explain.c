/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* ioreg-explain.c: see ioreg-explain.h. */

#include <errno.h>
#include <string.h>

#include "ioreg-explain.h"
#include "macro.h"
#include "protocol.h"


static bool selection_given(const IoregPrintOptions *o) {
        return o->class_name || o->key || o->name;
}

/* Prints one entry's candidates; 0 candidates prints nothing unless asked for by name. */
static int explain_node(FILE *f, sd_bus *bus, const IoregNode *n, bool always) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        const char *name, *bundle, *source, *outcome, *key, *category;
        int32_t passive, probe;
        uint64_t driver;
        bool header = false;
        int r;

        r = sd_bus_call_method(bus, IOREG_BUS_NAME, IOREG_OBJECT_PATH, IOREG_CATALOGUE_INTERFACE, "Explain", &error,
                               &reply, "t", n->id);
        if (r < 0) {
                fprintf(stderr, "ioreg: cannot explain 0x%llx: %s\n", (unsigned long long) n->id,
                        error.message ?: strerror(-r));
                return r;
        }
        r = sd_bus_message_enter_container(reply, 'a', "(sssssiits)");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_read(reply, "(sssssiits)", &name, &bundle, &source, &outcome, &key, &passive,
                                        &probe, &driver, &category)) > 0) {
                if (!header) {
                        fprintf(f, "%s  <class %s, id 0x%llx>\n", n->name, n->classes && n->classes[0] ? n->classes[0] : "?",
                                (unsigned long long) n->id);
                        header = true;
                }
                fprintf(f, "  %-14s", outcome);
                if (streq(outcome, "no-match"))
                        fprintf(f, " %8s %8s", "-", "-");
                else
                        fprintf(f, " %8d %8d", passive, probe);
                fprintf(f, "  %-24s \"%s\" (%s)", category, name, bundle);
                if (key[0])
                        fprintf(f, " failed at %s", key);
                else if (driver)
                        fprintf(f, " %s 0x%llx", streq(outcome, "winner") ? "started" : "held by",
                                (unsigned long long) driver);
                fputc('\n', f);
        }
        if (r < 0)
                return r;
        if (!header && always)
                fprintf(f, "%s  <class %s, id 0x%llx>\n  no candidate personalities\n", n->name,
                        n->classes && n->classes[0] ? n->classes[0] : "?", (unsigned long long) n->id);
        return 0;
}

int ioreg_explain(FILE *f, sd_bus *bus, const IoregTree *t, const IoregPrintOptions *o) {
        bool selected = selection_given(o);
        int ret = 0;

        fprintf(f, "  %-14s %8s %8s  %-24s %s\n", "OUTCOME", "PASSIVE", "PROBE", "CATEGORY", "PERSONALITY");
        for (size_t i = 0; i < t->n_nodes; i++) {
                const IoregNode *n = &t->nodes[i];
                int r;

                if (selected ? !ioreg_node_matches(n, o) : !ioreg_node_is_service(n))
                        continue;
                r = explain_node(f, bus, n, selected);
                if (r < 0 && ret == 0)
                        ret = r;
        }
        return ret;
}
