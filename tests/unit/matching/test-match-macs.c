/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-match-macs.c: matching as real Macs matched (issue 16). Each test
 * loads a real macOS ioreg dump from tests/data/ioreg into a registry, puts
 * real kext personalities (tests/data/plists) or personalities with the keys
 * a Mac's own driver shows in that dump into a catalogue, and asks the
 * matcher's prediction (matcher_set_prediction()) what would match on each
 * nub, comparing with the driver the Mac attached.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "catalogue.h"
#include "json-value.h"
#include "matcher.h"
#include "personality-file.h"
#include "snapshot.h"

#define DUMP(name) TEST_DATA "/ioreg/" name
#define PLIST(name) TEST_DATA "/plists/" name
#define MACS(name) TEST_DATA "/macs/" name

typedef struct Mac {
        Registry *registry;
        Catalogue *catalogue;
        Matcher *matcher;
        PersonalityList personalities;
} Mac;

static Entry *find_resources(Registry *reg) {
        void *v;

        for (unsigned i = 0; hashmap_next(&reg->by_id, &i, NULL, &v);)
                if (entry_conforms_to(v, "IOResources"))
                        return v;
        return NULL;
}

/* The dump, then the plist files (NULL-terminated) and personalities from JSON ("name", json, ... NULL). */
static void mac_load(Mac *mac, const char *dump, bool keep_drivers, const char *const *plists, ...) {
        SnapshotError err = {};
        const char *name;
        va_list ap;

        *mac = (Mac) { .personalities = PERSONALITY_LIST_INIT };
        assert_int_equal(registry_new(&mac->registry), 0);
        assert_int_equal(snapshot_load_file(mac->registry, "IOService", dump, &err), 0);
        for (size_t i = 0; plists && plists[i]; i++)
                assert_int_equal(personality_file_load(plists[i], &mac->personalities, NULL, NULL, NULL), 0);
        va_start(ap, plists);
        while ((name = va_arg(ap, const char *))) {
                Value *d = json_value(va_arg(ap, const char *));
                Personality *p = NULL;

                assert_non_null(d);
                assert_int_equal(personality_new(name, "org.ioreg.test", "test", d, &p), 0);
                assert_int_equal(personality_list_append_take(&mac->personalities, p), 0);
        }
        va_end(ap);
        assert_int_equal(catalogue_new(mac->registry->classes, &mac->catalogue), 0);
        assert_true(catalogue_replace(mac->catalogue, &mac->personalities, NULL, NULL) >= 0);
        assert_int_equal(matcher_new(mac->registry, mac->catalogue, find_resources(mac->registry), &mac->matcher), 0);
        matcher_set_prediction(mac->matcher, keep_drivers);
}

static void mac_done(Mac *mac) {
        matcher_free(mac->matcher);
        catalogue_free(mac->catalogue);
        personality_list_done(&mac->personalities);
        registry_free(mac->registry);
}

/* The n-th (0-based) entry of the IOService plane with this name and class. */
static Entry *mac_entry(Mac *mac, const char *name, const char *class_name, unsigned nth) {
        for (uint64_t id = 0x100000100; id < 0x100100000; id++) {
                Entry *e = registry_get_entry(mac->registry, id);

                if (!e || !streq(entry_get_name(e, NULL), name) || !streq(e->klass->name, class_name))
                        continue;
                if (nth-- == 0)
                        return e;
        }
        fail_msg("no entry %s <class %s> in the dump", name, class_name);
        return NULL;
}

typedef struct Verdict {
        const char *outcome; /* static */
        const char *failed_key;
        int32_t score;
} Verdict;

/* What the prediction says of personality name on e. */
static Verdict verdict(Mac *mac, Entry *e, const char *name) {
        ExplainItem *items = NULL;
        unsigned n = 0;
        Verdict v = { "(not a candidate)", NULL, 0 };

        assert_int_equal(matcher_explain(mac->matcher, e, &items, &n), 0);
        for (unsigned i = 0; i < n; i++)
                if (streq(items[i].personality->name, name)) {
                        v = (Verdict) { explain_outcome_to_string(items[i].outcome), items[i].failed_key,
                                        items[i].passive_score };
                        break;
                }
        explain_items_free(items, n);
        return v;
}

#define assert_verdict(mac, e, name, outcome_, score_)                                                      \
        do {                                                                                                \
                Verdict v_ = verdict((mac), (e), (name));                                                   \
                assert_string_equal(v_.outcome, (outcome_));                                                \
                assert_int_equal(v_.score, (score_));                                                       \
        } while (0)

#define assert_fails_at(mac, e, name, key)                                                                  \
        do {                                                                                                \
                Verdict v_ = verdict((mac), (e), (name));                                                   \
                assert_string_equal(v_.outcome, "no-match");                                                \
                assert_string_equal(v_.failed_key ?: "(none)", (key));                                      \
        } while (0)

