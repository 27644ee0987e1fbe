/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * snapshot-value.c: see snapshot-value.h. Apple's value syntax as `ioreg`
 * prints it, and the `-f` blocks, read back into Values.
 */

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "macroman.h"
#include "snapshot-value.h"
#include "snapshot.h"

/* --- values --- */

typedef struct Cursor {
        const char *p;   /* borrowed: the next character */
        const char *end; /* borrowed: one past the last */
        unsigned depth;  /* arrays, sets and dictionaries open around p */
} Cursor;

/* Deeper than any real dump; bounds the recursion (a line of "((((" overflowed the stack). */
#define SNAPSHOT_MAX_VALUE_DEPTH 64

static int parse_value(Cursor *c, const char *terms, Value **ret);

/* ioreg prints strings in Mac OS Roman: back to UTF-8. */
Value *snapshot_string_from_dump(const char *s, size_t n) {
        _cleanup_free_ char *u = NULL;

        if (macroman_to_utf8(s, n, &u) < 0)
                return NULL;
        return value_new_string(u);
}

static bool at_end(const Cursor *c) {
        return c->p >= c->end;
}

static bool follows_term(const char *q, const char *end, const char *terms) {
        return q >= end || (*q && strchr(terms, *q));
}

/*
 * Apple prints strings without escapes: the closing quote is the first one
 * that is followed by what may come after the value here (or the end).
 */
static int parse_quoted(Cursor *c, const char *terms, Value **ret) {
        const char *start = c->p + 1;

        for (const char *q = start; q < c->end; q++)
                if (*q == '"' && follows_term(q + 1, c->end, terms)) {
                        *ret = snapshot_string_from_dump(start, q - start);
                        c->p = q + 1;
                        return *ret ? 0 : -ENOMEM;
                }
        return -EBADMSG;
}

static int hex_nibble(char ch) {
        if (ch >= '0' && ch <= '9')
                return ch - '0';
        if (ch >= 'a' && ch <= 'f')
                return ch - 'a' + 10;
        if (ch >= 'A' && ch <= 'F')
                return ch - 'A' + 10;
        return -1;
}

/* <hex bytes> or <"string","string"> (each string NUL-terminated, see snapshot.h). */
static int parse_data(Cursor *c, Value **ret) {
        _cleanup_free_ uint8_t *buf = NULL;
        size_t n = 0;

        c->p++;
        if (c->end - c->p >= 15 && memcmp(c->p, "unknown object>", 15) == 0) {
                c->p += 15;
                *ret = NULL; /* nothing to keep */
                return 0;
        }
        buf = malloc(c->end - c->p + 1);
        if (!buf)
                return -ENOMEM;
        if (!at_end(c) && *c->p == '"') {
                for (;;) {
                        const char *start = ++c->p, *q;

                        for (q = start; q < c->end; q++)
                                if (*q == '"' && q + 1 < c->end &&
                                    (q[1] == '>' || (q[1] == ',' && q + 2 < c->end && q[2] == '"')))
                                        break;
                        if (q >= c->end)
                                return -EBADMSG;
                        memcpy(buf + n, start, q - start);
                        n += q - start;
                        buf[n++] = 0;
                        c->p = q + 2;
                        if (q[1] == '>')
                                break;
                }
        } else {
                for (; !at_end(c) && *c->p != '>'; c->p += 2) {
                        int hi = hex_nibble(c->p[0]), lo = c->end - c->p > 1 ? hex_nibble(c->p[1]) : -1;

                        if (hi < 0 || lo < 0)
                                return -EBADMSG;
                        buf[n++] = (uint8_t) (hi << 4 | lo);
                }
                if (at_end(c))
                        return -EBADMSG;
                c->p++;
        }
        *ret = value_new_data(buf, n);
        return *ret ? 0 : -ENOMEM;
}

static int parse_number(Cursor *c, Value **ret) {
        char *e;
        uint64_t v;

        errno = 0;
        v = strtoull(c->p, &e, 0); /* decimal, or 0x… with -x */
        if (errno || e == c->p || e > c->end)
                return -EBADMSG;
        c->p = e;
        *ret = value_new_unsigned(v, v > UINT32_MAX ? 64 : 32);
        return *ret ? 0 : -ENOMEM;
}

