/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * driver-backoff.h: when to restart a driver server that crashed, and when
 * to stop trying. Pure: plain numbers in, a decision out (the host passes
 * the clock), so the policy is tested with tables.
 *
 * Each crash doubles the delay before the server's nubs are matched again
 * (base, 2·base, 4·base, ... up to max). Crashes are counted in a sliding
 * window: the count restarts when the previous crash is older than window.
 * The crash that makes the count reach limit is a crash loop: the host
 * gives up on the server (its nubs show it, the log says it) until the
 * catalogue is reloaded.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#define DRIVER_BACKOFF_BASE_USEC UINT64_C(100000)      /* 100 ms */
#define DRIVER_BACKOFF_MAX_USEC UINT64_C(10000000)     /* 10 s */
#define DRIVER_BACKOFF_WINDOW_USEC UINT64_C(60000000)  /* 1 min */
#define DRIVER_BACKOFF_LIMIT 5u

typedef struct DriverBackoff {
        uint64_t base_usec, max_usec, window_usec;
        unsigned limit;
        unsigned n_crashes;      /* in the current window */
        uint64_t last_crash_usec;
        bool gave_up;            /* a crash loop: no more restarts */
} DriverBackoff;

/* The defaults above. */
void driver_backoff_init(DriverBackoff *b);

/*
 * Records a crash at now_usec (monotonic). Returns 0 with *ret_delay_usec
 * set (restart after that long), or -ELOOP once the limit is reached (and
 * every time after).
 */
int driver_backoff_crashed(DriverBackoff *b, uint64_t now_usec, uint64_t *ret_delay_usec);

/* Forgets the crashes (the catalogue was reloaded). */
void driver_backoff_reset(DriverBackoff *b);
