/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bench-ioreg.c: `ioreg -l -w0` against `udevadm info --export-db` (issue 7,
 * "Benchmark row"), on the same tree in the same run. Target: ioreg's wall
 * time ≤ 0.5× udevadm's.
 *
 * Two trees, each served by the real daemon (IOREGD_PATH, with the tree's
 * personalities/ as ./run gives it) on a private dbus-daemon, in kernel mode
 * (IOREG_UDEV_MODE=kernel: no udev database):
 *
 * - this machine's /sys, as ./run does;
 * - the generated umockdev testbed of bench-udev (bench-udevbed.c, 10,000
 *   devices by default): ioregd and udevadm run under
 *   libumockdev-preload.so with the testbed's UMOCKDEV_DIR, so both read
 *   the testbed's sysfs. udevadm under the preload enumerates the testbed's
 *   /sys/bus and /sys/class, reads each device's uevent file (umockdev
 *   writes a device's properties, the E: lines, there) and its subsystem
 *   and driver links, and looks for /run/udev/data/<id> on the real file
 *   system (the preload redirects /sys, /dev and some of /proc only), which
 *   does not exist without udevd: what it prints is the kernel's view, as
 *   ioregd reads it.
 *
 * The commands are fork/exec'd with stdout on /dev/null; wall time
 * (CLOCK_MONOTONIC from fork to waitpid), median of --runs, the two
 * commands interleaved. The ioreg client runs without the preload (it reads
 * no sysfs, only the bus). One untimed run of each first, through a pipe,
 * counts the bytes of output and its records (ioreg's "+-o" lines,
 * udevadm's "P:" lines). Without udevadm (Debian package udev) its rows say
 * SKIP instead of failing.
 *
 *     bench-ioreg [--devices N] [--runs N] [--quick]
 */

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <syslog.h>
#include <unistd.h>

#include <systemd/sd-bus.h>

#include "bench-udevbed.h"
#include "bench-util.h"
#include "test-bus.h"
#include "macro.h"

#define DEFAULT_DEVICES 10000u
#define QUICK_DEVICES 1000u
#define MAX_DEVICES 200000u
#define DEFAULT_RUNS 5u
#define QUICK_RUNS 3u
#define QUIET_TIMEOUT_SEC 600u
#define TARGET_RATIO 0.5
#define PRELOAD "libumockdev-preload.so.0"

static unsigned arg_devices = DEFAULT_DEVICES;
static unsigned arg_runs = DEFAULT_RUNS;

extern char **environ;

/* --- children --- */

/* An environment for execve(): this process's, without the preload (plain) or with it (mocked), plus extra. */
typedef struct Env {
        char **v;       /* owned array, borrowed strings but for the owned extras */
        char *extra[3]; /* owned */
} Env;

static void env_done(Env *e) {
        free(e->v);
        for (size_t i = 0; i < ELEMENTSOF(e->extra); i++)
                free(e->extra[i]);
        *e = (Env) {};
}

static bool env_is(const char *s, const char *name) {
        size_t n = strlen(name);

        return strncmp(s, name, n) == 0 && s[n] == '=';
}

/* mocked: LD_PRELOAD=the preload and UMOCKDEV_DIR kept; else both removed. address: IOREG_BUS_ADDRESS. */
static int env_new(Env *e, bool mocked, const char *address) {
        size_t n = 0, k = 0;

        *e = (Env) {};
        while (environ[n])
                n++;
        e->v = calloc(n + ELEMENTSOF(e->extra) + 1, sizeof(char *));
        if (!e->v)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++)
                if (!env_is(environ[i], "LD_PRELOAD") && !env_is(environ[i], "IOREG_BUS_ADDRESS") &&
                    (mocked || !env_is(environ[i], "UMOCKDEV_DIR")))
                        e->v[k++] = environ[i];
        if (mocked && asprintf(&e->extra[0], "LD_PRELOAD=%s", PRELOAD) < 0)
                return -ENOMEM;
        if (address && asprintf(&e->extra[1], "IOREG_BUS_ADDRESS=%s", address) < 0)
                return -ENOMEM;
        for (size_t i = 0; i < ELEMENTSOF(e->extra); i++)
                if (e->extra[i])
                        e->v[k++] = e->extra[i];
        e->v[k] = NULL;
        return 0;
}

