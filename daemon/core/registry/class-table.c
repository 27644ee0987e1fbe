/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* class-table.c: see class-table.h. */

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "class-table.h"

int class_table_new(ClassTable **ret) {
        _cleanup_(class_table_freep) ClassTable *t = NULL;
        int r;

        assert(ret);
        t = calloc(1, sizeof(*t));
        if (!t)
                return -ENOMEM;
        t->by_name = HASHMAP_INIT(&string_hash_ops);
        r = class_table_define(t, "IORegistryEntry", NULL, NULL);
        if (r < 0)
                return r;
        r = class_table_define(t, "IOService", "IORegistryEntry", NULL);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(t);
        return 0;
}

ClassTable *class_table_free(ClassTable *t) {
        if (!t)
                return NULL;
        for (unsigned i = 0; i < t->n_classes; i++) {
                free(t->classes[i]->name);
                free(t->classes[i]);
        }
        for (unsigned i = 0; i < t->n_aliases; i++)
                free(t->aliases[i]);
        free(t->classes);
        free(t->aliases);
        hashmap_done(&t->by_name);
        free(t);
        return NULL;
}

_hot_ const Class *class_table_find(const ClassTable *t, const char *name) {
        return name ? hashmap_get(&t->by_name, name) : NULL;
}

int class_table_define(ClassTable *t, const char *name, const char *super_name, const Class **ret) {
        const Class *super = NULL, *existing;
        Class *c;
        int r;

        assert(t);
        if (!name || !*name)
                return -EINVAL;
        if (super_name) {
                super = class_table_find(t, super_name);
                if (!super)
                        return -ENOENT;
        }
        existing = class_table_find(t, name);
        if (existing) {
                if (existing->super != super)
                        return -EEXIST;
                if (ret)
                        *ret = existing;
                return 0;
        }
        r = GROW(t->classes, t->cap_classes, t->n_classes + 1);
        if (r < 0)
                return r;
        c = calloc(1, sizeof(*c));
        if (!c)
                return -ENOMEM;
        c->name = strdup(name);
        if (!c->name) {
                free(c);
                return -ENOMEM;
        }
        c->super = super;
        c->depth = super ? super->depth + 1 : 0;
        r = hashmap_put(&t->by_name, c->name, c);
        if (r < 0) {
                free(c->name);
                free(c);
                return r;
        }
        t->classes[t->n_classes++] = c;
        if (ret)
                *ret = c;
        return 0;
}

int class_table_alias(ClassTable *t, const char *alias, const char *name) {
        const Class *c, *existing;
        char *a;
        int r;

        assert(t);
        if (!alias || !*alias)
                return -EINVAL;
        c = class_table_find(t, name);
        if (!c)
                return -ENOENT;
        existing = class_table_find(t, alias);
        if (existing)
                return existing == c ? 0 : -EEXIST;
        r = GROW(t->aliases, t->cap_aliases, t->n_aliases + 1);
        if (r < 0)
                return r;
        a = strdup(alias);
        if (!a)
                return -ENOMEM;
        r = hashmap_put(&t->by_name, a, (void *) c);
        if (r < 0) {
                free(a);
                return r;
        }
        t->aliases[t->n_aliases++] = a;
        return 0;
}

bool class_conforms_to(const Class *c, const Class *base) {
        if (!base)
                return false;
        for (; c; c = c->super) {
                if (c == base)
                        return true;
                if (c->depth < base->depth)
                        return false;
        }
        return false;
}

bool class_table_conforms_to(const ClassTable *t, const Class *c, const char *base_name) {
        return class_conforms_to(c, class_table_find(t, base_name));
}
