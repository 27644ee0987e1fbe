/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * usb-access.h: what ioregd does with a USB nub's usbfs node for an
 * application (bus-usb.h decides who may): the raw descriptors, the kernel
 * driver bound to it, opening the node with the interface claimed, and
 * giving it back. A USB interface nub's device is the folder above its
 * SYSPATH. Reads sysfs through open(), so a umockdev testbed works.
 *
 * Opening is device_access_open() (device-access.h, issue 17), the same
 * node and claim a driver server gets, with the fd's privileges dropped.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "registry.h"

/* The nub is an IOUSBHostDevice (0), an IOUSBHostInterface (1), or neither (-EOPNOTSUPP). */
int usb_access_kind(const Entry *nub);

/*
 * The device's sysfs `descriptors` (device descriptor, then every
 * configuration) into *ret (the caller's, free()), for a device or an
 * interface nub. -ENODEV when the nub has no SYSPATH, or the file's errno.
 */
int usb_access_copy_descriptors(const Entry *nub, uint8_t **ret, size_t *ret_len);

/*
 * The kernel driver bound to the nub, read live from sysfs, into *ret (the
 * caller's; NULL when none). Not counted: usbfs (an application's claim,
 * which ioregd's own records cover) and, for a device, the USB core's
 * generic "usb" driver, which every configured device has.
 */
int usb_access_kernel_driver(const Entry *nub, char **ret);

/*
 * device_access_open(): the device's usbfs node; for an interface nub the
 * interface claimed on the fd, or with detach its kernel driver detached
 * and the interface claimed in one step (never from another usbfs user).
 * *ret_fd is the caller's; *ret_interface the claimed interface number, -1
 * for a device. -EBUSY claimed by someone else.
 */
int usb_access_open(const Entry *nub, bool detach, int *ret_fd, int *ret_interface);

/*
 * The end of a hold: releases the interfaces claimed on fd (which ends the
 * claims of every copy of that open file, the application's included),
 * closes fd, and when reattach asks the kernel to bind the interface's
 * drivers again (kernel_driver_bind(): USBDEVFS_CONNECT on a fresh fd of
 * nub's node).
 */
void usb_access_release(const Entry *nub, int fd, int interface, bool reattach);
