/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* ioreg-predict.c: see ioreg-predict.h. */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalogue.h"
#include "ioreg-predict.h"
#include "json-form.h"
#include "matcher.h"
#include "personality-dirs.h"
#include "registry.h"
#include "snapshot.h"

struct IoregPredictor {
        Registry *registry;         /* owned */
        Catalogue *catalogue;       /* owned */
        Matcher *matcher;           /* owned */
        PersonalityList personalities;
};

IoregPredictor *ioreg_predictor_free(IoregPredictor *p) {
        if (!p)
                return NULL;
        matcher_free(p->matcher);
        catalogue_free(p->catalogue);
        personality_list_done(&p->personalities);
        registry_free(p->registry);
        free(p);
        return NULL;
}

static void on_personality_error(void *userdata, const PersonalityError *error) {
        _cleanup_free_ char *s = personality_error_to_string(error);

        fprintf(stderr, "ioreg: %s, ignoring.\n", s ?: error->message);
}

/* The saved IOResources, when the dump has one. */
static Entry *find_resources(Registry *reg) {
        void *v;

        for (unsigned i = 0; hashmap_next(&reg->by_id, &i, NULL, &v);)
                if (entry_conforms_to(v, "IOResources"))
                        return v;
        return NULL;
}

int ioreg_predictor_new(const char *path, const char *plane, char *const *dirs, bool keep_mac_drivers,
                        IoregPredictor **ret) {
        _cleanup_(ioreg_predictor_freep) IoregPredictor *p = calloc(1, sizeof(*p));
        SnapshotError err = {};
        int r;

        if (!p)
                return -ENOMEM;
        p->personalities = PERSONALITY_LIST_INIT;
        r = registry_new(&p->registry);
        if (r < 0)
                return r;
        r = snapshot_load_file(p->registry, plane, path, &err);
        if (r < 0) {
                if (err.line > 0)
                        fprintf(stderr, "ioreg: %s:%u: %s\n", path, err.line, err.message);
                else
                        fprintf(stderr, "ioreg: %s: %s\n", path, err.message);
                return r;
        }
        r = personality_dirs_load(dirs, &p->personalities, on_personality_error, NULL, NULL);
        if (r < 0) {
                fprintf(stderr, "ioreg: cannot load the personalities: %s\n", strerror(-r));
                return r;
        }
        r = catalogue_new(p->registry->classes, &p->catalogue);
        if (r >= 0)
                r = catalogue_replace(p->catalogue, &p->personalities, NULL, NULL);
        if (r >= 0)
                r = matcher_new(p->registry, p->catalogue, find_resources(p->registry), &p->matcher);
        if (r < 0)
                return r;
        matcher_set_prediction(p->matcher, keep_mac_drivers);
        *ret = TAKE_PTR(p);
        return 0;
}

int ioreg_predictor_tree(IoregPredictor *p, const char *plane, IoregTree *ret) {
        return ioreg_tree_from_registry(p->registry, plane, ret);
}

static json_t *item_json(const ExplainItem *x) {
        const Personality *pers = x->personality;

        return json_pack("{s:s, s:s, s:s, s:s, s:s, s:i, s:i, s:o, s:s}", "name", pers->name, "bundle",
                         pers->bundle_id ?: "", "source", pers->source ?: "", "outcome",
                         explain_outcome_to_string(x->outcome), "failed_key", x->failed_key ?: "",
                         "passive_score", (int) x->passive_score, "probe_score", (int) x->probe_score, "driver",
                         json_form_unsigned(x->driver_id), "category", x->category);
}

int ioreg_predictor_explain(void *userdata, uint64_t id, json_t **ret) {
        IoregPredictor *p = userdata;
        ExplainItem *items = NULL;
        json_t *a;
        Entry *e = registry_get_entry(p->registry, id);
        unsigned n = 0;
        int r;

        if (!e)
                return -ENOENT;
        r = matcher_explain(p->matcher, e, &items, &n);
        if (r < 0)
                return r;
        a = json_array();
        for (unsigned i = 0; a && i < n; i++)
                if (json_array_append_new(a, item_json(&items[i])) < 0) {
                        json_decref(a);
                        a = NULL;
                }
        explain_items_free(items, n);
        if (!a)
                return -ENOMEM;
        *ret = a;
        return 0;
}
