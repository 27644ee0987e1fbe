/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * personality-loader.h: what the file-format readers (personality-json.c,
 * personality-plist.c) share. A reader parses its file, sets the bundle's
 * CFBundleIdentifier and hands each personality over as a Value dictionary;
 * the loader checks it, gives it its bundle identifier and appends it, or
 * reports why not. Internal to the personality-file module.
 */
#pragma once

#include "personality-file.h"
#include "value.h"
#include "value-json.h"

typedef struct PersonalityLoader {
        const char *path;            /* borrowed: the file being read, named in messages */
        char *bundle_id;             /* owned: the file's CFBundleIdentifier, NULL when it has none */
        PersonalityList *list;       /* borrowed: where personalities go */
        PersonalityErrorFn error_fn; /* may be NULL */
        void *userdata;              /* borrowed, for error_fn */
        PersonalityLoadStats *stats; /* borrowed, never NULL */
} PersonalityLoader;

/* Reports one error (personality and key may be NULL) and counts it. */
void personality_loader_error(PersonalityLoader *l, const char *personality, const char *key,
                              const char *format, ...) _printf_(4, 5);

/*
 * Takes dict. Checks it (reports and drops it when invalid), then appends it
 * as personality name. Returns 0, or -ENOMEM.
 */
int personality_loader_add(PersonalityLoader *l, const char *name, Value *dict);

/* Reports e against a personality's key. */
void personality_loader_convert_error(PersonalityLoader *l, const char *personality,
                                      const char *key, const ConvertError *e);

/*
 * The key of this architecture's personalities. Apple's kext loader reads
 * "IOKitPersonalities_<arch>" (x86_64, arm64, ...) in place of
 * "IOKitPersonalities" when a bundle has it (OSKext's per-architecture
 * Info.plist keys); the readers do the same for this machine's
 * architecture.
 */
#if defined(__x86_64__)
#define PERSONALITIES_ARCH_KEY "IOKitPersonalities_x86_64"
#elif defined(__aarch64__)
#define PERSONALITIES_ARCH_KEY "IOKitPersonalities_arm64"
#elif defined(__i386__)
#define PERSONALITIES_ARCH_KEY "IOKitPersonalities_i386"
#else
#define PERSONALITIES_ARCH_KEY "IOKitPersonalities"
#endif

/*
 * Readers: each parses the contents of l->path, buf (len bytes, borrowed; no
 * NUL needed). They return 0 (errors went to l), or -ENOMEM.
 */
int personality_json_load(PersonalityLoader *l, const char *buf, size_t len);
int personality_plist_load(PersonalityLoader *l, const char *buf, size_t len);
