/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ioreg-explain.h: ioreg --explain, the matcher's verdict on every candidate
 * personality of the selected entries (org.ioreg.Catalogue1.Explain). The
 * entries are those -c, -k and -n select, else every service that has a
 * candidate. Per entry, its object line, then one line per candidate:
 *   outcome  passive-score  probe-score  category  "name" (bundle) [key or driver]
 */
#pragma once

#include <stdio.h>
#include <systemd/sd-bus.h>

#include "ioreg-print.h"

int ioreg_explain(FILE *f, sd_bus *bus, const IoregTree *t, const IoregPrintOptions *o);
