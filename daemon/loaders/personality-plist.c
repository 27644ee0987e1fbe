/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * personality-plist.c: Info.plist files, XML or binary, through libplist.
 *
 * Types: <string> → string; <integer> → number of 64 bits, unsigned, or
 * signed when negative (Apple's OSUnserializeXML also makes 64-bit numbers;
 * matching compares by value); <true/>/<false/> → boolean; <data> → data;
 * <array> → array; <dict> → dictionary. <real>, <date> and binary UIDs have
 * no Value: the personality holding one is reported and skipped. Only
 * CFBundleIdentifier and IOKitPersonalities are converted, so such values
 * elsewhere in the file do no harm.
 */

#include <plist/plist.h>

#include "bplist-check.h"
#include "personality-loader.h"
#include "utf8.h"
#include "xplist-check.h"

static bool key_is_utf8(const char *key) {
        return key && utf8_is_valid(key, strlen(key));
}

static void plist_freep(plist_t *p) {
        if (*p)
                plist_free(*p);
}

static const char *plist_type_phrase(plist_t node) {
        switch (plist_get_node_type(node)) {
        case PLIST_BOOLEAN:
                return "a boolean";
        case PLIST_UINT:
                return "an integer";
        case PLIST_REAL:
                return "a real number";
        case PLIST_STRING:
                return "a string";
        case PLIST_ARRAY:
                return "an array";
        case PLIST_DICT:
                return "a dictionary";
        case PLIST_DATE:
                return "a date";
        case PLIST_DATA:
                return "data";
        case PLIST_UID:
                return "a UID";
        default:
                return "an unknown type";
        }
}

static int value_from_plist(plist_t node, Value **ret, ConvertError *err);

/*
 * A copy of a string node's text. -EINVAL when it holds a NUL byte (&#0; in
 * XML, or a binary plist's counted string): no C string can carry it, and
 * libplist's plist_get_string_val() asserts on it (libplist 2.2). -EILSEQ
 * when it is not UTF-8 (a Latin-1 byte in an XML file, which libplist
 * passes on): D-Bus could not carry it, and a repaired copy would match
 * other strings than the author wrote.
 */
static int string_from_plist(plist_t node, char **ret) {
        uint64_t len = 0;
        const char *p = plist_get_string_ptr(node, &len);
        char *s;

        if (!p)
                return -ENOMEM;
        if (memchr(p, 0, len))
                return -EINVAL;
        if (!utf8_is_valid(p, len))
                return -EILSEQ;
        s = strndup(p, len);
        if (!s)
                return -ENOMEM;
        *ret = s;
        return 0;
}

static int dict_from_plist(plist_t node, Value **ret, ConvertError *err) {
        _cleanup_value_ Value *d = NULL;
        plist_dict_iter it = NULL;
        int r = 0;

        d = value_new_dictionary();
        if (!d)
                return -ENOMEM;
        plist_dict_new_iter(node, &it);
        if (!it)
                return -ENOMEM;
        for (;;) {
                _cleanup_free_ char *key = NULL;
                plist_t item = NULL; /* borrowed from node */
                Value *v = NULL;

                plist_dict_next_item(node, it, &key, &item);
                if (!item)
                        break;
                if (!key_is_utf8(key)) {
                        err->what = "a key that is not UTF-8";
                        r = -EINVAL;
                        break;
                }
                r = value_from_plist(item, &v, err);
                if (r == -EINVAL && convert_error_prepend_key(err, key) < 0)
                        r = -ENOMEM;
                if (r < 0)
                        break;
                r = value_dict_set_take(d, key, v);
                if (r < 0)
                        break;
        }
        free(it);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(d);
        return 0;
}

static int array_from_plist(plist_t node, Value **ret, ConvertError *err) {
        _cleanup_value_ Value *a = NULL;
        uint32_t n = plist_array_get_size(node);
        int r;

        a = value_new_array();
        if (!a)
                return -ENOMEM;
        for (uint32_t i = 0; i < n; i++) {
                Value *v = NULL;

                r = value_from_plist(plist_array_get_item(node, i), &v, err);
                if (r == -EINVAL && convert_error_prepend_index(err, i) < 0)
                        return -ENOMEM;
                if (r < 0)
                        return r;
                r = value_array_append_take(a, v);
                if (r < 0)
                        return r;
        }
        *ret = TAKE_PTR(a);
        return 0;
}

