/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* matcher-explain.c: matcher_explain() (matcher.h): each candidate of a nub and what became of it. */

#include <stdlib.h>
#include <string.h>

#include "matcher-internal.h"

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
                free(items[i].kernel_driver);
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

/* The driver the matcher started on nub in place of its kernel driver, or NULL. */
static const MatcherDriver *find_replacer(const Matcher *m, const Entry *nub) {
        MatcherDriver *d;

        for (unsigned i = 0; matcher_next_driver(m, &i, &d);)
                if (d->nub_id == nub->id && d->kernel_driver && !(d->entry->state & ENTRY_STATE_INACTIVE))
                        return d;
        return NULL;
}

/*
 * The kernel driver's item, first (matcher.h): the winner while it holds the
 * default category, lost to the driver that replaced it. 0 when it has none.
 */
static int explain_kernel_driver(const Matcher *m, Entry *nub, ExplainItem *x) {
        const MatcherDriver *d = find_replacer(m, nub);
        Entry *holder = matcher_category_holder(m, nub, DEFAULT_CATEGORY);
        const char *name;

        if (d) {
                name = d->kernel_driver;
                x->outcome = EXPLAIN_LOST;
                x->driver_id = d->id;
        } else if (holder && matcher_kernel_driver_holds(holder) && !matcher_find_driver(m, holder->id)) {
                name = entry_get_name(holder, NULL);
                x->outcome = EXPLAIN_WINNER;
                x->driver_id = holder->id;
        } else
                return 0;
        x->passive_score = x->probe_score = KERNEL_DRIVER_PROBE_SCORE;
        x->kernel_driver = strdup(name ?: "?");
        x->category = strdup(DEFAULT_CATEGORY);
        return x->kernel_driver && x->category ? 1 : -ENOMEM;
}

void matcher_set_prediction(Matcher *m, bool keep_saved_drivers) {
        m->predict = true;
        m->set_aside_saved = !keep_saved_drivers;
}

/* IOResourceMatch names a resource the saved IOResources does not show (one without properties shows none). */
static bool resource_missing(const Matcher *m, const Value *table) {
        Value *v = value_dict_get(table, "IOResourceMatch");
        const Value *props = m->resources ? m->resources->properties : NULL;

        if (!v || !props || value_dict_size(props) == 0)
                return false;
        if (value_type(v) == VALUE_STRING)
                return !value_dict_get(props, value_string(v, NULL));
        for (size_t i = 0; value_type(v) == VALUE_ARRAY && i < value_array_size(v); i++) {
                Value *k = value_array_get(v, i);

                if (value_type(k) == VALUE_STRING && !value_dict_get(props, value_string(k, NULL)))
                        return true;
        }
        return false;
}

/*
 * Prediction: among the candidates not held, merged or failed, the best
 * family score of each category wins (the first in catalogue order on a
 * tie, as the stable sort of a pass does); the others lose to it.
 */
static void predict(ExplainItem *items, unsigned n) {
        for (unsigned i = 0; i < n; i++) {
                ExplainItem *x = &items[i];
                unsigned best = i;

                if (x->outcome != EXPLAIN_NOT_RUN)
                        continue;
                for (unsigned k = 0; k < n; k++)
                        if (items[k].outcome == EXPLAIN_NOT_RUN && streq(items[k].category, x->category) &&
                            (items[k].passive_score > items[best].passive_score ||
                             (items[k].passive_score == items[best].passive_score && k < best)))
                                best = k;
                for (unsigned k = 0; k < n; k++)
                        if (items[k].outcome == EXPLAIN_NOT_RUN && streq(items[k].category, x->category))
                                items[k].outcome = k == best ? EXPLAIN_WINNER : EXPLAIN_LOST;
        }
}

int matcher_explain(Matcher *m, Entry *nub, ExplainItem **ret, unsigned *ret_n) {
        _cleanup_free_ CatalogueItem **items = NULL;
        const PassRecord *rec = hashmap_get(&m->records, &nub->id);
        ExplainItem *out;
        unsigned n, kernel;
        int r;

        r = catalogue_find_drivers(m->catalogue, nub, &items, &n);
        if (r < 0)
                return r;
        out = calloc(n + 1, sizeof(*out));
        if (!out)
                return -ENOMEM;
        r = explain_kernel_driver(m, nub, &out[0]);
        if (r < 0) {
                explain_items_free(out, 1);
                return r;
        }
        kernel = r;
        for (unsigned i = 0; i < n; i++) {
                Personality *p = items[i]->personality;
                const PassRecordItem *ri = record_find(rec, p);
                ExplainItem *x = &out[kernel + i];
                MatchResult res;
                Entry *holder;

                x->personality = personality_ref(p);
                x->category = strdup(matcher_category_of(p->dict));
                if (!x->category) {
                        explain_items_free(out, kernel + i + 1);
                        return -ENOMEM;
                }
                match_result_init(&res, p->dict);
                if (!match_passive(m->registry, nub, p->dict, MATCH_SKIP_PROVIDER_CLASS, &res)) {
                        x->outcome = EXPLAIN_NO_MATCH;
                        x->failed_key = res.failed_key;
                        continue;
                }
                x->passive_score = x->probe_score = res.score;
                if (m->predict && !rec && resource_missing(m, p->dict)) {
                        x->outcome = EXPLAIN_NO_MATCH; /* its start would wait for ever */
                        x->failed_key = "IOResourceMatch";
                        continue;
                }
                if (!matcher_wants_host(m, p) && matcher_is_merge_only(p)) {
                        x->outcome = EXPLAIN_MERGED;
                        continue;
                }
                holder = matcher_category_holder(m, nub, x->category);
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
                /* Held by a kernel driver: say which key would have let it replace it. */
                if ((x->outcome == EXPLAIN_CATEGORY_HELD || x->outcome == EXPLAIN_LOST) && holder &&
                    holder->id == x->driver_id && matcher_kernel_driver_holds(holder) &&
                    !matcher_may_replace_kernel_driver(m, p))
                        x->failed_key = KERNEL_DRIVER_REPLACE_KEY;
        }
        if (m->predict && !rec)
                predict(out + kernel, n);
        *ret = out;
        *ret_n = kernel + n;
        return 0;
}
