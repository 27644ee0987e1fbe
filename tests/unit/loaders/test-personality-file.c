/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-personality-file.c: loading personalities from real kext Info.plists
 * (tests/data/plists), from JSON, binary plists and bundle folders.
 *
 * The error collector, the value checks and the file helpers are in
 * personality-file-check.c.
 */

#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "personality-check.h"
#include "personality-file-check.h"
#include "personality-dirs.h"
#include "personality-file.h"

static const struct {
        const char *file;
        unsigned n;                 /* personalities */
        const char *first;          /* the first personality, in the file's order */
        const char *provider;       /* its IOProviderClass */
        const char *class;          /* its IOClass */
        int64_t score;              /* its IOProbeScore, INT64_MIN when it has none */
        const char *bundle_id;      /* its CFBundleIdentifier (own, else the file's) */
        const char *error;          /* the file cannot load: why */
} real_plists[] = {
        { "acidanthera-BrcmPatchRAM3-Info.plist", 100, "0489_e032", "IOUSBHostDevice", "BrcmPatchRAM3", 4000, "as.acidanthera.$(PRODUCT_NAME:rfc1034identifier)" },
        { "acidanthera-IntelMausiEthernet-Info.plist", 1, "IntelMausi", "IOPCIDevice", "IntelMausi", 1000, "as.acidanthera.mieze.${PRODUCT_NAME:rfc1034identifier}" },
        { "acidanthera-Lilu-Info.plist", 1, "as.vit9696.Lilu", "IOResources", "$(PRODUCT_NAME:rfc1034identifier)", INT64_MIN, "$(PRODUCT_BUNDLE_IDENTIFIER)" },
        { "acidanthera-VirtualSMC-SMCProcessor-Info.plist", 1, "as.vit9696.SMCProcessor", "IOACPIPlatformDevice", "$(PRODUCT_NAME:rfc1034identifier)", INT64_MIN, "$(PRODUCT_BUNDLE_IDENTIFIER)" },
        { "acidanthera-VoodooPS2Controller-Info.plist", 2, "ACPI PS/2 Nub", "IOACPIPlatformDevice", "AppleACPIPS2Nub", INT64_MIN, "as.acidanthera.voodoo.driver.PS2Controller" },
        { "acidanthera-VoodooPS2Trackpad-Info.plist", 5, "ALPS GlidePoint", "ApplePS2MouseDevice", "ApplePS2ALPSGlidePoint", 1500, "as.acidanthera.voodoo.driver.PS2Trackpad" },
        { "apple-IOGraphics-IONDRVSupport-Info.plist", 3, "1", "IOPCIDevice", "IONDRVFramebuffer", 20000, "com.apple.iokit.IONDRVSupport" },
        { "apple-IOHIDFamily-IOHIDEventDriver-Info.plist", 10, "Topological HID Driver", "IOHIDInterface", "IOHIDComplexEventDriver", 3000, "com.apple.iokit.IOHIDFamily" },
        { "apple-IOHIDFamily-Info.plist", 7, "HID Game Controller Pointing Driver", "IOHIDInterface", "IOHIDEventDriver", INT64_MIN, "com.apple.iokit.IOHIDFamily" },
        { "apple-IONetworkingFamily-Info.plist", 2, "IONetworkStack", "IOResources", "IONetworkStack", INT64_MIN, "com.apple.iokit.IONetworkingFamily" },
        { "apple-IOSerialFamily-Info.plist", 2, "IOSerialBSDClient", "IOSerialStream", "IOSerialBSDClient", 1000, "com.apple.iokit.IOSerialFamily" },
        /* A source, not a built Info.plist: "#if TARGET_OS_OSX" lines (tests/data/plists/README.md). */
        { "apple-IOStorageFamily-Info.plist", 0, .error = "not a valid XML property list: line 25 is a C "
          "preprocessor directive (an Info.plist source before Xcode preprocessed it)" },
        { "apple-IOUSBFamily-AppleUSBEHCI.plist", 1, "AppleUSBEHCI", "IOPCIDevice", "AppleUSBEHCI", INT64_MIN, "com.apple.driver.AppleUSBEHCI" },
        { "apple-IOUSBFamily-AppleUSBMergeNub.plist", 83, "Kensington 7-in-1 card reader", "IOUSBDevice", "AppleUSBMergeNub", INT64_MIN, "com.apple.driver.AppleUSBMergeNub" },
        { "apple-IOUSBFamily-AppleUSBOpticalMouse.plist", 2, "Apple 2000FPS Mouse", "IOUSBInterface", "AppleUSBOpticalMouse", INT64_MIN, "com.apple.driver.AppleUSBOpticalMouse" },
        { "apple-IOUSBFamily-Example-VendorSpecificDriver.plist", 2, "DeviceDriver", "IOUSBDevice", "IOService", INT64_MIN, "com.apple.kernel.iokit" },
        { "apple-IOUSBFamily-IOUSBCompositeDriver.plist", 4, "AppleUSBPrinterDevice0", "IOUSBDevice", "IOUSBCompositeDriver", INT64_MIN, "com.apple.driver.AppleUSBComposite" },
        { "apple-IOUSBFamily-IOUSBHIDDriverSafeBoot.plist", 4, "Generic Mouse", "IOUSBInterface", "IOUSBHIDDriver", INT64_MIN, "com.apple.iokit.IOUSBHIDDriver" },
        { "apple-IOUSBFamily-IOUSBUserClient.plist", 2, "IOUSBDeviceUserClientInit", "IOUSBDevice", "IOUSBUserClientInit", 9999, "com.apple.iokit.IOUSBUserClient" },
        { "apress-Ch04-IOKitTest-Info.plist", 1, "TestIOKit", "IOResources", "com_osxkernel_driver_IOKitTest", INT64_MIN, "com.osxkernel.${PRODUCT_NAME:rfc1034identifier}" },
        { "apress-Ch08-MyFirstUSBDriver-Info.plist", 1, "MyFirstUSBDriver", "IOUSBInterface", "com_osxkernel_MyFirstUSBDriver", INT64_MIN, "com.osxkernel.MyFirstUSBDriver" },
        { "apress-Ch09-MyFirstPCIDriver-Info.plist", 1, "MyFirstPCIDriver", "IOPCIDevice", "com_osxkernel_MyFirstPCIDriver", INT64_MIN, "com.osxkernel.MyFirstPCIDriver" },
        { "apress-Ch14-SamplePartitionScheme-Info.plist", 1, "SamplePartitionScheme", "IOMedia", "com_osxkernel_driver_PartitionScheme", INT64_MIN, "com.osxkernel.${PRODUCT_NAME:rfc1034identifier}" },
        { "openintelwireless-AirportItlwm-Sonoma-Info.plist", 2, "NetworkController", "IOPCIEDeviceWrapper", "AirportItlwm", 70000, "com.zxystd.AirportItlwm" },
        { "openintelwireless-IntelBluetoothFirmware-Info.plist", 13, "IntelBluetoothFirmware_0026", "IOUSBHostDevice", "IntelBluetoothFirmware", 4000, "com.zxystd.IntelBluetoothFirmware" },
        { "openintelwireless-itlwm-Info.plist", 1, "itlwm", "IOPCIDevice", "itlwm", 2000, "com.zxystd.itlwm" },
        { "rehabman-ACPIBatteryManager-Info.plist", 2, "ACPI Battery Manager", "IOACPIPlatformDevice", "AppleSmartBatteryManager", 1000, "${MODULE_NAME}" },
        { "rehabman-FakePCIID-Intel_HD_Graphics.plist", 8, "P4000", "IOPCIDevice", "FakePCIID", 9001, "org.rehabman.driver.FakePCIID" },
        { "rehabman-USBInjectAll-Info.plist", 322, "ConfigurationData", "IOResources", "USBInjectAll_config", INT64_MIN, "${MODULE_NAME}" },
        { "voodooi2c-VoodooI2C-Info.plist", 7, "Custom MT2 Personality", "IOHIDInterface", "AppleMultitouchTrackpadHIDEventDriver", 9999, "com.apple.driver.AppleTopCaseHIDEventDriver" },
};

