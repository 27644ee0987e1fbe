/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * match-passive.h: passive matching of one dictionary against one entry
 * (xnu's matchPassive/matchInternal, reference §1.5). The same engine serves
 * personalities, user queries and notification dictionaries.
 *
 * Keys are evaluated in Apple's order, stopping at the first that fails:
 * IOProviderClass, IONameMatch, IOLocationMatch (string), IOPropertyMatch,
 * IOPropertyExistsMatch, IOPathMatch, IORegistryEntryID,
 * IOMatchedServiceCountMatch, the BSD keys, then the Linux additions
 * IOLinuxSubsystemMatch and IOLinuxModaliasMatch. When the table has keys
 * left over, the family hook of the entry's class runs (USB implied scores,
 * PCI masks, IOResources); then IOParentMatch and the dictionary form of
 * IOLocationMatch recurse. Other keys are ignored.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "registry.h"

typedef enum MatchFlags {
        MATCH_SKIP_PROVIDER_CLASS = 1 << 0, /* the caller already filtered by class (catalogue buckets) */
        /* Termination notifications: the entry (and its providers, children going first) is inactive already. */
        MATCH_ALLOW_INACTIVE = 1 << 1,
} MatchFlags;

typedef struct MatchResult {
        int32_t score;            /* in: the table's IOProbeScore; out: after the family hook */
        const char *failed_key;   /* static: the first key that failed, NULL on a match */
        const char *name_matched; /* borrowed from the table: the IONameMatch entry that hit */
} MatchResult;

/* Seeds res->score from the table's IOProbeScore (0 when absent). */
void match_result_init(MatchResult *res, const Value *table);

/* True when table matches e. res is filled either way. */
bool match_passive(Registry *reg, Entry *e, const Value *table, unsigned flags, MatchResult *res);

/* The number of e's active clients in the service plane that carry IOMatchCategory. */
unsigned match_count_category_clients(const Registry *reg, const Entry *e);

/*
 * The names an IONameMatch pattern is compared with on e: its name in the service plane, then
 * each non-empty name of its "name", "compatible", "device_type" and "model" properties (lists
 * separated by NUL). fn gets each one NUL-terminated (borrowed for the call); true stops the walk.
 * An exact pattern (no trailing '*') matches e only if it equals one of them: indexes rely on it.
 * 0, or -ENOMEM when not every name could be given (an index must then try every dictionary).
 */
int match_name_candidates(Registry *reg, const Entry *e, bool (*fn)(const char *name, void *userdata),
                           void *userdata);
/* The table's IONameMatch when it is one exact name (a string without a trailing '*'), else NULL. */
const char *match_exact_name(const Value *table);

/* fnmatch(3) of a string or any string of an array; false for other types. */
bool match_glob_any(const Value *patterns, const char *s);
