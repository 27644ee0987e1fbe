/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-catalogue: the catalogue (daemon/core/matching/catalogue.c) on plain
 * data: personalities filed by provider class (aliases resolved) and by
 * their discriminating keys (USB idVendor+idProduct or idProductArray, PCI
 * ID lists without masks), a nub's candidates best first (probe score, then
 * the most-derived class, then catalogue order) with 0, 1 and many
 * personalities, exact duplicates, and reloads that keep what is equal.
 * The last tests use real kext Info.plists from tests/data/plists.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "catalogue.h"
#include "family.h"
#include "match-fixture.h"
#include "personality-file.h"

#define PLIST(name) TEST_DATA "/plists/" name

/* The names of nub's candidates, best first, NULL-terminated (owned array of borrowed names). */
static const char **candidates(MatchFixture *f, Entry *nub, unsigned *ret_n) {
        CatalogueItem **items = NULL;
        const char **names;
        unsigned n = 0;

        assert_int_equal(catalogue_find_drivers(f->catalogue, nub, &items, &n), 0);
        names = calloc(n + 1, sizeof(*names));
        assert_non_null(names);
        for (unsigned i = 0; i < n; i++)
                names[i] = items[i]->personality->name;
        free(items);
        *ret_n = n;
        return names;
}

/* Asserts that nub's candidates are exactly the names given, in this order. */
#define assert_candidates(f, nub, ...)                                                                      \
        do {                                                                                                \
                const char *const want_[] = { __VA_ARGS__ };                                                  \
                unsigned n_;                                                                                \
                const char **got_ = candidates((f), (nub), &n_);                                            \
                for (unsigned i_ = 0; i_ < n_ || i_ < ELEMENTSOF(want_); i_++)                              \
                        assert_string_equal(i_ < n_ ? got_[i_] : "(none)",                                  \
                                            i_ < ELEMENTSOF(want_) ? want_[i_] : "(none)");                 \
                free(got_);                                                                                 \
        } while (0)

static unsigned n_candidates(MatchFixture *f, Entry *nub) {
        unsigned n;

        free(candidates(f, nub, &n));
        return n;
}

/* A PCI nub: vendor-id and device-id (and the subsystem pair when sub_vendor) as little-endian data. */
static Entry *pci_nub(MatchFixture *f, uint16_t vendor, uint16_t device, uint16_t sub_vendor,
                      uint16_t sub_device) {
        Entry *e = fixture_nub(f, NULL, "IOPCIDevice", "pci", NULL);
        const struct {
                const char *key;
                uint16_t id;
        } ids[] = {
                {"vendor-id", vendor},
                {"device-id", device},
                {"subsystem-vendor-id", sub_vendor},
                {"subsystem-id", sub_device},
        };

        for (size_t i = 0; i < (sub_vendor ? 4u : 2u); i++) {
                uint8_t bytes[4] = { ids[i].id & 0xff, ids[i].id >> 8, 0, 0 };

                assert_int_equal(
                        entry_set_property_take(e, ids[i].key, value_new_data(bytes, sizeof(bytes))), 0);
        }
        return e;
}

/* ------------------------------------------------------------------------- */

static void test_empty(void **state) {
        MatchFixture *f = *state;

        assert_int_equal(catalogue_size(f->catalogue), 0);
        assert_int_equal(catalogue_generation(f->catalogue), 0);
        assert_null(catalogue_item(f->catalogue, 0));
        assert_int_equal(n_candidates(f, fixture_nub(f, NULL, "IOUSBHostDevice", "dev", "{}")), 0);
}

