/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* fuzz-util.c: see fuzz.h. */

#include <stdio.h>
#include <stdlib.h>

#include "fuzz.h"

void fuzz_fail(const char *file, int line, const char *what) {
        fprintf(stderr, "%s:%d: check failed: %s\n", file, line, what);
        abort();
}
