/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * match-fixture.h: a registry with the families' classes, IOResources
 * under Root, and helpers to build nubs and personalities from JSON, shared
 * by the matching tests.
 */
#pragma once

#include "catalogue.h"
#include "matcher.h"
#include "registry.h"

typedef struct MatchFixture {
        Registry *registry;   /* owned */
        Catalogue *catalogue; /* owned */
        Matcher *matcher;     /* owned */
        Entry *resources;     /* borrowed from the registry */
        Entry *platform;      /* borrowed: where nubs hang by default */
} MatchFixture;

int match_fixture_setup(void **state);
int match_fixture_teardown(void **state);

/* A registered-less nub of class under parent (the platform when NULL), with properties from JSON. */
Entry *fixture_nub(MatchFixture *f, Entry *parent, const char *class_name, const char *name, const char *props_json);
/* A personality from JSON, named name, bundle "org.ioreg.test". */
Personality *fixture_personality(const char *name, const char *json);
/* Adds a personality from JSON to the catalogue. */
void fixture_add(MatchFixture *f, const char *name, const char *json);
