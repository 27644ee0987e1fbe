/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * personality-json.c: the JSON form. The same shape as an Info.plist, with
 * JSON's types mapped onto Values: string → string, integer → number of 64
 * bits (unsigned when ≥ 0, signed when negative), true/false → boolean,
 * array → array, object → dictionary, and {"$data": "BASE64"} → data (the
 * encoding of XML plists' <data>). Reals and null have no Value: the
 * personality holding one is reported and skipped.
 */

#include <jansson.h>

#include "personality-check.h"
#include "personality-loader.h"

#define DATA_KEY "$data"

static const char *json_type_phrase(const json_t *j) {
        switch (json_typeof(j)) {
        case JSON_OBJECT:
                return "a dictionary";
        case JSON_ARRAY:
                return "an array";
        case JSON_STRING:
                return "a string";
        case JSON_INTEGER:
                return "an integer";
        case JSON_REAL:
                return "a real number";
        case JSON_TRUE:
        case JSON_FALSE:
                return "a boolean";
        case JSON_NULL:
                return "null";
        default:
                return "an unknown type";
        }
}

static int base64_digit(char c) {
        if (c >= 'A' && c <= 'Z')
                return c - 'A';
        if (c >= 'a' && c <= 'z')
                return c - 'a' + 26;
        if (c >= '0' && c <= '9')
                return c - '0' + 52;
        if (c == '+')
                return 62;
        if (c == '/')
                return 63;
        return -1;
}

/* Strict RFC 4648 base64 with padding: one spelling per byte string, so files compare as text. */
static int base64_decode(const char *s, size_t len, uint8_t **ret, size_t *ret_len) {
        _cleanup_free_ uint8_t *out = NULL;
        size_t n = 0;

        if (len % 4 != 0)
                return -EINVAL;
        out = malloc(len / 4 * 3 + 1);
        if (!out)
                return -ENOMEM;
        for (size_t i = 0; i < len; i += 4) {
                int d[4];
                unsigned pad = 0;

                for (unsigned k = 0; k < 4; k++) {
                        if (s[i + k] == '=' && i + 4 == len && k >= 2) {
                                d[k] = 0;
                                pad++;
                                continue;
                        }
                        if (pad > 0)
                                return -EINVAL; /* data after '=' */
                        d[k] = base64_digit(s[i + k]);
                        if (d[k] < 0)
                                return -EINVAL;
                }
                uint32_t v = (uint32_t) d[0] << 18 | (uint32_t) d[1] << 12 | (uint32_t) d[2] << 6 | (uint32_t) d[3];
                out[n++] = v >> 16;
                if (pad < 2)
                        out[n++] = (v >> 8) & 0xff;
                if (pad < 1)
                        out[n++] = v & 0xff;
        }
        *ret = TAKE_PTR(out);
        *ret_len = n;
        return 0;
}

static int value_from_json(json_t *j, Value **ret, ConvertError *err);

static int data_from_json(json_t *j, Value **ret, ConvertError *err) {
        _cleanup_free_ uint8_t *bytes = NULL;
        json_t *s = json_object_get(j, DATA_KEY); /* borrowed */
        size_t len = 0;
        int r;

        if (json_object_size(j) != 1 || !json_is_string(s)) {
                err->what = "invalid $data: expected {\"$data\": \"BASE64\"} and nothing else";
                return -EINVAL;
        }
        r = base64_decode(json_string_value(s), json_string_length(s), &bytes, &len);
        if (r == -EINVAL)
                err->what = "invalid $data: not base64 (RFC 4648, padded, no spaces)";
        if (r < 0)
                return r;
        *ret = value_new_data(bytes, len);
        return *ret ? 0 : -ENOMEM;
}

static int dict_from_json(json_t *j, Value **ret, ConvertError *err) {
        _cleanup_value_ Value *d = NULL;
        const char *key;
        json_t *item; /* borrowed */
        int r;

        if (json_object_get(j, DATA_KEY))
                return data_from_json(j, ret, err);
        d = value_new_dictionary();
        if (!d)
                return -ENOMEM;
        json_object_foreach(j, key, item) {
                Value *v = NULL;

                r = value_from_json(item, &v, err);
                if (r == -EINVAL && convert_error_prepend_key(err, key) < 0)
                        return -ENOMEM;
                if (r < 0)
                        return r;
                r = value_dict_set_take(d, key, v);
                if (r < 0)
                        return r;
        }
        *ret = TAKE_PTR(d);
        return 0;
}

static int value_from_json(json_t *j, Value **ret, ConvertError *err) {
        _cleanup_value_ Value *a = NULL;
        json_int_t i;
        size_t idx;
        json_t *item; /* borrowed */
        int r;

        switch (json_typeof(j)) {
        case JSON_STRING:
                *ret = value_new_string_len(json_string_value(j), json_string_length(j));
                break;
        case JSON_INTEGER:
                /* 64 bits, as Apple's OSUnserializeXML makes them; matching compares by value. */
                i = json_integer_value(j);
                *ret = i < 0 ? value_new_signed(i, 64) : value_new_unsigned((uint64_t) i, 64);
                break;
        case JSON_TRUE:
        case JSON_FALSE:
                *ret = value_new_boolean(json_is_true(j));
                break;
        case JSON_OBJECT:
                return dict_from_json(j, ret, err);
        case JSON_ARRAY:
                a = value_new_array();
                if (!a)
                        return -ENOMEM;
                json_array_foreach(j, idx, item) {
                        Value *v = NULL;

                        r = value_from_json(item, &v, err);
                        if (r == -EINVAL && convert_error_prepend_index(err, idx) < 0)
                                return -ENOMEM;
                        if (r < 0)
                                return r;
                        r = value_array_append_take(a, v);
                        if (r < 0)
                                return r;
                }
                *ret = TAKE_PTR(a);
                return 0;
        case JSON_REAL:
                err->what = "unsupported type real";
                return -EINVAL;
        case JSON_NULL:
        default:
                err->what = "unsupported type null";
                return -EINVAL;
        }
        return *ret ? 0 : -ENOMEM;
}

/* One personality, key by key, so that an error names its key. */
static int load_personality(PersonalityLoader *l, const char *name, json_t *j) {
        _cleanup_value_ Value *d = NULL;
        const char *key;
        json_t *item; /* borrowed */
        int r;

        if (!json_is_object(j) || json_object_get(j, DATA_KEY)) {
                personality_loader_error(l, name, NULL, "expected a dictionary, got %s",
                                         json_is_object(j) ? "data" : json_type_phrase(j));
                return 0;
        }
        d = value_new_dictionary();
        if (!d)
                return -ENOMEM;
        json_object_foreach(j, key, item) {
                _cleanup_(convert_error_done) ConvertError err = {};
                Value *v = NULL;

                r = value_from_json(item, &v, &err);
                if (r == -EINVAL) {
                        personality_loader_convert_error(l, name, key, &err);
                        return 0;
                }
                if (r < 0)
                        return r;
                r = value_dict_set_take(d, key, v);
                if (r < 0)
                        return r;
        }
        return personality_loader_add(l, name, TAKE_PTR(d));
}

int personality_json_load(PersonalityLoader *l, const char *buf, size_t len) {
        json_auto_t *root = NULL;
        json_error_t error;
        json_t *bundle_id, *personalities, *item; /* borrowed */
        const char *name;
        int r;

        /* Duplicate keys are refused: in a personality, which one was meant is a guess. */
        root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &error);
        if (!root) {
                personality_loader_error(l, NULL, NULL, "not valid JSON: %s (line %d, column %d)",
                                         error.text, error.line, error.column);
                return 0;
        }
        if (!json_is_object(root)) {
                personality_loader_error(l, NULL, NULL, "expected a dictionary at the top, got %s",
                                         json_type_phrase(root));
                return 0;
        }

        bundle_id = json_object_get(root, "CFBundleIdentifier");
        if (json_is_string(bundle_id)) {
                l->bundle_id = strdup(json_string_value(bundle_id));
                if (!l->bundle_id)
                        return -ENOMEM;
        } else if (bundle_id)
                personality_loader_error(l, NULL, "CFBundleIdentifier", "expected a string, got %s",
                                         json_type_phrase(bundle_id));

        personalities = json_object_get(root, "IOKitPersonalities");
        if (!personalities)
                return 0; /* a bundle without personalities (a library) is fine */
        if (!json_is_object(personalities)) {
                personality_loader_error(l, NULL, "IOKitPersonalities", "expected a dictionary, got %s",
                                         json_type_phrase(personalities));
                return 0;
        }
        json_object_foreach(personalities, name, item) {
                r = load_personality(l, name, item);
                if (r < 0)
                        return r;
        }
        return 0;
}
