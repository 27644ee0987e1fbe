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
#include "value-json.h"

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

/* One personality, key by key, so that an error names its key. */
static int load_personality(PersonalityLoader *l, const char *name, json_t *j) {
        _cleanup_value_ Value *d = NULL;
        const char *key;
        json_t *item; /* borrowed */
        int r;

        if (!json_is_object(j) || json_object_get(j, VALUE_JSON_DATA_KEY)) {
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
        const char *name, *key;
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

        key = PERSONALITIES_ARCH_KEY;
        personalities = json_object_get(root, key);
        if (!personalities)
                personalities = json_object_get(root, key = "IOKitPersonalities");
        if (!personalities)
                return 0; /* a bundle without personalities (a library) is fine */
        if (!json_is_object(personalities)) {
                personality_loader_error(l, NULL, key, "expected a dictionary, got %s",
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
