/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* ioreg-output.c: see ioreg-output.h. */

#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "ioreg-output.h"
#include "macroman.h"
#include "json-form.h"

/* --- the line writer --- */

void out_flush(Printer *p) {
        if (p->n_buf > 0)
                (void) fwrite(p->buf, 1, p->n_buf, p->f);
        p->n_buf = 0;
}

static void out_write(Printer *p, const char *s, size_t n) {
        if (n > sizeof(p->buf) - p->n_buf) {
                out_flush(p);
                if (n >= sizeof(p->buf)) {
                        (void) fwrite(s, 1, n, p->f);
                        return;
                }
        }
        memcpy(p->buf + p->n_buf, s, n);
        p->n_buf += n;
}

static void out_byte(Printer *p, char c) {
        if (p->n_buf == sizeof(p->buf))
                out_flush(p);
        p->buf[p->n_buf++] = c;
}

void out_putn(Printer *p, const char *s, size_t n) {
        if (p->o->width == 0) {
                out_write(p, s, n);
                return;
        }
        /* As printva(): a piece gets at most left - 1 columns; reaching that clips the line. */
        if (n >= p->left) {
                n = p->left - 1;
                p->clipped = true;
        }
        for (size_t i = 0; i < n; i++)
                out_byte(p, s[i] == '\n' ? ' ' : s[i]);
        p->left -= n;
}

void out_puts(Printer *p, const char *s) {
        out_putn(p, s, strlen(s));
}

void out_printf(Printer *p, const char *format, ...) {
        char small[256], *big = NULL;
        va_list ap;
        int n;

        va_start(ap, format);
        n = vsnprintf(small, sizeof(small), format, ap);
        va_end(ap);
        if (n < 0)
                return;
        if ((size_t) n < sizeof(small)) {
                out_putn(p, small, n);
                return;
        }
        va_start(ap, format);
        n = vasprintf(&big, format, ap);
        va_end(ap);
        if (n < 0)
                return;
        out_putn(p, big, n);
        free(big);
}

void out_raw(Printer *p, const char *s) {
        out_write(p, s, strlen(s));
}

void out_endl(Printer *p) {
        if (p->clipped)
                out_byte(p, '$');
        out_byte(p, '\n');
        p->clipped = false;
        p->left = p->o->width;
}

/* --- values (IOKitTools' cf*show) --- */

static const char hex_digits[] = "0123456789abcdef";

/*
 * A number as "%llu" or "0x%llx" writes it, without vsnprintf: ioreg -l prints tens of
 * thousands. Pieces may be cut anywhere: out_putn() clips the sum of them as one.
 */
static void out_u64(Printer *p, uint64_t v, bool hex) {
        char buf[24], *end = buf + sizeof(buf), *s = end;

        if (hex) {
                do
                        *--s = hex_digits[v & 0xf];
                while (v >>= 4);
                *--s = 'x';
                *--s = '0';
        } else
                do
                        *--s = (char) ('0' + v % 10);
                while (v /= 10);
        out_putn(p, s, (size_t) (end - s));
}

/* Bytes as "%02x" each, a buffer at a time. */
static void out_hex(Printer *p, const uint8_t *b, size_t len) {
        char buf[256];
        size_t n = 0;

        for (size_t i = 0; i < len; i++) {
                buf[n++] = hex_digits[b[i] >> 4];
                buf[n++] = hex_digits[b[i] & 0xf];
                if (n == sizeof(buf)) {
                        out_putn(p, buf, n);
                        n = 0;
                }
        }
        if (n > 0)
                out_putn(p, buf, n);
}

/* A string as ioreg prints it: quoted in Mac OS Roman, or nothing at all when it cannot be. */
void out_string(Printer *p, const char *s) {
        _cleanup_free_ char *roman = NULL;
        bool ascii = true;

        for (const char *c = s; *c && ascii; c++)
                ascii = (unsigned char) *c < 0x80;
        if (!ascii && utf8_to_macroman(s, &roman) < 0)
                return;
        out_puts(p, "\"");
        out_puts(p, roman ?: s);
        out_puts(p, "\"");
}

