/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-match-passive.c: passive matching (match-passive.c, reference §1.5):
 * each key with a case that matches and one that does not, Apple's key
 * order, the USB implied scores (§2) and the PCI keys, and the catalogue's
 * candidate order and index.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "json-value.h"
#include "match-fixture.h"
#include "match-passive.h"

/* Matches json against e; returns the score, or INT32_MIN with *failed set. */
static int32_t try_match(MatchFixture *f, Entry *e, const char *json, const char **failed) {
        _cleanup_value_ Value *t = json_value(json);
        MatchResult res;

        assert_non_null(t);
        match_result_init(&res, t);
        if (!match_passive(f->registry, e, t, 0, &res)) {
                assert_non_null(res.failed_key);
                if (failed)
                        *failed = res.failed_key;
                return INT32_MIN;
        }
        assert_null(res.failed_key);
        return res.score;
}

static void assert_fails(MatchFixture *f, Entry *e, const char *json, const char *key) {
        const char *failed = NULL;

        assert_int_equal(try_match(f, e, json, &failed), INT32_MIN);
        assert_string_equal(failed, key);
}

static void test_provider_class(void **state) {
        MatchFixture *f = *state;
        Entry *media = fixture_nub(f, NULL, "IOMedia", "disk0", "{}");

        assert_int_equal(try_match(f, media, "{\"IOProviderClass\":\"IOMedia\"}", NULL), 0);
        assert_int_equal(try_match(f, media, "{\"IOProviderClass\":\"IOStorage\"}", NULL), 0); /* superclass */
        assert_int_equal(try_match(f, media, "{\"IOProviderClass\":\"IOService\"}", NULL), 0);
        assert_fails(f, media, "{\"IOProviderClass\":\"IOPCIDevice\"}", "IOProviderClass");
        assert_fails(f, media, "{\"IOProviderClass\":\"NoSuchClass\"}", "IOProviderClass");
}

static void test_name_match(void **state) {
        MatchFixture *f = *state;
        Entry *pci = fixture_nub(f, NULL, "IOPCIDevice", "pci8086,1e31", "{}");
        /* compatible as data with NUL-separated names, as the PCI family stores it */
        assert_int_equal(entry_set_property_take(pci, "compatible",
                                                 value_new_data("pci17aa,21fa\0pci8086,1e31\0pciclass,0c0330", 40)),
                         0);

        assert_int_equal(try_match(f, pci, "{\"IONameMatch\":\"pci8086,1e31\"}", NULL), 0);
        assert_int_equal(try_match(f, pci, "{\"IONameMatch\":[\"nope\",\"pci17aa,21fa\"]}", NULL), 0);
        assert_int_equal(try_match(f, pci, "{\"IONameMatch\":\"pciclass,0c03*\"}", NULL), 0);
        assert_fails(f, pci, "{\"IONameMatch\":\"pci8086,1e32\"}", "IONameMatch");
        assert_fails(f, pci, "{\"IONameMatch\":[\"a\",\"b\"]}", "IONameMatch");
        assert_fails(f, pci, "{\"IONameMatch\":\"pciclass,0c04*\"}", "IONameMatch");
}

static void test_name_matched_reported(void **state) {
        MatchFixture *f = *state;
        Entry *e = fixture_nub(f, NULL, "IOService", "PNP0303", "{}");
        _cleanup_value_ Value *t = json_value("{\"IONameMatch\":[\"PNP0F13\",\"PNP0303\"]}");
        MatchResult res;

        match_result_init(&res, t);
        assert_true(match_passive(f->registry, e, t, 0, &res));
        assert_string_equal(res.name_matched, "PNP0303");
}

