/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * value.h: typed property values, the registry's OSObject subset.
 *
 * A Value is one of string, number (unsigned or signed, 8/16/32/64 bits),
 * boolean, data (bytes), array or dictionary; reference counted. Scalars are
 * immutable. Arrays and dictionaries are mutable while their only holder
 * builds them; once shared (stored in an entry), treat them as read-only.
 * Dictionaries keep insertion order (ioreg prints in that order) and look
 * keys up through interned symbols, with a hash index once they grow.
 *
 * Constructors return NULL on ENOMEM. The *_take() setters consume the
 * reference they are given, also on failure, and accept NULL (→ -ENOMEM), so
 * `value_dict_set_take(d, "k", value_new_string("v"))` needs no checks in
 * between (the json_object_set_new() idiom).
 */
#pragma once

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "macro.h"

typedef enum ValueType {
        VALUE_STRING,
        VALUE_NUMBER,
        VALUE_BOOLEAN,
        VALUE_DATA,
        VALUE_ARRAY,
        VALUE_DICTIONARY,
        _VALUE_TYPE_MAX,
        _VALUE_TYPE_INVALID = -EINVAL,
} ValueType;

typedef struct Value Value;

Value *value_new_string(const char *s);
Value *value_new_string_len(const char *s, size_t len);
Value *value_new_unsigned(uint64_t v, unsigned bits);
Value *value_new_signed(int64_t v, unsigned bits);
Value *value_new_boolean(bool b);
Value *value_new_data(const void *p, size_t len);
Value *value_new_array(void);
Value *value_new_dictionary(void);

Value *value_ref(Value *v);
Value *value_unref(Value *v); /* NULL-safe, returns NULL */
DEFINE_TRIVIAL_CLEANUP_FUNC(Value *, value_unref);
#define _cleanup_value_ _cleanup_(value_unrefp)

ValueType value_type(const Value *v);
const char *value_type_to_string(ValueType t);

/* Strings: NUL-terminated; len excludes the NUL. */
const char *value_string(const Value *v, size_t *ret_len);
/*
 * The string is UTF-8 without an inner NUL (checked once, when it was made): what D-Bus can
 * carry as it is. The edges that send strings repair the others (bus-value.c, bus-blob.c).
 */
bool value_string_is_utf8(const Value *v);
/* Numbers. value_unsigned() of a signed number is its two's complement (what ioreg prints). */
bool value_number_is_signed(const Value *v);
unsigned value_number_bits(const Value *v);
uint64_t value_unsigned(const Value *v);
int64_t value_signed(const Value *v);
bool value_boolean(const Value *v);
const uint8_t *value_data(const Value *v, size_t *ret_len);

size_t value_array_size(const Value *a);
Value *value_array_get(const Value *a, size_t i); /* borrowed */
int value_array_append(Value *a, Value *item);    /* takes a new reference */
int value_array_append_take(Value *a, Value *item);

size_t value_dict_size(const Value *d);
Value *value_dict_get(const Value *d, const char *key);          /* borrowed */
const char *value_dict_key_at(const Value *d, size_t i);         /* borrowed */
/* The same with its length, and whether it is UTF-8 without NUL (as value_string_is_utf8()). */
const char *value_dict_key_at_len(const Value *d, size_t i, size_t *ret_len, bool *ret_utf8);
Value *value_dict_value_at(const Value *d, size_t i);            /* borrowed */
int value_dict_set(Value *d, const char *key, Value *v);         /* takes a new reference */
int value_dict_set_take(Value *d, const char *key, Value *v);
/* Returns 1 when removed, 0 when absent. Keeps the order of the rest. */
int value_dict_remove(Value *d, const char *key);

/*
 * How deep a property value may nest, counting each array and dictionary (a
 * scalar is 0, a flat dictionary 1). On D-Bus each level costs a container
 * and a variant (bus-value.h counts two per level, and so does libioreg's
 * reader, both against 32) inside the property table's own a{sv}: 15 is
 * what `ioreg -l` and GetPlane carry. A property table (an entry's, a
 * personality) may nest one more. Every edge that takes values from outside
 * refuses deeper ones (issue 23, G).
 */
#define VALUE_MAX_NESTING 15

/* The nesting of v as above, but no more than limit + 1 (it stops looking there: bounded recursion). */
unsigned value_nesting(const Value *v, unsigned limit);

/* A deep copy: scalars are shared, containers are new. */
Value *value_copy(Value *v);

/*
 * Equality for matching (Apple's OSObject::isEqualTo plus IOKit's rules):
 * numbers by value whatever the width or signedness; a string equals data
 * holding the same bytes; arrays element-wise; dictionaries as sets of keys
 * with equal values, whatever the order.
 */
bool value_equal(const Value *a, const Value *b);
/* Every key of sub is in super with an equal value (IOPropertyMatch). */
bool value_dict_is_subset(const Value *sub, const Value *super);
/* A hash consistent with value_equal(): equal values hash alike. */
uint64_t value_hash(const Value *v);

/* Approximate heap bytes held by v and what it owns exclusively (benchmarks). */
size_t value_memory_size(const Value *v);
