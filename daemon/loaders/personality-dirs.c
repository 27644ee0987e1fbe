/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* personality-dirs.c: see personality-dirs.h. */

#include <assert.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "personality-dirs.h"
#include "hashmap.h"
#include "log.h"

static void closedirp(DIR **d) {
        if (*d)
                closedir(*d);
}

typedef struct DirEntry {
        char *name; /* owned: the override key */
        char *path; /* owned; NULL when masked */
} DirEntry;

typedef struct DirEntries {
        DirEntry *items; /* owned */
        unsigned n, cap;
        Hashmap by_name; /* name (borrowed from items) → index + 1 */
} DirEntries;

#define DIR_ENTRIES_INIT ((DirEntries) { .by_name = HASHMAP_INIT(&string_hash_ops) })

static void dir_entries_done(DirEntries *e) {
        for (unsigned i = 0; i < e->n; i++) {
                free(e->items[i].name);
                free(e->items[i].path);
        }
        free(e->items);
        hashmap_done(&e->by_name);
        *e = DIR_ENTRIES_INIT;
}

static bool has_suffix(const char *s, const char *suffix) {
        size_t n = strlen(s), m = strlen(suffix);

        /* A bare ".json" has no name: not an entry. */
        return n > m && streq(s + n - m, suffix);
}

static bool is_bundle_name(const char *name) {
        return has_suffix(name, ".kext") || has_suffix(name, ".dext");
}

bool personality_dirs_entry_name_valid(const char *name) {
        if (name[0] == '.')
                return false; /* hidden: editors' and package managers' temporary files */
        return has_suffix(name, ".json") || has_suffix(name, ".plist") || is_bundle_name(name);
}

/* Adds or overrides name; path NULL masks it. Takes path. */
static int dir_entries_put(DirEntries *e, const char *name, char *path) {
        _cleanup_free_ char *p = path, *n = NULL;
        uintptr_t i = (uintptr_t) hashmap_get(&e->by_name, name);

        if (i > 0) {
                free(e->items[i - 1].path);
                e->items[i - 1].path = TAKE_PTR(p);
                return 0;
        }
        if (GROW(e->items, e->cap, e->n + 1) < 0)
                return -ENOMEM;
        n = strdup(name);
        if (!n || hashmap_put(&e->by_name, n, (void *) (uintptr_t) (e->n + 1)) < 0)
                return -ENOMEM;
        e->items[e->n].name = TAKE_PTR(n);
        e->items[e->n++].path = TAKE_PTR(p);
        return 0;
}

static void report(PersonalityErrorFn error_fn, void *userdata, PersonalityLoadStats *stats,
                   const char *file, const char *message) {
        stats->n_errors++;
        if (error_fn)
                error_fn(userdata, &(PersonalityError) { .file = file, .message = message });
}

static int scan_dir(const char *dir, DirEntries *entries, PersonalityErrorFn error_fn,
                    void *userdata, PersonalityLoadStats *stats) {
        _cleanup_(closedirp) DIR *d = NULL;
        struct dirent *de;

        d = opendir(dir);
        if (!d) {
                char message[256];

                if (errno == ENOENT) {
                        log_debug("No personality directory %s, skipping.", dir);
                        return 0;
                }
                snprintf(message, sizeof(message), "cannot read the directory: %s", strerror(errno));
                report(error_fn, userdata, stats, dir, message);
                return 0;
        }
        while ((errno = 0, de = readdir(d))) {
                _cleanup_free_ char *path = NULL;
                struct stat st;

                if (streq(de->d_name, ".") || streq(de->d_name, ".."))
                        continue;
                if (!personality_dirs_entry_name_valid(de->d_name)) {
                        log_debug("%s/%s: not a personality file or bundle, ignoring.", dir, de->d_name);
                        continue;
                }
                if (asprintf(&path, "%s/%s", dir, de->d_name) < 0)
                        return -ENOMEM;
                if (fstatat(dirfd(d), de->d_name, &st, 0) < 0) {
                        log_debug("%s: cannot stat (%s), ignoring.", path, strerror(errno));
                        continue;
                }
                /* A link to /dev/null masks the entry of that name (systemd's rule). */
                if (S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 3)) {
                        log_debug("%s: masked.", path);
                        if (dir_entries_put(entries, de->d_name, NULL) < 0)
                                return -ENOMEM;
                        continue;
                }
                if (is_bundle_name(de->d_name) ? !S_ISDIR(st.st_mode) : !S_ISREG(st.st_mode)) {
                        log_debug("%s: %s expected, ignoring.", path,
                                  is_bundle_name(de->d_name) ? "a bundle folder" : "a regular file");
                        continue;
                }
                if (dir_entries_put(entries, de->d_name, TAKE_PTR(path)) < 0)
                        return -ENOMEM;
        }
        if (errno != 0) {
                char message[256];

                snprintf(message, sizeof(message), "cannot read the directory: %s", strerror(errno));
                report(error_fn, userdata, stats, dir, message);
        }
        return 0;
}

