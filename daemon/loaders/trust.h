/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * trust.h: may the daemon act on a file it did not write? On the system bus
 * the daemon runs as root and every personality file (and every driver
 * executable the driver host launches) decides what root does, so such a
 * file must be as hard to change as the daemon itself: owned by root and
 * not writable by group or others, and so must every directory above it
 * (a directory writable by others lets them swap the file). World-writable
 * directories with the sticky bit (/tmp) are accepted: there only root may
 * rename or remove root's entries. A symlink is followed and both the link
 * (its own owner, its directories) and its target are checked.
 *
 * The manager switches the check on (trust_set_enforced()): on by default
 * on the system bus, off on a private bus (tests, ./run) unless --trust=yes.
 */
#pragma once

#include <stdbool.h>

void trust_set_enforced(bool enforced);

/*
 * 0 when path may be trusted, or when enforcement is off. Otherwise -EPERM
 * (or the errno of a failed stat, e.g. -ENOENT) after one warning naming
 * the file and the reason ("/etc/x.plist: refused, not trusted: writable by
 * others (mode 0666)").
 */
int trust_check_path(const char *path);