static void test_location_match(void **state) {
        MatchFixture *f = *state;
        Entry *bus = fixture_nub(f, NULL, "IOService", "bus", "{\"kind\":\"bus\"}");
        Entry *dev = fixture_nub(f, bus, "IOService", "dev", "{}");
        Entry *leaf = fixture_nub(f, dev, "IOService", "leaf", "{}");

        assert_int_equal(entry_set_location(dev, NULL, "1f,3"), 0);
        assert_int_equal(entry_set_location(bus, NULL, "0"), 0);
        assert_int_equal(try_match(f, dev, "{\"IOLocationMatch\":\"1f,3\"}", NULL), 0);
        assert_fails(f, dev, "{\"IOLocationMatch\":\"1f,2\"}", "IOLocationMatch");
        assert_fails(f, leaf, "{\"IOLocationMatch\":\"1f,3\"}", "IOLocationMatch"); /* has none itself */
        /* The dictionary form goes to the nearest ancestor with a location. */
        assert_int_equal(try_match(f, leaf, "{\"IOLocationMatch\":{\"IONameMatch\":\"dev\"}}", NULL), 0);
        assert_fails(f, leaf, "{\"IOLocationMatch\":{\"IONameMatch\":\"bus\"}}", "IOLocationMatch");
}

static void test_property_match(void **state) {
        MatchFixture *f = *state;
        Entry *e = fixture_nub(f, NULL, "IOMedia", "disk0s1",
                               "{\"Whole\":false,\"Content\":\"EFI\",\"Size\":209715200,\"Nested\":{\"a\":1,\"b\":[1,2]}}");

        assert_int_equal(try_match(f, e, "{\"IOPropertyMatch\":{\"Whole\":false}}", NULL), 0);
        assert_int_equal(try_match(f, e, "{\"IOPropertyMatch\":{\"Whole\":false,\"Content\":\"EFI\"}}", NULL), 0);
        assert_int_equal(try_match(f, e, "{\"IOPropertyMatch\":{\"Nested\":{\"b\":[1,2],\"a\":1}}}", NULL), 0);
        assert_int_equal(try_match(f, e, "{\"IOPropertyMatch\":[{\"Whole\":true},{\"Content\":\"EFI\"}]}", NULL), 0);
        assert_fails(f, e, "{\"IOPropertyMatch\":{\"Whole\":true}}", "IOPropertyMatch");
        assert_fails(f, e, "{\"IOPropertyMatch\":{\"Whole\":false,\"Missing\":1}}", "IOPropertyMatch");
        assert_fails(f, e, "{\"IOPropertyMatch\":{\"Nested\":{\"a\":1}}}", "IOPropertyMatch"); /* not deep subset */
        assert_fails(f, e, "{\"IOPropertyMatch\":[{\"Whole\":true},{\"Content\":\"HFS\"}]}", "IOPropertyMatch");
        /* Types are kept: a number and a string holding it differ. */
        assert_fails(f, e, "{\"IOPropertyMatch\":{\"Size\":\"209715200\"}}", "IOPropertyMatch");
}

static void test_property_exists(void **state) {
        MatchFixture *f = *state;
        Entry *e = fixture_nub(f, NULL, "IOService", "x", "{\"IOTTYDevice\":\"ttyS0\"}");

        assert_int_equal(try_match(f, e, "{\"IOPropertyExistsMatch\":\"IOTTYDevice\"}", NULL), 0);
        assert_int_equal(try_match(f, e, "{\"IOPropertyExistsMatch\":[\"No\",\"IOTTYDevice\"]}", NULL), 0);
        assert_fails(f, e, "{\"IOPropertyExistsMatch\":\"IOCalloutDevice\"}", "IOPropertyExistsMatch");
}

static void test_path_and_id(void **state) {
        MatchFixture *f = *state;
        Entry *e = fixture_nub(f, NULL, "IOService", "thing", "{}");
        Entry *other = fixture_nub(f, NULL, "IOService", "other", "{}");
        char json[128];

        assert_int_equal(try_match(f, e, "{\"IOPathMatch\":\"IOService:/thing\"}", NULL), 0);
        assert_fails(f, other, "{\"IOPathMatch\":\"IOService:/thing\"}", "IOPathMatch");
        snprintf(json, sizeof(json), "{\"IORegistryEntryID\":%llu}", (unsigned long long) e->id);
        assert_int_equal(try_match(f, e, json, NULL), 0);
        assert_fails(f, other, json, "IORegistryEntryID");
}

