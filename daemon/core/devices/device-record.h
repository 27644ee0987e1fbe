/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * device-record.h: one device as the families see it: a plain record of
 * what sysfs (and udev, when it runs) says about a device, with no libudev
 * in sight. The udev source fills records from libudev; tests fill them
 * from tables or from umockdev recordings. Everything past the source
 * depends on this record only.
 *
 * All strings are borrowed and valid while the record lives. Attribute and
 * property lookups go through callbacks so that the source can read sysfs
 * lazily (families ask for a handful of attributes each).
 */
#pragma once

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

typedef enum DeviceAction {
        DEVICE_ACTION_ADD,
        DEVICE_ACTION_REMOVE,
        DEVICE_ACTION_CHANGE,
        DEVICE_ACTION_MOVE,
        DEVICE_ACTION_ONLINE,
        DEVICE_ACTION_OFFLINE,
        DEVICE_ACTION_BIND,
        DEVICE_ACTION_UNBIND,
        _DEVICE_ACTION_MAX,
        _DEVICE_ACTION_INVALID = -EINVAL,
} DeviceAction;

DeviceAction device_action_from_string(const char *s);
const char *device_action_to_string(DeviceAction a);

typedef struct DeviceRecord DeviceRecord;

struct DeviceRecord {
        DeviceAction action;
        const char *syspath;      /* "/sys/devices/pci0000:00/0000:00:14.0/usb1/1-2" */
        const char *devpath;      /* the same without the sysfs mount point: "/devices/..." */
        const char *devpath_old;  /* move only, else NULL */
        const char *sysname;      /* "1-2" */
        const char *subsystem;    /* "usb", or NULL */
        const char *devtype;      /* "usb_device", or NULL */
        const char *driver;       /* bound kernel driver, or NULL */
        const char *devname;      /* "/dev/bus/usb/001/002", or NULL */
        const char *modalias;     /* or NULL */
        uint64_t seqnum;          /* 0 when not from an event */
        unsigned major, minor;    /* 0:0 without a device node */
        /*
         * Borrowed; the sysfs parent, NULL at the top. Read it with device_record_parent(): a
         * source with get_parent fills it on first use only.
         */
        const DeviceRecord *parent;

        /* A sysfs attribute with trailing whitespace stripped, or NULL. */
        const char *(*get_attr)(const DeviceRecord *d, const char *name);
        /* A udev property (ID_VENDOR_ID, ...), or NULL; always NULL without udevd. */
        const char *(*get_property)(const DeviceRecord *d, const char *key);
        /* Calls fn for every udev property (for the Linux dictionary); may be NULL. */
        int (*foreach_property)(const DeviceRecord *d, int (*fn)(const char *key, const char *value, void *ud),
                                void *ud);
        /*
         * Reads up to size bytes of a binary sysfs attribute (report_descriptor, descriptors,
         * config) into buf: the number of bytes read, or a negative errno (-ENOENT when absent).
         * May be NULL: the source has no binary attributes.
         */
        ssize_t (*read_attr_binary)(const DeviceRecord *d, const char *name, void *buf, size_t size);
        /*
         * The parent's record (borrowed, valid while d lives), built when first asked for, so that
         * a device's ancestors are read from sysfs only when a family looks at them. May be NULL:
         * then parent is the parent.
         */
        const DeviceRecord *(*get_parent)(const DeviceRecord *d);
        /*
         * Where the symlink attribute name (firmware_node, of_node, supplier, consumer) points,
         * as an absolute path without "." or ".." ("/sys/devices/LNXSYSTM:00/..."), or NULL when
         * there is no such link. Borrowed, valid while d lives. May be NULL: the source has no
         * links. Unlike get_attr("driver"), which gives the target's last component only.
         */
        const char *(*get_link)(const DeviceRecord *d, const char *name);
        /*
         * The identity of this attachment of the device: the inode of its sysfs directory, which
         * kernfs never hands out twice while the kernel runs (a device unplugged and plugged in
         * again gets a new one; a resync or a restart of the daemon reads the same). 0 when
         * unknown. May be NULL: the source cannot tell.
         */
        uint64_t (*get_node_id)(const DeviceRecord *d);
        /*
         * Whether the device has left sysfs already, or is leaving it: a real kernel sends the
         * unbind of an unplugged device while it removes the device's attributes, and the event is
         * read after they (or the folder) are gone. May be NULL: never.
         */
        bool (*is_gone)(const DeviceRecord *d);
        /*
         * Calls fn for each string the source repaired because it was not UTF-8 (utf8.h), with
         * its raw bytes: name is the attribute's ("product"), "udev:KEY" for a udev property, or
         * the field's ("SYSNAME", "DRIVER", ...). Only those read so far. May be NULL.
         */
        int (*foreach_raw)(const DeviceRecord *d, int (*fn)(const char *name, const void *raw, size_t len, void *ud),
                           void *ud);
        void *userdata;           /* borrowed; the callbacks' */
};

static inline const DeviceRecord *device_record_parent(const DeviceRecord *d) {
        if (!d)
                return NULL;
        return d->get_parent ? d->get_parent(d) : d->parent;
}

static inline const char *device_record_attr(const DeviceRecord *d, const char *name) {
        return d && d->get_attr ? d->get_attr(d, name) : NULL;
}

static inline const char *device_record_property(const DeviceRecord *d, const char *key) {
        return d && d->get_property ? d->get_property(d, key) : NULL;
}

static inline ssize_t device_record_read_attr_binary(const DeviceRecord *d, const char *name, void *buf,
                                                     size_t size) {
        return d && d->read_attr_binary ? d->read_attr_binary(d, name, buf, size) : -ENOENT;
}

static inline bool device_record_is_gone(const DeviceRecord *d) {
        return d && d->is_gone && d->is_gone(d);
}

static inline const char *device_record_link(const DeviceRecord *d, const char *name) {
        return d && d->get_link ? d->get_link(d, name) : NULL;
}

static inline uint64_t device_record_node_id(const DeviceRecord *d) {
        return d && d->get_node_id ? d->get_node_id(d) : 0;
}

/*
 * Resolves the link target (relative or absolute) of a link found in the directory syspath,
 * by text alone: sysfs device directories contain no symlinks, so no lookup is needed and a
 * removed device's links still resolve. *ret is a new string. -EINVAL for a relative syspath.
 */
int device_record_resolve_link(const char *syspath, const char *target, char **ret);

/* The nearest ancestor (or d itself) of the given subsystem and devtype (NULL = any). */
const DeviceRecord *device_record_find_ancestor(const DeviceRecord *d, const char *subsystem,
                                                const char *devtype);
