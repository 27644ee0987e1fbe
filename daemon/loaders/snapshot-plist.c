/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * snapshot-plist.c: `ioreg -a` archives (XML or binary plists) back into a
 * Registry. Each node is a dictionary of the entry's properties plus
 * Apple's keys (IORegistryEntryName, IORegistryEntryLocation,
 * IORegistryEntryID, IOObjectClass, IOObjectInheritance,
 * IOObjectRetainCount, IOServiceState, IOServiceBusyState,
 * IOServiceBusyTime), children in IORegistryEntryChildren. The top level
 * is one node, or an array of subtrees (`-r`).
 */

#include <plist/plist.h>
#include <stdlib.h>
#include <string.h>

#include "bplist-check.h"
#include "snapshot.h"
#include "utf8.h"
#include "xplist-check.h"

static plist_t plist_free_null(plist_t p) {
        if (p)
                plist_free(p);
        return NULL;
}
DEFINE_TRIVIAL_CLEANUP_FUNC(plist_t, plist_free_null);

/* Keys ioreg adds to a node that are not properties of the entry. */
static const char *const archive_keys[] = {
        "IORegistryEntryName", "IORegistryEntryLocation", "IORegistryEntryID", "IOObjectClass",
        "IOObjectInheritance", "IOObjectRetainCount", "IOServiceState", "IOServiceBusyState",
        "IOServiceBusyTime", "IORegistryEntryChildren",
};

static bool is_archive_key(const char *key) {
        for (size_t i = 0; i < ELEMENTSOF(archive_keys); i++)
                if (streq(key, archive_keys[i]))
                        return true;
        return false;
}

/* A property value; *ret stays NULL for types the registry does not hold (real, date, uid). */
static int value_from_plist(plist_t p, Value **ret) {
        *ret = NULL;
        switch (plist_get_node_type(p)) {
        case PLIST_STRING: {
                uint64_t len = 0;
                const char *s = plist_get_string_ptr(p, &len);
                _cleanup_free_ char *repaired = NULL;

                /* A dump is shown, not matched: bytes that are not UTF-8 are repaired (utf8.h). */
                if (s && !utf8_is_valid(s, strnlen(s, len))) {
                        repaired = utf8_escape_invalid(s, strnlen(s, len));
                        if (!repaired)
                                return -ENOMEM;
                        s = repaired;
                }
                *ret = value_new_string(s);
                break;
        }
        case PLIST_BOOLEAN: {
                uint8_t b = 0;

                plist_get_bool_val(p, &b);
                *ret = value_new_boolean(b);
                break;
        }
        case PLIST_UINT: {
                uint64_t u = 0;

                /* libplist 2.2 keeps a negative integer as its two's complement: printed the same. */
                plist_get_uint_val(p, &u);
                *ret = value_new_unsigned(u, u > UINT32_MAX ? 64 : 32);
                break;
        }
        case PLIST_DATA: {
                uint64_t len = 0;
                const char *d = plist_get_data_ptr(p, &len);

                *ret = value_new_data(d, len);
                break;
        }
        case PLIST_ARRAY: {
                _cleanup_value_ Value *a = value_new_array();

                if (!a)
                        return -ENOMEM;
                for (uint32_t i = 0; i < plist_array_get_size(p); i++) {
                        Value *item;
                        int r = value_from_plist(plist_array_get_item(p, i), &item);

                        if (r < 0)
                                return r;
                        if (item && (r = value_array_append_take(a, item)) < 0)
                                return r;
                }
                *ret = TAKE_PTR(a);
                return 0;
        }
        case PLIST_DICT: {
                _cleanup_value_ Value *d = value_new_dictionary();
                plist_dict_iter it = NULL;

                if (!d)
                        return -ENOMEM;
                plist_dict_new_iter(p, &it);
                for (;;) {
                        _cleanup_free_ char *key = NULL;
                        plist_t item = NULL;
                        Value *v;
                        int r;

                        plist_dict_next_item(p, it, &key, &item);
                        if (!item)
                                break;
                        r = value_from_plist(item, &v);
                        if (r >= 0 && v)
                                r = value_dict_set_take(d, key, v);
                        if (r < 0) {
                                free(it);
                                return r;
                        }
                }
                free(it);
                *ret = TAKE_PTR(d);
                return 0;
        }
        default:
                return 0;
        }
        return *ret ? 0 : -ENOMEM;
}

static const char *dict_string(plist_t node, const char *key) {
        plist_t p = plist_dict_get_item(node, key);

        return p && plist_get_node_type(p) == PLIST_STRING ? plist_get_string_ptr(p, NULL) : NULL;
}

