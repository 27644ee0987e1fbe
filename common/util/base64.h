/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * base64.h: RFC 4648 base64 with padding, strict: one spelling per byte
 * string (no spaces, no missing padding), so that JSON files compare as text.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* A new NUL-terminated string (the caller's), or NULL when out of memory. */
char *base64_encode(const uint8_t *bytes, size_t len);
/* -EINVAL when s is not strict base64; *ret (the caller's, never NULL on success) and *ret_len on success. */
int base64_decode(const char *s, size_t len, uint8_t **ret, size_t *ret_len);
