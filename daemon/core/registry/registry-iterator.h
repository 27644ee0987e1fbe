/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * registry-iterator.h: IORegistryIterator. Walks the children (or parents)
 * of an entry in one plane, flat or recursively in pre-order, visiting an
 * entry with several parents once. Any topology or name change in the
 * registry invalidates the iterator: next() then returns NULL and
 * is_valid() says false until reset() starts over.
 */
#pragma once

#include "registry.h"

typedef enum RegistryIterateFlags {
        REGISTRY_ITERATE_RECURSIVELY = 1 << 0, /* kIORegistryIterateRecursively */
        REGISTRY_ITERATE_PARENTS = 1 << 1,     /* kIORegistryIterateParents */
} RegistryIterateFlags;

typedef struct RegistryIterator RegistryIterator;

/* The walk starts below start (start itself is not returned). Holds a reference on start. */
int registry_iterator_new(Registry *reg, Entry *start, const Plane *plane, unsigned flags,
                          RegistryIterator **ret);
RegistryIterator *registry_iterator_free(RegistryIterator *it);
DEFINE_TRIVIAL_CLEANUP_FUNC(RegistryIterator *, registry_iterator_free);

/* The next entry (borrowed), or NULL at the end or when invalidated. */
Entry *registry_iterator_next(RegistryIterator *it);
bool registry_iterator_is_valid(const RegistryIterator *it);
void registry_iterator_reset(RegistryIterator *it);
/* Depth of the entry last returned, 1 for a direct child (or parent) of start. */
unsigned registry_iterator_depth(const RegistryIterator *it);

/*
 * IORegistryEntrySearchCFProperty: key in e's own properties, then, with
 * REGISTRY_ITERATE_RECURSIVELY, in its children (or with
 * REGISTRY_ITERATE_PARENTS its parents) in plane, pre-order. Borrowed or NULL.
 */
Value *registry_search_property(Registry *reg, Entry *e, const char *key, const Plane *plane, unsigned flags);
