/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* match-passive.c: see match-passive.h. */

#include <assert.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "match-family.h"
#include "match-passive.h"
#include "registry-path.h"

_hot_ int32_t match_table_probe_score(const Value *table) {
        Value *v = value_dict_get(table, "IOProbeScore");

        if (!v || value_type(v) != VALUE_NUMBER)
                return 0;
        /* Signed 32-bit, as OSNumber::unsigned32BitValue() cast to SInt32. */
        return (int32_t) (uint32_t) value_unsigned(v);
}

_hot_ void match_result_init(MatchResult *res, const Value *table) {
        *res = (MatchResult) { .score = match_table_probe_score(table) };
}

bool match_glob_any(const Value *patterns, const char *s) {
        if (!patterns || !s)
                return false;
        if (value_type(patterns) == VALUE_STRING)
                return fnmatch(value_string(patterns, NULL), s, 0) == 0;
        if (value_type(patterns) != VALUE_ARRAY)
                return false;
        for (size_t i = 0; i < value_array_size(patterns); i++) {
                Value *p = value_array_get(patterns, i);

                if (value_type(p) == VALUE_STRING && fnmatch(value_string(p, NULL), s, 0) == 0)
                        return true;
        }
        return false;
}

/* One name against a pattern; a trailing '*' matches any suffix (IODTCompareNubName). */
_hot_ static bool name_equal(const char *pattern, const char *name, size_t name_len) {
        size_t n = strlen(pattern);

        if (n > 0 && pattern[n - 1] == '*')
                return name_len >= n - 1 && strncmp(pattern, name, n - 1) == 0;
        return n == name_len && strncmp(pattern, name, n) == 0;
}

/* A property holding NUL-separated names (data or string), as device-tree nubs carry them. */
_hot_ static bool name_in_list_property(const Entry *e, const char *key, const char *pattern) {
        Value *v = entry_get_property(e, key);
        const char *p;
        size_t len;

        if (!v)
                return false;
        if (value_type(v) == VALUE_STRING)
                p = value_string(v, &len);
        else if (value_type(v) == VALUE_DATA)
                p = (const char *) value_data(v, &len);
        else
                return false;
        while (len > 0) {
                size_t l = strnlen(p, len);

                if (l > 0 && name_equal(pattern, p, l))
                        return true;
                if (l == len)
                        break;
                p += l + 1;
                len -= l + 1;
        }
        return false;
}

static const char *const name_list_keys[] = { "name", "compatible", "device_type", "model" };

_hot_ static bool name_matches(Registry *reg, const Entry *e, const char *pattern) {
        const char *name = entry_get_name(e, reg->service_plane);

        if (name_equal(pattern, name, strlen(name)))
                return true;
        for (size_t i = 0; i < ELEMENTSOF(name_list_keys); i++)
                if (name_in_list_property(e, name_list_keys[i], pattern))
                        return true;
        return false;
}

_hot_ int match_name_candidates(Registry *reg, const Entry *e, bool (*fn)(const char *name, void *userdata),
                                void *userdata) {
        if (fn(entry_get_name(e, reg->service_plane), userdata))
                return 0;
        for (size_t i = 0; i < ELEMENTSOF(name_list_keys); i++) {
                Value *v = entry_get_property(e, name_list_keys[i]);
                const char *p;
                size_t len;

                if (!v)
                        continue;
                if (value_type(v) == VALUE_STRING)
                        p = value_string(v, &len);
                else if (value_type(v) == VALUE_DATA)
                        p = (const char *) value_data(v, &len);
                else
                        continue;
                /* As name_in_list_property(): NUL-separated, empty names skipped. */
                while (len > 0) {
                        size_t l = strnlen(p, len);

                        if (l > 0) {
                                _cleanup_free_ char *copy = strndup(p, l);

                                if (!copy)
                                        return -ENOMEM;
                                if (fn(copy, userdata))
                                        return 0;
                        }
                        if (l == len)
                                break;
                        p += l + 1;
                        len -= l + 1;
                }
        }
        return 0;
}

_hot_ const char *match_exact_name(const Value *table) {
        Value *v = value_dict_get(table, "IONameMatch");
        const char *s;
        size_t n;

        if (!v || value_type(v) != VALUE_STRING)
                return NULL;
        s = value_string(v, &n);
        return n > 0 && s[n - 1] == '*' ? NULL : s;
}

_hot_ static bool match_name(Registry *reg, const Entry *e, const Value *v, const char **ret_hit) {
        if (value_type(v) == VALUE_STRING) {
                *ret_hit = value_string(v, NULL);
                return name_matches(reg, e, *ret_hit);
        }
        if (value_type(v) != VALUE_ARRAY)
                return false;
        for (size_t i = 0; i < value_array_size(v); i++) {
                Value *s = value_array_get(v, i);

                if (value_type(s) == VALUE_STRING && name_matches(reg, e, value_string(s, NULL))) {
                        *ret_hit = value_string(s, NULL);
                        return true;
                }
        }
        return false;
}

