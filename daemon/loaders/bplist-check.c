/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* bplist-check.c: see bplist-check.h. Format: CFBinaryPList.c's comment, as libplist reads it. */

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bplist-check.h"
#include "macro.h"

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

/*
 * The references an array (0xa0), set (0xc0) or dictionary (0xd0, its values only) holds:
 * *ret_refs and *ret_n, and 1; 0 for other objects. -EBADMSG when they run past the object area.
 */
static int container_refs(const BPlist *b, uint64_t index, const uint8_t **ret_refs, uint64_t *ret_n) {
        uint64_t count;
        size_t off, body;
        uint8_t type;

        *ret_n = 0;
        if (object_offset(b, index, &off) < 0 || object_header(b, off, &type, &count, &body) < 0)
                return -EBADMSG;
        if (type != 0xa0 && type != 0xc0 && type != 0xd0)
                return 0;
        if (count > (b->objects_end - body) / b->ref_size / (type == 0xd0 ? 2 : 1))
                return -EBADMSG;
        *ret_refs = b->data + body + (type == 0xd0 ? count * b->ref_size : 0);
        *ret_n = count;
        return 1;
}

typedef struct DepthFrame {
        uint64_t index;   /* the container */
        uint64_t next;    /* its next reference to follow */
        unsigned deepest; /* the deepest container below it so far */
} DepthFrame;

/*
 * How deep containers nest from the root, without recursion: a depth-first walk on a stack of at
 * most BPLIST_MAX_NESTING frames, each object's depth remembered once known (shared objects are
 * walked once), a reference back into the walk refused as a cycle.
 */
static int check_depth(const BPlist *b, uint64_t root, const char **ret_reason) {
        _cleanup_free_ uint16_t *depth = NULL; /* per object: 0 unknown, UINT16_MAX in the walk, else depth */
        DepthFrame stack[BPLIST_MAX_NESTING];
        unsigned n = 0;
        const uint8_t *refs;
        uint64_t count;
        int r;

        depth = calloc(b->n_objects, sizeof(*depth));
        if (!depth) {
                *ret_reason = "out of memory";
                return -ENOMEM;
        }
        if (container_refs(b, root, &refs, &count) < 0)
                goto broken;
        stack[n++] = (DepthFrame) { .index = root };
        depth[root] = UINT16_MAX;
        while (n > 0) {
                DepthFrame *top = &stack[n - 1];
                uint64_t child;

                if (container_refs(b, top->index, &refs, &count) < 0)
                        goto broken;
                if (top->next == count) {
                        unsigned d = top->deepest + 1;

                        depth[top->index] = (uint16_t) d;
                        n--;
                        if (n > 0 && d > stack[n - 1].deepest)
                                stack[n - 1].deepest = d;
                        continue;
                }
                child = read_be(refs + top->next++ * b->ref_size, b->ref_size);
                if (child >= b->n_objects)
                        goto broken;
                if (depth[child] == UINT16_MAX) {
                        *ret_reason = "an object contains itself (a reference cycle)";
                        return -EBADMSG;
                }
                if (depth[child] > 0) {
                        if (depth[child] > top->deepest)
                                top->deepest = depth[child];
                        continue;
                }
                r = container_refs(b, child, &refs, &count);
                if (r < 0)
                        goto broken;
                if (r == 0)
                        continue; /* a scalar */
                /* The child is the (n + 1)th container on this path. */
                if (n == BPLIST_MAX_NESTING) {
                        *ret_reason = "containers nest deeper than " BPLIST_MAX_NESTING_TEXT " levels";
                        return -EBADMSG;
                }
                if (count == 0) {
                        if (top->deepest < 1)
                                top->deepest = 1; /* empty: nothing to walk */
                        continue;
                }
                depth[child] = UINT16_MAX;
                stack[n++] = (DepthFrame) { .index = child };
        }
        return 0;
broken:
        *ret_reason = "a container refers outside the object table";
        return -EBADMSG;
}

int bplist_check(const void *buf, size_t len, const char **ret_reason) {
        const uint8_t *t;
        uint64_t table, root;
        BPlist b = { .data = buf, .size = len };
        const char *dummy;
        int r;

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
                        r = check_key(&b, read_be(b.data + body + k * b.ref_size, b.ref_size), ret_reason);

                        if (r < 0)
                                return r;
                }
        }
        /* libplist and the converters recurse once per level: bounded here, before they run. */
        r = check_depth(&b, root, ret_reason);
        if (r < 0)
                return r;
        *ret_reason = NULL;
        return 0;
}
