/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * power-poll.h: runs power_plane_poll() on an sd-event timer. Runtime PM
 * transitions send no uevent, so the plane would otherwise show each
 * device's state at its last event. Each tick reads power/runtime_status of
 * every member with runtime PM enabled: one open/read/close of a small
 * file each, nothing allocated when it is unchanged.
 */
#pragma once

#include <systemd/sd-event.h>

#include "power-plane.h"

#define POWER_POLL_DEFAULT_USEC (1000 * 1000ULL) /* 1 s */

typedef struct PowerPoll PowerPoll;

/* Polls plane (borrowed, must outlive the poller) every interval_usec; 0 polls never. */
int power_poll_new(sd_event *event, PowerPlane *plane, uint64_t interval_usec, PowerPoll **ret);
PowerPoll *power_poll_free(PowerPoll *pp);
DEFINE_TRIVIAL_CLEANUP_FUNC(PowerPoll *, power_poll_free);

/* The reader power_poll uses: open, read, close. Returns the length read or a negative errno. */
ssize_t power_poll_read_file(void *userdata, const char *path, char *buf, size_t size);
