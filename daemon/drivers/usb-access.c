/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* usb-access.c: see usb-access.h. */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "device-access.h"
#include "kernel-driver.h"
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

int usb_access_open(const Entry *nub, bool detach, int *ret_fd, int *ret_interface) {
        Value *number = entry_get_property(nub, "bInterfaceNumber"); /* borrowed */
        int kind = usb_access_kind(nub), fd = -1, r;

        if (kind < 0)
                return kind;
        if (kind == 1 && (!number || value_type(number) != VALUE_NUMBER))
                return -ENODEV;
        r = device_access_open(nub, detach ? DEVICE_ACCESS_DETACH_KERNEL_DRIVER : 0, &fd);
        if (r < 0)
                return r;
        *ret_fd = fd;
        *ret_interface = kind == 1 ? (int) value_unsigned(number) : -1;
        return 0;
}

void usb_access_release(const Entry *nub, int fd, int interface, bool reattach) {
        if (fd < 0)
                return;
        /* The claims are the open file's: released for the application's copy too. */
        (void) device_access_revoke(fd);
        close(fd);
        /* The handed-out fd dropped its privileges: the kernel is asked on a fresh one, as for a driver's end. */
        if (reattach && interface >= 0)
                (void) kernel_driver_bind(nub);
}
