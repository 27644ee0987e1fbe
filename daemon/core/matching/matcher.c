/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* matcher.c: see matcher.h. */

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "match-passive.h"
#include "matcher.h"
#include "log.h"

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
        MatcherNotify notify;
        void *notify_userdata;  /* borrowed */
        Hashmap jobs;           /* nub ID → MatchJob * (owned) */
        Hashmap drivers;        /* driver entry ID → MatcherDriver * (owned): started and starting */
        Hashmap records;        /* nub ID → PassRecord * (owned): the last pass, for explain */
};

static const char *const notification_names[_MATCH_NOTIFY_MAX] = {
        [MATCH_NOTIFY_PUBLISH] = "IOServicePublish",
        [MATCH_NOTIFY_FIRST_PUBLISH] = "IOServiceFirstPublish",
        [MATCH_NOTIFY_MATCHED] = "IOServiceMatched",
        [MATCH_NOTIFY_FIRST_MATCH] = "IOServiceFirstMatch",
        [MATCH_NOTIFY_TERMINATED] = "IOServiceTerminate",
        [MATCH_NOTIFY_WILL_TERMINATE] = "IOServiceWillTerminate",
};

const char *match_notification_to_string(MatchNotification n) {
        return n < _MATCH_NOTIFY_MAX ? notification_names[n] : NULL;
}

static void notify(Matcher *m, Entry *e, MatchNotification type) {
        if (m->notify)
                m->notify(m->notify_userdata, e, type);
}

static void candidate_done(Candidate *c) {
        personality_unref(c->personality);
        value_unref(c->table);
        free(c->category);
}

static void candidates_free(Candidate *c, unsigned n) {
        for (unsigned i = 0; i < n; i++)
                candidate_done(&c[i]);
        free(c);
}

static void pass_record_free(PassRecord *r) {
        if (!r)
                return;
        for (unsigned i = 0; i < r->n; i++)
                personality_unref(r->items[i].personality);
        free(r->items);
        free(r);
}

static void driver_record_free(MatcherDriver *d) {
        if (!d)
                return;
        entry_unref(d->entry);
        personality_unref(d->personality);
        free(d->category);
        free(d);
}

static MatchJob *job_free(MatchJob *j) {
        if (!j)
                return NULL;
        candidates_free(j->cands, j->n_cands);
        entry_unref(j->starting);
        entry_unref(j->nub);
        free(j);
        return NULL;
}

DEFINE_HASHMAP_FREE_FUNC(job_free_void, MatchJob, job_free);
DEFINE_HASHMAP_FREE_FUNC(driver_record_free_void, MatcherDriver, driver_record_free);
DEFINE_HASHMAP_FREE_FUNC(pass_record_free_void, PassRecord, pass_record_free);
/* Jobs waiting for a host are abandoned with the map: the host is torn down with us. */
static const HashmapOps jobs_ops = HASHMAP_OPS_U64(job_free_void);
static const HashmapOps drivers_ops = HASHMAP_OPS_U64(driver_record_free_void);
static const HashmapOps records_ops = HASHMAP_OPS_U64(pass_record_free_void);

int matcher_new(Registry *reg, Catalogue *cat, Entry *resources, Matcher **ret) {
        Matcher *m = calloc(1, sizeof(*m));

        if (!m)
                return -ENOMEM;
        m->registry = reg;
        m->catalogue = cat;
        m->resources = resources;
        m->jobs = HASHMAP_INIT(&jobs_ops);
        m->drivers = HASHMAP_INIT(&drivers_ops);
        m->records = HASHMAP_INIT(&records_ops);
        *ret = m;
        return 0;
}

Matcher *matcher_free(Matcher *m) {
        if (!m)
                return NULL;
        hashmap_done(&m->jobs);
        hashmap_done(&m->drivers);
        hashmap_done(&m->records);
        free(m);
        return NULL;
}

void matcher_set_host(Matcher *m, const DriverHostOps *ops, void *host) {
        m->host_ops = ops;
        m->host = host;
}

void matcher_set_notify(Matcher *m, MatcherNotify fn, void *userdata) {
        m->notify = fn;
        m->notify_userdata = userdata;
}

unsigned matcher_n_pending(const Matcher *m) {
        return hashmap_size(&m->jobs);
}

Personality *matcher_driver_personality(const Matcher *m, const Entry *driver) {
        MatcherDriver *d = hashmap_get(&m->drivers, &driver->id);

        return d && d->started ? d->personality : NULL;
}

