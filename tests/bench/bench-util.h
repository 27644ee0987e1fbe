/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bench-util.h: what every benchmark shares: the clock, option parsing and
 * the rows of the one table ./bench prints.
 */
#pragma once

#include <limits.h>
#include <stdint.h>

#include "macro.h"

uint64_t bench_now_nsec(void);
/* The calling thread's CPU time: what a run costs, without the time other processes of a shared machine took. */
uint64_t bench_cpu_nsec(void);

/* A decimal number in min..UINT_MAX/2; -EINVAL otherwise. */
int bench_parse_unsigned(const char *s, unsigned min, unsigned *ret);

/* No upper bound for bench_option_unsigned() but bench_parse_unsigned()'s. */
#define BENCH_NO_MAX (UINT_MAX / 2)

/*
 * The value of option --name, a decimal number in min..max. Otherwise
 * prints "Invalid --name: ARG" (with "(min to max)" after the name when max
 * is not BENCH_NO_MAX) and returns -EINVAL.
 */
int bench_option_unsigned(const char *name, const char *arg, unsigned min, unsigned max, unsigned *ret);

/* After getopt_long(): no argument is left over; otherwise prints it and returns -EINVAL. */
int bench_no_arguments(int argc, char *argv[]);

/* One row: | metric | value | unit | target | verdict |. */
void bench_row(const char *metric, const char *value, const char *unit, const char *target, const char *verdict);

/* printf into one of a few rotating buffers: enough for the arguments of one bench_row(). */
_printf_(1, 2) const char *bench_fmt(const char *format, ...);

/*
 * ./bench passes its arguments to every benchmark, so each one accepts the
 * others' options and ignores them. List these after a benchmark's own
 * options: getopt_long() takes the first entry of a name, so a benchmark's
 * own --devices wins over the ignored one here.
 */
#define BENCH_FOREIGN_OPTIONS(ignored)                                 \
        { "entries", required_argument, NULL, (ignored) },             \
        { "calls", required_argument, NULL, (ignored) },               \
        { "devices", required_argument, NULL, (ignored) },             \
        { "events", required_argument, NULL, (ignored) },              \
        { "runs", required_argument, NULL, (ignored) },                \
        { "subscribers", required_argument, NULL, (ignored) },         \
        { "samples", required_argument, NULL, (ignored) },             \
        { "usb-ids", required_argument, NULL, (ignored) },             \
        { "pci-ids", required_argument, NULL, (ignored) },             \
        { "plists", required_argument, NULL, (ignored) },              \
        { "via", required_argument, NULL, (ignored) }