static void test_real_plists_load(void **state) {
        unsigned total = 0;

        for (size_t i = 0; i < ELEMENTSOF(real_plists); i++) {
                _cleanup_free_ char *path = path_join(PLISTS, real_plists[i].file);
                PersonalityList list = PERSONALITY_LIST_INIT;
                PersonalityLoadStats stats = {};
                Errors errors = {};
                const Personality *p;

                print_message("%s\n", real_plists[i].file);
                load(path, &list, &errors, &stats);
                assert_int_equal(list.n, real_plists[i].n);
                assert_int_equal(stats.n_personalities, real_plists[i].n);
                assert_int_equal(stats.n_files, 1);
                if (real_plists[i].error) {
                        assert_errors(&errors, path, &real_plists[i].error, 1);
                        errors_done(&errors);
                        continue;
                }
                assert_errors(&errors, path, NULL, 0);
                assert_int_equal(stats.n_errors, 0);

                p = list.items[0];
                assert_string_equal(p->name, real_plists[i].first);
                assert_string_equal(p->source, path);
                assert_string(get(p, "IOProviderClass"), real_plists[i].provider);
                assert_string(get(p, "IOClass"), real_plists[i].class);
                if (real_plists[i].score == INT64_MIN)
                        assert_null(value_dict_get(p->dict, "IOProbeScore"));
                else
                        assert_unsigned(get(p, "IOProbeScore"), (uint64_t) real_plists[i].score);
                assert_string_equal(p->bundle_id, real_plists[i].bundle_id);
                assert_string(get(p, "CFBundleIdentifier"), real_plists[i].bundle_id);
                /* Every personality: a bundle, a provider class, and its file as source. */
                for (unsigned j = 0; j < list.n; j++) {
                        assert_non_null(list.items[j]->bundle_id);
                        assert_non_null(personality_get_string(list.items[j], "IOProviderClass"));
                }
                total += list.n;
                personality_list_done(&list);
        }
        assert_int_equal(total, 591);
}

