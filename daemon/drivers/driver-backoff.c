/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* driver-backoff.c: see driver-backoff.h. */

#include <errno.h>

#include "driver-backoff.h"

void driver_backoff_init(DriverBackoff *b) {
        *b = (DriverBackoff) {
                .base_usec = DRIVER_BACKOFF_BASE_USEC,
                .max_usec = DRIVER_BACKOFF_MAX_USEC,
                .window_usec = DRIVER_BACKOFF_WINDOW_USEC,
                .limit = DRIVER_BACKOFF_LIMIT,
        };
}

void driver_backoff_reset(DriverBackoff *b) {
        b->n_crashes = 0;
        b->last_crash_usec = 0;
        b->gave_up = false;
}

int driver_backoff_crashed(DriverBackoff *b, uint64_t now_usec, uint64_t *ret_delay_usec) {
        uint64_t delay;

        if (b->gave_up)
                return -ELOOP;
        /* A server that stayed up for a whole window starts counting again. */
        if (b->n_crashes > 0 && now_usec - b->last_crash_usec > b->window_usec)
                b->n_crashes = 0;
        b->n_crashes++;
        b->last_crash_usec = now_usec;
        if (b->limit > 0 && b->n_crashes >= b->limit) {
                b->gave_up = true;
                return -ELOOP;
        }
        delay = b->base_usec;
        for (unsigned i = 1; i < b->n_crashes && delay < b->max_usec; i++)
                delay *= 2;
        *ret_delay_usec = delay < b->max_usec ? delay : b->max_usec;
        return 0;
}
