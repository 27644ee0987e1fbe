/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-registry.c: the registry core (registry.c): Root and the planes,
 * entry IDs, links, names and locations, properties, removal and
 * termination, busy counts and busy time (reference §1.3, §1.9, §1.10).
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "registry.h"
#include "symbol.h"

static int setup_registry(void **state) {
        Registry *reg = NULL;

        if (registry_new(&reg) < 0)
                return -1;
        if (class_table_define(reg->classes, "IOPlatformExpertDevice", "IOService", NULL) < 0 ||
            class_table_define(reg->classes, "IOPCIDevice", "IOService", NULL) < 0 ||
            class_table_define(reg->classes, "IOUSBHostDevice", "IOService", NULL) < 0 ||
            class_table_define(reg->classes, "IOUSBHostInterface", "IOService", NULL) < 0 ||
            class_table_define(reg->classes, "IOMedia", "IOService", NULL) < 0)
                return -1;
        *state = reg;
        return 0;
}

static int teardown_registry(void **state) {
        registry_free(*state);
        if (symbol_table_size() != 0) {
                print_error("%zu symbols still interned after the registry is gone\n", symbol_table_size());
                return -1;
        }
        return 0;
}

static Entry *new_entry(Registry *reg, const char *class_name, const char *name) {
        Entry *e = NULL;

        assert_int_equal(registry_create_entry(reg, class_name, &e), 0);
        assert_non_null(e);
        if (name)
                assert_int_equal(entry_set_name(e, NULL, name), 0);
        return e;
}

/* A new entry attached below parent in the service plane. */
static Entry *new_service(Registry *reg, Entry *parent, const char *name) {
        Entry *e = new_entry(reg, "IOService", name);

        assert_int_equal(entry_attach(e, parent, reg->service_plane), 0);
        return e;
}

static void assert_children(const Entry *e, const Plane *plane, Entry *const *expected, unsigned n) {
        unsigned n_children = 99;
        Entry *const *children = entry_get_children(e, plane, &n_children);

        assert_int_equal(n_children, n);
        for (unsigned i = 0; i < n; i++)
                assert_ptr_equal(children[i], expected[i]);
}

static void assert_parents(const Entry *e, const Plane *plane, Entry *const *expected, unsigned n) {
        unsigned n_parents = 99;
        Entry *const *parents = entry_get_parents(e, plane, &n_parents);

        assert_int_equal(n_parents, n);
        for (unsigned i = 0; i < n; i++)
                assert_ptr_equal(parents[i], expected[i]);
        assert_ptr_equal(entry_get_parent(e, plane), n > 0 ? expected[0] : NULL);
}

/* --- Root, planes, IDs --- */

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

/* --- links --- */

static void test_attach_detach(void **state) {
        Registry *reg = *state;
        const Plane *svc = reg->service_plane;
        Entry *p = new_entry(reg, "IOPCIDevice", "XHC"), *c = new_entry(reg, "IOUSBHostDevice", NULL);
        uint64_t gen;

        assert_false(entry_in_plane(p, svc));
        assert_int_equal(entry_attach(p, reg->root, svc), 0);
        assert_true(entry_in_plane(p, svc));
        assert_false(entry_in_plane(p, reg->usb_plane));

        gen = reg->generation;
        assert_int_equal(entry_attach(c, p, svc), 0);
        assert_true(reg->generation > gen);
        assert_true(entry_in_plane(c, svc));
        assert_ptr_equal(entry_get_parent(c, svc), p);
        assert_children(p, svc, &c, 1);
        assert_parents(c, svc, &p, 1);

        /* Attaching twice links once. */
        gen = reg->generation;
        assert_int_equal(entry_attach(c, p, svc), 0);
        assert_int_equal(reg->generation, gen);
        assert_children(p, svc, &c, 1);

        /* Other planes are independent. */
        assert_null(entry_get_parent(c, reg->usb_plane));
        assert_children(p, reg->usb_plane, NULL, 0);

        assert_int_equal(entry_detach(c, p, svc), 1);
        assert_true(reg->generation > gen);
        assert_int_equal(entry_detach(c, p, svc), 0);
        assert_int_equal(entry_detach(c, reg->root, svc), 0);
        assert_false(entry_in_plane(c, svc));
        assert_null(entry_get_parent(c, svc));
        assert_children(p, svc, NULL, 0);
        assert_int_equal(entry_detach(c, p, reg->usb_plane), 0);
        /* Still registered, only unlinked. */
        assert_ptr_equal(registry_get_entry(reg, c->id), c);
}

