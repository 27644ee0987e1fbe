/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-catalogue-index: the catalogue's index (catalogue-keys.c) against
 * the linear scan it replaces. Every real Info.plist of tests/data/plists
 * and personalities generated from a seed (IONameMatch names and prefixes,
 * USB IDs, masks, wildcards and classes, PCI ID and class lists with and
 * without masks, IOPropertyMatch dictionaries and arrays, odd types) go
 * into one catalogue; the nubs are those of the real umockdev recordings
 * (through the device tree and the families), nubs generated from the same
 * pools, and every entry of real Macs' registries. For each nub:
 *
 *   - the candidates that pass match_passive() are the same, in the same
 *     order, with the index and without it (catalogue_set_indexed(false):
 *     every personality of the nub's classes), and the same set as a scan of
 *     every personality in the catalogue;
 *   - the index's candidates are a subset of the scan's.
 *
 * Then the whole match: the same nubs in two registries, one catalogue
 * indexed and one not, start the same drivers with the same scores and
 * merge the same properties.
 */

#include <dirent.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "catalogue.h"
#include "device-tree.h"
#include "json-value.h"
#include "match-passive.h"
#include "matcher.h"
#include "personality-file.h"
#include "platform-expert.h"
#include "snapshot.h"
#include "umockdev-load.h"

#define PLISTS TEST_DATA "/plists"
#define DUMP(name) TEST_DATA "/ioreg/" name
#define RECORDINGS TEST_DATA "/umockdev"

#define N_GENERATED 800
#define N_NUBS 400

/* xorshift64*: the same personalities and nubs on every run. */
static uint64_t rng_state;

static void rng_seed(uint64_t seed) {
        rng_state = seed ?: 1;
}

static uint64_t rng(void) {
        rng_state ^= rng_state >> 12;
        rng_state ^= rng_state << 25;
        rng_state ^= rng_state >> 27;
        return rng_state * UINT64_C(2685821657736338717);
}

static unsigned pick(unsigned n) {
        return (unsigned) (rng() % n);
}

static bool chance(unsigned percent) {
        return pick(100) < percent;
}

#define PICK(array) (array)[pick(ELEMENTSOF(array))]

/* The pools both sides draw from, so that keys meet often. */
static const char *const names[] = {
        "XHC", "XHCI", "EH01", "EH02", "GLAN", "display", "IOPCIDevice", "pci8086,1e31", "PNP0303",
        "INT33C2", "ethernet", "Dev", "mouse", "usb-host", "",
};
static const uint64_t vendors[] = { 1452, 1133, 0x0403, 0x1d6b, 0x8087, 1507 };
static const uint64_t products[] = { 1, 2, 775, 0x6001, 0x8000, 0x8001, 34058 };
static const uint64_t usb_classes[] = { 0, 3, 8, 9, 0xe0, 0xff };
static const uint32_t pci_ids[] = { 0x12348086, 0x1e318086, 0x0d4f8086, 0x20818086, 0x000110de, 0x10001002 };
static const char *const pci_masks[] = { "", "", "&0xffffffff", "&0x0000ffff", "&0xff00ffff", "&0x0" };
static const uint32_t pci_classes[] = { 0x0c0320, 0x0c0330, 0x020000, 0x030000, 0x010601 };
static const char *const providers[] = {
        "IOService", "IOUSBHostDevice", "IOUSBDevice", "IOUSBHostInterface", "IOUSBInterface", "IOPCIDevice",
        "IOPCIDevice", "IOHIDDevice", "IOLinuxDevice", "IOResources", "AppleUSBXHCIPCI", "NoSuchClass",
};
static const char *const property_keys[] = { "idVendor", "bInterfaceClass", "bDeviceClass", "Missing", "class" };

/* ------------------------------------------------------------------------- */
/* Generated personalities, as JSON. */

static void json_number_or_odd(FILE *f, uint64_t n) {
        unsigned odd = pick(20);

        if (odd == 0)
                fputs("\"*\"", f);
        else if (odd == 1)
                fputs("\"12\"", f);
        else
                fprintf(f, "%" PRIu64, n);
}

static void json_names(FILE *f) {
        unsigned n = 1 + pick(3);

        if (chance(50)) {
                fprintf(f, "\"%s\"", PICK(names));
                return;
        }
        fputc('[', f);
        for (unsigned i = 0; i < n; i++) {
                if (i > 0)
                        fputc(',', f);
                if (chance(8))
                        fputs("\"XHC*\"", f);
                else if (chance(5))
                        fputs("7", f);
                else
                        fprintf(f, "\"%s\"", PICK(names));
        }
        fputc(']', f);
}

static void json_pci_list(FILE *f, bool classes) {
        unsigned n = 1 + pick(3);

        fputc('"', f);
        for (unsigned i = 0; i < n; i++) {
                if (classes)
                        fprintf(f, "%s0x%06x00%s", i ? " " : "", PICK(pci_classes),
                                chance(30) ? "&0xffff0000" : "");
                else
                        fprintf(f, "%s0x%08x%s", i ? " " : "", PICK(pci_ids), PICK(pci_masks));
        }
        if (chance(5))
                fputs(" zz 0x00008086", f); /* a malformed entry ends the list */
        fputc('"', f);
}

static void json_property_dict(FILE *f) {
        const char *key = PICK(property_keys);

        if (chance(5)) {
                fputs("{}", f);
                return;
        }
        fprintf(f, "{\"%s\": ", key);
        if (streq(key, "idVendor"))
                fprintf(f, "%" PRIu64, PICK(vendors));
        else if (streq(key, "class"))
                fprintf(f, "\"%s\"", PICK(names));
        else
                fprintf(f, "%" PRIu64, PICK(usb_classes));
        if (chance(30))
                fprintf(f, ", \"%s\": %" PRIu64, PICK(property_keys), PICK(usb_classes));
        fputc('}', f);
}

static char *generated_json(unsigned i) {
        static const char *const usb_numbers[] = {
                "bDeviceClass", "bDeviceSubClass", "bDeviceProtocol", "bInterfaceClass", "bInterfaceSubClass",
                "bInterfaceProtocol", "bcdDevice", "bConfigurationValue", "bInterfaceNumber",
        };
        static const char *const pci_keys[] = { "IOPCIMatch", "IOPCIPrimaryMatch", "IOPCISecondaryMatch" };
        char *buf = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&buf, &size);
        const char *provider;
        bool generic;

        assert_non_null(f);
        provider = PICK(providers);
        /* A class of no family reads no USB or PCI key: mostly names and properties then, seldom nothing. */
        generic = !strstr(provider, "USB") && !strstr(provider, "PCI");
        fprintf(f, "{\"IOProviderClass\": \"%s\", \"IOClass\": \"Gen%u\", \"IOProbeScore\": %u", provider, i,
                pick(5) * 1000);
        if (chance(40))
                fprintf(f, ", \"IOMatchCategory\": \"C%u\"", pick(4));
        if (chance(generic ? 75 : 25)) {
                fputs(", \"IONameMatch\": ", f);
                json_names(f);
        }
        if (chance(45)) {
                fputs(", \"idVendor\": ", f);
                json_number_or_odd(f, PICK(vendors));
        }
        if (chance(30)) {
                fputs(", \"idProduct\": ", f);
                json_number_or_odd(f, PICK(products));
        }
        if (chance(12)) {
                unsigned n = 1 + pick(3);

                fputs(", \"idProductArray\": [", f);
                for (unsigned j = 0; j < n; j++) {
                        fputs(j ? ", " : "", f);
                        json_number_or_odd(f, PICK(products));
                }
                fputc(']', f);
        }
        if (chance(8))
                fprintf(f, ", \"idProductMask\": %u", chance(50) ? 0xfff0u : 0xff00u);
        for (size_t k = 0; k < ELEMENTSOF(usb_numbers); k++)
                if (chance(k < 6 ? 15 : 5)) {
                        fprintf(f, ", \"%s\": ", usb_numbers[k]);
                        json_number_or_odd(f, PICK(usb_classes));
                }
        if (chance(30)) {
                fprintf(f, ", \"%s\": ", PICK(pci_keys));
                json_pci_list(f, false);
        }
        if (chance(15)) {
                fputs(", \"IOPCIClassMatch\": ", f);
                json_pci_list(f, true);
        }
        if (chance(3))
                fputs(", \"IOPCIMatch\": 5", f);
        if (chance(generic ? 22 : 12)) {
                fputs(", \"IOPropertyMatch\": ", f);
                if (chance(30)) {
                        fputc('[', f);
                        json_property_dict(f);
                        fputs(", ", f);
                        if (chance(20))
                                fputs("\"not a dictionary\"", f);
                        else
                                json_property_dict(f);
                        fputc(']', f);
                } else
                        json_property_dict(f);
        }
        if (chance(4))
                fprintf(f, ", \"IOPropertyExistsMatch\": \"%s\"", PICK(property_keys));
        fputc('}', f);
        assert_int_equal(fclose(f), 0);
        return buf;
}

