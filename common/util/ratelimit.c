/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* ratelimit.c: see ratelimit.h. */

#include <time.h>

#include "ratelimit.h"

uint64_t ratelimit_now_usec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000 + (uint64_t) ts.tv_nsec / 1000;
}

static void roll(RateLimit *rl, uint64_t now) {
        if (rl->begin == 0 || now - rl->begin >= rl->interval_usec) {
                rl->begin = now;
                rl->n = 0;
        }
}

bool ratelimit_below(RateLimit *rl) {
        roll(rl, ratelimit_now_usec());
        if (rl->n < rl->burst) {
                rl->n++;
                return true;
        }
        rl->suppressed++;
        return false;
}

unsigned ratelimit_take_suppressed(RateLimit *rl) {
        unsigned n = rl->suppressed;

        if (n == 0 || ratelimit_now_usec() - rl->begin < rl->interval_usec)
                return 0;
        rl->suppressed = 0;
        return n;
}