static void test_several_parents(void **state) {
        Registry *reg = *state;
        const Plane *svc = reg->service_plane;
        Entry *p1 = new_service(reg, reg->root, "P1"), *p2 = new_service(reg, reg->root, "P2"),
              *p3 = new_service(reg, reg->root, "P3"), *c = new_entry(reg, "IOService", "C");
        Entry *const both[] = { p1, p2 }, *const all[] = { p1, p2, p3 }, *const rest[] = { p2, p3 };

        assert_int_equal(entry_attach(c, p1, svc), 0);
        assert_int_equal(entry_attach(c, p2, svc), 0);
        assert_parents(c, svc, both, 2); /* the first parent is the provider */
        assert_int_equal(entry_attach(c, p3, svc), 0);
        assert_int_equal(entry_attach(c, p2, svc), 0);
        assert_parents(c, svc, all, 3);
        assert_children(p2, svc, &c, 1);

        /* Losing the provider promotes the next parent. */
        assert_int_equal(entry_detach(c, p1, svc), 1);
        assert_parents(c, svc, rest, 2);
        assert_ptr_equal(entry_get_parent(c, svc), p2);
        assert_true(entry_in_plane(c, svc));
        assert_children(p1, svc, NULL, 0);
}

static void test_child_order_is_attach_order(void **state) {
        Registry *reg = *state;
        const Plane *svc = reg->service_plane;
        Entry *p = new_service(reg, reg->root, "P");
        Entry *c1 = new_service(reg, p, "C1"), *c2 = new_service(reg, p, "C2"),
              *c3 = new_service(reg, p, "C3");
        Entry *const in_order[] = { c1, c2, c3 }, *const without[] = { c1, c3 },
                     *const back[] = { c1, c3, c2 };

        assert_children(p, svc, in_order, 3);
        assert_int_equal(entry_detach(c2, p, svc), 1);
        assert_children(p, svc, without, 2);
        assert_int_equal(entry_attach(c2, p, svc), 0);
        assert_children(p, svc, back, 3);
        /* Renaming moves nothing. */
        assert_int_equal(entry_set_name(c1, NULL, "ZZZ"), 0);
        assert_children(p, svc, back, 3);
}

static void test_cycles_are_refused(void **state) {
        Registry *reg = *state;
        const Plane *svc = reg->service_plane;
        Entry *a = new_service(reg, reg->root, "A"), *b = new_service(reg, a, "B"),
              *c = new_service(reg, b, "C"), *other = new_service(reg, reg->root, "Other");

        assert_int_equal(entry_attach(a, a, svc), -ELOOP);
        assert_int_equal(entry_attach(a, c, svc), -ELOOP);
        assert_int_equal(entry_attach(b, c, svc), -ELOOP);
        assert_int_equal(entry_attach(reg->root, a, svc), -ELOOP);
        /* Through a second parent as well. */
        assert_int_equal(entry_attach(c, other, svc), 0);
        assert_int_equal(entry_attach(other, c, svc), -ELOOP);
        assert_children(c, svc, NULL, 0);
        /* Nothing changed. */
        assert_ptr_equal(entry_get_parent(a, svc), reg->root);
        /* Another plane has its own topology: the reverse link is fine there. */
        assert_int_equal(entry_attach(c, reg->root, reg->usb_plane), 0);
        assert_int_equal(entry_attach(a, c, reg->usb_plane), 0);
        assert_ptr_equal(entry_get_parent(a, reg->usb_plane), c);
}

static void test_removed_entries_cannot_be_attached(void **state) {
        Registry *reg = *state;
        Entry *p = new_service(reg, reg->root, "P"), *gone = new_entry(reg, "IOService", "Gone");
        _cleanup_(entry_unrefp) _unused_ Entry *hold = entry_ref(gone);

        registry_remove_entry(reg, gone);
        assert_int_equal(entry_attach(gone, p, reg->service_plane), -ESTALE);
        assert_int_equal(entry_attach(p, gone, reg->service_plane), -ESTALE);
        assert_children(p, reg->service_plane, NULL, 0);
        assert_int_equal(entry_adjust_busy(gone, 1), -ESTALE);
}

/* --- names, locations, properties --- */

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

/* --- removal and termination --- */

