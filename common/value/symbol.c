/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* symbol.c: the intern table is a Hashmap keyed by the symbol's own string. */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hashmap.h"
#include "macro.h"
#include "symbol.h"
#include "utf8.h"

static Hashmap symbols = { .ops = &string_hash_ops };

_hot_ Symbol *symbol_lookup(const char *s) {
        return hashmap_get(&symbols, s);
}

_hot_ Symbol *symbol_intern_len(const char *s, size_t len) {
        Symbol *sym;
        char stack[128];
        char *key = stack;

        /* The map is keyed by NUL-terminated strings and s may be a slice: copy it. */
        if (len >= sizeof(stack)) {
                key = malloc(len + 1);
                if (!key)
                        return NULL;
        }
        memcpy(key, s, len);
        key[len] = '\0';

        sym = hashmap_get(&symbols, key);
        if (sym) {
                sym->n_ref++;
                goto out;
        }
        sym = malloc(sizeof(Symbol) + len + 1);
        if (!sym)
                goto out;
        sym->n_ref = 1;
        sym->len = len;
        memcpy(sym->str, s, len);
        sym->str[len] = '\0';
        sym->utf8 = !memchr(s, 0, len) && utf8_is_valid(s, len);
        if (hashmap_put(&symbols, sym->str, sym) < 0) {
                free(sym);
                sym = NULL;
        }
out:
        if (key != stack)
                free(key);
        return sym;
}

_hot_ Symbol *symbol_intern(const char *s) {
        return symbol_intern_len(s, strlen(s));
}

Symbol *symbol_ref(Symbol *s) {
        if (s)
                s->n_ref++;
        return s;
}

_hot_ Symbol *symbol_unref(Symbol *s) {
        if (!s)
                return NULL;
        if (--s->n_ref > 0)
                return NULL;
        (void) hashmap_remove(&symbols, s->str);
        free(s);
        if (hashmap_size(&symbols) == 0)
                hashmap_done(&symbols); /* leave nothing behind for leak checkers */
        return NULL;
}

size_t symbol_table_size(void) {
        return hashmap_size(&symbols);
}
