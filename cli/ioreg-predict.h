/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ioreg-predict.h: ioreg --from=FILE --personalities=DIR --explain, "what
 * would match on that Mac" without a daemon: the saved registry and the
 * personalities in memory, the matcher's prediction (matcher_set_prediction())
 * entry by entry, in the JSON form of org.ioreg.Catalogue1.Explain so that
 * ioreg-explain.c prints both alike.
 */
#pragma once

#include <jansson.h>
#include <stdbool.h>

#include "ioreg-tree.h"

typedef struct IoregPredictor IoregPredictor;

/*
 * Loads the saved registry at path into plane, the personalities of dirs
 * (NULL-terminated), and sets up the catalogue and a predicting matcher.
 * keep_mac_drivers: the Mac's own drivers hold their categories; else they
 * are set aside. Errors are printed to stderr.
 */
int ioreg_predictor_new(const char *path, const char *plane, char *const *dirs, bool keep_mac_drivers,
                        IoregPredictor **ret);
IoregPredictor *ioreg_predictor_free(IoregPredictor *p);
DEFINE_TRIVIAL_CLEANUP_FUNC(IoregPredictor *, ioreg_predictor_free);

/* The plane as ioreg prints it. */
int ioreg_predictor_tree(IoregPredictor *p, const char *plane, IoregTree *ret);
/* An IoregExplainSource (ioreg-explain.h): the candidates of entry id, as a JSON array (owned). */
int ioreg_predictor_explain(void *userdata, uint64_t id, json_t **ret);
