/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* bench-soak-daemon.c: see bench-soak-daemon.h. */

#include <dirent.h>
#include <stddef.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench-soak-daemon.h"
#include "macro.h"

#define PRELOAD "libumockdev-preload.so.0"

void subtree_done(Subtree *s) {
        free(s->text);
        for (unsigned i = 0; i < s->n; i++)
                free(s->syspaths[i]);
        free(s->syspaths);
        *s = (Subtree) {};
}

/* A record starts at "P: " and runs to the blank line; it belongs when its path is device or below it. */
int subtree_load(Subtree *s, const char *file, const char *device) {
        _cleanup_fclose_ FILE *f = fopen(file, "re");
        _cleanup_free_ char *line = NULL;
        size_t cap = 0, dlen = strlen(device), text_len = 0;
        bool in = false;
        FILE *out;
        ssize_t n;

        if (!f)
                return -errno;
        out = open_memstream(&s->text, &text_len);
        if (!out)
                return -ENOMEM;
        while ((n = getline(&line, &cap, f)) >= 0) {
                if (strncmp(line, "P: ", 3) == 0) {
                        char *path = line + 3;

                        path[strcspn(path, "\n")] = 0;
                        in = strncmp(path, device, dlen) == 0 && (path[dlen] == 0 || path[dlen] == '/');
                        if (in) {
                                char **v = realloc(s->syspaths, (s->n + 1) * sizeof(char *));

                                if (v)
                                        s->syspaths = v;
                                if (!v || asprintf(&s->syspaths[s->n], "/sys%s", path) < 0) {
                                        fclose(out);
                                        return -ENOMEM;
                                }
                                s->n++;
                                fprintf(out, "P: %s\n", path);
                        }
                        continue;
                }
                /* Not the N: (device node) lines: umockdev keeps a removed device's node and refuses a second. */
                if (in && strncmp(line, "N: ", 3) != 0)
                        fputs(line, out);
        }
        fclose(out);
        return s->n > 0 ? 0 : -ENOENT;
}

int spawn_ioregd(const TestBus *f, const char *personalities, bool valgrind, const char *valgrind_log,
                 pid_t *ret) {
        char bus_arg[600], pers_arg[600], log_arg[600];
        char *argv[16];
        unsigned n = 0;
        pid_t pid;

        snprintf(bus_arg, sizeof(bus_arg), "--bus-address=%s", f->address);
        snprintf(pers_arg, sizeof(pers_arg), "--personalities=%s", personalities);
        if (valgrind) {
                snprintf(log_arg, sizeof(log_arg), "--log-file=%s", valgrind_log);
                argv[n++] = (char *) "valgrind";
                argv[n++] = (char *) "--leak-check=full";
                argv[n++] = (char *) "--show-leak-kinds=definite,indirect";
                argv[n++] = (char *) "--errors-for-leak-kinds=definite,indirect";
                argv[n++] = log_arg;
        }
        argv[n++] = (char *) IOREGD_PATH;
        argv[n++] = bus_arg;
        argv[n++] = pers_arg;
        argv[n] = NULL;

        pid = fork();
        if (pid < 0)
                return -errno;
        if (pid == 0) {
                (void) prctl(PR_SET_PDEATHSIG, SIGTERM);
                (void) setenv("LD_PRELOAD", PRELOAD, 1);
                execvp(argv[0], argv);
                _exit(127);
        }
        *ret = pid;
        return 0;
}

int wait_quiet(sd_bus *bus, pid_t pid) {
        for (unsigned i = 0; i < 1200; i++) {
                _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
                struct timespec ts = { .tv_nsec = 50 * 1000 * 1000 };

                if (sd_bus_call_method(bus, "org.ioreg.Registry1", "/org/ioreg/Registry1", "org.ioreg.Registry1",
                                       "WaitQuiet", &error, NULL, "t", (uint64_t) 10000000) >= 0)
                        return 0;
                if (waitpid(pid, NULL, WNOHANG) == pid)
                        return -ECHILD;
                nanosleep(&ts, NULL);
        }
        return -ETIMEDOUT;
}

int usage_read(pid_t pid, Usage *u) {
        _cleanup_fclose_ FILE *f = NULL;
        _cleanup_free_ char *line = NULL;
        char path[320];
        size_t cap = 0;
        DIR *d;
        struct dirent *de;

        *u = (Usage) {};
        snprintf(path, sizeof(path), "/proc/%d/status", (int) pid);
        f = fopen(path, "re");
        if (!f)
                return -errno;
        while (getline(&line, &cap, f) >= 0)
                if (sscanf(line, "VmRSS: %lu kB", &u->rss_kib) == 1)
                        break;
        snprintf(path, sizeof(path), "/proc/%d/fd", (int) pid);
        d = opendir(path);
        if (!d)
                return -errno;
        while ((de = readdir(d)))
                if (de->d_name[0] != '.')
                        u->fds++;
        closedir(d);
        /* Children: every process whose parent is the daemon (its driver servers). */
        d = opendir("/proc");
        if (!d)
                return -errno;
        while ((de = readdir(d))) {
                _cleanup_fclose_ FILE *s = NULL;
                int ppid = 0;

                if (de->d_name[0] < '0' || de->d_name[0] > '9')
                        continue;
                snprintf(path, sizeof(path), "/proc/%s/stat", de->d_name);
                s = fopen(path, "re");
                if (s && fscanf(s, "%*d (%*[^)]) %*c %d", &ppid) == 1 && ppid == pid)
                        u->children++;
        }
        closedir(d);
        return 0;
}

int detach(UMockdevTestbed *tb, const Subtree *s) {
        for (unsigned i = 0; i < s->n; i++) {
                umockdev_testbed_uevent(tb, s->syspaths[i], "remove");
                umockdev_testbed_remove_device(tb, s->syspaths[i]);
        }
        return 0;
}

int attach(UMockdevTestbed *tb, const Subtree *s) {
        GError *error = NULL;

        if (!umockdev_testbed_add_from_string(tb, s->text, &error)) {
                fprintf(stderr, "bench-soak: cannot add the device back: %s\n", error->message);
                g_error_free(error);
                return -EIO;
        }
        return 0;
}
