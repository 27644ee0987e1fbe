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
#include "json-form.h"

static plist_t plist_from_json(json_t *v);

static int compare_keys(const void *a, const void *b) {
        return strcmp(*(const char *const *) a, *(const char *const *) b);
}

#define CHILDREN_KEY "IORegistryEntryChildren"

/*
 * Fills dict from v's keys in sorted order; children (taken, may be NULL)
 * goes in at its own key's sorted place, as in Apple's XML.
 */
static void dict_fill_sorted(plist_t dict, json_t *v, plist_t children) {
        _cleanup_free_ const char **keys = calloc(json_object_size(v) + 1, sizeof(char *));
        const char *key;
        json_t *item; /* borrowed */
        size_t n = 0;

        if (!keys) {
                plist_free(children);
                return;
        }
        json_object_foreach(v, key, item)
                if (!children || !streq(key, CHILDREN_KEY))
                        keys[n++] = key;
        if (children)
                keys[n++] = CHILDREN_KEY;
        qsort(keys, n, sizeof(char *), compare_keys);
        for (size_t i = 0; i < n; i++)
                plist_dict_set_item(dict, keys[i],
                                    children && streq(keys[i], CHILDREN_KEY) ? children
                                                                            : plist_from_json(json_object_get(v, keys[i])));
}

static plist_t plist_from_json(json_t *v) {
        switch (json_form_type(v)) {
        case JSON_FORM_STRING:
                return plist_new_string(json_string_value(v));
        case JSON_FORM_NUMBER:
                return plist_new_uint(json_form_number(v));
        case JSON_FORM_BOOLEAN:
                return plist_new_bool(json_is_true(v));
        case JSON_FORM_DATA: {
                _cleanup_free_ uint8_t *b = NULL;
                size_t len;

                if (json_form_get_data(v, &b, &len) < 0)
                        break;
                return plist_new_data((const char *) b, len);
        }
        case JSON_FORM_ARRAY: {
                plist_t a = plist_new_array();
                json_t *item; /* borrowed */
                size_t i;

                json_array_foreach(v, i, item)
                        plist_array_append_item(a, plist_from_json(item));
                return a;
        }
        case JSON_FORM_DICTIONARY: {
                plist_t d = plist_new_dict();

                dict_fill_sorted(d, v, NULL);
                return d;
        }
        default:
                break;
        }
        return plist_new_string("<unknown object>");
}

/* archive(): one entry, with children (taken, NULL for none) under IORegistryEntryChildren. */
static plist_t archive_node(const IoregTree *t, size_t i, const IoregPrintOptions *o, plist_t children) {
        const IoregNode *n = &t->nodes[i];
        json_auto_t *all = ioreg_node_shows_properties(n, o) ? json_copy(n->properties) : json_object();
        plist_t d;

        if (!all) {
                plist_free(children);
                return NULL;
        }
        /* o: a new reference, taken (a NULL one fails the call and is left out, as before). */
        (void) json_object_set_new(all, "IORegistryEntryName", json_string(n->name));
        if (n->location)
                (void) json_object_set_new(all, "IORegistryEntryLocation", json_string(n->location));
        (void) json_object_set_new(all, "IORegistryEntryID", json_form_unsigned(n->id));
        (void) json_object_set_new(all, "IOObjectClass",
                                   json_string(n->classes && n->classes[0] ? n->classes[0] : "?"));
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
                (void) json_object_set_new(all, "IOObjectInheritance", json_string(chain ?: ""));
        }
        (void) json_object_set_new(all, "IOObjectRetainCount", json_integer(n->retain));
        if (ioreg_node_is_service(n)) {
                (void) json_object_set_new(all, "IOServiceState", json_form_unsigned(n->state));
                (void) json_object_set_new(all, "IOServiceBusyState", json_integer(n->busy));
                (void) json_object_set_new(all, "IOServiceBusyTime", json_form_unsigned(n->busy_time_nsec));
        }
        d = plist_new_dict();
        dict_fill_sorted(d, all, children);
        return d;
}

/* archive_scan(): i and its children down to the depth limit. */
static plist_t archive_scan(const IoregTree *t, size_t i, unsigned depth, unsigned limit, const IoregPrintOptions *o) {
        size_t end = ioreg_tree_subtree_end(t, i);
        plist_t children = NULL;

        if ((limit == 0 || limit > depth + 1) && i + 1 < end) {
                children = plist_new_array();
                for (size_t c = i + 1; c < end; c = ioreg_tree_subtree_end(t, c))
                        plist_array_append_item(children, archive_scan(t, c, depth + 1, limit, o));
        }
        return archive_node(t, i, o, children);
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
        for (size_t a = ioreg_tree_parent(s->t, i); a != SIZE_MAX; a = ioreg_tree_parent(s->t, a))
                d = archive_node(s->t, a, s->o, d);
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
