/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bench-registry-tree.h: the registry bench-registry measures: a tree in
 * the IOService plane built breadth-first, wide near the top (PCI), then
 * narrowing to hub chains as in a real machine, at least 10 deep at 100,000
 * entries, each entry with a name, a hexadecimal location and 20 properties
 * of mixed types.
 */
#pragma once

#include "registry.h"
#include "value.h"

#define N_PROPERTIES 20u

/* The 20 property keys, in the order they are set. */
extern const char *const property_keys[N_PROPERTIES];

/* In the symbol table (a key of IOPowerManagement) but in no entry's own properties. */
#define KEY_MISSING_INTERNED "DevicePowerState"
/* Never interned: the lookup stops at the symbol table. */
#define KEY_MISSING "IOSomethingNobodySets"

typedef struct Bench {
        Registry *registry;       /* owned */
        const Plane *plane;       /* borrowed */
        Entry **entries;          /* borrowed pointers, in creation order (BFS), plane root first */
        unsigned *depths;         /* owned, depth of entries[i] */
        unsigned n_entries;
        unsigned max_depth;
} Bench;

void bench_done(Bench *b);
/*
 * The benchmark's own bookkeeping for n entries, allocated and touched
 * before the RSS baseline is taken so that it does not count as registry
 * memory.
 */
int bench_init(Bench *b, unsigned n);
/* Creates n entries breadth-first: entries[0] is the plane root under Root. */
int bench_build(Bench *b, unsigned n);
