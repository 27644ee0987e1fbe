/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * wire-json.h: property values on D-Bus, read straight into JSON (jansson's
 * json_t) and written straight from it, with no other model in between: the
 * codec of libioreg and the CLI. It keeps no state, so any thread may use it.
 *
 * The JSON form is the project's one (docs/libioreg.md, and value-json.h for
 * the daemon's Value): string ↔ string; number ↔ integer, an unsigned number
 * above INT64_MAX as {"$unsigned": "DIGITS"}; boolean ↔ true/false; data ↔
 * {"$data": "BASE64"} (RFC 4648, padded); array ↔ array; dictionary ↔ object.
 * Reals and null have no registry value.
 *
 * The D-Bus form is the daemon's (common/value/bus-value.h): reading accepts
 * every signature a daemon or client sends (y q u t n i x as integers, s o g
 * as strings, b, ay as data, any other array as an array, a{s?}/a{o?}/a{g?}
 * as objects; d, h and non-string keys are -EMEDIUMTYPE; nesting deeper than
 * WIRE_JSON_MAX_DEPTH is -ELOOP, counted as bus-value.c counts it). Writing
 * gives a JSON integer the width a JSON integer gets in the daemon's
 * value-json.c, a 64-bit number: `t` when ≥ 0, `x` when negative; data `ay`,
 * arrays `av`, objects `a{sv}`.
 */
#pragma once

#include <errno.h>
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <systemd/sd-bus.h>

#define WIRE_JSON_DATA_KEY "$data"
#define WIRE_JSON_UNSIGNED_KEY "$unsigned"
#define WIRE_JSON_MAX_DEPTH 32

/* Reads one variant (`v`) into *ret (a new reference). */
int wire_json_read_variant(sd_bus_message *m, json_t **ret);
/* Reads an `a{sv}` into a new object in *ret. */
int wire_json_read_dict(sd_bus_message *m, json_t **ret);

/* -EINVAL when j (not consumed) has no registry value: a real, a null, a malformed $data or $unsigned. */
int wire_json_check(json_t *j);
/* Appends j as a variant; -EINVAL as wire_json_check(), possibly after part of it went in. */
int wire_json_append_variant(sd_bus_message *m, json_t *j);
/* Appends object d as `a{sv}`. */
int wire_json_append_dict(sd_bus_message *m, json_t *d);

/* What a JSON value is in the registry's terms. */
typedef enum WireJsonType {
        WIRE_JSON_STRING,
        WIRE_JSON_NUMBER,     /* an integer, or {"$unsigned"} */
        WIRE_JSON_BOOLEAN,
        WIRE_JSON_DATA,       /* {"$data"} */
        WIRE_JSON_ARRAY,
        WIRE_JSON_DICTIONARY, /* any other object */
        _WIRE_JSON_TYPE_MAX,
        _WIRE_JSON_TYPE_INVALID = -EINVAL, /* a real, a null, NULL */
} WireJsonType;

WireJsonType wire_json_type(json_t *j);
/* A number's 64 bits: an unsigned one as it is, a negative one as its two's complement; 0 for no number. */
uint64_t wire_json_number(json_t *j);

/* The JSON of an unsigned number: an integer, or {"$unsigned": "DIGITS"} above INT64_MAX. NULL: ENOMEM. */
json_t *wire_json_unsigned(uint64_t u);
/* {"$data": "BASE64"}; NULL when out of memory. */
json_t *wire_json_data(const uint8_t *bytes, size_t len);
/* The bytes of a {"$data"} object into *ret (the caller's); -EINVAL when j is not one. */
int wire_json_get_data(json_t *j, uint8_t **ret, size_t *ret_len);
/* The number of an integer ≥ 0 or of {"$unsigned"}; -EINVAL for anything else. */
int wire_json_get_unsigned(json_t *j, uint64_t *ret);