static void load_personalities(PersonalityList *list) {
        struct dirent **entries;
        int n = scandir(PLISTS, &entries, NULL, alphasort);

        assert_true(n > 0);
        for (int i = 0; i < n; i++) {
                char path[512];

                if (strstr(entries[i]->d_name, ".plist")) {
                        snprintf(path, sizeof(path), "%s/%s", PLISTS, entries[i]->d_name);
                        /* IOStorageFamily's is an unpreprocessed source: reported and skipped. */
                        (void) personality_file_load(path, list, NULL, NULL, NULL);
                }
                free(entries[i]);
        }
        free(entries);
        assert_int_equal(list->n, 591);

        rng_seed(21);
        for (unsigned i = 0; i < N_GENERATED; i++) {
                _cleanup_free_ char *json = generated_json(i);
                char name[32];
                Value *d = json_value(json);
                Personality *p = NULL;

                assert_non_null(d);
                snprintf(name, sizeof(name), "Gen%u", i);
                assert_int_equal(personality_new(name, "org.ioreg.test.generated", "test", d, &p), 0);
                assert_int_equal(personality_list_append_take(list, p), 0);
        }
}

/* ------------------------------------------------------------------------- */
/* The property: index and scan agree on one entry. */

typedef struct Tally {
        unsigned entries, indexed, scanned, passed;
} Tally;

