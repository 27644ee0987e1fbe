/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ioreg-tree.h: one plane of the registry as the CLI sees it: the entries in
 * pre-order with their depth, as GetPlane returns them (and as a saved dump
 * will load). Printing needs nothing else. Properties are JSON, as libioreg
 * hands them out; a saved registry's Values are written in the same form
 * (value-json.h), so both print alike.
 */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "macro.h"

typedef struct IoregNode {
        uint64_t id;
        unsigned depth;        /* 0 for Root */
        char *name;            /* owned: the name in the plane */
        char *location;        /* owned, NULL when the entry has none */
        char **classes;        /* owned strv: the class, then its superclasses */
        uint32_t state;        /* EntryState bits */
        uint32_t busy;
        uint64_t busy_time_nsec;
        uint32_t retain;
        json_t *properties;    /* owned object, in the one JSON form (json-form.h) */
} IoregNode;

typedef struct IoregTree {
        IoregNode *nodes;      /* owned, pre-order */
        size_t n_nodes;
        unsigned cap_nodes;
} IoregTree;

void ioreg_tree_done(IoregTree *t);
bool ioreg_node_is_service(const IoregNode *n);

/* The index of node i's parent (the nearest shallower node before it), or SIZE_MAX for a top node. */
size_t ioreg_tree_parent(const IoregTree *t, size_t i);
/* The index after node i's subtree. */
size_t ioreg_tree_subtree_end(const IoregTree *t, size_t i);

/* Walks plane of a registry in memory as GetPlane does (ioreg --from). -ENXIO for an unknown plane. */
typedef struct Registry Registry;
int ioreg_tree_from_registry(const Registry *reg, const char *plane, IoregTree *ret);

/*
 * Fetches plane from the daemon, in one call (libioreg's
 * ioreg_registry_create_plane()). -ENXIO for an unknown plane; other
 * failures as libioreg's code in *ret_error (may be NULL).
 */
int ioreg_tree_fetch(const char *plane, int *ret_error, IoregTree *ret);
