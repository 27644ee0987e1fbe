/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* udev-source.c: see udev-source.h. */

#include <assert.h>
#include <fcntl.h>
#include <limits.h>
#include <libudev.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "log.h"
#include "udev-record.h"
#include "udev-source.h"
#include "protocol.h"
#include "uevent-screen.h"
#include "utf8.h"

struct UdevSource {
        struct udev *udev;             /* owned */
        struct udev_monitor *monitor;  /* owned */
        sd_event_source *io;           /* owned */
        DeviceTree *tree;              /* borrowed */
        UdevSourceStats stats;
};

/* $IOREG_UDEV_MODE=kernel|udev overrides the check (tests want the same mode on every machine). */
static bool listen_to_kernel(void) {
        const char *mode = getenv(IOREG_UDEV_MODE_ENV);

        if (mode && streq(mode, "kernel"))
                return true;
        if (mode && streq(mode, "udev"))
                return false;
        return access("/run/udev/control", F_OK) < 0;
}

/*
 * Whether a uevent is for a device the coldplug enumeration would list too: below /devices and
 * with a uevent file (libudev's own test). Net queues (queues/rx-0), modules, drivers and buses
 * send uevents as well but are no devices: entries made for them on hotplug would be missing
 * after a coldplug and go at the next resync. A device in the tree always passes: an unplugged
 * device's unbind comes after its folder has gone.
 */
_hot_ static bool is_device_event(UdevSource *s, struct udev_device *dev, DeviceAction action) {
        const char *syspath = udev_device_get_syspath(dev), *devpath = udev_device_get_devpath(dev);
        _cleanup_free_ char *uevent = NULL;

        if (!syspath || action == DEVICE_ACTION_REMOVE || device_tree_find(s->tree, syspath))
                return true;
        if (!devpath || strncmp(devpath, "/devices/", strlen("/devices/")) != 0)
                return false;
        if (asprintf(&uevent, "%s/uevent", syspath) < 0)
                return true; /* out of memory: let the tree decide */
        return access(uevent, F_OK) >= 0;
}

/*
 * The device's parent device is in sysfs (libudev found it) but not in the tree: events were lost
 * or came out of order (a parent's remove before its children's, a child's add before its
 * parent's). The tree cannot place the device where sysfs has it, and the parent's subtree may be
 * incomplete: only a resync can tell (issue 23, K).
 */
_hot_ static bool parent_missing(UdevSource *s, struct udev_device *dev) {
        struct udev_device *parent = udev_device_get_parent(dev); /* borrowed from dev */
        const char *syspath = parent ? udev_device_get_syspath(parent) : NULL;

        return syspath && !device_tree_find(s->tree, syspath);
}

/*
 * Applies one device; logs and swallows its failure. Returns > 0 when the registry changed.
 * In an enumeration (ancestors) the record is kept for the devices below it.
 */
_hot_ static int apply_device(UdevSource *s, struct udev_device *dev, DeviceAction action, UdevAncestors *ancestors) {
        UdevRecord *rec;
        int r;

        rec = udev_record_new(dev, action, !s->stats.kernel_mode, ancestors);
        if (!rec) {
                s->stats.bad_events++;
                log_warning("Out of memory for the event on %s, ignoring.", udev_device_get_syspath(dev) ?: "?");
                return 0;
        }
        r = device_tree_apply(s->tree, udev_record_get(rec));
        if (r < 0) {
                s->stats.bad_events++;
                log_warning_errno(r, "Cannot apply '%s' for %s, ignoring: %m",
                                  device_action_to_string(action) ?: "?", udev_record_get(rec)->syspath ?: "?");
                r = 0;
        } else
                s->stats.events++;
        if (!ancestors)
                udev_record_free(rec);
        else if (udev_ancestors_push(ancestors, rec) < 0)
                log_warning("Out of memory for the records above %s, reading them again.",
                            udev_device_get_syspath(dev) ?: "?");
        return r;
}

