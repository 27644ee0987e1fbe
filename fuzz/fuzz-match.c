/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz-match.c: a matching dictionary, written as JSON (integers → 64-bit
 * numbers, {} → dictionary, as personality files give them), evaluated
 * against a small fixed registry: passively against every nub
 * (match-passive.h), then, when it passes personality_check() as every
 * catalogue personality has, as a codeless personality through the
 * catalogue (catalogue_find_drivers) and the matcher
 * (matcher_register_service, matcher_explain, a published resource and a
 * termination).
 *
 * The registry is built anew for each input: the matcher attaches drivers
 * and merges properties, and a finding must reproduce from its input alone.
 */

#include <jansson.h>

#include "catalogue.h"
#include "family.h"
#include "fuzz.h"
#include "json-value.h"
#include "match-passive.h"
#include "matcher.h"
#include "personality-check.h"

/* Index in Fixture.nubs of the USB device, which match_actively() terminates at the end. */
#define USB_DEVICE_NUB 3

typedef struct Fixture {
        Registry *registry;   /* owned */
        Catalogue *catalogue; /* owned */
        Matcher *matcher;     /* owned */
        Entry *resources;     /* borrowed from the registry */
        Entry *nubs[16];      /* borrowed from the registry */
        unsigned n_nubs;
} Fixture;

static void fixture_done(Fixture *f) {
        matcher_free(f->matcher);
        catalogue_free(f->catalogue);
        registry_free(f->registry);
}

/* A nub of class below parent, named name at location (may be NULL), with properties from JSON. */
static Entry *add_nub(Fixture *f, Entry *parent, const char *class_name, const char *name, const char *location,
                      const char *props) {
        json_auto_t *j = json_loads(props, 0, NULL);
        Entry *e = NULL;

        fuzz_check(j);
        fuzz_check(registry_create_entry(f->registry, class_name, &e) == 0);
        fuzz_check(entry_set_name(e, NULL, name) == 0);
        if (location)
                fuzz_check(entry_set_location(e, NULL, location) == 0);
        value_unref(e->properties);
        e->properties = json_value_convert(j);
        fuzz_check(e->properties);
        fuzz_check(entry_attach(e, parent, f->registry->service_plane) == 0);
        fuzz_check(f->n_nubs < ELEMENTSOF(f->nubs));
        f->nubs[f->n_nubs++] = e;
        return e;
}

/* The families' classes, and one nub of each kind the family hooks look at, with real-looking properties. */
static void fixture_init(Fixture *f) {
        static const uint8_t vendor[] = { 0x86, 0x80, 0, 0 }, device[] = { 0x31, 0x1e, 0, 0 },
                             sub_vendor[] = { 0xaa, 0x17, 0, 0 }, sub_device[] = { 0xfa, 0x21, 0, 0 },
                             class_code[] = { 0x30, 0x03, 0x0c, 0 };
        ClassTable *classes;
        Entry *platform, *pci, *usb;

        *f = (Fixture) {};
        fuzz_check(registry_new(&f->registry) == 0);
        classes = f->registry->classes;
        fuzz_check(family_define_classes(classes) == 0);
        fuzz_check(class_table_define(classes, "IOPlatformExpertDevice", "IOService", NULL) == 0);
        fuzz_check(class_table_define(classes, "IOResources", "IOService", NULL) == 0);

        platform = add_nub(f, f->registry->root, "IOPlatformExpertDevice", "MacBookPro15,2", NULL,
                           "{\"model\":\"MacBookPro15,2\",\"compatible\":[\"MacBookPro15,2\"]}");
        f->resources = add_nub(f, platform, "IOResources", "IOResources", NULL, "{\"IOKit\":\"IOService\"}");
        pci = add_nub(f, platform, "IOPCIDevice", "pci8086,1e31", "14",
                      "{\"IOName\":\"pci8086,1e31\",\"Linux\":{\"SUBSYSTEM\":\"pci\","
                      "\"MODALIAS\":\"pci:v00008086d00001E31sv000017AAsd000021FAbc0Csc03i30\"}}");
        fuzz_check(entry_set_property_take(pci, "vendor-id", value_new_data(vendor, 4)) == 0);
        fuzz_check(entry_set_property_take(pci, "device-id", value_new_data(device, 4)) == 0);
        fuzz_check(entry_set_property_take(pci, "subsystem-vendor-id", value_new_data(sub_vendor, 4)) == 0);
        fuzz_check(entry_set_property_take(pci, "subsystem-id", value_new_data(sub_device, 4)) == 0);
        fuzz_check(entry_set_property_take(pci, "class-code", value_new_data(class_code, 4)) == 0);
        fuzz_check(entry_set_property_take(pci, "compatible",
                                           value_new_data("pci17aa,21fa\0pci8086,1e31\0pciclass,0c0330", 40)) == 0);
        fuzz_check(f->n_nubs == USB_DEVICE_NUB);
        usb = add_nub(f, pci, "IOUSBHostDevice", "USB Receiver", "14100000",
                      "{\"idVendor\":1133,\"idProduct\":49989,\"bcdDevice\":20480,\"bDeviceClass\":0,"
                      "\"bDeviceSubClass\":0,\"bDeviceProtocol\":0,\"locationID\":336592896,"
                      "\"USB Product Name\":\"USB Receiver\"}");
        add_nub(f, usb, "IOUSBHostInterface", "USB Receiver", "0",
                "{\"idVendor\":1133,\"idProduct\":49989,\"bcdDevice\":20480,\"bConfigurationValue\":1,"
                "\"bInterfaceNumber\":0,\"bAlternateSetting\":0,\"bInterfaceClass\":3,"
                "\"bInterfaceSubClass\":1,\"bInterfaceProtocol\":2}");
        add_nub(f, usb, "IOUSBHostDevice", "Vendor Thing", "14110000",
                "{\"idVendor\":1452,\"idProduct\":4661,\"bcdDevice\":1,\"bDeviceClass\":255,"
                "\"bDeviceSubClass\":2,\"bDeviceProtocol\":3}");
        add_nub(f, platform, "IOMedia", "disk0", "1",
                "{\"BSD Name\":\"disk0\",\"BSD Major\":1,\"BSD Minor\":0,\"BSD Unit\":0,\"Whole\":true,"
                "\"Content\":\"GUID_partition_scheme\",\"Size\":500107862016}");
        add_nub(f, platform, "IOSerialBSDClient", "IOSerialBSDClient", NULL,
                "{\"IOTTYDevice\":\"ttyUSB0\",\"IOCalloutDevice\":\"/dev/ttyUSB0\","
                "\"Linux\":{\"SUBSYSTEM\":\"tty\"}}");
        add_nub(f, platform, "IOService", "PNP0303", "0", "{\"name\":\"PNP0303\"}");

        fuzz_check(catalogue_new(classes, &f->catalogue) == 0);
        fuzz_check(matcher_new(f->registry, f->catalogue, f->resources, &f->matcher) == 0);
}

