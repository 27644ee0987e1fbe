/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* ioreg-explain.c: see ioreg-explain.h. */

#include <errno.h>
#include <string.h>

#include <ioreg/service.h>

#include "ioreg-explain.h"
#include "macro.h"
#include "json-form.h"


static bool selection_given(const IoregPrintOptions *o) {
        return o->class_name || o->key || o->name;
}

static void print_header(FILE *f, const IoregNode *n) {
        fprintf(f, "%s  <class %s, id 0x%llx>\n", n->name, n->classes && n->classes[0] ? n->classes[0] : "?",
                (unsigned long long) n->id);
}

int ioreg_explain_from_daemon(void *userdata _unused_, uint64_t id, json_t **ret) {
        ioreg_return_t rr = ioreg_catalogue_explain(id, ret);

        if (rr != IOREG_RETURN_SUCCESS) {
                fprintf(stderr, "ioreg: cannot explain 0x%llx: %s\n", (unsigned long long) id,
                        ioreg_return_string(rr));
                return -EIO;
        }
        return 0;
}

/* Prints one entry's candidates; 0 candidates prints nothing unless asked for by name. */
static int explain_node(FILE *f, const IoregNode *n, bool always, IoregExplainSource source, void *userdata) {
        json_auto_t *candidates = NULL;
        json_t *c; /* borrowed */
        size_t i;
        int r;

        r = source(userdata, n->id, &candidates);
        if (r < 0)
                return r;
        json_array_foreach(candidates, i, c) {
                const char *outcome = json_string_value(json_object_get(c, "outcome")) ?: "?";
                const char *key = json_string_value(json_object_get(c, "failed_key")) ?: "";
                uint64_t driver = 0;

                (void) json_form_get_unsigned(json_object_get(c, "driver"), &driver);
                if (i == 0)
                        print_header(f, n);
                fprintf(f, "  %-14s", outcome);
                if (streq(outcome, "no-match"))
                        fprintf(f, " %8s %8s", "-", "-");
                else
                        fprintf(f, " %8d %8d", (int) json_integer_value(json_object_get(c, "passive_score")),
                                (int) json_integer_value(json_object_get(c, "probe_score")));
                fprintf(f, "  %-24s \"%s\" (%s)", json_string_value(json_object_get(c, "category")) ?: "",
                        json_string_value(json_object_get(c, "name")) ?: "",
                        json_string_value(json_object_get(c, "bundle")) ?: "");
                if (key[0])
                        fprintf(f, " failed at %s", key);
                else if (driver)
                        fprintf(f, " %s 0x%llx", streq(outcome, "winner") ? "started" : "held by",
                                (unsigned long long) driver);
                fputc('\n', f);
        }
        if (json_array_size(candidates) == 0 && always) {
                print_header(f, n);
                fprintf(f, "  no candidate personalities\n");
        }
        return 0;
}

/*
 * -j: one object, {"schema": "org.ioreg.explain/1", "entries": [{"id", "name", "class",
 * "candidates": [what the source answers, as ioreg_catalogue_explain() hands it out]}]}.
 */
static int explain_json(FILE *f, const IoregTree *t, const IoregPrintOptions *o, IoregExplainSource source,
                        void *userdata) {
        json_auto_t *top = json_pack("{s:s, s:[]}", "schema", "org.ioreg.explain/1", "entries");
        json_t *entries = json_object_get(top, "entries"); /* borrowed */
        bool selected = selection_given(o);

        if (!top)
                return -ENOMEM;
        for (size_t i = 0; i < t->n_nodes; i++) {
                const IoregNode *n = &t->nodes[i];
                json_t *candidates = NULL; /* owned until packed */
                char id[24];
                int r;

                if (selected ? !ioreg_node_matches(n, o) : !ioreg_node_is_service(n))
                        continue;
                r = source(userdata, n->id, &candidates);
                if (r < 0)
                        return r;
                if (json_array_size(candidates) == 0 && !selected) {
                        json_decref(candidates);
                        continue;
                }
                snprintf(id, sizeof(id), "0x%llx", (unsigned long long) n->id);
                if (json_array_append_new(entries, json_pack("{s:s, s:s, s:s, s:o}", "id", id, "name", n->name,
                                                             "class", n->classes && n->classes[0] ? n->classes[0] : "?",
                                                             "candidates", candidates)) < 0)
                        return -ENOMEM;
        }
        if (json_dumpf(top, f, JSON_INDENT(2) | JSON_PRESERVE_ORDER) < 0 || fputc('\n', f) == EOF)
                return -EIO;
        return 0;
}

int ioreg_explain(FILE *f, const IoregTree *t, const IoregPrintOptions *o, IoregExplainSource source,
                  void *userdata, bool json) {
        bool selected = selection_given(o);
        int ret = 0;

        if (json)
                return explain_json(f, t, o, source, userdata);
        fprintf(f, "  %-14s %8s %8s  %-24s %s\n", "OUTCOME", "PASSIVE", "PROBE", "CATEGORY", "PERSONALITY");
        for (size_t i = 0; i < t->n_nodes; i++) {
                const IoregNode *n = &t->nodes[i];
                int r;

                if (selected ? !ioreg_node_matches(n, o) : !ioreg_node_is_service(n))
                        continue;
                r = explain_node(f, n, selected, source, userdata);
                if (r < 0 && ret == 0)
                        ret = r;
        }
        return ret;
}
