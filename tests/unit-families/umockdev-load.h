/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * umockdev-load.h: reads a umockdev-record text file into DeviceRecords,
 * for the family tests: no libudev, no testbed, just the recording.
 *
 * The format, one line each: `P:` the device path (starts a device), `N:`
 * its node (`=contents` ignored), `S:` a symlink (ignored), `E:` a udev
 * property KEY=VALUE, `A:` an attribute name=value (C escapes: \n, \\,
 * octal), `H:` a binary attribute name=hex bytes, `L:` a link attribute
 * name=target. Devices come child first; each device's parent is the device
 * whose path is the longest proper prefix of its own.
 *
 * Record fields: syspath "/sys" + P:, devpath P:, sysname its last
 * component, subsystem, devtype, driver, devname, modalias from E:SUBSYSTEM,
 * E:DEVTYPE, E:DRIVER (else the link target of L:driver), E:DEVNAME,
 * E:MODALIAS; major and minor from E:MAJOR and E:MINOR. get_attr() answers
 * from A: (trailing whitespace stripped) and, for L: attributes, with the
 * link target's last component (libudev's answer for driver, subsystem);
 * get_property() from E:; read_attr_binary() from H:; get_link() from L:,
 * resolved against the device's syspath (device_record_resolve_link()).
 */
#pragma once

#include <stddef.h>

#include "device-record.h"
#include "macro.h"

typedef struct UmockdevDevice UmockdevDevice;

typedef struct UmockdevRecording {
        UmockdevDevice **devices; /* owned, in file order */
        size_t n_devices;
} UmockdevRecording;

/* Loads path. -ENOENT when missing, -EBADMSG on a line it cannot read (stderr says which). */
int umockdev_load(const char *path, UmockdevRecording **ret);
UmockdevRecording *umockdev_free(UmockdevRecording *r);
DEFINE_TRIVIAL_CLEANUP_FUNC(UmockdevRecording *, umockdev_free);

/* The device with this sysname ("1-1.5.4", "input12"), or NULL. Borrowed. */
const DeviceRecord *umockdev_find(const UmockdevRecording *r, const char *sysname);
const DeviceRecord *umockdev_device(const UmockdevRecording *r, size_t i);