/* Starts argv[0] (a full path) with stdout on out_fd and stderr on err_fd (-1: inherited). */
static int spawn(char *const argv[], const Env *env, int out_fd, int err_fd, pid_t *ret_pid) {
        pid_t pid = fork();

        if (pid < 0)
                return -errno;
        if (pid == 0) {
                (void) prctl(PR_SET_PDEATHSIG, SIGTERM);
                if (dup2(out_fd, STDOUT_FILENO) < 0 || (err_fd >= 0 && dup2(err_fd, STDERR_FILENO) < 0))
                        _exit(127);
                execve(argv[0], argv, env->v);
                _exit(127);
        }
        *ret_pid = pid;
        return 0;
}

static int wait_ok(pid_t pid, const char *what) {
        int status;

        if (waitpid(pid, &status, 0) < 0)
                return -errno;
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
                fprintf(stderr, "bench-ioreg: %s failed (status 0x%x)\n", what, (unsigned) status);
                return -EIO;
        }
        return 0;
}

/* The full path of name on $PATH, or NULL. */
static char *find_program(const char *name) {
        const char *path = getenv("PATH") ?: "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin";

        while (*path) {
                size_t n = strcspn(path, ":");
                char *p = NULL;

                if (n > 0 && asprintf(&p, "%.*s/%s", (int) n, path, name) >= 0) {
                        if (access(p, X_OK) == 0)
                                return p;
                        free(p);
                }
                path += n + (path[n] == ':');
        }
        return NULL;
}

/* --- one command, measured --- */

typedef struct Command {
        const char *label;     /* static */
        char *argv[4];         /* borrowed */
        const Env *env;        /* borrowed */
        const char *record;    /* static: a line holding this starts a record ("+-o ", "P: ") */
        bool at_line_start;    /* the record marker starts the line (udevadm), or follows the tree's art (ioreg) */
        uint64_t *nsec;        /* owned: the timed runs */
        unsigned n_nsec;
        size_t bytes;
        unsigned records;
} Command;

static void command_done(Command *c) {
        free(c->nsec);
        c->nsec = NULL;
}

/* Counts the records in a line: the marker at its start, or after the tree's "| " prefix. */
static void count_line(Command *c, const char *line, size_t n) {
        size_t m = strlen(c->record), i = 0;

        if (!c->at_line_start)
                while (i < n && (line[i] == ' ' || line[i] == '|'))
                        i++;
        if (n - i >= m && memcmp(line + i, c->record, m) == 0)
                c->records++;
}

/* One untimed run through a pipe: bytes and records of the output. */
static int command_count(Command *c) {
        char buf[65536], line[64];
        size_t n_line = 0;
        int pipefd[2], r;
        pid_t pid;

        if (pipe2(pipefd, O_CLOEXEC) < 0)
                return -errno;
        r = spawn(c->argv, c->env, pipefd[1], -1, &pid);
        close(pipefd[1]);
        if (r < 0) {
                close(pipefd[0]);
                return r;
        }
        c->bytes = 0;
        c->records = 0;
        for (;;) {
                ssize_t k = read(pipefd[0], buf, sizeof(buf));

                if (k < 0 && errno == EINTR)
                        continue;
                if (k <= 0)
                        break;
                c->bytes += (size_t) k;
                for (ssize_t i = 0; i < k; i++) {
                        if (buf[i] == '\n') {
                                count_line(c, line, n_line);
                                n_line = 0;
                                continue;
                        }
                        /* The markers are near the start: the rest of a line is not kept. */
                        if (n_line < sizeof(line))
                                line[n_line++] = buf[i];
                }
        }
        close(pipefd[0]);
        return wait_ok(pid, c->label);
}

