/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* udev-record.c: see udev-record.h. */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "log.h"
#include "udev-record.h"
#include "utf8.h"

/* A string that was not UTF-8: its name (attribute, "udev:KEY" or field) and its bytes. */
typedef struct RawString {
        char *name;  /* owned */
        char *bytes; /* owned */
        size_t len;
} RawString;

/* A DeviceRecord over a udev_device, with its ancestors and the attribute copies it hands out. */
struct UdevRecord {
        DeviceRecord record;
        struct udev_device *device;    /* borrowed from the caller, or from the child (parents) */
        char **stripped;               /* owned strv: attribute values with trailing whitespace cut, resolved links */
        unsigned n_stripped, cap_stripped;
        RawString *raw;                /* owned: the strings repaired to UTF-8, as they were */
        unsigned n_raw, cap_raw;
        struct UdevRecord *parent;     /* made by record_get_parent() on first use; owned unless parent_borrowed */
        UdevAncestors *ancestors;      /* borrowed: the enumeration's, or NULL */
        bool parent_looked_up;         /* parent is what udev_device_get_parent() gave, or NULL */
        bool parent_borrowed;          /* parent belongs to the ancestors */
        bool owns_device;              /* a reference to device is ours (kept by the ancestors) */
        bool use_properties;           /* udevd runs: its properties go into the Linux dictionary */
        int dir_fd;                    /* owned: the device's sysfs folder (O_PATH), -1 until first read */
        char **attr_names;             /* owned strv: attributes read from dir_fd, hits and misses */
        const char **attr_values;      /* into stripped (kept), NULL for none */
        unsigned n_attrs, cap_attrs, cap_attr_values;
};

struct UdevAncestors {
        struct udev *udev;   /* borrowed */
        UdevRecord **items;  /* owned, outermost first: each one's syspath a prefix of the next */
        unsigned n, cap;
};

_hot_ UdevRecord *udev_record_free(UdevRecord *r) {
        if (!r)
                return NULL;
        if (!r->parent_borrowed)
                udev_record_free(r->parent);
        if (r->owns_device)
                udev_device_unref(r->device);
        if (r->dir_fd >= 0)
                close(r->dir_fd);
        for (unsigned i = 0; i < r->n_attrs; i++)
                free(r->attr_names[i]);
        free(r->attr_names);
        free(r->attr_values);
        for (unsigned i = 0; i < r->n_stripped; i++)
                free(r->stripped[i]);
        free(r->stripped);
        for (unsigned i = 0; i < r->n_raw; i++) {
                free(r->raw[i].name);
                free(r->raw[i].bytes);
        }
        free(r->raw);
        free(r);
        return NULL;
}

