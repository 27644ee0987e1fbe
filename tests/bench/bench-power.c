/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bench-power.c: the cost of runtime PM polling (issue 21): what one tick of
 * power-poll.c costs with N devices in the IOPower plane (default 1,000),
 * as CPU time per second at the daemon's default interval (1 s).
 *
 * The devices are a synthetic sysfs tree in a temporary directory (tmpfs
 * when /dev/shm is writable): DIR/devices/devN/power/runtime_status, each
 * "active". Every device is a registry entry tracked by the real
 * PowerPlane (power_plane_track(), as the device tree does on an add
 * uevent), and each tick is the real power_plane_poll() with the daemon's
 * own reader, power_poll_read_file(): one open/read/close per device.
 *
 * Rows: a tick where nothing changed (the steady state), a tick where a
 * tenth of the devices changed (the properties rebuilt), the reader alone
 * on the same files, and the same reader on this machine's real
 * power/runtime_status files (kernfs), so that the synthetic tree's cost
 * per file can be compared with sysfs's. Times are CPU time of the process
 * (CLOCK_PROCESS_CPUTIME_ID), best of --runs runs of --ticks ticks.
 *
 *     bench-power [--devices N] [--ticks N] [--runs N] [--quick]
 */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bench-util.h"
#include "device-record.h"
#include "power-plane.h"
#include "power-poll.h"
#include "registry.h"

#define DEFAULT_DEVICES 1000u
#define DEFAULT_TICKS 200u
#define QUICK_TICKS 50u
#define DEFAULT_RUNS 3u
#define MAX_SYS_FILES 4096u

/* Our choice, the issue sets none: polling a 1,000-device machine takes at most 1 % of one CPU. */
#define TARGET_CPU_PERCENT 1.0

static unsigned arg_devices = DEFAULT_DEVICES;
static unsigned arg_ticks = DEFAULT_TICKS;
static unsigned arg_runs = DEFAULT_RUNS;

typedef struct Bench {
        char dir[64];         /* the synthetic tree's top, "" before it exists */
        char **status_paths;  /* owned: DIR/devices/devN/power/runtime_status */
        Registry *registry;   /* owned */
        PowerPlane plane;
        bool plane_ready;
        unsigned n;
} Bench;

static uint64_t cpu_nsec(void) {
        struct timespec ts;

        (void) clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
        return (uint64_t) ts.tv_sec * UINT64_C(1000000000) + (uint64_t) ts.tv_nsec;
}

static int write_file(const char *path, const char *text) {
        _cleanup_fclose_ FILE *f = fopen(path, "we");

        if (!f || fputs(text, f) < 0 || fflush(f) != 0)
                return -errno;
        return 0;
}

static int rm_rf(const char *path) {
        char cmd[128];

        if (snprintf(cmd, sizeof(cmd), "rm -rf '%s'", path) >= (int) sizeof(cmd))
                return -EINVAL;
        return system(cmd) == 0 ? 0 : -EIO;
}

static void bench_done(Bench *b) {
        if (b->plane_ready)
                power_plane_done(&b->plane);
        b->registry = registry_free(b->registry);
        for (unsigned i = 0; b->status_paths && i < b->n; i++)
                free(b->status_paths[i]);
        free(b->status_paths);
        if (b->dir[0])
                (void) rm_rf(b->dir);
}

/* A record as the device tree would hand the plane on an add: a syspath and power/runtime_status. */
typedef struct PowerDevice {
        DeviceRecord record;
        const char *status;
} PowerDevice;

static const char *power_device_attr(const DeviceRecord *d, const char *name) {
        return streq(name, "power/runtime_status") ? ((const PowerDevice *) d)->status : NULL;
}

static Entry *find_none(void *userdata, const char *syspath) {
        return NULL;
}

