/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* wire-blob.c: see wire-blob.h. Every read is bounds-checked: the bytes come from the bus. */

#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "json-form.h"
#include "macro.h"
#include "utf8.h"
#include "wire-blob.h"

typedef struct Reader {
        const uint8_t *p; /* borrowed: the next byte */
        size_t left;
} Reader;

static int take(Reader *r, size_t n, const uint8_t **ret) {
        if (r->left < n)
                return -EBADMSG;
        *ret = r->p;
        r->p += n;
        r->left -= n;
        return 0;
}

static int read_u8(Reader *r, uint8_t *ret) {
        const uint8_t *b;

        if (take(r, 1, &b) < 0)
                return -EBADMSG;
        *ret = b[0];
        return 0;
}

static int read_u32(Reader *r, uint32_t *ret) {
        const uint8_t *b;

        if (take(r, 4, &b) < 0)
                return -EBADMSG;
        *ret = (uint32_t) b[0] | (uint32_t) b[1] << 8 | (uint32_t) b[2] << 16 | (uint32_t) b[3] << 24;
        return 0;
}

static int read_u64(Reader *r, uint64_t *ret) {
        uint32_t lo, hi;

        if (read_u32(r, &lo) < 0 || read_u32(r, &hi) < 0)
                return -EBADMSG;
        *ret = (uint64_t) hi << 32 | lo;
        return 0;
}

/* A string in place (not NUL-terminated): UTF-8 without NUL, as D-Bus would have carried it. */
static int read_string(Reader *r, const char **ret, size_t *ret_len) {
        const uint8_t *b;
        uint32_t len;

        if (read_u32(r, &len) < 0 || take(r, len, &b) < 0)
                return -EBADMSG;
        if (memchr(b, 0, len) || !utf8_is_valid((const char *) b, len))
                return -EBADMSG;
        *ret = (const char *) b;
        *ret_len = len;
        return 0;
}

static int read_string_json(Reader *r, json_t **ret) {
        const char *s;
        size_t len;

        if (read_string(r, &s, &len) < 0)
                return -EBADMSG;
        *ret = json_stringn_nocheck(s, len); /* checked above */
        return *ret ? 0 : -ENOMEM;
}

/* A count of items that each take at least min_bytes: more than the bytes left is a lie. */
static int read_count(Reader *r, size_t min_bytes, uint32_t *ret) {
        if (read_u32(r, ret) < 0 || (uint64_t) *ret * min_bytes > r->left)
                return -EBADMSG;
        return 0;
}

static int read_value(Reader *r, unsigned nesting, json_t **ret);

static int read_dictionary(Reader *r, unsigned nesting, json_t **ret) {
        json_auto_t *o = json_object();
        uint32_t n;

        if (!o)
                return -ENOMEM;
        if (read_count(r, 6, &n) < 0) /* a key's length and a value's tag and byte at least */
                return -EBADMSG;
        for (uint32_t i = 0; i < n; i++) {
                json_t *v = NULL;
                const char *key;
                size_t len;
                int k;

                if (read_string(r, &key, &len) < 0)
                        return -EBADMSG;
                k = read_value(r, nesting, &v);
                if (k < 0)
                        return k;
                if (json_object_setn_new_nocheck(o, key, len, v) < 0)
                        return -ENOMEM;
        }
        *ret = TAKE_PTR(o);
        return 0;
}

static int read_array(Reader *r, unsigned nesting, json_t **ret) {
        json_auto_t *a = json_array();
        uint32_t n;

        if (!a)
                return -ENOMEM;
        if (read_count(r, 2, &n) < 0)
                return -EBADMSG;
        for (uint32_t i = 0; i < n; i++) {
                json_t *v = NULL;
                int k = read_value(r, nesting, &v);

                if (k < 0)
                        return k;
                if (json_array_append_new(a, v) < 0)
                        return -ENOMEM;
        }
        *ret = TAKE_PTR(a);
        return 0;
}

