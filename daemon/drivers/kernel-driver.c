/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* kernel-driver.c: see kernel-driver.h. */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/usbdevice_fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "device-access.h"
#include "kernel-driver.h"

static const char *linux_key(const Entry *nub, const char *key) {
        Value *dict = entry_get_property(nub, "Linux");

        return value_string(value_dict_get(dict, key), NULL);
}

bool kernel_driver_by_usbfs(const Entry *nub) {
        return streq_ptr(linux_key(nub, "SUBSYSTEM"), "usb") && streq_ptr(linux_key(nub, "DEVTYPE"), "usb_interface");
}

/* Writes text to a sysfs file (a plain file on a umockdev testbed). */
static int write_sysfs(const char *path, const char *text) {
        _cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC | O_NOCTTY);
        size_t len = strlen(text);
        ssize_t n;

        if (fd < 0)
                return -errno;
        n = write(fd, text, len);
        if (n < 0)
                return -errno;
        return (size_t) n == len ? 0 : -EIO;
}

/* The device's name: the last part of its syspath ("1-1.2:1.0", "0000:00:1f.3"). */
static const char *device_name(const char *syspath) {
        const char *slash = strrchr(syspath, '/');

        return slash ? slash + 1 : syspath;
}

/* A usbfs file of the interface's device (the node device access gives it), and the interface's number. */
static int open_usbfs(const Entry *nub, int *ret_fd, unsigned *ret_ifno) {
        _cleanup_free_ char *node = NULL;
        int fd, ifno, r;

        r = device_access_path(nub, &node, &ifno);
        if (r < 0)
                return r;
        if (ifno < 0)
                return -ENODEV;
        fd = open(node, O_RDWR | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return -errno;
        *ret_fd = fd;
        *ret_ifno = (unsigned) ifno;
        return 0;
}

static int usbfs_connect(const Entry *nub) {
        struct usbdevfs_ioctl cmd = { .ioctl_code = USBDEVFS_CONNECT };
        _cleanup_close_ int fd = -EBADF;
        unsigned ifno = 0;
        int r;

        r = open_usbfs(nub, &fd, &ifno);
        if (r < 0)
                return r;
        cmd.ifno = (int) ifno;
        /* The kernel probes its drivers for the interface (nothing when one is bound, or usbfs claims it). */
        if (ioctl(fd, USBDEVFS_IOCTL, &cmd) < 0)
                return -errno;
        return 0;
}

int kernel_driver_detach(const Entry *nub) {
        const char *syspath = linux_key(nub, "SYSPATH");
        _cleanup_free_ char *path = NULL;

        if (!syspath)
                return -ENODEV;
        if (asprintf(&path, "%s/driver/unbind", syspath) < 0)
                return -ENOMEM;
        return write_sysfs(path, device_name(syspath));
}

int kernel_driver_bind(const Entry *nub) {
        const char *syspath = linux_key(nub, "SYSPATH"), *subsystem = linux_key(nub, "SUBSYSTEM");
        _cleanup_free_ char *path = NULL;

        if (kernel_driver_by_usbfs(nub))
                return usbfs_connect(nub);
        if (!syspath || !subsystem)
                return -ENODEV;
        if (asprintf(&path, "/sys/bus/%s/drivers_probe", subsystem) < 0)
                return -ENOMEM;
        return write_sysfs(path, device_name(syspath));
}

bool kernel_driver_bound(const Entry *nub) {
        const char *syspath = linux_key(nub, "SYSPATH");
        _cleanup_free_ char *link = NULL;
        char target[PATH_MAX];
        const char *name;
        ssize_t n;

        if (!syspath || asprintf(&link, "%s/driver", syspath) < 0)
                return false;
        n = readlink(link, target, sizeof(target) - 1);
        if (n < 0)
                return false;
        target[n] = '\0';
        name = strrchr(target, '/');
        return !streq(name ? name + 1 : target, "usbfs");
}
