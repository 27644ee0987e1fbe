/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * utf8.h: what the bus can carry. D-Bus strings are strict UTF-8 without
 * NUL; sysfs, udev and files give bytes. At the edge, a string that is not
 * UTF-8 is repaired the way systemd's utf8_escape_invalid() does it: every
 * byte that does not start a valid sequence becomes U+FFFD (REPLACEMENT
 * CHARACTER, "\xef\xbf\xbd"); a NUL inside the given length does too. The
 * callers keep the raw bytes where a client can read them (DESIGN.md).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#define UTF8_REPLACEMENT "\xef\xbf\xbd"

/* Strict UTF-8 (no overlongs, no surrogates, nothing above U+10FFFF) without NUL. */
bool utf8_is_valid(const char *s, size_t len);

/* A new NUL-terminated copy of s (len bytes) with each invalid byte replaced; NULL on ENOMEM. */
char *utf8_escape_invalid(const char *s, size_t len);