_hot_ static bool match_property_table(const Entry *e, const Value *v) {
        if (value_type(v) == VALUE_DICTIONARY)
                return value_dict_is_subset(v, e->properties);
        if (value_type(v) != VALUE_ARRAY)
                return false;
        for (size_t i = 0; i < value_array_size(v); i++) {
                Value *d = value_array_get(v, i);

                if (value_type(d) == VALUE_DICTIONARY && value_dict_is_subset(d, e->properties))
                        return true;
        }
        return false;
}

_hot_ static bool match_property_exists(const Entry *e, const Value *v) {
        if (value_type(v) == VALUE_STRING)
                return entry_get_property(e, value_string(v, NULL)) != NULL;
        if (value_type(v) != VALUE_ARRAY)
                return false;
        for (size_t i = 0; i < value_array_size(v); i++) {
                Value *k = value_array_get(v, i);

                if (value_type(k) == VALUE_STRING && entry_get_property(e, value_string(k, NULL)))
                        return true;
        }
        return false;
}

static bool match_path(Registry *reg, Entry *e, const Value *v) {
        Entry *found;

        if (value_type(v) != VALUE_STRING)
                return false;
        if (registry_entry_from_path(reg, value_string(v, NULL), reg->service_plane, &found) < 0)
                return false;
        return found == e;
}

unsigned match_count_category_clients(const Registry *reg, const Entry *e) {
        Entry *const *children;
        unsigned n, count = 0;

        children = entry_get_children(e, reg->service_plane, &n);
        for (unsigned i = 0; i < n; i++)
                if (!(children[i]->state & ENTRY_STATE_INACTIVE) &&
                    entry_get_property(children[i], "IOMatchCategory"))
                        count++;
        return count;
}

_hot_ static const char *linux_property(const Entry *e, const char *key) {
        Value *linux_dict = entry_get_property(e, "Linux"), *v;

        if (!linux_dict || value_type(linux_dict) != VALUE_DICTIONARY)
                return NULL;
        v = value_dict_get(linux_dict, key);
        return v && value_type(v) == VALUE_STRING ? value_string(v, NULL) : NULL;
}

_hot_ static bool match_string_any(const Value *v, const char *s) {
        if (!s)
                return false;
        if (value_type(v) == VALUE_STRING)
                return streq(value_string(v, NULL), s);
        if (value_type(v) != VALUE_ARRAY)
                return false;
        for (size_t i = 0; i < value_array_size(v); i++) {
                Value *x = value_array_get(v, i);

                if (value_type(x) == VALUE_STRING && streq(value_string(x, NULL), s))
                        return true;
        }
        return false;
}

/* The keys of a table that matchInternal and matchPassive read, found in one pass over it. */
typedef struct TableKeys {
        const Value *provider_class, *name, *location, *property, *property_exists, *path, *entry_id,
                *service_count, *bsd[4], *linux_subsystem, *linux_modalias, *parent;
        unsigned n_known; /* how many of the table's keys are among these (xnu's "done") */
} TableKeys;

static const char *const bsd_keys[] = { "BSD Name", "BSD Major", "BSD Minor", "BSD Unit" };

/*
 * A table has a handful of keys and the engine knows about twenty: walking
 * the table once is cheaper than twenty lookups, and every candidate of
 * every nub pays it.
 */
_hot_ static void table_scan(const Value *table, TableKeys *k) {
        *k = (TableKeys) {};
        for (size_t i = 0; i < value_dict_size(table); i++) {
                const char *key = value_dict_key_at(table, i);
                const Value *v = value_dict_value_at(table, i);
                const Value **slot = NULL;

                if (key[0] == 'I' && key[1] == 'O') {
                        const char *rest = key + 2;

                        if (streq(rest, "ProviderClass"))
                                slot = &k->provider_class;
                        else if (streq(rest, "NameMatch"))
                                slot = &k->name;
                        else if (streq(rest, "LocationMatch"))
                                slot = &k->location;
                        else if (streq(rest, "PropertyMatch"))
                                slot = &k->property;
                        else if (streq(rest, "PropertyExistsMatch"))
                                slot = &k->property_exists;
                        else if (streq(rest, "PathMatch"))
                                slot = &k->path;
                        else if (streq(rest, "RegistryEntryID"))
                                slot = &k->entry_id;
                        else if (streq(rest, "MatchedServiceCountMatch"))
                                slot = &k->service_count;
                        else if (streq(rest, "LinuxSubsystemMatch"))
                                slot = &k->linux_subsystem;
                        else if (streq(rest, "LinuxModaliasMatch"))
                                slot = &k->linux_modalias;
                        else if (streq(rest, "ParentMatch"))
                                slot = &k->parent;
                } else if (key[0] == 'B' && key[1] == 'S' && key[2] == 'D') {
                        for (size_t b = 0; b < ELEMENTSOF(bsd_keys); b++)
                                if (streq(key, bsd_keys[b]))
                                        slot = &k->bsd[b];
                }
                if (slot) {
                        *slot = v;
                        k->n_known++;
                }
        }
}

