/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * udev-source.h: the registry's feed. libudev enumerates sysfs at start
 * (coldplug) and a monitor, enabled before that, delivers hotplug events.
 * Without udevd (/run/udev/control absent) the monitor listens to the
 * kernel's uevents and everything comes from sysfs; with udevd it listens to
 * udev's events, whose properties are added on top. $IOREG_UDEV_MODE
 * (kernel or udev) overrides that choice; $IOREG_UDEV_RCVBUF (bytes) sets a
 * small receive buffer instead of the large one, so that tests lose events.
 *
 * Only devices are applied, what the enumeration lists: uevents of other
 * kobjects (net queues, modules, drivers, buses) are skipped, so that
 * coldplug and hotplug give the same entries.
 * Every event becomes a DeviceRecord for the device tree; nothing past this
 * file sees libudev. A lost event stream (ENOBUFS, or a gap in the kernel's
 * sequence numbers) triggers a resync from sysfs. One bad event is logged
 * and dropped: the handler never returns an error to sd-event.
 */
#pragma once

#include <systemd/sd-event.h>

#include "device-tree.h"

typedef struct UdevSource UdevSource;

#define UDEV_SOURCE_RCVBUF (128 * 1024 * 1024)

typedef struct UdevSourceStats {
        uint64_t events;       /* events applied */
        uint64_t bad_events;   /* events dropped with a log line */
        uint64_t skipped;      /* uevents of kobjects that are no devices (net queues, modules, drivers) */
        uint64_t resyncs;
        uint64_t last_seqnum;
        int rcvbuf;            /* receive buffer the socket got, in bytes */
        bool kernel_mode;      /* listening to the kernel, not udevd */
} UdevSourceStats;

/*
 * Creates the source: monitor first, then the coldplug pass into tree.
 * The tree is borrowed and must outlive the source.
 */
int udev_source_new(sd_event *event, DeviceTree *tree, UdevSource **ret);
UdevSource *udev_source_free(UdevSource *s);
DEFINE_TRIVIAL_CLEANUP_FUNC(UdevSource *, udev_source_free);

/* Re-enumerates sysfs and reconciles the tree with it. Returns the number of changes. */
int udev_source_resync(UdevSource *s, const char *reason);
const UdevSourceStats *udev_source_stats(const UdevSource *s);