MatcherDriver *matcher_find_driver(const Matcher *m, uint64_t id) {
        return hashmap_get(&m->drivers, &id);
}

bool matcher_next_driver(const Matcher *m, unsigned *i, MatcherDriver **ret) {
        return hashmap_next(&m->drivers, i, NULL, (void **) ret);
}

static const char *category_of(const Value *table) {
        Value *v = value_dict_get(table, "IOMatchCategory");

        return v && value_type(v) == VALUE_STRING ? value_string(v, NULL) : DEFAULT_CATEGORY;
}

/*
 * The active client of nub holding category, or NULL (copyClientWithCategory).
 * The matcher's record says it for the drivers it starts; a client it did not
 * start (a saved registry's) says it with its IOMatchCategory property.
 */
static Entry *category_holder(const Matcher *m, const Entry *nub, const char *category) {
        Entry *const *children;
        unsigned n;

        children = entry_get_children(nub, m->registry->service_plane, &n);
        for (unsigned i = 0; i < n; i++) {
                const MatcherDriver *d = hashmap_get(&m->drivers, &children[i]->id);
                const char *held = d ? d->category : NULL;

                if (children[i]->state & ENTRY_STATE_INACTIVE)
                        continue;
                if (!d) {
                        Value *v = entry_get_property(children[i], "IOMatchCategory");

                        held = v && value_type(v) == VALUE_STRING ? value_string(v, NULL) : NULL;
                }
                if (held && streq(held, category))
                        return children[i];
        }
        return NULL;
}

static bool wants_host(const Matcher *m, const Personality *p) {
        return m->host_ops && m->host_ops->wants && m->host_ops->wants(m->host, p);
}

/*
 * A codeless personality with IOProviderMergeProperties is only there to
 * merge them into its provider: Apple's merge classes (AppleUSBMergeNub,
 * IOUSBUserClientInit, IOHIDProviderPropertyMerger) merge in probe or start
 * and then go away, holding no category.
 */
static bool is_merge_only(const Personality *p) {
        Value *merge = value_dict_get(p->dict, "IOProviderMergeProperties");

        return merge && value_type(merge) == VALUE_DICTIONARY;
}

static int merge_into_nub(Entry *nub, const Value *merge) {
        for (size_t i = 0; i < value_dict_size(merge); i++) {
                int r = entry_set_property(nub, value_dict_key_at(merge, i), value_dict_value_at(merge, i));

                if (r < 0)
                        return r;
        }
        return 0;
}

/* Pass 1: the passive filter, in catalogue order; survivors sorted by family score. */
static int gather_candidates(MatchJob *j) {
        Matcher *m = j->matcher;
        _cleanup_free_ CatalogueItem **items = NULL;
        unsigned n_items;
        int r;

        candidates_free(j->cands, j->n_cands);
        j->cands = NULL;
        j->n_cands = 0;

        r = catalogue_find_drivers(m->catalogue, j->nub, &items, &n_items);
        if (r < 0)
                return r;
        j->cands = calloc(n_items ? n_items : 1, sizeof(Candidate));
        if (!j->cands)
                return -ENOMEM;

        for (unsigned i = 0; i < n_items; i++) {
                Personality *p = items[i]->personality;
                const char *category = category_of(p->dict);
                _cleanup_value_ Value *table = NULL;
                MatchResult res;

                if (category_holder(m, j->nub, category))
                        continue;
                match_result_init(&res, p->dict);
                if (!match_passive(m->registry, j->nub, p->dict, MATCH_SKIP_PROVIDER_CLASS, &res))
                        continue;
                if (!wants_host(m, p) && is_merge_only(p)) {
                        r = merge_into_nub(j->nub, value_dict_get(p->dict, "IOProviderMergeProperties"));
                        if (r < 0)
                                return r;
                        continue;
                }
                table = value_copy(p->dict);
                if (!table)
                        return -ENOMEM;
                if (res.name_matched &&
                    value_dict_set_take(table, "IONameMatched", value_new_string(res.name_matched)) < 0)
                        return -ENOMEM;

                Candidate *c = &j->cands[j->n_cands];
                *c = (Candidate) {
                        .personality = personality_ref(p),
                        .table = TAKE_PTR(table),
                        .category = strdup(category),
                        .passive_score = res.score,
                        .score = res.score,
                        .hosted = wants_host(m, p),
                };
                j->n_cands++;
                if (!c->category)
                        return -ENOMEM;
        }
        return 0;
}

