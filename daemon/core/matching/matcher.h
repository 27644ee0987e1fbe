/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * matcher.h: active matching (reference §1.6, §1.7). For each registered
 * nub: busy +1; Registered (FirstPublish once) and the Publish
 * notifications before anything is probed; the catalogue's candidates
 * filtered passively, category by category; the survivors probed in
 * family-score order; per IOMatchCategory the best started, the next best
 * when start fails; then Matched (FirstMatch once) and busy −1. The pass
 * runs again when the catalogue changed or the nub was registered again
 * meanwhile.
 *
 * Probe and start go to a driver host when it wants the personality (a
 * driver server runs it); any other personality is "codeless": it probes
 * with its score unchanged and starts at once. A codeless personality with
 * IOProviderMergeProperties only merges that dictionary into the nub and
 * holds no category (Apple's merge classes, AppleUSBMergeNub,
 * IOUSBUserClientInit, IOHIDProviderPropertyMerger, go away after merging).
 *
 * A started driver is an entry under its nub in the IOService plane: class
 * IOUserClass or IOClass (defined on first use below IOService), properties
 * a copy of the personality plus IOMatchCategory and IOProbeScore, state
 * registered and matched.
 *
 * Host calls may complete before they return or later; the matcher never
 * blocks. Ownership: the matcher borrows the registry, the catalogue and
 * IOResources; it holds references on nubs with a pass under way, and owns
 * one record (MatcherDriver) per driver it starts, which holds its entry.
 * Publish, match and terminate notifications go to the registry's observers
 * (registry_notify_service()).
 */
#pragma once

#include "catalogue.h"
#include "registry.h"

typedef struct Matcher Matcher;

/*
 * Kernel drivers (docs/drivers.md, "Kernel drivers"). A bound Linux driver,
 * the IOLinuxKernelDriver entry the device tree makes below its nub, holds
 * the nub's IODefaultMatchCategory as a driver started there with probe
 * score KERNEL_DRIVER_PROBE_SCORE would: it was there first, so a candidate
 * must score above it (Apple's order keeps the first on a tie). Only a
 * personality run by a driver server that carries
 * IOUserServerReplacesKernelDriver = true may take the nub from it; without
 * the key a personality never does, whatever its score (it may still match
 * in a category of its own). The one exception is the USB core's device
 * driver "usb" (usb_generic), which Linux keeps bound under every usbfs
 * user, as a device's configuration driver: it holds no category. And usbfs
 * (an interface claimed by some process through /dev/bus/usb) holds the
 * category but is never replaced: that is another program's driver. When a
 * candidate takes the nub, its record names the kernel driver and the host
 * detaches it before Start and binds it again when the driver ends.
 */
#define KERNEL_DRIVER_CLASS "IOLinuxKernelDriver"
#define KERNEL_DRIVER_PROBE_SCORE 0
#define KERNEL_DRIVER_REPLACE_KEY "IOUserServerReplacesKernelDriver"
#define KERNEL_DRIVER_USB_GENERIC "usb"
#define KERNEL_DRIVER_USBFS "usbfs"

const char *match_notification_to_string(MatchNotification n); /* Apple's IOService* type string */

/* Completion of a host call: r < 0 refuses (probe) or fails (start); score is the post-probe score. */
typedef void (*MatcherDone)(void *token, int r, int32_t score);

/*
 * The one record of a driver the matcher starts: created with its entry
 * (before start), owned by the matcher until the entry is terminated or its
 * start fails. It says who holds a category on a nub (category_holder()),
 * which personality a driver came from, and, in the host slot, which
 * driver server runs it. A host looks records up by the driver entry's ID
 * (matcher_find_driver()) and keeps no pointer to one across calls.
 */
typedef struct MatcherDriver {
        uint64_t id;              /* the driver entry's ID; the map key */
        Entry *entry;             /* owned reference */
        Personality *personality; /* owned reference */
        char *category;           /* owned: the IOMatchCategory it holds on its nub */
        uint64_t nub_id;
        bool hosted;              /* a driver host runs it (wants() said so) */
        bool started;             /* start succeeded: registered and matched */
        void *host;               /* weak: the host's slot (driver-host.c: the server running it), or NULL */
        char *kernel_driver;      /* owned: the kernel driver it took the nub from (its name), or NULL */
} MatcherDriver;

typedef struct DriverHostOps {
        /* True when a driver server must run p; false makes it codeless. */
        bool (*wants)(void *host, const Personality *p);
        /* Calls done(token, …) exactly once, before or after returning. */
        void (*probe)(void *host, Entry *nub, const Personality *p, const Value *table, int32_t score,
                      MatcherDone done, void *token);
        /*
         * driver->entry is attached under nub already; done(token, r, 0) says
         * whether start succeeded. The record may go before done is called
         * (the nub was terminated meanwhile): look it up again by ID.
         */
        void (*start)(void *host, Entry *nub, MatcherDriver *driver, MatcherDone done, void *token);
        /* A started driver is being terminated (its nub left, or its personality was removed). */
        void (*stop)(void *host, MatcherDriver *driver);
} DriverHostOps;