/* The candidates of e that pass, best first (borrowed items in an owned array). */
static CatalogueItem **passing(Registry *reg, Catalogue *cat, Entry *e, unsigned *ret_n, unsigned *ret_candidates) {
        CatalogueItem **items = NULL;
        unsigned n = 0, out = 0;

        assert_int_equal(catalogue_find_drivers(cat, e, &items, &n), 0);
        for (unsigned i = 0; i < n; i++) {
                MatchResult res;

                match_result_init(&res, items[i]->personality->dict);
                if (match_passive(reg, e, items[i]->personality->dict, MATCH_SKIP_PROVIDER_CLASS, &res))
                        items[out++] = items[i];
        }
        *ret_n = out;
        *ret_candidates = n;
        return items;
}

static bool contains(CatalogueItem *const *items, unsigned n, const CatalogueItem *it) {
        for (unsigned i = 0; i < n; i++)
                if (items[i] == it)
                        return true;
        return false;
}

static void check_entry(Registry *reg, Catalogue *cat, Entry *e, Tally *t) {
        _cleanup_free_ CatalogueItem **with = NULL, **without = NULL, **all = NULL;
        unsigned n_with, n_without, c_with, c_without, n_all = 0, n_scan = 0;

        if (!entry_conforms_to(e, "IOService"))
                return;
        with = passing(reg, cat, e, &n_with, &c_with);
        catalogue_set_indexed(cat, false);
        without = passing(reg, cat, e, &n_without, &c_without);
        catalogue_set_indexed(cat, true);

        /* Same passing candidates, same order. */
        if (n_with != n_without)
                fail_msg("%s <class %s>: %u pass with the index, %u without", entry_get_name(e, NULL),
                         e->klass->name, n_with, n_without);
        for (unsigned i = 0; i < n_with; i++)
                if (with[i] != without[i])
                        fail_msg("%s <class %s>: candidate %u is %s with the index, %s without",
                                 entry_get_name(e, NULL), e->klass->name, i, with[i]->personality->name,
                                 without[i]->personality->name);
        assert_true(c_with <= c_without);

        /* The same set as every personality of the catalogue whose class the entry conforms to. */
        all = calloc(catalogue_size(cat) + 1, sizeof(*all));
        assert_non_null(all);
        for (unsigned i = 0; i < catalogue_size(cat); i++) {
                CatalogueItem *it = catalogue_item(cat, i);
                MatchResult res;

                if (!entry_conforms_to(e, it->provider_class))
                        continue;
                n_scan++;
                match_result_init(&res, it->personality->dict);
                if (match_passive(reg, e, it->personality->dict, 0, &res))
                        all[n_all++] = it;
        }
        assert_int_equal(n_scan, c_without);
        if (n_all != n_with)
                fail_msg("%s <class %s>: %u pass in the scan, %u through the index", entry_get_name(e, NULL),
                         e->klass->name, n_all, n_with);
        for (unsigned i = 0; i < n_all; i++)
                if (!contains(with, n_with, all[i]))
                        fail_msg("%s <class %s>: %s passes but the index missed it", entry_get_name(e, NULL),
                                 e->klass->name, all[i]->personality->name);
        t->entries++;
        t->indexed += c_with;
        t->scanned += c_without;
        t->passed += n_with;
}

