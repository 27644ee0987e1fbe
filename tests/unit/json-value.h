/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* json-value.h: Values written as JSON in tests (integers → 64-bit numbers, "0x…" stays a string). */
#pragma once

#include <jansson.h>

#include "value.h"

/* NULL on a parse error (printed). */
Value *json_value(const char *text);
/* The same for parsed JSON (the fuzz targets parse with a length); NULL for null, reals, ENOMEM. */
Value *json_value_convert(json_t *j);
