/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* device-access.c: see device-access.h. */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/input.h>
#include <linux/usbdevice_fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "device-access.h"
#include "log.h"

#ifndef HIDIOCREVOKE
#define HIDIOCREVOKE _IOW('H', 0x0D, int) /* Linux 6.12; Debian 12's headers predate it */
#endif

#define USB_DEVICE_MAJOR 189 /* usbfs character devices (linux/usb.h) */
#define INPUT_MAJOR 13
#define USB_MAX_INTERFACES 32

static const char *linux_key(const Entry *nub, const char *key) {
        const Value *l = value_dict_get(nub->properties, "Linux");
        const Value *v = l ? value_dict_get(l, key) : NULL;

        return v && value_type(v) == VALUE_STRING ? value_string(v, NULL) : NULL;
}

/* A small sysfs attribute of the folder dir, trailing whitespace stripped. */
static int read_attr(const char *dir, const char *name, char *buf, size_t size) {
        char path[PATH_MAX];
        _cleanup_close_ int fd = -EBADF;
        ssize_t n;

        if ((size_t) snprintf(path, sizeof(path), "%s/%s", dir, name) >= sizeof(path))
                return -ENAMETOOLONG;
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        n = read(fd, buf, size - 1);
        if (n < 0)
                return -errno;
        while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
                n--;
        buf[n] = '\0';
        return 0;
}

static int read_attr_unsigned(const char *dir, const char *name, int base, unsigned max, unsigned *ret) {
        char buf[32], *end;
        unsigned long v;
        int r;

        r = read_attr(dir, name, buf, sizeof(buf));
        if (r < 0)
                return r;
        errno = 0;
        v = strtoul(buf, &end, base);
        if (errno != 0 || end == buf || *end != '\0' || v > max)
                return -EINVAL;
        *ret = (unsigned) v;
        return 0;
}

/* /dev/bus/usb/BBB/DDD of the USB device at syspath. */
static int usbfs_path(const char *syspath, char **ret) {
        unsigned bus, dev;
        int r;

        r = read_attr_unsigned(syspath, "busnum", 10, 999, &bus);
        if (r >= 0)
                r = read_attr_unsigned(syspath, "devnum", 10, 999, &dev);
        if (r < 0)
                return r == -ENOENT ? -ENODEV : r;
        return asprintf(ret, "/dev/bus/usb/%03u/%03u", bus, dev) < 0 ? -ENOMEM : 0;
}

/* The first entry of folder dir whose name starts with prefix, as "/dev/<devdir>NAME". */
static int child_node(const char *dir, const char *prefix, const char *devdir, char **ret) {
        DIR *d = opendir(dir);
        struct dirent *de;
        int r = -ENODEV;

        if (!d)
                return errno == ENOENT || errno == ENOTDIR ? -ENODEV : -errno;
        while ((de = readdir(d)))
                if (strncmp(de->d_name, prefix, strlen(prefix)) == 0) {
                        r = asprintf(ret, "/dev/%s%s", devdir, de->d_name) < 0 ? -ENOMEM : 0;
                        break;
                }
        closedir(d);
        return r;
}

/* DEVNAME as a path: the kernel's uevent gives it relative to /dev, udev absolute. */
static int devname_path(const char *devname, char **ret) {
        if (devname[0] == '/')
                return (*ret = strdup(devname)) ? 0 : -ENOMEM;
        if (strstr(devname, ".."))
                return -EINVAL;
        return asprintf(ret, "/dev/%s", devname) < 0 ? -ENOMEM : 0;
}

int device_access_path(const Entry *nub, char **ret_path, int *ret_interface) {
        const char *syspath = linux_key(nub, "SYSPATH"), *subsystem = linux_key(nub, "SUBSYSTEM");
        const char *devtype = linux_key(nub, "DEVTYPE"), *devname = linux_key(nub, "DEVNAME");
        _cleanup_free_ char *path = NULL, *parent = NULL, *dir = NULL;
        int interface = -1, r;

        if (!syspath)
                return -ENODEV; /* not a device's nub */
        if (streq_ptr(subsystem, "usb") && streq_ptr(devtype, "usb_interface")) {
                unsigned n;
                char *slash;

                r = read_attr_unsigned(syspath, "bInterfaceNumber", 16, USB_MAX_INTERFACES - 1, &n);
                if (r < 0)
                        return r == -ENOENT ? -ENODEV : r;
                parent = strdup(syspath);
                if (!parent)
                        return -ENOMEM;
                slash = strrchr(parent, '/');
                if (!slash || slash == parent)
                        return -ENODEV;
                *slash = '\0';
                r = usbfs_path(parent, &path);
                interface = (int) n;
        } else if (streq_ptr(subsystem, "usb") && streq_ptr(devtype, "usb_device")) {
                r = usbfs_path(syspath, &path);
                if (r == -ENODEV && devname && *devname)
                        r = devname_path(devname, &path);
        } else if (streq_ptr(subsystem, "hid")) {
                if (asprintf(&dir, "%s/hidraw", syspath) < 0)
                        return -ENOMEM;
                r = child_node(dir, "hidraw", "", &path);
        } else if (streq_ptr(subsystem, "input") && !devname)
                r = child_node(syspath, "event", "input/", &path);
        else if (devname && *devname)
                r = devname_path(devname, &path);
        else
                r = -ENODEV;
        if (r < 0)
                return r;
        *ret_path = TAKE_PTR(path);
        if (ret_interface)
                *ret_interface = interface;
        return 0;
}