/*
 * Cause 2: a MacBook2,1 on OS X before 10.11, where IOUSBDevice and
 * IOUSBInterface are the nubs' own classes. The USB family scores them: the
 * keyboard/trackpad (05ac:021b, class 0) gets IOUSBComposite at 50000, the
 * driver the Mac shows below it; MergeNub's personalities for other
 * products fail at their keys instead of passing at their bare IOProbeScore.
 */
static void test_iousbdevice_scored(void **state _unused_) {
        static const char *const plists[] = {
                PLIST("apple-IOUSBFamily-AppleUSBMergeNub.plist"),
                PLIST("apple-IOUSBFamily-IOUSBCompositeDriver.plist"),
                NULL,
        };
        Mac mac;
        Entry *kbd;

        mac_load(&mac, DUMP("glpi-ioreg-IOUSBDevice1.txt"), false, plists, NULL);
        kbd = mac_entry(&mac, "Apple Internal Keyboard / Trackpad", "IOUSBDevice", 0);
        assert_verdict(&mac, kbd, "IOUSBComposite", "winner", 50000);
        assert_fails_at(&mac, kbd, "Apple 4762", "idProduct");
        /* Another vendor's, and a printer class's: the catalogue's index does not even offer them. */
        assert_verdict(&mac, kbd, "iomega drives", "(not a candidate)", 0);
        assert_verdict(&mac, kbd, "AppleUSBPrinterDevice0", "(not a candidate)", 0);
        /* The Mac's own driver below it shows the same. */
        assert_string_equal(entry_get_children(kbd, mac.registry->service_plane, &(unsigned) { 0 })[0]->klass->name,
                            "IOUSBCompositeDriver");
        mac_done(&mac);
}

/*
 * Cause 3: USBPortType and USBSpeed (MacBookPro8,3 SMBIOS, macOS 11). The
 * personality has the keys the Mac's own AppleUSB20InternalIntelHub shows
 * (idVendor 0x8087, idProductArray (32,36), USBPortType 2: internal) and
 * IOProbeScore 100; on the internal hub it scores 90100, what the Mac
 * recorded. The same keys for the external receiver (046d:c52b, USBPortType
 * 0 on the Mac) fail at USBPortType; USBSpeed likewise.
 */
static void test_port_type_and_speed(void **state _unused_) {
        Mac mac;
        Entry *hub, *receiver;

        mac_load(&mac, DUMP("hackintosh-M17xR2-MacBookPro8,3-ioreg-l.txt"), false, NULL,
                 "Internal hub", "{\"IOProviderClass\": \"IOUSBHostDevice\", \"IOClass\": \"AppleUSB20InternalIntelHub\","
                 " \"idVendor\": 32903, \"idProductArray\": [32, 36], \"USBPortType\": 2, \"IOProbeScore\": 100}",
                 "Hub, any port", "{\"IOProviderClass\": \"IOUSBHostDevice\", \"IOClass\": \"AppleUSB20Hub\","
                 " \"bDeviceClass\": 9, \"bDeviceSubClass\": 0}",
                 "Receiver, internal", "{\"IOProviderClass\": \"IOUSBHostDevice\", \"IOClass\": \"Receiver\","
                 " \"idVendor\": 1133, \"idProduct\": 50475, \"USBPortType\": 2}",
                 "Receiver, full speed", "{\"IOProviderClass\": \"IOUSBHostDevice\", \"IOClass\": \"Receiver\","
                 " \"IOMatchCategory\": \"speed\", \"idVendor\": 1133, \"idProduct\": 50475, \"USBSpeed\": 1}",
                 "Receiver, high speed", "{\"IOProviderClass\": \"IOUSBHostDevice\", \"IOClass\": \"Receiver\","
                 " \"IOMatchCategory\": \"speed\", \"idVendor\": 1133, \"idProduct\": 50475, \"USBSpeed\": 3}",
                 NULL);
        hub = mac_entry(&mac, "IOUSBHostDevice", "IOUSBHostDevice", 0);
        assert_verdict(&mac, hub, "Internal hub", "winner", 90100);
        assert_verdict(&mac, hub, "Hub, any port", "lost", 50000);
        receiver = mac_entry(&mac, "USB Receiver", "IOUSBHostDevice", 0);
        assert_fails_at(&mac, receiver, "Receiver, internal", "USBPortType");
        assert_verdict(&mac, receiver, "Receiver, full speed", "winner", 90000);
        assert_fails_at(&mac, receiver, "Receiver, high speed", "USBSpeed");
        mac_done(&mac);
}