static void test_remove_entry(void **state) {
        Registry *reg = *state;
        const Plane *svc = reg->service_plane;
        Entry *p = new_service(reg, reg->root, "P"), *c = new_service(reg, p, "C"),
              *g = new_service(reg, c, "G");
        Class *klass = (Class *) class_table_find(reg->classes, "IOService");
        uint64_t instances = klass->n_instances, c_id = c->id;
        _cleanup_(entry_unrefp) _unused_ Entry *hold = entry_ref(c);

        assert_int_equal(entry_set_property_take(c, "kept", value_new_boolean(true)), 0);
        assert_int_equal(entry_attach(c, reg->root, reg->usb_plane), 0);
        registry_remove_entry(reg, c);

        /* Gone from the registry and from every plane, its child left without it. */
        assert_null(registry_get_entry(reg, c_id));
        assert_null(c->registry);
        assert_true(c->state & ENTRY_STATE_INACTIVE);
        assert_children(p, svc, NULL, 0);
        assert_children(reg->root, reg->usb_plane, NULL, 0);
        assert_null(entry_get_parent(g, svc));
        assert_false(entry_in_plane(g, svc));
        assert_ptr_equal(registry_get_entry(reg, g->id), g); /* not removed with it */
        assert_int_equal(klass->n_instances, instances - 1);
        /* A held entry can still be described. */
        assert_int_equal(c->id, c_id);
        assert_string_equal(entry_get_name(c, svc), "C");
        assert_true(value_boolean(entry_get_property(c, "kept")));
        assert_false(entry_conforms_to(c, "IOService")); /* it has no registry to ask */

        /* Removing twice, or removing Root, does nothing. */
        registry_remove_entry(reg, c);
        registry_remove_entry(reg, reg->root);
        assert_ptr_equal(registry_get_entry(reg, REGISTRY_ROOT_ID), reg->root);
        assert_int_equal(registry_n_entries(reg), 3);
}

typedef struct Visits {
        Entry *order[32];
        uint64_t ids[32];
        unsigned n;
} Visits;

static void record_visit(void *userdata, Entry *e) {
        Visits *v = userdata;

        assert_true(v->n < ELEMENTSOF(v->order));
        /* Visited before removal: still in the registry. */
        assert_non_null(e->registry);
        v->ids[v->n] = e->id;
        v->order[v->n++] = e;
}

static void test_terminate_entry(void **state) {
        Registry *reg = *state;
        const Plane *svc = reg->service_plane;
        /*
         * Root ── A ── B ── D ── H
         *         │    └─── E   (E also below F)
         *         └─── C
         * Root ── F ── E
         */
        Entry *a = new_service(reg, reg->root, "A"), *b = new_service(reg, a, "B"),
              *c = new_service(reg, a, "C"), *d = new_service(reg, b, "D"), *e = new_service(reg, b, "E"),
              *h = new_service(reg, d, "H"), *f = new_service(reg, reg->root, "F");
        uint64_t expected[] = { c->id, h->id, d->id, b->id, a->id };
        Visits v = {};

        assert_int_equal(entry_attach(e, f, svc), 0);
        assert_int_equal(registry_terminate_entry(reg, a, record_visit, &v), 5);

        /* Children before parents; E survives with its other provider. */
        assert_int_equal(v.n, 5);
        for (unsigned i = 0; i < v.n; i++)
                assert_int_equal(v.ids[i], expected[i]);
        for (unsigned i = 0; i < ELEMENTSOF(expected); i++)
                assert_null(registry_get_entry(reg, expected[i]));
        assert_ptr_equal(registry_get_entry(reg, e->id), e);
        assert_parents(e, svc, &f, 1);
        assert_true(entry_in_plane(e, svc));
        assert_false(e->state & ENTRY_STATE_INACTIVE);
        assert_children(reg->root, svc, &f, 1);
        assert_int_equal(registry_n_entries(reg), 3);

        /* Terminating Root does nothing. */
        assert_int_equal(registry_terminate_entry(reg, reg->root, NULL, NULL), 0);
        assert_int_equal(registry_n_entries(reg), 3);
}

