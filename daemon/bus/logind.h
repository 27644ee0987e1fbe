/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * logind.h: ioregd as a client of systemd-logind (org.freedesktop.login1)
 * for system sleep: a "delay" inhibitor for "sleep" (Manager.Inhibit,
 * which returns a file descriptor; logind waits for it to be closed, or
 * for InhibitDelayMaxSec, before it suspends) and the PrepareForSleep(b)
 * signal (true before sleep, false after resume).
 *
 * Without logind on the bus, or when Inhibit fails, the daemon logs once
 * and goes on without the inhibitor; when org.freedesktop.login1 appears
 * later (NameOwnerChanged), it takes one then. Nothing is retried on a
 * timer: no busy loop. Pure client: no policy; bus-system-power.c decides
 * when to take and release.
 */
#pragma once

#include <stdbool.h>
#include <systemd/sd-bus.h>

#include "macro.h"

#define LOGIND_BUS_NAME "org.freedesktop.login1"
#define LOGIND_OBJECT_PATH "/org/freedesktop/login1"
#define LOGIND_MANAGER_INTERFACE "org.freedesktop.login1.Manager"

typedef struct Logind Logind;

/* PrepareForSleep(start): start is true before the system sleeps, false once it has resumed. */
typedef void (*LogindPrepareForSleep)(void *userdata, bool start);

/*
 * Watches logind on bus (borrowed; attached to an event loop; must outlive
 * the Logind) and takes the first inhibitor, asynchronously.
 */
int logind_new(sd_bus *bus, LogindPrepareForSleep on_prepare, void *userdata, Logind **ret);
Logind *logind_free(Logind *l);
DEFINE_TRIVIAL_CLEANUP_FUNC(Logind *, logind_free);

/* Asks for a delay inhibitor unless one is held or asked for. 0, or a negative errno. */
int logind_take_inhibitor(Logind *l);
/* Closes the inhibitor: logind may go on. Returns true when one was held. */
bool logind_release_inhibitor(Logind *l);
bool logind_holds_inhibitor(const Logind *l);
