/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* bus-fixture.c: see bus-fixture.h. */

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bus-fixture.h"
#include "macro.h"

static int write_config(const char *dir, char **ret_path) {
        _cleanup_fclose_ FILE *in = NULL, *out = NULL;
        _cleanup_free_ char *path = NULL;
        char line[1024];

        in = fopen(SOURCE_DIR "/tests/data/private-bus.conf.in", "re");
        if (!in)
                return -errno;
        if (asprintf(&path, "%s/bus.conf", dir) < 0)
                return -ENOMEM;
        out = fopen(path, "we");
        if (!out)
                return -errno;
        while (fgets(line, sizeof(line), in)) {
                char *at = strstr(line, "@DIR@");

                if (at) {
                        *at = '\0';
                        fprintf(out, "%s%s%s", line, dir, at + strlen("@DIR@"));
                } else
                        fputs(line, out);
        }
        if (fflush(out) != 0)
                return -errno;
        *ret_path = TAKE_PTR(path);
        return 0;
}

/* Children die with the test, whatever happens to it. */
static void child_setup(void) {
        (void) prctl(PR_SET_PDEATHSIG, SIGTERM);
}

int bus_fixture_start_bus(BusFixture *f) {
        _cleanup_free_ char *config = NULL;
        char tmpl[] = "/tmp/ioreg-dbus-XXXXXX", buf[512];
        int pipefd[2], r;
        size_t n = 0;
        pid_t pid;

        *f = (BusFixture) {};
        if (!mkdtemp(tmpl))
                return -errno;
        f->dir = strdup(tmpl);
        if (!f->dir)
                return -ENOMEM;
        (void) chmod(f->dir, 0755);
        r = write_config(f->dir, &config);
        if (r < 0)
                return r;
        if (pipe2(pipefd, O_CLOEXEC) < 0)
                return -errno;
        pid = fork();
        if (pid < 0)
                return -errno;
        if (pid == 0) {
                char conf_arg[600];

                child_setup();
                /* The write end as fd 3, without O_CLOEXEC. */
                if (dup2(pipefd[1], 3) < 0)
                        _exit(127);
                snprintf(conf_arg, sizeof(conf_arg), "--config-file=%s", config);
                execlp("dbus-daemon", "dbus-daemon", conf_arg, "--nofork", "--print-address=3", (char *) NULL);
                _exit(127);
        }
        f->dbus_pid = pid;
        close(pipefd[1]);
        while (n < sizeof(buf) - 1) {
                ssize_t k = read(pipefd[0], buf + n, sizeof(buf) - 1 - n);

                if (k <= 0)
                        break;
                n += (size_t) k;
                if (memchr(buf, '\n', n))
                        break;
        }
        close(pipefd[0]);
        buf[n] = '\0';
        buf[strcspn(buf, "\n")] = '\0';
        if (buf[0] == '\0')
                return -EIO;
        f->address = strdup(buf);
        return f->address ? 0 : -ENOMEM;
}

int bus_fixture_connect(const char *address, sd_bus **ret) {
        sd_bus *bus = NULL;
        int r;

        r = sd_bus_new(&bus);
        if (r < 0)
                return r;
        r = sd_bus_set_address(bus, address);
        if (r >= 0)
                r = sd_bus_set_bus_client(bus, true);
        if (r >= 0)
                r = sd_bus_start(bus);
        if (r < 0) {
                sd_bus_unref(bus);
                return r;
        }
        *ret = bus;
        return 0;
}

int bus_fixture_start_ioregd(BusFixture *f, const char *const *args) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        char *argv[32];
        char bus_arg[600];
        unsigned n = 0;
        pid_t pid;
        int r;

        snprintf(bus_arg, sizeof(bus_arg), "--bus-address=%s", f->address);
        argv[n++] = (char *) IOREGD_PATH;
        argv[n++] = bus_arg;
        for (; args && *args && n < ELEMENTSOF(argv) - 1; args++)
                argv[n++] = (char *) *args;
        argv[n] = NULL;
        pid = fork();
        if (pid < 0)
                return -errno;
        if (pid == 0) {
                child_setup();
                execv(argv[0], argv);
                _exit(127);
        }
        f->ioregd_pid = pid;

        r = bus_fixture_connect(f->address, &bus);
        if (r < 0)
                return r;
        /* Up once it answers; WaitQuiet also waits for the coldplug's matching. */
        for (unsigned i = 0; i < 200; i++) {
                _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
                struct timespec ts = { .tv_nsec = 50 * 1000 * 1000 };

                r = sd_bus_call_method(bus, "org.ioreg.Registry1", "/org/ioreg/Registry1", "org.ioreg.Registry1",
                                       "WaitQuiet", &error, NULL, "t", (uint64_t) 10000000);
                if (r >= 0)
                        return 0;
                if (waitpid(pid, NULL, WNOHANG) == pid) {
                        f->ioregd_pid = 0;
                        return -ECHILD;
                }
                nanosleep(&ts, NULL);
        }
        return -ETIMEDOUT;
}

static void stop(pid_t *pid) {
        if (*pid <= 0)
                return;
        (void) kill(*pid, SIGTERM);
        (void) waitpid(*pid, NULL, 0);
        *pid = 0;
}

void bus_fixture_stop(BusFixture *f) {
        stop(&f->ioregd_pid);
        stop(&f->dbus_pid);
        if (f->dir) {
                char cmd[600];

                /* The directory holds the socket and the config only. */
                snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
                (void) system(cmd);
        }
        free(f->dir);
        free(f->address);
        *f = (BusFixture) {};
}

bool bus_error_is(int r, const sd_bus_error *error, const char *name) {
        if (!name) {
                if (r >= 0)
                        return true;
                fprintf(stderr, "expected success, got %d: %s: %s\n", r, error->name ?: "(no name)",
                        error->message ?: "");
                return false;
        }
        if (r < 0 && sd_bus_error_has_name(error, name))
                return true;
        fprintf(stderr, "expected %s, got %d: %s: %s\n", name, r, error->name ?: "(no name)",
                error->message ?: "");
        return false;
}