static void check_registry(Registry *reg, Catalogue *cat, Tally *t) {
        void *v;

        for (unsigned i = 0; hashmap_next(&reg->by_id, &i, NULL, &v);)
                check_entry(reg, cat, v, t);
}

/* ------------------------------------------------------------------------- */
/* A machine: the recordings and the generated nubs, matched as they are published. */

typedef struct Machine {
        Registry *registry;
        Entry *platform, *resources; /* borrowed */
        Catalogue *catalogue;
        Matcher *matcher;
        DeviceTree tree;
        Entry **nubs; /* borrowed, in publish order */
        unsigned n_nubs, cap_nubs;
} Machine;

static void on_publish(void *userdata, Entry *nub) {
        Machine *m = userdata;

        assert_int_equal(GROW(m->nubs, m->cap_nubs, m->n_nubs + 1), 0);
        m->nubs[m->n_nubs++] = nub;
        if (m->matcher)
                assert_int_equal(matcher_register_service(m->matcher, nub), 0);
}

static void set_le32(Entry *e, const char *key, uint32_t v) {
        uint8_t b[4] = { v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, v >> 24 };

        assert_int_equal(entry_set_property_take(e, key, value_new_data(b, 4)), 0);
}

static void set_number(Entry *e, const char *key, uint64_t v, unsigned bits) {
        assert_int_equal(entry_set_property_take(e, key, value_new_unsigned(v, bits)), 0);
}

static Entry *generated_nub(Machine *m, Entry *parent, const char *class_name) {
        Entry *e;

        assert_int_equal(registry_create_entry(m->registry, class_name, &e), 0);
        assert_int_equal(entry_set_name(e, NULL, PICK(names)), 0);
        if (chance(40)) {
                char compatible[64];
                int len = snprintf(compatible, sizeof(compatible), "%s%c%s", PICK(names), 0, PICK(names));

                assert_int_equal(entry_set_property_take(e, chance(70) ? "compatible" : "name",
                                                         value_new_data(compatible, (size_t) len + 1)), 0);
        }
        if (chance(30))
                assert_int_equal(entry_set_property_take(e, "class", value_new_string(PICK(names))), 0);
        assert_int_equal(entry_attach(e, parent, m->registry->service_plane), 0);
        return e;
}