/* One timed run, stdout on /dev/null: wall time from fork to waitpid. */
static int command_time(Command *c, int null_fd) {
        uint64_t t0;
        pid_t pid;
        int r;

        if (!c->nsec) {
                c->nsec = calloc(arg_runs, sizeof(uint64_t));
                if (!c->nsec)
                        return -ENOMEM;
        }
        t0 = bench_now_nsec();
        r = spawn(c->argv, c->env, null_fd, -1, &pid);
        if (r >= 0)
                r = wait_ok(pid, c->label);
        if (r < 0)
                return r;
        c->nsec[c->n_nsec++] = bench_now_nsec() - t0;
        return 0;
}

static int cmp_u64(const void *a, const void *b) {
        uint64_t x = *(const uint64_t *) a, y = *(const uint64_t *) b;

        return x < y ? -1 : x > y;
}

static double median_ms(Command *c) {
        uint64_t m;

        if (c->n_nsec == 0)
                return 0;
        qsort(c->nsec, c->n_nsec, sizeof(uint64_t), cmp_u64);
        m = c->n_nsec % 2 ? c->nsec[c->n_nsec / 2] : (c->nsec[c->n_nsec / 2 - 1] + c->nsec[c->n_nsec / 2]) / 2;
        return (double) m / 1e6;
}

/* --- the daemon --- */

static pid_t ioregd_pid; /* 0 when not running */

/* Starts ioregd on the fixture's bus and waits until its registry is quiet; *ret_nsec: from exec to quiet. */
static int start_ioregd(TestBus *f, const Env *env, uint64_t *ret_nsec) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_free_ char *bus_arg = NULL, *pers_arg = NULL;
        uint64_t t0 = bench_now_nsec(), deadline = t0 + QUIET_TIMEOUT_SEC * UINT64_C(1000000000);
        int null_fd, r;

        if (asprintf(&bus_arg, "--bus-address=%s", f->address) < 0 ||
            asprintf(&pers_arg, "--personalities=%s/personalities", SOURCE_DIR) < 0)
                return -ENOMEM;
        char *argv[] = { (char *) IOREGD_PATH, bus_arg, pers_arg, NULL };

        /* Its log (each coldplugged device at info level) is not the benchmark's. */
        null_fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
        if (null_fd < 0)
                return -errno;
        r = spawn(argv, env, null_fd, null_fd, &ioregd_pid);
        close(null_fd);
        if (r < 0)
                return r;
        r = test_bus_connect(f, &bus);
        if (r < 0)
                return r;
        while (bench_now_nsec() < deadline) {
                _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;

                r = sd_bus_call_method(bus, "org.ioreg.Registry1", "/org/ioreg/Registry1", "org.ioreg.Registry1",
                                       "WaitQuiet", &error, NULL, "t", UINT64_C(10000000));
                if (r >= 0) {
                        *ret_nsec = bench_now_nsec() - t0;
                        return 0;
                }
                if (waitpid(ioregd_pid, NULL, WNOHANG) == ioregd_pid) {
                        ioregd_pid = 0;
                        fprintf(stderr, "bench-ioreg: ioregd exited\n");
                        return -ECHILD;
                }
                usleep(50 * 1000);
        }
        return -ETIMEDOUT;
}

static void stop_ioregd(TestBus *f) {
        if (ioregd_pid <= 0)
                return;
        (void) kill(ioregd_pid, SIGTERM);
        (void) waitpid(ioregd_pid, NULL, 0);
        ioregd_pid = 0;
}

/* --- one tree --- */

typedef struct Tree {
        const char *name;       /* static: "this machine's /sys" */
        bool mocked;
        uint64_t start_nsec;    /* ioregd from exec until quiet */
        Command ioreg, udevadm;
        bool have_udevadm;
} Tree;

static void tree_done(Tree *t) {
        command_done(&t->ioreg);
        command_done(&t->udevadm);
}

