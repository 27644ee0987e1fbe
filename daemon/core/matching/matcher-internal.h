/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * matcher-internal.h: what the matcher's files share (matcher.h tells the
 * whole story). They call downwards only:
 *
 *   matcher.c          the passes: register, probe, start, finish; termination,
 *                      reloads, resources
 *   matcher-explain.c  what became of each candidate (matcher_explain())
 *   matcher-records.c  the matcher's records: the drivers it starts
 *                      (MatcherDriver, and so who holds a category) and the
 *                      last pass on each nub; the small rules both use
 *
 * Not for use outside daemon/core/matching/.
 */
#pragma once

#include "match-passive.h"
#include "matcher.h"

#define DEFAULT_CATEGORY "IODefaultMatchCategory"

typedef enum CandidateState {
        CAND_PASSED,
        CAND_REFUSED,
        CAND_PROBED,
        CAND_STARTED,
        CAND_START_FAILED,
        CAND_LOST,
} CandidateState;

typedef struct Candidate {
        Personality *personality; /* owned reference */
        Value *table;             /* owned: the personality's copy, the driver's properties if started */
        char *category;           /* owned */
        int32_t passive_score, score;
        bool hosted;
        bool replaces_kernel;     /* may take the nub from a kernel driver (KERNEL_DRIVER_REPLACE_KEY) */
        CandidateState state;
        uint64_t driver_id;
} Candidate;

typedef enum JobPhase {
        PHASE_PASS,
        PHASE_PROBE,
        PHASE_START,
        PHASE_FINISH,
} JobPhase;

typedef struct MatchJob {
        uint64_t id;          /* the nub's ID; the jobs map key */
        Matcher *matcher;     /* borrowed */
        Entry *nub;           /* owned reference */
        JobPhase phase;
        Candidate *cands;     /* owned */
        unsigned n_cands, next;
        uint64_t generation;  /* the catalogue's when the pass began */
        bool rerun;           /* registered again, or the catalogue changed: go again */
        bool waiting;         /* a host call has not completed */
        bool in_call;         /* inside a host call: a completion just records */
        bool waiting_resource;
        bool running;         /* inside job_continue(): termination only marks it cancelled */
        bool cancelled;       /* the nub was terminated; freed once no call is under way */
        bool busy;            /* holds +1 on the nub */
        Entry *starting;      /* owned reference: the driver entry being started */
} MatchJob;

typedef struct PassRecordItem {
        Personality *personality; /* owned reference */
        CandidateState state;
        int32_t passive_score, score;
        uint64_t driver_id;
} PassRecordItem;

typedef struct PassRecord {
        uint64_t id; /* the nub's ID; the map key */
        PassRecordItem *items;
        unsigned n;
} PassRecord;

struct Matcher {
        Registry *registry;     /* borrowed */
        Catalogue *catalogue;   /* borrowed */
        Entry *resources;       /* borrowed: IOResources */
        const DriverHostOps *host_ops;
        void *host;             /* borrowed */
        Hashmap jobs;           /* nub ID → MatchJob * (owned) */
        Hashmap drivers;        /* driver entry ID → MatcherDriver * (owned): started and starting */
        Hashmap records;        /* nub ID → PassRecord * (owned): the last pass, for explain */
        bool predict;           /* a saved registry: explain predicts (matcher_set_prediction()) */
        bool set_aside_saved;   /* ... with the saved registry's drivers holding nothing */
        /* Nubs a reload matches again once their kernel driver is back (matcher_kernel_driver_returned()). */
        uint64_t *rebinding;    /* owned: nub IDs */
        unsigned n_rebinding, cap_rebinding;
};

/* matcher-records.c */
extern const HashmapOps matcher_drivers_ops; /* owns the MatcherDriver records */
extern const HashmapOps matcher_records_ops; /* owns the PassRecords */
void matcher_driver_free(void *d);
/* The record of a driver entry being created under nub from candidate c. -ENOMEM. */
int matcher_driver_add(Matcher *m, Entry *drv, const Candidate *c, const Entry *nub, MatcherDriver **ret);
/* Drops (and frees) the record of driver entry id, if any. */
void matcher_driver_drop(Matcher *m, uint64_t id);
/* A personality's IOMatchCategory, or IODefaultMatchCategory. */
const char *matcher_category_of(const Value *table);
/* The active client of nub holding category, or NULL (copyClientWithCategory). */
Entry *matcher_category_holder(const Matcher *m, const Entry *nub, const char *category);
/* p may take a nub from its kernel driver: a driver server runs it and it says so (matcher.h). */
bool matcher_may_replace_kernel_driver(const Matcher *m, const Personality *p);
/* A driver server must run p. */
bool matcher_wants_host(const Matcher *m, const Personality *p);
/* p is only there to merge IOProviderMergeProperties into its provider (or IOProviderParentMergeProperties). */
bool matcher_is_merge_only(const Personality *p);
/*
 * Merges table's IOProviderMergeProperties into nub, and its
 * IOProviderParentMergeProperties into nub's provider (IOProviderPropertyMerger).
 */
int matcher_merge_properties(Matcher *m, Entry *nub, const Value *table);
/* Keeps what the pass j found, for explain (replacing the nub's last pass). */
void matcher_record_pass(MatchJob *j);