static void test_add(void **state) {
        MatchFixture *f = *state;
        _cleanup_(personality_unrefp) Personality *dup = NULL, *nameless = NULL;
        CatalogueItem *it;

        fixture_add(f, "Any", "{\"IOProviderClass\": \"IOService\"}");
        fixture_add(f, "Old name", "{\"IOProviderClass\": \"IOUSBDevice\", \"IOProbeScore\": 7}");
        assert_int_equal(catalogue_size(f->catalogue), 2);
        assert_int_equal(catalogue_generation(f->catalogue), 2);

        /* Catalogue order, the canonical class (IOUSBDevice is an alias), the score. */
        it = catalogue_item(f->catalogue, 0);
        assert_string_equal(it->personality->name, "Any");
        assert_string_equal(it->provider_class, "IOService");
        assert_int_equal(it->probe_score, 0);
        it = catalogue_item(f->catalogue, 1);
        assert_string_equal(it->personality->name, "Old name");
        assert_string_equal(it->provider_class, "IOUSBHostDevice");
        assert_int_equal(it->probe_score, 7);
        assert_true(it->order > catalogue_item(f->catalogue, 0)->order);
        assert_null(catalogue_item(f->catalogue, 2));

        /* An exact duplicate (another name, the same dictionary) is stored once; the catalogue keeps its
         * own. */
        dup = fixture_personality("Copy", "{\"IOProviderClass\": \"IOService\"}");
        assert_int_equal(catalogue_add(f->catalogue, dup), 0);
        assert_int_equal(catalogue_size(f->catalogue), 2);
        assert_int_equal(catalogue_generation(f->catalogue), 2);
        assert_true(personality_equal(dup, catalogue_item(f->catalogue, 0)->personality));
        assert_ptr_not_equal(dup, catalogue_item(f->catalogue, 0)->personality);

        /* Without a provider class it cannot be filed. */
        nameless = fixture_personality("Nameless", "{\"IOClass\": \"Driver\"}");
        assert_int_equal(catalogue_add(f->catalogue, nameless), -EINVAL);
        assert_int_equal(catalogue_size(f->catalogue), 2);
        for (unsigned i = 0; i < catalogue_size(f->catalogue); i++)
                assert_ptr_not_equal(catalogue_item(f->catalogue, i)->personality, nameless);
}

static void test_lookup_by_class(void **state) {
        MatchFixture *f = *state;

        fixture_add(f, "Services", "{\"IOProviderClass\": \"IOService\"}");
        fixture_add(f, "USB devices", "{\"IOProviderClass\": \"IOUSBDevice\"}");
        fixture_add(f, "PCI devices", "{\"IOProviderClass\": \"IOPCIDevice\"}");
        fixture_add(f, "Unknown class", "{\"IOProviderClass\": \"NoSuchClass\"}");

        /* The nub's class chain, most-derived first: its own class, then IOService's. */
        assert_candidates(f, fixture_nub(f, NULL, "IOUSBHostDevice", "usb", "{}"), "USB devices",
                          "Services");
        assert_candidates(f, fixture_nub(f, NULL, "IOPCIDevice", "pci", "{}"), "PCI devices", "Services");
        /* One candidate. */
        assert_candidates(f, f->resources, "Services");
        /* None: Root is no IOService. */
        assert_int_equal(n_candidates(f, f->registry->root), 0);
}

static void test_order(void **state) {
        MatchFixture *f = *state;

        fixture_add(f, "Generic 10", "{\"IOProviderClass\": \"IOService\", \"IOProbeScore\": 10}");
        fixture_add(f, "USB 5", "{\"IOProviderClass\": \"IOUSBHostDevice\", \"IOProbeScore\": 5}");
        fixture_add(f, "USB 10", "{\"IOProviderClass\": \"IOUSBHostDevice\", \"IOProbeScore\": 10}");
        fixture_add(f, "USB 10 again",
                    "{\"IOProviderClass\": \"IOUSBDevice\", \"IOProbeScore\": 10, \"x\": 1}");
        fixture_add(f, "Negative", "{\"IOProviderClass\": \"IOUSBHostDevice\", \"IOProbeScore\": -1}");

        /* Score first; at equal score the most-derived class; then catalogue order. */
        assert_candidates(f, fixture_nub(f, NULL, "IOUSBHostDevice", "usb", "{}"), "USB 10", "USB 10 again",
                          "Generic 10", "USB 5", "Negative");
}

static void test_usb_keys(void **state) {
        MatchFixture *f = *state;
        Entry *mouse, *other, *plain;

        fixture_add(f, "Exact",
                    "{\"IOProviderClass\": \"IOUSBDevice\", \"idVendor\": 1452, \"idProduct\": 775}");
        fixture_add(f, "Array",
                    "{\"IOProviderClass\": \"IOUSBDevice\", \"idVendor\": 1452, \"idProductArray\": [1, "
                    "775, 2]}");
        fixture_add(f, "Masked",
                    "{\"IOProviderClass\": \"IOUSBDevice\", \"idVendor\": 1452, \"idProduct\": 768, "
                    "\"idProductMask\": 65280}");
        fixture_add(f, "Other product",
                    "{\"IOProviderClass\": \"IOUSBDevice\", \"idVendor\": 1452, \"idProduct\": 776}");
        fixture_add(f, "Other vendor",
                    "{\"IOProviderClass\": \"IOUSBDevice\", \"idVendor\": 1133, \"idProduct\": 775}");
        fixture_add(f, "Wildcard",
                    "{\"IOProviderClass\": \"IOUSBDevice\", \"idVendor\": 1452, \"idProduct\": \"*\"}");
        fixture_add(f, "Vendor only", "{\"IOProviderClass\": \"IOUSBDevice\", \"idVendor\": 1452}");

        mouse = fixture_nub(f, NULL, "IOUSBHostDevice", "mouse", "{\"idVendor\": 1452, \"idProduct\": 775}");
        other = fixture_nub(f, NULL, "IOUSBHostDevice", "other", "{\"idVendor\": 1452, \"idProduct\": 776}");
        plain = fixture_nub(f, NULL, "IOUSBHostDevice", "plain", "{}");

        /* Its own product's personalities and its vendor's (mask, wildcard product, vendor only), nothing else. */
        assert_candidates(f, mouse, "Exact", "Array", "Masked", "Wildcard", "Vendor only");
        assert_candidates(f, other, "Masked", "Other product", "Wildcard", "Vendor only");
        /* Without IDs, none: every one of them names a vendor. */
        assert_int_equal(n_candidates(f, plain), 0);
}