/* ioregd on the tree, then both commands: counted once, then timed runs interleaved. */
static int tree_measure(Tree *t, TestBus *f, const char *udevadm) {
        _cleanup_(env_done) Env daemon_env = {}, client_env = {}, udevadm_env = {};
        int null_fd = -1, r;

        r = env_new(&daemon_env, t->mocked, NULL);
        if (r >= 0)
                r = env_new(&client_env, false, f->address);
        if (r >= 0)
                r = env_new(&udevadm_env, t->mocked, NULL);
        if (r < 0)
                return r;
        t->ioreg = (Command) {
                .label = "ioreg -l -w0",
                .argv = { (char *) IOREG_PATH, (char *) "-l", (char *) "-w0", NULL },
                .env = &client_env,
                .record = "+-o ",
        };
        t->have_udevadm = udevadm;
        t->udevadm = (Command) {
                .label = "udevadm info --export-db",
                .argv = { (char *) udevadm, (char *) "info", (char *) "--export-db", NULL },
                .env = &udevadm_env,
                .record = "P: ",
                .at_line_start = true,
        };

        fprintf(stderr, "bench-ioreg: %s: ioregd until quiet...\n", t->name);
        r = start_ioregd(f, &daemon_env, &t->start_nsec);
        if (r < 0) {
                fprintf(stderr, "bench-ioreg: ioregd did not get quiet: %s\n", strerror(-r));
                goto out;
        }
        fprintf(stderr, "bench-ioreg: %s: %u runs...\n", t->name, arg_runs);
        r = command_count(&t->ioreg);
        if (r >= 0 && t->have_udevadm)
                r = command_count(&t->udevadm);
        if (r < 0)
                goto out;
        null_fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
        if (null_fd < 0) {
                r = -errno;
                goto out;
        }
        for (unsigned i = 0; i < arg_runs && r >= 0; i++) {
                r = command_time(&t->ioreg, null_fd);
                if (r >= 0 && t->have_udevadm)
                        r = command_time(&t->udevadm, null_fd);
        }
out:
        if (null_fd >= 0)
                close(null_fd);
        stop_ioregd(f);
        return r;
}

static void tree_rows(Tree *t, const char *udevadm_note) {
        double ours = median_ms(&t->ioreg), peer = median_ms(&t->udevadm);

        bench_row(bench_fmt("ioreg: ioregd from exec until quiet (%s)", t->name),
                  bench_fmt("%.1f", (double) t->start_nsec / 1e6), "ms", "-",
                  t->mocked ? "under the umockdev preload, kernel mode, this tree's personalities/"
                            : "kernel mode, no udev database, this tree's personalities/");
        bench_row(bench_fmt("ioreg -l -w0 > /dev/null (%s)", t->name), bench_fmt("%.1f", ours), "ms", "-",
                  bench_fmt("%u entries, %zu bytes (%.2f MiB) of output; median of %u, fork to exit",
                            t->ioreg.records, t->ioreg.bytes, t->ioreg.bytes / 1048576.0, t->ioreg.n_nsec));
        if (!t->have_udevadm) {
                bench_row(bench_fmt("udevadm info --export-db > /dev/null (%s)", t->name), "n/a", "ms", "-",
                          udevadm_note);
                bench_row(bench_fmt("ioreg -l ÷ udevadm info --export-db (%s)", t->name), "n/a", "×", "≤ 0.5×",
                          bench_fmt("SKIP: %s", udevadm_note));
                return;
        }
        bench_row(bench_fmt("udevadm info --export-db > /dev/null (%s)", t->name), bench_fmt("%.1f", peer), "ms",
                  "-",
                  bench_fmt("%u devices, %zu bytes (%.2f MiB) of output; median of %u, interleaved with ioreg%s",
                            t->udevadm.records, t->udevadm.bytes, t->udevadm.bytes / 1048576.0, t->udevadm.n_nsec,
                            t->mocked ? "; under the same preload, no udev database" : "; no udev database"));
        bench_row(bench_fmt("ioreg -l ÷ udevadm info --export-db (%s)", t->name), bench_fmt("%.2f", ours / peer),
                  "×", "≤ 0.5×", ours / peer <= TARGET_RATIO ? "PASS" : "FAIL");
}

/* --- main --- */

static void help(void) {
        printf("bench-ioreg [--devices N] [--runs N] [--quick]\n"
               "  ioreg -l -w0 against udevadm info --export-db, on this machine's /sys and on a\n"
               "  generated umockdev testbed, each served by ioregd on a private dbus-daemon.\n"
               "  --devices N  devices in the testbed (default %u)\n"
               "  --runs N     timed runs of each command, the median is kept (default %u)\n"
               "  --quick      %u devices, %u runs\n"
               "  (--entries, --calls, --events, --subscribers, --samples, --usb-ids, --pci-ids and\n"
               "  --plists belong to the other benchmarks and are ignored)\n",
               DEFAULT_DEVICES, DEFAULT_RUNS, QUICK_DEVICES, QUICK_RUNS);
}