static int parse_array(Cursor *c, char close, Value **ret) {
        _cleanup_value_ Value *a = value_new_array();
        const char terms[] = { ',', close, 0 };
        int r;

        if (!a)
                return -ENOMEM;
        c->p++;
        if (!at_end(c) && *c->p == close) {
                c->p++;
                *ret = TAKE_PTR(a);
                return 0;
        }
        for (;;) {
                Value *item;

                r = parse_value(c, terms, &item);
                if (r < 0)
                        return r;
                if (item) {
                        r = value_array_append_take(a, item);
                        if (r < 0)
                                return r;
                }
                if (at_end(c))
                        return -EBADMSG;
                if (*c->p++ == close)
                        break;
        }
        *ret = TAKE_PTR(a);
        return 0;
}

static int parse_dictionary(Cursor *c, Value **ret) {
        _cleanup_value_ Value *d = value_new_dictionary();
        int r;

        if (!d)
                return -ENOMEM;
        c->p++;
        if (!at_end(c) && *c->p == '}') {
                c->p++;
                *ret = TAKE_PTR(d);
                return 0;
        }
        for (;;) {
                _cleanup_value_ Value *key = NULL;
                Value *v;

                if (at_end(c) || *c->p != '"')
                        return -EBADMSG;
                r = parse_quoted(c, "=", &key);
                if (r < 0)
                        return r;
                /* The quote may also have ended the text: then there is no '=' to step over. */
                if (at_end(c) || *c->p != '=')
                        return -EBADMSG;
                c->p++;
                r = parse_value(c, ",}", &v);
                if (r < 0)
                        return r;
                if (v) {
                        r = value_dict_set_take(d, value_string(key, NULL), v);
                        if (r < 0)
                                return r;
                }
                if (at_end(c))
                        return -EBADMSG;
                if (*c->p++ == '}')
                        break;
        }
        *ret = TAKE_PTR(d);
        return 0;
}

/* *ret is NULL for <unknown object>, which has nothing to keep. */
static int parse_value(Cursor *c, const char *terms, Value **ret) {
        size_t left = c->end - c->p;

        /* Nothing at all: a string ioreg could not encode (see macroman.h). */
        if (left == 0 || strchr(terms, *c->p)) {
                *ret = value_new_string(MACROMAN_UNPRINTABLE);
                return *ret ? 0 : -ENOMEM;
        }
        switch (*c->p) {
        case '"':
                return parse_quoted(c, terms, ret);
        case '<':
                return parse_data(c, ret);
        case '(':
        case '[':
        case '{': {
                int r;

                if (c->depth >= SNAPSHOT_MAX_VALUE_DEPTH)
                        return -EBADMSG;
                c->depth++;
                if (*c->p == '{')
                        r = parse_dictionary(c, ret);
                else
                        r = parse_array(c, *c->p == '(' ? ')' : ']', ret); /* a set: kept as an array */
                c->depth--;
                return r;
        }
        }
        if (left >= 3 && memcmp(c->p, "Yes", 3) == 0 && follows_term(c->p + 3, c->end, terms)) {
                c->p += 3;
                *ret = value_new_boolean(true);
                return *ret ? 0 : -ENOMEM;
        }
        if (left >= 2 && memcmp(c->p, "No", 2) == 0 && follows_term(c->p + 2, c->end, terms)) {
                c->p += 2;
                *ret = value_new_boolean(false);
                return *ret ? 0 : -ENOMEM;
        }
        if (isdigit((unsigned char) *c->p))
                return parse_number(c, ret);
        return -EBADMSG;
}

int snapshot_parse_value_n(const char *s, size_t len, Value **ret) {
        Cursor c = { s, s + len, 0 };
        int r;

        r = parse_value(&c, "", ret);
        if (r < 0)
                return r;
        if (!at_end(&c)) {
                *ret = value_unref(*ret);
                return -EBADMSG;
        }
        return 0;
}

int snapshot_parse_value(const char *text, Value **ret) {
        return snapshot_parse_value_n(text, strlen(text), ret);
}

/* --- -f blocks: the lines below a `"key" = ` with no value --- */

