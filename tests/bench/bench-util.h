/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bench-util.h: what every benchmark shares: the clock, option parsing and
 * the rows of the one table ./bench prints.
 */
#pragma once

#include <stdint.h>

#include "shared/macro.h"

uint64_t bench_now_nsec(void);

/* A decimal number in min..UINT_MAX/2; -EINVAL otherwise. */
int bench_parse_unsigned(const char *s, unsigned min, unsigned *ret);

/* One row: | metric | value | unit | target | verdict |. */
void bench_row(const char *metric, const char *value, const char *unit, const char *target, const char *verdict);

/* printf into one of a few rotating buffers: enough for the arguments of one bench_row(). */
_printf_(1, 2) const char *bench_fmt(const char *format, ...);
