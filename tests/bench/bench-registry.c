/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bench-registry.c: the registry core benchmark. Builds a registry of
 * 100,000 entries (a tree in the IOService plane, at least 10 deep, each
 * entry with a name, a hexadecimal location and 20 properties of mixed
 * types), then measures build time, memory per entry, get-path and
 * from-path at depth 10 and property lookups, and times the peers
 * (`udevadm info --export-db`, libudev enumeration) in the same run.
 *
 * The result is one markdown table on stdout, `| metric | value | unit |
 * target | verdict |`; progress goes to stderr. Timings per call are the
 * best of 3 runs of at least 200,000 calls each (CLOCK_MONOTONIC).
 *
 *     bench-registry [--entries N] [--quick] [--calls N] [--runs N]
 */

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <malloc.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <libudev.h>

#include "bench-registry-tree.h"
#include "bench-util.h"
#include "registry-path.h"
#include "registry.h"
#include "value.h"

#define DEFAULT_ENTRIES 100000u
#define QUICK_ENTRIES 10000u
#define DEFAULT_CALLS 200000u
#define QUICK_CALLS 50000u
#define DEFAULT_RUNS 3u
#define TARGET_DEPTH 10u

#define TARGET_RSS_PER_ENTRY 1536.0    /* bytes (issue 21; 2 KiB before) */
#define TARGET_FROM_PATH_NSEC 2000.0   /* at depth 10 */

static unsigned arg_entries = DEFAULT_ENTRIES;
static unsigned arg_calls = DEFAULT_CALLS;
static unsigned arg_runs = DEFAULT_RUNS;

/* VmRSS from /proc/self/status, in bytes; -errno on failure. */
static int64_t read_rss_bytes(void) {
        _cleanup_fclose_ FILE *f = NULL;
        char line[256];

        f = fopen("/proc/self/status", "re");
        if (!f)
                return -errno;
        while (fgets(line, sizeof(line), f)) {
                unsigned long long kib;

                if (sscanf(line, "VmRSS: %llu kB", &kib) == 1)
                        return (int64_t) kib * 1024;
        }
        return -ENODATA;
}

static size_t heap_in_use(void) {
        struct mallinfo2 mi = mallinfo2();

        return mi.uordblks + mi.hblkhd;
}

typedef struct Targets {
        Entry **entries;  /* borrowed pointers */
        char **paths;     /* owned */
        unsigned n;
} Targets;

static void targets_done(Targets *t) {
        for (unsigned i = 0; t->paths && i < t->n; i++)
                free(t->paths[i]);
        free(t->paths);
        free(t->entries);
        *t = (Targets) {};
}

/* Every entry at depth, with its path: the inputs of the path benchmarks. */
static int targets_collect(Targets *t, const Bench *b, unsigned depth) {
        unsigned n = 0;

        for (unsigned i = 0; i < b->n_entries; i++)
                if (b->depths[i] == depth)
                        n++;
        if (n == 0)
                return -ENOENT;
        t->entries = calloc(n, sizeof(Entry *));
        t->paths = calloc(n, sizeof(char *));
        if (!t->entries || !t->paths)
                return -ENOMEM;
        for (unsigned i = 0; i < b->n_entries; i++) {
                int r;

                if (b->depths[i] != depth)
                        continue;
                t->entries[t->n] = b->entries[i];
                r = registry_entry_get_path(b->registry, b->entries[i], b->plane, &t->paths[t->n]);
                if (r < 0)
                        return r;
                t->n++;
        }
        return 0;
}

/* Prevents the compiler from dropping results that are otherwise unused. */
static volatile uint64_t sink;

static int time_get_path(const Bench *b, const Targets *t, unsigned calls, double *ret_nsec) {
        uint64_t start, sum = 0;
        unsigned j = 0;

        start = bench_now_nsec();
        for (unsigned k = 0; k < calls; k++) {
                char *path;
                int r;

                r = registry_entry_get_path(b->registry, t->entries[j], b->plane, &path);
                if (r < 0)
                        return r;
                sum += (unsigned char) path[sizeof(PLANE_SERVICE)];
                free(path);
                if (++j == t->n)
                        j = 0;
        }
        *ret_nsec = (double) (bench_now_nsec() - start) / calls;
        sink += sum;
        return 0;
}

