/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * device-access.h: the file descriptor a driver server gets for its
 * provider (issue 17, docs/drivers.md "Device access"). ioregd opens the
 * node, the server gets a dup of it over D-Bus; the daemon keeps its copy
 * so that it can end the access (device_access_revoke()).
 *
 * The node comes from the nub's Linux dictionary (SYSPATH, SUBSYSTEM,
 * DEVTYPE, DEVNAME, as family.c publishes it) and sysfs below SYSPATH:
 *
 *   usb / usb_device      /dev/bus/usb/BBB/DDD (busnum, devnum)
 *   usb / usb_interface   its device's usbfs node, the interface claimed on that fd
 *   hid                   its hidraw child (/dev/hidrawN)
 *   input (no node)       its evdev child (/dev/input/eventN)
 *   anything else         DEVNAME (a tty, a block device, ...), when it has one
 *
 * A usbfs fd has its privileges dropped (USBDEVFS_DROP_PRIVILEGES): the
 * server may claim only its interface (or, for a whole device, the ones no
 * kernel driver holds) and cannot detach kernel drivers: that is ioregd's
 * decision (kernel-driver.h).
 *
 * Opening never blocks the daemon (O_NONBLOCK, cleared again before the fd
 * is handed out: a tty waiting for carrier would).
 */
#pragma once

#include "registry.h"

enum {
        DEVICE_ACCESS_DETACH_KERNEL_DRIVER = 1 << 0, /* USB interface: USBDEVFS_DISCONNECT_CLAIM (detach + claim atomically) */
};

/*
 * What a nub gives access to: a USB device → its usbfs node (/dev/bus/usb/BBB/DDD); a USB interface → its
 * device's usbfs node with that interface claimed on the returned fd; HID → its hidraw node; serial → its tty;
 * any other nub → its device node (DEVNAME) when it has one. -ENODEV when it has none; the open's errno when
 * the node is there but cannot be opened (-ENOENT, -ENXIO: the device went). O_RDWR|O_CLOEXEC|O_NOCTTY;
 * *ret_fd is the caller's, untouched on failure.
 */
int device_access_open(const Entry *nub, unsigned flags, int *ret_fd);

/*
 * The node device_access_open() would open for nub, without opening it (logs, tests): a new string in
 * *ret_path, the USB interface number in *ret_interface (-1 when none). -ENODEV when it has none.
 */
int device_access_path(const Entry *nub, char **ret_path, int *ret_interface);

/*
 * Ends what the kernel lets us end of the access through fd, for every holder of the same open file
 * (the server's dup included): evdev EVIOCREVOKE; hidraw HIDIOCREVOKE (Linux 6.12 and later); usbfs:
 * the interfaces claimed through it are released. Other nodes (ttys, block devices, hidraw on older
 * kernels) keep working until the server closes its dup: the server is stopped, and killed if it does not
 * stop. Does not close fd. Returns 1 when something was revoked, 0 when the node has no revoke, or a
 * negative errno.
 */
int device_access_revoke(int fd);
