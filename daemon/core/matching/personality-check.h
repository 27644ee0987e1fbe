/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * personality-check.h: the shape a personality must have before the
 * catalogue takes it: IOProviderClass present, and the generic I/O Kit keys
 * of the types the matcher expects (docs/personalities.md has the table).
 * Family keys (idVendor, IOPCIMatch's masks, ...) are the families' business
 * and are not checked here; unknown keys are kept as they are, as Apple does.
 */
#pragma once

#include "value.h"

/*
 * 0 when dict is a valid personality. -EINVAL when not: *ret_key (static,
 * may be NULL) names the key at fault and *ret_message (owned) says why.
 * -ENOMEM.
 */
int personality_check(const Value *dict, const char **ret_key, char **ret_message);

/* "a string", "an integer", "a dictionary", ...: for messages. */
const char *personality_type_phrase(ValueType t);
