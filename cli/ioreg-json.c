/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ioreg-json.c: `ioreg -j`, the tree as JSON for scripts. The schema is
 * docs/ioreg-json.md; it is stable: fields are only ever added. Selection
 * follows the text output: -l/-c/-k/-n decide which entries carry
 * "properties", -r makes "entries" the matched subtrees, -d limits depth.
 * Property values are in the project's one JSON form, as libioreg hands
 * them out (json-form.h: data as {"$data": base64}, big unsigned numbers as
 * {"$unsigned": digits}); with -x every number is a "0x..." string instead,
 * as the text shows it. -L adds each entry's "linux" object (linux-facts.h).
 */

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>

#include "ioreg-print.h"
#include "json-form.h"
#include "linux-facts.h"

/*
 * -x: a copy of v with every number as a "0x..." string (an unsigned one above
 * INT64_MAX too), as the text shows them; data keeps its one form. NULL: ENOMEM.
 */
static json_t *hex_numbers(json_t *v) {
        char buf[24];

        switch (json_form_type(v)) {
        case JSON_FORM_NUMBER:
                snprintf(buf, sizeof(buf), "0x%llx", (unsigned long long) json_form_number(v));
                return json_string(buf);
        case JSON_FORM_ARRAY: {
                json_t *a = json_array(), *item; /* item borrowed */
                size_t i;

                json_array_foreach(v, i, item)
                        if (!a || json_array_append_new(a, hex_numbers(item)) < 0) {
                                json_decref(a);
                                return NULL;
                        }
                return a;
        }
        case JSON_FORM_DICTIONARY: {
                json_t *d = json_object(), *item; /* item borrowed */
                const char *key;

                json_object_foreach(v, key, item)
                        if (!d || json_object_set_new(d, key, hex_numbers(item)) < 0) {
                                json_decref(d);
                                return NULL;
                        }
                return d;
        }
        default:
                return json_incref(v);
        }
}

static json_t *json_node(const IoregTree *t, size_t i, const IoregPrintOptions *o) {
        const IoregNode *n = &t->nodes[i];
        json_t *node = json_object(), *classes = json_array();
        char id[24];

        if (!node || !classes) {
                json_decref(node);
                json_decref(classes);
                return NULL;
        }
        snprintf(id, sizeof(id), "0x%llx", (unsigned long long) n->id);
        json_object_set_new(node, "name", json_string(n->name));
        if (n->location)
                json_object_set_new(node, "location", json_string(n->location));
        json_object_set_new(node, "id", json_string(id));
        json_object_set_new(node, "class", json_string(n->classes && n->classes[0] ? n->classes[0] : "?"));
        for (char **c = n->classes; c && *c; c++)
                json_array_insert_new(classes, 0, json_string(*c));
        json_object_set_new(node, "inheritance", classes);
        json_object_set_new(node, "retain", json_integer(n->retain));
        if (ioreg_node_is_service(n)) {
                json_object_set_new(node, "state",
                                    json_pack("{sbsbsb}", "registered", (int) !!(n->state & 0x2), "matched",
                                              (int) !!(n->state & 0x4), "active", (int) !(n->state & 0x1)));
                json_object_set_new(node, "busy", json_integer(n->busy));
                json_object_set_new(node, "busy_time_ms", json_integer((json_int_t) (n->busy_time_nsec / 1000000)));
        }
        if (ioreg_node_shows_properties(n, o))
                json_object_set_new(node, "properties", o->hex ? hex_numbers(n->properties)
                                                               : json_incref(n->properties));
        if (o->linux_view) {
                LinuxFacts f;

                linux_facts_read(n->properties, true, &f);
                if (!linux_facts_empty(&f) || f.subsystem)
                        json_object_set_new(node, "linux", linux_facts_to_json(&f));
                linux_facts_done(&f);
        }
        return node;
}

static json_t *json_scan(const IoregTree *t, size_t i, unsigned depth, const IoregPrintOptions *o) {
        size_t end = ioreg_tree_subtree_end(t, i);
        json_t *node = json_node(t, i, o), *children;

        if (!node || !(o->depth_limit == 0 || o->depth_limit > depth + 1) || i + 1 >= end)
                return node;
        children = json_array();
        for (size_t c = i + 1; c < end; c = ioreg_tree_subtree_end(t, c))
                json_array_append_new(children, json_scan(t, c, depth + 1, o));
        json_object_set_new(node, "children", children);
        return node;
}

typedef struct Search {
        const IoregTree *t;
        const IoregPrintOptions *o;
        json_t *entries; /* borrowed */
} Search;

static int json_match(size_t i, void *userdata) {
        Search *s = userdata;

        return json_array_append_new(s->entries, json_scan(s->t, i, 0, s->o));
}

int ioreg_print_json(FILE *f, const IoregTree *t, const char *plane, const IoregPrintOptions *o) {
        json_t *top = json_object(), *entries = json_array();
        int r;

        if (!top || !entries) {
                json_decref(top);
                json_decref(entries);
                return -ENOMEM;
        }
        json_object_set_new(top, "schema", json_string("org.ioreg.tree/2"));
        json_object_set_new(top, "plane", json_string(plane));
        json_object_set_new(top, "entries", entries);
        if (t->n_nodes > 0) {
                if (o->root) {
                        Search s = { t, o, entries };

                        (void) ioreg_search(t, o, json_match, &s);
                } else
                        json_array_append_new(entries, json_scan(t, 0, 0, o));
        }
        r = json_dumpf(top, f, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        json_decref(top);
        if (r < 0 || fputc('\n', f) == EOF || fflush(f) != 0)
                return -EIO;
        return 0;
}
