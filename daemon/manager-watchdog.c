/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * manager-watchdog.c: manager_watchdog_start() (manager.h). A loop that
 * runs says little: a daemon whose bus stopped reading it, or that lost the
 * bus without noticing, still loops. So each third of $WATCHDOG_USEC the
 * daemon asks the bus driver for its ID (org.freedesktop.DBus.GetId, which
 * every policy allows) and sends WATCHDOG=1 when the answer comes: the
 * answer proves the loop runs, the daemon's messages get out, and the bus
 * reads and answers them. A question still open at the next tick is not
 * asked again (and no WATCHDOG=1 is sent until it is answered).
 */

#include <errno.h>
#include <systemd/sd-daemon.h>

#include "manager.h"
#include "log.h"

static int on_answer(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        Manager *m = userdata;

        m->watchdog_ask = sd_bus_slot_unref(m->watchdog_ask);
        if (sd_bus_message_is_method_error(reply, NULL)) {
                log_warning("The bus did not answer the watchdog's question (%s), not feeding the watchdog.",
                            sd_bus_message_get_error(reply)->name);
                return 0;
        }
        (void) sd_notify(false, "WATCHDOG=1");
        return 0;
}

static int on_tick(sd_event_source *s, uint64_t usec, void *userdata) {
        Manager *m = userdata;
        uint64_t interval;
        int r;

        if (!m->watchdog_ask) {
                r = sd_bus_call_method_async(m->bus, &m->watchdog_ask, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                             "org.freedesktop.DBus", "GetId", on_answer, m, NULL);
                if (r < 0)
                        log_warning_errno(r, "Cannot ask the bus for the watchdog, ignoring: %m");
        } else
                log_warning("The bus has not answered the watchdog's last question; not feeding the watchdog.");
        r = sd_watchdog_enabled(false, &interval);
        if (r <= 0)
                return 0;
        r = sd_event_source_set_time_relative(s, interval / 3);
        if (r >= 0)
                r = sd_event_source_set_enabled(s, SD_EVENT_ONESHOT);
        if (r < 0)
                log_warning_errno(r, "Cannot re-arm the watchdog, ignoring: %m");
        return 0;
}

int manager_watchdog_start(Manager *m) {
        uint64_t interval;
        int r;

        r = sd_watchdog_enabled(false, &interval);
        if (r <= 0)
                return r;
        if (!m->bus)
                return -ENOTCONN;
        return sd_event_add_time_relative(m->event, &m->watchdog, CLOCK_MONOTONIC, interval / 3, 0, on_tick, m);
}

void manager_watchdog_stop(Manager *m) {
        m->watchdog = sd_event_source_disable_unref(m->watchdog);
        m->watchdog_ask = sd_bus_slot_unref(m->watchdog_ask);
}
