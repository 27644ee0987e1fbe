/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* value-json.c: Values to and from JSON; the form is in value-json.h. */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base64.h"
#include "macro.h"
#include "value-json.h"

void convert_error_done(ConvertError *e) {
        free(e->where);
        *e = (ConvertError) {};
}

static int convert_error_prepend(ConvertError *e, const char *part, const char *sep) {
        char *s;

        if (asprintf(&s, "%s%s%s", part, e->where ? sep : "", e->where ?: "") < 0)
                return -ENOMEM;
        free(e->where);
        e->where = s;
        return 0;
}

int convert_error_prepend_key(ConvertError *e, const char *key) {
        return convert_error_prepend(e, key, e->where && e->where[0] == '[' ? "" : "/");
}

int convert_error_prepend_index(ConvertError *e, size_t i) {
        char part[32];

        snprintf(part, sizeof(part), "[%zu]", i);
        return convert_error_prepend(e, part, e->where && e->where[0] == '[' ? "" : "/");
}

static int value_from_json_err(json_t *j, Value **ret, ConvertError *err);

static int data_from_json(json_t *j, Value **ret, ConvertError *err) {
        _cleanup_free_ uint8_t *bytes = NULL;
        json_t *s = json_object_get(j, VALUE_JSON_DATA_KEY); /* borrowed */
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

static int unsigned_from_json(json_t *j, Value **ret, ConvertError *err) {
        json_t *s = json_object_get(j, VALUE_JSON_UNSIGNED_KEY); /* borrowed */
        unsigned long long u;
        char *end;

        if (json_object_size(j) != 1 || !json_is_string(s) || !json_string_value(s)[0] ||
            strspn(json_string_value(s), "0123456789") != json_string_length(s)) {
                err->what = "invalid $unsigned: expected {\"$unsigned\": \"DIGITS\"} and nothing else";
                return -EINVAL;
        }
        errno = 0;
        u = strtoull(json_string_value(s), &end, 10);
        if (errno != 0) {
                err->what = "invalid $unsigned: beyond 64 bits";
                return -EINVAL;
        }
        *ret = value_new_unsigned(u, 64);
        return *ret ? 0 : -ENOMEM;
}

static int dict_from_json(json_t *j, Value **ret, ConvertError *err) {
        _cleanup_value_ Value *d = NULL;
        const char *key;
        json_t *item; /* borrowed */
        int r;

        if (json_object_get(j, VALUE_JSON_DATA_KEY))
                return data_from_json(j, ret, err);
        if (json_object_get(j, VALUE_JSON_UNSIGNED_KEY))
                return unsigned_from_json(j, ret, err);
        d = value_new_dictionary();
        if (!d)
                return -ENOMEM;
        json_object_foreach(j, key, item) {
                Value *v = NULL;

                r = value_from_json_err(item, &v, err);
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

int value_from_json(json_t *j, Value **ret, ConvertError *err) {
        ConvertError ignored = {};
        int r;

        if (err)
                return value_from_json_err(j, ret, err);
        /* The caller does not want the error's path: it is built all the same, and freed here. */
        r = value_from_json_err(j, ret, &ignored);
        convert_error_done(&ignored);
        return r;
}

static int value_from_json_err(json_t *j, Value **ret, ConvertError *err) {
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

                        r = value_from_json_err(item, &v, err);
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


json_t *value_to_json(const Value *v) {
        switch (value_type(v)) {
        case VALUE_STRING: {
                size_t len;
                const char *s = value_string(v, &len);

                /* NULL for invalid UTF-8; strings that came over D-Bus are valid. */
                return json_stringn(s, len);
        }
        case VALUE_NUMBER:
                if (value_number_is_signed(v))
                        return json_integer(value_signed(v));
                if (value_unsigned(v) <= INT64_MAX)
                        return json_integer((json_int_t) value_unsigned(v));
                {
                        char buf[24];

                        snprintf(buf, sizeof(buf), "%llu", (unsigned long long) value_unsigned(v));
                        return json_pack("{ss}", VALUE_JSON_UNSIGNED_KEY, buf);
                }
        case VALUE_BOOLEAN:
                return json_boolean(value_boolean(v));
        case VALUE_DATA: {
                size_t len;
                const uint8_t *b = value_data(v, &len);
                _cleanup_free_ char *s = base64_encode(b, len);

                return s ? json_pack("{ss}", VALUE_JSON_DATA_KEY, s) : NULL;
        }
        case VALUE_ARRAY: {
                json_t *a = json_array();

                for (size_t i = 0; a && i < value_array_size(v); i++)
                        if (json_array_append_new(a, value_to_json(value_array_get(v, i))) < 0) {
                                json_decref(a);
                                return NULL;
                        }
                return a;
        }
        case VALUE_DICTIONARY: {
                json_t *d = json_object();

                for (size_t i = 0; d && i < value_dict_size(v); i++)
                        if (json_object_set_new(d, value_dict_key_at(v, i),
                                                value_to_json(value_dict_value_at(v, i))) < 0) {
                                json_decref(d);
                                return NULL;
                        }
                return d;
        }
        default:
                return NULL;
        }
}