static void generated_nubs(Machine *m) {
        rng_seed(2121);
        for (unsigned i = 0; i < N_NUBS; i++) {
                unsigned kind = pick(5);
                Entry *e, *iface;

                switch (kind) {
                case 0: /* a USB device and an interface */
                        e = generated_nub(m, m->platform, "IOUSBHostDevice");
                        set_number(e, "idVendor", PICK(vendors), 16);
                        set_number(e, "idProduct", PICK(products), 16);
                        set_number(e, "bcdDevice", PICK(usb_classes), 16);
                        set_number(e, "bDeviceClass", PICK(usb_classes), 8);
                        set_number(e, "bDeviceSubClass", PICK(usb_classes), 8);
                        set_number(e, "bDeviceProtocol", PICK(usb_classes), 8);
                        iface = generated_nub(m, e, "IOUSBHostInterface");
                        set_number(iface, "idVendor", value_unsigned(entry_get_property(e, "idVendor")), 16);
                        set_number(iface, "idProduct", value_unsigned(entry_get_property(e, "idProduct")), 16);
                        set_number(iface, "bInterfaceClass", PICK(usb_classes), 8);
                        set_number(iface, "bInterfaceSubClass", PICK(usb_classes), 8);
                        set_number(iface, "bInterfaceProtocol", PICK(usb_classes), 8);
                        set_number(iface, "bConfigurationValue", 1, 8);
                        set_number(iface, "bInterfaceNumber", pick(2), 8);
                        on_publish(m, e);
                        on_publish(m, iface);
                        break;
                case 1:
                case 2: {
                        uint32_t id = PICK(pci_ids), sub = PICK(pci_ids);

                        e = generated_nub(m, m->platform, kind == 1 ? "IOPCIDevice" : "AppleUSBXHCIPCI");
                        set_le32(e, "vendor-id", id & 0xffff);
                        set_le32(e, "device-id", id >> 16);
                        if (chance(70)) {
                                set_le32(e, "subsystem-vendor-id", sub & 0xffff);
                                set_le32(e, "subsystem-id", sub >> 16);
                        }
                        if (chance(80))
                                set_le32(e, "class-code", PICK(pci_classes));
                        on_publish(m, e);
                        break;
                }
                case 3:
                        e = generated_nub(m, m->platform, "IOHIDDevice");
                        set_number(e, "idVendor", PICK(vendors), 32);
                        on_publish(m, e);
                        break;
                default:
                        e = generated_nub(m, m->platform, "IOLinuxDevice");
                        if (chance(50))
                                set_number(e, "bInterfaceClass", PICK(usb_classes), 8);
                        on_publish(m, e);
                }
        }
}

static void recordings(Machine *m) {
        struct dirent **entries;
        int n = scandir(RECORDINGS, &entries, NULL, alphasort);

        assert_true(n > 0);
        for (int i = 0; i < n; i++) {
                _cleanup_(umockdev_freep) UmockdevRecording *rec = NULL;
                char path[512];

                if (strstr(entries[i]->d_name, ".umockdev")) {
                        snprintf(path, sizeof(path), "%s/%s", RECORDINGS, entries[i]->d_name);
                        assert_int_equal(umockdev_load(path, &rec), 0);
                        for (size_t d = rec->n_devices; d > 0; d--)
                                assert_true(device_tree_apply(&m->tree, umockdev_device(rec, d - 1)) >= 0);
                }
                free(entries[i]);
        }
        free(entries);
}

