/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* json-value.c: see json-value.h. */

#include <jansson.h>
#include <stdio.h>

#include "json-value.h"

Value *json_value_convert(json_t *j) {
        Value *v = NULL;
        const char *key;
        json_t *item;
        size_t i;

        switch (json_typeof(j)) {
        case JSON_STRING:
                return value_new_string_len(json_string_value(j), json_string_length(j));
        case JSON_INTEGER:
                if (json_integer_value(j) < 0)
                        return value_new_signed(json_integer_value(j), 64);
                return value_new_unsigned((uint64_t) json_integer_value(j), 64);
        case JSON_TRUE:
        case JSON_FALSE:
                return value_new_boolean(json_is_true(j));
        case JSON_ARRAY:
                v = value_new_array();
                json_array_foreach(j, i, item)
                        if (value_array_append_take(v, json_value_convert(item)) < 0)
                                return value_unref(v);
                return v;
        case JSON_OBJECT:
                v = value_new_dictionary();
                json_object_foreach(j, key, item)
                        if (value_dict_set_take(v, key, json_value_convert(item)) < 0)
                                return value_unref(v);
                return v;
        default:
                return NULL;
        }
}

Value *json_value(const char *text) {
        json_error_t err;
        json_t *j = json_loads(text, JSON_DECODE_ANY, &err);
        Value *v;

        if (!j) {
                fprintf(stderr, "json_value: %s at %d:%d\n", err.text, err.line, err.column);
                return NULL;
        }
        v = json_value_convert(j);
        json_decref(j);
        return v;
}
