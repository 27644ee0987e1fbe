/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dump-tree.c: see dump-tree.h. */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dump-tree.h"
#include "hashmap.h"

#define DUMP_MAX_DEPTH 256

typedef struct TreeLine {
        unsigned depth;
        char *name;       /* points into the line buffer */
        char *location;   /* points into the line buffer, or NULL */
        char *class_name; /* points into the line buffer */
        uint64_t id;
} TreeLine;

/* Splits one tree line in place. Returns 1 for a tree line, 0 for another line, -EBADMSG if malformed. */
static int parse_tree_line(char *line, TreeLine *ret) {
        char *mark = strstr(line, "+-o "), *text, *tail, *klass, *comma, *at, *end;
        unsigned long long id;
        size_t column;

        if (!mark)
                return 0;
        /* Only ' ' and '|' may come before the marker: anything else is a property value. */
        for (char *i = line; i < mark; i++)
                if (*i != ' ' && *i != '|')
                        return 0;
        column = (size_t) (mark - line);
        if (column % 2 != 0 || column / 2 >= DUMP_MAX_DEPTH)
                return -EBADMSG;

        text = mark + 4;
        tail = strstr(text, "  <class ");
        if (!tail || tail == text)
                return -EBADMSG;
        *tail = '\0';
        klass = tail + strlen("  <class ");
        comma = strchr(klass, ',');
        if (!comma || comma == klass || strncmp(comma, ", id 0x", 7) != 0)
                return -EBADMSG;
        *comma = '\0';
        errno = 0;
        id = strtoull(comma + 7, &end, 16);
        if (errno != 0 || end == comma + 7 || (*end != ',' && *end != '>'))
                return -EBADMSG;

        /* The name is everything before the first '@'; what follows is the location. */
        at = strchr(text, '@');
        if (at) {
                *at = '\0';
                if (at[1] == '\0')
                        return -EBADMSG;
        }
        *ret = (TreeLine) {
                .depth = (unsigned) (column / 2),
                .name = text,
                .location = at ? at + 1 : NULL,
                .class_name = klass,
                .id = id,
        };
        return 1;
}

static const Class *class_for(Registry *reg, const char *name) {
        const Class *c = class_table_find(reg->classes, name);

        if (!c && class_table_define(reg->classes, name, "IOService", &c) < 0)
                return NULL;
        return c;
}

static int add_entry(DumpTree *t, Entry *e, uint64_t dump_id, unsigned line, Hashmap *by_id) {
        DumpEntry *de;
        int r;

        r = GROW(t->entries, t->cap_entries, t->n_entries + 1);
        if (r < 0)
                return r;
        de = calloc(1, sizeof(*de));
        if (!de)
                return -ENOMEM;
        *de = (DumpEntry) { .entry = e, .dump_id = dump_id, .line = line };
        r = hashmap_put(by_id, &de->dump_id, de); /* the key lives in de */
        if (r < 0) {
                free(de);
                return r;
        }
        t->entries[t->n_entries++] = de;
        return 0;
}

static int load_line(Registry *reg, const Plane *plane, DumpTree *t, Hashmap *by_id, Entry **stack,
                     unsigned *n_stack, const TreeLine *tl, unsigned line) {
        const Plane *name_plane = plane == reg->service_plane ? NULL : plane;
        unsigned n_before, n_after;
        DumpEntry *de;
        Entry *e, *parent;
        int r;

        if (tl->depth == 0) {
                /* The dump's Root is the registry's. */
                if (t->n_entries != 0 || !streq(tl->name, "Root") || tl->location ||
                    !streq(tl->class_name, "IORegistryEntry"))
                        return -EBADMSG;
                r = add_entry(t, reg->root, tl->id, line, by_id);
                if (r < 0)
                        return r;
                stack[0] = reg->root;
                *n_stack = 1;
                return 0;
        }
        if (tl->depth > *n_stack)
                return -EBADMSG; /* skips a level */
        parent = stack[tl->depth - 1];

        de = hashmap_get(by_id, &tl->id);
        if (de) {
                /* Seen before, under another parent (or the same one again, in a repeated subtree). */
                e = de->entry;
                if (!streq(entry_get_name(e, plane), tl->name) ||
                    !streq_ptr(entry_get_location(e, plane), tl->location) ||
                    !streq(e->klass->name, tl->class_name))
                        return -EBADMSG;
                (void) entry_get_parents(e, plane, &n_before);
                if (n_before == 0)
                        return -EBADMSG;
                r = entry_attach(e, parent, plane);
                if (r < 0)
                        return r;
                (void) entry_get_parents(e, plane, &n_after);
                if (n_before == 1 && n_after == 2)
                        t->n_multi_parent++;
        } else {
                const Class *c = class_for(reg, tl->class_name);

                if (!c)
                        return -EBADMSG;
                r = registry_create_entry(reg, c->name, &e);
                if (r < 0)
                        return r;
                r = entry_set_name(e, name_plane, tl->name);
                if (r >= 0 && tl->location)
                        r = entry_set_location(e, name_plane, tl->location);
                if (r >= 0)
                        r = entry_attach(e, parent, plane);
                if (r >= 0)
                        r = add_entry(t, e, tl->id, line, by_id);
                if (r < 0)
                        return r;
        }
        stack[tl->depth] = e;
        *n_stack = tl->depth + 1;
        return 0;
}

int dump_tree_load(Registry *reg, const Plane *plane, const char *path, DumpTree *ret) {
        _cleanup_fclose_ FILE *f = NULL;
        _cleanup_free_ char *buf = NULL;
        Hashmap by_id = HASHMAP_INIT(&u64_hash_ops);
        Entry *stack[DUMP_MAX_DEPTH];
        DumpTree t = {};
        unsigned n_stack = 0, line = 0;
        size_t size = 0;
        int r = 0;

        f = fopen(path, "re");
        if (!f)
                return -errno;
        for (;;) {
                TreeLine tl;
                ssize_t n = getline(&buf, &size, f);

                if (n < 0)
                        break;
                line++;
                if (n > 0 && buf[n - 1] == '\n')
                        buf[n - 1] = '\0';
                r = parse_tree_line(buf, &tl);
                if (r == 0)
                        continue;
                if (r > 0) {
                        t.n_lines++;
                        r = load_line(reg, plane, &t, &by_id, stack, &n_stack, &tl, line);
                }
                if (r < 0) {
                        fprintf(stderr, "%s:%u: cannot load tree line: %s\n", path, line, strerror(-r));
                        break;
                }
        }
        if (r >= 0 && ferror(f))
                r = -EIO;
        if (r >= 0 && t.n_entries == 0)
                r = -EBADMSG;
        hashmap_done(&by_id);
        if (r < 0) {
                dump_tree_done(&t);
                return r;
        }
        *ret = t;
        return 0;
}

void dump_tree_done(DumpTree *t) {
        for (unsigned i = 0; i < t->n_entries; i++)
                free(t->entries[i]);
        free(t->entries);
        *t = (DumpTree) {};
}
