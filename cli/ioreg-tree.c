/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* ioreg-tree.c: see ioreg-tree.h. */

#include <stdlib.h>
#include <string.h>
#include <systemd/sd-bus.h>

#include "bus-value.h"
#include "ioreg-tree.h"
#include "registry.h"
#include "protocol.h"


static void ioreg_node_done(IoregNode *n) {
        free(n->name);
        free(n->location);
        strv_free(n->classes);
        value_unref(n->properties);
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
        n->properties = value_ref(e->properties);
        return 0;
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

static int read_node(sd_bus_message *reply, IoregNode *n) {
        const char *name, *location;
        int r;

        r = sd_bus_message_read(reply, "tuss", &n->id, &n->depth, &name, &location);
        if (r < 0)
                return r;
        n->name = strdup(name);
        n->location = *location ? strdup(location) : NULL;
        if (!n->name || (*location && !n->location))
                return -ENOMEM;
        r = sd_bus_message_read_strv(reply, &n->classes);
        if (r < 0)
                return r;
        r = sd_bus_message_read(reply, "uutu", &n->state, &n->busy, &n->busy_time_nsec, &n->retain);
        if (r < 0)
                return r;
        return bus_message_read_dict(reply, &n->properties);
}

int ioreg_tree_fetch(sd_bus *bus, const char *plane, IoregTree *ret, char **ret_error) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        IoregTree t = {};
        int r;

        r = sd_bus_call_method(bus, IOREG_BUS_NAME, IOREG_OBJECT_PATH, IOREG_INTERFACE, "GetPlane", &error,
                               &reply, "s", plane);
        if (r < 0) {
                if (ret_error && error.message)
                        *ret_error = strdup(error.message);
                return sd_bus_error_has_name(&error, IOREG_ERROR_NO_SUCH_PLANE) ? -ENXIO : r;
        }
        r = sd_bus_message_enter_container(reply, 'a', "(tussasuutua{sv})");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_enter_container(reply, 'r', "tussasuutua{sv}")) > 0) {
                r = GROW(t.nodes, t.cap_nodes, t.n_nodes + 1);
                if (r < 0)
                        goto fail;
                t.nodes[t.n_nodes] = (IoregNode) {};
                r = read_node(reply, &t.nodes[t.n_nodes++]);
                if (r < 0)
                        goto fail;
                r = sd_bus_message_exit_container(reply);
                if (r < 0)
                        goto fail;
        }
        if (r < 0)
                goto fail;
        *ret = t;
        return 0;
fail:
        ioreg_tree_done(&t);
        return r;
}