static void test_terminate_shared_child_loses_all_providers(void **state) {
        Registry *reg = *state;
        const Plane *svc = reg->service_plane;
        /* X has two providers, both below A: it goes once the second of them has gone. */
        Entry *a = new_service(reg, reg->root, "A"), *b = new_service(reg, a, "B"),
              *c = new_service(reg, a, "C"), *x = new_service(reg, b, "X"),
              *other = new_service(reg, reg->root, "Other");
        uint64_t x_id = x->id, b_id = b->id, c_id = c->id;
        Visits v = {};

        assert_int_equal(entry_attach(x, c, svc), 0);
        assert_int_equal(registry_terminate_entry(reg, a, record_visit, &v), 4);
        assert_null(registry_get_entry(reg, x_id));
        assert_int_equal(registry_n_entries(reg), 2);
        assert_children(reg->root, svc, &other, 1);
        /* C (the last child) goes first and leaves X with B; X then goes before B. */
        assert_int_equal(v.n, 4);
        assert_int_equal(v.ids[0], c_id);
        assert_int_equal(v.ids[1], x_id);
        assert_int_equal(v.ids[2], b_id);
        assert_ptr_equal(v.order[3], a);
}

/* --- busy state --- */

typedef struct BusyEvent {
        Entry *entry;
        bool busy;
} BusyEvent;

typedef struct BusyLog {
        BusyEvent events[64];
        unsigned n;
} BusyLog;

static void on_busy(void *userdata, Entry *e, bool busy) {
        BusyLog *log = userdata;

        assert_true(log->n < ELEMENTSOF(log->events));
        /* Told after the count changed. */
        assert_int_equal(e->busy > 0, busy);
        log->events[log->n++] = (BusyEvent) { e, busy };
}

static void assert_busy(Entry *const *entries, const uint32_t *counts, unsigned n) {
        for (unsigned i = 0; i < n; i++)
                if (entries[i]->busy != counts[i])
                        fail_msg("%s: busy %u, expected %u", entry_get_name(entries[i], NULL),
                                 entries[i]->busy, counts[i]);
}

static const RegistryObserver busy_observer = { .busy_changed = on_busy };

static void assert_events(const BusyLog *log, const BusyEvent *expected, unsigned n) {
        assert_int_equal(log->n, n);
        for (unsigned i = 0; i < n; i++) {
                assert_ptr_equal(log->events[i].entry, expected[i].entry);
                assert_int_equal(log->events[i].busy, expected[i].busy);
        }
}

static void test_busy_transitions_only(void **state) {
        Registry *reg = *state;
        Entry *p = new_service(reg, reg->root, "P"), *c = new_service(reg, p, "C"),
              *g = new_service(reg, c, "G"), *sibling = new_service(reg, p, "S");
        Entry *const chain[] = { g, c, p, reg->root, sibling };
        BusyLog log = {};

        assert_int_equal(registry_add_observer(reg, &busy_observer, &log), 0);

        /* 0 → 1: every provider up to Root gets one. */
        assert_int_equal(entry_adjust_busy(g, +1), 1);
        assert_busy(chain, (const uint32_t[]) { 1, 1, 1, 1, 0 }, 5);
        /* The deepest provider is told first (the callback runs after propagation). */
        assert_events(&log,
                      (const BusyEvent[]) { { reg->root, true }, { p, true }, { c, true }, { g, true } }, 4);

        /* 1 → 2 is no transition: nothing propagates, nobody is told. */
        assert_int_equal(entry_adjust_busy(g, +1), 2);
        assert_busy(chain, (const uint32_t[]) { 2, 1, 1, 1, 0 }, 5);
        assert_int_equal(log.n, 4);

        /* C busy by itself as well: C 1 → 2, no transition. */
        assert_int_equal(entry_adjust_busy(c, +1), 2);
        assert_busy(chain, (const uint32_t[]) { 2, 2, 1, 1, 0 }, 5);
        assert_int_equal(log.n, 4);

        /* A sibling's transition reaches P, which is busy already. */
        assert_int_equal(entry_adjust_busy(sibling, +3), 3);
        assert_busy(chain, (const uint32_t[]) { 2, 2, 2, 1, 3 }, 5);
        assert_int_equal(log.n, 5);

        /* G back to 0: C loses G's share only. */
        assert_int_equal(entry_adjust_busy(g, -1), 1);
        assert_int_equal(entry_adjust_busy(g, -1), 0);
        assert_busy(chain, (const uint32_t[]) { 0, 1, 2, 1, 3 }, 5);
        assert_int_equal(log.n, 6);
        assert_ptr_equal(log.events[5].entry, g);
        assert_false(log.events[5].busy);

        /* C back to 0: P loses C's share, stays busy for S. */
        assert_int_equal(entry_adjust_busy(c, -1), 0);
        assert_busy(chain, (const uint32_t[]) { 0, 0, 1, 1, 3 }, 5);
        assert_int_equal(entry_adjust_busy(sibling, -3), 0);
        assert_busy(chain, (const uint32_t[]) { 0, 0, 0, 0, 0 }, 5);
        assert_events(&log,
                      (const BusyEvent[]) {
                              { reg->root, true },
                              { p, true },
                              { c, true },
                              { g, true },
                              { sibling, true },
                              { g, false },
                              { c, false },
                              { reg->root, false },
                              { p, false },
                              { sibling, false },
                      },
                      10);

        /* A zero adjustment is no change. */
        assert_int_equal(entry_adjust_busy(g, 0), 0);
        assert_int_equal(log.n, 10);
}

