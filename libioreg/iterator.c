/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * iterator.c: IOIterator* on libioreg's two iterators: snapshots of entry
 * IDs, and matching notifications (notification-matching.c).
 */

#include "lib-internal.h"

ioreg_object_t ioreg_iterator_next(ioreg_iterator_t iterator) {
        LibIterator *it;
        LibEntry *e;

        if (!iterator)
                return NULL;
        if (iterator->kind == LIB_OBJECT_MATCHING)
                return lib_matching_next(iterator);
        if (iterator->kind != LIB_OBJECT_ITERATOR)
                return NULL;
        it = (LibIterator *) iterator;
        if (it->pos >= it->n_ids)
                return NULL;
        e = lib_entry_new(it->ids[it->pos], it->run);
        if (!e)
                return NULL; /* the same ID again on the next call */
        it->pos++;
        return &e->base;
}

void ioreg_iterator_reset(ioreg_iterator_t iterator) {
        if (!iterator)
                return;
        if (iterator->kind == LIB_OBJECT_MATCHING)
                lib_matching_reset(iterator);
        else if (iterator->kind == LIB_OBJECT_ITERATOR)
                ((LibIterator *) iterator)->pos = 0;
}

int ioreg_iterator_is_valid(ioreg_iterator_t iterator) {
        if (!iterator)
                return 0;
        if (iterator->kind == LIB_OBJECT_MATCHING)
                return lib_matching_is_valid(iterator);
        /* A snapshot never changes under its reader. */
        return iterator->kind == LIB_OBJECT_ITERATOR;
}