static void test_parent_match(void **state) {
        MatchFixture *f = *state;
        Entry *hub = fixture_nub(f, NULL, "IOUSBHostDevice", "Hub", "{\"idVendor\":1133}");
        Entry *mid = fixture_nub(f, hub, "IOService", "mid", "{}");
        Entry *leaf = fixture_nub(f, mid, "IOService", "leaf", "{}");

        assert_int_equal(try_match(f, leaf, "{\"IOParentMatch\":{\"IOProviderClass\":\"IOUSBHostDevice\"}}", NULL), 0);
        assert_int_equal(try_match(f, leaf, "{\"IOParentMatch\":{\"IOParentMatch\":{\"IONameMatch\":\"Hub\"}}}", NULL),
                         0);
        /* Not the entry itself: the walk starts at the provider. */
        assert_fails(f, hub, "{\"IOParentMatch\":{\"IOProviderClass\":\"IOUSBHostDevice\"}}", "IOParentMatch");
        assert_fails(f, leaf, "{\"IOParentMatch\":{\"IOProviderClass\":\"IOPCIDevice\"}}", "IOParentMatch");
}

static void test_matched_service_count(void **state) {
        MatchFixture *f = *state;
        Entry *nub = fixture_nub(f, NULL, "IOService", "nub", "{}");
        Entry *drv = fixture_nub(f, nub, "IOService", "drv", "{\"IOMatchCategory\":\"IODefaultMatchCategory\"}");

        (void) drv;
        fixture_nub(f, nub, "IOService", "plain", "{}"); /* no category: not counted */
        assert_int_equal(try_match(f, nub, "{\"IOMatchedServiceCountMatch\":1}", NULL), 0);
        assert_fails(f, nub, "{\"IOMatchedServiceCountMatch\":0}", "IOMatchedServiceCountMatch");
}

static void test_bsd_and_linux_keys(void **state) {
        MatchFixture *f = *state;
        Entry *e = fixture_nub(f, NULL, "IOMedia", "sda",
                               "{\"BSD Name\":\"sda\",\"BSD Major\":8,\"BSD Minor\":0,"
                               "\"Linux\":{\"SUBSYSTEM\":\"block\",\"MODALIAS\":\"scsi:t-0x00\"}}");

        assert_int_equal(try_match(f, e, "{\"BSD Name\":\"sda\",\"BSD Major\":8}", NULL), 0);
        assert_fails(f, e, "{\"BSD Name\":\"sdb\"}", "BSD Name");
        assert_fails(f, e, "{\"BSD Unit\":0}", "BSD Unit"); /* absent on the nub */
        assert_int_equal(try_match(f, e, "{\"IOLinuxSubsystemMatch\":[\"net\",\"block\"]}", NULL), 0);
        assert_fails(f, e, "{\"IOLinuxSubsystemMatch\":\"net\"}", "IOLinuxSubsystemMatch");
        assert_int_equal(try_match(f, e, "{\"IOLinuxModaliasMatch\":\"scsi:t-0x0?\"}", NULL), 0);
        assert_fails(f, e, "{\"IOLinuxModaliasMatch\":[\"usb:*\",\"pci:*\"]}", "IOLinuxModaliasMatch");
}

/* Apple's order: the first failing key in that order is the one reported. */
static void test_key_order(void **state) {
        MatchFixture *f = *state;
        Entry *e = fixture_nub(f, NULL, "IOMedia", "sda", "{\"BSD Name\":\"sda\"}");

        assert_fails(f, e, "{\"BSD Name\":\"x\",\"IOPropertyMatch\":{\"a\":1},\"IONameMatch\":\"y\"}", "IONameMatch");
        assert_fails(f, e, "{\"BSD Name\":\"x\",\"IOPropertyExistsMatch\":\"q\"}", "IOPropertyExistsMatch");
}

static void test_resources(void **state) {
        MatchFixture *f = *state;

        assert_int_equal(entry_set_property_take(f->resources, "IOKit", value_new_string("IOService")), 0);
        assert_int_equal(try_match(f, f->resources, "{\"IOProviderClass\":\"IOResources\",\"IOResourceMatch\":\"IOKit\"}",
                                   NULL),
                         0);
        assert_fails(f, f->resources, "{\"IOProviderClass\":\"IOResources\",\"IOResourceMatch\":[\"IOKit\",\"IOBSD\"]}",
                     "IOResourceMatch");
}