static void test_real_plist_values(void **state) {
        PersonalityList list = PERSONALITY_LIST_INIT;
        Errors errors = {};
        const Personality *p;
        const Value *v;

        /* USB IDs are numbers, not strings; the personality's own bundle identifier wins. */
        load(PLISTS "/acidanthera-BrcmPatchRAM3-Info.plist", &list, &errors, NULL);
        p = find(&list, "0489_e032");
        assert_unsigned(get(p, "idVendor"), 1161);
        assert_unsigned(get(p, "idProduct"), 57394);
        assert_string(get(p, "DisplayName"), "Broadcom Bluetooth 4.0 USB");
        assert_string_equal(p->bundle_id, "as.acidanthera.$(PRODUCT_NAME:rfc1034identifier)");
        p = list.items[list.n - 1];
        assert_string_equal(p->name, "BrcmPatchRAMResidency");
        assert_string(get(p, "IOProviderClass"), "disabled_IOResources");
        personality_list_done(&list);

        /*
         * Inherited identifier; nested IOPropertyMatch arrays of dictionaries, booleans kept.
         * The macOS build of IOStorageFamily's Info.plist source (binary, see SOURCES.md).
         */
        load(PERSONALITIES "/IOStorageFamily-macOS-binary.plist", &list, &errors, NULL);
        assert_int_equal(list.n, 6);
        assert_string_equal(list.items[0]->name, "IOAppleLabelScheme");
        assert_unsigned(get(list.items[0], "IOProbeScore"), 1000);
        for (unsigned i = 0; i < list.n; i++) {
                assert_string_equal(list.items[i]->bundle_id, "com.apple.iokit.IOStorageFamily");
                assert_string(get(list.items[i], "CFBundleIdentifier"), "com.apple.iokit.IOStorageFamily");
        }
        p = find(&list, "IOApplePartitionScheme");
        v = get(p, "IOPropertyMatch");
        assert_int_equal(value_type(v), VALUE_ARRAY);
        assert_int_equal(value_array_size(v), 3);
        assert_int_equal(value_dict_size(value_array_get(v, 0)), 1);
        assert_boolean(value_dict_get(value_array_get(v, 0), "Whole"), true);
        assert_string(value_dict_get(value_array_get(v, 1), "Content Hint"), "CD_ROM_Mode_1");
        assert_boolean(value_dict_get(value_array_get(v, 1), "Writable"), false);
        p = find(&list, "IOBlockStorageDriver");
        assert_string(value_dict_get(get(p, "IOPropertyMatch"), "device-type"), "Generic");
        assert_null(value_dict_get(find(&list, "IOMediaBSDClient")->dict, "IOPropertyMatch"));
        personality_list_done(&list);

        /* <data> in a nested dictionary; strings stay strings. */
        load(PLISTS "/rehabman-FakePCIID-Intel_HD_Graphics.plist", &list, &errors, NULL);
        p = find(&list, "P4000");
        assert_data(value_dict_get(get(p, "FakeProperties"), "RM,device-id"), "\x66\x01\x00\x00", 4);
        assert_string(get(p, "IOPCIPrimaryMatch"), "0x01668086 0x016a8086");
        assert_string(get(p, "IOPCIClassMatch"), "0x03000000&0xff000000");
        assert_string_equal(p->bundle_id, "org.rehabman.driver.FakePCIID");
        personality_list_done(&list);

        /* A 1316-byte <data> table and booleans. */
        load(PLISTS "/apple-IOUSBFamily-AppleUSBOpticalMouse.plist", &list, &errors, NULL);
        p = find(&list, "Apple 800 DPI Mouse");
        v = get(p, "HIDPointerAccelerationTable");
        assert_int_equal(value_type(v), VALUE_DATA);
        {
                size_t n = 0;
                const uint8_t *d = value_data(v, &n);

                assert_int_equal(n, 1316);
                assert_memory_equal(d, "\x00\x00\x80\x00\x55\x53\x42\x2a", 8); /* base64 "AACAAFVTQio" */
        }
        assert_boolean(get(p, "SwitchTo800DPI"), true);
        assert_unsigned(get(p, "idProduct"), 774);
        assert_unsigned(get(p, "idVendor"), 1452);
        personality_list_done(&list);

        /* A codeless personality (no probe score) merging properties into its provider. */
        load(PLISTS "/apple-IOUSBFamily-AppleUSBMergeNub.plist", &list, &errors, NULL);
        p = find(&list, "Kensington 7-in-1 card reader");
        assert_boolean(value_dict_get(get(p, "IOProviderMergeProperties"), "ExpressCardCantWake"), true);
        assert_unsigned(get(p, "idVendor"), 1507);
        assert_unsigned(get(p, "idProduct"), 1813);
        personality_list_done(&list);

        /* An IOPCIMatch string and a score above the USB rule range. */
        load(PLISTS "/openintelwireless-AirportItlwm-Sonoma-Info.plist", &list, &errors, NULL);
        p = find(&list, "NetworkController");
        assert_unsigned(get(p, "IOProbeScore"), 70000);
        personality_list_done(&list);

        assert_int_equal(errors.n, 0);
}

