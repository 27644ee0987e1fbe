/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-registry.c: the registry core (registry.c): Root and the planes, entry
 * IDs, names and locations, properties (reference §1.3).
 *
 * The per-test registry and the link checks are in registry-check.c.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "registry-check.h"

static void test_root(void **state) {
        Registry *reg = *state;
        Entry *root = reg->root;
        Value *planes;
        static const char *const names[] = { "IOService", "IOPower", "IOUSB", "IODeviceTree" };

        assert_non_null(root);
        assert_int_equal(root->id, REGISTRY_ROOT_ID);
        assert_int_equal(REGISTRY_ROOT_ID, UINT64_C(0x100000100));
        assert_ptr_equal(registry_get_entry(reg, UINT64_C(0x100000100)), root);
        assert_string_equal(entry_get_name(root, NULL), "Root");
        assert_string_equal(entry_get_name(root, reg->service_plane), "Root");
        assert_null(entry_get_location(root, NULL));
        assert_string_equal(root->klass->name, "IORegistryEntry");
        assert_false(entry_is_service(root));
        assert_true(entry_conforms_to(root, "IORegistryEntry"));
        assert_int_equal(registry_n_entries(reg), 1);
        assert_null(entry_get_parent(root, reg->service_plane));

        /* IORegistryPlanes lists the four planes, name → name. */
        planes = entry_get_property(root, "IORegistryPlanes");
        assert_int_equal(value_type(planes), VALUE_DICTIONARY);
        assert_int_equal(value_dict_size(planes), 4);
        assert_int_equal(reg->n_planes, 4);
        for (size_t i = 0; i < ELEMENTSOF(names); i++) {
                const Plane *p = registry_find_plane(reg, names[i]);

                assert_non_null(p);
                assert_string_equal(p->name, names[i]);
                assert_string_equal(value_string(value_dict_get(planes, names[i]), NULL), names[i]);
                assert_true(entry_in_plane(root, p)); /* Root is in every plane */
        }
        assert_ptr_equal(reg->service_plane, registry_find_plane(reg, PLANE_SERVICE));
        assert_ptr_equal(reg->power_plane, registry_find_plane(reg, PLANE_POWER));
        assert_ptr_equal(reg->usb_plane, registry_find_plane(reg, PLANE_USB));
        assert_ptr_equal(reg->device_tree_plane, registry_find_plane(reg, PLANE_DEVICE_TREE));
        assert_null(registry_find_plane(reg, "IOAudio"));
        assert_null(registry_find_plane(reg, NULL));
        assert_null(registry_get_entry(reg, REGISTRY_ROOT_ID + 1));
        assert_null(registry_get_entry(reg, 0));
}

static void test_add_plane(void **state) {
        Registry *reg = *state;
        const Plane *audio = NULL, *again = NULL;
        Value *planes = entry_get_property(reg->root, "IORegistryPlanes");
        char name[40];

        assert_int_equal(registry_add_plane(reg, "IOAudio", &audio), 0);
        assert_non_null(audio);
        assert_int_equal(audio->index, 4);
        assert_int_equal(registry_add_plane(reg, "IOAudio", &again), 0);
        assert_ptr_equal(again, audio);
        assert_int_equal(reg->n_planes, 5);
        assert_int_equal(value_dict_size(planes), 5);
        assert_string_equal(value_dict_key_at(planes, 4), "IOAudio");
        assert_true(entry_in_plane(reg->root, audio));

        /* Entries made before the plane existed can join it. */
        {
                Entry *e = new_entry(reg, "IOService", "AppleHDAController");

                assert_false(entry_in_plane(e, audio));
                assert_int_equal(entry_attach(e, reg->root, audio), 0);
                assert_true(entry_in_plane(e, audio));
        }

        /* Plane names: 1 to 31 characters, no ':' or '/'. */
        memset(name, 'P', 31);
        name[31] = '\0';
        assert_int_equal(registry_add_plane(reg, name, NULL), 0);
        name[31] = 'P';
        name[32] = '\0';
        assert_int_equal(registry_add_plane(reg, name, NULL), -EINVAL);
        assert_int_equal(registry_add_plane(reg, "", NULL), -EINVAL);
        assert_int_equal(registry_add_plane(reg, NULL, NULL), -EINVAL);
        assert_int_equal(registry_add_plane(reg, "IO:Bad", NULL), -EINVAL);
        assert_int_equal(registry_add_plane(reg, "IO/Bad", NULL), -EINVAL);
        assert_int_equal(reg->n_planes, 6);
        assert_int_equal(value_dict_size(planes), 6);
}

