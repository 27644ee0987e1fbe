/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bench-plists.h: the personalities of real kext Info.plist files for the
 * matching benchmark, read with libplist. A stand-in for the project's
 * loader (daemon/personality-file.h) until that is on main: keys of types
 * the registry has no value for (real, date, uid) are left out, a file
 * that does not parse is counted and skipped.
 */
#pragma once

#include "personality.h"

typedef struct PlistLoadStats {
        unsigned n_files;         /* files read */
        unsigned n_personalities; /* personalities appended */
        unsigned n_errors;        /* files or personalities skipped */
} PlistLoadStats;

/* Appends the personalities of every regular file in dir, files in name order. 0 or a negative errno. */
int bench_plists_load_dir(const char *dir, PersonalityList *list, PlistLoadStats *stats);
