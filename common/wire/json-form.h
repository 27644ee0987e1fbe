/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * json-form.h: the project's one JSON form of registry values (what libioreg
 * hands out, `ioreg -j` prints and personality files hold; value-json.h is
 * the daemon's side of it): string ↔ string; number ↔ integer, an unsigned
 * number above INT64_MAX as {"$unsigned": "DIGITS"}; boolean ↔ true/false;
 * data ↔ {"$data": "BASE64"} (RFC 4648, padded); array ↔ array; dictionary ↔
 * object. No sd-bus here: the CLI reads the form without the codec.
 */
#pragma once

#include <errno.h>
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#define JSON_FORM_DATA_KEY "$data"
#define JSON_FORM_UNSIGNED_KEY "$unsigned"

/* What a JSON value is in the registry's terms. */
typedef enum JsonFormType {
        JSON_FORM_STRING,
        JSON_FORM_NUMBER,     /* an integer, or {"$unsigned"} */
        JSON_FORM_BOOLEAN,
        JSON_FORM_DATA,       /* {"$data"} */
        JSON_FORM_ARRAY,
        JSON_FORM_DICTIONARY, /* any other object */
        _JSON_FORM_TYPE_MAX,
        _JSON_FORM_TYPE_INVALID = -EINVAL, /* a real, a null, NULL */
} JsonFormType;

JsonFormType json_form_type(json_t *j);
/* A number's 64 bits: an unsigned one as it is, a negative one as its two's complement; 0 for no number. */
uint64_t json_form_number(json_t *j);

/* The JSON of an unsigned number: an integer, or {"$unsigned": "DIGITS"} above INT64_MAX. NULL: ENOMEM. */
json_t *json_form_unsigned(uint64_t u);
/* {"$data": "BASE64"}; NULL when out of memory. */
json_t *json_form_data(const uint8_t *bytes, size_t len);
/* The bytes of a {"$data"} object into *ret (the caller's); -EINVAL when j is not one. */
int json_form_get_data(json_t *j, uint8_t **ret, size_t *ret_len);
/* The number of an integer ≥ 0 or of {"$unsigned"}; -EINVAL for anything else. */
int json_form_get_unsigned(json_t *j, uint64_t *ret);

/* One plane record (GetPlanePage's or GetPlaneBlob's), as libioreg hands it out and ioreg prints it. */
typedef struct JsonFormRecord {
        uint64_t id, busy_time;
        uint32_t depth, state, busy, retain;
        json_t *name, *location, *classes, *properties; /* owned: json_form_record() takes them */
} JsonFormRecord;

/* The record's object, its keys in one order, no "location" when it is "". Takes rec's four
 * references, also on error (then -ENOMEM); *ret is the caller's. */
int json_form_record(JsonFormRecord *rec, json_t **ret);
