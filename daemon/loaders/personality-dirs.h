/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * personality-dirs.h: the catalogue's personality directories.
 *
 * Directories are read lowest priority first: the vendor's, the admin's,
 * then each --personalities DIR. An entry (file or bundle) overrides the
 * entry of the same name in an earlier directory, and one that is a symlink
 * to /dev/null masks it (systemd's drop-in rule). Entries are loaded in the
 * order of their names (strcmp), so the catalogue order does not depend on
 * the directories' order on disk. Exact duplicate personalities (same
 * bundle, value_equal dictionaries) load once, as in Apple's addDrivers.
 */
#pragma once

#include "personality-file.h"

/*
 * ${datadir}/ioreg/personalities and ${sysconfdir}/ioreg/personalities of the
 * build's prefix: meson defines them for this layer and every user of it
 * (daemon/meson.build), so an installed daemon reads where it was installed.
 */
#if !defined(PERSONALITY_DIR_VENDOR) || !defined(PERSONALITY_DIR_ADMIN)
#error "PERSONALITY_DIR_VENDOR and PERSONALITY_DIR_ADMIN come from meson (ioreg_loaders_dep)"
#endif

/* Recognised entry names: *.json and *.plist files, *.kext and *.dext bundle folders. */
bool personality_dirs_entry_name_valid(const char *name);

/*
 * Loads dirs (NULL-terminated, lowest priority first) into list. A missing
 * directory is skipped; one that cannot be read is reported through
 * error_fn. Personalities already in list count for duplicates. stats may
 * be NULL. Returns 0 (bad input went to error_fn), or -ENOMEM.
 */
int personality_dirs_load(char *const *dirs, PersonalityList *list, PersonalityErrorFn error_fn,
                          void *userdata, PersonalityLoadStats *stats);

/* The default list: the vendor and admin directories, then extra (may be NULL). Owned strv, NULL on ENOMEM. */
char **personality_dirs_default(char *const *extra);
