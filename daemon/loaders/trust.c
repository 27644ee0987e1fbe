/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* trust.c: see trust.h. */

#include <assert.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "trust.h"
#include "log.h"

static bool trust_enforced;

void trust_set_enforced(bool enforced) {
        trust_enforced = enforced;
}

/* NULL when st may be trusted, else why not (into buf). dir: directories may be sticky and world-writable. */
static const char *untrusted_reason(const struct stat *st, bool dir, char *buf, size_t size) {
        if (st->st_uid != 0) {
                snprintf(buf, size, "owned by UID %u, not root", (unsigned) st->st_uid);
                return buf;
        }
        if (dir && (st->st_mode & S_ISVTX))
                return NULL; /* only root renames or removes root's entries here */
        if (st->st_mode & (S_IWGRP | S_IWOTH)) {
                snprintf(buf, size, "writable by %s (mode %04o)",
                         (st->st_mode & S_IWOTH) ? "others" : "its group", (unsigned) (st->st_mode & 07777));
                return buf;
        }
        return NULL;
}

/*
 * Checks each directory above path (absolute, no trailing slash), up to /.
 * Follows symlinks in the directories: what matters is what the path opens.
 * Returns 0, or -errno/-EPERM with *ret_what (in what_buf) and a reason.
 */
static int check_parents(const char *path, char *what_buf, size_t what_size, char *buf, size_t size,
                         const char **ret_reason) {
        char dir[PATH_MAX];
        size_t n = strlen(path);

        if (n >= sizeof(dir))
                return -ENAMETOOLONG;
        memcpy(dir, path, n + 1);
        for (;;) {
                char *slash = strrchr(dir, '/');
                struct stat st;

                if (!slash)
                        return 0;
                if (slash == dir)
                        slash[1] = 0; /* "/" itself */
                else
                        *slash = 0;
                if (stat(dir, &st) < 0)
                        return -errno;
                *ret_reason = untrusted_reason(&st, true, buf, size);
                if (*ret_reason) {
                        snprintf(what_buf, what_size, "its directory %s is", dir);
                        return -EPERM;
                }
                if (streq(dir, "/"))
                        return 0;
        }
}

int trust_check_path(const char *path) {
        char real[PATH_MAX], abs_path[PATH_MAX], what[PATH_MAX + 32], buf[128];
        const char *reason = NULL;
        struct stat st;
        int r;

        assert(path);
        if (!trust_enforced)
                return 0;

        /* The path as given: absolute, so that its directories can be walked. */
        if (path[0] == '/')
                r = snprintf(abs_path, sizeof(abs_path), "%s", path);
        else {
                char cwd[PATH_MAX];

                if (!getcwd(cwd, sizeof(cwd)))
                        return log_warning_errno(errno, "%s: refused, not trusted: cannot resolve the path: %m", path);
                r = snprintf(abs_path, sizeof(abs_path), "%s/%s", cwd, path);
        }
        if (r < 0 || (size_t) r >= sizeof(abs_path))
                return log_warning_errno(ENAMETOOLONG, "%s: refused, not trusted: the path is too long.", path);
        while (strlen(abs_path) > 1 && abs_path[strlen(abs_path) - 1] == '/')
                abs_path[strlen(abs_path) - 1] = 0;

        if (lstat(abs_path, &st) < 0)
                return log_warning_errno(errno, "%s: refused, not trusted: cannot stat: %m", path);
        if (S_ISLNK(st.st_mode) && st.st_uid != 0)
                return log_warning_errno(EPERM, "%s: refused, not trusted: a symlink owned by UID %u, not root.",
                                         path, (unsigned) st.st_uid);
        snprintf(what, sizeof(what), "it is");
        r = check_parents(abs_path, what, sizeof(what), buf, sizeof(buf), &reason);
        if (r >= 0) {
                /* What it opens: the file and the directories of its real path. */
                if (!realpath(abs_path, real))
                        return log_warning_errno(errno, "%s: refused, not trusted: cannot resolve the path: %m", path);
                if (stat(real, &st) < 0)
                        return log_warning_errno(errno, "%s: refused, not trusted: cannot stat: %m", path);
                reason = untrusted_reason(&st, false, buf, sizeof(buf));
                if (reason) {
                        if (streq(real, abs_path))
                                snprintf(what, sizeof(what), "it is");
                        else
                                snprintf(what, sizeof(what), "its target %s is", real);
                        r = -EPERM;
                } else if (!streq(real, abs_path))
                        r = check_parents(real, what, sizeof(what), buf, sizeof(buf), &reason);
        }
        if (r == -EPERM)
                return log_warning_errno(r, "%s: refused, not trusted: %s %s.", path, what, reason);
        if (r < 0)
                return log_warning_errno(r, "%s: refused, not trusted: cannot check its directories: %m", path);
        return 0;
}
