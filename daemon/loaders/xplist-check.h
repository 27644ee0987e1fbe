/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * xplist-check.h: a bounded pre-scan of XML property lists, before libplist
 * sees them: elements may nest BPLIST_MAX_NESTING containers deep (plus the
 * <plist> element and a leaf), as in a binary plist (bplist-check.h).
 * libplist's XML reader and the converters recurse once per element; a file
 * 100,000 levels deep overflowed the stack. One pass, no recursion, no
 * allocation: comments, CDATA, processing instructions and the DOCTYPE are
 * skipped, every other start tag opens a level and every end tag closes one.
 */
#pragma once

#include <stddef.h>

/* 0 when buf may go to libplist, -EBADMSG with *ret_reason (static) when it nests too deep. */
int xplist_check(const char *buf, size_t len, const char **ret_reason);
