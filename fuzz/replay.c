/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * replay.c: runs a fuzz target once on each file named on the command line,
 * and on each regular file of each directory named (not recursively): the
 * corpus as a test, without libFuzzer, in any build. Exit 0 when every input
 * ran (the target returning is all a test can ask), 1 when an argument cannot
 * be read or nothing ran (an empty corpus tests nothing). A crash ends the test as it ended the fuzzer.
 */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"
#include "macro.h"

static int read_file(const char *path, uint8_t **ret, size_t *ret_len) {
        _cleanup_close_ int fd = -EBADF;
        _cleanup_free_ uint8_t *buf = NULL;
        size_t len = 0, cap = 0;

        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        for (;;) {
                ssize_t k;

                if (len == cap) {
                        uint8_t *b;

                        cap = cap ? cap * 2 : 65536;
                        b = realloc(buf, cap);
                        if (!b)
                                return -ENOMEM;
                        buf = b;
                }
                k = read(fd, buf + len, cap - len);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0)
                        return -errno;
                if (k == 0)
                        break;
                len += k;
        }
        *ret = TAKE_PTR(buf);
        *ret_len = len;
        return 0;
}

static int run_file(const char *path) {
        _cleanup_free_ uint8_t *buf = NULL;
        size_t len = 0;
        int r;

        r = read_file(path, &buf, &len);
        if (r < 0) {
                fprintf(stderr, "%s: cannot read: %s\n", path, strerror(-r));
                return r;
        }
        if (len > FUZZ_MAX_INPUT)
                len = FUZZ_MAX_INPUT; /* what libFuzzer's -max_len would do */
        /* An exact-size copy, so that ASan sees any read past the end. */
        _cleanup_free_ uint8_t *exact = malloc(len ?: 1);
        if (!exact)
                return -ENOMEM;
        memcpy(exact, buf, len);
        (void) LLVMFuzzerTestOneInput(exact, len);
        return 0;
}

static void closedirp(DIR **d) {
        if (*d)
                closedir(*d);
}

static int compare_names(const void *a, const void *b) {
        return strcmp(*(char *const *) a, *(char *const *) b);
}

/* The directory's regular files in name order, so a failure reproduces the same way. */
static int run_dir(const char *path, unsigned *n_run) {
        _cleanup_(closedirp) DIR *d = NULL;
        _cleanup_strv_free_ char **names = NULL;
        size_t n = 0, cap = 0;
        struct dirent *de;
        int r = 0;

        d = opendir(path);
        if (!d)
                return -errno;
        while ((de = readdir(d))) {
                char *full;
                struct stat st;

                if (de->d_name[0] == '.')
                        continue;
                if (asprintf(&full, "%s/%s", path, de->d_name) < 0)
                        return -ENOMEM;
                if (stat(full, &st) < 0 || !S_ISREG(st.st_mode)) {
                        free(full);
                        continue;
                }
                if (n + 2 > cap) {
                        char **l;

                        cap = cap ? cap * 2 : 64;
                        l = realloc(names, cap * sizeof(char *));
                        if (!l) {
                                free(full);
                                return -ENOMEM;
                        }
                        names = l;
                }
                names[n++] = full;
                names[n] = NULL;
        }
        if (n > 0)
                qsort(names, n, sizeof(char *), compare_names);
        for (size_t i = 0; i < n; i++) {
                int k = run_file(names[i]);

                if (k < 0 && r == 0)
                        r = k;
                if (k >= 0)
                        (*n_run)++;
        }
        return r;
}

int main(int argc, char *argv[]) {
        unsigned n_run = 0;
        int failed = 0;

        for (int i = 1; i < argc; i++) {
                struct stat st;
                int r;

                if (stat(argv[i], &st) < 0) {
                        fprintf(stderr, "%s: %m\n", argv[i]);
                        failed = 1;
                        continue;
                }
                if (S_ISDIR(st.st_mode))
                        r = run_dir(argv[i], &n_run);
                else {
                        r = run_file(argv[i]);
                        if (r >= 0)
                                n_run++;
                }
                if (r < 0)
                        failed = 1;
        }
        printf("%u inputs ran\n", n_run);
        return failed || n_run == 0;
}