/* IOSerialFamily's keys at the top level: the "modems only" query of Apple's serial port sample. */
static void test_serial_keys(void **state) {
        MatchFixture *f = *state;
        Entry *modem, *rs232;

        assert_int_equal(class_table_define(f->registry->classes, "IOSerialBSDClient", "IOService", NULL), 0);
        modem = fixture_nub(f, NULL, "IOSerialBSDClient", "ttyACM0",
                            "{\"IOSerialBSDClientType\":\"IOModemSerialStream\",\"IOTTYDevice\":\"ttyACM0\","
                            "\"IOTTYBaseName\":\"ttyACM\",\"IOTTYSuffix\":\"0\","
                            "\"IOCalloutDevice\":\"/dev/ttyACM0\",\"IODialinDevice\":\"/dev/ttyACM0\"}");
        rs232 = fixture_nub(f, NULL, "IOSerialBSDClient", "ttyUSB0",
                            "{\"IOSerialBSDClientType\":\"IORS232SerialStream\",\"IOTTYDevice\":\"ttyUSB0\","
                            "\"IOTTYBaseName\":\"ttyUSB\",\"IOTTYSuffix\":\"0\","
                            "\"IOCalloutDevice\":\"/dev/ttyUSB0\",\"IODialinDevice\":\"/dev/ttyUSB0\"}");
        assert_int_equal(try_match(f, modem, "{\"IOProviderClass\":\"IOSerialBSDClient\","
                                             "\"IOSerialBSDClientType\":\"IOModemSerialStream\"}", NULL), 0);
        assert_fails(f, rs232, "{\"IOProviderClass\":\"IOSerialBSDClient\","
                               "\"IOSerialBSDClientType\":\"IOModemSerialStream\"}", "IOSerialBSDClientType");
        assert_int_equal(try_match(f, rs232, "{\"IOProviderClass\":\"IOSerialBSDClient\","
                                             "\"IOTTYBaseName\":\"ttyUSB\",\"IOTTYSuffix\":\"0\"}", NULL), 0);
        assert_fails(f, modem, "{\"IOProviderClass\":\"IOSerialBSDClient\",\"IOTTYDevice\":\"ttyUSB0\"}",
                     "IOTTYDevice");
        assert_fails(f, rs232, "{\"IOProviderClass\":\"IOSerialBSDClient\",\"IOCalloutDevice\":\"/dev/ttyACM0\"}",
                     "IOCalloutDevice");
        assert_fails(f, rs232, "{\"IOProviderClass\":\"IOSerialBSDClient\",\"IODialinDevice\":\"/dev/x\"}",
                     "IODialinDevice");
        /* Keys the family does not know are still ignored, as IOService ignores them. */
        assert_int_equal(try_match(f, rs232, "{\"IOProviderClass\":\"IOSerialBSDClient\",\"Unknown\":1}", NULL), 0);
}

static void test_inactive_never_matches(void **state) {
        MatchFixture *f = *state;
        Entry *e = fixture_nub(f, NULL, "IOService", "gone", "{}");

        e->state |= ENTRY_STATE_INACTIVE;
        assert_fails(f, e, "{\"IOProviderClass\":\"IOService\"}", "IOServiceState");
}

static void test_hostile_nesting_refused(void **state) {
        MatchFixture *f = *state;
        Entry *e = fixture_nub(f, NULL, "IOService", "x", "{}");
        char json[2048] = "";

        for (int i = 0; i < 40; i++)
                strcat(json, "{\"IOParentMatch\":");
        strcat(json, "{}");
        for (int i = 0; i < 40; i++)
                strcat(json, "}");
        assert_fails(f, e, json, "IOParentMatch");
}

/* ---- USB implied scores (reference §2) ---- */

#define USB_DEVICE "{\"idVendor\":1452,\"idProduct\":4660,\"bcdDevice\":256,\"bDeviceClass\":0,\"bDeviceSubClass\":0,\"bDeviceProtocol\":0}"
#define USB_VENDOR_DEVICE "{\"idVendor\":1452,\"idProduct\":4661,\"bcdDevice\":1,\"bDeviceClass\":255,\"bDeviceSubClass\":2,\"bDeviceProtocol\":3}"

