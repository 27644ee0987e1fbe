/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * kernel-driver.h: taking a nub's device from its Linux driver for a
 * user-space driver that replaces it, and giving it back (matcher.h "Kernel
 * drivers", docs/drivers.md). The matcher decides; the host calls these
 * before Start and when the instance ends. The kernel's unbind and bind
 * uevents then move the IOLinuxKernelDriver entry (device-tree.h).
 *
 * - A USB interface (IOUSBHostInterface): detached by the driver's access
 *   fd (device-access.h, DEVICE_ACCESS_DETACH_KERNEL_DRIVER:
 *   USBDEVFS_DISCONNECT_CLAIM detaches the kernel driver and claims the
 *   interface on that fd in one step, never from another usbfs user); given
 *   back, once that fd is revoked and closed, by USBDEVFS_CONNECT (the kernel
 *   probes its drivers for the interface) on a usbfs file of our own.
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

/* A nub that is not a USB interface: writes its device name to SYSPATH/driver/unbind. */
int kernel_driver_detach(const Entry *nub);

/*
 * Binds a kernel driver to the nub again: USBDEVFS_CONNECT for a USB
 * interface (whose claim must have been released), sysfs drivers_probe
 * otherwise.
 */
int kernel_driver_bind(const Entry *nub);

/* A kernel driver is bound to the nub's device now (its sysfs driver link; usbfs is not one). */
bool kernel_driver_bound(const Entry *nub);
