/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* registry-iterator.c: an explicit stack instead of recursion, so depth costs no C stack. */

#include <assert.h>
#include <stdlib.h>

#include "registry-iterator.h"

typedef struct IteratorFrame {
        Entry *entry;   /* borrowed; valid while the generation is unchanged */
        unsigned next;  /* index of the next child (or parent) to visit */
} IteratorFrame;

struct RegistryIterator {
        Registry *registry;     /* borrowed: the registry outlives its iterators */
        Entry *start;           /* owned reference */
        const Plane *plane;     /* borrowed */
        unsigned flags;
        uint64_t generation;    /* registry generation the walk started from */
        IteratorFrame *stack;   /* owned */
        unsigned n_stack, cap_stack;
        Hashmap visited;        /* id → entry, recursive walks only; keys borrowed from entries */
        unsigned last_depth;
};

static Entry *const *links(const RegistryIterator *it, const Entry *e, unsigned *n) {
        if (it->flags & REGISTRY_ITERATE_PARENTS)
                return entry_get_parents(e, it->plane, n);
        return entry_get_children(e, it->plane, n);
}

void registry_iterator_reset(RegistryIterator *it) {
        it->generation = it->registry->generation;
        it->n_stack = 0;
        it->last_depth = 0;
        hashmap_done(&it->visited);
        it->visited = HASHMAP_INIT(&u64_hash_ops);
        if (it->start->registry == it->registry) {
                it->stack[0] = (IteratorFrame) { .entry = it->start };
                it->n_stack = 1;
        }
}

int registry_iterator_new(Registry *reg, Entry *start, const Plane *plane, unsigned flags,
                          RegistryIterator **ret) {
        RegistryIterator *it;

        assert(reg && start && plane && ret);
        if (start->registry != reg)
                return -ESTALE;
        it = calloc(1, sizeof(*it));
        if (!it)
                return -ENOMEM;
        it->registry = reg;
        it->start = entry_ref(start);
        it->plane = plane;
        it->flags = flags;
        it->cap_stack = 16;
        it->stack = malloc(it->cap_stack * sizeof(IteratorFrame));
        if (!it->stack) {
                registry_iterator_free(it);
                return -ENOMEM;
        }
        registry_iterator_reset(it);
        *ret = it;
        return 0;
}

RegistryIterator *registry_iterator_free(RegistryIterator *it) {
        if (!it)
                return NULL;
        entry_unref(it->start);
        hashmap_done(&it->visited);
        free(it->stack);
        free(it);
        return NULL;
}

bool registry_iterator_is_valid(const RegistryIterator *it) {
        return it->generation == it->registry->generation;
}

unsigned registry_iterator_depth(const RegistryIterator *it) {
        return it->last_depth;
}

Entry *registry_iterator_next(RegistryIterator *it) {
        bool recursive = it->flags & REGISTRY_ITERATE_RECURSIVELY;

        if (!registry_iterator_is_valid(it))
                return NULL;
        while (it->n_stack > 0) {
                IteratorFrame *top = &it->stack[it->n_stack - 1];
                unsigned n;
                Entry *const *l = links(it, top->entry, &n);
                Entry *e;

                if (top->next >= n) {
                        it->n_stack--;
                        continue;
                }
                e = l[top->next++];
                if (recursive) {
                        if (hashmap_get(&it->visited, &e->id))
                                continue;
                        if (hashmap_put(&it->visited, &e->id, e) < 0)
                                return NULL;
                        if (GROW(it->stack, it->cap_stack, it->n_stack + 1) < 0)
                                return NULL;
                        it->stack[it->n_stack++] = (IteratorFrame) { .entry = e };
                        it->last_depth = it->n_stack - 1;
                } else
                        it->last_depth = 1;
                return e;
        }
        return NULL;
}

Value *registry_search_property(Registry *reg, Entry *e, const char *key, const Plane *plane, unsigned flags) {
        _cleanup_(registry_iterator_freep) RegistryIterator *it = NULL;
        Value *v;
        Entry *i;

        v = entry_get_property(e, key);
        if (v || !(flags & REGISTRY_ITERATE_RECURSIVELY) || !plane)
                return v;
        if (registry_iterator_new(reg, e, plane, flags, &it) < 0)
                return NULL;
        while ((i = registry_iterator_next(it)))
                if ((v = entry_get_property(i, key)))
                        return v;
        return NULL;
}