/* Stable: equal scores keep catalogue order. */
static void sort_by_score(Candidate *c, unsigned n) {
        for (unsigned i = 1; i < n; i++) {
                Candidate x = c[i];
                unsigned k = i;

                while (k > 0 && c[k - 1].score < x.score) {
                        c[k] = c[k - 1];
                        k--;
                }
                c[k] = x;
        }
}

static void record_pass(MatchJob *j) {
        Matcher *m = j->matcher;
        PassRecord *rec = calloc(1, sizeof(*rec));

        if (!rec)
                return; /* explain loses its probe details; matching is unaffected */
        rec->id = j->nub->id;
        rec->items = calloc(j->n_cands ? j->n_cands : 1, sizeof(PassRecordItem));
        if (!rec->items) {
                free(rec);
                return;
        }
        for (unsigned i = 0; i < j->n_cands; i++)
                rec->items[rec->n++] = (PassRecordItem) {
                        .personality = personality_ref(j->cands[i].personality),
                        .state = j->cands[i].state,
                        .passive_score = j->cands[i].passive_score,
                        .score = j->cands[i].score,
                        .driver_id = j->cands[i].driver_id,
                };
        if (hashmap_put(&m->records, &rec->id, rec) < 0) /* frees the last pass's */
                pass_record_free(rec);
}

static bool resources_ready(const Matcher *m, const Entry *nub, const Value *table) {
        Value *v = value_dict_get(table, "IOResourceMatch");

        if (!v || nub == m->resources || !m->resources)
                return true;
        if (value_type(v) == VALUE_STRING)
                return entry_get_property(m->resources, value_string(v, NULL)) != NULL;
        if (value_type(v) != VALUE_ARRAY)
                return true;
        for (size_t i = 0; i < value_array_size(v); i++) {
                Value *k = value_array_get(v, i);

                if (value_type(k) == VALUE_STRING && !entry_get_property(m->resources, value_string(k, NULL)))
                        return false;
        }
        return true;
}

static int define_driver_class(ClassTable *classes, const Value *table, const char **ret) {
        const char *io_class = NULL, *user_class = NULL;
        Value *v;
        int r;

        if ((v = value_dict_get(table, "IOClass")) && value_type(v) == VALUE_STRING)
                io_class = value_string(v, NULL);
        if ((v = value_dict_get(table, "IOUserClass")) && value_type(v) == VALUE_STRING)
                user_class = value_string(v, NULL);
        if (!io_class)
                io_class = "IOService";
        if (!class_table_find(classes, io_class)) {
                r = class_table_define(classes, io_class, "IOService", NULL);
                if (r < 0)
                        return r;
        }
        if (user_class && !class_table_find(classes, user_class)) {
                r = class_table_define(classes, user_class, io_class, NULL);
                if (r < 0)
                        return r;
        }
        *ret = user_class ?: io_class;
        return 0;
}

static int driver_record_add(Matcher *m, Entry *drv, const Candidate *c, const Entry *nub, MatcherDriver **ret) {
        MatcherDriver *d = calloc(1, sizeof(*d));

        if (!d)
                return -ENOMEM;
        *d = (MatcherDriver) {
                .id = drv->id,
                .entry = entry_ref(drv),
                .personality = personality_ref(c->personality),
                .category = strdup(c->category),
                .nub_id = nub->id,
                .hosted = c->hosted,
        };
        if (!d->category || hashmap_put(&m->drivers, &d->id, d) < 0) {
                driver_record_free(d);
                return -ENOMEM;
        }
        *ret = d;
        return 0;
}

/* Drops the record of a driver whose start failed, or that was terminated (NULL-safe). */
static void driver_record_drop(Matcher *m, uint64_t id) {
        hashmap_delete(&m->drivers, &id);
}

/*
 * Creates the driver entry under the nub, not yet registered (startCandidate's
 * attach), and its record.
 */
