/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* bus-wire.c: see bus-wire.h. */

#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bus-value.h"
#include "bus-wire.h"
#include "macro.h"
#include "utf8.h"

_hot_ void bus_wire_reset(BusWire *w) {
        w->len = 0;
        w->error = 0;
}

void bus_wire_done(BusWire *w) {
        free(w->data);
        *w = (BusWire) {};
}

static void fail(BusWire *w, int error) {
        if (w->error == 0)
                w->error = error;
}

/* Room for n more bytes; NULL (and the error kept) when there is none. */
_hot_ static uint8_t *extend(BusWire *w, size_t n) {
        uint8_t *p;

        if (w->error < 0)
                return NULL;
        if (w->len + n > w->cap) {
                size_t cap = w->cap ? w->cap * 2 : 1024;

                while (cap < w->len + n)
                        cap *= 2;

                p = realloc(w->data, cap);
                if (!p) {
                        fail(w, -ENOMEM);
                        return NULL;
                }
                w->data = p;
                w->cap = cap;
        }
        p = w->data + w->len;
        w->len += n;
        return p;
}

_hot_ void bus_wire_bytes(BusWire *w, const void *data, size_t n) {
        uint8_t *p = n ? extend(w, n) : NULL;

        if (p)
                memcpy(p, data, n);
}

_hot_ void bus_wire_align(BusWire *w, size_t align) {
        size_t pad = (align - (w->len & (align - 1))) & (align - 1);
        uint8_t *p = pad ? extend(w, pad) : NULL;

        if (p)
                memset(p, 0, pad);
}

_hot_ void bus_wire_u8(BusWire *w, uint8_t x) {
        uint8_t *p = extend(w, 1);

        if (p)
                *p = x;
}

/* A number of n bytes (2, 4 or 8), already little-endian, on its own alignment. */
_hot_ static void put_fixed(BusWire *w, const void *le, size_t n) {
        uint8_t *p;

        bus_wire_align(w, n);
        p = extend(w, n);
        if (p)
                memcpy(p, le, n);
}

_hot_ void bus_wire_u32(BusWire *w, uint32_t x) {
        x = htole32(x);
        put_fixed(w, &x, sizeof(x));
}

_hot_ void bus_wire_u64(BusWire *w, uint64_t x) {
        x = htole64(x);
        put_fixed(w, &x, sizeof(x));
}

_hot_ static void put_u16(BusWire *w, uint16_t x) {
        x = htole16(x);
        put_fixed(w, &x, sizeof(x));
}

_hot_ static void put_string_len(BusWire *w, const char *s, size_t len) {
        uint8_t *p;

        if (len > UINT32_MAX - 1) {
                fail(w, -EINVAL);
                return;
        }
        bus_wire_u32(w, (uint32_t) len);
        p = extend(w, len + 1);
        if (p) {
                memcpy(p, s, len);
                p[len] = '\0';
        }
}

_hot_ void bus_wire_string(BusWire *w, const char *s) {
        _cleanup_free_ char *repaired = NULL;
        size_t len = strlen(s);

        if (utf8_is_valid(s, len)) {
                put_string_len(w, s, len);
                return;
        }
        repaired = utf8_escape_invalid(s, len);
        if (!repaired)
                fail(w, -ENOMEM);
        else
                put_string_len(w, repaired, strlen(repaired));
}

_hot_ void bus_wire_signature(BusWire *w, const char *sig) {
        size_t len = strlen(sig);
        uint8_t *p;

        if (len > 255) {
                fail(w, -EINVAL);
                return;
        }
        p = extend(w, len + 2);
        if (p) {
                p[0] = (uint8_t) len;
                memcpy(p + 1, sig, len + 1);
        }
}

_hot_ BusWireArray bus_wire_array_begin(BusWire *w, size_t element_align) {
        BusWireArray a;

        bus_wire_u32(w, 0);
        a.length_at = w->len - 4;
        /* The padding to the first element is there even when there is none, and not counted. */
        bus_wire_align(w, element_align);
        a.start = w->len;
        return a;
}

