/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* registry-path.c: see registry-path.h. */

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "registry-path.h"

_hot_ Entry *registry_plane_root(const Registry *reg, const Plane *plane) {
        unsigned n;
        Entry *const *children = entry_get_children(reg->root, plane, &n);

        return n > 0 ? children[0] : NULL;
}

_hot_ int registry_entry_get_path(const Registry *reg, const Entry *e, const Plane *plane, char **ret) {
        const Entry *stack[256], **chain = stack, *plane_root;
        _cleanup_free_ const Entry **heap = NULL;
        unsigned n = 0, cap = ELEMENTSOF(stack);
        _cleanup_free_ char *path = NULL;
        size_t len;
        char *p;

        assert(reg && e && plane && ret);
        if (e->registry != reg || e == reg->root || !entry_get_parent(e, plane))
                return -ENOENT;

        /* Walk first parents up to (not including) the plane root; stop below Root. */
        plane_root = registry_plane_root(reg, plane);
        for (const Entry *i = e; i != plane_root && i != reg->root; i = entry_get_parent(i, plane)) {
                if (!i)
                        return -ENOENT; /* not connected to Root in this plane */
                if (n == cap) {
                        const Entry **t;

                        cap *= 2;
                        t = realloc(heap, cap * sizeof(*t));
                        if (!t)
                                return -ENOMEM;
                        if (!heap)
                                memcpy(t, stack, n * sizeof(*t));
                        heap = t;
                        chain = heap;
                }
                chain[n++] = i;
        }

        len = strlen(plane->name) + 2;
        for (unsigned i = 0; i < n; i++) {
                const char *loc = entry_get_location(chain[i], plane);

                len += 1 + strlen(entry_get_name(chain[i], plane)) + (loc ? 1 + strlen(loc) : 0);
        }
        if (len >= REGISTRY_PATH_MAX)
                return -ENAMETOOLONG;
        path = malloc(len + 1);
        if (!path)
                return -ENOMEM;
        /* Copied by hand: sprintf() per component was most of the cost of this call. */
        p = stpcpy(path, plane->name);
        *p++ = ':';
        if (n == 0)
                *p++ = '/';
        for (unsigned i = n; i > 0; i--) {
                const char *loc = entry_get_location(chain[i - 1], plane);

                *p++ = '/';
                p = stpcpy(p, entry_get_name(chain[i - 1], plane));
                if (loc) {
                        *p++ = '@';
                        p = stpcpy(p, loc);
                }
        }
        *p = '\0';
        *ret = TAKE_PTR(path);
        return 0;
}

