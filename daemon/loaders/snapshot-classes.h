/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * snapshot-classes.h: Apple's class → superclass pairs as real Macs report
 * them, superclasses first (generated, see snapshot-classes.c), so that a
 * loaded dump answers `-c`, `-i` and IOService conformance as the Mac did.
 */
#pragma once

#include <stddef.h>

extern const char *const snapshot_known_classes[][2];
extern const size_t snapshot_n_known_classes;
