/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * personality.h: one driver personality (an entry of IOKitPersonalities in
 * a kext's Info.plist), and a growable list of them.
 *
 * A personality is immutable once built and shared by reference between the
 * loader, the catalogue and the driver entries started from it.
 */
#pragma once

#include "macro.h"
#include "value.h"

typedef struct Personality {
        unsigned n_ref;
        char *name;      /* owned: its key in IOKitPersonalities */
        char *bundle_id; /* owned: CFBundleIdentifier (the personality's own, else its bundle's) */
        char *source;    /* owned: the file it was read from, for messages */
        Value *dict;     /* owned dictionary: the personality, CFBundleIdentifier included */
} Personality;

/* Takes dict (also on failure); sets CFBundleIdentifier in it when missing. */
int personality_new(const char *name, const char *bundle_id, const char *source, Value *dict,
                    Personality **ret);
Personality *personality_ref(Personality *p);
Personality *personality_unref(Personality *p);
DEFINE_TRIVIAL_CLEANUP_FUNC(Personality *, personality_unref);

/* Borrowed string of key, or NULL when absent or not a string. */
const char *personality_get_string(const Personality *p, const char *key);

/*
 * Exact duplicates (the catalogue's addDrivers rule): same bundle and
 * value_equal() dictionaries. personality_hash() agrees with it: equal
 * personalities hash alike (numbers by value, a string like data with the
 * same bytes, dictionaries whatever their order).
 */
bool personality_equal(const Personality *a, const Personality *b);
uint64_t personality_hash(const Personality *p);

typedef struct PersonalityList {
        Personality **items; /* owned references */
        unsigned n, cap;
} PersonalityList;

#define PERSONALITY_LIST_INIT ((PersonalityList) {})

/* Takes p (also on failure). */
int personality_list_append_take(PersonalityList *l, Personality *p);
void personality_list_done(PersonalityList *l);
