/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * symbol.h: interned, reference-counted strings for dictionary keys.
 * A registry of 100,000 entries repeats the same few hundred property names;
 * interning stores each once (as OSSymbol does in the kernel). Equal symbols
 * are the same pointer. The table is process-wide and single-threaded, like
 * the daemon's event loop.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

typedef struct Symbol {
        unsigned n_ref;
        unsigned len;
        bool utf8; /* str is UTF-8 without NUL: the D-Bus edges may send it without checking again */
        char str[];
} Symbol;

/* Returns a new reference to the symbol for s, or NULL on ENOMEM. */
Symbol *symbol_intern(const char *s);
Symbol *symbol_intern_len(const char *s, size_t len);
/* Returns the existing symbol for s without a new reference, or NULL: lookups need no allocation. */
Symbol *symbol_lookup(const char *s);
Symbol *symbol_ref(Symbol *s);
Symbol *symbol_unref(Symbol *s);
size_t symbol_table_size(void);
