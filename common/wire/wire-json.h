/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * wire-json.h: property values on D-Bus, read straight into JSON (jansson's
 * json_t) and written straight from it, with no other model in between:
 * libioreg's codec. It keeps no state, so any thread may use it. The JSON
 * form itself, and the calls that read and make it, are json-form.h.
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

#include <jansson.h>
#include <systemd/sd-bus.h>

#include "json-form.h"

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

