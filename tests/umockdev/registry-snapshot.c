/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* registry-snapshot.c: see registry-snapshot.h. */

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "registry-path.h"
#include "registry-snapshot.h"

static void print_value(FILE *out, const Value *v) {
        size_t len;

        switch (value_type(v)) {
        case VALUE_STRING:
                fprintf(out, "\"%s\"", value_string(v, NULL));
                break;
        case VALUE_NUMBER:
                if (value_number_is_signed(v))
                        fprintf(out, "s%u:%" PRId64, value_number_bits(v), value_signed(v));
                else
                        fprintf(out, "u%u:%" PRIu64, value_number_bits(v), value_unsigned(v));
                break;
        case VALUE_BOOLEAN:
                fputs(value_boolean(v) ? "Yes" : "No", out);
                break;
        case VALUE_DATA: {
                const uint8_t *p = value_data(v, &len);

                fputc('<', out);
                for (size_t i = 0; i < len; i++)
                        fprintf(out, "%02x", p[i]);
                fputc('>', out);
                break;
        }
        case VALUE_ARRAY:
                fputc('(', out);
                for (size_t i = 0; i < value_array_size(v); i++) {
                        if (i > 0)
                                fputs(", ", out);
                        print_value(out, value_array_get(v, i));
                }
                fputc(')', out);
                break;
        case VALUE_DICTIONARY:
                fputc('{', out);
                for (size_t i = 0; i < value_dict_size(v); i++) {
                        fprintf(out, "%s%s = ", i > 0 ? "; " : "", value_dict_key_at(v, i));
                        print_value(out, value_dict_value_at(v, i));
                }
                fputc('}', out);
                break;
        default:
                fputs("?", out);
        }
}

typedef struct Lines {
        char **l;  /* owned strv */
        unsigned n, cap;
} Lines;

static int add_entry(Lines *lines, const Registry *reg, const Entry *e, const Plane *plane) {
        _cleanup_free_ char *path = NULL;
        Entry *const *children;
        unsigned n_children;
        char *buf = NULL;
        size_t len = 0;
        FILE *out;
        int r;

        /* Root has no path; its own properties (IORegistryPlanes) are the same in any two registries. */
        if (e != reg->root) {
                r = registry_entry_get_path(reg, e, plane, &path);
                if (r < 0)
                        return r;
                out = open_memstream(&buf, &len);
                if (!out)
                        return -ENOMEM;
                fprintf(out, "%s <%s> ", path, e->klass->name);
                print_value(out, e->properties);
                if (fclose(out) != 0 || !buf) {
                        free(buf);
                        return -ENOMEM;
                }
                if (GROW(lines->l, lines->cap, lines->n + 2) < 0) {
                        free(buf);
                        return -ENOMEM;
                }
                lines->l[lines->n++] = buf;
                lines->l[lines->n] = NULL;
        }
        children = entry_get_children(e, plane, &n_children);
        for (unsigned i = 0; i < n_children; i++) {
                r = add_entry(lines, reg, children[i], plane);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int compare_lines(const void *a, const void *b) {
        return strcmp(*(char *const *) a, *(char *const *) b);
}

int registry_snapshot(const Registry *reg, char ***ret) {
        Lines lines = {};
        int r;

        for (unsigned i = 0; i < reg->n_planes; i++) {
                r = add_entry(&lines, reg, reg->root, reg->planes[i]);
                if (r < 0) {
                        strv_free(lines.l);
                        return r;
                }
        }
        if (!lines.l) {
                lines.l = calloc(1, sizeof(char *));
                if (!lines.l)
                        return -ENOMEM;
        }
        qsort(lines.l, lines.n, sizeof(char *), compare_lines);
        *ret = lines.l;
        return 0;
}

unsigned registry_snapshot_diff(char *const *a, char *const *b, FILE *out) {
        unsigned n = 0;

        /* Both sorted: one merge pass. */
        while (*a || *b) {
                int c = !*a ? 1 : !*b ? -1 : strcmp(*a, *b);

                if (c == 0) {
                        a++;
                        b++;
                        continue;
                }
                n++;
                if (c < 0)
                        fprintf(out, "- %s\n", *a++);
                else
                        fprintf(out, "+ %s\n", *b++);
        }
        return n;
}