_hot_ void bus_wire_patch_u32(BusWire *w, size_t at, uint32_t x) {
        if (w->error < 0 || at + 4 > w->len)
                return;
        x = htole32(x);
        memcpy(w->data + at, &x, 4);
}

_hot_ void bus_wire_array_end(BusWire *w, BusWireArray a) {
        /* D-Bus's limit for an array (and sd-bus's): 64 MiB. */
        if (w->error == 0 && w->len - a.start > 64u * 1024 * 1024)
                fail(w, -E2BIG);
        bus_wire_patch_u32(w, a.length_at, (uint32_t) (w->len - a.start));
}

static void put_variant(BusWire *w, const Value *v, unsigned depth);
static void put_dict(BusWire *w, const Value *d, bool (*skip)(const char *key), unsigned depth);

/* The value itself, in the signature bus_value_signature() names (bus-value.c's append_plain()). */
_hot_ static void put_plain(BusWire *w, const char *sig, const Value *v, unsigned depth) {
        const uint8_t *bytes;
        BusWireArray a;
        size_t len;
        uint8_t *p;

        switch (value_type(v)) {
        case VALUE_STRING:
                bus_wire_string(w, value_string(v, NULL));
                return;
        case VALUE_NUMBER:
                switch (sig[0]) {
                case 'y':
                        bus_wire_u8(w, (uint8_t) value_unsigned(v));
                        return;
                case 'q':
                        put_u16(w, (uint16_t) value_unsigned(v));
                        return;
                case 'n':
                        put_u16(w, (uint16_t) (int16_t) value_signed(v));
                        return;
                case 'u':
                        bus_wire_u32(w, (uint32_t) value_unsigned(v));
                        return;
                case 'i':
                        bus_wire_u32(w, (uint32_t) (int32_t) value_signed(v));
                        return;
                case 't':
                        bus_wire_u64(w, value_unsigned(v));
                        return;
                default:
                        bus_wire_u64(w, (uint64_t) value_signed(v));
                        return;
                }
        case VALUE_BOOLEAN:
                bus_wire_u32(w, value_boolean(v) ? 1 : 0);
                return;
        case VALUE_DATA:
                bytes = value_data(v, &len);
                a = bus_wire_array_begin(w, 1);
                p = len > 0 ? extend(w, len) : NULL;
                if (p)
                        memcpy(p, bytes, len);
                bus_wire_array_end(w, a);
                return;
        case VALUE_ARRAY:
                a = bus_wire_array_begin(w, 1);
                for (size_t i = 0; i < value_array_size(v) && w->error == 0; i++)
                        put_variant(w, value_array_get(v, i), depth + 1);
                bus_wire_array_end(w, a);
                return;
        case VALUE_DICTIONARY:
                put_dict(w, v, NULL, depth);
                return;
        default:
                fail(w, -EINVAL);
        }
}

_hot_ static void put_variant(BusWire *w, const Value *v, unsigned depth) {
        const char *sig = bus_value_signature(v);

        if (!sig) {
                fail(w, -EINVAL);
                return;
        }
        if (depth > BUS_VALUE_MAX_DEPTH) {
                fail(w, -ELOOP);
                return;
        }
        bus_wire_signature(w, sig);
        put_plain(w, sig, v, depth);
}

_hot_ static void put_dict(BusWire *w, const Value *d, bool (*skip)(const char *key), unsigned depth) {
        BusWireArray a;

        if (value_type(d) != VALUE_DICTIONARY) {
                fail(w, -EINVAL);
                return;
        }
        a = bus_wire_array_begin(w, 8);
        for (size_t i = 0; i < value_dict_size(d) && w->error == 0; i++) {
                const char *key = value_dict_key_at(d, i);

                if (skip && skip(key))
                        continue;
                bus_wire_align(w, 8); /* each {sv} entry starts like a struct */
                bus_wire_string(w, key);
                put_variant(w, value_dict_value_at(d, i), depth + 1);
        }
        bus_wire_array_end(w, a);
}

void bus_wire_variant(BusWire *w, const Value *v) {
        put_variant(w, v, 0);
}

_hot_ void bus_wire_dict(BusWire *w, const Value *d, bool (*skip)(const char *key)) {
        put_dict(w, d, skip, 0);
}