static void test_ids_increase_and_are_never_reused(void **state) {
        Registry *reg = *state;
        Entry *a = new_entry(reg, "IOService", NULL), *b = new_entry(reg, "IOService", NULL),
              *c = new_entry(reg, "IOMedia", NULL), *d, *fail = (Entry *) 0x1;
        uint64_t b_id = b->id;

        assert_int_equal(a->id, REGISTRY_ROOT_ID + 1);
        assert_int_equal(b->id, REGISTRY_ROOT_ID + 2);
        assert_int_equal(c->id, REGISTRY_ROOT_ID + 3);
        assert_ptr_equal(registry_get_entry(reg, b_id), b);
        assert_int_equal(registry_n_entries(reg), 4);

        registry_remove_entry(reg, b);
        assert_null(registry_get_entry(reg, b_id));
        assert_int_equal(registry_n_entries(reg), 3);
        registry_remove_entry(reg, c);

        assert_int_equal(registry_create_entry(reg, "NoSuchClass", &fail), -ENOENT);
        assert_ptr_equal(fail, (Entry *) 0x1);
        d = new_entry(reg, "IOService", NULL);
        assert_true(d->id > REGISTRY_ROOT_ID + 3);
        assert_ptr_equal(registry_get_entry(reg, d->id), d);
        assert_null(registry_get_entry(reg, b_id));

        /* Many more: strictly increasing, each findable. */
        for (unsigned i = 0; i < 2000; i++) {
                Entry *e = new_entry(reg, "IOService", NULL);

                assert_int_equal(e->id, d->id + 1 + i);
                assert_ptr_equal(registry_get_entry(reg, e->id), e);
                if (i % 2)
                        registry_remove_entry(reg, e);
        }
        assert_int_equal(registry_n_entries(reg), 3 + 1000);
}

static void test_names_and_locations(void **state) {
        Registry *reg = *state;
        const Plane *svc = reg->service_plane, *usb = reg->usb_plane, *dt = reg->device_tree_plane;
        Entry *e = new_entry(reg, "IOUSBHostDevice", NULL);
        uint64_t gen;

        /* No name: the class name, in every plane. */
        assert_string_equal(entry_get_name(e, NULL), "IOUSBHostDevice");
        assert_string_equal(entry_get_name(e, svc), "IOUSBHostDevice");
        assert_null(entry_get_location(e, NULL));
        assert_null(entry_get_location(e, usb));

        gen = reg->generation;
        assert_int_equal(entry_set_name(e, NULL, "USB2.0-Serial"), 0);
        assert_true(reg->generation > gen);
        assert_int_equal(entry_set_location(e, NULL, "14100000"), 0);
        assert_string_equal(entry_get_name(e, svc), "USB2.0-Serial");
        assert_string_equal(entry_get_name(e, usb), "USB2.0-Serial");
        assert_string_equal(entry_get_location(e, dt), "14100000");

        /* A plane's own name and location win in that plane only. */
        gen = reg->generation;
        assert_int_equal(entry_set_name(e, usb, "CH340"), 0);
        assert_int_equal(entry_set_location(e, usb, "1-1.4"), 0);
        assert_true(reg->generation >= gen + 2);
        assert_string_equal(entry_get_name(e, usb), "CH340");
        assert_string_equal(entry_get_location(e, usb), "1-1.4");
        assert_string_equal(entry_get_name(e, svc), "USB2.0-Serial");
        assert_string_equal(entry_get_location(e, svc), "14100000");
        assert_string_equal(entry_get_name(e, NULL), "USB2.0-Serial");
        assert_false(entry_in_plane(e, usb)); /* naming does not link */

        /* Clearing falls back: plane → global → class name. */
        assert_int_equal(entry_set_name(e, usb, NULL), 0);
        assert_string_equal(entry_get_name(e, usb), "USB2.0-Serial");
        assert_int_equal(entry_set_name(e, NULL, NULL), 0);
        assert_string_equal(entry_get_name(e, usb), "IOUSBHostDevice");
        assert_string_equal(entry_get_name(e, svc), "IOUSBHostDevice");
        assert_int_equal(entry_set_location(e, NULL, NULL), 0);
        assert_null(entry_get_location(e, svc));
        assert_string_equal(entry_get_location(e, usb), "1-1.4");
        assert_int_equal(entry_set_location(e, usb, NULL), 0);
        assert_null(entry_get_location(e, usb));

        /* A name on an empty string is still a name. */
        assert_int_equal(entry_set_name(e, dt, ""), 0);
        assert_string_equal(entry_get_name(e, dt), "");
}

