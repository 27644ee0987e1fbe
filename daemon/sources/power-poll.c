/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* power-poll.c: see power-poll.h. */

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "power-poll.h"
#include "log.h"

struct PowerPoll {
        PowerPlane *plane;      /* borrowed */
        sd_event_source *timer; /* owned, NULL when polling is off */
        uint64_t interval;      /* usec */
};

ssize_t power_poll_read_file(void *userdata, const char *path, char *buf, size_t size) {
        ssize_t n;
        int fd;

        assert(buf && size > 0);
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return -errno;
        /* sysfs gives the whole value from offset 0 in one read. */
        n = read(fd, buf, size - 1);
        if (n < 0)
                n = -errno;
        else
                buf[n] = '\0';
        (void) close(fd);
        return n;
}

static int on_tick(sd_event_source *s, uint64_t usec, void *userdata) {
        PowerPoll *pp = userdata;
        unsigned n;
        int r;

        n = power_plane_poll(pp->plane, power_poll_read_file, NULL);
        if (n > 0)
                log_debug("power: %u runtime PM changes", n);
        r = sd_event_source_set_time_relative(s, pp->interval);
        if (r >= 0)
                r = sd_event_source_set_enabled(s, SD_EVENT_ONESHOT);
        if (r < 0)
                log_warning_errno(r, "Cannot rearm the runtime PM poll, polling stops: %m");
        return 0;
}

int power_poll_new(sd_event *event, PowerPlane *plane, uint64_t interval_usec, PowerPoll **ret) {
        _cleanup_(power_poll_freep) PowerPoll *pp = NULL;
        int r;

        assert(event && plane && ret);
        pp = calloc(1, sizeof(*pp));
        if (!pp)
                return -ENOMEM;
        pp->plane = plane;
        pp->interval = interval_usec;
        if (interval_usec > 0) {
                /* A tenth of the interval as slack: the poll may share a wakeup with other timers. */
                r = sd_event_add_time_relative(event, &pp->timer, CLOCK_MONOTONIC, interval_usec,
                                               interval_usec / 10, on_tick, pp);
                if (r < 0)
                        return r;
                (void) sd_event_source_set_description(pp->timer, "power-poll");
        }
        *ret = TAKE_PTR(pp);
        return 0;
}

PowerPoll *power_poll_free(PowerPoll *pp) {
        if (!pp)
                return NULL;
        sd_event_source_disable_unref(pp->timer);
        free(pp);
        return NULL;
}
