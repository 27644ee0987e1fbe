/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz.h: what every fuzz target defines. Each fuzz-*.c is linked twice:
 * with libFuzzer (-Dfuzz=true, clang) to search for crashes, and with
 * replay.c in every build to run its corpus once as a test (suite 'fuzz').
 *
 * A target returns 0 whatever the input; a crash, a sanitizer report, a
 * leak or an abort() on a broken invariant is a finding.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Inputs beyond this are cut short: the targets are about structure, not bulk. */
#define FUZZ_MAX_INPUT (4u * 1024u * 1024u)

/* abort() with a message when cond is false: a broken invariant is a finding, not a skip. */
#define fuzz_check(cond)                                                                      \
        do {                                                                                  \
                if (!(cond))                                                                  \
                        fuzz_fail(__FILE__, __LINE__, #cond);                                 \
        } while (0)

_Noreturn void fuzz_fail(const char *file, int line, const char *what);
