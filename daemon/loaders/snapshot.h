/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * snapshot.h: a saved macOS registry loaded into a Registry: `ioreg -l -w0`
 * text dumps (snapshot-text.c) and `ioreg -a` XML archives
 * (snapshot-plist.c). `ioregd --snapshot FILE` serves the result instead of
 * udev; `ioreg --from FILE` prints it without a daemon.
 *
 * A dump shows one plane; its entries go into the plane given to the
 * loader, keeping Apple's IDs, names, locations, classes, state, busy
 * count and time, retain count and properties. An entry listed under
 * several parents (same ID twice) is one entry with several parents. A
 * dump that does not start at Root (`ioreg -r`) hangs its top entries
 * below our Root.
 *
 * What the text loses and how it is filled in:
 *  - Number widths: the text prints every number as unsigned decimal (or
 *    0x… with -x). A value up to 0xffffffff loads as a 32-bit unsigned
 *    number, anything larger as 64-bit unsigned; negative numbers come back
 *    as their 64-bit two's complement, which prints the same.
 *  - Data shown as <"a","b"> loads as the strings, each NUL-terminated
 *    (what the kernel usually holds and what prints back the same).
 *  - Strings: Apple prints them without escapes; a string ends at the
 *    quote that is followed by what may follow a value there.
 *  - Sets ([a,b]) load as arrays.
 *  - Classes: only the class name is shown. Apple classes in the known
 *    table (snapshot-classes.c, generated from real `-i` dumps) get their
 *    real superclass chain; a class named like a known one but for its
 *    numbers gets that one's chain (snapshot-infer.c); any other class is
 *    defined as a subclass of IOService when the line shows service state,
 *    else of IORegistryEntry.
 *  - -f blocks (hex dumps of data, phys.hi address tables, ranges tables)
 *    are read back into the bytes they show.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "registry.h"

/* Where a load failed: 1-based line (text) or 0, and a message. */
typedef struct SnapshotError {
        unsigned line;
        char message[160];
} SnapshotError;

/* One entry as a dump shows it; the loader copies what it keeps. */
typedef struct SnapshotRecord {
        unsigned depth;          /* 0 = the dump's top level */
        const char *name;        /* borrowed */
        const char *location;    /* borrowed, NULL for none */
        const char *class_name;  /* borrowed */
        uint64_t id;
        bool is_service;         /* the line showed state (IOService) */
        uint32_t state;          /* EntryState bits */
        uint32_t busy;
        uint64_t busy_time_nsec;
        uint32_t retain;
        Value *properties;       /* borrowed dictionary or NULL */
} SnapshotRecord;

/* Fills err (NULL-safe) with the message and returns r, for the parsers and the builder. */
int snapshot_fail(SnapshotError *err, int r, const char *format, ...) _printf_(3, 4);

/* Puts records into a registry in pre-order; see snapshot-builder.c. */
typedef struct SnapshotBuilder {
        Registry *registry;      /* borrowed */
        const Plane *plane;      /* borrowed */
        Entry **stack;           /* borrowed entries: the last one seen at each depth */
        unsigned n_stack, cap_stack;
        unsigned n_records;
} SnapshotBuilder;

void snapshot_builder_init(SnapshotBuilder *b, Registry *reg, const Plane *plane);
void snapshot_builder_done(SnapshotBuilder *b);
int snapshot_builder_add(SnapshotBuilder *b, const SnapshotRecord *r, SnapshotError *err);

/* Text and XML parsers. 0 on success, else a negative errno with err filled in. */
int snapshot_load_text(Registry *reg, const Plane *plane, const char *text, size_t len, SnapshotError *err);
int snapshot_load_plist(Registry *reg, const Plane *plane, const char *data, size_t len, SnapshotError *err);

/*
 * Reads path (or stdin for "-") and loads it into plane (created if
 * needed) of reg, choosing the parser from the content: an XML or binary
 * plist is an archive, anything else text.
 */
int snapshot_load_file(Registry *reg, const char *plane_name, const char *path, SnapshotError *err);
/* The same for contents already in memory (data, len bytes, borrowed; no NUL needed). */
int snapshot_load_buffer(Registry *reg, const char *plane_name, const char *data, size_t len, SnapshotError *err);

/*
 * The superclass of a class the known chains do not list, inferred from a
 * known class whose name differs only in its numbers (snapshot-infer.c),
 * written into buf; NULL when there is none.
 */
const char *snapshot_infer_superclass(const char *name, char *buf, size_t size);

/* Parses one value in Apple's text syntax (exposed for tests). *ret owned. */
int snapshot_parse_value(const char *text, Value **ret);