static void test_pci_keys(void **state) {
        MatchFixture *f = *state;

        fixture_add(f, "Primary list",
                    "{\"IOProviderClass\": \"IOPCIDevice\", \"IOPCIMatch\": \"0x12348086 0x56788086\"}");
        fixture_add(
                f, "Masked",
                "{\"IOProviderClass\": \"IOPCIDevice\", \"IOPCIPrimaryMatch\": \"0x12008086&0xff00ffff\"}");
        fixture_add(f, "Subsystem",
                    "{\"IOProviderClass\": \"IOPCIDevice\", \"IOPCISecondaryMatch\": \"0xaaaa1111\"}");
        fixture_add(f, "Both pairs",
                    "{\"IOProviderClass\": \"IOPCIDevice\", \"IOPCIMatch\": \"0x12348086 0xaaaa1111\"}");
        fixture_add(f, "Elsewhere",
                    "{\"IOProviderClass\": \"IOPCIDevice\", \"IOPCIMatch\": \"0x99998086\"}");

        /* Filed under both of the nub's pairs, "Both pairs" is still one candidate. */
        assert_candidates(f, pci_nub(f, 0x8086, 0x1234, 0x1111, 0xaaaa), "Primary list", "Masked",
                          "Subsystem", "Both pairs");
        /* "Masked" is filed under 0x12008086 & 0xff00ffff: device IDs 0x12XX of Intel only. */
        assert_candidates(f, pci_nub(f, 0x8086, 0x5678, 0, 0), "Primary list");
        assert_candidates(f, pci_nub(f, 0x8086, 0x12ab, 0, 0), "Masked");
        assert_candidates(f, pci_nub(f, 0x8086, 0x9999, 0, 0), "Elsewhere");
        assert_int_equal(n_candidates(f, pci_nub(f, 0x10de, 0x0001, 0, 0)), 0);
}

/* A list of personalities from JSON, name → dictionary. */
static void list_add(PersonalityList *l, const char *name, const char *json) {
        assert_int_equal(personality_list_append_take(l, fixture_personality(name, json)), 0);
}

