/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bench-soak-rearm.h: bench-soak's re-arm: libioreg notification ports
 * across a daemon restart, with the device detached while the daemon is
 * down. Every port must reconnect by itself and report the device
 * terminated, then matched when it is attached again.
 */
#pragma once

#include "bench-soak-daemon.h"

/*
 * The daemon is stopped and started again (*pid changes) under n_clients
 * ports of match; returns the ports that re-armed.
 */
int rearm(TestBus *f, UMockdevTestbed *tb, const Subtree *sub, sd_bus *bus, pid_t *pid,
          const char *personalities, const char *match, unsigned n_clients, unsigned *ret_terminated,
          unsigned *ret_matched);