static int create_driver_entry(Matcher *m, Candidate *c, Entry *nub, Entry **ret, MatcherDriver **ret_record) {
        const char *class_name;
        Entry *drv;
        int r;

        r = define_driver_class(m->registry->classes, c->table, &class_name);
        if (r < 0)
                return r;
        r = registry_create_entry(m->registry, class_name, &drv);
        if (r < 0)
                return r;
        if (value_dict_set_take(c->table, "IOMatchCategory", value_new_string(c->category)) < 0 ||
            value_dict_set_take(c->table, "IOProbeScore", value_new_signed(c->score, 32)) < 0) {
                registry_remove_entry(m->registry, drv);
                return -ENOMEM;
        }
        (void) entry_set_properties(drv, c->table); /* shared with the candidate: a dictionary */
        r = entry_attach(drv, nub, m->registry->service_plane);
        if (r >= 0)
                r = driver_record_add(m, drv, c, nub, ret_record);
        if (r < 0) {
                registry_remove_entry(m->registry, drv);
                return r;
        }
        *ret = entry_ref(drv);
        return 0;
}

static void job_continue(MatchJob *j);

static void finish_start(MatchJob *j, int r) {
        Matcher *m = j->matcher;
        Candidate *c = &j->cands[j->next];
        _cleanup_(entry_unrefp) Entry *drv = TAKE_PTR(j->starting);

        MatcherDriver *d = hashmap_get(&m->drivers, &drv->id);

        if (r >= 0 && d && !(drv->state & ENTRY_STATE_INACTIVE)) {
                Value *merge = value_dict_get(c->table, "IOProviderMergeProperties");

                if (merge && value_type(merge) == VALUE_DICTIONARY)
                        (void) merge_into_nub(j->nub, merge);
                entry_set_state(drv, ENTRY_STATE_REGISTERED | ENTRY_STATE_MATCHED | ENTRY_STATE_FIRST_PUBLISH |
                                             ENTRY_STATE_FIRST_MATCH, 0);
                /* A started driver registers itself (registerService), so subscribers see it arrive. */
                notify(m, drv, MATCH_NOTIFY_FIRST_PUBLISH);
                notify(m, drv, MATCH_NOTIFY_PUBLISH);
                notify(m, drv, MATCH_NOTIFY_MATCHED);
                notify(m, drv, MATCH_NOTIFY_FIRST_MATCH);
                c->state = CAND_STARTED;
                c->driver_id = drv->id;
                d->started = true;
                log_debug("matcher: started %s on %s (score %d, category %s)", c->personality->name,
                          entry_get_name(j->nub, NULL), c->score, c->category);
        } else {
                c->state = CAND_START_FAILED;
                driver_record_drop(m, drv->id);
                if (drv->registry)
                        registry_remove_entry(m->registry, drv);
                log_info("matcher: %s failed to start on %s: %s; trying the next candidate",
                         c->personality->name, entry_get_name(j->nub, NULL), strerror(r < 0 ? -r : EIO));
        }
        j->next++;
}

static void job_host_done(void *token, int r, int32_t score) {
        MatchJob *j = token;

        assert(j->waiting);
        j->waiting = false;
        if (j->cancelled) {
                if (!j->in_call && !j->running)
                        job_free(j);
                return;
        }
        if (j->phase == PHASE_PROBE) {
                Candidate *c = &j->cands[j->next];

                c->state = r < 0 ? CAND_REFUSED : CAND_PROBED;
                c->score = score;
                j->next++;
        } else
                finish_start(j, r);
        if (!j->in_call)
                job_continue(j);
}

static void job_start_pass(MatchJob *j) {
        Matcher *m = j->matcher;
        Entry *nub = j->nub;
        bool first = !(nub->state & ENTRY_STATE_FIRST_PUBLISH);
        int r;

        j->generation = catalogue_generation(m->catalogue);
        j->rerun = false;
        entry_set_state(nub, ENTRY_STATE_REGISTERED | ENTRY_STATE_FIRST_PUBLISH, 0);
        if (first)
                notify(m, nub, MATCH_NOTIFY_FIRST_PUBLISH);
        notify(m, nub, MATCH_NOTIFY_PUBLISH);

        r = gather_candidates(j);
        if (r < 0)
                log_warning("matcher: cannot gather candidates for %s: %s", entry_get_name(nub, NULL), strerror(-r));
        sort_by_score(j->cands, j->n_cands);
        j->phase = PHASE_PROBE;
        j->next = 0;
}