bool data_is_text(const uint8_t *b, size_t len, bool hex, bool padding) {
        unsigned normal = 0, symbol = 0;
        size_t i;

        for (i = 0; i < len; i++) {
                if (b[i] == 0) {
                        /*
                         * Two NULs in a row end the text: plain ioreg then shows
                         * hex; -f (printData) accepts zero padding to the end.
                         */
                        if (padding)
                                for (; i < len && b[i] == 0; i++)
                                        ;
                        break;
                }
                for (; i < len; i++) {
                        if (isprint(b[i]))
                                normal++;
                        else if (b[i] >= 128 && b[i] <= 254)
                                symbol++;
                        else
                                break;
                }
                if (!(i < len && b[i] == 0))
                        break;
        }
        if ((normal >> 2) < symbol || len == 1 || hex)
                return false;
        return i >= len && normal > 0;
}

void out_data(Printer *p, const uint8_t *b, size_t len, bool padding) {
        out_puts(p, "<");
        if (data_is_text(b, len, p->o->hex, padding)) {
                bool quoted = false;

                for (size_t i = 0; i < len; i++) {
                        if (b[i]) {
                                size_t run = 1;

                                if (!quoted) {
                                        quoted = true;
                                        out_puts(p, i ? ",\"" : "\"");
                                }
                                while (i + run < len && b[i + run])
                                        run++;
                                out_putn(p, (const char *) &b[i], run);
                                i += run - 1;
                        } else if (quoted) {
                                quoted = false;
                                out_puts(p, "\"");
                        } else
                                break;
                }
                if (quoted)
                        out_puts(p, "\"");
        } else
                out_hex(p, b, len);
        out_puts(p, ">");
}

void out_value(Printer *p, json_t *v) {
        _cleanup_free_ uint8_t *bytes = NULL;
        const char *key;
        json_t *item; /* borrowed */
        size_t len, k;

        switch (json_form_type(v)) {
        case JSON_FORM_STRING:
                out_string(p, json_string_value(v));
                break;
        case JSON_FORM_NUMBER:
                /* Unsigned, as ioreg's %qu: a negative number shows as its two's complement. */
                out_u64(p, json_form_number(v), p->o->hex);
                break;
        case JSON_FORM_BOOLEAN:
                out_puts(p, json_is_true(v) ? "Yes" : "No");
                break;
        case JSON_FORM_DATA:
                if (json_form_get_data(v, &bytes, &len) < 0)
                        goto unknown;
                out_data(p, bytes, len, false);
                break;
        case JSON_FORM_ARRAY:
                out_puts(p, "(");
                json_array_foreach(v, k, item) {
                        if (k)
                                out_puts(p, ",");
                        out_value(p, item);
                }
                out_puts(p, ")");
                break;
        case JSON_FORM_DICTIONARY:
                out_puts(p, "{");
                k = 0;
                json_object_foreach(v, key, item) {
                        if (k++)
                                out_puts(p, ",");
                        out_string(p, key);
                        out_puts(p, "=");
                        out_value(p, item);
                }
                out_puts(p, "}");
                break;
        default:
        unknown:
                out_puts(p, "<unknown object>");
        }
}

/* --- the tree columns --- */

/*
 * stackOfBits, for a node at depth n: bit n+1 = it has children shown;
 * bits 0..n = the node at that depth on the path has later siblings.
 */
void out_indent(Printer *p, bool is_node, unsigned depth, uint64_t bits) {
        unsigned last = is_node ? depth : depth + 2;

        for (unsigned i = 0; i < last; i++)
                out_puts(p, (bits & (UINT64_C(1) << (i & 63))) ? "| " : "  ");
        if (is_node)
                out_puts(p, "+-o ");
}
