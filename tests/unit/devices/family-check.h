/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * family-check.h: what the family tests (test-families*.c) share: checks of
 * a nub description's properties, each with its exact type and width (a
 * failed check fails the running cmocka test), and devices built from
 * tables of attributes and udev properties.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "family.h"
#include "umockdev-load.h"

#define RECORDING(name) FAMILY_TEST_DATA "/umockdev/" name ".umockdev"

/* For _cleanup_: a NubDescription on the stack. */
void nub_done(NubDescription *n);

/* The property, or the test fails. */
const Value *get_prop(const NubDescription *n, const char *key);
void check_unsigned(const NubDescription *n, const char *key, uint64_t expected, unsigned bits);
void check_signed(const NubDescription *n, const char *key, int64_t expected, unsigned bits);
void check_string(const NubDescription *n, const char *key, const char *expected);
void check_bool(const NubDescription *n, const char *key, bool expected);
void check_data(const NubDescription *n, const char *key, const void *expected, size_t len);
void check_absent(const NubDescription *n, const char *key);
/* location NULL: the nub must have none. */
void check_nub(const NubDescription *n, const char *class_name, const char *name, const char *location);
void describe(const DeviceRecord *d, NubDescription *ret);
const Value *linux_dict(const NubDescription *n);
/* expected NULL: the key must be absent. */
void check_linux_string(const NubDescription *n, const char *key, const char *expected);
/* A recording from tests/data/umockdev, or the test fails; owned by the caller. */
UmockdevRecording *load(const char *path);

/* A device built from tables. */
typedef struct TableDevice {
        DeviceRecord record;
        const char *const *attrs; /* borrowed: name, value, ..., NULL */
        const char *const *props; /* borrowed: key, value, ..., NULL */
} TableDevice;

/* Fills in what a table leaves out: sysname, devpath and the callbacks. Returns &t->record. */
DeviceRecord *table_device(TableDevice *t, const DeviceRecord *parent);
