/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* matcher.c: see matcher.h. The passes (matcher-internal.h). */

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "matcher-internal.h"


static const char *const notification_names[_MATCH_NOTIFY_MAX] = {
        [MATCH_NOTIFY_PUBLISH] = "IOServicePublish",
        [MATCH_NOTIFY_FIRST_PUBLISH] = "IOServiceFirstPublish",
        [MATCH_NOTIFY_MATCHED] = "IOServiceMatched",
        [MATCH_NOTIFY_FIRST_MATCH] = "IOServiceFirstMatch",
        [MATCH_NOTIFY_TERMINATED] = "IOServiceTerminate",
        [MATCH_NOTIFY_WILL_TERMINATE] = "IOServiceWillTerminate",
};

_hot_ const char *match_notification_to_string(MatchNotification n) {
        return n < _MATCH_NOTIFY_MAX ? notification_names[n] : NULL;
}

/* The registry's observers hear it (service_notification). */
_hot_ static void notify(Matcher *m, Entry *e, MatchNotification type) {
        registry_notify_service(m->registry, e, type);
}

_hot_ static void candidate_done(Candidate *c) {
        personality_unref(c->personality);
        value_unref(c->table);
        free(c->category);
}

_hot_ static void candidates_free(Candidate *c, unsigned n) {
        for (unsigned i = 0; i < n; i++)
                candidate_done(&c[i]);
        free(c);
}



_hot_ static MatchJob *job_free(MatchJob *j) {
        if (!j)
                return NULL;
        candidates_free(j->cands, j->n_cands);
        entry_unref(j->starting);
        entry_unref(j->nub);
        free(j);
        return NULL;
}

DEFINE_HASHMAP_FREE_FUNC(job_free_void, MatchJob, job_free);
/* Jobs waiting for a host are abandoned with the map: the host is torn down with us. */
static const HashmapOps jobs_ops = HASHMAP_OPS_U64(job_free_void);

int matcher_new(Registry *reg, Catalogue *cat, Entry *resources, Matcher **ret) {
        Matcher *m = calloc(1, sizeof(*m));

        if (!m)
                return -ENOMEM;
        m->registry = reg;
        m->catalogue = cat;
        m->resources = resources;
        m->jobs = HASHMAP_INIT(&jobs_ops);
        m->drivers = HASHMAP_INIT(&matcher_drivers_ops);
        m->records = HASHMAP_INIT(&matcher_records_ops);
        *ret = m;
        return 0;
}

Matcher *matcher_free(Matcher *m) {
        if (!m)
                return NULL;
        hashmap_done(&m->jobs);
        hashmap_done(&m->drivers);
        hashmap_done(&m->records);
        free(m->rebinding);
        free(m);
        return NULL;
}

void matcher_set_host(Matcher *m, const DriverHostOps *ops, void *host) {
        m->host_ops = ops;
        m->host = host;
}

unsigned matcher_n_pending(const Matcher *m) {
        return hashmap_size(&m->jobs);
}








/* Pass 1: the passive filter, in catalogue order; survivors sorted by family score. */
_hot_ static int gather_candidates(MatchJob *j) {
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
                const char *category = matcher_category_of(p->dict);
                _cleanup_value_ Value *table = NULL;
                MatchResult res;

                Entry *holder = matcher_category_holder(m, j->nub, category);
                bool replaces = matcher_may_replace_kernel_driver(m, p);

                /* A kernel driver's category is skipped too, unless p says it replaces it (matcher.h). */
                if (holder && !(replaces && matcher_kernel_driver_replaceable(holder)))
                        continue;
                match_result_init(&res, p->dict);
                if (!match_passive(m->registry, j->nub, p->dict, MATCH_SKIP_PROVIDER_CLASS, &res))
                        continue;
                if (!matcher_wants_host(m, p) && matcher_is_merge_only(p)) {
                        r = matcher_merge_properties(m, j->nub, p->dict);
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
                        .hosted = matcher_wants_host(m, p),
                        .replaces_kernel = replaces,
                };
                j->n_cands++;
                if (!c->category)
                        return -ENOMEM;
        }
        return 0;
}