static int bench_setup(Bench *b, unsigned n) {
        Entry *root_domain;
        int r;

        snprintf(b->dir, sizeof(b->dir), "%s/bench-power-XXXXXX",
                 access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
        if (!mkdtemp(b->dir)) {
                b->dir[0] = '\0';
                return -errno;
        }
        b->status_paths = calloc(n, sizeof(char *));
        if (!b->status_paths)
                return -ENOMEM;
        r = registry_new(&b->registry);
        if (r < 0)
                return r;
        r = registry_create_entry(b->registry, "IOService", &root_domain);
        if (r < 0)
                return r;
        r = entry_attach(root_domain, b->registry->root, b->registry->service_plane);
        if (r < 0)
                return r;
        r = power_plane_init(&b->plane, b->registry, root_domain, find_none, NULL);
        b->plane_ready = true;
        if (r < 0)
                return r;

        for (unsigned i = 0; i < n; i++) {
                char syspath[128], dir[160];
                Entry *e;

                snprintf(syspath, sizeof(syspath), "%s/devices/dev%u", b->dir, i);
                if (i == 0) {
                        snprintf(dir, sizeof(dir), "%s/devices", b->dir);
                        if (mkdir(dir, 0755) < 0)
                                return -errno;
                }
                snprintf(dir, sizeof(dir), "%s/power", syspath);
                if (mkdir(syspath, 0755) < 0 || mkdir(dir, 0755) < 0)
                        return -errno;
                if (asprintf(&b->status_paths[i], "%s/runtime_status", dir) < 0)
                        return -ENOMEM;
                b->n = i + 1;
                r = write_file(b->status_paths[i], "active\n");
                if (r < 0)
                        return r;

                r = registry_create_entry(b->registry, "IOService", &e);
                if (r < 0)
                        return r;
                r = entry_attach(e, b->registry->root, b->registry->service_plane);
                if (r < 0)
                        return r;
                r = power_plane_join(&b->plane, e, NULL);
                if (r < 0)
                        return r;
                PowerDevice d = {
                        .record = {
                                .action = DEVICE_ACTION_ADD,
                                .syspath = syspath,
                                .get_attr = power_device_attr,
                        },
                        .status = "active",
                };
                r = power_plane_track(&b->plane, e, &d.record);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* Best CPU time per tick over arg_runs runs of arg_ticks ticks; *ret_changed: changes seen in the last run. */
static uint64_t time_ticks(Bench *b, unsigned flip_every, unsigned *ret_changed) {
        uint64_t best = UINT64_MAX;
        unsigned changed = 0, flips = 0;

        for (unsigned run = 0; run < arg_runs; run++) {
                uint64_t spent = 0;

                changed = 0;
                for (unsigned t = 0; t < arg_ticks; t++) {
                        uint64_t start;

                        /* Outside the timing: the kernel would have changed the files. */
                        for (unsigned i = 0; flip_every && i < b->n; i += flip_every)
                                (void) write_file(b->status_paths[i], flips % 2 ? "active\n" : "suspended\n");
                        flips++;
                        start = cpu_nsec();
                        changed += power_plane_poll(&b->plane, power_poll_read_file, NULL);
                        spent += cpu_nsec() - start;
                }
                if (spent / arg_ticks < best)
                        best = spent / arg_ticks;
        }
        if (ret_changed)
                *ret_changed = changed;
        return best;
}

/* Best CPU time to read paths[0..n) once with the daemon's reader; *ret_ok: how many read. */
static uint64_t time_reads(char *const *paths, unsigned n, unsigned *ret_ok) {
        uint64_t best = UINT64_MAX;
        unsigned ok = 0;

        for (unsigned run = 0; run < arg_runs; run++) {
                uint64_t start = cpu_nsec(), spent;

                ok = 0;
                for (unsigned t = 0; t < arg_ticks; t++)
                        for (unsigned i = 0; i < n; i++) {
                                char buf[32];

                                if (power_poll_read_file(NULL, paths[i], buf, sizeof(buf)) > 0)
                                        ok++;
                        }
                spent = (cpu_nsec() - start) / arg_ticks;
                if (spent < best)
                        best = spent;
        }
        *ret_ok = ok / arg_ticks;
        return best;
}

/*
 * The alternative to open/read/close: every file kept open, pread() at offset 0 (sysfs runs the
 * attribute's show() again for a read from offset 0). Best CPU time for one pass; -errno when a
 * file cannot be opened. Not what the daemon does: it would hold one fd per device.
 */
static int64_t time_preads(char *const *paths, unsigned n) {
        uint64_t best = UINT64_MAX;
        int *fds = calloc(n, sizeof(int));
        int64_t r = 0;
        unsigned opened = 0;

        if (!fds)
                return -ENOMEM;
        for (; opened < n; opened++) {
                fds[opened] = open(paths[opened], O_RDONLY | O_CLOEXEC | O_NOCTTY);
                if (fds[opened] < 0) {
                        r = -errno;
                        break;
                }
        }
        for (unsigned run = 0; r == 0 && run < arg_runs; run++) {
                uint64_t start = cpu_nsec(), spent;

                for (unsigned t = 0; t < arg_ticks; t++)
                        for (unsigned i = 0; i < n; i++) {
                                char buf[32];

                                if (pread(fds[i], buf, sizeof(buf) - 1, 0) <= 0)
                                        r = -EIO;
                        }
                spent = (cpu_nsec() - start) / arg_ticks;
                if (spent < best)
                        best = spent;
        }
        for (unsigned i = 0; i < opened; i++)
                (void) close(fds[i]);
        free(fds);
        return r < 0 ? r : (int64_t) best;
}

/* This machine's power/runtime_status files under /sys/devices (at most MAX_SYS_FILES), depth first. */
static int collect_sys(const char *dir, char **paths, unsigned *n, unsigned depth) {
        struct dirent *de;
        DIR *d;
        int r = 0;

        if (depth > 24 || *n >= MAX_SYS_FILES)
                return 0;
        d = opendir(dir);
        if (!d)
                return 0;
        while (r >= 0 && (de = readdir(d)) && *n < MAX_SYS_FILES) {
                char *path;

                if (de->d_type != DT_DIR || de->d_name[0] == '.')
                        continue;
                if (asprintf(&path, "%s/%s", dir, de->d_name) < 0) {
                        r = -ENOMEM;
                        break;
                }
                if (streq(de->d_name, "power")) {
                        char *status;

                        if (asprintf(&status, "%s/runtime_status", path) < 0)
                                r = -ENOMEM;
                        else if (access(status, R_OK) == 0)
                                paths[(*n)++] = status;
                        else
                                free(status);
                } else
                        r = collect_sys(path, paths, n, depth + 1);
                free(path);
        }
        (void) closedir(d);
        return r;
}

/* At one tick a second, the share of one CPU a tick of tick_nsec takes, in %. */
static double cpu_percent(uint64_t tick_nsec) {
        return (double) tick_nsec / 1e7;
}

static int run(void) {
        _cleanup_(bench_done) Bench b = {};
        char **sys = NULL;
        unsigned n_sys = 0, changed = 0, ok = 0;
        uint64_t idle, busy, reads, sys_reads;
        int64_t sys_preads = -ENOENT;
        int r;

        fprintf(stderr, "bench-power: %u devices, %u ticks, best of %u\n", arg_devices, arg_ticks, arg_runs);
        r = bench_setup(&b, arg_devices);
        if (r < 0) {
                fprintf(stderr, "bench-power: cannot build the tree in %s: %s\n", b.dir, strerror(-r));
                return r;
        }
        idle = time_ticks(&b, 0, &changed);
        if (changed != 0) {
                fprintf(stderr, "bench-power: %u changes on an unchanged tree\n", changed);
                return -EIO;
        }
        busy = time_ticks(&b, 10, &changed);
        /* Every tick flips a tenth (one in 10), so each poll must see all of them. */
        if (changed != arg_ticks * ((b.n + 9) / 10)) {
                fprintf(stderr, "bench-power: %u changes seen, %u expected\n", changed, arg_ticks * ((b.n + 9) / 10));
                return -EIO;
        }
        reads = time_reads(b.status_paths, b.n, &ok);

        sys = calloc(MAX_SYS_FILES, sizeof(char *));
        if (!sys)
                return -ENOMEM;
        r = collect_sys("/sys/devices", sys, &n_sys, 0);
        sys_reads = n_sys > 0 && r >= 0 ? time_reads(sys, n_sys, &ok) : 0;
        if (n_sys > 0 && r >= 0)
                sys_preads = time_preads(sys, n_sys);

        printf("| metric | value | unit | target | verdict |\n");
        printf("| --- | ---: | --- | --- | --- |\n");
        bench_row(bench_fmt("power poll: one tick, %u runtime-PM devices, none changed", b.n),
                  bench_fmt("%.1f", (double) idle / 1e3), "µs CPU", "-",
                  bench_fmt("%.2f µs per device", (double) idle / 1e3 / b.n));
        bench_row(bench_fmt("power poll: CPU per second at the default 1 s interval, %u devices", b.n),
                  bench_fmt("%.3f", cpu_percent(idle)), "% of a CPU", bench_fmt("≤ %.1f %%", TARGET_CPU_PERCENT),
                  cpu_percent(idle) <= TARGET_CPU_PERCENT ? "PASS" : "FAIL");
        bench_row(bench_fmt("power poll: one tick, a tenth of %u devices changed", b.n),
                  bench_fmt("%.1f", (double) busy / 1e3), "µs CPU", "-",
                  bench_fmt("%.2f µs per changed device over the idle tick",
                            (double) (busy > idle ? busy - idle : 0) / 1e3 / ((b.n + 9) / 10)));
        bench_row(bench_fmt("power poll: open/read/close alone, %u synthetic files (%s)", b.n,
                            strncmp(b.dir, "/dev/shm", 8) == 0 ? "tmpfs" : "/tmp"),
                  bench_fmt("%.1f", (double) reads / 1e3), "µs CPU",
                  "-", bench_fmt("%.2f µs per file; %.0f %% of the idle tick", (double) reads / 1e3 / b.n,
                                 idle ? 100.0 * (double) reads / (double) idle : 0.0));
        if (n_sys > 0)
                bench_row(bench_fmt("peer: the same reader on this machine's %u power/runtime_status (sysfs)", n_sys),
                          bench_fmt("%.1f", (double) sys_reads / 1e3), "µs CPU", "-",
                          bench_fmt("%.2f µs per file; %u devices would cost %.1f µs, %.3f %% of a CPU at 1 s",
                                    (double) sys_reads / 1e3 / n_sys, b.n,
                                    (double) sys_reads / n_sys * b.n / 1e3,
                                    cpu_percent((uint64_t) ((double) sys_reads / n_sys * b.n))));
        else
                bench_row("peer: this machine's power/runtime_status (sysfs)", "n/a", "µs CPU", "-", "SKIP: none readable");
        if (sys_preads >= 0)
                bench_row(bench_fmt("peer: pread() at 0 on %u kept sysfs fds (not what ioregd does)", n_sys),
                          bench_fmt("%.1f", (double) sys_preads / 1e3), "µs CPU", "-",
                          bench_fmt("%.2f µs per file, %.1f× cheaper than open/read/close",
                                    (double) sys_preads / 1e3 / n_sys,
                                    sys_preads ? (double) sys_reads / (double) sys_preads : 0.0));
        else if (n_sys > 0)
                bench_row("peer: pread() on kept sysfs fds", "n/a", "µs CPU", "-",
                          bench_fmt("SKIP: %s", strerror((int) -sys_preads)));
        for (unsigned i = 0; i < n_sys; i++)
                free(sys[i]);
        free(sys);
        return 0;
}

static int parse_argv(int argc, char *argv[]) {
        enum { ARG_DEVICES = 0x100, ARG_TICKS, ARG_RUNS, ARG_QUICK, ARG_IGNORED };
        static const struct option options[] = {
                { "devices", required_argument, NULL, ARG_DEVICES },
                { "ticks", required_argument, NULL, ARG_TICKS },
                { "runs", required_argument, NULL, ARG_RUNS },
                { "quick", no_argument, NULL, ARG_QUICK },
                BENCH_FOREIGN_OPTIONS(ARG_IGNORED),
                { "help", no_argument, NULL, 'h' },
                {},
        };
        bool ticks_set = false;
        int c;

        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0)
                switch (c) {
                case ARG_DEVICES:
                        /* ./bench passes bench-udev's --devices too: the same meaning here. */
                        if (bench_option_unsigned("devices", optarg, 1, 1000000, &arg_devices) < 0)
                                return -EINVAL;
                        break;
                case ARG_TICKS:
                        if (bench_option_unsigned("ticks", optarg, 1, BENCH_NO_MAX, &arg_ticks) < 0)
                                return -EINVAL;
                        ticks_set = true;
                        break;
                case ARG_RUNS:
                        if (bench_option_unsigned("runs", optarg, 1, BENCH_NO_MAX, &arg_runs) < 0)
                                return -EINVAL;
                        break;
                case ARG_QUICK:
                        if (!ticks_set)
                                arg_ticks = QUICK_TICKS;
                        break;
                case ARG_IGNORED:
                        break;
                case 'h':
                        printf("bench-power [--devices N] [--ticks N] [--runs N] [--quick]\n"
                               "  runtime PM polling: CPU per tick with N devices (default %u), best of\n"
                               "  --runs (default %u) runs of --ticks ticks (default %u, --quick %u).\n",
                               DEFAULT_DEVICES, DEFAULT_RUNS, DEFAULT_TICKS, QUICK_TICKS);
                        return 0;
                default:
                        return -EINVAL;
                }
        if (bench_no_arguments(argc, argv) < 0)
                return -EINVAL;
        return 1;
}

int main(int argc, char *argv[]) {
        int r = parse_argv(argc, argv);

        if (r <= 0)
                return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
        return run() < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
