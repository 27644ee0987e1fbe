/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ioreg-print.h: Apple's ioreg text format (reference §4.2): the object
 * lines with their `| ` / two-space indentation columns, the property
 * blocks, value rendering, and clipping to a width with `$`.
 */
#pragma once

#include <stdbool.h>
#include <stdio.h>

#include "ioreg-tree.h"

typedef struct IoregPrintOptions {
        bool all_properties;  /* -l */
        bool hex;             /* -x: numbers and data in hexadecimal */
        bool inheritance;     /* -i: Super:...:Class instead of the class */
        unsigned depth_limit; /* -d: 0 = no limit; 1 = the root only */
        unsigned width;       /* -w: 0 = no clipping */
} IoregPrintOptions;

int ioreg_print_tree(FILE *f, const IoregTree *t, const IoregPrintOptions *o);