/*
 * Cause 4: a kext whose personalities are only under
 * IOKitPersonalities_x86_64 (OpenCore Legacy Patcher's USB map for
 * MacBook7,1, as Apple's own platform-properties kexts carry theirs). On
 * x86_64 they load, and the one for EH01 merges its port table into the
 * EHCI controller named EH01 in the M17xR2 dump; on another architecture
 * the bundle has no personalities for it.
 */
static void test_arch_personalities(void **state _unused_) {
        static const char *const plists[] = { MACS("dortania-OCLP-USB-Map-MacBook7,1-Info.plist"), NULL };
        _cleanup_(personality_list_done) PersonalityList list = PERSONALITY_LIST_INIT;
        Mac mac;

        assert_int_equal(personality_file_load(plists[0], &list, NULL, NULL, NULL), 0);
#if defined(__x86_64__)
        assert_int_equal(list.n, 5);
        assert_string_equal(list.items[1]->name, "MacBookAir6,2-EH01");
        mac_load(&mac, DUMP("hackintosh-M17xR2-MacBookPro8,3-ioreg-l.txt"), false, plists, NULL);
        assert_verdict(&mac, mac_entry(&mac, "EH01", "AppleUSBEHCIPCI", 0), "MacBookAir6,2-EH01", "merged", 0);
        /* EH02's names another controller: filed under "EH02", it is no candidate for EH01. */
        assert_verdict(&mac, mac_entry(&mac, "EH01", "AppleUSBEHCIPCI", 0), "MacBookAir6,2-EH02", "(not a candidate)", 0);
        mac_done(&mac);
#else
        assert_int_equal(list.n, 0);
#endif
}

/*
 * Cause 5: IOHIDFamily's scores. The PS/2 keyboard's IOHIDInterface in the
 * M17xR2 dump (Transport PS2, DeviceUsagePairs ({1,6}), HIDDefaultBehavior)
 * with Apple's IOHIDEventDriver personalities: "HID Keyboard Driver"
 * (DeviceUsagePage 1, DeviceUsage 6) scores 100 + 1100 = 1200, the
 * IOProbeScore the Mac recorded on its IOHIDEventDriver; the button and
 * touch-display personalities fail at their HID keys.
 */
static void test_hid_scores(void **state _unused_) {
        static const char *const plists[] = {
                PLIST("apple-IOHIDFamily-IOHIDEventDriver-Info.plist"),
                PLIST("voodooi2c-VoodooI2C-Info.plist"),
                NULL,
        };
        Mac mac;
        Entry *kbd;

        /* The keyboard is 05ac:ffff: VendorID +5000, a ProductIDArray entry +975 (not +1000), usage 6: +1200. */
        mac_load(&mac, DUMP("hackintosh-M17xR2-MacBookPro8,3-ioreg-l.txt"), false, plists,
                 "Array", "{\"IOProviderClass\": \"IOHIDInterface\", \"IOClass\": \"K\", \"IOMatchCategory\": \"a\","
                 " \"VendorID\": 1452, \"ProductIDArray\": [1, 65535], \"DeviceUsagePage\": 1, \"DeviceUsage\": 6}",
                 "Masked", "{\"IOProviderClass\": \"IOHIDInterface\", \"IOClass\": \"K\", \"IOMatchCategory\": \"m\","
                 " \"VendorID\": 1452, \"ProductID\": 255, \"ProductIDMask\": 255}",
                 NULL);
        kbd = registry_get_entry(mac.registry, 0x100000330);
        assert_non_null(kbd);
        assert_string_equal(kbd->klass->name, "IOHIDInterface");
        assert_verdict(&mac, kbd, "HID Keyboard Driver", "winner", 1200);
        assert_int_equal(value_unsigned(entry_get_property(entry_get_children(kbd, mac.registry->service_plane,
                                                                              &(unsigned) { 0 })[0],
                                                           "IOProbeScore")),
                         1200);
        assert_fails_at(&mac, kbd, "HID Buttons", "DeviceUsagePairs");
        assert_fails_at(&mac, kbd, "Peppy Touch Display", "Transport");
        assert_verdict(&mac, kbd, "Array", "winner", 5000 + 975 + 100 + 1100);
        assert_verdict(&mac, kbd, "Masked", "winner", 5000 + 950);
        /* VoodooI2C's trackpad personality: Apple's vendor, but not product 628. */
        assert_fails_at(&mac, kbd, "Custom MT2 Personality", "ProductIDArray");
        mac_done(&mac);
}

/*
 * Cause 6: IOPCITunnelCompatible. The M17xR2's Ethernet (GLAN, which
 * IntelMausi drives on the Mac) and EHCI controller (EH01, AppleUSBEHCI's
 * IOPCIClassMatch), marked IOPCITunnelled as a Thunderbolt device would be:
 * IntelMausi's personality has no IOPCITunnelCompatible and is refused;
 * AppleUSBEHCI's says Yes and still matches. Untunnelled, both match.
 */