/* Builds the machine; with a catalogue (indexed or not), matches every nub as it is published. */
static void machine_build(Machine *m, const PersonalityList *list, bool match, bool indexed) {
        PlatformInfo info = {};

        *m = (Machine) {};
        assert_int_equal(registry_new(&m->registry), 0);
        assert_int_equal(registry_publish_platform(m->registry, &info, &m->platform, &m->resources), 0);
        assert_int_equal(device_tree_init(&m->tree, m->registry, m->platform), 0);
        assert_int_equal(class_table_define(m->registry->classes, "AppleUSBXHCIPCI", "IOPCIDevice", NULL), 0);
        assert_int_equal(catalogue_new(m->registry->classes, &m->catalogue), 0);
        catalogue_set_indexed(m->catalogue, indexed);
        if (match) {
                assert_int_equal(matcher_new(m->registry, m->catalogue, m->resources, &m->matcher), 0);
                assert_true(matcher_reload(m->matcher, list) >= 0);
        } else
                assert_true(catalogue_replace(m->catalogue, list, NULL, NULL) >= 0);
        m->tree.on_publish = on_publish;
        m->tree.userdata = m;
        recordings(m);
        generated_nubs(m);
}

static void machine_done(Machine *m) {
        device_tree_done(&m->tree);
        matcher_free(m->matcher);
        catalogue_free(m->catalogue);
        registry_free(m->registry);
        free(m->nubs);
}

/* ------------------------------------------------------------------------- */

static void test_generated_and_recorded_nubs(void **state _unused_) {
        _cleanup_(personality_list_done) PersonalityList list = PERSONALITY_LIST_INIT;
        Machine m;
        Tally t = {};

        load_personalities(&list);
        machine_build(&m, &list, false, true);
        assert_true(catalogue_size(m.catalogue) > 1300);
        check_registry(m.registry, m.catalogue, &t);
        print_message("%u entries: %u candidates through the index, %u in the scan, %u pass\n", t.entries,
                      t.indexed, t.scanned, t.passed);
        /* The property is only as good as the matches it saw: many pass, and the index drops many. */
        assert_true(t.entries > N_NUBS);
        assert_true(t.passed > 1000);
        assert_true(t.indexed * 2 < t.scanned);
        machine_done(&m);
}

static void test_real_macs(void **state _unused_) {
        static const char *const dumps[] = {
                DUMP("hackintosh-M17xR2-MacBookPro8,3-ioreg-l.txt"),
                DUMP("hackintosh-Macmini8,1-ioreg-l.txt"),
                DUMP("glpi-ioreg-IOUSBDevice1.txt"),
        };
        _cleanup_(personality_list_done) PersonalityList list = PERSONALITY_LIST_INIT;
        Tally t = {};

        load_personalities(&list);
        for (size_t i = 0; i < ELEMENTSOF(dumps); i++) {
                _cleanup_(registry_freep) Registry *reg = NULL;
                _cleanup_(catalogue_freep) Catalogue *cat = NULL;
                SnapshotError err = {};

                assert_int_equal(registry_new(&reg), 0);
                assert_int_equal(snapshot_load_file(reg, "IOService", dumps[i], &err), 0);
                assert_int_equal(catalogue_new(reg->classes, &cat), 0);
                assert_true(catalogue_replace(cat, &list, NULL, NULL) >= 0);
                check_registry(reg, cat, &t);
        }
        print_message("%u entries: %u candidates through the index, %u in the scan, %u pass\n", t.entries,
                      t.indexed, t.scanned, t.passed);
        assert_true(t.passed > 100);
}

