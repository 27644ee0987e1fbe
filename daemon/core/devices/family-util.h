/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * family-util.h: helpers the family files share. Not part of family.h's
 * API: only the family-*.c files include this. Everything here is pure: it
 * reads a device record or a string and allocates nothing unless it says so.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "family.h"

/* Parses a whole string (surrounding whitespace allowed) as an unsigned number in base. -EINVAL when
 * malformed or above max. */
int family_parse_unsigned(const char *s, int base, uint64_t max, uint64_t *ret);
/* The same, signed, within [min, max]. */
int family_parse_signed(const char *s, int base, int64_t min, int64_t max, int64_t *ret);

/* A sysfs attribute parsed as above. -ENOENT when absent, -EINVAL when malformed. */
int family_attr_unsigned(const DeviceRecord *d, const char *attr, int base, uint64_t max, uint64_t *ret);

/*
 * A kernel uevent variable (HID_NAME, POWER_SUPPLY_STATUS, KEY, PARTNAME, ...): the udev
 * property when there is one, else the KEY=value line of the device's `uevent` attribute,
 * copied into buf (works without udevd). NULL when absent or longer than buf.
 */
const char *family_uevent_value(const DeviceRecord *d, const char *key, char *buf, size_t size);

/* A new string: s without leading and trailing whitespace. NULL when s is NULL or blank, or on ENOMEM. */
char *family_strip(const char *s);

/* A new string: udev's encoded value (ID_MODEL_ENC: "\x20" escapes) decoded and stripped. NULL like
 * family_strip(). */
char *family_udev_decode(const char *s);

/* The length of name without its trailing decimal digits: "ttyUSB0" → 6, "eth" → 3, "0" → 0. */
size_t family_name_prefix_len(const char *name);

/* The entry's Value for a NUL-terminated C string stored as data with its NUL (Apple's "name"). */
Value *family_new_cstring_data(const char *s);

/* The usb_device ancestor (or d itself) of a device. */
const DeviceRecord *family_usb_device_of(const DeviceRecord *d);

/*
 * Apple's locationID for a usb_device: the bus number in the top byte, then one nibble per port
 * along the path from the root hub, from the high nibbles down ("1-1.4.2" → 0x01142000, the root
 * hub "usb1" → 0x01000000). Ports above 15 keep their low nibble, paths deeper than six hops stop
 * at the sixth, as on a Mac. -EINVAL when the name is not a USB device name.
 */
int family_usb_location_id(const char *sysname, uint32_t *ret);

/* Sets key to v when v is non-NULL (consumed); a NULL v (absent attribute) is not an error. -ENOMEM only. */
int family_set_optional(Value *dict, const char *key, Value *v);
