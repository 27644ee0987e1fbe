/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ioreg-print.c: see ioreg-print.h. The traversal mirrors IOKitTools'
 * scan()/show()/indent(), including where the "has children" bit is left
 * alone at the depth limit, so that the output matches byte for byte.
 */

#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "ioreg-print.h"

/* One logical output line, clipped to the width when it is flushed. */
typedef struct Line {
        FILE *f;           /* borrowed */
        char *buf;         /* owned */
        size_t len, cap;
        unsigned width;
        bool failed;
} Line;

static void line_putn(Line *l, const char *s, size_t n) {
        if (l->len + n + 1 > l->cap) {
                size_t cap = (l->cap ? l->cap : 256);
                char *b;

                while (cap < l->len + n + 1)
                        cap *= 2;
                b = realloc(l->buf, cap);
                if (!b) {
                        l->failed = true;
                        return;
                }
                l->buf = b;
                l->cap = cap;
        }
        for (size_t i = 0; i < n; i++)
                /* Embedded newlines would break the tree: ioreg prints them as spaces. */
                l->buf[l->len++] = (s[i] == '\n' || s[i] == '\r') ? ' ' : s[i];
}

static void line_puts(Line *l, const char *s) {
        line_putn(l, s, strlen(s));
}

_printf_(2, 3) static void line_printf(Line *l, const char *format, ...) {
        char small[128], *big = NULL;
        va_list ap;
        int n;

        va_start(ap, format);
        n = vsnprintf(small, sizeof(small), format, ap);
        va_end(ap);
        if (n < 0) {
                l->failed = true;
                return;
        }
        if ((size_t) n < sizeof(small)) {
                line_putn(l, small, n);
                return;
        }
        va_start(ap, format);
        n = vasprintf(&big, format, ap);
        va_end(ap);
        if (n < 0) {
                l->failed = true;
                return;
        }
        line_putn(l, big, n);
        free(big);
}

static void line_end(Line *l) {
        if (l->width > 0 && l->len > l->width) {
                /* Clipped lines end in '$' at the last column. */
                l->len = l->width;
                l->buf[l->width - 1] = '$';
        }
        if (fwrite(l->buf ?: "", 1, l->len, l->f) != l->len || fputc('\n', l->f) == EOF)
                l->failed = true;
        l->len = 0;
}

/* --- values (IOKitTools' CF*Show) --- */

static void show_value(Line *l, const Value *v, bool hex);

/*
 * Data shows as one or more quoted strings when it holds NUL-separated
 * printable text (trailing zero padding allowed, ≥ 80 % plain ASCII, more
 * than one byte), else as hex bytes.
 */