/* The whole match, started drivers and merged properties, with and without the index. */
static void test_same_drivers(void **state _unused_) {
        _cleanup_(personality_list_done) PersonalityList list = PERSONALITY_LIST_INIT;
        Machine a, b;
        unsigned drivers = 0;

        load_personalities(&list);
        machine_build(&a, &list, true, true);
        machine_build(&b, &list, true, false);
        assert_int_equal(a.n_nubs, b.n_nubs);
        assert_int_equal(registry_n_entries(a.registry), registry_n_entries(b.registry));
        for (unsigned i = 0; i < a.n_nubs; i++) {
                Entry *const *ca, *const *cb;
                unsigned na, nb;

                assert_string_equal(entry_get_name(a.nubs[i], NULL), entry_get_name(b.nubs[i], NULL));
                if (!value_equal(a.nubs[i]->properties, b.nubs[i]->properties))
                        fail_msg("nub %u (%s): merged properties differ", i, entry_get_name(a.nubs[i], NULL));
                ca = entry_get_children(a.nubs[i], a.registry->service_plane, &na);
                cb = entry_get_children(b.nubs[i], b.registry->service_plane, &nb);
                assert_int_equal(na, nb);
                for (unsigned j = 0; j < na; j++) {
                        assert_string_equal(ca[j]->klass->name, cb[j]->klass->name);
                        assert_true(value_equal(ca[j]->properties, cb[j]->properties));
                        drivers += strncmp(ca[j]->klass->name, "Gen", 3) == 0;
                }
        }
        print_message("%u nubs, %u entries, %u generated drivers started\n", a.n_nubs,
                      registry_n_entries(a.registry), drivers);
        assert_true(drivers > 100);
        machine_done(&a);
        machine_done(&b);
}

/*
 * A class tree where an interface class derives from the device class (a saved registry may say
 * anything): the nub is in IOUSBHostDevice's bucket but match_family_hook() gives it the interface's
 * hook, under which the device keys the bucket is filed by mean nothing. The index must not drop the
 * personality filed under bDeviceClass 9 that the interface's rule (class 3, subclass 1) passes.
 */
static void test_hook_of_another_family(void **state _unused_) {
        _cleanup_(registry_freep) Registry *reg = NULL;
        _cleanup_(catalogue_freep) Catalogue *cat = NULL;
        _cleanup_(personality_unrefp) Personality *p = NULL;
        _cleanup_free_ CatalogueItem **items = NULL;
        Value *d = json_value("{\"IOProviderClass\": \"IOUSBHostDevice\", \"bDeviceClass\": 9, "
                              "\"bInterfaceClass\": 3, \"bInterfaceSubClass\": 1}");
        MatchResult res;
        Entry *nub;
        unsigned n;

        assert_int_equal(registry_new(&reg), 0);
        assert_int_equal(class_table_define(reg->classes, "IOUSBHostDevice", "IOService", NULL), 0);
        assert_int_equal(class_table_define(reg->classes, "IOUSBHostInterface", "IOUSBHostDevice", NULL), 0);
        assert_int_equal(registry_create_entry(reg, "IOUSBHostInterface", &nub), 0);
        assert_int_equal(entry_attach(nub, reg->root, reg->service_plane), 0);
        set_number(nub, "bDeviceClass", 0, 8);
        set_number(nub, "bInterfaceClass", 3, 8);
        set_number(nub, "bInterfaceSubClass", 1, 8);
        assert_non_null(d);
        assert_int_equal(personality_new("Hub or HID", "org.ioreg.test", "test", d, &p), 0);
        assert_int_equal(catalogue_new(reg->classes, &cat), 0);
        assert_int_equal(catalogue_add(cat, p), 1);

        match_result_init(&res, p->dict);
        assert_true(match_passive(reg, nub, p->dict, MATCH_SKIP_PROVIDER_CLASS, &res));
        assert_int_equal(res.score, 50000);
        assert_int_equal(catalogue_find_drivers(cat, nub, &items, &n), 0);
        assert_int_equal(n, 1);
        assert_ptr_equal(items[0]->personality, p);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_generated_and_recorded_nubs),
                cmocka_unit_test(test_real_macs),
                cmocka_unit_test(test_same_drivers),
                cmocka_unit_test(test_hook_of_another_family),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