/* Stable: equal scores keep catalogue order. */
_hot_ static void sort_by_score(Candidate *c, unsigned n) {
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


_hot_ static bool resources_ready(const Matcher *m, const Entry *nub, const Value *table) {
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



/*
 * Creates the driver entry under the nub, not yet registered (startCandidate's
 * attach), and its record (naming kernel, the kernel driver it takes the nub
 * from, when not NULL).
 */
static int create_driver_entry(Matcher *m, Candidate *c, Entry *nub, Entry *kernel, Entry **ret,
                               MatcherDriver **ret_record) {
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
                r = matcher_driver_add(m, drv, c, nub, ret_record);
        if (r >= 0 && kernel) {
                /* The host detaches it before Start (driver-host.c, kernel-driver.h). */
                (*ret_record)->kernel_driver = strdup(entry_get_name(kernel, NULL));
                if (!(*ret_record)->kernel_driver) {
                        matcher_driver_drop(m, drv->id);
                        r = -ENOMEM;
                }
        }
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
                (void) matcher_merge_properties(m, j->nub, c->table);
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
                matcher_driver_drop(m, drv->id);
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

_hot_ static void job_start_pass(MatchJob *j) {
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
_hot_ static bool job_probe_step(MatchJob *j) {
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

_hot_ static bool job_start_step(MatchJob *j) {
        Matcher *m = j->matcher;
        MatcherDriver *d;
        Entry *holder, *kernel = NULL;
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
        holder = matcher_category_holder(m, j->nub, c->category);
        /* A kernel driver is outscored only by a candidate that may replace it (matcher.h). */
        if (holder && matcher_kernel_driver_replaceable(holder) && c->replaces_kernel &&
            c->score > KERNEL_DRIVER_PROBE_SCORE)
                kernel = holder;
        else if (holder) {
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

        r = create_driver_entry(m, c, j->nub, kernel, &j->starting, &d);
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
_hot_ static bool job_finish(MatchJob *j) {
        Matcher *m = j->matcher;
        Entry *nub = j->nub;
        bool first;

        matcher_record_pass(j);
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
_hot_ static void job_continue(MatchJob *j) {
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

_hot_ static bool ids_remove(uint64_t *ids, unsigned *n, uint64_t id) {
        for (unsigned i = 0; i < *n; i++)
                if (ids[i] == id) {
                        ids[i] = ids[--*n];
                        return true;
                }
        return false;
}

_hot_ static bool ids_contain(const uint64_t *ids, unsigned n, uint64_t id) {
        for (unsigned i = 0; i < n; i++)
                if (ids[i] == id)
                        return true;
        return false;
}

_hot_ int matcher_register_service(Matcher *m, Entry *nub) {
        MatchJob *j;

        if (!nub->registry || (nub->state & ENTRY_STATE_INACTIVE))
                return -ESTALE;
        if (!entry_in_plane(nub, m->registry->service_plane))
                return -ENOTCONN; /* registerService wants the entry attached to the root */
        /* A kernel driver's entry is back (its bind uevent) below a nub a reload left waiting for it. */
        if (m->n_rebinding > 0 && matcher_kernel_driver_replaceable(nub)) {
                Entry *parent = entry_get_parent(nub, m->registry->service_plane);

                if (parent && ids_remove(m->rebinding, &m->n_rebinding, parent->id))
                        (void) matcher_register_service(m, parent);
        }
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

_hot_ void matcher_service_terminated(Matcher *m, Entry *e) {
        MatchJob *j = hashmap_remove(&m->jobs, &e->id);
        MatcherDriver *d = hashmap_remove(&m->drivers, &e->id);

        /*
         * Our termination is one phase, children first: Terminated (phase 1
         * on a Mac) and WillTerminate (phase 2) follow each other per entry.
         */
        (void) ids_remove(m->rebinding, &m->n_rebinding, e->id);
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
                matcher_driver_free(d);
        }
        hashmap_delete(&m->records, &e->id);
}

static void terminate_visit(void *userdata, Entry *e) {
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
        _cleanup_free_ uint64_t *rematch = NULL, *returning = NULL;
        unsigned n_rematch = 0, cap_rematch = 0, n_returning = 0, cap_returning = 0;
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
                /*
                 * One that replaced a kernel driver gives the nub back to it (the host binds it again, and
                 * its entry returns with the bind uevent): matching the nub before then would let another
                 * personality take the category the kernel driver holds.
                 */
                if (nub && !d->kernel_driver && GROW(rematch, cap_rematch, n_rematch + 1) >= 0)
                        rematch[n_rematch++] = nub->id;
                else if (nub && d->kernel_driver && GROW(returning, cap_returning, n_returning + 1) >= 0)
                        returning[n_returning++] = nub->id;
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
                        if (!match_passive(m->registry, e, added.items[k]->dict, 0, &res))
                                continue;
                        /*
                         * A replacing personality changed: its old instance is stopping and the kernel
                         * driver not yet bound again. Matched now, the new one would find the nub still
                         * held, or free and start beside the kernel driver being bound: it waits.
                         */
                        if (ids_contain(returning, n_returning, e->id)) {
                                if (!ids_contain(m->rebinding, m->n_rebinding, e->id) &&
                                    GROW(m->rebinding, m->cap_rebinding, m->n_rebinding + 1) >= 0)
                                        m->rebinding[m->n_rebinding++] = e->id;
                        } else if (GROW(rematch, cap_rematch, n_rematch + 1) >= 0)
                                rematch[n_rematch++] = e->id;
                        break;
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

void matcher_kernel_driver_returned(Matcher *m, Entry *nub, bool bound) {
        /*
         * Bound: its entry comes with the bind uevent (matcher_register_service()). The nub's entry of a
         * kernel driver now is a stale one: usbfs, whose unbind uevent (the claim released) comes first.
         */
        if (bound || !ids_remove(m->rebinding, &m->n_rebinding, nub->id))
                return;
        (void) matcher_register_service(m, nub);
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
