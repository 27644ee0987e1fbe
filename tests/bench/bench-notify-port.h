/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bench-notify-port.h: a subscriber's notification port (issue 21), as the
 * contract gives it: OpenPort over the subscriber's bus connection returns
 * one end of a socketpair, on which ioregd is the D-Bus server; the client
 * speaks D-Bus to it with ANONYMOUS authentication and calls the same
 * org.ioreg.Notifications1 methods there, destination NULL.
 */
#pragma once

#include <systemd/sd-bus.h>

/*
 * Opens bus's port and starts a connection on it (not attached to any event loop). *ret is the
 * caller's (sd_bus_flush_close_unref()). 0 or negative errno; OpenPort's error is printed.
 */
int bench_port_open(sd_bus *bus, sd_bus **ret);

/* ioregd's Ports property (ports open now), read over bus. 0 or negative errno. */
int bench_port_count(sd_bus *bus, unsigned *ret);
