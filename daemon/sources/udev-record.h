/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * udev-record.h: a DeviceRecord over a libudev device (udev-source.c's
 * events and enumeration): the fields, attributes with trailing whitespace
 * cut and strings repaired to UTF-8 (the originals kept for the Linux
 * dictionary), links, and the parent, made when a family first asks.
 *
 * During an enumeration the records of the current device's ancestors are
 * kept (UdevAncestors): sysfs lists parents before their children, so a
 * parent's record, its libudev device and the attributes libudev cached are
 * made once and shared by every child instead of once per child. A parent
 * is found as libudev finds it (the nearest directory above that is a
 * device); one the enumeration did not list is made and kept the same way.
 */
#pragma once

#include <libudev.h>
#include <stdbool.h>

#include "device-record.h"

typedef struct UdevRecord UdevRecord;
typedef struct UdevAncestors UdevAncestors;

/*
 * dev is borrowed and must outlive the record (udev_ancestors_push() takes a reference).
 * use_properties: udevd runs, its properties go into the Linux dictionary. ancestors: the
 * enumeration's, or NULL outside one (the parent comes from udev_device_get_parent()).
 */
UdevRecord *udev_record_new(struct udev_device *dev, DeviceAction action, bool use_properties,
                            UdevAncestors *ancestors);
UdevRecord *udev_record_free(UdevRecord *r);
const DeviceRecord *udev_record_get(const UdevRecord *r);

/* udev is borrowed. */
UdevAncestors *udev_ancestors_new(struct udev *udev);
UdevAncestors *udev_ancestors_free(UdevAncestors *a);
DEFINE_TRIVIAL_CLEANUP_FUNC(UdevAncestors *, udev_ancestors_free);
/* Before the next device of the enumeration: drops the records that are no ancestors of syspath. */
void udev_ancestors_trim(UdevAncestors *a, const char *syspath);
/* After the record was applied: keeps it (owned now, with a reference to its device) for its children. */
int udev_ancestors_push(UdevAncestors *a, UdevRecord *r);
