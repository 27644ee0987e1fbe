/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* bplist-check.c: see bplist-check.h. Format: CFBinaryPList.c's comment, as libplist reads it. */

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "bplist-check.h"

#define BPLIST_HEADER "bplist00"
#define BPLIST_HEADER_SIZE 8
#define BPLIST_TRAILER_SIZE 32

typedef struct BPlist {
        const uint8_t *data;
        size_t size;
        size_t objects_end;      /* objects lie in [BPLIST_HEADER_SIZE, objects_end): the offset table follows */
        const uint8_t *offsets;  /* the offset table */
        uint8_t offset_size, ref_size;
        uint64_t n_objects;
} BPlist;

int bplist_is_binary(const void *buf, size_t len) {
        return len >= BPLIST_HEADER_SIZE && memcmp(buf, BPLIST_HEADER, BPLIST_HEADER_SIZE) == 0;
}

/* n big-endian bytes; for n > 8 the last 8, as libplist's UINT_TO_HOST. */
static uint64_t read_be(const uint8_t *p, unsigned n) {
        uint64_t v = 0;

        if (n > 8) {
                p += n - 8;
                n = 8;
        }
        for (unsigned i = 0; i < n; i++)
                v = v << 8 | p[i];
        return v;
}

/* The object at index i: its offset, checked to lie in the object area. */
static int object_offset(const BPlist *b, uint64_t i, size_t *ret) {
        uint64_t off;

        if (i >= b->n_objects)
                return -EBADMSG;
        off = read_be(b->offsets + i * b->offset_size, b->offset_size);
        if (off < BPLIST_HEADER_SIZE || off >= b->objects_end)
                return -EBADMSG;
        *ret = off;
        return 0;
}

/*
 * The marker at off and the object's count (low nibble, or a following int
 * object when it is 0xF); *ret_body is where the contents start.
 */
static int object_header(const BPlist *b, size_t off, uint8_t *ret_type, uint64_t *ret_count, size_t *ret_body) {
        uint8_t marker = b->data[off];
        uint64_t count = marker & 0x0f;
        size_t p = off + 1;

        if (count == 0x0f) {
                unsigned n;

                if (p >= b->objects_end || (b->data[p] & 0xf0) != 0x10)
                        return -EBADMSG;
                n = 1u << (b->data[p] & 0x0f);
                p++;
                if (n > b->objects_end - p)
                        return -EBADMSG;
                count = read_be(b->data + p, n);
                p += n;
        }
        *ret_type = marker & 0xf0;
        *ret_count = count;
        *ret_body = p;
        return 0;
}

/* A dictionary key: a string (ASCII 0x5_, UTF-16 0x6_) without NUL, inside the object area. */
static int check_key(const BPlist *b, uint64_t index, const char **ret_reason) {
        uint64_t count;
        size_t off, body;
        uint8_t type;

        if (object_offset(b, index, &off) < 0 || object_header(b, off, &type, &count, &body) < 0) {
                *ret_reason = "a dictionary key refers outside the object table";
                return -EBADMSG;
        }
        if (type == 0x50) {
                if (count > b->objects_end - body) {
                        *ret_reason = "a dictionary key runs past the object table";
                        return -EBADMSG;
                }
                if (memchr(b->data + body, 0, count)) {
                        *ret_reason = "a dictionary key holds a NUL character";
                        return -EBADMSG;
                }
                return 0;
        }
        if (type == 0x60) {
                if (count > (b->objects_end - body) / 2) {
                        *ret_reason = "a dictionary key runs past the object table";
                        return -EBADMSG;
                }
                for (uint64_t i = 0; i < count; i++)
                        if (b->data[body + 2 * i] == 0 && b->data[body + 2 * i + 1] == 0) {
                                *ret_reason = "a dictionary key holds a NUL character";
                                return -EBADMSG;
                        }
                return 0;
        }
        *ret_reason = "a dictionary key is not a string";
        return -EBADMSG;
}

int bplist_check(const void *buf, size_t len, const char **ret_reason) {
        const uint8_t *t;
        uint64_t table, root;
        BPlist b = { .data = buf, .size = len };
        const char *dummy;

        if (!ret_reason)
                ret_reason = &dummy;
        *ret_reason = "the binary property list is truncated or its trailer is broken";
        if (!bplist_is_binary(buf, len) || len < BPLIST_HEADER_SIZE + BPLIST_TRAILER_SIZE)
                return -EBADMSG;

        /* Trailer: 6 unused bytes, offset size, reference size, then three 64-bit numbers. */
        t = b.data + len - BPLIST_TRAILER_SIZE;
        b.offset_size = t[6];
        b.ref_size = t[7];
        b.n_objects = read_be(t + 8, 8);
        root = read_be(t + 16, 8);
        table = read_be(t + 24, 8);
        if (b.offset_size == 0 || b.offset_size > 8 || b.ref_size == 0 || b.ref_size > 8 || b.n_objects == 0 ||
            root >= b.n_objects || table < BPLIST_HEADER_SIZE || table >= len - BPLIST_TRAILER_SIZE ||
            b.n_objects > (len - BPLIST_TRAILER_SIZE - table) / b.offset_size)
                return -EBADMSG;
        b.offsets = b.data + table;
        b.objects_end = table;

        /* Every object once, in table order: no recursion, no reference cycles to follow. */
        for (uint64_t i = 0; i < b.n_objects; i++) {
                uint64_t count;
                size_t off, body;
                uint8_t type;

                if (object_offset(&b, i, &off) < 0 || object_header(&b, off, &type, &count, &body) < 0) {
                        *ret_reason = "an object lies outside the object table";
                        return -EBADMSG;
                }
                if (type != 0xd0)
                        continue;
                /* count key references, then count value references. */
                if (count > (b.objects_end - body) / 2 / b.ref_size) {
                        *ret_reason = "a dictionary runs past the object table";
                        return -EBADMSG;
                }
                for (uint64_t k = 0; k < count; k++) {
                        int r = check_key(&b, read_be(b.data + body + k * b.ref_size, b.ref_size), ret_reason);

                        if (r < 0)
                                return r;
                }
        }
        *ret_reason = NULL;
        return 0;
}
