/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * dump-tree.h: builds a registry tree from the tree lines of a real macOS
 * `ioreg` text dump, for tests that check the registry against the shape of
 * a real machine.
 *
 * A tree line is `<indent>+-o Name@location  <class X, id 0x..., ...>`; the
 * column of "+-o" gives the depth (column / 2), the text up to the two
 * spaces before "<class" is the name, then '@' and the location if there is
 * one. Property lines (`| {`, `|   "key" = ...`) are skipped. An entry with
 * several parents appears once under each of them with the same id: the
 * first appearance creates it, later ones add a parent, in dump order.
 */
#pragma once

#include <stdint.h>

#include "registry.h"

typedef struct DumpEntry {
        Entry *entry;     /* borrowed from the registry */
        uint64_t dump_id; /* the id in the dump (the registry assigns its own) */
        unsigned line;    /* first line it appears on, 1-based */
} DumpEntry;

typedef struct DumpTree {
        DumpEntry **entries; /* owned, in order of first appearance; [0] is Root */
        unsigned n_entries, cap_entries;
        unsigned n_lines;        /* tree lines read, repeated entries included */
        unsigned n_multi_parent; /* entries that appeared under more than one parent */
} DumpTree;

/*
 * Loads the dump at path into plane: its Root line maps to reg->root, every
 * other entry is created with its class (defined below IOService when the
 * table does not know it yet) and attached below the entry one level up.
 * Names and locations are set globally for the IOService plane and as the
 * plane's own otherwise. -EBADMSG on a line that does not parse or an entry
 * that reappears with another name, location or class.
 */
int dump_tree_load(Registry *reg, const Plane *plane, const char *path, DumpTree *ret);
void dump_tree_done(DumpTree *t);