/* Returns true when the job must wait for a host call. */
static bool job_probe_step(MatchJob *j) {
        Matcher *m = j->matcher;
        Candidate *c;

        if (j->next >= j->n_cands) {
                /* Pass 3 takes the probed candidates best-first by post-probe score. */
                sort_by_score(j->cands, j->n_cands);
                j->phase = PHASE_START;
                j->next = 0;
                return false;
        }
        c = &j->cands[j->next];
        if (!c->hosted) {
                c->state = CAND_PROBED;
                j->next++;
                return false;
        }
        j->waiting = j->in_call = true;
        m->host_ops->probe(m->host, j->nub, c->personality, c->table, c->score, job_host_done, j);
        j->in_call = false;
        return j->waiting;
}

static bool job_start_step(MatchJob *j) {
        Matcher *m = j->matcher;
        MatcherDriver *d;
        Entry *holder;
        Candidate *c;
        int r;

        if (j->next >= j->n_cands) {
                j->phase = PHASE_FINISH;
                return false;
        }
        c = &j->cands[j->next];
        if (c->state != CAND_PROBED) {
                j->next++;
                return false;
        }
        holder = category_holder(m, j->nub, c->category);
        if (holder) {
                c->state = CAND_LOST;
                c->driver_id = holder->id;
                j->next++;
                return false;
        }
        if (!resources_ready(m, j->nub, c->table)) {
                j->waiting_resource = true; /* matcher_publish_resource() resumes us */
                return true;
        }
        j->waiting_resource = false;

        r = create_driver_entry(m, c, j->nub, &j->starting, &d);
        if (r < 0) {
                log_warning("matcher: cannot create the driver entry for %s: %s", c->personality->name, strerror(-r));
                c->state = CAND_START_FAILED;
                j->next++;
                return false;
        }
        if (!c->hosted) {
                finish_start(j, 0);
                return false;
        }
        j->waiting = j->in_call = true;
        m->host_ops->start(m->host, j->nub, d, job_host_done, j);
        j->in_call = false;
        return j->waiting;
}

/* Returns true when the job is done and freed, false when it goes again. */
static bool job_finish(MatchJob *j) {
        Matcher *m = j->matcher;
        Entry *nub = j->nub;
        bool first;

        record_pass(j);
        if (j->rerun || j->generation != catalogue_generation(m->catalogue)) {
                j->phase = PHASE_PASS;
                return false;
        }
        first = !(nub->state & ENTRY_STATE_FIRST_MATCH);
        entry_set_state(nub, ENTRY_STATE_MATCHED | ENTRY_STATE_FIRST_MATCH, 0);
        notify(m, nub, MATCH_NOTIFY_MATCHED);
        if (first)
                notify(m, nub, MATCH_NOTIFY_FIRST_MATCH);
        hashmap_remove(&m->jobs, &j->id);
        if (j->busy)
                entry_adjust_busy(nub, -1);
        job_free(j);
        return true;
}

/* Runs the pass until it must wait or is done (then j is freed). */
static void job_continue(MatchJob *j) {
        j->running = true;
        for (;;) {
                if (j->cancelled) {
                        /* Terminated from a callback or a host call: already out of the map. */
                        if (!j->waiting)
                                job_free(j);
                        else
                                j->running = false;
                        return;
                }
                switch (j->phase) {
                case PHASE_PASS:
                        job_start_pass(j);
                        break;
                case PHASE_PROBE:
                        if (job_probe_step(j) && !j->cancelled) {
                                j->running = false;
                                return;
                        }
                        break;
                case PHASE_START:
                        if (job_start_step(j) && !j->cancelled) {
                                j->running = false;
                                return;
                        }
                        break;
                case PHASE_FINISH:
                        if (job_finish(j))
                                return; /* freed */
                        break;
                }
        }
}

int matcher_register_service(Matcher *m, Entry *nub) {
        MatchJob *j;

        if (!nub->registry || (nub->state & ENTRY_STATE_INACTIVE))
                return -ESTALE;
        if (!entry_in_plane(nub, m->registry->service_plane))
                return -ENOTCONN; /* registerService wants the entry attached to the root */
        j = hashmap_get(&m->jobs, &nub->id);
        if (j) {
                j->rerun = true;
                return 0;
        }
        j = calloc(1, sizeof(*j));
        if (!j)
                return -ENOMEM;
        j->id = nub->id;
        j->matcher = m;
        j->nub = entry_ref(nub);
        j->phase = PHASE_PASS;
        if (hashmap_put(&m->jobs, &j->id, j) < 0) {
                job_free(j);
                return -ENOMEM;
        }
        j->busy = entry_adjust_busy(nub, +1) >= 0;
        job_continue(j);
        return 0;
}

