/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz-personality.c: see fuzz-personality.h. Besides not crashing, the
 * loader promises that every personality it hands out passed
 * personality_check() and carries its bundle identifier, and that each
 * error can be put into words.
 */

#include "fuzz-personality.h"
#include "fuzz.h"
#include "personality-check.h"
#include "personality-file.h"

static void on_error(void *userdata, const PersonalityError *e) {
        _cleanup_free_ char *s = personality_error_to_string(e);
        unsigned *n = userdata;

        fuzz_check(e->file && e->message);
        (*n)++;
}

void fuzz_personality_file(const char *name, const uint8_t *data, size_t size) {
        PersonalityList list = PERSONALITY_LIST_INIT;
        PersonalityLoadStats stats = {};
        unsigned n_errors = 0;
        int r;

        if (size > FUZZ_MAX_INPUT)
                return;
        r = personality_buffer_load(name, data, size, &list, on_error, &n_errors, &stats);
        fuzz_check(r == 0 || r == -ENOMEM);
        fuzz_check(stats.n_files == 1);
        fuzz_check(stats.n_errors == n_errors);
        fuzz_check(stats.n_personalities == list.n);

        for (unsigned i = 0; i < list.n; i++) {
                const Personality *p = list.items[i];
                _cleanup_free_ char *message = NULL;
                const char *key = NULL;

                fuzz_check(value_type(p->dict) == VALUE_DICTIONARY);
                fuzz_check(p->bundle_id && streq_ptr(personality_get_string(p, "CFBundleIdentifier"), p->bundle_id));
                fuzz_check(personality_check(p->dict, &key, &message) == 0);
                fuzz_check(personality_equal(p, p));
                (void) personality_hash(p);
        }
        personality_list_done(&list);
}
