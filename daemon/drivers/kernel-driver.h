/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * kernel-driver.h: taking a nub's device from its Linux driver for a
 * user-space driver that replaces it, and giving it back (matcher.h "Kernel
 * drivers", docs/drivers.md). The matcher decides; the host calls these
 * before Start and when the instance ends. The kernel's unbind and bind
 * uevents then move the IOLinuxKernelDriver entry (device-tree.h).
 *
 * - A USB interface (IOUSBHostInterface): USBDEVFS_DISCONNECT_CLAIM on its
 *   device's usbfs node, which detaches the kernel driver and claims the
 *   interface for that file in one step (never from another usbfs user);
 *   given back with USBDEVFS_CONNECT (the kernel probes its drivers for the
 *   interface again) once the claim is released.
 * - Any other nub: its device name written to SYSPATH/driver/unbind; given
 *   back by writing it to /sys/bus/SUBSYSTEM/drivers_probe.
 *
 * The nub's "Linux" dictionary says where (SYSPATH, SUBSYSTEM, DEVTYPE);
 * errors are negative errno (-ENODEV: the nub has no device in sysfs).
 */
#pragma once

#include <stdbool.h>

#include "registry.h"

/* The nub is a USB interface: its kernel driver is taken through usbfs, not sysfs. */
bool kernel_driver_by_usbfs(const Entry *nub);

/*
 * Detaches the nub's kernel driver: sysfs unbind, or for a USB interface
 * USBDEVFS_DISCONNECT_CLAIM on a usbfs file of its own, closed again (the
 * interface stays without a driver until kernel_driver_bind()).
 */
int kernel_driver_detach(const Entry *nub);

/*
 * Binds a kernel driver to the nub again: sysfs drivers_probe, or for a USB
 * interface USBDEVFS_CONNECT. usbfs_fd (or -1) is a usbfs file that may hold
 * the interface's claim (the driver's access fd): the claim is released on
 * it first, so the server loses the interface to the kernel's driver.
 */
int kernel_driver_bind(const Entry *nub, int usbfs_fd);
