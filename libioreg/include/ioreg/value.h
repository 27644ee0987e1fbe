/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ioreg/value.h: helpers for property values in the project's JSON form
 * (ioreg/registry.h): the bytes of a data value, numbers read at the width
 * the program wants, and a release callable through an FFI. What a macOS
 * program does with CFDataGetBytePtr, CFNumberGetValue and CFRelease.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include <ioreg/return.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * The bytes of a data value ({"$data": "BASE64"}), decoded.
 * @param ret on success a new buffer (the caller's: free() it; not NULL
 *        even for no bytes); untouched on failure.
 * @return BAD_ARGUMENT when v is not a data value (a string included: data
 *         is never a string), NO_MEMORY.
 */
ioreg_return_t ioreg_json_copy_data(const json_t *v, uint8_t **ret, size_t *ret_len);
/** A new data value ({"$data": "BASE64"}) holding len bytes (the caller's reference), or NULL (errno ENOMEM). */
json_t *ioreg_json_data_new(const void *bytes, size_t len);

/*
 * A number value (an integer, or {"$unsigned": "DIGITS"}) at a given width,
 * as CFNumberGetValue reads one, but refusing rather than truncating: a
 * value outside the type's range, or anything that is not a number, is
 * BAD_ARGUMENT and leaves *ret untouched.
 */
ioreg_return_t ioreg_json_get_u8(const json_t *v, uint8_t *ret);
ioreg_return_t ioreg_json_get_u16(const json_t *v, uint16_t *ret);
ioreg_return_t ioreg_json_get_u32(const json_t *v, uint32_t *ret);
ioreg_return_t ioreg_json_get_u64(const json_t *v, uint64_t *ret);
ioreg_return_t ioreg_json_get_i64(const json_t *v, int64_t *ret);

/**
 * Drops one reference to v (json_decref(), which jansson defines inline, so
 * that Python ctypes and other FFIs cannot call it). NULL is allowed.
 */
void ioreg_json_release(json_t *v);

#ifdef __cplusplus
}
#endif
