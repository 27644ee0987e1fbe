/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* bus-blob.c: see bus-blob.h; the format is wire-blob.h's. */

#include <stdlib.h>
#include <string.h>

#include "bus-blob.h"
#include "bus-restricted.h"
#include "protocol.h"
#include "utf8.h"
#include "wire-blob.h"

void bus_blob_done(BusBlob *b) {
        free(b->bytes);
        *b = (BusBlob) {};
}

/* Room for n more bytes, then *ret points at them. */
static int reserve(BusBlob *b, size_t n, uint8_t **ret) {
        if (b->n + n > b->cap) {
                size_t cap = b->cap ? b->cap : 4096;
                uint8_t *t;

                while (cap < b->n + n)
                        cap *= 2;
                t = realloc(b->bytes, cap);
                if (!t)
                        return -ENOMEM;
                b->bytes = t;
                b->cap = cap;
        }
        *ret = b->bytes + b->n;
        b->n += n;
        return 0;
}

static int put_u8(BusBlob *b, uint8_t v) {
        uint8_t *p;
        int r = reserve(b, 1, &p);

        if (r >= 0)
                p[0] = v;
        return r;
}

static void store_u32(uint8_t *p, uint32_t v) {
        p[0] = v & 0xff;
        p[1] = (v >> 8) & 0xff;
        p[2] = (v >> 16) & 0xff;
        p[3] = v >> 24;
}

static int put_u32(BusBlob *b, uint32_t v) {
        uint8_t *p;
        int r = reserve(b, 4, &p);

        if (r >= 0)
                store_u32(p, v);
        return r;
}

static int put_u64(BusBlob *b, uint64_t v) {
        uint8_t *p;
        int r = reserve(b, 8, &p);

        if (r >= 0) {
                store_u32(p, (uint32_t) v);
                store_u32(p + 4, (uint32_t) (v >> 32));
        }
        return r;
}

static int put_bytes(BusBlob *b, const void *bytes, size_t len) {
        uint8_t *p;
        int r;

        if (len > UINT32_MAX)
                return -EFBIG;
        r = put_u32(b, (uint32_t) len);
        if (r >= 0 && len > 0)
                r = reserve(b, len, &p);
        if (r >= 0 && len > 0)
                memcpy(p, bytes, len);
        return r;
}

/*
 * A string as D-Bus could carry it: bytes that are not UTF-8 repaired, as bus-value.c does
 * (cut at an inner NUL, as a C string). The checked ones (utf8) go as they are.
 */
static int put_checked(BusBlob *b, const char *s, size_t len, bool utf8) {
        _cleanup_free_ char *repaired = NULL;

        if (utf8)
                return put_bytes(b, s, len);
        len = strlen(s);
        if (!utf8_is_valid(s, len)) {
                repaired = utf8_escape_invalid(s, len);
                if (!repaired)
                        return -ENOMEM;
                s = repaired;
                len = strlen(s);
        }
        return put_bytes(b, s, len);
}

static int put_string(BusBlob *b, const char *s) {
        return put_checked(b, s, 0, false);
}

static int put_value(BusBlob *b, const Value *v);

/* A dictionary, without the root-only keys when filter is set (an entry's own table only). */
static int put_dictionary(BusBlob *b, const Value *d, bool filter) {
        size_t n = value_dict_size(d), shown = n;
        int r;

        if (filter)
                for (size_t i = 0; i < n; i++)
                        shown -= bus_restricted_key(value_dict_key_at(d, i));
        if (shown > UINT32_MAX)
                return -EFBIG;
        r = put_u8(b, WIRE_BLOB_DICTIONARY);
        if (r < 0)
                return r;
        r = put_u32(b, (uint32_t) shown);
        for (size_t i = 0; r >= 0 && i < n; i++) {
                size_t len;
                bool utf8;
                const char *key = value_dict_key_at_len(d, i, &len, &utf8);

                if (filter && bus_restricted_key(key))
                        continue;
                r = put_checked(b, key, len, utf8);
                if (r >= 0)
                        r = put_value(b, value_dict_value_at(d, i));
        }
        return r;
}

static int put_value(BusBlob *b, const Value *v) {
        const uint8_t *bytes;
        size_t len;
        int r;

        switch (value_type(v)) {
        case VALUE_STRING: {
                const char *s = value_string(v, &len);

                r = put_u8(b, WIRE_BLOB_STRING);
                return r < 0 ? r : put_checked(b, s, len, value_string_is_utf8(v));
        }
        case VALUE_NUMBER:
                r = put_u8(b, value_number_is_signed(v) ? WIRE_BLOB_SIGNED : WIRE_BLOB_UNSIGNED);
                return r < 0 ? r : put_u64(b, value_unsigned(v));
        case VALUE_BOOLEAN:
                r = put_u8(b, WIRE_BLOB_BOOLEAN);
                return r < 0 ? r : put_u8(b, value_boolean(v));
        case VALUE_DATA:
                bytes = value_data(v, &len);
                r = put_u8(b, WIRE_BLOB_DATA);
                return r < 0 ? r : put_bytes(b, bytes, len);
        case VALUE_ARRAY:
                len = value_array_size(v);
                if (len > UINT32_MAX)
                        return -EFBIG;
                r = put_u8(b, WIRE_BLOB_ARRAY);
                if (r >= 0)
                        r = put_u32(b, (uint32_t) len);
                for (size_t i = 0; r >= 0 && i < len; i++)
                        r = put_value(b, value_array_get(v, i));
                return r;
        case VALUE_DICTIONARY:
                return put_dictionary(b, v, false);
        default:
                return -EINVAL;
        }
}

int bus_blob_put_record(BusBlob *b, const Entry *e, const Plane *plane, unsigned depth, bool omit,
                        uint64_t omitted_size, bool may_see) {
        const char *loc = entry_get_location(e, plane);
        unsigned n_classes = 0;
        size_t start = b->n;
        int r;

        for (const Class *c = e->klass; c; c = c->super)
                n_classes++;
        r = put_u64(b, e->id);
        if (r >= 0)
                r = put_u32(b, depth);
        if (r >= 0)
                r = put_string(b, entry_get_name(e, plane));
        if (r >= 0)
                r = put_string(b, loc ?: "");
        if (r >= 0)
                r = put_u32(b, n_classes);
        for (const Class *c = e->klass; r >= 0 && c; c = c->super)
                r = put_string(b, c->name);
        if (r >= 0)
                r = put_u32(b, e->state);
        if (r >= 0)
                r = put_u32(b, e->busy);
        if (r >= 0)
                r = put_u64(b, entry_busy_time_nsec(e));
        if (r >= 0)
                r = put_u32(b, entry_retain_count(e));
        if (r >= 0 && omit) {
                /* As GetPlanePage: the table's size in its place. */
                r = put_u8(b, WIRE_BLOB_DICTIONARY);
                if (r >= 0)
                        r = put_u32(b, 1);
                if (r >= 0)
                        r = put_string(b, IOREG_PROPERTIES_OMITTED_KEY);
                if (r >= 0)
                        r = put_u8(b, WIRE_BLOB_UNSIGNED);
                if (r >= 0)
                        r = put_u64(b, omitted_size);
        } else if (r >= 0)
                r = put_dictionary(b, e->properties, !may_see);
        if (r < 0)
                b->n = start; /* nothing half written */
        return r;
}
