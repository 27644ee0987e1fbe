/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* matcher-records.c: the matcher's records (matcher-internal.h). */

#include <stdlib.h>
#include <string.h>

#include "matcher-internal.h"

_hot_ static void pass_record_free(void *v) {
        PassRecord *r = v;

        if (!r)
                return;
        for (unsigned i = 0; i < r->n; i++)
                personality_unref(r->items[i].personality);
        free(r->items);
        free(r);
}

void matcher_driver_free(void *v) {
        MatcherDriver *d = v;

        if (!d)
                return;
        entry_unref(d->entry);
        personality_unref(d->personality);
        free(d->category);
        free(d->kernel_driver);
        free(d);
}

_hot_ Personality *matcher_driver_personality(const Matcher *m, const Entry *driver) {
        MatcherDriver *d = hashmap_get(&m->drivers, &driver->id);

        return d && d->started ? d->personality : NULL;
}

MatcherDriver *matcher_find_driver(const Matcher *m, uint64_t id) {
        return hashmap_get(&m->drivers, &id);
}

bool matcher_next_driver(const Matcher *m, unsigned *i, MatcherDriver **ret) {
        return hashmap_next(&m->drivers, i, NULL, (void **) ret);
}

_hot_ const char *matcher_category_of(const Value *table) {
        Value *v = value_dict_get(table, "IOMatchCategory");

        return v && value_type(v) == VALUE_STRING ? value_string(v, NULL) : DEFAULT_CATEGORY;
}

_hot_ bool matcher_kernel_driver_holds(const Entry *e) {
        const char *name = entry_get_name(e, NULL);

        return entry_conforms_to(e, KERNEL_DRIVER_CLASS) && !streq_ptr(name, KERNEL_DRIVER_USB_GENERIC);
}

_hot_ bool matcher_kernel_driver_replaceable(const Entry *e) {
        return matcher_kernel_driver_holds(e) && !streq_ptr(entry_get_name(e, NULL), KERNEL_DRIVER_USBFS);
}

_hot_ bool matcher_may_replace_kernel_driver(const Matcher *m, const Personality *p) {
        Value *v = value_dict_get(p->dict, KERNEL_DRIVER_REPLACE_KEY);

        return v && value_type(v) == VALUE_BOOLEAN && value_boolean(v) && matcher_wants_host(m, p);
}

/*
 * The active client of nub holding category, or NULL (copyClientWithCategory).
 * The matcher's record says it for the drivers it starts; a bound kernel
 * driver holds the default category (matcher.h); a client it did not start
 * (a saved registry's) says it with its IOMatchCategory property.
 */
_hot_ Entry *matcher_category_holder(const Matcher *m, const Entry *nub, const char *category) {
        Entry *const *children, *kernel = NULL;
        unsigned n;

        children = entry_get_children(nub, m->registry->service_plane, &n);
        for (unsigned i = 0; i < n; i++) {
                const MatcherDriver *d = hashmap_get(&m->drivers, &children[i]->id);
                const char *held = d ? d->category : NULL;

                if (children[i]->state & ENTRY_STATE_INACTIVE)
                        continue;
                if (!d && m->set_aside_saved)
                        continue; /* a saved registry's driver, set aside (matcher_set_prediction()) */
                if (!d && matcher_kernel_driver_holds(children[i])) {
                        /* Said last: a driver that replaced it holds the category while its unbind is under way. */
                        if (streq(category, DEFAULT_CATEGORY) && !kernel)
                                kernel = children[i];
                        continue;
                }
                if (!d) {
                        Value *v = entry_get_property(children[i], "IOMatchCategory");

                        held = v && value_type(v) == VALUE_STRING ? value_string(v, NULL) : NULL;
                }
                if (held && streq(held, category))
                        return children[i];
        }
        return kernel;
}

_hot_ bool matcher_wants_host(const Matcher *m, const Personality *p) {
        return m->host_ops && m->host_ops->wants && m->host_ops->wants(m->host, p);
}

/*
 * A codeless personality with IOProviderMergeProperties is only there to
 * merge them into its provider: Apple's merge classes (AppleUSBMergeNub,
 * IOUSBUserClientInit, IOHIDProviderPropertyMerger) merge in probe or start
 * and then go away, holding no category.
 */
_hot_ bool matcher_is_merge_only(const Personality *p) {
        Value *merge = value_dict_get(p->dict, "IOProviderMergeProperties");
        Value *parent = value_dict_get(p->dict, "IOProviderParentMergeProperties");

        return (merge && value_type(merge) == VALUE_DICTIONARY) || (parent && value_type(parent) == VALUE_DICTIONARY);
}

static int merge_into(Entry *e, const Value *merge) {
        if (!e || !merge || value_type(merge) != VALUE_DICTIONARY)
                return 0;
        for (size_t i = 0; i < value_dict_size(merge); i++) {
                int r = entry_set_property(e, value_dict_key_at(merge, i), value_dict_value_at(merge, i));

                if (r < 0)
                        return r;
        }
        return 0;
}

int matcher_merge_properties(Matcher *m, Entry *nub, const Value *table) {
        int r = merge_into(nub, value_dict_get(table, "IOProviderMergeProperties"));

        if (r >= 0)
                r = merge_into(entry_get_parent(nub, m->registry->service_plane),
                               value_dict_get(table, "IOProviderParentMergeProperties"));
        return r;
}

_hot_ void matcher_record_pass(MatchJob *j) {
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
                pass_record_free(rec); /* not in the map */
}

int matcher_driver_add(Matcher *m, Entry *drv, const Candidate *c, const Entry *nub, MatcherDriver **ret) {
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
                matcher_driver_free(d);
                return -ENOMEM;
        }
        *ret = d;
        return 0;
}

/* Drops the record of a driver whose start failed, or that was terminated (NULL-safe). */
void matcher_driver_drop(Matcher *m, uint64_t id) {
        hashmap_delete(&m->drivers, &id);
}

const HashmapOps matcher_drivers_ops = HASHMAP_OPS_U64(matcher_driver_free);
const HashmapOps matcher_records_ops = HASHMAP_OPS_U64(pass_record_free);