static void test_reload(void **state) {
        MatchFixture *f = *state;
        _cleanup_(personality_list_done) PersonalityList first = {}, second = {}, added = {}, removed = {};
        Personality *kept;
        Entry *nub = fixture_nub(f, NULL, "IOUSBHostDevice", "usb", "{\"idVendor\": 1, \"idProduct\": 2}");
        uint64_t generation;

        list_add(&first, "A", "{\"IOProviderClass\": \"IOUSBDevice\", \"idVendor\": 1, \"idProduct\": 2}");
        list_add(&first, "B", "{\"IOProviderClass\": \"IOService\"}");
        list_add(&first, "C", "{\"IOProviderClass\": \"IOResources\"}");
        assert_int_equal(catalogue_replace(f->catalogue, &first, &added, &removed), 0);
        assert_int_equal(added.n, 3);
        assert_int_equal(removed.n, 0);
        assert_int_equal(catalogue_size(f->catalogue), 3);
        generation = catalogue_generation(f->catalogue);
        assert_true(generation > 0);
        kept = catalogue_item(f->catalogue, 0)->personality;
        assert_ptr_equal(kept, first.items[0]);
        assert_candidates(f, nub, "A", "B");
        personality_list_done(&added);

        /* A again (an equal copy), B gone, C kept, D new, D twice, and one that cannot be filed. */
        list_add(&second, "A copy",
                 "{\"IOProviderClass\": \"IOUSBDevice\", \"idVendor\": 1, \"idProduct\": 2}");
        list_add(&second, "C", "{\"IOProviderClass\": \"IOResources\"}");
        list_add(&second, "D", "{\"IOProviderClass\": \"IOUSBHostDevice\", \"IOProbeScore\": 1}");
        list_add(&second, "D twice", "{\"IOProviderClass\": \"IOUSBHostDevice\", \"IOProbeScore\": 1}");
        list_add(&second, "No class", "{\"IOClass\": \"X\"}");
        assert_int_equal(catalogue_replace(f->catalogue, &second, &added, &removed), 0);
        assert_int_equal(added.n, 1);
        assert_string_equal(added.items[0]->name, "D");
        assert_int_equal(removed.n, 1);
        assert_string_equal(removed.items[0]->name, "B");
        assert_int_equal(catalogue_size(f->catalogue), 3);
        assert_int_equal(catalogue_generation(f->catalogue), generation + 1);
        /* The held object survives (running drivers point at it), under its first name. */
        assert_ptr_equal(catalogue_item(f->catalogue, 0)->personality, kept);
        assert_true(personality_equal(second.items[0], kept));
        assert_string_equal(catalogue_item(f->catalogue, 1)->personality->name, "C");
        assert_string_equal(catalogue_item(f->catalogue, 2)->personality->name, "D");
        for (unsigned i = 0; i < catalogue_size(f->catalogue); i++)
                assert_false(personality_equal(catalogue_item(f->catalogue, i)->personality, first.items[1]));
        assert_candidates(f, nub, "D", "A");
        personality_list_done(&added);
        personality_list_done(&removed);

        /* The same list again: nothing added, nothing removed, the generation stays. */
        assert_int_equal(catalogue_replace(f->catalogue, &second, &added, &removed), 0);
        assert_int_equal(added.n, 0);
        assert_int_equal(removed.n, 0);
        assert_int_equal(catalogue_generation(f->catalogue), generation + 1);

        /* Emptied. */
        personality_list_done(&first);
        assert_int_equal(catalogue_replace(f->catalogue, &first, NULL, &removed), 0);
        assert_int_equal(removed.n, 3);
        assert_int_equal(catalogue_size(f->catalogue), 0);
        assert_int_equal(n_candidates(f, nub), 0);
        assert_int_equal(catalogue_generation(f->catalogue), generation + 2);
}

/* Real kexts: AppleUSBOpticalMouse (2 personalities), AppleUSBMergeNub (83), FakePCIID (8), in this order.
 */
static void load_real(MatchFixture *f) {
        static const char *const files[] = {
                PLIST("apple-IOUSBFamily-AppleUSBOpticalMouse.plist"),
                PLIST("apple-IOUSBFamily-AppleUSBMergeNub.plist"),
                PLIST("rehabman-FakePCIID-Intel_HD_Graphics.plist"),
        };
        _cleanup_(personality_list_done) PersonalityList list = {};

        for (size_t i = 0; i < ELEMENTSOF(files); i++)
                assert_int_equal(personality_file_load(files[i], &list, NULL, NULL, NULL), 0);
        assert_int_equal(list.n, 93);
        assert_int_equal(catalogue_replace(f->catalogue, &list, NULL, NULL), 0);
        /* No two of them are exact duplicates. */
        assert_int_equal(catalogue_size(f->catalogue), 93);
}

static void test_real_usb(void **state) {
        MatchFixture *f = *state;

        load_real(f);
        /*
         * A device: its own product's personalities, and its vendor's that MergeNub files under the vendor
         * alone (idProduct "*", or an idProductMask); "Apple 4762" first with IOProbeScore 9010, the rest in
         * file order. The other vendors' wildcards (iomega, Symwave, VIA) are no candidates.
         */
        assert_candidates(f,
                          fixture_nub(f, NULL, "IOUSBHostDevice", "reader",
                                      "{\"idVendor\": 1507, \"idProduct\": 1813}"),
                          "Kensington 7-in-1 card reader");
        assert_candidates(f,
                          fixture_nub(f, NULL, "IOUSBHostDevice", "iomega",
                                      "{\"idVendor\": 1435, \"idProduct\": 1}"),
                          "iomega drives");
        /* Two personalities on one key. */
        assert_candidates(
                f,
                fixture_nub(f, NULL, "IOUSBHostDevice", "hub", "{\"idVendor\": 1060, \"idProduct\": 9492}"),
                "SMSC2514i", "SMSC2514x");
        /* One that names the product in its idProductArray, and Apple's masked and wildcard ranges. */
        assert_candidates(f,
                          fixture_nub(f, NULL, "IOUSBHostDevice", "isight",
                                      "{\"idVendor\": 1452, \"idProduct\": 34058}"),
                          "Apple 4762", "Apple12", "SuspendPort", "Apple 34058", "Apple DFU Device Range");
        /* An interface: the mouse's own personality and MergeNub's masked interface range. */
        assert_candidates(f,
                          fixture_nub(f, NULL, "IOUSBHostInterface", "mouse",
                                      "{\"idVendor\": 1452, \"idProduct\": 775}"),
                          "Apple 2000FPS Mouse", "Apple DFU Interface Range");
}

