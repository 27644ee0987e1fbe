/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* fuzz-personality.h: the body both personality file targets share. */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* Loads data as a personality file called name (the suffix picks the form) and checks what came out. */
void fuzz_personality_file(const char *name, const uint8_t *data, size_t size);
