/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * snapshot-text.c: `ioreg` text dumps (reference §4.2) back into a
 * Registry. Object lines give the tree, property blocks the properties in
 * Apple's value syntax; `-f` blocks are read back into their bytes. See
 * snapshot.h for what the text loses.
 */

#include <ctype.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "macroman.h"
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
static Value *string_from_dump(const char *s, size_t n) {
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
                        *ret = string_from_dump(start, q - start);
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

static int parse_whole_value(const char *s, size_t len, Value **ret) {
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
        return parse_whole_value(text, strlen(text), ret);
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
static int parse_format_block(char **lines, size_t n, Value **ret) {
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

/* --- lines --- */

typedef struct Loader {
        SnapshotBuilder builder;
        SnapshotError *err;
        unsigned line;
        bool have_node;
        unsigned depth;          /* of the last object line */
        Value *props;            /* owned: the block being read, NULL outside one */
        char *pending_key;       /* owned: a -f key whose value is on the lines below */
        char **pending;          /* owned strv: those lines */
        char *open_line;         /* owned: a property line whose string holds newlines, so far */
        unsigned n_pending, cap_pending;
} Loader;

_printf_(3, 4) static int fail_at(Loader *l, int r, const char *format, ...) {
        va_list ap;

        if (l->err) {
                l->err->line = l->line;
                va_start(ap, format);
                vsnprintf(l->err->message, sizeof(l->err->message), format, ap);
                va_end(ap);
        }
        return r;
}

static void pending_clear(Loader *l) {
        for (size_t i = 0; i < l->n_pending; i++)
                free(l->pending[i]);
        l->n_pending = 0;
        free(l->pending_key);
        l->pending_key = NULL;
}

static int pending_flush(Loader *l) {
        Value *v;
        int r = 0;

        if (!l->pending_key)
                return 0;
        if (l->n_pending == 0)
                v = value_new_string(MACROMAN_UNPRINTABLE); /* `"key" = ` and nothing: see macroman.h */
        else
                r = parse_format_block(l->pending, l->n_pending, &v);
        if (r < 0)
                return fail_at(l, r, "cannot read the formatted value of \"%s\"", l->pending_key);
        r = value_dict_set_take(l->props, l->pending_key, v);
        pending_clear(l);
        return r;
}

/* "-i" shows Super:…:Class: define the chain as shown, and return the class. */
static int define_chain(Registry *reg, char *classes, const char **ret) {
        const char *super = NULL;
        char *save = NULL;

        for (char *c = strtok_r(classes, ":", &save); c; c = strtok_r(NULL, ":", &save)) {
                if (super && !class_table_find(reg->classes, c)) {
                        int r = class_table_define(reg->classes, c, super, NULL);
                        if (r < 0)
                                return r;
                }
                super = c;
                *ret = c;
        }
        return 0;
}

static int parse_object_line(Loader *l, const char *s, unsigned depth) {
        _cleanup_free_ char *head = NULL, *klass = NULL;
        SnapshotRecord rec = { .depth = depth };
        const char *info = strstr(s, "  <class "), *p;
        char *at, *field, *save = NULL;
        int r;

        if (!info || info[strlen(info) - 1] != '>')
                return fail_at(l, -EBADMSG, "object line without \"  <class …>\"");
        head = strndup(s, info - s);
        klass = strndup(info + 9, strlen(info + 9) - 1);
        if (!head || !klass)
                return -ENOMEM;
        at = strrchr(head, '@');
        if (at) {
                *at = 0;
                rec.location = at + 1;
        }
        rec.name = head;

        /* "Class, id 0x…[, registered, matched, active, busy N (T ms)], retain N" */
        field = strtok_r(klass, ",", &save);
        if (!field) /* "<class >" or "<class ,,>": no class name at all */
                return fail_at(l, -EBADMSG, "object line without a class name");
        rec.class_name = field;
        if (strchr(field, ':')) {
                r = define_chain(l->builder.registry, field, &rec.class_name);
                if (r < 0)
                        return fail_at(l, r, "cannot define the classes of '%s'", rec.name);
        }
        while ((field = strtok_r(NULL, ",", &save))) {
                unsigned long long v, ms;

                while (*field == ' ')
                        field++;
                if (sscanf(field, "id 0x%llx", &v) == 1)
                        rec.id = v;
                else if (streq(field, "registered") || streq(field, "!registered")) {
                        rec.is_service = true;
                        if (*field != '!')
                                rec.state |= ENTRY_STATE_REGISTERED;
                } else if (streq(field, "matched"))
                        rec.state |= ENTRY_STATE_MATCHED;
                else if (streq(field, "inactive"))
                        rec.state |= ENTRY_STATE_INACTIVE;
                else if (streq(field, "!matched") || streq(field, "active"))
                        ;
                else if (sscanf(field, "busy %llu", &v) == 1) {
                        rec.busy = (uint32_t) v;
                        p = strchr(field, '(');
                        /* Apple shows "(0 ms)" for less than a millisecond: keep it non-zero. */
                        if (p && sscanf(p, "(%llu ms)", &ms) == 1)
                                rec.busy_time_nsec = ms ? ms * 1000000ULL : 1;
                } else if (sscanf(field, "retain %llu", &v) == 1 || sscanf(field, "retain count %llu", &v) == 1)
                        rec.retain = (uint32_t) v;
                else
                        return fail_at(l, -EBADMSG, "unknown field '%s'", field);
        }
        if (!rec.id)
                return fail_at(l, -EBADMSG, "object line without an id");
        r = snapshot_builder_add(&l->builder, &rec, l->err);
        if (r < 0 && l->err)
                l->err->line = l->line;
        return r;
}

/* Counts the "| " / "  " columns before "+-o ", or returns -1 for another line. */
static int object_depth(const char *s) {
        unsigned d = 0;

        for (;; s += 2, d++) {
                if (strncmp(s, "+-o ", 4) == 0)
                        return (int) d;
                if (!((s[0] == '|' || s[0] == ' ') && s[1] == ' '))
                        return -1;
        }
}

static int parse_property_line(Loader *l, const char *s) {
        const char *sep;
        Value *v;
        int r;

        if (strncmp(s, "  \"", 3) != 0)
                return fail_at(l, -EBADMSG, "expected a property");
        /* The key ends at the first '" = ' (keys never hold one in practice). */
        sep = strstr(s + 3, "\" = ");
        if (!sep) {
                size_t n = strlen(s);

                /* -f: `"key" = ` with its value on the lines below. */
                if (n < 6 || strcmp(s + n - 3, "\" =") != 0)
                        return fail_at(l, -EBADMSG, "property without ' = '");
                sep = s + n - 3;
        }
        _cleanup_free_ char *key = NULL;
        r = macroman_to_utf8(s + 3, sep - (s + 3), &key);
        if (r < 0)
                return r;
        if (sep[3] == 0 || sep[4] == 0) {
                l->pending_key = TAKE_PTR(key);
                return 0;
        }
        sep += 4;
        /* A top-level string runs to the end of the line, whatever quotes it holds. */
        if (sep[0] == '"' && strlen(sep) >= 2 && sep[strlen(sep) - 1] == '"')
                v = string_from_dump(sep + 1, strlen(sep) - 2);
        else {
                r = parse_whole_value(sep, strlen(sep), &v);
                if (r < 0)
                        return fail_at(l, r, "cannot read the value of \"%s\"", key);
                if (!v)
                        return 0;
        }
        return value_dict_set_take(l->props, key, v);
}

static int end_properties(Loader *l) {
        SnapshotBuilder *b = &l->builder;
        Entry *e = b->stack[b->n_stack - 1];
        int r;

        r = pending_flush(l);
        if (r < 0)
                return r;
        /* The dump's order is the order ioreg prints: take the block as it is. */
        r = entry_set_properties(e, l->props);
        l->props = value_unref(l->props);
        return r;
}

static int parse_property_line(Loader *l, const char *s);

/*
 * Without a width ioreg prints a string's newlines as they are: the lines
 * after an unclosed top-level string belong to it, up to one ending in '"'.
 */
static bool string_is_open(const char *s) {
        const char *v = strstr(s, "\" = \"");
        size_t n;

        if (!v || strncmp(s, "  \"", 3) != 0)
                return false;
        v += 4;
        n = strlen(v);
        return n < 2 || v[n - 1] != '"';
}

static int continue_open_line(Loader *l, const char *s) {
        size_t a = strlen(l->open_line), b = strlen(s);
        char *joined = realloc(l->open_line, a + 1 + b + 1);

        if (!joined)
                return -ENOMEM;
        joined[a] = '\n';
        memcpy(joined + a + 1, s, b + 1);
        l->open_line = joined;
        if (b == 0 || s[b - 1] != '"')
                return 0;
        joined = TAKE_PTR(l->open_line);
        int r = parse_property_line(l, joined);
        free(joined);
        return r;
}

static int parse_line(Loader *l, const char *s) {
        int d;
        size_t skip;

        if (l->open_line)
                return continue_open_line(l, s);
        d = object_depth(s);

        if (d >= 0) {
                if (l->props)
                        return fail_at(l, -EBADMSG, "object line inside a property block");
                l->have_node = true;
                l->depth = (unsigned) d;
                return parse_object_line(l, s + 2 * d + 4, (unsigned) d);
        }
        if (!l->have_node) {
                if (*s == 0)
                        return 0;
                return fail_at(l, -EBADMSG, "text before the first object line");
        }
        /* Property lines are indented by the node's columns and two more. */
        skip = 2 * (l->depth + 2);
        if (strlen(s) <= skip) {
                for (const char *q = s; *q; q++)
                        if (*q != ' ' && *q != '|')
                                return fail_at(l, -EBADMSG, "unexpected text");
                return 0; /* the blank line after a block, or between -r subtrees */
        }
        s += skip;
        if (!l->props) {
                if (!streq(s, "{"))
                        return fail_at(l, -EBADMSG, "expected '{'");
                l->props = value_new_dictionary();
                return l->props ? 0 : -ENOMEM;
        }
        if (streq(s, "}"))
                return end_properties(l);
        if (l->pending_key && strncmp(s, "    ", 4) == 0) {
                int r = GROW(l->pending, l->cap_pending, l->n_pending + 1);
                if (r < 0)
                        return r;
                l->pending[l->n_pending] = strdup(s);
                if (!l->pending[l->n_pending])
                        return -ENOMEM;
                l->n_pending++;
                return 0;
        }
        int r = pending_flush(l);
        if (r < 0)
                return r;
        if (string_is_open(s)) {
                l->open_line = strdup(s);
                return l->open_line ? 0 : -ENOMEM;
        }
        return parse_property_line(l, s);
}

int snapshot_load_text(Registry *reg, const Plane *plane, const char *text, size_t len, SnapshotError *err) {
        _cleanup_free_ char *line = NULL;
        Loader l = { .err = err };
        const char *p = text, *end = text + len;
        int r = 0;

        snapshot_builder_init(&l.builder, reg, plane);
        while (p < end && r >= 0) {
                const char *nl = memchr(p, '\n', end - p) ?: end;
                size_t n = nl - p;

                l.line++;
                /* A NUL would end the line early: no dump holds one, and what follows would be lost. */
                if (memchr(p, 0, n)) {
                        r = fail_at(&l, -EBADMSG, "NUL byte in the text");
                        break;
                }
                free(line);
                line = strndup(p, n);
                if (!line) {
                        r = -ENOMEM;
                        break;
                }
                if (n > 0 && line[n - 1] == '\r')
                        line[n - 1] = 0;
                r = parse_line(&l, line);
                p = nl + 1;
        }
        if (r >= 0 && (l.props || l.open_line))
                r = fail_at(&l, -EBADMSG, "property block not closed");
        free(l.open_line);
        if (r >= 0 && !l.have_node)
                r = fail_at(&l, -EBADMSG, "no object lines");
        pending_clear(&l);
        free(l.pending);
        value_unref(l.props);
        snapshot_builder_done(&l.builder);
        return r;
}
