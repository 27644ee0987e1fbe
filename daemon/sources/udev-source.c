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

/* A string that was not UTF-8: its name (attribute, "udev:KEY" or field) and its bytes. */
typedef struct RawString {
        char *name;  /* owned */
        char *bytes; /* owned */
        size_t len;
} RawString;

/* A DeviceRecord over a udev_device, with its ancestors and the attribute copies it hands out. */
typedef struct UdevRecord {
        DeviceRecord record;
        struct udev_device *device;    /* borrowed from the caller, or from the child (parents) */
        char **stripped;               /* owned strv: attribute values with trailing whitespace cut, resolved links */
        unsigned n_stripped, cap_stripped;
        RawString *raw;                /* owned: the strings repaired to UTF-8, as they were */
        unsigned n_raw, cap_raw;
        struct UdevRecord *parent;     /* owned; made by record_get_parent() on first use */
        bool parent_looked_up;         /* parent is what udev_device_get_parent() gave, or NULL */
        bool use_properties;           /* udevd runs: its properties go into the Linux dictionary */
} UdevRecord;

static void udev_record_free(UdevRecord *r) {
        if (!r)
                return;
        udev_record_free(r->parent);
        for (unsigned i = 0; i < r->n_stripped; i++)
                free(r->stripped[i]);
        free(r->stripped);
        for (unsigned i = 0; i < r->n_raw; i++) {
                free(r->raw[i].name);
                free(r->raw[i].bytes);
        }
        free(r->raw);
        free(r);
}

/* Keeps a string the record hands out (stripped attributes, link targets) until the record goes. */
static const char *record_keep(UdevRecord *r, char *s) {
        if (!s)
                return NULL;
        if (GROW(r->stripped, r->cap_stripped, r->n_stripped + 1) < 0) {
                free(s);
                return NULL;
        }
        r->stripped[r->n_stripped++] = s;
        return s;
}

/*
 * v as the bus can carry it: itself when it is UTF-8, else a repaired copy kept by the record,
 * its bytes remembered under name for the Linux dictionary's RawStrings. NULL on ENOMEM.
 */
static const char *record_utf8(UdevRecord *r, const char *name, const char *v, size_t len) {
        RawString *raw;

        if (utf8_is_valid(v, len))
                return v;
        for (unsigned i = 0; i < r->n_raw; i++)
                if (streq(r->raw[i].name, name))
                        goto repair; /* asked for again: remembered once */
        if (GROW(r->raw, r->cap_raw, r->n_raw + 1) < 0)
                return NULL;
        raw = &r->raw[r->n_raw];
        raw->name = strdup(name);
        raw->bytes = malloc(len ? len : 1);
        if (raw->bytes)
                memcpy(raw->bytes, v, len);
        raw->len = len;
        if (!raw->name || !raw->bytes) {
                free(raw->name);
                free(raw->bytes);
                return NULL;
        }
        r->n_raw++;
repair:
        return record_keep(r, utf8_escape_invalid(v, len));
}

static const char *record_get_attr(const DeviceRecord *d, const char *name) {
        UdevRecord *r = d->userdata;
        const char *v = udev_device_get_sysattr_value(r->device, name);
        size_t len, full;

        if (!v)
                return NULL;
        len = full = strlen(v);
        while (len > 0 && (v[len - 1] == '\n' || v[len - 1] == ' ' || v[len - 1] == '\t'))
                len--;
        if (!utf8_is_valid(v, len))
                return record_utf8(r, name, v, len);
        if (len == full)
                return v;
        return record_keep(r, strndup(v, len));
}

static const char *record_udev_utf8(UdevRecord *r, const char *key, const char *v) {
        _cleanup_free_ char *name = NULL;

        if (!v || utf8_is_valid(v, strlen(v)))
                return v;
        if (asprintf(&name, "udev:%s", key) < 0)
                return NULL;
        return record_utf8(r, name, v, strlen(v));
}

static const char *record_get_property(const DeviceRecord *d, const char *key) {
        UdevRecord *r = d->userdata;

        if (!r->use_properties)
                return NULL;
        return record_udev_utf8(r, key, udev_device_get_property_value(r->device, key));
}

static int record_foreach_raw(const DeviceRecord *d, int (*fn)(const char *, const void *, size_t, void *), void *ud) {
        UdevRecord *r = d->userdata;
        int ret;

        for (unsigned i = 0; i < r->n_raw; i++) {
                ret = fn(r->raw[i].name, r->raw[i].bytes, r->raw[i].len, ud);
                if (ret < 0)
                        return ret;
        }
        return 0;
}