static int read_value(Reader *r, unsigned nesting, json_t **ret) {
        const uint8_t *bytes;
        uint64_t u;
        uint32_t len;
        uint8_t tag, b;
        json_t *j;

        if (read_u8(r, &tag) < 0)
                return -EBADMSG;
        switch (tag) {
        case WIRE_BLOB_UNSIGNED:
        case WIRE_BLOB_SIGNED:
                if (read_u64(r, &u) < 0)
                        return -EBADMSG;
                /* As wire-json.c reads 't' and 'x'. */
                j = tag == WIRE_BLOB_UNSIGNED ? json_form_unsigned(u) : json_integer((json_int_t) (int64_t) u);
                break;
        case WIRE_BLOB_BOOLEAN:
                if (read_u8(r, &b) < 0 || b > 1)
                        return -EBADMSG;
                j = json_boolean(b);
                break;
        case WIRE_BLOB_STRING:
                return read_string_json(r, ret);
        case WIRE_BLOB_DATA:
                if (read_u32(r, &len) < 0 || take(r, len, &bytes) < 0)
                        return -EBADMSG;
                j = json_form_data(bytes, len);
                break;
        case WIRE_BLOB_ARRAY:
        case WIRE_BLOB_DICTIONARY:
                if (nesting >= WIRE_BLOB_MAX_NESTING)
                        return -EBADMSG;
                return tag == WIRE_BLOB_ARRAY ? read_array(r, nesting + 1, ret) : read_dictionary(r, nesting + 1, ret);
        default:
                return -EBADMSG;
        }
        if (!j)
                return -ENOMEM;
        *ret = j;
        return 0;
}

static int read_record(Reader *r, json_t **ret) {
        json_auto_t *classes = json_array(), *name = NULL, *location = NULL, *props = NULL;
        uint32_t depth, n_classes, state, busy, retain;
        uint64_t id, busy_time;
        uint8_t tag;
        int k;

        if (!classes)
                return -ENOMEM;
        if (read_u64(r, &id) < 0 || read_u32(r, &depth) < 0)
                return -EBADMSG;
        k = read_string_json(r, &name);
        if (k >= 0)
                k = read_string_json(r, &location);
        if (k < 0)
                return k;
        if (read_count(r, 4, &n_classes) < 0)
                return -EBADMSG;
        for (uint32_t i = 0; i < n_classes; i++) {
                json_t *c = NULL;

                k = read_string_json(r, &c);
                if (k < 0)
                        return k;
                if (json_array_append_new(classes, c) < 0)
                        return -ENOMEM;
        }
        if (read_u32(r, &state) < 0 || read_u32(r, &busy) < 0 || read_u64(r, &busy_time) < 0 ||
            read_u32(r, &retain) < 0)
                return -EBADMSG;
        /* The properties: a dictionary, nothing else. */
        if (r->left == 0 || r->p[0] != WIRE_BLOB_DICTIONARY)
                return -EBADMSG;
        (void) read_u8(r, &tag);
        k = read_dictionary(r, 1, &props);
        if (k < 0)
                return k;
        return json_form_record(&(JsonFormRecord) { .id = id, .depth = depth, .name = TAKE_PTR(name),
                                                     .location = TAKE_PTR(location), .classes = TAKE_PTR(classes),
                                                     .state = state, .busy = busy, .busy_time = busy_time,
                                                     .retain = retain, .properties = TAKE_PTR(props) },
                                ret);
}

int wire_blob_read_records(const uint8_t *bytes, size_t n, json_t *a) {
        Reader r = { .p = bytes, .left = n };

        if (!json_is_array(a) || (!bytes && n > 0))
                return -EINVAL;
        while (r.left > 0) {
                json_t *e = NULL;
                int k = read_record(&r, &e);

                if (k < 0)
                        return k;
                if (json_array_append_new(a, e) < 0)
                        return -ENOMEM;
        }
        return 0;
}