typedef struct Bytes {
        uint8_t *buf; /* owned */
        size_t len;
        unsigned cap;
} Bytes;

static int bytes_put(Bytes *b, const void *p, size_t n) {
        int r = GROW(b->buf, b->cap, b->len + n);

        if (r < 0)
                return r;
        memcpy(b->buf + b->len, p, n);
        b->len += n;
        return 0;
}

/* A 32-bit cell as ioreg read it: in the Mac's (little-endian) byte order. */
static int bytes_put_cell(Bytes *b, uint32_t v) {
        uint8_t le[4] = { v, v >> 8, v >> 16, v >> 24 };

        return bytes_put(b, le, 4);
}

/*
 * "OOOOOOOO: HH HH … <padding> ascii": the byte count is the longest run
 * of hex pairs whose ASCII rendering ends the line after spaces.
 */
static int parse_hexdump_line(Bytes *b, const char *s) {
        uint8_t bytes[256];
        size_t n = 0, len;
        const char *q;

        if (strlen(s) < 9 || s[8] != ':')
                return -EBADMSG;
        for (q = s + 9; n < sizeof(bytes) && q[0] == ' ' && hex_nibble(q[1]) >= 0 && hex_nibble(q[2]) >= 0 &&
                        (q[3] == ' ' || q[3] == 0);
             q += 3)
                bytes[n++] = (uint8_t) (hex_nibble(q[1]) << 4 | hex_nibble(q[2]));
        /*
         * The line is 3 columns per byte of a full line, a space, then one
         * character per byte shown; a greedy read may have taken the start
         * of the ASCII column, so take the longest count that fits.
         */
        len = strlen(s) - 9;
        for (; n > 0; n--) {
                size_t per_line, pad_end;
                bool ok;

                if (len < 1 + n || (len - 1 - n) % 3 != 0)
                        continue;
                per_line = (len - 1 - n) / 3;
                if (per_line < n)
                        continue;
                pad_end = 9 + 3 * per_line + 1;
                ok = true;
                for (size_t g = 9 + 3 * n; ok && g < pad_end; g++)
                        ok = s[g] == ' ';
                if (ok)
                        return bytes_put(b, bytes, n);
        }
        return -EBADMSG;
}

static int parse_cells(Bytes *b, const char *s) {
        for (;;) {
                char *e;
                unsigned long v;

                while (*s == ' ')
                        s++;
                if (!*s)
                        return 0;
                errno = 0;
                v = strtoul(s, &e, 16);
                if (errno || e == s || (*e && *e != ' ') || v > UINT32_MAX)
                        return -EBADMSG;
                int r = bytes_put_cell(b, (uint32_t) v);
                if (r < 0)
                        return r;
                s = e;
        }
}

/* lines: the block's lines with the property indentation removed, each starting "    ". */
int snapshot_parse_format_block(char **lines, size_t n, Value **ret) {
        _cleanup_free_ uint8_t *owned = NULL;
        Bytes b = {};
        int r = 0;

        for (size_t i = 0; i < n && r >= 0; i++) {
                const char *s = lines[i] + 4;
                uint32_t hi, mid, lo, shi, slo;

                if (sscanf(s, "%*u: phys.hi: %" SCNx32 " phys.mid: %" SCNx32 " phys.lo: %" SCNx32, &hi, &mid, &lo) == 3) {
                        if (i + 1 >= n || sscanf(lines[i + 1] + 4, " size.hi: %" SCNx32 " size.lo: %" SCNx32, &shi, &slo) != 2)
                                r = -EBADMSG;
                        else {
                                uint32_t cells[5] = { hi, mid, lo, shi, slo };

                                for (size_t k = 0; k < 5 && r >= 0; k++)
                                        r = bytes_put_cell(&b, cells[k]);
                                i += 3; /* size, bus, type */
                        }
                } else if (s[0] == '-')
                        continue; /* the ranges title */
                else if (strlen(s) > 9 && s[8] == ':')
                        r = parse_hexdump_line(&b, s);
                else
                        r = parse_cells(&b, s);
        }
        owned = b.buf;
        if (r < 0)
                return r;
        *ret = value_new_data(b.buf, b.len);
        return *ret ? 0 : -ENOMEM;
}