static void test_properties(void **state) {
        Registry *reg = *state;
        Entry *e = new_entry(reg, "IOUSBHostDevice", NULL);
        _cleanup_value_ Value *mine = value_new_string("kept by the test");
        uint64_t gen = reg->generation;

        assert_null(entry_get_property(e, "idVendor"));
        assert_int_equal(entry_set_property_take(e, "idVendor", value_new_unsigned(0x1a86, 16)), 0);
        assert_int_equal(entry_set_property_take(e, "idProduct", value_new_unsigned(0x7523, 16)), 0);
        assert_int_equal(value_unsigned(entry_get_property(e, "idVendor")), 0x1a86);
        assert_int_equal(value_dict_size(e->properties), 2);

        assert_int_equal(entry_set_property(e, "USB Product Name", mine), 0);
        assert_ptr_equal(entry_get_property(e, "USB Product Name"), mine);
        assert_int_equal(entry_set_property_take(e, "idVendor", value_new_unsigned(0x46d, 16)), 0);
        assert_int_equal(value_unsigned(entry_get_property(e, "idVendor")), 0x46d);
        assert_string_equal(value_dict_key_at(e->properties, 0), "idVendor");

        assert_int_equal(entry_set_property_take(e, "broken", NULL), -ENOMEM);
        assert_null(entry_get_property(e, "broken"));
        assert_int_equal(entry_remove_property(e, "idProduct"), 1);
        assert_int_equal(entry_remove_property(e, "idProduct"), 0);
        assert_null(entry_get_property(e, "idProduct"));
        assert_int_equal(value_dict_size(e->properties), 2);
        /* Properties are not topology: the generation does not move. */
        assert_int_equal(reg->generation, gen);

        assert_true(entry_conforms_to(e, "IOService"));
        assert_true(entry_conforms_to(e, "IOUSBHostDevice"));
        assert_false(entry_conforms_to(e, "IOMedia"));
        assert_true(entry_is_service(e));
}

/* An entry made with its table: that table (no copy), the next ID; a bad table is consumed and refused. */
static void test_create_of_class(void **state) {
        Registry *reg = *state;
        const Class *media = class_table_find(reg->classes, "IOMedia");
        Value *props = value_new_dictionary();
        Entry *e = NULL, *fail = (Entry *) 0x1;
        uint64_t last = reg->last_id;

        assert_non_null(media);
        assert_int_equal(value_dict_set_take(props, "Size", value_new_unsigned(512, 64)), 0);
        assert_int_equal(registry_create_entry_of_class(reg, media, props, &e), 0);
        assert_ptr_equal(e->properties, props);
        assert_ptr_equal(e->klass, media);
        assert_int_equal(e->id, last + 1);
        assert_ptr_equal(registry_get_entry(reg, e->id), e);
        assert_int_equal(value_unsigned(entry_get_property(e, "Size")), 512);
        assert_int_equal(media->n_instances, 1);

        assert_int_equal(registry_create_entry_of_class(reg, media, value_new_string("no table"), &fail), -EINVAL);
        assert_int_equal(registry_create_entry_of_class(reg, media, NULL, &fail), -EINVAL);
        assert_ptr_equal(fail, (Entry *) 0x1);
        assert_int_equal(reg->last_id, last + 1);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                T(test_root),
                T(test_add_plane),
                T(test_ids_increase_and_are_never_reused),
                T(test_names_and_locations),
                T(test_properties),
                T(test_create_of_class),
        };

        return cmocka_run_group_tests_name("registry", tests, NULL, NULL);
}
