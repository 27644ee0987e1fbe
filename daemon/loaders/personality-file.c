/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* personality-file.c: see personality-file.h. Reads a file or bundle and hands it to its format's reader. */

#include <assert.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdint.h>
#include <sys/stat.h>

#include "personality-loader.h"
#include "trust.h"

char *personality_error_to_string(const PersonalityError *e) {
        char *s = NULL;
        int r;

        r = asprintf(&s, "%s%s%s%s%s%s%s: %s", e->file,
                     e->personality ? ": personality '" : "", e->personality ?: "",
                     e->personality ? "'" : "",
                     e->key ? ": key '" : "", e->key ?: "", e->key ? "'" : "",
                     e->message);
        return r < 0 ? NULL : s;
}

static bool has_suffix(const char *s, const char *suffix) {
        size_t n = strlen(s), m = strlen(suffix);

        return n >= m && streq(s + n - m, suffix);
}

/* Bigger files are not personality files; refuse before reading them whole. */
#define PERSONALITY_FILE_MAX_SIZE (64u * 1024u * 1024u)

static int read_file(const char *path, char **ret, size_t *ret_len) {
        _cleanup_close_ int fd = -EBADF;
        _cleanup_free_ char *buf = NULL;
        struct stat st;
        size_t n = 0;

        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        if (fstat(fd, &st) < 0)
                return -errno;
        if (!S_ISREG(st.st_mode))
                return -EISDIR;
        if ((uint64_t) st.st_size > PERSONALITY_FILE_MAX_SIZE)
                return -EFBIG;
        buf = malloc(st.st_size + 1);
        if (!buf)
                return -ENOMEM;
        while (n < (size_t) st.st_size) {
                ssize_t k = read(fd, buf + n, st.st_size - n);

                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0)
                        return -errno;
                if (k == 0)
                        break; /* shrank meanwhile: parse what is there */
                n += k;
        }
        buf[n] = 0;
        *ret = TAKE_PTR(buf);
        *ret_len = n;
        return 0;
}

/* path chooses the form; shown is the name in messages. buf NULL: read path first. */
static int load_file(const char *path, const char *shown, const char *buf, size_t len, PersonalityList *list,
                     PersonalityErrorFn error_fn, void *userdata, PersonalityLoadStats *stats) {
        _cleanup_free_ char *contents = NULL;
        PersonalityLoader l = {
                .path = shown,
                .list = list,
                .error_fn = error_fn,
                .userdata = userdata,
                .stats = stats,
        };
        int r;

        stats->n_files++;
        if (!buf) {
                /* On the system bus a file others can change must not decide what root does (trust.h). */
                if (trust_check_path(path) < 0) {
                        stats->n_errors++;
                        return 0;
                }
                r = read_file(path, &contents, &len);
                if (r == -ENOMEM)
                        return r;
                if (r < 0) {
                        personality_loader_error(&l, NULL, NULL, "cannot read: %s", strerror(-r));
                        return 0;
                }
                buf = contents;
        }
        /* JSON has no magic of its own; plists do (libplist tells XML from binary). */
        if (has_suffix(path, ".json"))
                r = personality_json_load(&l, buf, len);
        else
                r = personality_plist_load(&l, buf, len);
        free(l.bundle_id);
        return r;
}

/* A bundle folder: macOS kexts keep Info.plist in Contents/, shallow bundles (dexts, iOS) at the top. */
static int load_bundle(const char *path, PersonalityList *list, PersonalityErrorFn error_fn,
                       void *userdata, PersonalityLoadStats *stats) {
        static const char *const places[] = { "Contents/Info.plist", "Info.plist" };

        for (size_t i = 0; i < ELEMENTSOF(places); i++) {
                _cleanup_free_ char *info = NULL;
                struct stat st;

                if (asprintf(&info, "%s/%s", path, places[i]) < 0)
                        return -ENOMEM;
                if (stat(info, &st) < 0 || !S_ISREG(st.st_mode))
                        continue;
                return load_file(info, info, NULL, 0, list, error_fn, userdata, stats);
        }

        stats->n_files++;
        PersonalityLoader l = {
                .path = path, .list = list, .error_fn = error_fn, .userdata = userdata, .stats = stats,
        };
        personality_loader_error(&l, NULL, NULL, "no Contents/Info.plist or Info.plist in the bundle");
        return 0;
}

int personality_file_load(const char *path, PersonalityList *list, PersonalityErrorFn error_fn,
                          void *userdata, PersonalityLoadStats *stats) {
        PersonalityLoadStats dummy = {};
        struct stat st;

        assert(path && list);
        if (!stats)
                stats = &dummy;

        if (stat(path, &st) >= 0 && S_ISDIR(st.st_mode))
                return load_bundle(path, list, error_fn, userdata, stats);
        return load_file(path, path, NULL, 0, list, error_fn, userdata, stats);
}

int personality_buffer_load(const char *name, const void *buf, size_t len, PersonalityList *list,
                            PersonalityErrorFn error_fn, void *userdata, PersonalityLoadStats *stats) {
        PersonalityLoadStats dummy = {};

        assert(name && list);
        assert(buf || len == 0);
        if (!stats)
                stats = &dummy;

        return load_file(name, name, buf ?: "", len, list, error_fn, userdata, stats);
}
