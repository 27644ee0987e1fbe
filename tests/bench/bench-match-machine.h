/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bench-match-machine.h: the machine bench-match matches: a generated
 * testbed (bench-testbed.h) applied to a fresh registry through the real
 * device tree and families, its nubs collected in publish order; and the
 * timed passes over it (the matcher, catalogue_find_drivers() alone,
 * match_passive() alone).
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "bench-plists.h"
#include "bench-testbed.h"
#include "catalogue.h"
#include "device-tree.h"
#include "matcher.h"
#include "registry.h"

typedef struct Machine {
        Registry *registry; /* owned */
        DeviceTree tree;    /* owned (device_tree_done) */
        bool tree_init;
        Entry *resources;   /* borrowed from the registry */
        Entry **nubs;       /* owned array of borrowed entries, in publish order */
        unsigned n_nubs, cap_nubs;
        int error;          /* the first failure of collect_nub() */
} Machine;

typedef struct MatchRun {
        uint64_t nsec;
        uint64_t cpu_nsec; /* the thread's CPU time over the same calls */
        unsigned drivers; /* driver entries started */
} MatchRun;

void machine_done(Machine *m);
int define_machine_classes(ClassTable *classes);
/* A registry with the platform expert and IOResources, and every testbed device as a nub. */
int machine_build(Machine *m, const Testbed *bed);
/* Registers every nub of a fresh machine with a matcher on cat; only the registrations are timed. */
int match_all(const Testbed *bed, Catalogue *cat, MatchRun *ret);
/* catalogue_find_drivers() for every nub of m: total time and candidates. */
int find_all(const Machine *m, const Catalogue *cat, uint64_t *ret_nsec, uint64_t *ret_candidates);
bool in_list(const PersonalityList *l, const Personality *p);
/*
 * The personalities of cat not generated here (the plists') that pass the passive match on some
 * nub of bed: the ones that start, merge or lose to a better candidate. Appended to ret (new references).
 */
int plists_in_play(const Testbed *bed, Catalogue *cat, PersonalityList *ret);
/* match_passive() of every candidate of every nub: total time and candidates tried. */
int passive_all(const Machine *m, const Catalogue *cat, uint64_t *ret_nsec, uint64_t *ret_tried,
                uint64_t *ret_passed);
