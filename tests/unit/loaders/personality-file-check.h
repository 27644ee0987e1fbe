/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * personality-file-check.h: what the personality file tests
 * (test-personality-*.c) share: the loader's errors collected as text,
 * typed checks of a personality's values (a failed check fails the running
 * cmocka test), and files and folders made in a temporary directory.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "personality-dirs.h"
#include "personality-file.h"

#define PLISTS TEST_DATA "/plists"
#define PERSONALITIES TEST_DATA "/personalities"

typedef struct Errors {
        char *items[64]; /* owned: formatted messages */
        unsigned n;
} Errors;

void collect(void *userdata, const PersonalityError *e);
void errors_done(Errors *errors);
/* Every expected message, in order, each prefixed with "FILE: ". */
void assert_errors(const Errors *errors, const char *file, const char *const *expected, unsigned n);
const Personality *find(const PersonalityList *l, const char *name);
const Value *get(const Personality *p, const char *key);
void assert_unsigned(const Value *v, uint64_t want);
void assert_signed(const Value *v, int64_t want);
void assert_string(const Value *v, const char *want);
void assert_boolean(const Value *v, bool want);
void assert_data(const Value *v, const void *want, size_t len);
void load(const char *path, PersonalityList *list, Errors *errors, PersonalityLoadStats *stats);
void write_file(const char *path, const char *content);
void copy_file(const char *from, const char *to);
/* "a/b", owned by the caller. */
char *path_join(const char *a, const char *b);
void make_dir(const char *base, const char *sub);
/* Only ever a mkdtemp() directory /tmp/test-personality-*. */
void rm_rf(const char *path);