static int value_from_plist(plist_t node, Value **ret, ConvertError *err) {
        _cleanup_free_ char *s = NULL;
        uint64_t u = 0, len = 0;
        uint8_t b = 0;
        int r;

        switch (plist_get_node_type(node)) {
        case PLIST_STRING:
                r = string_from_plist(node, &s);
                if (r == -EINVAL)
                        err->what = "a string with a NUL byte";
                if (r == -EILSEQ) {
                        err->what = "a string that is not UTF-8";
                        r = -EINVAL;
                }
                if (r < 0)
                        return r;
                *ret = value_new_string(s);
                break;
        case PLIST_UINT:
                /*
                 * libplist 2.2 hands out the 64 bits without saying whether the
                 * text was negative. Above INT64_MAX we read it as negative:
                 * IOProbeScore -1000 is common, integers of 2^63 and more are not
                 * (Apple's OSNumber keeps the same 64 bits either way).
                 */
                plist_get_uint_val(node, &u);
                *ret = u > INT64_MAX ? value_new_signed((int64_t) u, 64) : value_new_unsigned(u, 64);
                break;
        case PLIST_BOOLEAN:
                plist_get_bool_val(node, &b);
                *ret = value_new_boolean(b);
                break;
        case PLIST_DATA:
                plist_get_data_val(node, &s, &len);
                if (!s && len > 0)
                        return -ENOMEM;
                *ret = value_new_data(s, len);
                break;
        case PLIST_ARRAY:
                return array_from_plist(node, ret, err);
        case PLIST_DICT:
                return dict_from_plist(node, ret, err);
        case PLIST_REAL:
                err->what = "unsupported type real";
                return -EINVAL;
        case PLIST_DATE:
                err->what = "unsupported type date";
                return -EINVAL;
        default:
                err->what = "unsupported type (not an I/O Kit property type)";
                return -EINVAL;
        }
        return *ret ? 0 : -ENOMEM;
}

/* One personality, key by key, so that an error names its key. */
static int load_personality(PersonalityLoader *l, const char *name, plist_t node) {
        _cleanup_value_ Value *d = NULL;
        plist_dict_iter it = NULL;
        int r = 0;

        if (plist_get_node_type(node) != PLIST_DICT) {
                personality_loader_error(l, name, NULL, "expected a dictionary, got %s",
                                         plist_type_phrase(node));
                return 0;
        }
        d = value_new_dictionary();
        if (!d)
                return -ENOMEM;
        plist_dict_new_iter(node, &it);
        if (!it)
                return -ENOMEM;
        for (;;) {
                _cleanup_(convert_error_done) ConvertError err = {};
                _cleanup_free_ char *key = NULL;
                plist_t item = NULL; /* borrowed from node */
                Value *v = NULL;

                plist_dict_next_item(node, it, &key, &item);
                if (!item)
                        break;
                if (!key_is_utf8(key)) {
                        personality_loader_error(l, name, NULL, "a key that is not UTF-8");
                        free(it);
                        return 0;
                }
                r = value_from_plist(item, &v, &err);
                if (r == -EINVAL) {
                        personality_loader_convert_error(l, name, key, &err);
                        free(it);
                        return 0;
                }
                if (r < 0)
                        break;
                r = value_dict_set_take(d, key, v);
                if (r < 0)
                        break;
        }
        free(it);
        if (r < 0)
                return r;
        return personality_loader_add(l, name, TAKE_PTR(d));
}

/*
 * libplist says only "no". Say more where we can: Xcode runs Info.plist
 * sources through the C preprocessor (INFOPLIST_PREPROCESS), so a source
 * checked into a repository may hold "#if" lines that no plist parser takes.
 */