void matcher_service_terminated(Matcher *m, Entry *e) {
        MatchJob *j = hashmap_remove(&m->jobs, &e->id);
        MatcherDriver *d = hashmap_remove(&m->drivers, &e->id);

        /*
         * Our termination is one phase, children first: Terminated (phase 1
         * on a Mac) and WillTerminate (phase 2) follow each other per entry.
         */
        notify(m, e, MATCH_NOTIFY_TERMINATED);
        notify(m, e, MATCH_NOTIFY_WILL_TERMINATE);
        entry_set_state(e, 0, ENTRY_STATE_REGISTERED | ENTRY_STATE_MATCHED);
        if (j) {
                if (j->busy)
                        entry_adjust_busy(e, -1);
                j->busy = false;
                if (j->waiting || j->running)
                        j->cancelled = true; /* freed when the host call completes, or by job_continue() */
                else
                        job_free(j);
        }
        if (d) {
                /* One still starting is the host's to stop once its start completes. */
                if (d->started && d->hosted && m->host_ops && m->host_ops->stop)
                        m->host_ops->stop(m->host, d);
                driver_record_free(d);
        }
        hashmap_delete(&m->records, &e->id);
}

static void terminate_visit(Entry *e, void *userdata) {
        matcher_service_terminated(userdata, e);
}

static bool personality_in(const PersonalityList *l, const Personality *p) {
        for (unsigned i = 0; i < l->n; i++)
                if (l->items[i] == p)
                        return true;
        return false;
}

int matcher_reload(Matcher *m, const PersonalityList *list) {
        _cleanup_(personality_list_done) PersonalityList added = PERSONALITY_LIST_INIT, removed = PERSONALITY_LIST_INIT;
        _cleanup_free_ uint64_t *rematch = NULL;
        unsigned n_rematch = 0, cap_rematch = 0;
        void *v;
        int r;

        r = catalogue_replace(m->catalogue, list, &added, &removed);
        if (r < 0)
                return r;

        /*
         * Instances of removed personalities go; their nubs may take another
         * driver. Terminating only removes records (d's and its descendants'),
         * which the walk survives.
         */
        for (unsigned i = 0; hashmap_next(&m->drivers, &i, NULL, &v);) {
                MatcherDriver *d = v;
                Entry *nub;

                if (!d->started || !personality_in(&removed, d->personality))
                        continue;
                nub = entry_get_parent(d->entry, m->registry->service_plane);
                if (nub && GROW(rematch, cap_rematch, n_rematch + 1) >= 0)
                        rematch[n_rematch++] = nub->id;
                registry_terminate_entry(m->registry, d->entry, terminate_visit, m); /* frees d */
        }

        /* Registered services that a new personality matches are matched again (catalogNewDrivers). */
        for (unsigned i = 0; added.n > 0 && hashmap_next(&m->registry->by_id, &i, NULL, &v);) {
                Entry *e = v;

                if (!(e->state & ENTRY_STATE_REGISTERED) || hashmap_get(&m->drivers, &e->id))
                        continue;
                for (unsigned k = 0; k < added.n; k++) {
                        MatchResult res;

                        match_result_init(&res, added.items[k]->dict);
                        if (match_passive(m->registry, e, added.items[k]->dict, 0, &res)) {
                                if (GROW(rematch, cap_rematch, n_rematch + 1) >= 0)
                                        rematch[n_rematch++] = e->id;
                                break;
                        }
                }
        }
        for (unsigned i = 0; i < n_rematch; i++) {
                Entry *e = registry_get_entry(m->registry, rematch[i]);

                if (e)
                        (void) matcher_register_service(m, e);
        }
        /* Passes under way pick the change up when they finish (generation check). */
        return (int) (added.n + removed.n);
}

int matcher_publish_resource(Matcher *m, const char *key, Value *value) {
        _cleanup_free_ uint64_t *waiting = NULL;
        unsigned n_waiting = 0, cap_waiting = 0;
        void *v;
        int r;

        if (!m->resources)
                return -ENOENT;
        r = entry_set_property_take(m->resources, key, value);
        if (r < 0)
                return r;
        r = matcher_register_service(m, m->resources);
        /*
         * Resume starts that waited for a resource. A resumed job may finish
         * (and leave the map) or start others: the waiting ones are listed
         * first, then each looked up again.
         */
        for (unsigned i = 0; hashmap_next(&m->jobs, &i, NULL, &v);)
                if (((MatchJob *) v)->waiting_resource && GROW(waiting, cap_waiting, n_waiting + 1) >= 0)
                        waiting[n_waiting++] = ((MatchJob *) v)->id;
        for (unsigned k = 0; k < n_waiting; k++) {
                MatchJob *j = hashmap_get(&m->jobs, &waiting[k]);

                if (j && j->waiting_resource && resources_ready(m, j->nub, j->cands[j->next].table)) {
                        j->waiting_resource = false;
                        job_continue(j);
                }
        }
        return r;
}

