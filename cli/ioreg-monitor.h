/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ioreg-monitor.h: ioreg --monitor, the registry's events as they happen,
 * like udevadm monitor: services published, matched and terminated (matching
 * notifications on a libioreg port) and Root's busy interest (quiet/busy).
 * Entries that existed when the monitor started are not replayed.
 *
 * Each event has a time stamp (when the monitor received it), a sequence
 * number counting up across the whole stream from 1, and the device node,
 * vendor:product, kernel driver and PCI address where the entry has them
 * (linux-facts.h). -c selects by class in the daemon (the subscriptions'
 * IOProviderClass, so terminated entries are judged the same way), -k and
 * -n on the event's properties and name; busy/quiet lines only without
 * them. -l adds the properties. One line per event, or one JSON object per
 * line with -j (docs/ioreg-json.md, "The monitor").
 *
 * Order: the notifications of one dispatch arrive on separate iterators; the
 * monitor prints them in arrival order, except that an entry's events keep
 * their natural order (published, matched, terminated) and stay together.
 */
#pragma once

#include <stdbool.h>

#include "ioreg-print.h"

/* Runs until max_events were printed (0: no limit) or a signal ends the process. o is borrowed. */
int ioreg_monitor(bool json, unsigned max_events, const IoregPrintOptions *o);
