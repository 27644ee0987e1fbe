/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * personality-file.h: load the driver personalities of one file or bundle.
 *
 * Three forms (docs/personalities.md):
 *   NAME.json               an object shaped like an Info.plist
 *                           (CFBundleIdentifier, IOKitPersonalities)
 *   anything else           an Info.plist, XML or binary (libplist)
 *   NAME.kext/, NAME.dext/  a bundle folder: Contents/Info.plist, else
 *                           Info.plist at its top (shallow bundles, dexts)
 *
 * Bad input never stops a load: a file that cannot be read or parsed, and a
 * personality that breaks a rule (personality-check.h), are reported through
 * the error callback and skipped; everything else still loads.
 */
#pragma once

#include "personality.h"

typedef struct PersonalityError {
        const char *file;        /* the file or bundle at fault */
        const char *personality; /* its name, NULL when the file itself failed */
        const char *key;         /* the key at fault, NULL when none is */
        const char *message;     /* what is wrong: "expected an integer, got a string" */
} PersonalityError;

typedef void (*PersonalityErrorFn)(void *userdata, const PersonalityError *error);

/* Counters, added to (not reset) by every load. */
typedef struct PersonalityLoadStats {
        unsigned n_files;         /* files and bundles read */
        unsigned n_personalities; /* personalities appended to the list */
        unsigned n_errors;        /* errors reported (each one skipped something) */
        unsigned n_duplicates;    /* exact duplicates dropped (personality-dirs only) */
} PersonalityLoadStats;

/* "FILE: personality 'P': key 'K': MESSAGE", leaving out the parts that are NULL. NULL on ENOMEM. */
char *personality_error_to_string(const PersonalityError *e);

/*
 * Appends the personalities of path, in the file's order, to list. error_fn
 * may be NULL; stats may be NULL. Returns 0 whatever was wrong with the
 * input (it went to error_fn), or -ENOMEM.
 */
int personality_file_load(const char *path, PersonalityList *list, PersonalityErrorFn error_fn,
                          void *userdata, PersonalityLoadStats *stats);

/*
 * The same for a file already in memory (buf, len bytes, borrowed; no NUL
 * needed): name chooses the form as a path would (".json" or a plist) and is
 * the file named in errors. Counts one file in stats.
 */
int personality_buffer_load(const char *name, const void *buf, size_t len, PersonalityList *list,
                            PersonalityErrorFn error_fn, void *userdata, PersonalityLoadStats *stats);
