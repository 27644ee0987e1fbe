/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* json-value.h: Values written as JSON in tests (integers → 64-bit numbers, "0x…" stays a string). */
#pragma once

#include "value.h"

/* NULL on a parse error (printed). */
Value *json_value(const char *text);