/* reg, cat and resources are borrowed and must outlive the matcher. */
int matcher_new(Registry *reg, Catalogue *cat, Entry *resources, Matcher **ret);
Matcher *matcher_free(Matcher *m);
DEFINE_TRIVIAL_CLEANUP_FUNC(Matcher *, matcher_free);

void matcher_set_host(Matcher *m, const DriverHostOps *ops, void *host);

/*
 * A saved registry (ioregd --snapshot, ioreg --from): no pass runs, and
 * matcher_explain() says what would happen: per category, the candidate
 * with the best family score "winner", the others "lost". The Mac's own
 * drivers (entries the matcher did not start, with an IOMatchCategory)
 * hold their categories when keep_saved_drivers, else they are set aside
 * to see who would win in their place.
 */
void matcher_set_prediction(Matcher *m, bool keep_saved_drivers);

/* registerService: start a match pass on nub (or ask the running one to go again). */
int matcher_register_service(Matcher *m, Entry *nub);

/*
 * Tell the matcher that e is about to leave the registry (called for each
 * entry a termination removes, children first): cancels its pass, stops it
 * when it is a started driver, fires Terminated.
 */
void matcher_service_terminated(Matcher *m, Entry *e);

/*
 * Replaces the catalogue with list: instances of removed personalities are
 * terminated (their nubs are matched again, except those given back to their
 * kernel driver), registered nubs that an added
 * personality matches are matched again (those given back to their kernel
 * driver once it is back: matcher_kernel_driver_returned()), unchanged ones
 * are left alone.
 * Returns the number of personalities added plus removed.
 */
int matcher_reload(Matcher *m, const PersonalityList *list);

/*
 * The host gave nub back to its kernel driver (kernel-driver.h) after a driver that replaced it let go;
 * bound says whether a kernel driver took the device. A nub that a reload left to be matched again
 * (a replacing personality changed: removed and added) waits for that: for the bind uevent's
 * IOLinuxKernelDriver entry, so that the new personality takes the nub from the kernel driver as the
 * first did, or, when nothing was bound, is matched now.
 */
void matcher_kernel_driver_returned(Matcher *m, Entry *nub, bool bound);

/* e is a kernel driver's entry (IOLinuxKernelDriver) that holds its nub's default category. */
bool matcher_kernel_driver_holds(const Entry *e);
/* ... and that a personality with the key may replace (not usbfs). */
bool matcher_kernel_driver_replaceable(const Entry *e);

/* publishResource: sets key on IOResources (consuming value) and matches IOResources again; resumes starts waiting for it. */
int matcher_publish_resource(Matcher *m, const char *key, Value *value);

/* Passes under way (waiting for a host or a resource). */
unsigned matcher_n_pending(const Matcher *m);
/* The personality a driver entry was started from (borrowed), or NULL (not started by the matcher, or not yet). */
Personality *matcher_driver_personality(const Matcher *m, const Entry *driver);
/* The record of driver entry id, started or starting (borrowed), or NULL. */
MatcherDriver *matcher_find_driver(const Matcher *m, uint64_t id);
/* Iteration over the records: for (unsigned i = 0; matcher_next_driver(m, &i, &d);) */
bool matcher_next_driver(const Matcher *m, unsigned *i, MatcherDriver **ret);

/* Explain (issue "matching"): each candidate personality of a nub and what became of it. */
typedef enum ExplainOutcome {
        EXPLAIN_NO_MATCH,      /* failed_key says why */
        EXPLAIN_CATEGORY_HELD, /* another client holds its category */
        EXPLAIN_MERGED,        /* merged IOProviderMergeProperties, holds nothing */
        EXPLAIN_PROBE_REFUSED,
        EXPLAIN_START_FAILED,
        EXPLAIN_LOST,          /* passed, but a better candidate won its category */
        EXPLAIN_WINNER,        /* started and running */
        EXPLAIN_NOT_RUN,       /* passed, no pass has run since (e.g. a reload just added it) */
        /* (a kernel driver's item: EXPLAIN_WINNER while it holds the category, EXPLAIN_LOST once replaced) */
        _EXPLAIN_OUTCOME_MAX,
} ExplainOutcome;

typedef struct ExplainItem {
        Personality *personality; /* owned reference; NULL for a kernel driver's item */
        char *kernel_driver;      /* owned: the kernel driver's name for its item, else NULL */
        ExplainOutcome outcome;
        const char *failed_key;   /* static, for EXPLAIN_NO_MATCH; KERNEL_DRIVER_REPLACE_KEY when a kernel
                                   * driver holds the category and the personality lacks the key */
        int32_t passive_score;    /* after the family hook */
        int32_t probe_score;      /* after probe, when probed */
        char *category;           /* owned */
        uint64_t driver_id;       /* the entry started from it, or the one holding its category; 0 if none */
} ExplainItem;

const char *explain_outcome_to_string(ExplainOutcome o);
/*
 * Candidates in catalogue order for the nub (best first), after the nub's kernel driver (bound, or replaced
 * by a driver the matcher started) when it has one. Free with explain_items_free().
 */
int matcher_explain(Matcher *m, Entry *nub, ExplainItem **ret, unsigned *ret_n);
void explain_items_free(ExplainItem *items, unsigned n);