static bool dict_uint(plist_t node, const char *key, uint64_t *ret) {
        plist_t p = plist_dict_get_item(node, key);

        if (!p || plist_get_node_type(p) != PLIST_UINT)
                return false;
        plist_get_uint_val(p, ret);
        return true;
}

static int load_node(SnapshotBuilder *b, plist_t node, unsigned depth, SnapshotError *err) {
        _cleanup_value_ Value *props = NULL;
        SnapshotRecord rec = { .depth = depth };
        plist_t children;
        uint64_t v;
        int r;

        if (plist_get_node_type(node) != PLIST_DICT) {
                snprintf(err->message, sizeof(err->message), "a registry node is not a dictionary");
                return -EBADMSG;
        }
        rec.name = dict_string(node, "IORegistryEntryName");
        rec.class_name = dict_string(node, "IOObjectClass");
        if (!rec.name || !rec.class_name || !dict_uint(node, "IORegistryEntryID", &rec.id)) {
                snprintf(err->message, sizeof(err->message),
                         "a node lacks IORegistryEntryName, IOObjectClass or IORegistryEntryID");
                return -EBADMSG;
        }
        rec.location = dict_string(node, "IORegistryEntryLocation");
        if (dict_uint(node, "IOObjectRetainCount", &v))
                rec.retain = (uint32_t) v;
        if (dict_uint(node, "IOServiceState", &v)) {
                rec.is_service = true;
                rec.state = (uint32_t) v;
        }
        if (dict_uint(node, "IOServiceBusyState", &v))
                rec.busy = (uint32_t) v;
        if (dict_uint(node, "IOServiceBusyTime", &v))
                rec.busy_time_nsec = v;

        props = value_new_dictionary();
        if (!props)
                return -ENOMEM;
        {
                plist_dict_iter it = NULL;

                plist_dict_new_iter(node, &it);
                for (;;) {
                        _cleanup_free_ char *key = NULL;
                        plist_t item = NULL;
                        Value *pv;

                        plist_dict_next_item(node, it, &key, &item);
                        if (!item)
                                break;
                        if (is_archive_key(key))
                                continue;
                        r = value_from_plist(item, &pv);
                        if (r >= 0 && pv)
                                r = value_dict_set_take(props, key, pv);
                        if (r < 0) {
                                free(it);
                                return r;
                        }
                }
                free(it);
        }
        /* Only matching nodes carry properties in an archive: leave the others alone. */
        rec.properties = value_dict_size(props) > 0 ? props : NULL;
        r = snapshot_builder_add(b, &rec, err);
        if (r < 0)
                return r;

        children = plist_dict_get_item(node, "IORegistryEntryChildren");
        if (children && plist_get_node_type(children) == PLIST_ARRAY)
                for (uint32_t i = 0; i < plist_array_get_size(children); i++) {
                        r = load_node(b, plist_array_get_item(children, i), depth + 1, err);
                        if (r < 0)
                                return r;
                }
        return 0;
}

int snapshot_load_plist(Registry *reg, const Plane *plane, const char *data, size_t len, SnapshotError *err) {
        _cleanup_(plist_free_nullp) plist_t root = NULL;
        SnapshotError dummy;
        SnapshotBuilder b;
        int r = 0;

        if (!err)
                err = &dummy;
        if (len > UINT32_MAX)
                return -EFBIG;
        /* libplist 2.2 aborts on some binary plists that it accepts: screen them first (bplist-check.h). */
        if (bplist_is_binary(data, len)) {
                const char *reason;

                r = bplist_check(data, len, &reason);
                if (r == -ENOMEM)
                        return r;
                if (r < 0) {
                        snprintf(err->message, sizeof(err->message), "not a valid binary property list: %s", reason);
                        return -EBADMSG;
                }
        } else {
                const char *reason;

                /* libplist's XML reader recurses per element: bounded first (xplist-check.h). */
                if (xplist_check(data, len, &reason) < 0) {
                        snprintf(err->message, sizeof(err->message), "not a usable XML property list: %s", reason);
                        return -EBADMSG;
                }
        }
        plist_from_memory(data, (uint32_t) len, &root);
        if (!root) {
                snprintf(err->message, sizeof(err->message), "not a valid property list");
                return -EBADMSG;
        }
        snapshot_builder_init(&b, reg, plane);
        if (plist_get_node_type(root) == PLIST_ARRAY) {
                /* -r: the matched subtrees, each from depth 0. */
                for (uint32_t i = 0; i < plist_array_get_size(root) && r >= 0; i++)
                        r = load_node(&b, plist_array_get_item(root, i), 0, err);
        } else
                r = load_node(&b, root, 0, err);
        snapshot_builder_done(&b);
        return r;
}
