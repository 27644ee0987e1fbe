/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * registry-check.h: what the registry core tests (test-registry*.c) share:
 * a registry per test (cmocka setup and teardown; the teardown fails when a
 * symbol outlives it), new entries, and checks of an entry's links.
 */
#pragma once

#include "registry.h"

/* A registry in *state with the classes the tests use. */
int setup_registry(void **state);
/* Frees it; fails when symbols are still interned. */
int teardown_registry(void **state);

#define T(f) cmocka_unit_test_setup_teardown(f, setup_registry, teardown_registry)

/* A new entry of class_name, named name (unless NULL); owned by reg. */
Entry *new_entry(Registry *reg, const char *class_name, const char *name);
/* A new entry attached below parent in the service plane. */
Entry *new_service(Registry *reg, Entry *parent, const char *name);
void assert_children(const Entry *e, const Plane *plane, Entry *const *expected, unsigned n);
/* expected[0] is also the first parent. */
void assert_parents(const Entry *e, const Plane *plane, Entry *const *expected, unsigned n);