static int time_from_path(const Bench *b, const Targets *t, unsigned calls, double *ret_nsec) {
        uint64_t start;
        unsigned j = 0, wrong = 0;

        start = bench_now_nsec();
        for (unsigned k = 0; k < calls; k++) {
                Entry *e = NULL;
                int r;

                r = registry_entry_from_path(b->registry, t->paths[j], NULL, &e);
                if (r < 0)
                        return r;
                wrong += e != t->entries[j];
                if (++j == t->n)
                        j = 0;
        }
        *ret_nsec = (double) (bench_now_nsec() - start) / calls;
        /* A path that resolves to another entry would make the figure meaningless. */
        return wrong > 0 ? -EBADMSG : 0;
}

/*
 * Property lookups over entries[0..n), visited with a large prime stride
 * so that consecutive calls touch different entries (as a daemon serving
 * many clients does), keys cycling through keys[0..n_keys).
 */
static int time_lookup(Entry *const *entries, unsigned n, const char *const *keys, unsigned n_keys,
                       bool expect_found, unsigned calls, double *ret_nsec) {
        unsigned j = 0, key = 0, wrong = 0;
        const unsigned stride = 7919 % n ?: 1;
        uint64_t start;

        start = bench_now_nsec();
        for (unsigned k = 0; k < calls; k++) {
                Value *v = entry_get_property(entries[j], keys[key]);

                wrong += !!v != expect_found;
                j += stride;
                if (j >= n)
                        j -= n;
                if (++key == n_keys)
                        key = 0;
        }
        *ret_nsec = (double) (bench_now_nsec() - start) / calls;
        return wrong > 0 ? -EBADMSG : 0;
}

/* --- peers --- */

/*
 * Runs `udevadm info --export-db` with its output read through a pipe and
 * counted, best of runs. *ret_devices: records ("P:" lines) it printed.
 * -ENOENT when udevadm is not installed.
 */
static int time_udevadm(unsigned runs, double *ret_msec, unsigned *ret_devices) {
        static const char *const dirs[] = { "/usr/bin", "/bin", "/usr/sbin", "/sbin" };
        char exe[PATH_MAX] = "";
        double best = -1;
        unsigned devices = 0;

        for (size_t i = 0; i < ELEMENTSOF(dirs); i++) {
                snprintf(exe, sizeof(exe), "%s/udevadm", dirs[i]);
                if (access(exe, X_OK) == 0)
                        break;
                exe[0] = '\0';
        }
        if (!exe[0])
                return -ENOENT;

        for (unsigned run = 0; run < runs; run++) {
                _cleanup_fclose_ FILE *f = NULL;
                uint64_t start = bench_now_nsec();
                char line[4096];
                int fds[2], status;
                unsigned n = 0;
                double msec;
                pid_t pid;

                if (pipe2(fds, O_CLOEXEC) < 0)
                        return -errno;
                pid = fork();
                if (pid < 0) {
                        close(fds[0]);
                        close(fds[1]);
                        return -errno;
                }
                if (pid == 0) {
                        int null = open("/dev/null", O_WRONLY | O_CLOEXEC);

                        dup2(fds[1], STDOUT_FILENO);
                        if (null >= 0)
                                dup2(null, STDERR_FILENO);
                        execl(exe, "udevadm", "info", "--export-db", (char *) NULL);
                        _exit(127);
                }
                close(fds[1]);
                f = fdopen(fds[0], "re");
                if (!f) {
                        close(fds[0]);
                        (void) waitpid(pid, NULL, 0);
                        return -ENOMEM;
                }
                while (fgets(line, sizeof(line), f))
                        if (strncmp(line, "P: ", 3) == 0)
                                n++;
                if (waitpid(pid, &status, 0) < 0)
                        return -errno;
                msec = (double) (bench_now_nsec() - start) / 1e6;
                /* A failing udevadm (no udev database) still counts: that is what this machine offers. */
                if (best < 0 || msec < best)
                        best = msec;
                devices = n;
        }
        *ret_msec = best;
        *ret_devices = devices;
        return 0;
}

/*
 * The libudev peer: enumerate every device in /sys and read its properties
 * (what a registry source does per device), best of runs.
 */
