/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * snapshot-value.h: the values of an `ioreg` text dump (snapshot-text.c's
 * property lines): Apple's value syntax (numbers, strings, data, arrays,
 * sets, dictionaries, Yes/No), and the `-f` blocks below a key with no value
 * (hex dumps, cell tables). snapshot_parse_value() in snapshot.h is the
 * NUL-terminated form. 0, or -EBADMSG for malformed text, -ENOMEM.
 */
#pragma once

#include <stddef.h>

#include "value.h"

/* The whole of s (len bytes) as one value. */
int snapshot_parse_value_n(const char *s, size_t len, Value **ret);
/* The n lines of a -f block as the data or array they show. */
int snapshot_parse_format_block(char **lines, size_t n, Value **ret);
/*
 * A value cut by a terminal clip: its n visible bytes (the '$' ioreg put in
 * place of the rest not included), completed as snapshot-clip.c says.
 */
int snapshot_parse_clipped_value(const char *v, size_t n, Value **ret);
/* A string as the dump shows it (Mac OS Roman) as a UTF-8 string value; NULL on ENOMEM or bad text. */
Value *snapshot_string_from_dump(const char *s, size_t n);
