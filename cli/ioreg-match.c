/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* ioreg-match.c: which entries -c, -k and -n select, and the -r search (IOKitTools' compare() and search()). */

#include <stdlib.h>
#include <string.h>

#include "ioreg-print.h"

static bool conforms(const IoregNode *n, const char *class_name, bool no_dext) {
        json_t *user = no_dext ? NULL : json_object_get(n->properties, "IOUserClasses"); /* borrowed */
        json_t *user_class;                                                                 /* borrowed */
        size_t i;

        /* A DriverKit service answers with its user-space classes, unless -y. */
        if (json_is_array(user)) {
                json_array_foreach(user, i, user_class)
                        if (json_is_string(user_class) && streq(json_string_value(user_class), class_name))
                                return true;
                return false;
        }
        for (char **c = n->classes; c && *c; c++)
                if (streq(*c, class_name))
                        return true;
        return false;
}

static bool name_matches(const IoregNode *n, const char *name) {
        size_t len = strlen(n->name);

        /* With '@' in the argument, compare against name@location ("name@" without one). */
        if (!strchr(name, '@'))
                return streq(n->name, name);
        return strncmp(name, n->name, len) == 0 && name[len] == '@' && streq(name + len + 1, n->location ?: "");
}

bool ioreg_node_matches(const IoregNode *n, const IoregPrintOptions *o) {
        bool match = false;

        if (o->class_name) {
                if (!conforms(n, o->class_name, o->no_dext_classes))
                        return false;
                match = true;
        }
        if (o->key) {
                if (!json_object_get(n->properties, o->key))
                        return false;
                match = true;
        }
        if (o->name) {
                if (!name_matches(n, o->name))
                        return false;
                match = true;
        }
        return match;
}

static int search(const IoregTree *t, size_t i, unsigned matched_depth, const IoregPrintOptions *o,
                  int (*found)(size_t i, void *userdata), void *userdata) {
        unsigned depth = t->nodes[i].depth;
        size_t end = ioreg_tree_subtree_end(t, i);
        int r;

        /* A match inside a subtree already shown (within its -d) is not shown again. */
        if (matched_depth < depth + 1 && ioreg_node_matches(&t->nodes[i], o)) {
                matched_depth = o->depth_limit ? depth + o->depth_limit : UINT32_MAX;
                r = found(i, userdata);
                if (r < 0)
                        return r;
        }
        for (size_t c = i + 1; c < end; c = ioreg_tree_subtree_end(t, c)) {
                r = search(t, c, matched_depth, o, found, userdata);
                if (r < 0)
                        return r;
        }
        return 0;
}

int ioreg_search(const IoregTree *t, const IoregPrintOptions *o, int (*found)(size_t i, void *userdata),
                 void *userdata) {
        if (t->n_nodes == 0)
                return 0;
        return search(t, 0, 0, o, found, userdata);
}
