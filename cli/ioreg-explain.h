/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ioreg-explain.h: ioreg --explain, the matcher's verdict on every candidate
 * personality of the selected entries (org.ioreg.Catalogue1.Explain, through libioreg). The
 * entries are those -c, -k and -n select, else every service that has a
 * candidate. Per entry, its object line, then one line per candidate:
 *   outcome  passive-score  probe-score  category  "name" (bundle) [key or driver]
 * A nub's kernel driver comes first, as "name" (IOLinuxKernelDriver): winner
 * while bound, lost (held by its replacement) once replaced.
 */
#pragma once

#include <stdio.h>

#include "ioreg-print.h"

/* Asks the daemon through libioreg (ioreg_catalogue_explain()) entry by entry. */
int ioreg_explain(FILE *f, const IoregTree *t, const IoregPrintOptions *o);
