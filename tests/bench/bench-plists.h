/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bench-plists.h: the personalities of the real kext Info.plist files of a
 * directory, for the matching benchmark, through the daemon's own loader
 * (personality-file.h). Errors go to stderr; the rest loads.
 */
#pragma once

#include "personality-file.h"

/* Appends the personalities of every *.plist file in dir, files in name order. 0 or a negative errno. */
int bench_plists_load_dir(const char *dir, PersonalityList *list, PersonalityLoadStats *stats);
