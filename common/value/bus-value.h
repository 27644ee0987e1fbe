/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bus-value.h: Values on D-Bus, with the natural signatures (DESIGN.md
 * "Property values"): string `s`; unsigned numbers `y` `q` `u` `t` and signed
 * `n` `i` `x` by width (a signed 8-bit number travels as `n`, D-Bus having no
 * signed byte); boolean `b`; data `ay`; array `av`; dictionary `a{sv}`.
 *
 * Reading accepts any D-Bus value a client may send: `o` and `g` read as
 * strings, typed arrays (`as`, `au`, ...) as arrays, dictionaries with string
 * keys as dictionaries. Doubles, unix fds and non-string keys are refused
 * with -EMEDIUMTYPE; nesting deeper than BUS_VALUE_MAX_DEPTH with -ELOOP
 * (each container and each variant counts, and an array item or dictionary
 * value without a variant counts as if it had one, as it will when sent back:
 * whatever is read can be sent and read again).
 */
#pragma once

#include <systemd/sd-bus.h>

#include "value.h"

#define BUS_VALUE_MAX_DEPTH 32

/* The D-Bus signature of v ("s", "u", "a{sv}", ...); static string. */
const char *bus_value_signature(const Value *v);

/* Appends v as a variant (`v`). */
int bus_message_append_variant(sd_bus_message *m, const Value *v);
/* Appends dictionary d as `a{sv}`. */
int bus_message_append_dict(sd_bus_message *m, const Value *d);

/* Reads one variant into *ret (new reference). */
int bus_message_read_variant(sd_bus_message *m, Value **ret);
/* Reads an `a{sv}` into a new dictionary. */
int bus_message_read_dict(sd_bus_message *m, Value **ret);
/* The same, stopping with -E2BIG at the value after max_values (containers count), before building more. */
int bus_message_read_dict_limited(sd_bus_message *m, size_t max_values, Value **ret);

/*
 * Bytes v takes on the wire as a variant, and d as an a{sv}: an upper bound
 * (each item with its worst padding), for keeping a message under the bus's
 * limit before it is built and for counting what a client was sent.
 */
uint64_t bus_value_wire_size(const Value *v);
uint64_t bus_dict_wire_size(const Value *d);