static const char *const outcome_names[_EXPLAIN_OUTCOME_MAX] = {
        [EXPLAIN_NO_MATCH] = "no-match",
        [EXPLAIN_CATEGORY_HELD] = "category-held",
        [EXPLAIN_MERGED] = "merged",
        [EXPLAIN_PROBE_REFUSED] = "probe-refused",
        [EXPLAIN_START_FAILED] = "start-failed",
        [EXPLAIN_LOST] = "lost",
        [EXPLAIN_WINNER] = "winner",
        [EXPLAIN_NOT_RUN] = "not-run",
};

const char *explain_outcome_to_string(ExplainOutcome o) {
        return o < _EXPLAIN_OUTCOME_MAX ? outcome_names[o] : NULL;
}

void explain_items_free(ExplainItem *items, unsigned n) {
        for (unsigned i = 0; i < n; i++) {
                personality_unref(items[i].personality);
                free(items[i].category);
        }
        free(items);
}

static const PassRecordItem *record_find(const PassRecord *rec, const Personality *p) {
        for (unsigned i = 0; rec && i < rec->n; i++)
                if (rec->items[i].personality == p)
                        return &rec->items[i];
        return NULL;
}

static ExplainOutcome outcome_of(CandidateState s) {
        switch (s) {
        case CAND_REFUSED:
                return EXPLAIN_PROBE_REFUSED;
        case CAND_START_FAILED:
                return EXPLAIN_START_FAILED;
        case CAND_STARTED:
                return EXPLAIN_WINNER;
        case CAND_LOST:
                return EXPLAIN_LOST;
        default:
                return EXPLAIN_NOT_RUN;
        }
}

int matcher_explain(Matcher *m, Entry *nub, ExplainItem **ret, unsigned *ret_n) {
        _cleanup_free_ CatalogueItem **items = NULL;
        const PassRecord *rec = hashmap_get(&m->records, &nub->id);
        ExplainItem *out;
        unsigned n;
        int r;

        r = catalogue_find_drivers(m->catalogue, nub, &items, &n);
        if (r < 0)
                return r;
        out = calloc(n ? n : 1, sizeof(*out));
        if (!out)
                return -ENOMEM;
        for (unsigned i = 0; i < n; i++) {
                Personality *p = items[i]->personality;
                const PassRecordItem *ri = record_find(rec, p);
                ExplainItem *x = &out[i];
                MatchResult res;
                Entry *holder;

                x->personality = personality_ref(p);
                x->category = strdup(category_of(p->dict));
                if (!x->category) {
                        explain_items_free(out, i + 1);
                        return -ENOMEM;
                }
                match_result_init(&res, p->dict);
                if (!match_passive(m->registry, nub, p->dict, MATCH_SKIP_PROVIDER_CLASS, &res)) {
                        x->outcome = EXPLAIN_NO_MATCH;
                        x->failed_key = res.failed_key;
                        continue;
                }
                x->passive_score = x->probe_score = res.score;
                if (!wants_host(m, p) && is_merge_only(p)) {
                        x->outcome = EXPLAIN_MERGED;
                        continue;
                }
                holder = category_holder(m, nub, x->category);
                if (ri) {
                        x->outcome = outcome_of(ri->state);
                        x->probe_score = ri->score;
                        x->driver_id = ri->driver_id;
                        /* The winner may have gone since (terminated); say who holds it now. */
                        if (x->outcome == EXPLAIN_WINNER && (!holder || holder->id != ri->driver_id))
                                x->outcome = EXPLAIN_LOST;
                        if (x->outcome == EXPLAIN_LOST)
                                x->driver_id = holder ? holder->id : 0;
                } else if (holder) {
                        x->outcome = EXPLAIN_CATEGORY_HELD;
                        x->driver_id = holder->id;
                } else
                        x->outcome = EXPLAIN_NOT_RUN;
        }
        *ret = out;
        *ret_n = n;
        return 0;
}
