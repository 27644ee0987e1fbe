/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* match-fixture.c: see match-fixture.h. */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "family.h"
#include "json-value.h"
#include "match-fixture.h"

int match_fixture_setup(void **state) {
        MatchFixture *f = calloc(1, sizeof(*f));

        if (!f || registry_new(&f->registry) < 0 || family_define_classes(f->registry->classes) < 0 ||
            class_table_define(f->registry->classes, "IOPlatformExpertDevice", "IOService", NULL) < 0 ||
            class_table_define(f->registry->classes, "IOResources", "IOService", NULL) < 0)
                return -1;
        if (registry_create_entry(f->registry, "IOPlatformExpertDevice", &f->platform) < 0 ||
            entry_attach(f->platform, f->registry->root, f->registry->service_plane) < 0 ||
            registry_create_entry(f->registry, "IOResources", &f->resources) < 0 ||
            entry_attach(f->resources, f->platform, f->registry->service_plane) < 0)
                return -1;
        if (catalogue_new(f->registry->classes, &f->catalogue) < 0 ||
            matcher_new(f->registry, f->catalogue, f->resources, &f->matcher) < 0)
                return -1;
        *state = f;
        return 0;
}

int match_fixture_teardown(void **state) {
        MatchFixture *f = *state;

        matcher_free(f->matcher);
        catalogue_free(f->catalogue);
        registry_free(f->registry);
        free(f);
        return 0;
}

Entry *fixture_nub(MatchFixture *f, Entry *parent, const char *class_name, const char *name, const char *props_json) {
        Entry *e = NULL;

        assert_int_equal(registry_create_entry(f->registry, class_name, &e), 0);
        if (name)
                assert_int_equal(entry_set_name(e, NULL, name), 0);
        if (props_json) {
                Value *props = json_value(props_json);

                assert_non_null(props);
                value_unref(e->properties);
                e->properties = props;
        }
        assert_int_equal(entry_attach(e, parent ?: f->platform, f->registry->service_plane), 0);
        return e;
}

Personality *fixture_personality(const char *name, const char *json) {
        Personality *p = NULL;
        Value *d = json_value(json);

        assert_non_null(d);
        assert_int_equal(personality_new(name, "org.ioreg.test", "test", d, &p), 0);
        return p;
}

void fixture_add(MatchFixture *f, const char *name, const char *json) {
        Personality *p = fixture_personality(name, json);

        assert_int_equal(catalogue_add(f->catalogue, p), 1);
        personality_unref(p);
}