static int enumerate_into_tree(UdevSource *s) {
        _cleanup_(udev_ancestors_freep) UdevAncestors *ancestors = udev_ancestors_new(s->udev);
        struct udev_enumerate *e = udev_enumerate_new(s->udev);
        struct udev_list_entry *i;
        int r, changes = 0;

        if (!e || !ancestors) {
                udev_enumerate_unref(e);
                return -ENOMEM;
        }
        r = udev_enumerate_scan_devices(e);
        if (r < 0) {
                udev_enumerate_unref(e);
                return r;
        }
        /* Sorted by syspath: parents come before their children, whose records share theirs. */
        udev_list_entry_foreach(i, udev_enumerate_get_list_entry(e)) {
                struct udev_device *dev = udev_device_new_from_syspath(s->udev, udev_list_entry_get_name(i));

                if (!dev)
                        continue; /* gone since the scan: its remove event follows */
                udev_ancestors_trim(ancestors, udev_device_get_syspath(dev));
                changes += apply_device(s, dev, DEVICE_ACTION_ADD, ancestors);
                udev_device_unref(dev);
        }
        udev_enumerate_unref(e);
        return changes;
}

int udev_source_resync(UdevSource *s, const char *reason) {
        Registry *reg = s->tree->registry;
        unsigned removed;
        int r;

        s->stats.resyncs++;
        (void) entry_adjust_busy(s->tree->platform, +1);
        device_tree_resync_begin(s->tree);
        r = enumerate_into_tree(s);
        removed = device_tree_resync_end(s->tree);
        (void) entry_adjust_busy(s->tree->platform, -1);
        if (r < 0)
                return log_error_errno(r, "Resync (%s) failed: %m", reason);
        log_notice("Resynced from sysfs (%s): %u devices, %u entries terminated, %u entries in the registry.",
                   reason, device_tree_size(s->tree), removed, registry_n_entries(reg));
        return r + (int) removed;
}

_hot_ static int on_monitor_event(sd_event_source *es, int fd, uint32_t revents, void *userdata) {
        UdevSource *s = userdata;
        int r;

        /* Drain what is queued; POLLERR with POLLIN still means "readable" (pyudev#35). */
        for (unsigned n = 0; n < 4096; n++) {
                struct udev_device *dev;
                DeviceAction action;
                uint64_t seqnum;

                /* An impossible field would abort libsystemd: read off and dropped first. */
                r = uevent_screen_socket(fd, &seqnum);
                if (r == -EAGAIN)
                        break;
                if (r == -ENOBUFS) {
                        log_warning("The uevent stream overflowed (ENOBUFS): events were lost.");
                        (void) udev_source_resync(s, "receive buffer overflow");
                        continue;
                }
                if (r > 0) {
                        s->stats.bad_events++;
                        if (seqnum > s->stats.last_seqnum)
                                s->stats.last_seqnum = seqnum; /* refused, not lost: no resync */
                        continue;
                }
                errno = 0;
                dev = udev_monitor_receive_device(s->monitor);
                if (!dev) {
                        if (errno == ENOBUFS) {
                                log_warning("The uevent stream overflowed (ENOBUFS): events were lost.");
                                (void) udev_source_resync(s, "receive buffer overflow");
                                continue;
                        }
                        break; /* EAGAIN: drained; anything else was one bad datagram */
                }
                action = device_action_from_string(udev_device_get_action(dev));
                seqnum = udev_device_get_seqnum(dev);
                if (action < 0) {
                        s->stats.bad_events++;
                        log_warning("Unknown action '%s' for %s, ignoring.", udev_device_get_action(dev) ?: "(null)",
                                    udev_device_get_syspath(dev) ?: "?");
                        udev_device_unref(dev);
                        continue;
                }
                /* The kernel numbers every uevent: a gap means some were lost before they reached us. */
                if (s->stats.kernel_mode && seqnum > 0 && s->stats.last_seqnum > 0 && seqnum > s->stats.last_seqnum + 1) {
                        log_warning("Kernel uevent sequence gap (%llu after %llu): events were lost.",
                                    (unsigned long long) seqnum, (unsigned long long) s->stats.last_seqnum);
                        s->stats.last_seqnum = seqnum;
                        udev_device_unref(dev);
                        (void) udev_source_resync(s, "sequence gap");
                        continue;
                }
                if (seqnum > s->stats.last_seqnum)
                        s->stats.last_seqnum = seqnum;
                if (is_device_event(s, dev, action)) {
                        if (action != DEVICE_ACTION_REMOVE && parent_missing(s, dev))
                                (void) udev_source_resync(s, "an event for a device whose parent the registry lacks");
                        (void) apply_device(s, dev, action, NULL);
                } else
                        s->stats.skipped++;
                udev_device_unref(dev);
        }
        return 0; /* never negative: that would disable the source for good */
}

