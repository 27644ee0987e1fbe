/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* bench-ids.c: see bench-ids.h. */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench-ids.h"
#include "macro.h"

const char *ids_find_file(const char *const *paths) {
        for (; *paths; paths++)
                if (access(*paths, R_OK) == 0)
                        return *paths;
        return NULL;
}

int id_list_add(IdList *l, uint16_t vendor, uint16_t product) {
        if (GROW(l->items, l->cap, l->n + 1) < 0)
                return -ENOMEM;
        l->items[l->n++] = (IdPair) { vendor, product };
        return 0;
}

/* Four hex digits and then a blank: the ID of a vendor or device line. */
static bool parse_id(const char *s, uint16_t *ret) {
        unsigned v = 0;

        for (unsigned i = 0; i < 4; i++) {
                char c = s[i];

                if (c >= '0' && c <= '9')
                        v = v << 4 | (unsigned) (c - '0');
                else if (c >= 'a' && c <= 'f')
                        v = v << 4 | (unsigned) (c - 'a' + 10);
                else if (c >= 'A' && c <= 'F')
                        v = v << 4 | (unsigned) (c - 'A' + 10);
                else
                        return false;
        }
        if (s[4] != ' ' && s[4] != '\t')
                return false;
        *ret = (uint16_t) v;
        return true;
}

int id_list_load(IdList *l, const char *path) {
        _cleanup_fclose_ FILE *f = NULL;
        bool have_vendor = false;
        uint16_t vendor = 0, id;
        char line[1024];

        f = fopen(path, "re");
        if (!f)
                return -errno;
        free(l->path);
        l->path = strdup(path);
        if (!l->path)
                return -ENOMEM;
        while (fgets(line, sizeof(line), f)) {
                if (line[0] == '#' || line[0] == '\n')
                        continue;
                if (line[0] == '\t') {
                        if (line[1] == '\t' || !have_vendor || !parse_id(line + 1, &id))
                                continue; /* a subsystem line, or a device line of no vendor */
                        if (id_list_add(l, vendor, id) < 0)
                                return -ENOMEM;
                        continue;
                }
                if (line[0] == 'C' && line[1] == ' ')
                        break; /* the class lists: no more vendors */
                have_vendor = parse_id(line, &vendor);
        }
        if (ferror(f))
                return -EIO;
        return l->n > 0 ? 0 : -ENODATA;
}

static int pair_compare(const void *a, const void *b) {
        const IdPair *x = a, *y = b;
        uint32_t u = (uint32_t) x->vendor << 16 | x->product, v = (uint32_t) y->vendor << 16 | y->product;

        return u < v ? -1 : u > v;
}

int id_list_index(IdList *l) {
        free(l->sorted);
        l->sorted = malloc(sizeof(IdPair) * (l->n ? l->n : 1));
        if (!l->sorted)
                return -ENOMEM;
        memcpy(l->sorted, l->items, sizeof(IdPair) * l->n);
        qsort(l->sorted, l->n, sizeof(IdPair), pair_compare);
        return 0;
}

bool id_list_contains(const IdList *l, uint16_t vendor, uint16_t product) {
        IdPair key = { vendor, product };

        return l->sorted && bsearch(&key, l->sorted, l->n, sizeof(IdPair), pair_compare);
}

void id_list_done(IdList *l) {
        free(l->items);
        free(l->sorted);
        free(l->path);
        *l = ID_LIST_INIT;
}