/* Only udev's own properties: the kernel's (ACTION, DEVPATH, ...) are already in the record. */
static bool is_udev_property(const char *key) {
        static const char *const kernel_keys[] = {
                "ACTION", "DEVPATH", "SUBSYSTEM", "DEVTYPE", "DRIVER", "DEVNAME", "MODALIAS", "SEQNUM",
                "MAJOR",  "MINOR",   "USEC_INITIALIZED", "DEVPATH_OLD",
        };

        for (size_t i = 0; i < ELEMENTSOF(kernel_keys); i++)
                if (streq(key, kernel_keys[i]))
                        return false;
        return true;
}

static int record_foreach_property(const DeviceRecord *d, int (*fn)(const char *, const char *, void *), void *ud) {
        UdevRecord *r = d->userdata;
        struct udev_list_entry *i;
        int ret;

        if (!r->use_properties)
                return 0;
        udev_list_entry_foreach(i, udev_device_get_properties_list_entry(r->device)) {
                const char *key = udev_list_entry_get_name(i), *value = udev_list_entry_get_value(i);

                if (!key || !value || !is_udev_property(key))
                        continue;
                if (!utf8_is_valid(key, strlen(key))) {
                        log_debug("A udev property of %s has a name that is not UTF-8, ignoring.", d->syspath);
                        continue;
                }
                value = record_udev_utf8(r, key, value);
                if (!value)
                        return -ENOMEM;
                ret = fn(key, value, ud);
                if (ret < 0)
                        return ret;
        }
        return 0;
}

/* Binary attributes (report_descriptor, descriptors, config) are read from sysfs directly. */
static ssize_t record_read_attr_binary(const DeviceRecord *d, const char *name, void *buf, size_t size) {
        _cleanup_free_ char *path = NULL;
        _cleanup_close_ int fd = -EBADF;
        ssize_t n;

        if (strchr(name, '/') || streq(name, "..") || !d->syspath)
                return -EINVAL;
        if (asprintf(&path, "%s/%s", d->syspath, name) < 0)
                return -ENOMEM;
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return -errno;
        n = read(fd, buf, size);
        return n < 0 ? -errno : n;
}

static const char *record_get_link(const DeviceRecord *d, const char *name) {
        UdevRecord *r = d->userdata;
        _cleanup_free_ char *path = NULL;
        char target[PATH_MAX], *resolved;
        ssize_t n;

        if (!d->syspath || strchr(name, '/') || streq(name, ".."))
                return NULL;
        if (asprintf(&path, "%s/%s", d->syspath, name) < 0)
                return NULL;
        n = readlink(path, target, sizeof(target) - 1);
        if (n <= 0)
                return NULL; /* no such link (most devices have no firmware node) */
        target[n] = '\0';
        if (device_record_resolve_link(d->syspath, target, &resolved) < 0)
                return NULL;
        return record_keep(r, resolved);
}

/*
 * Gone, or going: the kernel's device_del() removes the `uevent` file first, then the other
 * attributes, then the folder, and sends the unbind in between. An event read while the
 * attributes vanish would describe the device from half of them.
 */
static bool record_is_gone(const DeviceRecord *d) {
        _cleanup_free_ char *uevent = NULL;

        if (!d->syspath || asprintf(&uevent, "%s/uevent", d->syspath) < 0)
                return false;
        return access(uevent, F_OK) < 0 && errno == ENOENT;
}

static UdevRecord *udev_record_new(struct udev_device *dev, DeviceAction action, bool use_properties);

/* The sysfs directory's inode (kernfs's node ID): asked for by the families that publish it only. */
static uint64_t record_get_node_id(const DeviceRecord *d) {
        struct stat st;

        if (!d->syspath || stat(d->syspath, &st) < 0)
                return 0;
        return (uint64_t) st.st_ino;
}

/*
 * The parent's record, made when a family first asks for it: most devices never need
 * their ancestors, and each one costs libudev a device object and a few sysfs reads.
 */
static const DeviceRecord *record_get_parent(const DeviceRecord *d) {
        UdevRecord *r = d->userdata;
        struct udev_device *parent;

        if (r->parent_looked_up)
                return r->record.parent;
        r->parent_looked_up = true;
        parent = udev_device_get_parent(r->device); /* borrowed from r->device */
        if (!parent)
                return NULL;
        r->parent = udev_record_new(parent, DEVICE_ACTION_ADD, r->use_properties);
        if (!r->parent) {
                log_warning("Out of memory for the parent of %s, describing it without, ignoring.",
                            d->syspath ?: "?");
                return NULL;
        }
        r->record.parent = &r->parent->record;
        return r->record.parent;
}