static int time_libudev(unsigned runs, double *ret_msec, unsigned *ret_devices) {
        double best = -1;
        unsigned devices = 0;

        for (unsigned run = 0; run < runs; run++) {
                struct udev_enumerate *en = NULL;
                struct udev_list_entry *item;
                struct udev *udev;
                uint64_t start = bench_now_nsec(), sum = 0;
                unsigned n = 0;
                double msec;
                int r;

                udev = udev_new();
                if (!udev)
                        return -ENOMEM;
                en = udev_enumerate_new(udev);
                if (!en) {
                        udev_unref(udev);
                        return -ENOMEM;
                }
                r = udev_enumerate_scan_devices(en);
                if (r < 0) {
                        udev_enumerate_unref(en);
                        udev_unref(udev);
                        return r;
                }
                udev_list_entry_foreach(item, udev_enumerate_get_list_entry(en)) {
                        const char *syspath = udev_list_entry_get_name(item);
                        struct udev_device *d = udev_device_new_from_syspath(udev, syspath);
                        struct udev_list_entry *p;

                        if (!d)
                                continue;
                        udev_list_entry_foreach(p, udev_device_get_properties_list_entry(d))
                                sum += strlen(udev_list_entry_get_value(p));
                        udev_device_unref(d);
                        n++;
                }
                udev_enumerate_unref(en);
                udev_unref(udev);
                msec = (double) (bench_now_nsec() - start) / 1e6;
                if (best < 0 || msec < best)
                        best = msec;
                devices = n;
                sink += sum;
        }
        *ret_msec = best;
        *ret_devices = devices;
        return 0;
}

/* --- output --- */

static double best_of(int (*fn)(const Bench *, const Targets *, unsigned, double *), const Bench *b,
                      const Targets *t, int *ret_error) {
        double best = -1;

        for (unsigned run = 0; run < arg_runs; run++) {
                double nsec;
                int r = fn(b, t, arg_calls, &nsec);

                if (r < 0) {
                        *ret_error = r;
                        return -1;
                }
                if (best < 0 || nsec < best)
                        best = nsec;
        }
        return best;
}

static double best_of_lookup(Entry *const *entries, unsigned n, const char *const *keys, unsigned n_keys,
                             bool expect_found, int *ret_error) {
        double best = -1;

        for (unsigned run = 0; run < arg_runs; run++) {
                double nsec;
                int r = time_lookup(entries, n, keys, n_keys, expect_found, arg_calls, &nsec);

                if (r < 0) {
                        *ret_error = r;
                        return -1;
                }
                if (best < 0 || nsec < best)
                        best = nsec;
        }
        return best;
}

static void help(void) {
        printf("Usage: bench-registry [OPTIONS]\n"
               "Builds a registry and prints a markdown table of its costs.\n\n"
               "  --entries N   entries to build (default %u)\n"
               "  --quick       %u entries, %u calls per timing\n"
               "  --calls N     calls per timing run (default %u)\n"
               "  --runs N      timing runs, the best is kept (default %u)\n"
               "  -h --help     this text\n"
               "The other benchmarks' options are accepted and ignored (./bench passes its\n"
               "arguments to every benchmark).\n",
               DEFAULT_ENTRIES, QUICK_ENTRIES, QUICK_CALLS, DEFAULT_CALLS, DEFAULT_RUNS);
}