static void show_data(Line *l, const Value *v, bool hex) {
        unsigned normal = 0, symbol = 0;
        size_t len, i;
        const uint8_t *b = value_data(v, &len);

        line_puts(l, "<");
        for (i = 0; i < len; i++) {
                if (b[i] == 0) {
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
                i = 0;

        if (i >= len && normal) {
                bool quoted = false;

                for (i = 0; i < len; i++) {
                        if (b[i]) {
                                if (!quoted) {
                                        quoted = true;
                                        line_puts(l, i ? ",\"" : "\"");
                                }
                                line_putn(l, (const char *) &b[i], 1);
                        } else if (quoted) {
                                quoted = false;
                                line_puts(l, "\"");
                        } else
                                break;
                }
                if (quoted)
                        line_puts(l, "\"");
        } else
                for (i = 0; i < len; i++)
                        line_printf(l, "%02x", b[i]);
        line_puts(l, ">");
}

static void show_value(Line *l, const Value *v, bool hex) {
        switch (value_type(v)) {
        case VALUE_STRING:
                line_printf(l, "\"%s\"", value_string(v, NULL));
                break;
        case VALUE_NUMBER:
                /* Unsigned, as ioreg's %qu: a negative number shows as its two's complement. */
                if (hex)
                        line_printf(l, "0x%llx", (unsigned long long) value_unsigned(v));
                else
                        line_printf(l, "%llu", (unsigned long long) value_unsigned(v));
                break;
        case VALUE_BOOLEAN:
                line_puts(l, value_boolean(v) ? "Yes" : "No");
                break;
        case VALUE_DATA:
                show_data(l, v, hex);
                break;
        case VALUE_ARRAY:
                line_puts(l, "(");
                for (size_t i = 0; i < value_array_size(v); i++) {
                        if (i)
                                line_puts(l, ",");
                        show_value(l, value_array_get(v, i), hex);
                }
                line_puts(l, ")");
                break;
        case VALUE_DICTIONARY:
                line_puts(l, "{");
                for (size_t i = 0; i < value_dict_size(v); i++) {
                        if (i)
                                line_puts(l, ",");
                        line_printf(l, "\"%s\"=", value_dict_key_at(v, i));
                        show_value(l, value_dict_value_at(v, i), hex);
                }
                line_puts(l, "}");
                break;
        default:
                line_puts(l, "<unknown object>");
        }
}

/* --- the tree --- */

/*
 * stackOfBits, for a node at depth n: bit n+1 = it has children shown;
 * bits 0..n = the node at that depth on the path has later siblings.
 */
static void indent(Line *l, bool is_node, unsigned depth, uint64_t bits) {
        unsigned last = is_node ? depth : depth + 2;

        for (unsigned i = 0; i < last; i++)
                line_puts(l, (bits & (UINT64_C(1) << (i & 63))) ? "| " : "  ");
        if (is_node)
                line_puts(l, "+-o ");
}

static void show_node(Line *l, const IoregNode *n, unsigned depth, uint64_t bits, const IoregPrintOptions *o) {
        indent(l, true, depth, bits);
        line_puts(l, n->name);
        if (n->location)
                line_printf(l, "@%s", n->location);
        line_puts(l, "  <class ");
        if (o->inheritance) {
                size_t k = 0;

                while (n->classes && n->classes[k])
                        k++;
                for (size_t i = k; i > 0; i--)
                        line_printf(l, "%s%s", n->classes[i - 1], i > 1 ? ":" : "");
        } else
                line_puts(l, n->classes && n->classes[0] ? n->classes[0] : "?");
        line_printf(l, ", id 0x%llx", (unsigned long long) n->id);
        if (ioreg_node_is_service(n)) {
                line_printf(l, ", %sregistered, %smatched, %sactive, busy %u", n->state & 0x2 ? "" : "!",
                            n->state & 0x4 ? "" : "!", n->state & 0x1 ? "in" : "", n->busy);
                if (n->busy_time_nsec)
                        line_printf(l, " (%llu ms)", (unsigned long long) (n->busy_time_nsec / 1000000));
        }
        line_printf(l, ", retain %u>", n->retain);
        line_end(l);

        if (o->all_properties) {
                const Value *p = n->properties;

                indent(l, false, depth, bits);
                line_puts(l, "{");
                line_end(l);
                for (size_t i = 0; i < value_dict_size(p); i++) {
                        indent(l, false, depth, bits);
                        line_printf(l, "  \"%s\" = ", value_dict_key_at(p, i));
                        show_value(l, value_dict_value_at(p, i), o->hex);
                        line_end(l);
                }
                indent(l, false, depth, bits);
                line_puts(l, "}");
                line_end(l);
                indent(l, false, depth, bits);
                line_end(l);
        }
}

/* The index after node i's subtree. */
static size_t subtree_end(const IoregTree *t, size_t i) {
        size_t j = i + 1;

        while (j < t->n_nodes && t->nodes[j].depth > t->nodes[i].depth)
                j++;
        return j;
}

static void scan(Line *l, const IoregTree *t, size_t i, bool more_siblings, unsigned depth, uint64_t bits,
                 const IoregPrintOptions *o) {
        size_t end = subtree_end(t, i), child = i + 1;
        bool descend = o->depth_limit == 0 || o->depth_limit > depth + 1;

        if (more_siblings)
                bits |= UINT64_C(1) << (depth & 63);
        else
                bits &= ~(UINT64_C(1) << (depth & 63));
        /* At the depth limit ioreg leaves the has-children bit as it was: so do we. */
        if (descend) {
                if (child < end)
                        bits |= UINT64_C(2) << (depth & 63);
                else
                        bits &= ~(UINT64_C(2) << (depth & 63));
        }
        show_node(l, &t->nodes[i], depth, bits, o);
        if (!descend)
                return;
        while (child < end) {
                size_t next = subtree_end(t, child);

                scan(l, t, child, next < end, depth + 1, bits, o);
                child = next;
        }
}

int ioreg_print_tree(FILE *f, const IoregTree *t, const IoregPrintOptions *o) {
        Line l = { .f = f, .width = o->width };

        if (t->n_nodes > 0)
                scan(&l, t, 0, false, 0, 0, o);
        free(l.buf);
        if (fflush(f) != 0 || l.failed)
                return -EIO;
        return 0;
}