static void test_usb_device_rules(void **state) {
        MatchFixture *f = *state;
        Entry *d = fixture_nub(f, NULL, "IOUSBHostDevice", "Dev", USB_DEVICE);
        Entry *v = fixture_nub(f, NULL, "IOUSBHostDevice", "Vendor", USB_VENDOR_DEVICE);

        assert_int_equal(try_match(f, d, "{\"idVendor\":1452,\"idProduct\":4660,\"bcdDevice\":256}", NULL), 100000);
        assert_int_equal(try_match(f, d, "{\"idVendor\":1452,\"idProduct\":4660}", NULL), 90000);
        assert_int_equal(try_match(f, d, "{\"idVendor\":1452,\"idProduct\":4660,\"bDeviceClass\":0}", NULL), 90000);
        assert_fails(f, d, "{\"idVendor\":1452,\"idProduct\":4660,\"bcdDevice\":257}", "bcdDevice");
        assert_fails(f, d, "{\"idVendor\":1452,\"idProduct\":4660,\"bDeviceClass\":9}", "bDeviceClass");
        assert_fails(f, d, "{\"idVendor\":1452,\"idProduct\":1}", "idProduct");
        /* Rules 3-4 only for vendor-specific devices. */
        assert_int_equal(try_match(f, v, "{\"idVendor\":1452,\"bDeviceSubClass\":2,\"bDeviceProtocol\":3}", NULL), 80000);
        assert_int_equal(try_match(f, v, "{\"idVendor\":1452,\"bDeviceSubClass\":2}", NULL), 70000);
        assert_fails(f, d, "{\"idVendor\":1452,\"bDeviceSubClass\":0}", "USB key combination");
        /* Rules 5-6 only for the others. */
        assert_int_equal(try_match(f, d, "{\"bDeviceClass\":0,\"bDeviceSubClass\":0,\"bDeviceProtocol\":0}", NULL),
                         60000);
        assert_int_equal(try_match(f, d, "{\"bDeviceClass\":0,\"bDeviceSubClass\":0}", NULL), 50000);
        assert_fails(f, v, "{\"bDeviceClass\":255,\"bDeviceSubClass\":2}", "USB key combination");
        /* Class alone never matches. */
        assert_fails(f, d, "{\"bDeviceClass\":0}", "USB key combination");
        /* Rule 6 forbids a vendor key. */
        assert_fails(f, d, "{\"idVendor\":1452,\"bDeviceClass\":0,\"bDeviceSubClass\":0}", "USB key combination");
}

static void test_usb_score_adjustments(void **state) {
        MatchFixture *f = *state;
        Entry *d = fixture_nub(f, NULL, "IOUSBHostDevice", "Dev", USB_DEVICE);

        /* IOProbeScore is added; ≥ 10000 is clamped to 9000. */
        assert_int_equal(try_match(f, d, "{\"idVendor\":1452,\"idProduct\":4660,\"IOProbeScore\":500}", NULL), 90500);
        assert_int_equal(try_match(f, d, "{\"idVendor\":1452,\"idProduct\":4660,\"IOProbeScore\":20000}", NULL), 99000);
        assert_int_equal(try_match(f, d, "{\"idVendor\":1452,\"idProduct\":4660,\"IOProbeScore\":-100}", NULL), 89900);
        /* A "*" wildcard costs 1000 each. */
        assert_int_equal(try_match(f, d, "{\"idVendor\":1452,\"idProduct\":\"*\"}", NULL), 89000);
        assert_int_equal(try_match(f, d, "{\"idVendor\":1452,\"idProduct\":\"*\",\"bcdDevice\":\"*\"}", NULL), 98000);
        /* idProductMask: a masked compare, 500 less. */
        assert_int_equal(try_match(f, d, "{\"idVendor\":1452,\"idProduct\":4608,\"idProductMask\":65280}", NULL), 89500);
        assert_fails(f, d, "{\"idVendor\":1452,\"idProduct\":4352,\"idProductMask\":65280}", "idProduct");
        /* idProductArray: any of them. */
        assert_int_equal(try_match(f, d, "{\"idVendor\":1452,\"idProductArray\":[1,4660,7]}", NULL), 90000);
        assert_fails(f, d, "{\"idVendor\":1452,\"idProductArray\":[1,2]}", "idProduct");
        assert_int_equal(try_match(f, d, "{\"idVendor\":1452,\"idProductArray\":[4096,9],\"idProductMask\":61440}", NULL),
                         89500);
}

