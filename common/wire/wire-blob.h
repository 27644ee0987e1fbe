/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * wire-blob.h: GetPlanePage's records as one byte array (Registry1.GetPlaneBlob,
 * systemd/org.ioreg.Registry1.xml), and their reading into libioreg's JSON records.
 *
 * Why: a plane as `a(tussasuutua{sv})` costs every hop per value: sd-bus opens a
 * container and a variant for each property (the daemon), dbus-daemon validates every
 * field and string of the body, and the client enters each of them again. As `ay` the
 * same records are one memcpy for the bus and a flat read for the client, which needs
 * them as JSON anyway (ioreg -l: about 60 % of its time went to sd-bus's reader).
 *
 * The format: records one after the other to the end of the array, no padding, all
 * integers little-endian. A string is u32 length + that many bytes of UTF-8 (no NUL).
 *   record:  u64 id, u32 depth, string name, string location ("" = none),
 *            u32 n_classes + n_classes strings (the class, then its superclasses),
 *            u32 state, u32 busy, u64 busy_time_ns, u32 retain, value properties
 *            (a dictionary)
 *   value:   one tag byte, then
 *            'u' u64 (unsigned number)      'i' u64 (signed number, two's complement)
 *            'b' u8 (0 or 1)                's' string
 *            'd' u32 length + bytes (data)  'a' u32 count + count values
 *            'o' u32 count + count (string key, value) pairs (dictionary)
 * Numbers keep their value and sign, as on D-Bus through wire-json.h: the JSON form has
 * no widths. A value nests at most WIRE_BLOB_MAX_NESTING containers below the record.
 */
#pragma once

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#define WIRE_BLOB_UNSIGNED 'u'
#define WIRE_BLOB_SIGNED 'i'
#define WIRE_BLOB_BOOLEAN 'b'
#define WIRE_BLOB_STRING 's'
#define WIRE_BLOB_DATA 'd'
#define WIRE_BLOB_ARRAY 'a'
#define WIRE_BLOB_DICTIONARY 'o'

/* VALUE_MAX_NESTING (value.h) and one for the property table itself. */
#define WIRE_BLOB_MAX_NESTING 16

/*
 * Appends the records of bytes[0..n) to a (a JSON array), each as the object
 * ioreg_registry_create_plane() hands out: id, depth, name, location (when not ""),
 * classes, state, busy, busy_time_ns, retain, properties. -EBADMSG for anything that
 * is not records as above (truncated, an unknown tag, a string that is not UTF-8,
 * nesting too deep); a keeps what was appended before. -ENOMEM.
 */
int wire_blob_read_records(const uint8_t *bytes, size_t n, json_t *a);
