/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * class-table.h: the registry's class hierarchy (OSMetaClass in the kernel).
 * IORegistryEntry is the root class; IOService derives from it; families add
 * theirs. An alias is a second name for a class (IOUSBDevice for
 * IOUSBHostDevice): looking up or conforming to the alias means the class.
 * Classes live as long as the table; entries borrow them.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "hashmap.h"
#include "macro.h"

typedef struct Class Class;
struct Class {
        char *name;          /* owned */
        const Class *super;  /* borrowed from the same table, NULL for the root class */
        unsigned depth;      /* 0 for the root class */
        uint64_t n_instances; /* live entries of exactly this class (ioclasscount) */
};

typedef struct ClassTable {
        Hashmap by_name;   /* name or alias → Class * (names borrowed from the classes and aliases) */
        Class **classes;   /* owned, in definition order */
        unsigned n_classes, cap_classes;
        char **aliases;    /* owned alias names */
        unsigned n_aliases, cap_aliases;
} ClassTable;

int class_table_new(ClassTable **ret); /* with IORegistryEntry and IOService defined */
ClassTable *class_table_free(ClassTable *t);
DEFINE_TRIVIAL_CLEANUP_FUNC(ClassTable *, class_table_free);

/*
 * Defines name as a subclass of super_name. Defining an existing class again
 * with the same superclass is a no-op; with another, -EEXIST. An unknown
 * superclass is -ENOENT.
 */
int class_table_define(ClassTable *t, const char *name, const char *super_name, const Class **ret);
/* Defines alias as another name for class name. -EEXIST if alias names another class. */
int class_table_alias(ClassTable *t, const char *alias, const char *name);
const Class *class_table_find(const ClassTable *t, const char *name);

/* True if c is base or derives from it. */
bool class_conforms_to(const Class *c, const Class *base);
/* As above, by name through the table (aliases honoured). Unknown names never conform. */
bool class_table_conforms_to(const ClassTable *t, const Class *c, const char *base_name);
