/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * registry-path.h: registry paths, `Plane:/name@location/...`, with the
 * kernel's rules (reference §1.3): the plane root is the first child of Root
 * in the plane and has the path `Plane:/`; each component is the name in the
 * plane and `@location` when there is one; a component matches a child whose
 * name is a prefix ending at '/', ':', '@' or the end, and locations compare
 * as hexadecimal fields separated by ',' or ':'. The first matching child
 * wins.
 *
 * Two extensions: a location that is not made of hexadecimal fields matches
 * when its text is identical (numerically it never would), and a path whose first component is not found below the plane
 * root is also looked up among Root's other children in the plane, so that
 * get-path and from-path round-trip in planes with several top-level
 * entries (the IOUSB plane has one per root hub).
 */
#pragma once

#include "registry.h"

/* The plane root: the first child of Root in the plane, or NULL. Borrowed. */
Entry *registry_plane_root(const Registry *reg, const Plane *plane);

/*
 * *ret = newly allocated path of e in plane. -ENOENT when e is not attached
 * in the plane (Root itself has no path, as in the kernel), -ENAMETOOLONG
 * past the 16 KiB out-of-line limit.
 */
int registry_entry_get_path(const Registry *reg, const Entry *e, const Plane *plane, char **ret);

/*
 * Keeps e's path in each plane it is attached in (EntryPlace.last_path), for a
 * terminated service that still answers with its last state (its notifications
 * carry them; entry_get_last_path()). Called as e leaves the registry, before it
 * is cut from its planes (the registry observer's entry_removed). -ENOMEM (the
 * paths kept so far stay).
 */
int registry_entry_keep_paths(const Registry *reg, Entry *e);

/*
 * Resolves path. A `Plane:` prefix selects the plane; without one,
 * default_plane is used (-EINVAL when NULL). -ENOENT when nothing matches
 * or a residue is left, -ENXIO for an unknown plane. *ret is borrowed.
 */
int registry_entry_from_path(const Registry *reg, const char *path, const Plane *default_plane, Entry **ret);

#define REGISTRY_PATH_MAX 16384
