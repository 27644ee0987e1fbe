/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ioreg-archive.c: `ioreg -a` (reference §4.2, IOKitTools' archive*()): an
 * XML plist, one dictionary per entry holding its properties (matching
 * entries only, or all with -l) and Apple's keys IORegistryEntryName,
 * IORegistryEntryLocation, IORegistryEntryID, IOObjectClass,
 * IOObjectInheritance (-i), IOObjectRetainCount and, for services,
 * IOServiceState, IOServiceBusyState, IOServiceBusyTime; children in
 * IORegistryEntryChildren. With -r the top level is an array of the matched
 * subtrees (with -t each wrapped in its ancestors). Keys are written sorted,
 * as CoreFoundation writes them.
 */

#include <plist/plist.h>
#include <stdlib.h>
#include <string.h>

#include "ioreg-print.h"

static plist_t plist_from_value(const Value *v);

static int compare_keys(const void *a, const void *b) {
        return strcmp(*(const char *const *) a, *(const char *const *) b);
}

/* Fills dict from v's keys in sorted order. */
static void dict_fill_sorted(plist_t dict, const Value *v) {
        size_t n = value_dict_size(v);
        const char **keys = calloc(n ?: 1, sizeof(char *));

        if (!keys)
                return;
        for (size_t i = 0; i < n; i++)
                keys[i] = value_dict_key_at(v, i);
        qsort(keys, n, sizeof(char *), compare_keys);
        for (size_t i = 0; i < n; i++)
                plist_dict_set_item(dict, keys[i], plist_from_value(value_dict_get(v, keys[i])));
        free(keys);
}

static plist_t plist_from_value(const Value *v) {
        switch (value_type(v)) {
        case VALUE_STRING:
                return plist_new_string(value_string(v, NULL));
        case VALUE_NUMBER:
                return plist_new_uint(value_unsigned(v));
        case VALUE_BOOLEAN:
                return plist_new_bool(value_boolean(v));
        case VALUE_DATA: {
                size_t len;
                const uint8_t *b = value_data(v, &len);

                return plist_new_data((const char *) b, len);
        }
        case VALUE_ARRAY: {
                plist_t a = plist_new_array();

                for (size_t i = 0; i < value_array_size(v); i++)
                        plist_array_append_item(a, plist_from_value(value_array_get(v, i)));
                return a;
        }
        case VALUE_DICTIONARY: {
                plist_t d = plist_new_dict();

                dict_fill_sorted(d, v);
                return d;
        }
        default:
                return plist_new_string("<unknown object>");
        }
}

/* archive(): one entry without its children. */
static plist_t archive_node(const IoregTree *t, size_t i, const IoregPrintOptions *o) {
        const IoregNode *n = &t->nodes[i];
        _cleanup_value_ Value *all = value_copy(ioreg_node_shows_properties(n, o) ? n->properties : NULL);
        plist_t d;

        if (!all)
                all = value_new_dictionary();
        if (!all)
                return NULL;
        (void) value_dict_set_take(all, "IORegistryEntryName", value_new_string(n->name));
        if (n->location)
                (void) value_dict_set_take(all, "IORegistryEntryLocation", value_new_string(n->location));
        (void) value_dict_set_take(all, "IORegistryEntryID", value_new_unsigned(n->id, 64));
        (void) value_dict_set_take(all, "IOObjectClass", value_new_string(n->classes && n->classes[0] ? n->classes[0] : "?"));
        if (o->inheritance) {
                _cleanup_free_ char *chain = NULL;
                size_t k = 0, len = 0;

                while (n->classes && n->classes[k])
                        len += strlen(n->classes[k++]) + 1;
                chain = calloc(len + 1, 1);
                if (chain)
                        for (size_t c = k; c > 0; c--) {
                                strcat(chain, n->classes[c - 1]);
                                if (c > 1)
                                        strcat(chain, ":");
                        }
                (void) value_dict_set_take(all, "IOObjectInheritance", value_new_string(chain ?: ""));
        }
        (void) value_dict_set_take(all, "IOObjectRetainCount", value_new_unsigned(n->retain, 32));
        if (ioreg_node_is_service(n)) {
                (void) value_dict_set_take(all, "IOServiceState", value_new_unsigned(n->state, 64));
                (void) value_dict_set_take(all, "IOServiceBusyState", value_new_unsigned(n->busy, 32));
                (void) value_dict_set_take(all, "IOServiceBusyTime", value_new_unsigned(n->busy_time_nsec, 64));
        }
        d = plist_new_dict();
        dict_fill_sorted(d, all);
        return d;
}

/* archive_scan(): i and its children down to the depth limit. */
static plist_t archive_scan(const IoregTree *t, size_t i, unsigned depth, unsigned limit, const IoregPrintOptions *o) {
        size_t end = ioreg_tree_subtree_end(t, i);
        plist_t d = archive_node(t, i, o), children;

        if (!d || !(limit == 0 || limit > depth + 1) || i + 1 >= end)
                return d;
        children = plist_new_array();
        for (size_t c = i + 1; c < end; c = ioreg_tree_subtree_end(t, c))
                plist_array_append_item(children, archive_scan(t, c, depth + 1, limit, o));
        plist_dict_set_item(d, "IORegistryEntryChildren", children);
        return d;
}

typedef struct Search {
        const IoregTree *t;
        const IoregPrintOptions *o;
        plist_t array; /* owned by the caller */
} Search;

static int archive_match(size_t i, void *userdata) {
        Search *s = userdata;
        unsigned depth = s->t->nodes[i].depth;
        plist_t d;

        if (!s->o->tree) {
                plist_array_append_item(s->array, archive_scan(s->t, i, 0, s->o->depth_limit, s->o));
                return 0;
        }
        d = archive_scan(s->t, i, depth, s->o->depth_limit ? s->o->depth_limit + depth : 0, s->o);
        /* Wrapped in its ancestors; as Apple's, each holds the next one itself, not in an array. */
        for (size_t a = ioreg_tree_parent(s->t, i); a != SIZE_MAX; a = ioreg_tree_parent(s->t, a)) {
                plist_t parent = archive_node(s->t, a, s->o);

                plist_dict_set_item(parent, "IORegistryEntryChildren", d);
                d = parent;
        }
        plist_array_append_item(s->array, d);
        return 0;
}

int ioreg_print_archive(FILE *f, const IoregTree *t, const IoregPrintOptions *o) {
        plist_t top = NULL;
        char *xml = NULL;
        uint32_t len = 0;

        if (t->n_nodes == 0)
                return 0;
        if (o->root) {
                Search s = { .t = t, .o = o, .array = plist_new_array() };

                (void) ioreg_search(t, o, archive_match, &s);
                top = s.array;
                if (plist_array_get_size(top) == 0) {
                        /* No match: Apple writes nothing at all. */
                        plist_free(top);
                        return 0;
                }
        } else
                top = archive_scan(t, 0, 0, o->depth_limit, o);
        plist_to_xml(top, &xml, &len);
        plist_free(top);
        if (!xml)
                return -ENOMEM;
        fwrite(xml, 1, len, f);
        free(xml);
        if (fflush(f) != 0 || ferror(f))
                return -EIO;
        return 0;
}