static int parse_argv(int argc, char *argv[]) {
        enum { ARG_DEVICES = 0x100, ARG_QUICK, ARG_RUNS, ARG_IGNORED };
        static const struct option options[] = {
                { "devices", required_argument, NULL, ARG_DEVICES },
                { "quick", no_argument, NULL, ARG_QUICK },
                { "runs", required_argument, NULL, ARG_RUNS },
                BENCH_FOREIGN_OPTIONS(ARG_IGNORED),
                { "help", no_argument, NULL, 'h' },
                {},
        };
        bool devices_set = false, runs_set = false;
        int c;

        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0)
                switch (c) {
                case ARG_DEVICES:
                        if (bench_option_unsigned("devices", optarg, 100, MAX_DEVICES, &arg_devices) < 0)
                                return -EINVAL;
                        devices_set = true;
                        break;
                case ARG_QUICK:
                        if (!devices_set)
                                arg_devices = QUICK_DEVICES;
                        if (!runs_set)
                                arg_runs = QUICK_RUNS;
                        break;
                case ARG_RUNS:
                        if (bench_option_unsigned("runs", optarg, 1, BENCH_NO_MAX, &arg_runs) < 0)
                                return -EINVAL;
                        runs_set = true;
                        break;
                case ARG_IGNORED:
                        break;
                case 'h':
                        help();
                        return 0;
                default:
                        return -EINVAL;
                }
        if (bench_no_arguments(argc, argv) < 0)
                return -EINVAL;
        return 1;
}

static int run(void) {
        _cleanup_free_ char *udevadm = find_program("udevadm");
        _cleanup_(bed_done) Bed bed = {};
        Tree sys = { .name = "this machine's /sys" }, mock = { .mocked = true };
        const char *note = "udevadm not installed (Debian package udev)";
        char mock_name[64];
        uint64_t build_nsec, t0;
        TestBus f = {};
        int r;

        if (!udevadm)
                fprintf(stderr, "bench-ioreg: %s: its rows are skipped\n", note);
        /* The bus and the ioreg client never run under the preload; ioregd and udevadm do for the testbed. */
        (void) unsetenv("LD_PRELOAD");
        (void) setenv("IOREG_UDEV_MODE", "kernel", 1);
        r = test_bus_start(&f);
        if (r < 0) {
                fprintf(stderr, "bench-ioreg: cannot start dbus-daemon: %s\n", strerror(-r));
                return r;
        }

        r = tree_measure(&sys, &f, udevadm);
        if (r < 0)
                goto out;

        fprintf(stderr, "bench-ioreg: generating a testbed of %u devices...\n", arg_devices);
        t0 = bench_now_nsec();
        bed_build(&bed, arg_devices);
        build_nsec = bench_now_nsec() - t0;
        snprintf(mock_name, sizeof(mock_name), "testbed, %u devices", bed.n_devices);
        mock.name = mock_name;
        r = tree_measure(&mock, &f, udevadm);
        if (r < 0)
                goto out;

        bench_row("metric", "value", "unit", "target", "verdict");
        bench_row("---", "---:", "---", "---", "---");
        tree_rows(&sys, note);
        bench_row("ioreg testbed: synthetic devices (umockdev, generated as bench-udev's)",
                  bench_fmt("%u", bed.n_devices), "devices", "-",
                  bench_fmt("%u USB devices, %u disks, %u net, %u HID; built in %.1f s", bed.n_usb, bed.n_disks,
                            bed.n_nets, bed.n_hids, (double) build_nsec / 1e9));
        tree_rows(&mock, note);
        fflush(stdout);
out:
        tree_done(&sys);
        tree_done(&mock);
        stop_ioregd(&f);
        (void) test_bus_stop(&f);
        return r;
}

int main(int argc, char *argv[]) {
        int r;

        r = parse_argv(argc, argv);
        if (r <= 0)
                return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
        return run() < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
