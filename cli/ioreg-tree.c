/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* ioreg-tree.c: see ioreg-tree.h. */

#include <stdlib.h>
#include <string.h>

#include <ioreg/registry.h>

#include "ioreg-tree.h"
#include "registry.h"
#include "value-json.h"
#include "json-form.h"


static void ioreg_node_done(IoregNode *n) {
        free(n->name);
        free(n->location);
        strv_free(n->classes);
        json_decref(n->properties);
}

void ioreg_tree_done(IoregTree *t) {
        for (size_t i = 0; i < t->n_nodes; i++)
                ioreg_node_done(&t->nodes[i]);
        free(t->nodes);
        *t = (IoregTree) {};
}

bool ioreg_node_is_service(const IoregNode *n) {
        for (char **c = n->classes; c && *c; c++)
                if (streq(*c, "IOService"))
                        return true;
        return false;
}

size_t ioreg_tree_parent(const IoregTree *t, size_t i) {
        unsigned d = t->nodes[i].depth;

        while (i-- > 0)
                if (t->nodes[i].depth < d)
                        return i;
        return SIZE_MAX;
}

size_t ioreg_tree_subtree_end(const IoregTree *t, size_t i) {
        size_t j = i + 1;

        while (j < t->n_nodes && t->nodes[j].depth > t->nodes[i].depth)
                j++;
        return j;
}

static int node_from_entry(IoregNode *n, const Entry *e, const Plane *plane, unsigned depth) {
        const char *loc = entry_get_location(e, plane);
        size_t k = 0;

        n->id = e->id;
        n->depth = depth;
        n->name = strdup(entry_get_name(e, plane));
        n->location = loc ? strdup(loc) : NULL;
        for (const Class *c = e->klass; c; c = c->super)
                k++;
        n->classes = calloc(k + 1, sizeof(char *));
        if (!n->name || (loc && !n->location) || !n->classes)
                return -ENOMEM;
        k = 0;
        for (const Class *c = e->klass; c; c = c->super)
                if (!(n->classes[k++] = strdup(c->name)))
                        return -ENOMEM;
        n->state = e->state;
        n->busy = e->busy;
        n->busy_time_nsec = entry_busy_time_nsec(e);
        n->retain = entry_retain_count(e);
        n->properties = value_to_json(e->properties);
        return n->properties ? 0 : -ENOMEM;
}

/* Pre-order, an entry under each of its parents: as bus-registry.c's GetPlane. */
static int add_subtree(IoregTree *t, const Entry *e, const Plane *plane, unsigned depth) {
        Entry *const *children;
        unsigned n;
        int r;

        r = GROW(t->nodes, t->cap_nodes, t->n_nodes + 1);
        if (r < 0)
                return r;
        t->nodes[t->n_nodes] = (IoregNode) {};
        r = node_from_entry(&t->nodes[t->n_nodes++], e, plane, depth);
        if (r < 0)
                return r;
        children = entry_get_children(e, plane, &n);
        for (unsigned i = 0; i < n; i++) {
                r = add_subtree(t, children[i], plane, depth + 1);
                if (r < 0)
                        return r;
        }
        return 0;
}

int ioreg_tree_from_registry(const Registry *reg, const char *plane_name, IoregTree *ret) {
        const Plane *plane = registry_find_plane(reg, plane_name);
        IoregTree t = {};
        int r;

        if (!plane)
                return -ENXIO;
        r = add_subtree(&t, reg->root, plane, 0);
        if (r < 0) {
                ioreg_tree_done(&t);
                return r;
        }
        *ret = t;
        return 0;
}

/* One entry of ioreg_registry_create_plane()'s array. */
static int node_from_json(IoregNode *n, json_t *e) {
        json_t *location = json_object_get(e, "location"), *classes = json_object_get(e, "classes"); /* borrowed */
        json_t *klass; /* borrowed */
        uint64_t busy_time = 0;
        size_t i;

        n->id = (uint64_t) json_integer_value(json_object_get(e, "id"));
        n->depth = (unsigned) json_integer_value(json_object_get(e, "depth"));
        n->state = (uint32_t) json_integer_value(json_object_get(e, "state"));
        n->busy = (uint32_t) json_integer_value(json_object_get(e, "busy"));
        n->retain = (uint32_t) json_integer_value(json_object_get(e, "retain"));
        (void) json_form_get_unsigned(json_object_get(e, "busy_time_ns"), &busy_time);
        n->busy_time_nsec = busy_time;
        n->name = strdup(json_string_value(json_object_get(e, "name")) ?: "");
        n->location = location ? strdup(json_string_value(location) ?: "") : NULL;
        n->classes = calloc(json_array_size(classes) + 1, sizeof(char *));
        if (!n->name || (location && !n->location) || !n->classes)
                return -ENOMEM;
        json_array_foreach(classes, i, klass)
                if (!(n->classes[i] = strdup(json_string_value(klass) ?: "")))
                        return -ENOMEM;
        n->properties = json_incref(json_object_get(e, "properties"));
        return json_is_object(n->properties) ? 0 : -EBADMSG;
}

int ioreg_tree_fetch(const char *plane, int *ret_error, IoregTree *ret) {
        _cleanup_(ioreg_tree_done) IoregTree t = {};
        json_auto_t *entries = NULL;
        ioreg_return_t rr;
        json_t *e; /* borrowed */
        size_t i;
        int r;

        rr = ioreg_registry_create_plane(plane, &entries);
        if (rr != IOREG_RETURN_SUCCESS) {
                if (ret_error)
                        *ret_error = rr;
                /* The plane is the only argument. */
                return rr == IOREG_RETURN_BAD_ARGUMENT ? -ENXIO : -EIO;
        }
        r = GROW(t.nodes, t.cap_nodes, json_array_size(entries));
        if (r < 0)
                return r;
        json_array_foreach(entries, i, e) {
                t.nodes[t.n_nodes] = (IoregNode) {};
                r = node_from_json(&t.nodes[t.n_nodes++], e);
                if (r < 0)
                        return r;
        }
        *ret = t;
        t = (IoregTree) {};
        return 0;
}
