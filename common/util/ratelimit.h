/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ratelimit.h: at most burst events per interval, after systemd's
 * RateLimit: a flood of the same log line (refused check-ins, a driver
 * server's output) costs the log a few lines and a count, not one line per
 * event. The clock is CLOCK_MONOTONIC.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

typedef struct RateLimit {
        uint64_t interval_usec;
        unsigned burst;
        uint64_t begin;      /* start of the current interval, 0 before the first event */
        unsigned n;          /* events in it */
        unsigned suppressed; /* events refused since the last ratelimit_take_suppressed() */
} RateLimit;

#define RATELIMIT_INIT(interval, b) ((RateLimit) { .interval_usec = (interval), .burst = (b) })

uint64_t ratelimit_now_usec(void);

/* Counts one event: true when it is within the burst of its interval, false (and counted as suppressed) when not. */
bool ratelimit_below(RateLimit *rl);

/*
 * Events refused so far, once a new interval has begun (0 before that, and 0 when none were): the
 * caller logs "N more suppressed" once. Resets the count it returns.
 */
unsigned ratelimit_take_suppressed(RateLimit *rl);