static void test_busy_follows_provider_changes(void **state) {
        Registry *reg = *state;
        const Plane *svc = reg->service_plane;
        Entry *p1 = new_service(reg, reg->root, "P1"), *p2 = new_service(reg, reg->root, "P2"),
              *c = new_service(reg, p1, "C"), *loose = new_entry(reg, "IOService", "Loose");
        Entry *const all[] = { p1, p2, c, reg->root };

        /* Only the provider (first parent) carries the child's busy state. */
        assert_int_equal(entry_attach(c, p2, svc), 0);
        assert_int_equal(entry_adjust_busy(c, +1), 1);
        assert_busy(all, (const uint32_t[]) { 1, 0, 1, 1 }, 4);

        /* Detaching the provider hands the share to the next parent. */
        assert_int_equal(entry_detach(c, p1, svc), 1);
        assert_busy(all, (const uint32_t[]) { 0, 1, 1, 1 }, 4);

        /* Detaching the last parent releases it; attaching a busy entry charges its new provider. */
        assert_int_equal(entry_detach(c, p2, svc), 1);
        assert_busy(all, (const uint32_t[]) { 0, 0, 1, 0 }, 4);
        assert_int_equal(entry_attach(c, p1, svc), 0);
        assert_busy(all, (const uint32_t[]) { 1, 0, 1, 1 }, 4);
        /* A second parent is not charged. */
        assert_int_equal(entry_attach(c, p2, svc), 0);
        assert_busy(all, (const uint32_t[]) { 1, 0, 1, 1 }, 4);

        /* Other planes carry no busy state. */
        assert_int_equal(entry_attach(c, p2, reg->usb_plane), 0);
        assert_int_equal(entry_detach(c, p2, reg->usb_plane), 1);
        assert_busy(all, (const uint32_t[]) { 1, 0, 1, 1 }, 4);

        /* Removing a busy entry releases its provider. */
        registry_remove_entry(reg, c);
        assert_int_equal(p1->busy, 0);
        assert_int_equal(p2->busy, 0);
        assert_int_equal(reg->root->busy, 0);

        /* An entry outside the service plane is busy by itself. */
        assert_int_equal(entry_adjust_busy(loose, +1), 1);
        assert_int_equal(reg->root->busy, 0);
}

static void test_busy_removal_of_busy_subtree(void **state) {
        Registry *reg = *state;
        Entry *p = new_service(reg, reg->root, "P"), *c = new_service(reg, p, "C"),
              *g = new_service(reg, c, "G");

        assert_int_equal(entry_adjust_busy(g, +1), 1);
        assert_int_equal(reg->root->busy, 1);
        /* Terminating the busy subtree leaves nothing busy behind. */
        assert_int_equal(registry_terminate_entry(reg, c, NULL, NULL), 2);
        assert_int_equal(p->busy, 0);
        assert_int_equal(reg->root->busy, 0);
}