static void test_usb_no_usb_keys(void **state) {
        MatchFixture *f = *state;
        Entry *d = fixture_nub(f, NULL, "IOUSBHostDevice", "Dev", USB_DEVICE);

        /* IOServiceMatching("IOUSBDevice") (the alias) matches every device. */
        assert_int_equal(try_match(f, d, "{\"IOProviderClass\":\"IOUSBDevice\"}", NULL), 0);
        assert_int_equal(try_match(f, d, "{\"IOProviderClass\":\"IOUSBDevice\",\"IOClass\":\"X\",\"IOProbeScore\":7}",
                                   NULL),
                         7);
        assert_int_equal(try_match(f, d, "{\"IOClass\":\"IOService\",\"IOMatchCategory\":\"IOUSBUserClientInit\"}", NULL),
                         9000);
}

#define USB_INTERFACE                                                                                      \
        "{\"idVendor\":1133,\"idProduct\":49989,\"bcdDevice\":20480,\"bConfigurationValue\":1,"           \
        "\"bInterfaceNumber\":0,\"bAlternateSetting\":0,\"bInterfaceClass\":3,\"bInterfaceSubClass\":1," \
        "\"bInterfaceProtocol\":2}"

static void test_usb_interface_rules(void **state) {
        MatchFixture *f = *state;
        Entry *i = fixture_nub(f, NULL, "IOUSBHostInterface", "Mouse", USB_INTERFACE);

        assert_int_equal(try_match(f, i,
                                   "{\"idVendor\":1133,\"idProduct\":49989,\"bcdDevice\":20480,"
                                   "\"bConfigurationValue\":1,\"bInterfaceNumber\":0}",
                                   NULL),
                         100000);
        assert_int_equal(try_match(f, i, "{\"idVendor\":1133,\"idProduct\":49989,\"bConfigurationValue\":1,\"bInterfaceNumber\":0}",
                                   NULL),
                         90000);
        assert_fails(f, i, "{\"idVendor\":1133,\"idProduct\":49989}", "USB key combination"); /* no config/interface */
        assert_int_equal(try_match(f, i, "{\"bInterfaceClass\":3,\"bInterfaceSubClass\":1,\"bInterfaceProtocol\":2}", NULL),
                         60000);
        assert_int_equal(try_match(f, i, "{\"bInterfaceClass\":3,\"bInterfaceSubClass\":1}", NULL), 50000);
        assert_int_equal(try_match(f, i, "{\"bInterfaceClass\":3,\"bInterfaceSubClass\":\"*\"}", NULL), 49000);
        assert_fails(f, i, "{\"bInterfaceClass\":3,\"bInterfaceSubClass\":0}", "bInterfaceSubClass");
        assert_fails(f, i, "{\"idVendor\":1133,\"bInterfaceSubClass\":1}", "USB key combination"); /* class ≠ 0xFF */
        assert_fails(f, i, "{\"bInterfaceClass\":3,\"bInterfaceSubClass\":1,\"bConfigurationValue\":1}",
                     "USB key combination");
}

/* ---- PCI ---- */

static Entry *pci_nub(MatchFixture *f) {
        Entry *e = fixture_nub(f, NULL, "IOPCIDevice", "pci8086,1e31", "{}");
        static const uint8_t vendor[] = { 0x86, 0x80, 0, 0 }, device[] = { 0x31, 0x1e, 0, 0 },
                             sub_vendor[] = { 0xaa, 0x17, 0, 0 }, sub_device[] = { 0xfa, 0x21, 0, 0 },
                             class_code[] = { 0x30, 0x03, 0x0c, 0 };

        assert_int_equal(entry_set_property_take(e, "vendor-id", value_new_data(vendor, 4)), 0);
        assert_int_equal(entry_set_property_take(e, "device-id", value_new_data(device, 4)), 0);
        assert_int_equal(entry_set_property_take(e, "subsystem-vendor-id", value_new_data(sub_vendor, 4)), 0);
        assert_int_equal(entry_set_property_take(e, "subsystem-id", value_new_data(sub_device, 4)), 0);
        assert_int_equal(entry_set_property_take(e, "class-code", value_new_data(class_code, 4)), 0);
        return e;
}

