/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* json-form.c: see json-form.h. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base64.h"
#include "json-form.h"
#include "macro.h"

/* {key: s}; s is ASCII (digits, base64). Not json_pack(): reading a plane makes thousands. */
static json_t *marker(const char *key, const char *s) {
        json_t *o = json_object();

        if (o && json_object_set_new_nocheck(o, key, json_string_nocheck(s)) < 0)
                return json_decref(o), NULL;
        return o;
}

json_t *json_form_unsigned(uint64_t u) {
        char buf[24];

        if (u <= INT64_MAX)
                return json_integer((json_int_t) u);
        snprintf(buf, sizeof(buf), "%llu", (unsigned long long) u);
        return marker(JSON_FORM_UNSIGNED_KEY, buf);
}

json_t *json_form_data(const uint8_t *bytes, size_t len) {
        _cleanup_free_ char *s = base64_encode(bytes, len);

        return s ? marker(JSON_FORM_DATA_KEY, s) : NULL;
}

int json_form_get_data(json_t *j, uint8_t **ret, size_t *ret_len) {
        json_t *s = json_object_get(j, JSON_FORM_DATA_KEY); /* borrowed */

        if (json_object_size(j) != 1 || !json_is_string(s))
                return -EINVAL;
        return base64_decode(json_string_value(s), json_string_length(s), ret, ret_len);
}

int json_form_get_unsigned(json_t *j, uint64_t *ret) {
        json_t *s = json_object_get(j, JSON_FORM_UNSIGNED_KEY); /* borrowed */
        unsigned long long u;

        if (json_is_integer(j) && json_integer_value(j) >= 0) {
                *ret = (uint64_t) json_integer_value(j);
                return 0;
        }
        if (json_object_size(j) != 1 || !json_is_string(s) || !json_string_value(s)[0] ||
            strspn(json_string_value(s), "0123456789") != json_string_length(s))
                return -EINVAL;
        errno = 0;
        u = strtoull(json_string_value(s), NULL, 10);
        if (errno != 0)
                return -EINVAL; /* beyond 64 bits */
        *ret = u;
        return 0;
}

JsonFormType json_form_type(json_t *j) {
        if (!j)
                return _JSON_FORM_TYPE_INVALID;
        switch (json_typeof(j)) {
        case JSON_STRING:
                return JSON_FORM_STRING;
        case JSON_INTEGER:
                return JSON_FORM_NUMBER;
        case JSON_TRUE:
        case JSON_FALSE:
                return JSON_FORM_BOOLEAN;
        case JSON_ARRAY:
                return JSON_FORM_ARRAY;
        case JSON_OBJECT:
                if (json_object_get(j, JSON_FORM_DATA_KEY))
                        return JSON_FORM_DATA;
                if (json_object_get(j, JSON_FORM_UNSIGNED_KEY))
                        return JSON_FORM_NUMBER;
                return JSON_FORM_DICTIONARY;
        default:
                return _JSON_FORM_TYPE_INVALID;
        }
}

uint64_t json_form_number(json_t *j) {
        uint64_t u = 0;

        if (json_is_integer(j))
                return (uint64_t) json_integer_value(j);
        (void) json_form_get_unsigned(j, &u);
        return u;
}

int json_form_record(JsonFormRecord *rec, json_t **ret) {
        json_auto_t *e = json_object(), *name = rec->name, *location = rec->location, *classes = rec->classes,
                    *props = rec->properties;

        rec->name = rec->location = rec->classes = rec->properties = NULL;
        if (!e || !name || !location || !classes || !props ||
            json_object_set_new_nocheck(e, "id", json_form_unsigned(rec->id)) < 0 ||
            json_object_set_new_nocheck(e, "depth", json_integer(rec->depth)) < 0 ||
            json_object_set_new_nocheck(e, "name", TAKE_PTR(name)) < 0 ||
            (json_string_length(location) > 0 &&
             json_object_set_new_nocheck(e, "location", TAKE_PTR(location)) < 0) ||
            json_object_set_new_nocheck(e, "classes", TAKE_PTR(classes)) < 0 ||
            json_object_set_new_nocheck(e, "state", json_integer(rec->state)) < 0 ||
            json_object_set_new_nocheck(e, "busy", json_integer(rec->busy)) < 0 ||
            json_object_set_new_nocheck(e, "busy_time_ns", json_form_unsigned(rec->busy_time)) < 0 ||
            json_object_set_new_nocheck(e, "retain", json_integer(rec->retain)) < 0 ||
            json_object_set_new_nocheck(e, "properties", TAKE_PTR(props)) < 0)
                return -ENOMEM;
        *ret = TAKE_PTR(e);
        return 0;
}
