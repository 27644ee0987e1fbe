/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bus-errors.h: the org.ioreg.Error.* names and the checks every D-Bus
 * argument goes through before it reaches the registry. Only bus-*.c
 * include this: the model speaks errno, the bus speaks these names.
 *
 * A check that fails fills the sd_bus_error and returns the negative errno
 * that sd_bus_error_set() returned, so a method handler just returns it.
 * Arguments with the wrong signature never get this far: sd-bus refuses
 * them with org.freedesktop.DBus.Error.InvalidArgs.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <systemd/sd-bus.h>

#include "registry.h"
#include "value.h"
#include "protocol.h"

/* Driver servers (issue 8): a provider opened by another client, or not opened by this one. */

/* Sizes: what a sane client never reaches, well below the bus's own 128 MiB message limit. */
#define BUS_MAX_NAME 1024        /* plane, class and property key names, bytes */
#define BUS_MAX_STRING 65536     /* any other string argument or string value, bytes */
#define BUS_MAX_DATA (1u << 20)  /* one data value, bytes */

typedef struct BusValueLimits {
        unsigned max_depth;      /* nesting of arrays and dictionaries; the top dictionary is 1 */
        size_t max_values;       /* values in the whole argument, containers included */
} BusValueLimits;

/* Matching dictionaries: each candidate entry is compared with all of it. */
extern const BusValueLimits bus_limits_matching;
/* SetProperties: kept in the registry. */
extern const BusValueLimits bus_limits_properties;

/* Strict UTF-8 (no overlongs, no surrogates, nothing above U+10FFFF). */
bool bus_utf8_is_valid(const char *s, size_t len);

/* A string argument: UTF-8, at most max bytes. what names it in the message. */
int bus_check_string(const char *what, const char *s, size_t max, sd_bus_error *error);

/*
 * A value from a client: depth and count within limits, every key and string
 * UTF-8 and within BUS_MAX_NAME / BUS_MAX_STRING, data within BUS_MAX_DATA.
 */
int bus_check_value(const Value *v, const BusValueLimits *limits, sd_bus_error *error);

/* Reads an a{sv} argument (bus-value.h) and checks it; errors become org.ioreg.Error.* names. */
int bus_read_dict_checked(sd_bus_message *m, const BusValueLimits *limits, Value **ret, sd_bus_error *error);

/*
 * A plane argument. With allow_none, "" means "no plane" (*ret = NULL:
 * global names and locations). Otherwise NoSuchPlane for an unknown name.
 */
int bus_find_plane(const Registry *reg, const char *name, bool allow_none, const Plane **ret,
                   sd_bus_error *error);

/* A live entry by ID (borrowed), else NoSuchEntry. */
int bus_find_entry(const Registry *reg, uint64_t id, Entry **ret, sd_bus_error *error);


/*
 * An errno from the model as an org.ioreg.Error.* name: ENOENT NotFound,
 * ENXIO NoSuchPlane, ESTALE NoSuchEntry, EINVAL InvalidArgument, ELOOP,
 * E2BIG, ENAMETOOLONG and EMEDIUMTYPE InvalidArgument or LimitsExceeded,
 * EPERM NotPermitted, EOPNOTSUPP NotSupported, ETIMEDOUT Timeout; others Failed.
 */
int bus_error_set_errno(sd_bus_error *error, int r, const char *what);