/* --- the other forms --- */

static void test_json_equals_plist(void **state) {
        PersonalityList json = PERSONALITY_LIST_INIT, plist = PERSONALITY_LIST_INIT;
        Errors errors = {};

        load(PERSONALITIES "/FakePCIID-Intel_HD_Graphics.json", &json, &errors, NULL);
        load(PLISTS "/rehabman-FakePCIID-Intel_HD_Graphics.plist", &plist, &errors, NULL);
        assert_int_equal(errors.n, 0);
        assert_int_equal(json.n, 8);
        assert_int_equal(json.n, plist.n);
        for (unsigned i = 0; i < json.n; i++) {
                assert_string_equal(json.items[i]->name, plist.items[i]->name);
                assert_string_equal(json.items[i]->bundle_id, plist.items[i]->bundle_id);
                assert_true(value_equal(json.items[i]->dict, plist.items[i]->dict));
                assert_true(personality_equal(json.items[i], plist.items[i]));
                assert_int_equal(personality_hash(json.items[i]), personality_hash(plist.items[i]));
        }
        /* {"$data": ...} is data, not a dictionary. */
        assert_data(value_dict_get(get(find(&json, "P4000"), "FakeProperties"), "RM,device-id"),
                    "\x66\x01\x00\x00", 4);
        personality_list_done(&json);
        personality_list_done(&plist);
}

