/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ioreg-print.h: Apple's ioreg output (reference §4): the text format
 * (object lines with their `| ` / two-space columns, property blocks, value
 * rendering, clipping with `$`), and which entries it shows: `-c`/`-k`/`-n`
 * select the entries whose properties are shown, `-r` prints only the
 * subtrees rooted at them, `-t` adds their ancestors. The archive (`-a`,
 * ioreg-archive.c) and JSON (`-j`, ioreg-json.c) outputs walk the tree the
 * same way.
 */
#pragma once

#include <stdbool.h>
#include <stdio.h>

#include "ioreg-tree.h"

typedef struct IoregPrintOptions {
        bool all_properties;  /* -l */
        bool hex;             /* -x: numbers and data in hexadecimal */
        bool inheritance;     /* -i: Super:...:Class instead of the class */
        bool bold;            /* -b: names in bold */
        bool format;          /* -f: decode device-tree data (ioreg-format.c) */
        bool root;            /* -r: subtrees rooted at the matches */
        bool tree;            /* -t: with -r, the ancestors of each match too */
        bool no_dext_classes; /* -y: -c looks at the class, never IOUserClasses */
        bool linux_view;      /* -L: what Linux knows after each object line (linux-facts.h); -j: a "linux" object */
        const char *class_name; /* -c, borrowed */
        const char *key;        /* -k, borrowed */
        const char *name;       /* -n, borrowed */
        unsigned depth_limit; /* -d: 0 = no limit; 1 = the root only */
        unsigned width;       /* -w: 0 = no clipping */
        const IoregTree *device_tree; /* borrowed, may be NULL: the IODeviceTree plane, for -f */
} IoregPrintOptions;

int ioreg_print_tree(FILE *f, const IoregTree *t, const IoregPrintOptions *o);

/* Apple's compare(): every given criterion (-c, -k, -n) holds, and at least one was given. */
bool ioreg_node_matches(const IoregNode *n, const IoregPrintOptions *o);
/* Whether n's properties are shown: -l, or it matches. */
static inline bool ioreg_node_shows_properties(const IoregNode *n, const IoregPrintOptions *o) {
        return o->all_properties || ioreg_node_matches(n, o);
}

/*
 * Apple's -r walk: calls found(i, depth) for each match, in pre-order,
 * skipping matches inside a subtree already shown (within -d of it).
 * Returns what found() returns if negative, else 0.
 */
int ioreg_search(const IoregTree *t, const IoregPrintOptions *o, int (*found)(size_t i, void *userdata),
                 void *userdata);

/* -a: an XML plist with Apple's keys (ioreg-archive.c). */
int ioreg_print_archive(FILE *f, const IoregTree *t, const IoregPrintOptions *o);
/* -j: JSON, schema in docs/ioreg-json.md (ioreg-json.c). */
int ioreg_print_json(FILE *f, const IoregTree *t, const char *plane, const IoregPrintOptions *o);