static int parse_argv(int argc, char *argv[]) {
        enum { ARG_ENTRIES = 0x100, ARG_QUICK, ARG_CALLS, ARG_RUNS, ARG_IGNORED };
        static const struct option options[] = {
                { "entries", required_argument, NULL, ARG_ENTRIES },
                { "quick", no_argument, NULL, ARG_QUICK },
                { "calls", required_argument, NULL, ARG_CALLS },
                { "runs", required_argument, NULL, ARG_RUNS },
                BENCH_FOREIGN_OPTIONS(ARG_IGNORED),
                { "help", no_argument, NULL, 'h' },
                {},
        };
        bool entries_set = false, calls_set = false;
        int c;

        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0)
                switch (c) {
                case ARG_ENTRIES:
                        if (bench_option_unsigned("entries", optarg, 2, BENCH_NO_MAX, &arg_entries) < 0)
                                return -EINVAL;
                        entries_set = true;
                        break;
                case ARG_QUICK:
                        if (!entries_set)
                                arg_entries = QUICK_ENTRIES;
                        if (!calls_set)
                                arg_calls = QUICK_CALLS;
                        break;
                case ARG_CALLS:
                        if (bench_option_unsigned("calls", optarg, 1, BENCH_NO_MAX, &arg_calls) < 0)
                                return -EINVAL;
                        calls_set = true;
                        break;
                case ARG_RUNS:
                        if (bench_option_unsigned("runs", optarg, 1, BENCH_NO_MAX, &arg_runs) < 0)
                                return -EINVAL;
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

/* A few entries, used over and over: what the code costs once its data is in the caches. */
#define WARM_SET 16u

static void row_peer_udevadm(void) {
        const char *metric = "peer: udevadm info --export-db (this machine)";
        unsigned devices = 0;
        double msec = 0;
        int r;

        r = time_udevadm(arg_runs, &msec, &devices);
        if (r == -ENOENT)
                bench_row(metric, "n/a", "ms", "-", "udevadm not installed");
        else if (r < 0)
                bench_row(metric, "n/a", "ms", "-", bench_fmt("failed: %s", strerror(-r)));
        else if (devices == 0)
                bench_row(metric, bench_fmt("%.2f", msec), "ms", "-", "printed no devices (no udev database)");
        else
                bench_row(metric, bench_fmt("%.2f", msec), "ms", "-",
                    bench_fmt("%u devices, %.1f µs/device", devices, msec * 1e3 / devices));
}

static void row_peer_libudev(double build_nsec_per_entry) {
        const char *metric = "peer: libudev enumerate + read properties (this machine)";
        unsigned devices = 0;
        double msec = 0, per_device_nsec;
        int r;

        r = time_libudev(arg_runs, &msec, &devices);
        if (r < 0)
                bench_row(metric, "n/a", "ms", "-", bench_fmt("failed: %s", strerror(-r)));
        else if (devices == 0)
                bench_row(metric, bench_fmt("%.2f", msec), "ms", "-", "no devices in /sys");
        else {
                per_device_nsec = msec * 1e6 / devices;
                bench_row(metric, bench_fmt("%.2f", msec), "ms", "-",
                    bench_fmt("%u devices, %.1f µs/device; registry build per entry = %.2f× that", devices,
                        per_device_nsec / 1e3, build_nsec_per_entry / per_device_nsec));
        }
}

static int run(void) {
        _cleanup_(bench_done) Bench b = {};
        _cleanup_(targets_done) Targets t = {};
        static const char *const missing[] = { KEY_MISSING };
        static const char *const missing_interned[] = { KEY_MISSING_INTERNED };
        double build_nsec, get_nsec, from_nsec, from_warm_nsec, hit_nsec, hit_warm_nsec, miss_nsec,
                miss_interned_nsec, rss_per_entry, heap_per_entry, value_per_entry;
        int64_t rss_before, rss_after;
        size_t heap_before, heap_after, value_bytes = 0;
        unsigned depth;
        Targets warm;
        uint64_t start;
        int r, error = 0;

        r = bench_init(&b, arg_entries);
        if (r < 0) {
                fprintf(stderr, "Failed to allocate: %s\n", strerror(-r));
                return r;
        }
        fprintf(stderr, "bench-registry: building %u entries...\n", arg_entries);
        rss_before = read_rss_bytes();
        heap_before = heap_in_use();
        start = bench_now_nsec();
        r = bench_build(&b, arg_entries);
        if (r < 0) {
                fprintf(stderr, "Failed to build the registry: %s\n", strerror(-r));
                return r;
        }
        build_nsec = (double) (bench_now_nsec() - start);
        rss_after = read_rss_bytes();
        heap_after = heap_in_use();
        if (rss_before < 0 || rss_after < 0) {
                r = (int) (rss_before < 0 ? rss_before : rss_after);
                fprintf(stderr, "Cannot read VmRSS: %s\n", strerror(-r));
                return r;
        }
        rss_per_entry = (double) (rss_after - rss_before) / b.n_entries;
        heap_per_entry = ((double) heap_after - (double) heap_before) / b.n_entries;
        for (unsigned i = 0; i < b.n_entries; i++)
                value_bytes += value_memory_size(b.entries[i]->properties);
        value_per_entry = (double) value_bytes / b.n_entries;

        depth = b.max_depth < TARGET_DEPTH ? b.max_depth : TARGET_DEPTH;
        r = targets_collect(&t, &b, depth);
        if (r < 0) {
                fprintf(stderr, "Failed to collect the depth-%u entries: %s\n", depth, strerror(-r));
                return r;
        }
        warm = (Targets) { .entries = t.entries, .paths = t.paths, .n = t.n < WARM_SET ? t.n : WARM_SET };

        fprintf(stderr, "bench-registry: timing paths and lookups (best of %u runs of %u calls)...\n",
                arg_runs, arg_calls);
        get_nsec = best_of(time_get_path, &b, &t, &error);
        from_nsec = best_of(time_from_path, &b, &t, &error);
        from_warm_nsec = best_of(time_from_path, &b, &warm, &error);
        hit_nsec = best_of_lookup(b.entries, b.n_entries, property_keys, N_PROPERTIES, true, &error);
        hit_warm_nsec = best_of_lookup(warm.entries, warm.n, property_keys, N_PROPERTIES, true, &error);
        miss_nsec = best_of_lookup(b.entries, b.n_entries, missing, 1, false, &error);
        miss_interned_nsec = best_of_lookup(b.entries, b.n_entries, missing_interned, 1, false, &error);
        if (error < 0) {
                fprintf(stderr, "Timing failed: %s\n", strerror(-error));
                return error;
        }

        bench_row("metric", "value", "unit", "target", "verdict");
        bench_row("---", "---:", "---", "---", "---");
        bench_row("registry: entries built (IOService plane)",
            bench_fmt("%u, max depth %u", b.n_entries, b.max_depth), "entries", "-", "-");
        bench_row("build: total",
            bench_fmt("%.1f", build_nsec / 1e6), "ms", "-", "-");
        bench_row("build: per entry (create, name, location, attach, 20 properties)",
            bench_fmt("%.2f", build_nsec / 1e3 / b.n_entries), "µs/entry", "-", "-");
        bench_row("RSS per entry (VmRSS after − before build ÷ entries)",
            bench_fmt("%.0f", rss_per_entry), "bytes", "≤ 1.5 KiB RSS per entry",
            rss_per_entry <= TARGET_RSS_PER_ENTRY ? "PASS" : "FAIL");
        bench_row("heap in use per entry (mallinfo2, with malloc headers)",
            bench_fmt("%.0f", heap_per_entry), "bytes", "-", "-");
        bench_row("property Values per entry (value_memory_size estimate)",
            bench_fmt("%.0f", value_per_entry), "bytes", "-", "-");
        bench_row(bench_fmt("get-path at depth %u (%u entries in turn)", depth, t.n),
            bench_fmt("%.0f", get_nsec), "ns/call", "-", "-");
        bench_row(bench_fmt("from-path at depth %u (%u paths in turn)", depth, t.n),
            bench_fmt("%.0f", from_nsec), "ns/call", "≤ 2 µs",
            depth < TARGET_DEPTH ? "n/a (tree too shallow)" :
            from_nsec <= TARGET_FROM_PATH_NSEC ? "PASS" : "FAIL");
        bench_row(bench_fmt("from-path at depth %u, warm (%u paths)", depth, warm.n),
            bench_fmt("%.0f", from_warm_nsec), "ns/call", "-", "-");
        bench_row(bench_fmt("entry_get_property, existing key (20 keys, %u entries in turn)", b.n_entries),
            bench_fmt("%.0f", hit_nsec), "ns/call", "-", "-");
        bench_row(bench_fmt("entry_get_property, existing key, warm (20 keys, %u entries)", warm.n),
            bench_fmt("%.0f", hit_warm_nsec), "ns/call", "-", "-");
        bench_row("entry_get_property, missing key never interned (all entries)",
            bench_fmt("%.0f", miss_nsec), "ns/call", "-", "-");
        bench_row("entry_get_property, missing key interned elsewhere (all entries)",
            bench_fmt("%.0f", miss_interned_nsec), "ns/call", "-", "-");
        row_peer_udevadm();
        row_peer_libudev(build_nsec / b.n_entries);

        fflush(stdout);
        return 0;
}

int main(int argc, char *argv[]) {
        int r;

        r = parse_argv(argc, argv);
        if (r <= 0)
                return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
        return run() < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
