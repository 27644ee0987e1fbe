/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ioreg-monitor.h: ioreg --monitor, the registry's events as they happen,
 * like udevadm monitor: services published, matched and terminated
 * (org.ioreg.Notifications1 subscriptions with an empty matching dictionary,
 * so every service) and Root's busy interest (quiet/busy). Entries that
 * existed when the monitor started are not replayed. One line per event,
 * or one JSON object per line with json.
 */
#pragma once

#include <stdbool.h>
#include <systemd/sd-bus.h>

/* Runs until the daemon leaves the bus or a signal ends the process; max_events 0 = no limit. */
int ioreg_monitor(sd_bus *bus, bool json, unsigned max_events);