static void test_binary_plist_equals_xml(void **state) {
        PersonalityList bin = PERSONALITY_LIST_INIT, xml = PERSONALITY_LIST_INIT;
        Errors errors = {};

        load(PERSONALITIES "/AppleUSBOpticalMouse-binary.plist", &bin, &errors, NULL);
        load(PLISTS "/apple-IOUSBFamily-AppleUSBOpticalMouse.plist", &xml, &errors, NULL);
        assert_int_equal(errors.n, 0);
        assert_int_equal(bin.n, 2);
        assert_int_equal(bin.n, xml.n);
        for (unsigned i = 0; i < bin.n; i++) {
                assert_string_equal(bin.items[i]->name, xml.items[i]->name);
                assert_true(personality_equal(bin.items[i], xml.items[i]));
        }
        assert_unsigned(get(find(&bin, "Apple 2000FPS Mouse"), "idProduct"), 775);
        personality_list_done(&bin);
        personality_list_done(&xml);
}

static void test_bundles(void **state) {
        char dir[] = "/tmp/test-personality-XXXXXX";
        _cleanup_free_ char *kext = NULL, *dext = NULL, *empty = NULL, *info = NULL;
        PersonalityList list = PERSONALITY_LIST_INIT;
        PersonalityLoadStats stats = {};
        Errors errors = {};

        assert_non_null(mkdtemp(dir));
        make_dir(dir, "MyFirstUSBDriver.kext");
        make_dir(dir, "MyFirstUSBDriver.kext/Contents");
        make_dir(dir, "IOKitTest.dext");
        make_dir(dir, "Empty.kext");
        make_dir(dir, "Empty.kext/Contents");
        kext = path_join(dir, "MyFirstUSBDriver.kext");
        dext = path_join(dir, "IOKitTest.dext");
        empty = path_join(dir, "Empty.kext");

        /* macOS layout: Contents/Info.plist. */
        info = path_join(kext, "Contents/Info.plist");
        copy_file(PLISTS "/apress-Ch08-MyFirstUSBDriver-Info.plist", info);
        load(kext, &list, &errors, &stats);
        assert_int_equal(list.n, 1);
        assert_string_equal(list.items[0]->name, "MyFirstUSBDriver");
        assert_string_equal(list.items[0]->source, info);
        assert_unsigned(get(list.items[0], "bInterfaceClass"), 8);
        assert_unsigned(get(list.items[0], "bInterfaceSubClass"), 6);
        free(info);

        /* Shallow bundle (DriverKit, iOS): Info.plist at the top. */
        info = path_join(dext, "Info.plist");
        copy_file(PLISTS "/apress-Ch04-IOKitTest-Info.plist", info);
        load(dext, &list, &errors, &stats);
        assert_int_equal(list.n, 2);
        assert_string_equal(list.items[1]->name, "TestIOKit");
        assert_string_equal(list.items[1]->source, info);
        assert_string(get(list.items[1], "IOResourceMatch"), "IOKit");

        /* Neither. */
        load(empty, &list, &errors, &stats);
        assert_int_equal(list.n, 2);
        assert_errors(&errors, empty, (const char *const[]) { "no Contents/Info.plist or Info.plist in the bundle" }, 1);
        assert_int_equal(stats.n_files, 3);
        assert_int_equal(stats.n_personalities, 2);
        assert_int_equal(stats.n_errors, 1);

        errors_done(&errors);
        personality_list_done(&list);
        rm_rf(dir);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_real_plists_load),
                cmocka_unit_test(test_real_plist_values),
                cmocka_unit_test(test_json_equals_plist),
                cmocka_unit_test(test_binary_plist_equals_xml),
                cmocka_unit_test(test_bundles),
        };

        return cmocka_run_group_tests_name("personality files", tests, NULL, NULL);
}
