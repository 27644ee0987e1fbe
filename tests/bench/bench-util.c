/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* bench-util.c: see bench-util.h. */

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "bench-util.h"

uint64_t bench_now_nsec(void) {
        struct timespec ts;

        (void) clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * UINT64_C(1000000000) + (uint64_t) ts.tv_nsec;
}

uint64_t bench_cpu_nsec(void) {
        struct timespec ts;

        (void) clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
        return (uint64_t) ts.tv_sec * UINT64_C(1000000000) + (uint64_t) ts.tv_nsec;
}

int bench_parse_unsigned(const char *s, unsigned min, unsigned *ret) {
        unsigned long v;
        char *end;

        errno = 0;
        v = strtoul(s, &end, 10);
        if (errno || end == s || *end || v < min || v > UINT_MAX / 2)
                return -EINVAL;
        *ret = (unsigned) v;
        return 0;
}

int bench_option_unsigned(const char *name, const char *arg, unsigned min, unsigned max, unsigned *ret) {
        if (bench_parse_unsigned(arg, min, ret) < 0 || *ret > max) {
                if (max == BENCH_NO_MAX)
                        fprintf(stderr, "Invalid --%s: %s\n", name, arg);
                else
                        fprintf(stderr, "Invalid --%s (%u to %u): %s\n", name, min, max, arg);
                return -EINVAL;
        }
        return 0;
}

int bench_no_arguments(int argc, char *argv[]) {
        if (optind < argc) {
                fprintf(stderr, "Unexpected argument: %s\n", argv[optind]);
                return -EINVAL;
        }
        return 0;
}

void bench_row(const char *metric, const char *value, const char *unit, const char *target, const char *verdict) {
        printf("| %s | %s | %s | %s | %s |\n", metric, value, unit, target, verdict);
}

const char *bench_fmt(const char *format, ...) {
        static char bufs[6][640];
        static unsigned next;
        char *buf = bufs[next++ % ELEMENTSOF(bufs)];
        va_list ap;

        va_start(ap, format);
        vsnprintf(buf, sizeof(bufs[0]), format, ap);
        va_end(ap);
        return buf;
}
