/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * macroman.h: Mac OS Roman, the encoding ioreg prints strings in
 * (CFStringGetCString with kCFStringEncodingMacRoman). A string it cannot
 * encode prints as nothing at all, not even quotes: `"Codec"=,` in real
 * dumps. The snapshot loader turns dumps back into UTF-8; the CLI encodes
 * again when it prints.
 */
#pragma once

#include <stddef.h>

/* The replacement character: what an empty (unprintable) string in a dump loads as. */
#define MACROMAN_UNPRINTABLE "\xef\xbf\xbd"

/* *ret owned, NUL-terminated UTF-8. */
int macroman_to_utf8(const char *s, size_t n, char **ret);
/* *ret owned; -EILSEQ when s holds a character Mac OS Roman lacks (or bad UTF-8). */
int utf8_to_macroman(const char *s, char **ret);
