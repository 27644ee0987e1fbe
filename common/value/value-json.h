/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * value-json.h: Values as JSON, the one JSON form of personality files and of
 * libioreg's property values. string ↔ string; number ↔ integer (a JSON
 * integer becomes a 64-bit number, unsigned when ≥ 0, signed when negative;
 * an unsigned number above INT64_MAX becomes {"$unsigned": "DIGITS"}, which
 * reads back); boolean ↔ true/false; data ↔ {"$data": "BASE64"} (RFC 4648,
 * padded), so data never looks like a string; array ↔ array; dictionary ↔
 * object. Reals and null have no Value.
 */
#pragma once

#include <jansson.h>

#include "value.h"

#define VALUE_JSON_DATA_KEY "$data"
#define VALUE_JSON_UNSIGNED_KEY "$unsigned"

/*
 * A conversion that failed: what was found (a static phrase such as
 * "unsupported type real") and where, as a path below the converted value
 * ("Scale", "[1]/Scale"); where is NULL at the value itself.
 */
typedef struct ConvertError {
        const char *what;
        char *where; /* owned */
} ConvertError;

void convert_error_done(ConvertError *e);
/* Puts a dictionary key or an array index in front of e->where, on the way back up. */
int convert_error_prepend_key(ConvertError *e, const char *key);
int convert_error_prepend_index(ConvertError *e, size_t i);

/* -EINVAL with err filled when j has no Value (err may be NULL); *ret is the caller's. */
int value_from_json(json_t *j, Value **ret, ConvertError *err);
/* A new reference, or NULL when out of memory. */
json_t *value_to_json(const Value *v);