/* The generic keys of matchInternal, in Apple's order. Returns false at the first failure, naming it. */
_hot_ static bool match_internal(Registry *reg, Entry *e, const TableKeys *k, unsigned flags, MatchResult *res) {
        const Value *v;

#define FAIL(key)                          \
        do {                               \
                res->failed_key = (key);   \
                return false;              \
        } while (0)

        if ((v = k->provider_class) && !(flags & MATCH_SKIP_PROVIDER_CLASS) &&
            (value_type(v) != VALUE_STRING || !entry_conforms_to(e, value_string(v, NULL))))
                FAIL("IOProviderClass");
        if ((v = k->name) && !match_name(reg, e, v, &res->name_matched))
                FAIL("IONameMatch");
        if ((v = k->location) && value_type(v) != VALUE_DICTIONARY) {
                const char *loc = entry_get_location(e, reg->service_plane);

                if (value_type(v) != VALUE_STRING || !loc || !streq(loc, value_string(v, NULL)))
                        FAIL("IOLocationMatch");
        }
        if ((v = k->property) && !match_property_table(e, v))
                FAIL("IOPropertyMatch");
        if ((v = k->property_exists) && !match_property_exists(e, v))
                FAIL("IOPropertyExistsMatch");
        if ((v = k->path) && !match_path(reg, e, v))
                FAIL("IOPathMatch");
        if ((v = k->entry_id) && (value_type(v) != VALUE_NUMBER || value_unsigned(v) != e->id))
                FAIL("IORegistryEntryID");
        if ((v = k->service_count) &&
            (value_type(v) != VALUE_NUMBER || value_unsigned(v) != match_count_category_clients(reg, e)))
                FAIL("IOMatchedServiceCountMatch");
        for (size_t i = 0; i < ELEMENTSOF(bsd_keys); i++)
                if ((v = k->bsd[i])) {
                        Value *mine = entry_get_property(e, bsd_keys[i]);

                        if (!mine || !value_equal(v, mine))
                                FAIL(bsd_keys[i]);
                }
        if ((v = k->linux_subsystem) && !match_string_any(v, linux_property(e, "SUBSYSTEM")))
                FAIL("IOLinuxSubsystemMatch");
        if ((v = k->linux_modalias) && !match_glob_any(v, linux_property(e, "MODALIAS")))
                FAIL("IOLinuxModaliasMatch");
#undef FAIL
        return true;
}

/* The provider found by the location walk: the nearest ancestor with a location. */
_hot_ static Entry *location_anchor(Registry *reg, Entry *e) {
        for (Entry *p = entry_get_parent(e, reg->service_plane); p; p = entry_get_parent(p, reg->service_plane))
                if (entry_get_location(p, reg->service_plane))
                        return p;
        return NULL;
}

#define MATCH_MAX_NESTING 16 /* IOParentMatch may nest; a hostile table must not recurse forever */

_hot_ static bool match_passive_depth(Registry *reg, Entry *e, const Value *table, unsigned flags, MatchResult *res,
                                      unsigned depth) {
        const Value *v;
        TableKeys k;

        assert(reg && e && table && res);
        res->failed_key = NULL;
        if (value_type(table) != VALUE_DICTIONARY || depth > MATCH_MAX_NESTING) {
                res->failed_key = "IOParentMatch";
                return false;
        }
        if ((e->state & ENTRY_STATE_INACTIVE) && !(flags & MATCH_ALLOW_INACTIVE)) {
                res->failed_key = "IOServiceState";
                return false;
        }
        table_scan(table, &k);
        if (!match_internal(reg, e, &k, flags, res))
                return false;

        if (k.n_known < value_dict_size(table)) {
                MatchFamilyHook hook = match_family_hook(e);

                if (hook && !hook(reg, e, table, &res->score, &res->failed_key))
                        return false;
        }

        if ((v = k.parent)) {
                bool found = false;

                for (Entry *p = entry_get_parent(e, reg->service_plane); p && !found;
                     p = entry_get_parent(p, reg->service_plane)) {
                        MatchResult sub;

                        match_result_init(&sub, v);
                        found = match_passive_depth(reg, p, v, flags & MATCH_ALLOW_INACTIVE, &sub, depth + 1);
                }
                if (!found) {
                        res->failed_key = "IOParentMatch";
                        return false;
                }
        }
        if ((v = k.location) && value_type(v) == VALUE_DICTIONARY) {
                Entry *anchor = location_anchor(reg, e);
                MatchResult sub;

                match_result_init(&sub, v);
                if (!anchor || !match_passive_depth(reg, anchor, v, flags & MATCH_ALLOW_INACTIVE, &sub, depth + 1)) {
                        res->failed_key = "IOLocationMatch";
                        return false;
                }
        }
        return true;
}

_hot_ bool match_passive(Registry *reg, Entry *e, const Value *table, unsigned flags, MatchResult *res) {
        return match_passive_depth(reg, e, table, flags, res, 0);
}
