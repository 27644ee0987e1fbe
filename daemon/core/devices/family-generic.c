/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * family-generic.c: every device no other family describes → IOLinuxDevice
 * (a subclass of IOService), so that every device sysfs lists has an
 * entry: platform and ACPI devices, buses (i2c, spi, serio, serial),
 * controllers, class devices without a family (misc, spidev, hidraw,
 * input event nodes, sound, drm, leds, virtual consoles, ...).
 *
 * The entry is named after the kernel name (sysname: "i8042", "spidev0.0",
 * "cros_fp") and has no location. Its only properties are the Linux
 * dictionary that family_describe_device() adds to every nub (SYSPATH,
 * SUBSYSTEM, DEVTYPE, DRIVER, DEVNAME, MODALIAS, MAJOR/MINOR and the udev
 * properties): the class is a catch-all, and matching on it goes through
 * that dictionary (IOPropertyMatch on Linux), not through guessed Apple
 * keys. Reading further sysfs attributes here would cost a read per
 * attribute for every device of the machine at coldplug, for keys no
 * personality names.
 */

#include <string.h>

#include "family-util.h"

_hot_ static bool generic_handles(const DeviceRecord *d) {
        return true;
}

_hot_ static int generic_describe(const DeviceRecord *d, NubDescription *nub) {
        nub->class_name = "IOLinuxDevice";
        nub->name = strdup(d->sysname);
        return nub->name ? 0 : -ENOMEM;
}

const Family family_generic = {
        .name = "generic",
        .handles = generic_handles,
        .describe = generic_describe,
};