static void test_pci_tunnel(void **state _unused_) {
        static const char *const plists[] = {
                PLIST("acidanthera-IntelMausiEthernet-Info.plist"),
                PLIST("apple-IOUSBFamily-AppleUSBEHCI.plist"),
                NULL,
        };
        Mac mac;
        Entry *glan, *ehci;

        mac_load(&mac, DUMP("hackintosh-M17xR2-MacBookPro8,3-ioreg-l.txt"), false, plists, NULL);
        glan = mac_entry(&mac, "GLAN", "IOPCIDevice", 0);
        ehci = mac_entry(&mac, "EH01", "IOPCIDevice", 0);
        assert_verdict(&mac, glan, "IntelMausi", "winner", 1000);
        assert_string_equal(verdict(&mac, ehci, "AppleUSBEHCI").outcome, "winner");
        assert_int_equal(entry_set_property_take(glan, "IOPCITunnelled", value_new_boolean(true)), 0);
        assert_int_equal(entry_set_property_take(ehci, "IOPCITunnelled", value_new_boolean(true)), 0);
        assert_fails_at(&mac, glan, "IntelMausi", "IOPCITunnelCompatible");
        assert_string_equal(verdict(&mac, ehci, "AppleUSBEHCI").outcome, "winner");
        mac_done(&mac);
}

/*
 * Cause 6: IOProviderParentMergeProperties (IOProviderPropertyMerger) merges
 * into the provider's provider. A real pass (not a prediction) on the
 * M17xR2's USB receiver: the merge-only personality puts its key on the
 * receiver's port (HP22), and its IOProviderMergeProperties on the receiver.
 */
static void test_parent_merge(void **state _unused_) {
        Mac mac;
        Entry *receiver, *port;

        /* Set aside: the Mac's own AppleUSBHostCompositeDevice holds the receiver's default category. */
        mac_load(&mac, DUMP("hackintosh-M17xR2-MacBookPro8,3-ioreg-l.txt"), false, NULL,
                 "Port power", "{\"IOProviderClass\": \"IOUSBHostDevice\", \"IOClass\": \"IOProviderPropertyMerger\","
                 " \"idVendor\": 1133, \"idProduct\": 50475,"
                 " \"IOProviderMergeProperties\": {\"merged-here\": 1},"
                 " \"IOProviderParentMergeProperties\": {\"UsbPowerSinkAllocation\": 500}}",
                 NULL);
        receiver = mac_entry(&mac, "USB Receiver", "IOUSBHostDevice", 0);
        port = entry_get_parent(receiver, mac.registry->service_plane);
        assert_string_equal(entry_get_name(port, NULL), "HP22");
        assert_null(entry_get_property(port, "UsbPowerSinkAllocation"));
        assert_int_equal(matcher_register_service(mac.matcher, receiver), 0);
        assert_int_equal(value_unsigned(entry_get_property(port, "UsbPowerSinkAllocation")), 500);
        assert_int_equal(value_unsigned(entry_get_property(receiver, "merged-here")), 1);
        assert_null(entry_get_property(receiver, "UsbPowerSinkAllocation"));
        mac_done(&mac);
}

/*
 * A saved IOResources says which resources were published: a candidate
 * waiting for one the Mac did not have would never start (Macmini8,1 has
 * IORTC, not "NoSuchResource").
 */
static void test_prediction_resources(void **state _unused_) {
        Mac mac;
        Entry *glan;

        mac_load(&mac, DUMP("hackintosh-Macmini8,1-ioreg-l.txt"), false, NULL,
                 "Needs RTC", "{\"IOProviderClass\": \"IOPCIDevice\", \"IOClass\": \"A\", \"IOMatchCategory\": \"rtc\","
                 " \"IOPCIMatch\": \"0x0d4f8086\", \"IOResourceMatch\": \"IORTC\"}",
                 "Needs nothing there", "{\"IOProviderClass\": \"IOPCIDevice\", \"IOClass\": \"B\","
                 " \"IOMatchCategory\": \"none\", \"IOPCIMatch\": \"0x0d4f8086\", \"IOResourceMatch\": \"NoSuchResource\"}",
                 NULL);
        glan = mac_entry(&mac, "GLAN", "IOPCIDevice", 0);
        assert_verdict(&mac, glan, "Needs RTC", "winner", 0);
        assert_fails_at(&mac, glan, "Needs nothing there", "IOResourceMatch");
        mac_done(&mac);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_iousbdevice_scored),
                cmocka_unit_test(test_port_type_and_speed),
                cmocka_unit_test(test_arch_personalities),
                cmocka_unit_test(test_hid_scores),
                cmocka_unit_test(test_pci_tunnel),
                cmocka_unit_test(test_parent_merge),
                cmocka_unit_test(test_prediction_resources),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