static void test_pci_keys(void **state) {
        MatchFixture *f = *state;
        Entry *e = pci_nub(f);

        assert_int_equal(try_match(f, e, "{\"IOPCIMatch\":\"0x1e318086\"}", NULL), 0);
        assert_int_equal(try_match(f, e, "{\"IOPCIMatch\":\"0x12348086 0x21fa17aa\"}", NULL), 0); /* subsystem pair */
        assert_int_equal(try_match(f, e, "{\"IOPCIMatch\":\"0x1e308086&0xfff0ffff\"}", NULL), 0);
        assert_fails(f, e, "{\"IOPCIMatch\":\"0x1e208086&0xfff0ffff\"}", "IOPCIMatch");
        assert_fails(f, e, "{\"IOPCIMatch\":\"0x1e328086 0x00001002\"}", "IOPCIMatch");
        assert_int_equal(try_match(f, e, "{\"IOPCIPrimaryMatch\":\"0x1e318086\"}", NULL), 0);
        assert_fails(f, e, "{\"IOPCIPrimaryMatch\":\"0x21fa17aa\"}", "IOPCIPrimaryMatch");
        assert_int_equal(try_match(f, e, "{\"IOPCISecondaryMatch\":\"0x21fa17aa\"}", NULL), 0);
        assert_fails(f, e, "{\"IOPCISecondaryMatch\":\"0x1e318086\"}", "IOPCISecondaryMatch");
        assert_int_equal(try_match(f, e, "{\"IOPCIClassMatch\":\"0x0c030000&0xffff0000\"}", NULL), 0);
        assert_int_equal(try_match(f, e, "{\"IOPCIClassMatch\":\"0x0c033000\"}", NULL), 0);
        assert_fails(f, e, "{\"IOPCIClassMatch\":\"0x03000000&0xff000000\"}", "IOPCIClassMatch");
        assert_fails(f, e, "{\"IOPCIMatch\":\"garbage\"}", "IOPCIMatch");
}

/* ---- The catalogue ---- */

static void test_catalogue_order(void **state) {
        MatchFixture *f = *state;
        Entry *media = fixture_nub(f, NULL, "IOMedia", "disk", "{}");
        _cleanup_free_ CatalogueItem **items = NULL;
        unsigned n;

        fixture_add(f, "storage-first", "{\"IOProviderClass\":\"IOStorage\",\"IOClass\":\"A\"}");
        fixture_add(f, "media-low", "{\"IOProviderClass\":\"IOMedia\",\"IOClass\":\"B\",\"IOProbeScore\":-5}");
        fixture_add(f, "media-tie", "{\"IOProviderClass\":\"IOMedia\",\"IOClass\":\"C\"}");
        fixture_add(f, "media-high", "{\"IOProviderClass\":\"IOMedia\",\"IOClass\":\"D\",\"IOProbeScore\":100}");
        fixture_add(f, "pci", "{\"IOProviderClass\":\"IOPCIDevice\",\"IOClass\":\"E\"}");
        /* An exact duplicate is stored once. */
        Personality *dup = fixture_personality("media-tie-again", "{\"IOProviderClass\":\"IOMedia\",\"IOClass\":\"C\"}");
        assert_int_equal(catalogue_add(f->catalogue, dup), 0);
        personality_unref(dup);

        assert_int_equal(catalogue_find_drivers(f->catalogue, media, &items, &n), 0);
        assert_int_equal(n, 4);
        assert_string_equal(items[0]->personality->name, "media-high");
        /* Equal scores: the most-derived provider class first, then catalogue order. */
        assert_string_equal(items[1]->personality->name, "media-tie");
        assert_string_equal(items[2]->personality->name, "storage-first");
        assert_string_equal(items[3]->personality->name, "media-low");
}