/* Keeps a string the record hands out (stripped attributes, link targets) until the record goes. */
_hot_ static const char *record_keep(UdevRecord *r, char *s) {
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
_hot_ static const char *record_utf8(UdevRecord *r, const char *name, const char *v, size_t len) {
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

/* A text attribute is one page at most; more is a binary one, left to libudev. */
#define ATTR_READ_MAX 16384u

/*
 * name's value read from the device's folder: openat() on a descriptor of it and one read, where
 * libudev first stats the attribute's whole path and opens it from the root (every device has a
 * dozen attributes read: coldplug's system calls, issue 21). Misses are remembered as libudev
 * remembers them. 1 and the value (NULL: none) in *ret; 0 when libudev must read it (a symbolic
 * link, whose value libudev gives as its target's name; a larger file; a name with "..").
 */
_hot_ static int record_read_attr_direct(UdevRecord *r, const char *name, const char **ret) {
        _cleanup_close_ int fd = -EBADF;
        _cleanup_free_ char *buf = NULL;
        size_t have = 0;
        const char *v = NULL;

        for (unsigned i = 0; i < r->n_attrs; i++)
                if (streq(r->attr_names[i], name)) {
                        *ret = r->attr_values[i];
                        return 1;
                }
        if (!r->record.syspath || strstr(name, "..") || name[0] == '/')
                return 0;
        if (r->dir_fd < 0) {
                r->dir_fd = open(r->record.syspath, O_PATH | O_DIRECTORY | O_CLOEXEC);
                if (r->dir_fd < 0)
                        return 0;
        }
        fd = openat(r->dir_fd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW);
        if (fd < 0 && errno == ELOOP)
                return 0;
        if (fd >= 0) {
                ssize_t n;

                buf = malloc(ATTR_READ_MAX + 1);
                if (!buf)
                        return 0;
                while (have < ATTR_READ_MAX && (n = read(fd, buf + have, ATTR_READ_MAX - have)) > 0)
                        have += (size_t) n;
                if (have == ATTR_READ_MAX)
                        return 0;
                /* A read error (no show method, a device that fails) is no value, as for libudev. */
                if (n == 0) {
                        buf[have] = '\0';
                        v = record_keep(r, TAKE_PTR(buf));
                        if (!v)
                                return 0;
                }
        }
        if (GROW(r->attr_names, r->cap_attrs, r->n_attrs + 1) < 0 ||
            GROW(r->attr_values, r->cap_attr_values, r->n_attrs + 1) < 0)
                return 0;
        r->attr_names[r->n_attrs] = strdup(name);
        if (!r->attr_names[r->n_attrs])
                return 0;
        r->attr_values[r->n_attrs++] = v;
        *ret = v;
        return 1;
}

_hot_ static const char *record_get_attr(const DeviceRecord *d, const char *name) {
        UdevRecord *r = d->userdata;
        const char *v;
        size_t len, full;

        if (record_read_attr_direct(r, name, &v) <= 0)
                v = udev_device_get_sysattr_value(r->device, name);
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

_hot_ static const char *record_udev_utf8(UdevRecord *r, const char *key, const char *v) {
        _cleanup_free_ char *name = NULL;

        if (!v || utf8_is_valid(v, strlen(v)))
                return v;
        if (asprintf(&name, "udev:%s", key) < 0)
                return NULL;
        return record_utf8(r, name, v, strlen(v));
}

_hot_ static const char *record_get_property(const DeviceRecord *d, const char *key) {
        UdevRecord *r = d->userdata;

        if (!r->use_properties)
                return NULL;
        return record_udev_utf8(r, key, udev_device_get_property_value(r->device, key));
}

_hot_ static int record_foreach_raw(const DeviceRecord *d, int (*fn)(const char *, const void *, size_t, void *),
                                    void *ud) {
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
_hot_ static bool is_udev_property(const char *key) {
        static const char *const kernel_keys[] = {
                "ACTION", "DEVPATH", "SUBSYSTEM", "DEVTYPE", "DRIVER", "DEVNAME", "MODALIAS", "SEQNUM",
                "MAJOR",  "MINOR",   "USEC_INITIALIZED", "DEVPATH_OLD",
        };

        for (size_t i = 0; i < ELEMENTSOF(kernel_keys); i++)
                if (streq(key, kernel_keys[i]))
                        return false;
        return true;
}

_hot_ static int record_foreach_property(const DeviceRecord *d, int (*fn)(const char *, const char *, void *),
                                         void *ud) {
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
_hot_ static ssize_t record_read_attr_binary(const DeviceRecord *d, const char *name, void *buf, size_t size) {
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

_hot_ static const char *record_get_link(const DeviceRecord *d, const char *name) {
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
_hot_ static bool record_is_gone(const DeviceRecord *d) {
        _cleanup_free_ char *uevent = NULL;

        if (!d->syspath || asprintf(&uevent, "%s/uevent", d->syspath) < 0)
                return false;
        return access(uevent, F_OK) < 0 && errno == ENOENT;
}

/* The sysfs directory's inode (kernfs's node ID): asked for by the families that publish it only. */
_hot_ static uint64_t record_get_node_id(const DeviceRecord *d) {
        struct stat st;

        if (!d->syspath || stat(d->syspath, &st) < 0)
                return 0;
        return (uint64_t) st.st_ino;
}

static UdevRecord *ancestors_parent_of(UdevAncestors *a, const UdevRecord *child);

/*
 * The parent's record, made when a family first asks for it: most devices never need
 * their ancestors, and each one costs libudev a device object and a few sysfs reads.
 */
_hot_ static const DeviceRecord *record_get_parent(const DeviceRecord *d) {
        UdevRecord *r = d->userdata;
        struct udev_device *parent;

        if (r->parent_looked_up)
                return r->record.parent;
        r->parent_looked_up = true;
        if (r->ancestors) {
                r->parent = ancestors_parent_of(r->ancestors, r);
                r->parent_borrowed = true;
                r->record.parent = r->parent ? &r->parent->record : NULL;
                return r->record.parent;
        }
        parent = udev_device_get_parent(r->device); /* borrowed from r->device */
        if (!parent)
                return NULL;
        r->parent = udev_record_new(parent, DEVICE_ACTION_ADD, r->use_properties, NULL);
        if (!r->parent) {
                log_warning("Out of memory for the parent of %s, describing it without, ignoring.",
                            d->syspath ?: "?");
                return NULL;
        }
        r->record.parent = &r->parent->record;
        return r->record.parent;
}

/* DEVPATH_OLD and MODALIAS in one walk: each property lookup retries reading udev's database when a
 * device has none (every device, without udevd). */
_hot_ static void read_properties(struct udev_device *dev, const char **ret_devpath_old, const char **ret_modalias) {
        struct udev_list_entry *i;

        *ret_devpath_old = *ret_modalias = NULL;
        udev_list_entry_foreach(i, udev_device_get_properties_list_entry(dev)) {
                const char *key = udev_list_entry_get_name(i);

                if (streq_ptr(key, "DEVPATH_OLD"))
                        *ret_devpath_old = udev_list_entry_get_value(i);
                else if (streq_ptr(key, "MODALIAS"))
                        *ret_modalias = udev_list_entry_get_value(i);
        }
}

_hot_ UdevRecord *udev_record_new(struct udev_device *dev, DeviceAction action, bool use_properties,
                                  UdevAncestors *ancestors) {
        UdevRecord *r = calloc(1, sizeof(*r));
        const char *devpath_old, *modalias;
        dev_t devnum;

        if (!r)
                return NULL;
        r->device = dev;
        r->dir_fd = -1;
        r->use_properties = use_properties;
        r->ancestors = ancestors;
        devnum = udev_device_get_devnum(dev);
        read_properties(dev, &devpath_old, &modalias);
        r->record = (DeviceRecord) {
                .action = action,
                .syspath = udev_device_get_syspath(dev),
                .devpath = udev_device_get_devpath(dev),
                .devpath_old = devpath_old,
                .sysname = udev_device_get_sysname(dev),
                .subsystem = udev_device_get_subsystem(dev),
                .devtype = udev_device_get_devtype(dev),
                .driver = udev_device_get_driver(dev),
                .devname = udev_device_get_devnode(dev),
                .modalias = modalias,
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


_hot_ const DeviceRecord *udev_record_get(const UdevRecord *r) {
        return &r->record;
}

/* ------------------------------------------------------------------------- */

UdevAncestors *udev_ancestors_new(struct udev *udev) {
        UdevAncestors *a = calloc(1, sizeof(*a));

        if (a)
                a->udev = udev;
        return a;
}

UdevAncestors *udev_ancestors_free(UdevAncestors *a) {
        if (!a)
                return NULL;
        while (a->n > 0)
                udev_record_free(a->items[--a->n]);
        free(a->items);
        free(a);
        return NULL;
}

/* Whether dir is a directory above path (a proper prefix ending at a '/'). */
static bool is_above(const char *dir, const char *path) {
        size_t n = strlen(dir);

        return strncmp(dir, path, n) == 0 && path[n] == '/';
}

void udev_ancestors_trim(UdevAncestors *a, const char *syspath) {
        while (a->n > 0 && !(syspath && is_above(a->items[a->n - 1]->record.syspath, syspath)))
                udev_record_free(a->items[--a->n]);
}

/* Inserts r where its syspath's depth puts it: every record before it is above it. */
static int ancestors_insert(UdevAncestors *a, UdevRecord *r) {
        unsigned at = a->n;

        while (at > 0 && !is_above(a->items[at - 1]->record.syspath, r->record.syspath))
                at--;
        if (GROW(a->items, a->cap, a->n + 1) < 0)
                return -ENOMEM;
        memmove(a->items + at + 1, a->items + at, (a->n - at) * sizeof(*a->items));
        a->items[at] = r;
        a->n++;
        return 0;
}

int udev_ancestors_push(UdevAncestors *a, UdevRecord *r) {
        if (!r->owns_device) {
                udev_device_ref(r->device);
                r->owns_device = true;
        }
        r->ancestors = a;
        if (ancestors_insert(a, r) < 0) {
                udev_record_free(r);
                return -ENOMEM;
        }
        return 0;
}

/*
 * libudev's parent (sd-device's device_new_from_child()): the directories above the syspath in turn,
 * up to /sys, the first that is a device. A kept record answers for its directory; any other is asked
 * of libudev, which says ENODEV for a directory that is no device (net/, tty/, /sys/devices).
 */
static UdevRecord *ancestors_parent_of(UdevAncestors *a, const UdevRecord *child) {
        _cleanup_free_ char *dir = child->record.syspath ? strdup(child->record.syspath) : NULL;

        if (!dir)
                return NULL;
        for (;;) {
                char *slash = strrchr(dir, '/');
                struct udev_device *dev;
                UdevRecord *r;

                if (!slash || slash == dir)
                        return NULL;
                *slash = '\0';
                if (streq(dir, "/sys"))
                        return NULL;
                for (unsigned i = a->n; i > 0; i--)
                        if (streq(a->items[i - 1]->record.syspath, dir))
                                return a->items[i - 1];
                errno = 0;
                dev = udev_device_new_from_syspath(a->udev, dir);
                if (!dev) {
                        if (errno == ENODEV)
                                continue;
                        return NULL;
                }
                r = udev_record_new(dev, DEVICE_ACTION_ADD, child->use_properties, a);
                if (!r) {
                        udev_device_unref(dev);
                        return NULL;
                }
                r->owns_device = true; /* the reference new_from_syspath gave */
                if (ancestors_insert(a, r) < 0) {
                        udev_record_free(r);
                        return NULL;
                }
                return r;
        }
}
