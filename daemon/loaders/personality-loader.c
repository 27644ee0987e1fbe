/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * personality-loader.c: see personality-loader.h. What the format readers
 * call back into: checking, naming and appending a personality, and errors.
 */

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>

#include "personality-check.h"
#include "personality-loader.h"

void personality_loader_error(PersonalityLoader *l, const char *personality, const char *key,
                              const char *format, ...) {
        _cleanup_free_ char *message = NULL;
        va_list ap;
        int r;

        l->stats->n_errors++;
        if (!l->error_fn)
                return;
        va_start(ap, format);
        r = vasprintf(&message, format, ap);
        va_end(ap);
        if (r < 0)
                message = NULL;
        l->error_fn(l->userdata, &(PersonalityError) {
                                         .file = l->path,
                                         .personality = personality,
                                         .key = key,
                                         .message = message ?: "(out of memory)",
                                 });
}

void personality_loader_convert_error(PersonalityLoader *l, const char *personality,
                                      const char *key, const ConvertError *e) {
        if (e->where)
                personality_loader_error(l, personality, key, "%s at '%s'", e->what, e->where);
        else
                personality_loader_error(l, personality, key, "%s", e->what);
}

int personality_loader_add(PersonalityLoader *l, const char *name, Value *dict) {
        _cleanup_value_ Value *d = dict;
        _cleanup_free_ char *message = NULL;
        const char *key = NULL, *bundle_id;
        Personality *p = NULL;
        Value *own;
        int r;

        assert(value_type(d) == VALUE_DICTIONARY);

        r = personality_check(d, &key, &message);
        if (r == -ENOMEM)
                return r;
        if (r < 0) {
                personality_loader_error(l, name, key, "%s", message);
                return 0;
        }

        /* The personality's own identifier wins over its bundle's (checked to be a string above). */
        own = value_dict_get(d, "CFBundleIdentifier");
        bundle_id = own ? value_string(own, NULL) : l->bundle_id;
        if (!bundle_id) {
                personality_loader_error(l, name, "CFBundleIdentifier",
                                         "missing, and the file has none either");
                return 0;
        }

        r = personality_new(name, bundle_id, l->path, TAKE_PTR(d), &p);
        if (r < 0)
                return r;
        r = personality_list_append_take(l->list, p);
        if (r < 0)
                return r;
        l->stats->n_personalities++;
        return 0;
}