static void test_catalogue_index(void **state) {
        MatchFixture *f = *state;
        Entry *d = fixture_nub(f, NULL, "IOUSBHostDevice", "Dev", USB_DEVICE);
        Entry *pci = pci_nub(f);
        _cleanup_free_ CatalogueItem **items = NULL, **pitems = NULL;
        unsigned n, pn;
        char json[256];

        /* 2,000 personalities for other USB devices must not be candidates. */
        for (int i = 0; i < 2000; i++) {
                char name[32];

                snprintf(name, sizeof(name), "other-%d", i);
                snprintf(json, sizeof(json), "{\"IOProviderClass\":\"IOUSBDevice\",\"IOClass\":\"X\",\"idVendor\":%d,\"idProduct\":%d}",
                         1000 + i % 7, i);
                fixture_add(f, name, json);
        }
        fixture_add(f, "mine", "{\"IOProviderClass\":\"IOUSBDevice\",\"IOClass\":\"Y\",\"idVendor\":1452,\"idProduct\":4660}");
        fixture_add(f, "by-class", "{\"IOProviderClass\":\"IOUSBHostDevice\",\"IOClass\":\"Z\",\"bDeviceClass\":0,\"bDeviceSubClass\":0}");
        fixture_add(f, "pci-list", "{\"IOProviderClass\":\"IOPCIDevice\",\"IOClass\":\"P\",\"IOPCIMatch\":\"0x00011234 0x21fa17aa\"}");
        fixture_add(f, "pci-mask", "{\"IOProviderClass\":\"IOPCIDevice\",\"IOClass\":\"Q\",\"IOPCIMatch\":\"0x1e008086&0xff00ffff\"}");

        assert_int_equal(catalogue_find_drivers(f->catalogue, d, &items, &n), 0);
        assert_int_equal(n, 2);
        assert_string_equal(items[0]->personality->name, "mine");
        assert_string_equal(items[1]->personality->name, "by-class");
        assert_int_equal(catalogue_find_drivers(f->catalogue, pci, &pitems, &pn), 0);
        assert_int_equal(pn, 2); /* filed under the subsystem pair, and the masked one in the general list */
}

static void test_catalogue_replace(void **state) {
        MatchFixture *f = *state;
        _cleanup_(personality_list_done) PersonalityList list = PERSONALITY_LIST_INIT, added = PERSONALITY_LIST_INIT,
                                                         removed = PERSONALITY_LIST_INIT;
        Personality *kept;
        uint64_t gen;

        fixture_add(f, "a", "{\"IOProviderClass\":\"IOService\",\"IOClass\":\"A\"}");
        fixture_add(f, "b", "{\"IOProviderClass\":\"IOService\",\"IOClass\":\"B\"}");
        kept = catalogue_item(f->catalogue, 0)->personality;
        gen = catalogue_generation(f->catalogue);

        assert_int_equal(personality_list_append_take(&list, fixture_personality("a2", "{\"IOProviderClass\":\"IOService\",\"IOClass\":\"A\"}")), 0);
        assert_int_equal(personality_list_append_take(&list, fixture_personality("c", "{\"IOProviderClass\":\"IOService\",\"IOClass\":\"C\"}")), 0);
        assert_int_equal(catalogue_replace(f->catalogue, &list, &added, &removed), 0);
        assert_int_equal(catalogue_size(f->catalogue), 2);
        assert_int_equal(added.n, 1);
        assert_string_equal(added.items[0]->name, "c");
        assert_int_equal(removed.n, 1);
        assert_string_equal(removed.items[0]->name, "b");
        /* The unchanged one keeps its object: drivers started from it still point at it. */
        assert_ptr_equal(catalogue_item(f->catalogue, 0)->personality, kept);
        assert_true(catalogue_generation(f->catalogue) > gen);

        gen = catalogue_generation(f->catalogue);
        personality_list_done(&added);
        personality_list_done(&removed);
        assert_int_equal(catalogue_replace(f->catalogue, &list, &added, &removed), 0);
        assert_int_equal(added.n + removed.n, 0);
        assert_int_equal(catalogue_generation(f->catalogue), gen);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, match_fixture_setup, match_fixture_teardown)

int main(void) {
        const struct CMUnitTest tests[] = {
                T(test_provider_class),        T(test_name_match),          T(test_name_matched_reported),
                T(test_location_match),        T(test_property_match),      T(test_property_exists),
                T(test_path_and_id),           T(test_parent_match),        T(test_matched_service_count),
                T(test_bsd_and_linux_keys),    T(test_key_order),           T(test_resources),
                T(test_serial_keys),
                T(test_inactive_never_matches), T(test_hostile_nesting_refused), T(test_usb_device_rules),
                T(test_usb_score_adjustments), T(test_usb_no_usb_keys),     T(test_usb_interface_rules),
                T(test_pci_keys),              T(test_catalogue_order),     T(test_catalogue_index),
                T(test_catalogue_replace),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