/*
 * The daemon builds its catalogue before the families define their classes
 * and aliases (issue 16, cause 1): a personality written for IOUSBDevice is
 * filed under that name, and must still be a candidate for IOUSBHostDevice
 * nubs once the alias exists. Real MergeNub personalities.
 */
static void test_aliases_defined_later(void **state _unused_) {
        _cleanup_(personality_list_done) PersonalityList list = {};
        Registry *reg = NULL;
        Catalogue *cat = NULL;
        CatalogueItem **items = NULL;
        Entry *hub;
        unsigned n = 0;
        bool smsc = false;

        assert_int_equal(registry_new(&reg), 0);
        assert_int_equal(catalogue_new(reg->classes, &cat), 0);
        assert_int_equal(personality_file_load(PLIST("apple-IOUSBFamily-AppleUSBMergeNub.plist"), &list, NULL,
                                               NULL, NULL), 0);
        assert_int_equal(catalogue_replace(cat, &list, NULL, NULL), 0);
        assert_string_equal(catalogue_item(cat, 0)->provider_class, "IOUSBDevice"); /* not yet an alias */

        assert_int_equal(family_define_classes(reg->classes), 0);
        assert_int_equal(registry_create_entry(reg, "IOUSBHostDevice", &hub), 0);
        assert_int_equal(entry_set_property_take(hub, "idVendor", value_new_unsigned(1060, 32)), 0);
        assert_int_equal(entry_set_property_take(hub, "idProduct", value_new_unsigned(9492, 32)), 0);
        assert_int_equal(catalogue_find_drivers(cat, hub, &items, &n), 0);
        for (unsigned i = 0; i < n; i++)
                smsc = smsc || streq(items[i]->personality->name, "SMSC2514i");
        assert_true(smsc);
        assert_int_equal(n, 2); /* SMSC2514i and SMSC2514x */
        free(items);
        /* Apple's DFU range, filed under its vendor (an idProductMask), from the alias's bucket too. */
        assert_int_equal(entry_set_property_take(hub, "idVendor", value_new_unsigned(1452, 32)), 0);
        assert_int_equal(entry_set_property_take(hub, "idProduct", value_new_unsigned(61440 + 5, 32)), 0);
        assert_int_equal(catalogue_find_drivers(cat, hub, &items, &n), 0);
        assert_int_equal(n, 3); /* and "Apple 4762", "Apple12": masked too */
        assert_string_equal(items[2]->personality->name, "Apple DFU Device Range");
        free(items);
        catalogue_free(cat);
        registry_free(reg);
}

static void test_real_pci(void **state) {
        MatchFixture *f = *state;

        load_real(f);
        /* IOPCIPrimaryMatch lists without masks: one candidate for a listed ID, none otherwise. */
        assert_candidates(f, pci_nub(f, 0x8086, 0x0412, 0, 0), "HD4200 HD4400 HD4600 P4600");
        assert_candidates(f, pci_nub(f, 0x8086, 0x3e9b, 0, 0), "UHD630 CoffeeLake");
        assert_int_equal(n_candidates(f, pci_nub(f, 0x8086, 0x9999, 0, 0)), 0);
        assert_int_equal(n_candidates(f, pci_nub(f, 0x10de, 0x0412, 0, 0)), 0);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_empty, match_fixture_setup, match_fixture_teardown),
                cmocka_unit_test_setup_teardown(test_add, match_fixture_setup, match_fixture_teardown),
                cmocka_unit_test_setup_teardown(test_lookup_by_class, match_fixture_setup,
                                                match_fixture_teardown),
                cmocka_unit_test_setup_teardown(test_order, match_fixture_setup, match_fixture_teardown),
                cmocka_unit_test_setup_teardown(test_usb_keys, match_fixture_setup, match_fixture_teardown),
                cmocka_unit_test_setup_teardown(test_pci_keys, match_fixture_setup, match_fixture_teardown),
                cmocka_unit_test_setup_teardown(test_reload, match_fixture_setup, match_fixture_teardown),
                cmocka_unit_test_setup_teardown(test_real_usb, match_fixture_setup, match_fixture_teardown),
                cmocka_unit_test_setup_teardown(test_real_pci, match_fixture_setup, match_fixture_teardown),
                cmocka_unit_test(test_aliases_defined_later),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
