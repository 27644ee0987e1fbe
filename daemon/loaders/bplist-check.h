/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bplist-check.h: a bounded pre-scan of binary property lists, before
 * libplist sees them. libplist 2.2 (Debian 12) asserts, killing the
 * process, when a dictionary key holds a NUL (plist_get_key_val(), reached
 * from plist_dict_next_item()); a binary plist can encode one (an ASCII key
 * with a 0 byte, a UTF-16 key with U+0000), and no public call of 2.2 tells
 * a key's length to check afterwards. So every dictionary object in the
 * object table is read here, without recursion (a flat walk of the offset
 * table: each object once, whatever the references), and its keys checked.
 */
#pragma once

#include <stddef.h>

/*
 * How deep arrays, sets and dictionaries may nest in a property list file, binary or XML
 * (xplist-check.h), before libplist sees it: libplist and the converters recurse once per level,
 * and a file 100,000 levels deep overflowed the stack. A macOS registry archive (`ioreg -a`)
 * nests two levels per registry level; no real file comes near this. What may reach the bus is
 * bounded much lower, per value (VALUE_MAX_NESTING, value.h).
 */
#define BPLIST_MAX_NESTING 256
#define BPLIST_MAX_NESTING_TEXT "256"

/* True when buf starts as a binary plist ("bplist00"), the form libplist parses with plist_from_bin(). */
int bplist_is_binary(const void *buf, size_t len);

/*
 * 0 when buf (a binary plist) may go to libplist; -EBADMSG with *ret_reason
 * (static) when its structure is broken (trailer, offset table, an object
 * out of range) or a dictionary key is not a string or holds a NUL, or when
 * containers nest deeper than BPLIST_MAX_NESTING or contain themselves.
 * -ENOMEM.
 */
int bplist_check(const void *buf, size_t len, const char **ret_reason);
