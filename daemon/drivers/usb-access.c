/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* usb-access.c: see usb-access.h. */

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <linux/usbdevice_fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "usb-access.h"

#define DESCRIPTORS_MAX (64 * 1024) /* sysfs caps `descriptors` far below this */

int usb_access_kind(const Entry *nub) {
        if (entry_conforms_to(nub, "IOUSBHostInterface"))
                return 1;
        if (entry_conforms_to(nub, "IOUSBHostDevice"))
                return 0;
        return -EOPNOTSUPP;
}

static const char *nub_syspath(const Entry *nub) {
        Value *linux_dict = entry_get_property(nub, "Linux"); /* borrowed */
        Value *sp = linux_dict && value_type(linux_dict) == VALUE_DICTIONARY ? value_dict_get(linux_dict, "SYSPATH")
                                                                            : NULL;

        return sp && value_type(sp) == VALUE_STRING ? value_string(sp, NULL) : NULL;
}

/* The device's sysfs folder: the nub's own, or the one above an interface's. A new string. */
static int device_folder(const Entry *nub, char **ret) {
        const char *sp = nub_syspath(nub);
        int kind = usb_access_kind(nub);
        char *s;

        if (kind < 0)
                return kind;
        if (!sp || sp[0] != '/')
                return -ENODEV;
        s = strdup(sp);
        if (!s)
                return -ENOMEM;
        if (kind == 1) {
                char *slash = strrchr(s, '/');

                if (!slash || slash == s) {
                        free(s);
                        return -ENODEV;
                }
                *slash = '\0';
        }
        *ret = s;
        return 0;
}

/* Up to size bytes of folder/name; the count, or -errno. */
static ssize_t read_file(const char *folder, const char *name, void *buf, size_t size) {
        _cleanup_free_ char *path = NULL;
        _cleanup_close_ int fd = -1;
        size_t n = 0;

        if (asprintf(&path, "%s/%s", folder, name) < 0)
                return -ENOMEM;
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return -errno;
        while (n < size) {
                ssize_t k = read(fd, (char *) buf + n, size - n);

                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0)
                        return -errno;
                if (k == 0)
                        break;
                n += (size_t) k;
        }
        return (ssize_t) n;
}

int usb_access_copy_descriptors(const Entry *nub, uint8_t **ret, size_t *ret_len) {
        _cleanup_free_ char *folder = NULL;
        _cleanup_free_ uint8_t *buf = NULL;
        ssize_t n;
        int r;

        r = device_folder(nub, &folder);
        if (r < 0)
                return r;
        buf = malloc(DESCRIPTORS_MAX);
        if (!buf)
                return -ENOMEM;
        n = read_file(folder, "descriptors", buf, DESCRIPTORS_MAX);
        if (n < 0)
                return (int) n;
        if (n < 18)
                return -EBADMSG;
        *ret = realloc(buf, (size_t) n) ?: buf;
        buf = NULL;
        *ret_len = (size_t) n;
        return 0;
}

int usb_access_kernel_driver(const Entry *nub, char **ret) {
        const char *sp = nub_syspath(nub);
        _cleanup_free_ char *link = NULL;
        char target[PATH_MAX];
        const char *name;
        ssize_t n;
        int kind = usb_access_kind(nub);

        if (kind < 0)
                return kind;
        if (!sp)
                return -ENODEV;
        if (asprintf(&link, "%s/driver", sp) < 0)
                return -ENOMEM;
        n = readlink(link, target, sizeof(target) - 1);
        if (n < 0) {
                *ret = NULL;
                return errno == ENOENT ? 0 : -errno;
        }
        target[n] = '\0';
        name = strrchr(target, '/');
        name = name ? name + 1 : target;
        if (streq(name, "usbfs") || (kind == 0 && streq(name, "usb"))) {
                *ret = NULL;
                return 0;
        }
        *ret = strdup(name);
        return *ret ? 0 : -ENOMEM;
}

/* A decimal sysfs attribute of folder. */
static int read_number(const char *folder, const char *name, unsigned *ret) {
        char buf[32];
        ssize_t n = read_file(folder, name, buf, sizeof(buf) - 1);
        char *end;
        unsigned long v;

        if (n < 0)
                return (int) n;
        buf[n] = '\0';
        errno = 0;
        v = strtoul(buf, &end, 10);
        if (errno || end == buf || v > 999)
                return -EBADMSG;
        *ret = (unsigned) v;
        return 0;
}

int usb_access_open(const Entry *nub, bool detach, int *ret_fd, int *ret_interface) {
        _cleanup_free_ char *folder = NULL;
        _cleanup_close_ int fd = -1;
        Value *number;
        char node[64];
        unsigned bus, dev;
        int kind = usb_access_kind(nub), interface = -1, r;

        r = device_folder(nub, &folder);
        if (r < 0)
                return r;
        r = read_number(folder, "busnum", &bus);
        if (r >= 0)
                r = read_number(folder, "devnum", &dev);
        if (r < 0)
                return r == -ENOENT ? -ENODEV : r;
        snprintf(node, sizeof(node), "/dev/bus/usb/%03u/%03u", bus, dev);
        fd = open(node, O_RDWR | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return -errno;
        if (kind == 1) {
                number = entry_get_property(nub, "bInterfaceNumber");
                if (!number || value_type(number) != VALUE_NUMBER)
                        return -ENODEV;
                interface = (int) value_unsigned(number);
                if (detach) {
                        /* Never from usbfs: another application's claim stays. */
                        struct usbdevfs_disconnect_claim dc = {
                                .interface = (unsigned) interface,
                                .flags = USBDEVFS_DISCONNECT_CLAIM_EXCEPT_DRIVER,
                                .driver = "usbfs",
                        };

                        r = ioctl(fd, USBDEVFS_DISCONNECT_CLAIM, &dc);
                } else {
                        unsigned int n = (unsigned) interface;

                        r = ioctl(fd, USBDEVFS_CLAIMINTERFACE, &n);
                }
                if (r < 0)
                        return -errno;
        }
        *ret_fd = fd;
        fd = -1;
        *ret_interface = interface;
        return 0;
}

void usb_access_release(int fd, int interface, bool reattach) {
        if (fd < 0)
                return;
        if (interface >= 0) {
                unsigned int n = (unsigned) interface;
                struct usbdevfs_ioctl connect = { .ifno = interface, .ioctl_code = USBDEVFS_CONNECT };

                (void) ioctl(fd, USBDEVFS_RELEASEINTERFACE, &n);
                /* The kernel probes the interface's drivers again (ftdi_sio back on its tty). */
                if (reattach)
                        (void) ioctl(fd, USBDEVFS_IOCTL, &connect);
        }
        close(fd);
}
