/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ioreg-explain.h: ioreg --explain, the matcher's verdict on every candidate
 * personality of the selected entries (org.ioreg.Catalogue1.Explain, through libioreg,
 * or a saved registry's prediction: ioreg-predict.h). The
 * entries are those -c, -k and -n select, else every service that has a
 * candidate. Per entry, its object line, then one line per candidate:
 *   outcome  passive-score  probe-score  category  "name" (bundle) [key or driver]
 */
#pragma once

#include <stdio.h>

#include "ioreg-print.h"

#include <jansson.h>
#include <stdint.h>

/* Where the candidates come from: a JSON array as ioreg_catalogue_explain() returns it (owned). */
typedef int (*IoregExplainSource)(void *userdata, uint64_t id, json_t **ret);

/* The daemon, through libioreg (ioreg_catalogue_explain()). */
int ioreg_explain_from_daemon(void *userdata, uint64_t id, json_t **ret);

/* Asks source entry by entry; json: one JSON object (docs/ioreg-json.md). */
int ioreg_explain(FILE *f, const IoregTree *t, const IoregPrintOptions *o, IoregExplainSource source,
                  void *userdata, bool json);
