/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bench-soak-daemon.h: what bench-soak cycles and watches: the device's
 * subtree of a umockdev recording, detached from and attached to the
 * testbed; ioregd spawned on the private bus (under valgrind for the leak
 * check), waited on until quiet, and its RSS, fds and children read from
 * /proc.
 */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include <systemd/sd-bus.h>
#include <umockdev.h>

#include "test-bus.h"

/* The longest a wait of the soak may take. */
#define WAIT_USEC (30ull * 1000 * 1000)

typedef struct Subtree {
        char *text;          /* owned: the subtree's records, in the recording's order (children first) */
        char **syspaths;     /* owned: /sys/devices/..., in the same order */
        unsigned n;
} Subtree;

typedef struct Usage {
        unsigned long rss_kib;
        unsigned fds;
        unsigned children;
} Usage;

void subtree_done(Subtree *s);
/* A record starts at "P: " and runs to the blank line; it belongs when its path is device or below it. */
int subtree_load(Subtree *s, const char *file, const char *device);
/* ioregd on f's bus with --personalities, under valgrind (logging to valgrind_log) when asked. */
int spawn_ioregd(const TestBus *f, const char *personalities, bool valgrind, const char *valgrind_log,
                 pid_t *ret);
/* WaitQuiet answered; -ECHILD when the daemon died, -ETIMEDOUT after a minute. */
int wait_quiet(sd_bus *bus, pid_t pid);
int usage_read(pid_t pid, Usage *u);
/* The subtree removed, children first, with a "remove" uevent each. */
int detach(UMockdevTestbed *tb, const Subtree *s);
/* The subtree added back from its text (umockdev sends "add" uevents, parents first). */
int attach(UMockdevTestbed *tb, const Subtree *s);
