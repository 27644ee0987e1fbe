/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ioreg-monitor.h: ioreg --monitor, the registry's events as they happen,
 * like udevadm monitor: services published, matched and terminated (matching
 * notifications on a libioreg port, matching every service) and Root's busy
 * interest (quiet/busy). Entries that existed when the monitor started are
 * not replayed. One line per event, or one JSON object per line with json.
 */
#pragma once

#include <stdbool.h>

/* Runs until max_events were printed (0: no limit) or a signal ends the process. */
int ioreg_monitor(bool json, unsigned max_events);
