/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* personality.c: see personality.h. */

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "personality.h"
#include "hashmap.h"

int personality_new(const char *name, const char *bundle_id, const char *source, Value *dict,
                    Personality **ret) {
        _cleanup_value_ Value *d = dict;
        Personality *p;
        int r;

        assert(name && ret);
        if (!d || value_type(d) != VALUE_DICTIONARY)
                return -EINVAL;
        if (bundle_id && !value_dict_get(d, "CFBundleIdentifier")) {
                r = value_dict_set_take(d, "CFBundleIdentifier", value_new_string(bundle_id));
                if (r < 0)
                        return r;
        }
        if (!bundle_id) {
                Value *b = value_dict_get(d, "CFBundleIdentifier");

                if (b && value_type(b) == VALUE_STRING)
                        bundle_id = value_string(b, NULL);
        }

        p = calloc(1, sizeof(*p));
        if (!p)
                return -ENOMEM;
        p->n_ref = 1;
        p->name = strdup(name);
        p->bundle_id = bundle_id ? strdup(bundle_id) : NULL;
        p->source = source ? strdup(source) : NULL;
        p->dict = TAKE_PTR(d);
        if (!p->name || (bundle_id && !p->bundle_id) || (source && !p->source)) {
                personality_unref(p);
                return -ENOMEM;
        }
        *ret = p;
        return 0;
}

Personality *personality_ref(Personality *p) {
        if (p)
                p->n_ref++;
        return p;
}

Personality *personality_unref(Personality *p) {
        if (!p || --p->n_ref > 0)
                return NULL;
        value_unref(p->dict);
        free(p->name);
        free(p->bundle_id);
        free(p->source);
        free(p);
        return NULL;
}

const char *personality_get_string(const Personality *p, const char *key) {
        Value *v = value_dict_get(p->dict, key);

        return v && value_type(v) == VALUE_STRING ? value_string(v, NULL) : NULL;
}

int personality_list_append_take(PersonalityList *l, Personality *p) {
        if (!p)
                return -ENOMEM;
        if (GROW(l->items, l->cap, l->n + 1) < 0) {
                personality_unref(p);
                return -ENOMEM;
        }
        l->items[l->n++] = p;
        return 0;
}

void personality_list_done(PersonalityList *l) {
        for (unsigned i = 0; i < l->n; i++)
                personality_unref(l->items[i]);
        free(l->items);
        *l = PERSONALITY_LIST_INIT;
}

bool personality_equal(const Personality *a, const Personality *b) {
        return streq_ptr(a->bundle_id, b->bundle_id) && value_equal(a->dict, b->dict);
}

uint64_t personality_hash(const Personality *p) {
        uint64_t h = value_hash(p->dict);

        if (p->bundle_id)
                h ^= hash_bytes(p->bundle_id, strlen(p->bundle_id));
        return h;
}
