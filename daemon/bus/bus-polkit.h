/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bus-polkit.h: may the sender of a method call do a privileged action?
 * After systemd's bus_verify_polkit_async(): root may, without asking;
 * anyone else is decided by polkit's
 * org.freedesktop.PolicyKit1.Authority.CheckAuthorization with the caller's
 * bus name as the subject ("system-bus-name", not a PID: no PID-reuse
 * race). The check is asynchronous: the daemon answers other calls while
 * polkit thinks (it may ask the user for a password).
 *
 * Use, first thing in a method handler, before reading any argument:
 *
 *         r = bus_polkit_check(call, "org.ioreg.some-action", &m->polkit, error);
 *         if (r < 0)
 *                 return r;     // denied: error is org.ioreg.Error.AccessDenied
 *         if (r == 0)
 *                 return 1;     // asked polkit; the call comes back when it answers
 *         ... authorised: read the arguments and do it ...
 *
 * When polkit answers, the call is dispatched again (sd_bus_enqueue_for_read)
 * and the same handler runs a second time; then bus_polkit_check() returns
 * the answer (1, or AccessDenied) without asking again. When polkit is not
 * on the bus (or fails), callers other than root are denied.
 */
#pragma once

#include <stdbool.h>
#include <systemd/sd-bus.h>

typedef struct BusPolkit BusPolkit;

/* Bounds on questions in flight, so a client cannot grow the daemon by asking. */
#define BUS_POLKIT_MAX_PENDING 1024          /* all callers together */
#define BUS_POLKIT_MAX_PENDING_PER_SENDER 16 /* one caller; beyond: LimitsExceeded */

/*
 * 1: allowed, go on. 0: polkit was asked, return 1 from the handler and let
 * the call come back. <0: refused, error set (AccessDenied; LimitsExceeded
 * when the caller has too many questions in flight). *registry holds the
 * questions in flight; created on first use, freed with bus_polkit_free().
 */
int bus_polkit_check(sd_bus_message *call, const char *action, BusPolkit **registry, sd_bus_error *error);

/* Frees the registry and forgets the questions in flight (their calls get no answer). NULL-safe. */
BusPolkit *bus_polkit_free(BusPolkit *registry);
