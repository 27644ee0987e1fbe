/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* bench-plists.c: see bench-plists.h. */

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench-plists.h"

static void closedirp(DIR **d) {
        if (*d)
                (void) closedir(*d);
}

static void report_error(void *userdata, const PersonalityError *error) {
        _cleanup_free_ char *s = personality_error_to_string(error);

        fprintf(stderr, "bench-match: %s, skipped\n", s ?: error->file);
}

static int name_compare(const void *a, const void *b) {
        return strcmp(*(char *const *) a, *(char *const *) b);
}

int bench_plists_load_dir(const char *dir, PersonalityList *list, PersonalityLoadStats *stats) {
        _cleanup_(closedirp) DIR *d = opendir(dir);
        _cleanup_free_ char **names = NULL;
        unsigned n = 0, cap = 0;
        struct dirent *de;
        int r = 0;

        if (!d)
                return -errno;
        while ((de = readdir(d))) {
                size_t len = strlen(de->d_name);

                if (de->d_name[0] == '.' || len < 6 || !streq(de->d_name + len - 6, ".plist"))
                        continue;
                if (GROW(names, cap, n + 1) < 0) {
                        r = -ENOMEM;
                        break;
                }
                names[n] = strdup(de->d_name);
                if (!names[n]) {
                        r = -ENOMEM;
                        break;
                }
                n++;
        }
        if (r >= 0)
                qsort(names, n, sizeof(*names), name_compare);
        for (unsigned i = 0; i < n; i++) {
                _cleanup_free_ char *path = NULL;

                if (r >= 0 && asprintf(&path, "%s/%s", dir, names[i]) < 0)
                        r = -ENOMEM;
                if (r >= 0)
                        r = personality_file_load(path, list, report_error, NULL, stats);
                free(names[i]);
        }
        return r;
}