static void match_passively(Fixture *f, const Value *table) {
        for (unsigned i = 0; i < f->n_nubs; i++)
                for (unsigned flags = 0; flags <= MATCH_SKIP_PROVIDER_CLASS; flags++) {
                        MatchResult res;
                        bool matched;

                        match_result_init(&res, table);
                        matched = match_passive(f->registry, f->nubs[i], table, flags, &res);
                        /* A failure names its key; a match names none. */
                        fuzz_check(matched == !res.failed_key);
                }
}

static void terminate_visit(void *userdata, Entry *e) {
        matcher_service_terminated(userdata, e);
}

static void match_actively(Fixture *f, Value *table) {
        _cleanup_(personality_unrefp) Personality *p = NULL;
        _cleanup_free_ char *message = NULL;
        const char *key = NULL;
        int r;

        if (personality_check(table, &key, &message) < 0)
                return;
        fuzz_check(personality_new("fuzz", "org.ioreg.fuzz", "fuzz", value_ref(table), &p) == 0);
        r = catalogue_add(f->catalogue, p);
        fuzz_check(r == 1);

        /* Every nub in turn, as coldplug registers them; a nub may be terminated by then. */
        for (unsigned i = 0; i < f->n_nubs; i++) {
                _cleanup_free_ CatalogueItem **items = NULL;
                ExplainItem *explained = NULL;
                unsigned n = 0;

                if (f->nubs[i]->state & ENTRY_STATE_INACTIVE)
                        continue;
                fuzz_check(catalogue_find_drivers(f->catalogue, f->nubs[i], &items, &n) == 0);
                fuzz_check(n <= 1);
                fuzz_check(matcher_register_service(f->matcher, f->nubs[i]) >= 0);
                fuzz_check(matcher_explain(f->matcher, f->nubs[i], &explained, &n) == 0);
                explain_items_free(explained, n);
        }
        /* A resource some IOResourceMatch may wait for. */
        fuzz_check(matcher_publish_resource(f->matcher, "IOBSD", value_new_boolean(true)) >= 0);
        /* Codeless: nothing waits for a host, only for a resource never published. */
        if (!value_dict_get(table, "IOResourceMatch"))
                fuzz_check(matcher_n_pending(f->matcher) == 0);
        /* The USB device leaves with its interface and whatever drivers were started on them. */
        registry_terminate_entry(f->registry, f->nubs[USB_DEVICE_NUB], terminate_visit, f->matcher);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_(fixture_done) Fixture f = {};
        _cleanup_value_ Value *table = NULL;
        json_auto_t *j = NULL;

        if (size > FUZZ_MAX_INPUT)
                return 0;
        j = json_loadb((const char *) data, size, JSON_REJECT_DUPLICATES, NULL);
        if (!json_is_object(j))
                return 0;
        table = json_value_convert(j);
        if (!table)
                return 0; /* a real or a null somewhere: no Value holds it */

        fixture_init(&f);
        match_passively(&f, table);
        match_actively(&f, table);
        return 0;
}
