/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* bench-match-machine.c: see bench-match-machine.h. */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench-match-machine.h"
#include "bench-util.h"
#include "family.h"
#include "match-passive.h"

void machine_done(Machine *m) {
        if (m->tree_init)
                device_tree_done(&m->tree);
        m->registry = registry_free(m->registry);
        free(m->nubs);
        *m = (Machine) {};
}

/* The device tree's on_publish: keep the nub for the matcher, unregistered. */
static void collect_nub(void *userdata, Entry *nub) {
        Machine *m = userdata;

        if (GROW(m->nubs, m->cap_nubs, m->n_nubs + 1) < 0) {
                m->error = -ENOMEM;
                return;
        }
        m->nubs[m->n_nubs++] = nub;
}

int define_machine_classes(ClassTable *classes) {
        int r = family_define_classes(classes);

        if (r >= 0)
                r = class_table_define(classes, "IOPlatformExpertDevice", "IOService", NULL);
        if (r >= 0)
                r = class_table_define(classes, "IOResources", "IOService", NULL);
        return r;
}

/* A registry with the platform expert and IOResources, and every testbed device as a nub. */
int machine_build(Machine *m, const Testbed *bed) {
        Entry *platform;
        int r;

        *m = (Machine) {};
        r = registry_new(&m->registry);
        if (r >= 0)
                r = define_machine_classes(m->registry->classes);
        if (r >= 0)
                r = registry_create_entry(m->registry, "IOPlatformExpertDevice", &platform);
        if (r >= 0)
                r = entry_attach(platform, m->registry->root, m->registry->service_plane);
        if (r >= 0)
                r = registry_create_entry(m->registry, "IOResources", &m->resources);
        if (r >= 0)
                r = entry_attach(m->resources, platform, m->registry->service_plane);
        if (r >= 0)
                r = device_tree_init(&m->tree, m->registry, platform);
        if (r < 0)
                return r;
        m->tree_init = true;
        m->tree.on_publish = collect_nub;
        m->tree.userdata = m;
        for (unsigned i = 0; i < bed->n; i++) {
                r = device_tree_apply(&m->tree, testbed_record(bed, i));
                if (r < 0) {
                        fprintf(stderr, "bench-match: cannot apply %s: %s\n", testbed_record(bed, i)->syspath,
                                strerror(-r));
                        return r;
                }
        }
        if (m->error < 0)
                return m->error;
        return m->n_nubs == bed->n ? 0 : -EPROTO;
}

/* Registers every nub of a fresh machine with a matcher on cat; only the registrations are timed. */
int match_all(const Testbed *bed, Catalogue *cat, MatchRun *ret) {
        _cleanup_(machine_done) Machine m = {};
        _cleanup_(matcher_freep) Matcher *matcher = NULL;
        unsigned before;
        uint64_t start, cpu_start;
        int r;

        r = machine_build(&m, bed);
        if (r < 0)
                return r;
        r = matcher_new(m.registry, cat, m.resources, &matcher);
        if (r < 0)
                return r;
        before = registry_n_entries(m.registry);
        start = bench_now_nsec();
        cpu_start = bench_cpu_nsec();
        for (unsigned i = 0; i < m.n_nubs; i++) {
                r = matcher_register_service(matcher, m.nubs[i]);
                if (r < 0)
                        return r;
        }
        ret->cpu_nsec = bench_cpu_nsec() - cpu_start;
        ret->nsec = bench_now_nsec() - start;
        ret->drivers = registry_n_entries(m.registry) - before;
        if (matcher_n_pending(matcher) != 0)
                return -EBUSY; /* codeless personalities complete at once: nothing may wait */
        matcher = matcher_free(matcher); /* before the registry it borrows */
        return 0;
}

/* catalogue_find_drivers() for every nub of m: total time and candidates. */
int find_all(const Machine *m, const Catalogue *cat, uint64_t *ret_nsec, uint64_t *ret_candidates) {
        uint64_t start = bench_now_nsec(), candidates = 0;

        for (unsigned i = 0; i < m->n_nubs; i++) {
                _cleanup_free_ CatalogueItem **items = NULL;
                unsigned n;
                int r;

                r = catalogue_find_drivers(cat, m->nubs[i], &items, &n);
                if (r < 0)
                        return r;
                candidates += n;
        }
        *ret_nsec = bench_now_nsec() - start;
        *ret_candidates = candidates;
        return 0;
}

bool in_list(const PersonalityList *l, const Personality *p) {
        for (unsigned i = 0; i < l->n; i++)
                if (l->items[i] == p)
                        return true;
        return false;
}

/*
 * The personalities of cat not generated here (the plists') that pass the passive match on some
 * nub of bed: the ones that start, merge or lose to a better candidate. Appended to ret (new references).
 */
int plists_in_play(const Testbed *bed, Catalogue *cat, PersonalityList *ret) {
        _cleanup_(machine_done) Machine m = {};
        _cleanup_(matcher_freep) Matcher *matcher = NULL;
        int r;

        r = machine_build(&m, bed);
        if (r >= 0)
                r = matcher_new(m.registry, cat, m.resources, &matcher);
        for (unsigned i = 0; r >= 0 && i < m.n_nubs; i++)
                r = matcher_register_service(matcher, m.nubs[i]);
        for (unsigned i = 0; r >= 0 && i < m.n_nubs; i++) {
                ExplainItem *items = NULL;
                unsigned n = 0;

                r = matcher_explain(matcher, m.nubs[i], &items, &n);
                for (unsigned j = 0; r >= 0 && j < n; j++) {
                        Personality *p = items[j].personality;

                        if (items[j].outcome == EXPLAIN_NO_MATCH || items[j].outcome == EXPLAIN_NOT_RUN ||
                            strncmp(p->bundle_id, "org.ioreg.bench.", 16) == 0 || in_list(ret, p))
                                continue;
                        r = personality_list_append_take(ret, personality_ref(p));
                }
                explain_items_free(items, n);
        }
        matcher = matcher_free(matcher); /* before the registry it borrows */
        return r;
}

/* match_passive() of every candidate of every nub: total time and candidates tried. */
int passive_all(const Machine *m, const Catalogue *cat, uint64_t *ret_nsec, uint64_t *ret_tried,
                uint64_t *ret_passed) {
        uint64_t nsec = 0, tried = 0, passed = 0;

        for (unsigned i = 0; i < m->n_nubs; i++) {
                _cleanup_free_ CatalogueItem **items = NULL;
                uint64_t start;
                unsigned n;
                int r;

                r = catalogue_find_drivers(cat, m->nubs[i], &items, &n);
                if (r < 0)
                        return r;
                start = bench_now_nsec();
                for (unsigned j = 0; j < n; j++) {
                        MatchResult res;

                        match_result_init(&res, items[j]->personality->dict);
                        passed += match_passive(m->registry, m->nubs[i], items[j]->personality->dict,
                                                MATCH_SKIP_PROVIDER_CLASS, &res);
                }
                nsec += bench_now_nsec() - start;
                tried += n;
        }
        *ret_nsec = nsec;
        *ret_tried = tried;
        *ret_passed = passed;
        return 0;
}