_hot_ int registry_entry_keep_paths(const Registry *reg, Entry *e) {
        assert(reg && e);
        for (unsigned p = 0; p < reg->n_planes; p++) {
                char *path = NULL;
                int r;

                if (!entry_in_plane(e, reg->planes[p]))
                        continue;
                r = registry_entry_get_path(reg, e, reg->planes[p], &path);
                if (r == -ENOENT)
                        continue; /* Root, or not connected to Root in this plane: no path to keep */
                if (r < 0)
                        return r;
                r = entry_set_last_path_take(e, reg->planes[p], path);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* Hexadecimal digit value + 1, 0 for any other byte: the digits strtoull() accepts in base 16. */
static const uint8_t hex_digits[256] = {
        ['0'] = 1, ['1'] = 2, ['2'] = 3, ['3'] = 4, ['4'] = 5,
        ['5'] = 6, ['6'] = 7, ['7'] = 8, ['8'] = 9, ['9'] = 10,
        ['a'] = 11, ['b'] = 12, ['c'] = 13, ['d'] = 14, ['e'] = 15, ['f'] = 16,
        ['A'] = 11, ['B'] = 12, ['C'] = 13, ['D'] = 14, ['E'] = 15, ['F'] = 16,
};

/*
 * strtoull(s, ret_end, 16), fast for what locations hold: 1 to 16 hex
 * digits without a "0x" prefix. Anything else (no digit, blanks, a sign, a
 * prefix, a possible overflow) goes to strtoull() itself, so the result and
 * *ret_end are always the same as strtoull()'s.
 */
static unsigned long long parse_hex(const char *s, char **ret_end) {
        unsigned long long v = 0;
        const char *p = s;
        int d;

        if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
                return strtoull(s, ret_end, 16);
        for (; (d = hex_digits[(unsigned char) *p]) != 0; p++) {
                if (p - s == 16)
                        return strtoull(s, ret_end, 16);
                v = v << 4 | (unsigned) (d - 1);
        }
        if (p == s)
                return strtoull(s, ret_end, 16);
        *ret_end = (char *) p;
        return v;
}

/*
 * The kernel's matchPathLocation(): compares cmp against e's location as
 * hexadecimal fields; returns where the path continues, or NULL.
 */
static const char *match_path_location(const Entry *e, const Plane *plane, const char *cmp) {
        const char *str = entry_get_location(e, plane);
        char last_path, last_loc;

        if (!str)
                return NULL;
        last_path = cmp[0];
        last_loc = str[0];
        for (;;) {
                unsigned long long num1 = 0, num2 = 0;
                char *end;

                if (last_path) {
                        num1 = parse_hex(cmp, &end);
                        cmp = end;
                        last_path = *cmp++;
                }
                if (last_loc) {
                        num2 = parse_hex(str, &end);
                        str = end;
                        last_loc = *str++;
                }
                if (num1 != num2)
                        return NULL;
                if (!last_path && !last_loc)
                        return cmp - 1;
                if (last_path != ',' && last_path != ':')
                        last_path = 0;
                if (last_path && last_loc && last_path != last_loc)
                        return NULL;
        }
}

/*
 * Locations that are not hexadecimal fields (Linux names some things by
 * string) never match numerically; accept them when the text is identical.
 */
static const char *match_location(const Entry *e, const Plane *plane, const char *cmp) {
        const char *loc, *r = match_path_location(e, plane, cmp);
        size_t len;

        /*
         * A numeric match that stops inside the component (ttyS0 and 0000:00:14.0
         * compare as fields of zeros, leaving "ttyS0" or ".0") is what the kernel
         * would return, but identical text is the better match.
         */
        if (r && (*r == '\0' || *r == '/'))
                return r;
        loc = entry_get_location(e, plane);
        if (!loc)
                return r;
        len = strlen(loc);
        if (strncmp(loc, cmp, len) == 0 && (cmp[len] == 0 || cmp[len] == '/' || cmp[len] == ':'))
                return cmp + len;
        return r;
}

/* The kernel's getChildFromComponent(): the first child matching the component at *path. */
static Entry *child_from_component(Entry *const *children, unsigned n, const Plane *plane, const char **path) {
        for (unsigned i = 0; i < n; i++) {
                const char *cmp = *path;

                if (*cmp != '@') {
                        const char *name = entry_get_name(children[i], plane);
                        size_t len = strlen(name);
                        char c;

                        if (strncmp(name, cmp, len) != 0)
                                continue;
                        cmp += len;
                        c = *cmp;
                        if (c == 0 || c == '/' || c == ':') {
                                *path = cmp;
                                return children[i];
                        }
                        if (c != '@')
                                continue;
                }
                cmp++;
                cmp = match_location(children[i], plane, cmp);
                if (cmp) {
                        *path = cmp;
                        return children[i];
                }
        }
        return NULL;
}

int registry_entry_from_path(const Registry *reg, const char *path, const Plane *default_plane, Entry **ret) {
        const Plane *plane = default_plane;
        const char *colon, *p;
        Entry *where, *next;
        unsigned n;

        assert(reg && ret);
        if (!path)
                return -EINVAL;
        colon = strchr(path, ':');
        if (colon && colon - path <= REGISTRY_MAX_PLANE_NAME && !memchr(path, '/', colon - path)) {
                char name[REGISTRY_MAX_PLANE_NAME + 1];

                memcpy(name, path, colon - path);
                name[colon - path] = '\0';
                plane = registry_find_plane(reg, name);
                if (!plane)
                        return -ENXIO;
                path = colon + 1;
        }
        if (!plane)
                return -EINVAL;
        if (path[0] != '/')
                return -ENOENT; /* device-tree aliases are not supported */

        where = registry_plane_root(reg, plane);
        if (!where)
                return -ENOENT;
        p = path + 1;
        if (*p) {
                Entry *const *children = entry_get_children(where, plane, &n);

                next = child_from_component(children, n, plane, &p);
                if (!next) {
                        /* Our extension: the other top-level entries of the plane. */
                        children = entry_get_children(reg->root, plane, &n);
                        if (n > 1)
                                next = child_from_component(children + 1, n - 1, plane, &p);
                }
                if (!next)
                        return -ENOENT;
                where = next;
                while (*p == '/') {
                        p++;
                        children = entry_get_children(where, plane, &n);
                        next = child_from_component(children, n, plane, &p);
                        if (!next)
                                return -ENOENT;
                        where = next;
                }
        }
        /* A residue (including a trailing ':' component) means no match. */
        if (*p)
                return -ENOENT;
        *ret = where;
        return 0;
}