static int dir_entry_compare(const void *a, const void *b) {
        return strcmp(((const DirEntry *) a)->name, ((const DirEntry *) b)->name);
}

static uint64_t personality_hash_op(const void *key) {
        return personality_hash(key);
}

static bool personality_equal_op(const void *a, const void *b) {
        return personality_equal(a, b);
}

static const HashmapOps personality_hash_ops = { personality_hash_op, personality_equal_op };

int personality_dirs_load(char *const *dirs, PersonalityList *list, PersonalityErrorFn error_fn,
                          void *userdata, PersonalityLoadStats *stats) {
        _cleanup_(dir_entries_done) DirEntries entries = DIR_ENTRIES_INIT;
        _cleanup_(hashmap_donep) Hashmap seen = HASHMAP_INIT(&personality_hash_ops);
        PersonalityLoadStats dummy = {};
        int r;

        assert(list);
        if (!stats)
                stats = &dummy;

        for (char *const *d = dirs; d && *d; d++) {
                r = scan_dir(*d, &entries, error_fn, userdata, stats);
                if (r < 0)
                        return r;
        }
        /* The index dies here: sorting moves the entries it points at. */
        hashmap_done(&entries.by_name);
        if (entries.n > 0)
                qsort(entries.items, entries.n, sizeof(DirEntry), dir_entry_compare);

        for (unsigned i = 0; i < list->n; i++)
                if (hashmap_put(&seen, list->items[i], list->items[i]) < 0)
                        return -ENOMEM;

        for (unsigned i = 0; i < entries.n; i++) {
                PersonalityList one = PERSONALITY_LIST_INIT;

                if (!entries.items[i].path)
                        continue;
                r = personality_file_load(entries.items[i].path, &one, error_fn, userdata, stats);
                for (unsigned j = 0; r >= 0 && j < one.n; j++) {
                        Personality *p = one.items[j]; /* borrowed from one */

                        if (hashmap_get(&seen, p)) {
                                log_debug("%s: personality '%s' duplicates one loaded before, skipping.",
                                          p->source, p->name);
                                stats->n_personalities--;
                                stats->n_duplicates++;
                                continue;
                        }
                        r = personality_list_append_take(list, personality_ref(p));
                        if (r >= 0)
                                r = hashmap_put(&seen, p, p);
                }
                personality_list_done(&one);
                if (r < 0)
                        return r;
        }
        return 0;
}

char **personality_dirs_default(char *const *extra) {
        size_t n = 0, k = 0;
        char **l;

        for (char *const *e = extra; e && *e; e++)
                n++;
        l = calloc(n + 3, sizeof(char *));
        if (!l)
                return NULL;
        l[k++] = strdup(PERSONALITY_DIR_VENDOR);
        l[k++] = strdup(PERSONALITY_DIR_ADMIN);
        for (char *const *e = extra; e && *e; e++)
                l[k++] = strdup(*e);
        for (size_t i = 0; i < k; i++)
                if (!l[i]) {
                        for (size_t j = 0; j < k; j++)
                                free(l[j]);
                        free(l);
                        return NULL;
                }
        return l;
}