static UdevRecord *udev_record_new(struct udev_device *dev, DeviceAction action, bool use_properties) {
        UdevRecord *r = calloc(1, sizeof(*r));
        dev_t devnum;

        if (!r)
                return NULL;
        r->device = dev;
        r->use_properties = use_properties;
        devnum = udev_device_get_devnum(dev);
        r->record = (DeviceRecord) {
                .action = action,
                .syspath = udev_device_get_syspath(dev),
                .devpath = udev_device_get_devpath(dev),
                .devpath_old = udev_device_get_property_value(dev, "DEVPATH_OLD"),
                .sysname = udev_device_get_sysname(dev),
                .subsystem = udev_device_get_subsystem(dev),
                .devtype = udev_device_get_devtype(dev),
                .driver = udev_device_get_driver(dev),
                .devname = udev_device_get_devnode(dev),
                .modalias = udev_device_get_property_value(dev, "MODALIAS"),
                .seqnum = udev_device_get_seqnum(dev),
                .major = major(devnum),
                .minor = minor(devnum),
                .get_attr = record_get_attr,
                .get_property = record_get_property,
                .foreach_property = record_foreach_property,
                .read_attr_binary = record_read_attr_binary,
                .get_parent = record_get_parent,
                .get_link = record_get_link,
                .get_node_id = record_get_node_id,
                .is_gone = record_is_gone,
                .foreach_raw = record_foreach_raw,
                .userdata = r,
        };
        /* The names families show (the path fields stay raw: they are how sysfs is read). */
        struct {
                const char **field;
                const char *name;
        } shown[] = {
                { &r->record.sysname, "SYSNAME" },     { &r->record.subsystem, "SUBSYSTEM" },
                { &r->record.devtype, "DEVTYPE" },     { &r->record.driver, "DRIVER" },
                { &r->record.devname, "DEVNAME" },
        };
        for (size_t i = 0; i < ELEMENTSOF(shown); i++) {
                const char *v = *shown[i].field;

                if (!v)
                        continue;
                *shown[i].field = record_utf8(r, shown[i].name, v, strlen(v));
                if (!*shown[i].field) {
                        udev_record_free(r);
                        return NULL;
                }
        }
        /* A removed device has left sysfs: its record needs the syspath only. */
        if (!r->record.modalias && action != DEVICE_ACTION_REMOVE)
                r->record.modalias = udev_device_get_sysattr_value(dev, "modalias");
        if (r->record.modalias) {
                r->record.modalias = record_utf8(r, "MODALIAS", r->record.modalias, strlen(r->record.modalias));
                if (!r->record.modalias) {
                        udev_record_free(r);
                        return NULL;
                }
        }
        return r;
}

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
static bool is_device_event(UdevSource *s, struct udev_device *dev, DeviceAction action) {
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
static bool parent_missing(UdevSource *s, struct udev_device *dev) {
        struct udev_device *parent = udev_device_get_parent(dev); /* borrowed from dev */
        const char *syspath = parent ? udev_device_get_syspath(parent) : NULL;

        return syspath && !device_tree_find(s->tree, syspath);
}

/* Applies one device; logs and swallows its failure. Returns > 0 when the registry changed. */
static int apply_device(UdevSource *s, struct udev_device *dev, DeviceAction action) {
        UdevRecord *rec;
        int r;

        rec = udev_record_new(dev, action, !s->stats.kernel_mode);
        if (!rec) {
                s->stats.bad_events++;
                log_warning("Out of memory for the event on %s, ignoring.", udev_device_get_syspath(dev) ?: "?");
                return 0;
        }
        r = device_tree_apply(s->tree, &rec->record);
        if (r < 0) {
                s->stats.bad_events++;
                log_warning_errno(r, "Cannot apply '%s' for %s, ignoring: %m",
                                  device_action_to_string(action) ?: "?", rec->record.syspath ?: "?");
                r = 0;
        } else
                s->stats.events++;
        udev_record_free(rec);
        return r;
}

static int enumerate_into_tree(UdevSource *s) {
        struct udev_enumerate *e = udev_enumerate_new(s->udev);
        struct udev_list_entry *i;
        int r, changes = 0;

        if (!e)
                return -ENOMEM;
        r = udev_enumerate_scan_devices(e);
        if (r < 0) {
                udev_enumerate_unref(e);
                return r;
        }
        /* Sorted by syspath: parents come before their children. */
        udev_list_entry_foreach(i, udev_enumerate_get_list_entry(e)) {
                struct udev_device *dev = udev_device_new_from_syspath(s->udev, udev_list_entry_get_name(i));

                if (!dev)
                        continue; /* gone since the scan: its remove event follows */
                changes += apply_device(s, dev, DEVICE_ACTION_ADD);
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

static int on_monitor_event(sd_event_source *es, int fd, uint32_t revents, void *userdata) {
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
                        (void) apply_device(s, dev, action);
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