static void report_parse_failure(PersonalityLoader *l, const char *buf, size_t len) {
        unsigned line = 1;

        if (len >= 6 && memcmp(buf, "bplist", 6) == 0) {
                personality_loader_error(l, NULL, NULL, "not a valid binary property list");
                return;
        }
        for (const char *p = buf; p < buf + len; p++) {
                if (*p == '#' && (p == buf || p[-1] == '\n')) {
                        personality_loader_error(l, NULL, NULL,
                                                 "not a valid XML property list: line %u is a C preprocessor "
                                                 "directive (an Info.plist source before Xcode preprocessed it)",
                                                 line);
                        return;
                }
                if (*p == '\n')
                        line++;
        }
        if (memmem(buf, len, "<plist", 6))
                personality_loader_error(l, NULL, NULL, "not a valid XML property list");
        else
                personality_loader_error(l, NULL, NULL, "not a property list (XML or binary)");
}

int personality_plist_load(PersonalityLoader *l, const char *buf, size_t len) {
        _cleanup_(plist_freep) plist_t root = NULL;
        plist_t node, personalities; /* borrowed from root */
        plist_dict_iter it = NULL;
        const char *key;
        int r = 0;

        if (len > UINT32_MAX) {
                personality_loader_error(l, NULL, NULL, "too big for a property list");
                return 0;
        }
        /* libplist 2.2 aborts on some binary plists that it accepts: screen them first (bplist-check.h). */
        if (bplist_is_binary(buf, len)) {
                const char *reason;

                r = bplist_check(buf, len, &reason);
                if (r == -ENOMEM)
                        return r;
                if (r < 0) {
                        personality_loader_error(l, NULL, NULL, "not a valid binary property list: %s", reason);
                        return 0;
                }
        } else {
                const char *reason;

                /* libplist's XML reader recurses per element: bounded first (xplist-check.h). */
                if (xplist_check(buf, len, &reason) < 0) {
                        personality_loader_error(l, NULL, NULL, "not a usable XML property list: %s", reason);
                        return 0;
                }
        }
        plist_from_memory(buf, (uint32_t) len, &root);
        if (!root) {
                report_parse_failure(l, buf, len);
                return 0;
        }
        if (plist_get_node_type(root) != PLIST_DICT) {
                personality_loader_error(l, NULL, NULL, "expected a dictionary at the top, got %s",
                                         plist_type_phrase(root));
                return 0;
        }

        node = plist_dict_get_item(root, "CFBundleIdentifier");
        if (node && plist_get_node_type(node) == PLIST_STRING) {
                r = string_from_plist(node, &l->bundle_id);
                if (r == -ENOMEM)
                        return r;
                if (r < 0)
                        personality_loader_error(l, NULL, "CFBundleIdentifier", "%s",
                                                 r == -EILSEQ ? "a string that is not UTF-8" : "a string with a NUL byte");
        } else if (node)
                personality_loader_error(l, NULL, "CFBundleIdentifier", "expected a string, got %s",
                                         plist_type_phrase(node));

        key = PERSONALITIES_ARCH_KEY;
        personalities = plist_dict_get_item(root, key);
        if (!personalities)
                personalities = plist_dict_get_item(root, key = "IOKitPersonalities");
        if (!personalities)
                return 0; /* a bundle without personalities (a library) is fine */
        if (plist_get_node_type(personalities) != PLIST_DICT) {
                personality_loader_error(l, NULL, key, "expected a dictionary, got %s",
                                         plist_type_phrase(personalities));
                return 0;
        }
        plist_dict_new_iter(personalities, &it);
        if (!it)
                return -ENOMEM;
        for (;;) {
                _cleanup_free_ char *name = NULL;
                plist_t item = NULL; /* borrowed from root */

                plist_dict_next_item(personalities, it, &name, &item);
                if (!item)
                        break;
                if (!key_is_utf8(name)) {
                        _cleanup_free_ char *shown = utf8_escape_invalid(name, strlen(name));

                        personality_loader_error(l, shown ?: "?", NULL, "a personality name that is not UTF-8");
                        continue;
                }
                r = load_personality(l, name, item);
                if (r < 0)
                        break;
        }
        free(it);
        return r < 0 ? r : 0;
}
