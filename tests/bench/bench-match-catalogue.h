/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bench-match-catalogue.h: the catalogues of bench-match: personalities
 * generated from the IDs of hwdata's usb.ids and pci.ids (bench-ids.h) or
 * made up, picked evenly, and gathered with plist personalities into a
 * catalogue.
 */
#pragma once

#include "bench-ids.h"
#include "catalogue.h"

typedef enum Bus {
        BUS_USB,
        BUS_PCI,
} Bus;

int personalities_from_ids(Bus bus, const IdList *ids, PersonalityList *list);
/* n pairs spread evenly over ids, appended to ret. */
int pick_evenly(const IdList *ids, unsigned n, IdList *ret);
/* A stand-in list when an ids file is missing: n made-up pairs of vendors 0xf000... */
int synthetic_ids(IdList *l, unsigned n);
int catalogue_build(const ClassTable *classes, const PersonalityList *const *lists, unsigned n_lists,
                    Catalogue **ret, unsigned *ret_skipped);