/*
 * Claims the interface on the usbfs fd (detaching its kernel driver first when asked), then drops the fd's
 * privileges: the server may claim that interface only (or, on a whole device, any interface no kernel
 * driver holds) and may not detach kernel drivers itself.
 */
static int usbfs_restrict(int fd, int interface, unsigned flags, const char *path) {
        uint32_t mask = interface >= 0 ? UINT32_C(1) << interface : UINT32_MAX;

        if (interface >= 0 && (flags & DEVICE_ACCESS_DETACH_KERNEL_DRIVER)) {
                /* Never from another usbfs user (another program's libusb): only a kernel driver is detached. */
                struct usbdevfs_disconnect_claim dc = {
                        .interface = (unsigned) interface,
                        .flags = USBDEVFS_DISCONNECT_CLAIM_EXCEPT_DRIVER,
                        .driver = "usbfs",
                };

                if (ioctl(fd, USBDEVFS_DISCONNECT_CLAIM, &dc) < 0)
                        return log_debug_errno(-errno, "%s: cannot detach and claim interface %d: %m", path,
                                               interface);
        } else if (interface >= 0) {
                unsigned n = (unsigned) interface;

                if (ioctl(fd, USBDEVFS_CLAIMINTERFACE, &n) < 0)
                        return log_debug_errno(-errno, "%s: cannot claim interface %d: %m", path, interface);
        }
        if (ioctl(fd, USBDEVFS_DROP_PRIVILEGES, &mask) < 0) {
                /* A node that is no usbfs (an emulated one in tests) has nothing to drop. */
                if (errno == ENOTTY)
                        return 0;
                return log_debug_errno(-errno, "%s: cannot drop the fd's privileges: %m", path);
        }
        return 0;
}

int device_access_open(const Entry *nub, unsigned flags, int *ret_fd) {
        _cleanup_free_ char *path = NULL;
        _cleanup_close_ int fd = -EBADF;
        int interface = -1, r, fl;

        r = device_access_path(nub, &path, &interface);
        if (r < 0)
                return r;
        /* Never block the daemon (a tty waits for carrier); the server gets a blocking fd, as open() gives. */
        fd = open(path, O_RDWR | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd < 0)
                return log_debug_errno(-errno, "Cannot open %s for %s: %m", path, entry_get_name(nub, NULL));
        fl = fcntl(fd, F_GETFL);
        if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) < 0)
                return -errno;
        if (strncmp(path, "/dev/bus/usb/", 13) == 0) {
                r = usbfs_restrict(fd, interface, flags, path);
                if (r < 0)
                        return r;
        }
        log_debug("Opened %s for %s.", path, entry_get_name(nub, NULL));
        *ret_fd = TAKE_FD(fd);
        return 0;
}

/* Whether the character device rdev is a hidraw node (its major is dynamic: sysfs says). */
static bool is_hidraw(dev_t rdev) {
        char path[64], target[PATH_MAX];
        const char *slash;
        ssize_t n;

        snprintf(path, sizeof(path), "/sys/dev/char/%u:%u/subsystem", major(rdev), minor(rdev));
        n = readlink(path, target, sizeof(target) - 1);
        if (n <= 0)
                return false;
        target[n] = '\0';
        slash = strrchr(target, '/');
        return streq(slash ? slash + 1 : target, "hidraw");
}

int device_access_revoke(int fd) {
        struct stat st;
        int revoked = 0;

        if (fstat(fd, &st) < 0)
                return -errno;
        if (!S_ISCHR(st.st_mode))
                return 0;
        switch (major(st.st_rdev)) {
        case INPUT_MAJOR:
                /* Every holder of this open file loses the device: reads fail with ENODEV. */
                if (ioctl(fd, EVIOCREVOKE, NULL) < 0)
                        return errno == EINVAL || errno == ENOTTY ? 0 : -errno;
                return 1;
        case USB_DEVICE_MAJOR:
                /* The claims are the open file's, the server's dup shares them: released for both. */
                for (unsigned i = 0; i < USB_MAX_INTERFACES; i++)
                        if (ioctl(fd, USBDEVFS_RELEASEINTERFACE, &i) >= 0)
                                revoked = 1;
                return revoked;
        default:
                if (!is_hidraw(st.st_rdev))
                        return 0;
                /* Older kernels have no HIDIOCREVOKE: the server's copy lasts until it exits. */
                if (ioctl(fd, HIDIOCREVOKE, NULL) < 0)
                        return errno == EINVAL || errno == ENOTTY ? 0 : -errno;
                return 1;
        }
}