static void test_busy_clamps(void **state) {
        Registry *reg = *state;
        Entry *p = new_service(reg, reg->root, "P"), *c = new_service(reg, p, "C");
        BusyLog log = {};

        assert_int_equal(registry_add_observer(reg, &busy_observer, &log), 0);

        assert_int_equal(entry_adjust_busy(c, ENTRY_BUSY_MAX), ENTRY_BUSY_MAX);
        assert_int_equal(ENTRY_BUSY_MAX, 0x3ff);
        assert_int_equal(p->busy, 1);
        assert_int_equal(entry_adjust_busy(c, +1), -ERANGE);
        assert_int_equal(c->busy, 0x3ff);
        assert_int_equal(entry_adjust_busy(c, +5000), -ERANGE);
        assert_int_equal(c->busy, 0x3ff);
        assert_int_equal(p->busy, 1);
        assert_int_equal(log.n, 3); /* root, p, c: once */

        assert_int_equal(entry_adjust_busy(c, -0x3ff), 0);
        assert_int_equal(p->busy, 0);
        assert_int_equal(log.n, 6);
        assert_int_equal(entry_adjust_busy(c, -1), -ERANGE);
        assert_int_equal(c->busy, 0);
        assert_int_equal(p->busy, 0);
        assert_int_equal(log.n, 6);

        /* Clamped from above while a transition happens: still told, still -ERANGE. */
        assert_int_equal(entry_adjust_busy(c, 0x400), -ERANGE);
        assert_int_equal(c->busy, 0x3ff);
        assert_int_equal(p->busy, 1);
        assert_int_equal(entry_adjust_busy(c, -0x1000), -ERANGE);
        assert_int_equal(c->busy, 0);
        assert_int_equal(p->busy, 0);
        assert_int_equal(reg->root->busy, 0);
        assert_int_equal(log.n, 12);
}

static uint64_t fake_now;

static uint64_t fake_clock(void) {
        return fake_now;
}

static void test_busy_time_accumulates(void **state) {
        Registry *reg = *state;
        Entry *p = new_service(reg, reg->root, "P"), *c = new_service(reg, p, "C");

        reg->now_nsec = fake_clock;
        fake_now = 1000;
        assert_int_equal(entry_busy_time_nsec(c), 0);
        assert_int_equal(entry_adjust_busy(c, +1), 1);
        fake_now = 1500;
        assert_int_equal(entry_busy_time_nsec(c), 500); /* the current period counts */
        assert_int_equal(entry_busy_time_nsec(p), 500);
        fake_now = 1700;
        assert_int_equal(entry_adjust_busy(c, +1), 2); /* no transition: the period goes on */
        fake_now = 2000;
        assert_int_equal(entry_adjust_busy(c, -2), 0);
        assert_int_equal(entry_busy_time_nsec(c), 1000);
        assert_int_equal(entry_busy_time_nsec(p), 1000);

        /* Idle time does not count. */
        fake_now = 5000;
        assert_int_equal(entry_busy_time_nsec(c), 1000);

        /* A second period, with P busy longer than C. */
        assert_int_equal(entry_adjust_busy(p, +1), 1);
        fake_now = 5100;
        assert_int_equal(entry_adjust_busy(c, +1), 1);
        fake_now = 5400;
        assert_int_equal(entry_adjust_busy(c, -1), 0);
        fake_now = 6000;
        assert_int_equal(entry_adjust_busy(p, -1), 0);
        fake_now = 9999;
        assert_int_equal(entry_busy_time_nsec(c), 1300);
        assert_int_equal(entry_busy_time_nsec(p), 2000);
        assert_int_equal(entry_busy_time_nsec(reg->root), 2000);

        /* Removal ends a busy period too. */
        {
                _cleanup_(entry_unrefp) _unused_ Entry *hold = entry_ref(c);

                assert_int_equal(entry_adjust_busy(c, +1), 1);
                fake_now = 10999;
                registry_remove_entry(reg, c);
                assert_int_equal(c->busy, 0);
                fake_now = 20000;
                assert_int_equal(entry_busy_time_nsec(c), 2300);
                assert_int_equal(entry_busy_time_nsec(p), 3000);
        }
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup_registry, teardown_registry)

int main(void) {
        const struct CMUnitTest tests[] = {
                T(test_root),
                T(test_add_plane),
                T(test_ids_increase_and_are_never_reused),
                T(test_attach_detach),
                T(test_several_parents),
                T(test_child_order_is_attach_order),
                T(test_cycles_are_refused),
                T(test_removed_entries_cannot_be_attached),
                T(test_names_and_locations),
                T(test_properties),
                T(test_remove_entry),
                T(test_terminate_entry),
                T(test_terminate_shared_child_loses_all_providers),
                T(test_busy_transitions_only),
                T(test_busy_follows_provider_changes),
                T(test_busy_removal_of_busy_subtree),
                T(test_busy_clamps),
                T(test_busy_time_accumulates),
        };

        return cmocka_run_group_tests_name("registry", tests, NULL, NULL);
}
