/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* snapshot-builder.c: see snapshot.h. What both parsers share: records into entries. */

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "snapshot-classes.h"
#include "snapshot.h"

int snapshot_fail(SnapshotError *err, int r, const char *format, ...) {
        va_list ap;

        if (err) {
                va_start(ap, format);
                vsnprintf(err->message, sizeof(err->message), format, ap);
                va_end(ap);
        }
        return r;
}

/* A saved registry does not age: busy periods and times stay as they were saved. */
static uint64_t frozen_clock(void) {
        return 0;
}

void snapshot_builder_init(SnapshotBuilder *b, Registry *reg, const Plane *plane) {
        *b = (SnapshotBuilder) { .registry = reg, .plane = plane };
        reg->now_nsec = frozen_clock;
}

void snapshot_builder_done(SnapshotBuilder *b) {
        free(b->stack);
        b->stack = NULL;
        b->n_stack = b->cap_stack = 0;
}

#define MAX_INFERRED 8 /* inferred superclasses in a row (each a known shape: this ends anyway) */

/*
 * Defines class_name from the known Apple chains, else from a known class
 * named the same but for its numbers, else below IOService or IORegistryEntry.
 */
static int define_class_depth(ClassTable *t, const char *class_name, bool is_service, unsigned inferred) {
        const char *super = NULL;
        char buf[256];
        int r;

        if (class_table_find(t, class_name))
                return 0;
        for (size_t i = 0; i < snapshot_n_known_classes; i++)
                if (streq(snapshot_known_classes[i][0], class_name)) {
                        super = snapshot_known_classes[i][1];
                        break;
                }
        if (!super && inferred < MAX_INFERRED && (super = snapshot_infer_superclass(class_name, buf, sizeof(buf))))
                inferred++;
        if (super) {
                r = define_class_depth(t, super, is_service, inferred);
                if (r < 0)
                        return r;
        } else
                super = is_service ? "IOService" : "IORegistryEntry";
        return class_table_define(t, class_name, super, NULL);
}

static int define_class(ClassTable *t, const char *class_name, bool is_service) {
        return define_class_depth(t, class_name, is_service, 0);
}

/* Properties are taken as shown: the entry's dictionary is replaced, keeping the dump's order. */
static int set_properties(Entry *e, Value *props) {
        _cleanup_value_ Value *copy = NULL;

        if (!props)
                return 0;
        copy = value_copy(props);
        if (!copy)
                return -ENOMEM;
        return entry_set_properties(e, copy);
}

static int fill_entry(Entry *e, const SnapshotRecord *r, const Plane *plane) {
        int k;

        k = entry_set_name(e, NULL, r->name);
        if (k >= 0 && r->location)
                k = entry_set_location(e, NULL, r->location);
        if (k >= 0)
                k = set_properties(e, r->properties);
        if (k < 0)
                return k;
        entry_restore_state(e, r->state, r->busy, r->busy_time_nsec, r->retain);
        return 0;
}

int snapshot_builder_add(SnapshotBuilder *b, const SnapshotRecord *r, SnapshotError *err) {
        Registry *reg = b->registry;
        Entry *e, *parent;
        int k;

        assert(r->name && r->class_name);
        if (r->depth > b->n_stack)
                return snapshot_fail(err, -EBADMSG, "entry '%s' is %u levels below its parent", r->name,
                            r->depth - b->n_stack);
        b->n_stack = r->depth;
        parent = r->depth > 0 ? b->stack[r->depth - 1] : reg->root;

        if (b->n_records++ == 0 && r->depth == 0 && r->id == REGISTRY_ROOT_ID) {
                /* The dump's Root is ours: same ID, its class and properties. */
                e = reg->root;
                k = fill_entry(e, r, b->plane);
                if (k < 0)
                        return snapshot_fail(err, k, "cannot set up Root: %s", strerror(-k));
        } else if ((e = registry_get_entry(reg, r->id)) && e != reg->root) {
                /* Seen before: the same entry under another parent. */
                if (!streq(e->klass->name, r->class_name))
                        return snapshot_fail(err, -EBADMSG, "id 0x%llx is both %s and %s", (unsigned long long) r->id,
                                    e->klass->name, r->class_name);
        } else if (e) {
                return snapshot_fail(err, -EBADMSG, "Root (id 0x%llx) appears below the top", (unsigned long long) r->id);
        } else {
                k = define_class(reg->classes, r->class_name, r->is_service);
                if (k < 0)
                        return snapshot_fail(err, k, "cannot define class %s: %s", r->class_name, strerror(-k));
                k = r->id ? registry_create_entry_with_id(reg, r->class_name, r->id, &e)
                          : registry_create_entry(reg, r->class_name, &e);
                if (k >= 0)
                        k = fill_entry(e, r, b->plane);
                if (k < 0)
                        return snapshot_fail(err, k, "cannot create entry '%s': %s", r->name, strerror(-k));
        }
        if (e != reg->root) {
                k = entry_attach(e, parent, b->plane);
                if (k < 0)
                        return snapshot_fail(err, k, "cannot attach '%s' below '%s': %s", r->name,
                                    entry_get_name(parent, b->plane), strerror(-k));
        }
        k = GROW(b->stack, b->cap_stack, b->n_stack + 1);
        if (k < 0)
                return snapshot_fail(err, k, "out of memory");
        b->stack[b->n_stack++] = e;
        return 0;
}
