/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * registry-snapshot.h: a registry as text, for tests that compare two
 * registries built independently (a resynced one and a fresh coldplug of
 * the same testbed). Entry IDs differ between such registries, so each
 * entry is described by what a client can see of it: in every plane, one
 * line `Plane:/path <class> {key = value; ...}` with every property and its
 * type (u32:5, s32:-5, "text", <hex data>, Yes/No, arrays and dictionaries
 * in insertion order). Lines are sorted: the order of siblings depends on
 * when each device arrived, which a resync cannot (and need not) reproduce.
 */
#pragma once

#include <stdio.h>

#include "registry.h"

/* *ret = a new NULL-terminated, sorted strv of lines (owned by the caller). -ENOMEM only. */
int registry_snapshot(const Registry *reg, char ***ret);

/*
 * Compares two snapshots. Writes every line that is in one and not the other to out
 * ("- " only in a, "+ " only in b) and returns how many there were: 0 when equal.
 */
unsigned registry_snapshot_diff(char *const *a, char *const *b, FILE *out);
