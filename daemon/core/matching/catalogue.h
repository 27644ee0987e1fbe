/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * catalogue.h: the personalities the matcher may start (IOCatalogue,
 * reference §1.4), indexed so that finding a nub's candidates costs about
 * the same with 50 personalities or 50,000.
 *
 * Index: provider class (aliases resolved) → a bucket; within a bucket,
 * personalities with a discriminating key (catalogue-keys.h: IONameMatch
 * names, IOPropertyMatch, USB vendor/product/class, PCI IDs and classes
 * under their masks) are filed under it, the rest in the bucket's general
 * list. A nub looks up its own keys only; the keys are necessary conditions
 * of match_passive(), so the candidates that pass are exactly the ones a
 * scan of every personality of the nub's classes would find.
 *
 * Order (xnu findDrivers): IOProbeScore descending; ties go to the
 * most-derived provider class, then to catalogue order. Exact duplicates
 * (value_equal) are stored once.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "class-table.h"
#include "personality.h"
#include "registry.h"

typedef struct CatalogueItem {
        Personality *personality; /* owned reference */
        char *provider_class;     /* owned: canonical class name */
        int32_t probe_score;      /* the personality's IOProbeScore */
        uint64_t order;           /* catalogue order */
        uint64_t hash;            /* value_hash of the dictionary */
        bool kept;                /* scratch for catalogue_replace() */
} CatalogueItem;

typedef struct Catalogue Catalogue;

/* classes is borrowed: used to resolve aliases (IOUSBDevice → IOUSBHostDevice). */
int catalogue_new(const ClassTable *classes, Catalogue **ret);
Catalogue *catalogue_free(Catalogue *c);
DEFINE_TRIVIAL_CLEANUP_FUNC(Catalogue *, catalogue_free);

/* Takes a new reference. 1 when added, 0 for an exact duplicate, -EINVAL without IOProviderClass. */
int catalogue_add(Catalogue *c, Personality *p);

/*
 * Replaces the contents with list. Personalities equal to one already held
 * keep the held object (running drivers point at it); the ones new to the
 * catalogue are appended to added, the ones gone to removed (new
 * references). The generation moves when anything changed.
 */
int catalogue_replace(Catalogue *c, const PersonalityList *list, PersonalityList *added, PersonalityList *removed);

/*
 * The candidates for nub, best first (borrowed items; the array is the
 * caller's to free). Valid until the catalogue changes.
 */
int catalogue_find_drivers(const Catalogue *c, const Entry *nub, CatalogueItem ***ret, unsigned *ret_n);

/*
 * Without the index (tests, benchmarks): every personality whose provider class the nub conforms to is a
 * candidate, the linear scan the index must agree with.
 */
void catalogue_set_indexed(Catalogue *c, bool indexed);

unsigned catalogue_size(const Catalogue *c);
uint64_t catalogue_generation(const Catalogue *c);
/* Item i in catalogue order (borrowed), for listings. */
CatalogueItem *catalogue_item(const Catalogue *c, unsigned i);