static int set_receive_buffer(UdevSource *s) {
        int fd = udev_monitor_get_fd(s->monitor), size = UDEV_SOURCE_RCVBUF;
        socklen_t len = sizeof(s->stats.rcvbuf);
        const char *small = getenv("IOREG_UDEV_RCVBUF");

        /* Tests lose events for real with a small buffer ($IOREG_UDEV_RCVBUF bytes, tests/vm). */
        if (small && atoi(small) > 0) {
                size = atoi(small);
                if (setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size)) < 0)
                        log_warning_errno(errno, "Cannot set the uevent receive buffer, ignoring: %m");
                goto done;
        }
        /* SO_RCVBUFFORCE passes rmem_max but needs CAP_NET_ADMIN; else take what SO_RCVBUF gives. */
        if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0 &&
            setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size)) < 0)
                log_warning_errno(errno, "Cannot enlarge the uevent receive buffer, ignoring: %m");
done:
        if (getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &s->stats.rcvbuf, &len) < 0)
                s->stats.rcvbuf = 0;
        return 0;
}

int udev_source_new(sd_event *event, DeviceTree *tree, UdevSource **ret) {
        _cleanup_(udev_source_freep) UdevSource *s = NULL;
        int r;

        assert(ret && event && tree);
        s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        s->tree = tree;
        s->udev = udev_new();
        if (!s->udev)
                return -ENOMEM;
        s->stats.kernel_mode = listen_to_kernel();
        s->monitor = udev_monitor_new_from_netlink(s->udev, s->stats.kernel_mode ? "kernel" : "udev");
        if (!s->monitor)
                return log_error_errno(errno ?: EIO, "Cannot open the uevent monitor: %m");
        (void) set_receive_buffer(s);
        /* Enabled before the coldplug pass, so nothing between the two is lost. */
        r = udev_monitor_enable_receiving(s->monitor);
        if (r < 0)
                return log_error_errno(r, "Cannot listen to uevents: %m");
        r = sd_event_add_io(event, &s->io, udev_monitor_get_fd(s->monitor), EPOLLIN, on_monitor_event, s);
        if (r < 0)
                return log_error_errno(r, "Cannot watch the uevent monitor: %m");
        log_info("Listening to %s uevents (receive buffer %d bytes).",
                 s->stats.kernel_mode ? "kernel" : "udev", s->stats.rcvbuf);

        (void) entry_adjust_busy(tree->platform, +1);
        r = enumerate_into_tree(s);
        (void) entry_adjust_busy(tree->platform, -1);
        if (r < 0)
                return log_error_errno(r, "Coldplug failed: %m");
        log_info("Coldplug: %u devices, %u registry entries.", device_tree_size(tree),
                 registry_n_entries(tree->registry));
        *ret = TAKE_PTR(s);
        return 0;
}

UdevSource *udev_source_free(UdevSource *s) {
        if (!s)
                return NULL;
        sd_event_source_disable_unref(s->io);
        udev_monitor_unref(s->monitor);
        udev_unref(s->udev);
        free(s);
        return NULL;
}

const UdevSourceStats *udev_source_stats(const UdevSource *s) {
        return &s->stats;
}
