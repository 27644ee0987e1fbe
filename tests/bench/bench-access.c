/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bench-access.c: the added latency of the device fd handoff at Start
 * (issue 17, "Benchmark"): CopyProviderFD (ioregd opens the device node and
 * passes it, unix fd passing through dbus-daemon) against a plain D-Bus
 * round trip to ioregd (OpenProvider: the same route, authorization and
 * open record, no fd), timed in the same run by a real driver server
 * (bench-access-server.c) on this machine's /dev/null (the mem device
 * "null", which every Linux and container has), through the real ioregd on
 * a private dbus-daemon. Rows: p50 / p99 of each, the first handoff, the
 * added latency (p50 difference) and the ratio of the p50s (no target).
 *
 *     bench-access [--samples N] [--quick]
 */

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench-util.h"
#include "driver-test.h"

#define DEFAULT_SAMPLES 3000u
#define QUICK_SAMPLES 1000u
#define SERVER BUILD_ROOT "/tests/bench/bench-access-server"

static unsigned arg_samples = DEFAULT_SAMPLES;

static int parse_argv(int argc, char *argv[]) {
        enum { ARG_SAMPLES = 0x100, ARG_QUICK, ARG_IGNORED };
        static const struct option options[] = {
                { "samples", required_argument, NULL, ARG_SAMPLES },
                { "quick", no_argument, NULL, ARG_QUICK },
                BENCH_FOREIGN_OPTIONS(ARG_IGNORED),
                { "help", no_argument, NULL, 'h' },
                {},
        };
        bool samples_set = false;
        int c;

        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0)
                switch (c) {
                case ARG_SAMPLES:
                        if (bench_option_unsigned("samples", optarg, 1, 20000, &arg_samples) < 0)
                                return -EINVAL;
                        samples_set = true;
                        break;
                case ARG_QUICK:
                        if (!samples_set)
                                arg_samples = QUICK_SAMPLES;
                        break;
                case ARG_IGNORED:
                        break;
                case 'h':
                        printf("bench-access [--samples N] [--quick]\n"
                               "  CopyProviderFD (open + fd passing) against a plain D-Bus round trip to ioregd,\n"
                               "  N calls each (default %u, at most 20000), from a driver server's Start.\n",
                               DEFAULT_SAMPLES);
                        return 0;
                default:
                        return -EINVAL;
                }
        return bench_no_arguments(argc, argv) < 0 ? -EINVAL : 1;
}

static bool measured(DriverTest *t, const void *arg) {
        uint64_t id = 0;

        return driver_test_find_one(t, "BenchAccessDriver", &id) == 1 && driver_test_number(t, id, "BenchCopyP50") > 0;
}

static void row(const char *metric, int64_t p50, int64_t p99) {
        bench_row(metric, bench_fmt("%.1f / %.1f", p50 / 1000.0, p99 / 1000.0), "µs p50 / p99", "", "");
}

int main(int argc, char *argv[]) {
        char personality[1024];
        DriverTest t = {};
        int64_t copy50, copy99, plain50, plain99, first;
        uint64_t id = 0;
        int r;

        r = parse_argv(argc, argv);
        if (r <= 0)
                return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
        if (access("/sys/devices/virtual/mem/null", F_OK) < 0) {
                fprintf(stderr, "bench-access: no /sys/devices/virtual/mem/null, skipping\n");
                bench_row("CopyProviderFD round trip", "n/a", "µs p50 / p99", "", "SKIP");
                return EXIT_SUCCESS;
        }
        snprintf(personality, sizeof(personality),
                 "\"BenchAccessDriver\": { \"IOProviderClass\": \"IOLinuxDevice\", \"IONameMatch\": \"null\", "
                 "\"IOClass\": \"IOUserService\", \"IOUserClass\": \"BenchAccessDriver\", "
                 "\"IOUserServerName\": \"org.ioreg.bench.access\", \"IOUserServerExecutable\": \"" SERVER "\", "
                 "\"BenchSamples\": %u }",
                 arg_samples);
        fprintf(stderr, "bench-access: %u samples each\n", arg_samples);
        r = driver_test_start(&t, personality, NULL);
        if (r < 0) {
                fprintf(stderr, "bench-access: cannot start dbus-daemon and ioregd: %s\n", strerror(-r));
                driver_test_stop(&t);
                return EXIT_FAILURE;
        }
        if (!driver_test_wait(&t, measured, NULL, 120000) || driver_test_find_one(&t, "BenchAccessDriver", &id) != 1) {
                fprintf(stderr, "bench-access: the driver did not start or measure (see ioregd's log)\n");
                driver_test_stop(&t);
                return EXIT_FAILURE;
        }
        copy50 = driver_test_number(&t, id, "BenchCopyP50");
        copy99 = driver_test_number(&t, id, "BenchCopyP99");
        plain50 = driver_test_number(&t, id, "BenchPlainP50");
        plain99 = driver_test_number(&t, id, "BenchPlainP99");
        first = driver_test_number(&t, id, "BenchFirstCopyNsec");
        driver_test_stop(&t);
        row("CopyProviderFD round trip (open /dev/null + fd passing)", copy50, copy99);
        row("plain D-Bus round trip to ioregd (OpenProvider)", plain50, plain99);
        bench_row("first CopyProviderFD of the run", bench_fmt("%.1f", first / 1000.0), "µs", "", "");
        bench_row("added latency of the fd handoff at Start (p50 difference)",
                  bench_fmt("%.1f", (copy50 - plain50) / 1000.0), "µs", "", "");
        bench_row("CopyProviderFD p50 / plain round trip p50",
                  bench_fmt("%.2f", plain50 > 0 ? (double) copy50 / (double) plain50 : 0), "×", "", "");
        return EXIT_SUCCESS;
}
