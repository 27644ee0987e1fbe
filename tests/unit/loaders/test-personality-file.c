/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-personality-file.c: loading personalities from real kext Info.plists
 * (tests/data/plists), from JSON, binary plists and bundle folders, the
 * errors for malformed input (tests/data/personalities), and the directory
 * rules (override, masking, order, duplicates) on temporary directories.
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
#include "personality-dirs.h"
#include "personality-file.h"

#define PLISTS TEST_DATA "/plists"
#define PERSONALITIES TEST_DATA "/personalities"

/* --- helpers --- */

typedef struct Errors {
        char *items[64]; /* owned: formatted messages */
        unsigned n;
} Errors;

static void collect(void *userdata, const PersonalityError *e) {
        Errors *errors = userdata;

        assert_true(errors->n < ELEMENTSOF(errors->items));
        errors->items[errors->n] = personality_error_to_string(e);
        assert_non_null(errors->items[errors->n]);
        errors->n++;
}

static void errors_done(Errors *errors) {
        for (unsigned i = 0; i < errors->n; i++)
                free(errors->items[i]);
        errors->n = 0;
}

/* Every expected message, in order, each prefixed with "FILE: ". */
static void assert_errors(const Errors *errors, const char *file, const char *const *expected, unsigned n) {
        if (errors->n != n)
                for (unsigned i = 0; i < errors->n; i++)
                        print_message("unexpected? %s\n", errors->items[i]);
        for (unsigned i = 0; i < n && i < errors->n; i++) {
                _cleanup_free_ char *want = NULL;

                assert_true(asprintf(&want, "%s: %s", file, expected[i]) >= 0);
                assert_string_equal(errors->items[i], want);
        }
        assert_int_equal(errors->n, n);
}

static const Personality *find(const PersonalityList *l, const char *name) {
        for (unsigned i = 0; i < l->n; i++)
                if (streq(l->items[i]->name, name))
                        return l->items[i];
        fail_msg("no personality '%s'", name);
        return NULL;
}

static const Value *get(const Personality *p, const char *key) {
        const Value *v = value_dict_get(p->dict, key);

        if (!v)
                fail_msg("personality '%s' has no key '%s'", p->name, key);
        return v;
}

static void assert_unsigned(const Value *v, uint64_t want) {
        assert_int_equal(value_type(v), VALUE_NUMBER);
        assert_false(value_number_is_signed(v));
        assert_int_equal(value_number_bits(v), 64);
        assert_int_equal(value_unsigned(v), want);
}

static void assert_signed(const Value *v, int64_t want) {
        assert_int_equal(value_type(v), VALUE_NUMBER);
        assert_true(value_number_is_signed(v));
        assert_int_equal(value_number_bits(v), 64);
        assert_int_equal(value_signed(v), want);
}

static void assert_string(const Value *v, const char *want) {
        assert_non_null(v);
        assert_int_equal(value_type(v), VALUE_STRING);
        assert_string_equal(value_string(v, NULL), want);
}

static void assert_boolean(const Value *v, bool want) {
        assert_non_null(v);
        assert_int_equal(value_type(v), VALUE_BOOLEAN);
        assert_int_equal(value_boolean(v), want);
}

static void assert_data(const Value *v, const void *want, size_t len) {
        size_t n = 0;
        const uint8_t *d;

        assert_non_null(v);
        assert_int_equal(value_type(v), VALUE_DATA);
        d = value_data(v, &n);
        assert_int_equal(n, len);
        if (len > 0)
                assert_memory_equal(d, want, len);
}

static void load(const char *path, PersonalityList *list, Errors *errors, PersonalityLoadStats *stats) {
        assert_int_equal(personality_file_load(path, list, collect, errors, stats), 0);
}

static void write_file(const char *path, const char *content) {
        FILE *f = fopen(path, "we");

        assert_non_null(f);
        assert_int_equal(fputs(content, f) >= 0, 1);
        assert_int_equal(fclose(f), 0);
}

static void copy_file(const char *from, const char *to) {
        _cleanup_fclose_ FILE *in = fopen(from, "re");
        _cleanup_fclose_ FILE *out = fopen(to, "we");
        char buf[4096];
        size_t n;

        assert_non_null(in);
        assert_non_null(out);
        while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
                assert_int_equal(fwrite(buf, 1, n, out), n);
}

static char *path_join(const char *a, const char *b) {
        char *s = NULL;

        assert_true(asprintf(&s, "%s/%s", a, b) >= 0);
        return s;
}

static void make_dir(const char *base, const char *sub) {
        _cleanup_free_ char *p = path_join(base, sub);

        assert_int_equal(mkdir(p, 0755), 0);
}

static void rm_rf(const char *path) {
        _cleanup_free_ char *cmd = NULL;

        /* Only ever a mkdtemp() directory of ours. */
        assert_true(strncmp(path, "/tmp/test-personality-", 22) == 0);
        assert_true(asprintf(&cmd, "rm -rf '%s'", path) >= 0);
        assert_int_equal(system(cmd), 0);
}

/* --- every real Info.plist --- */

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

/* --- malformed input --- */

static void test_malformed_plist(void **state) {
        static const char *const expected[] = {
                "personality 'No provider': key 'IOProviderClass': missing",
                "personality 'Score string': key 'IOProbeScore': expected an integer, got a string",
                "personality 'Class number': key 'IOClass': expected a string, got an integer",
                "personality 'Provider array': key 'IOProviderClass': expected a string, got an array",
                "personality 'Category boolean': key 'IOMatchCategory': expected a string, got a boolean",
                "personality 'Name match dictionary': key 'IONameMatch': expected a string or an array of strings, got a dictionary",
                "personality 'Name match mixed': key 'IONameMatch': expected a string or an array of strings, got an array holding an integer at [1]",
                "personality 'Property match string': key 'IOPropertyMatch': expected a dictionary or an array of dictionaries, got a string",
                "personality 'Property match mixed': key 'IOPropertyMatch': expected a dictionary or an array of dictionaries, got an array holding a string at [1]",
                "personality 'Score too big': key 'IOProbeScore': 4294967296 is out of range (a signed 32-bit score)",
                "personality 'Real value': key 'Settings': unsupported type real at 'Scale'",
                "personality 'Date value': key 'Curves': unsupported type date at '[1]'",
                "personality 'Not a dictionary': expected a dictionary, got a string",
        };
        const char *path = PERSONALITIES "/malformed.plist";
        PersonalityList list = PERSONALITY_LIST_INIT;
        PersonalityLoadStats stats = {};
        Errors errors = {};
        const Personality *p;

        load(path, &list, &errors, &stats);
        assert_errors(&errors, path, expected, ELEMENTSOF(expected));
        assert_int_equal(stats.n_errors, ELEMENTSOF(expected));

        /* Everything valid still loads, in the file's order. */
        assert_int_equal(list.n, 4);
        assert_int_equal(stats.n_personalities, 4);
        assert_string_equal(list.items[0]->name, "Good A");
        assert_string_equal(list.items[1]->name, "Codeless merge");
        assert_string_equal(list.items[2]->name, "Negative score");
        assert_string_equal(list.items[3]->name, "Good Z");

        p = list.items[0];
        assert_string_equal(p->bundle_id, "org.example.malformed");
        assert_unsigned(get(p, "IOProbeScore"), 1000);
        assert_unsigned(get(p, "idVendor"), 1452);
        /* No IOClass: a codeless personality is valid. */
        p = list.items[1];
        assert_null(personality_get_string(p, "IOClass"));
        assert_boolean(value_dict_get(get(p, "IOProviderMergeProperties"), "ExpressCardCantWake"), true);
        assert_signed(get(list.items[2], "IOProbeScore"), -1000);
        p = list.items[3];
        assert_string_equal(p->bundle_id, "org.example.own");
        assert_data(get(p, "Blob"), "\xde\xad\xbe\xef", 4);
        assert_string(value_dict_get(value_array_get(get(p, "IOPropertyMatch"), 1), "Content Hint"), "Apple_HFS");

        errors_done(&errors);
        personality_list_done(&list);
}

static void test_malformed_json(void **state) {
        static const char *const expected[] = {
                "personality 'Null value': key 'IOMatchCategory': unsupported type null",
                "personality 'Real value': key 'IOProbeScore': unsupported type real",
                "personality 'Bad base64': key 'Blobs': invalid $data: not base64 (RFC 4648, padded, no spaces) at '[0]'",
                "personality 'Data with company': key 'Blob': invalid $data: expected {\"$data\": \"BASE64\"} and nothing else",
                "personality 'Data personality': expected a dictionary, got data",
                "personality 'Score string': key 'IOProbeScore': expected an integer, got a string",
                "personality 'Array': expected a dictionary, got an array",
        };
        const char *path = PERSONALITIES "/malformed.json";
        PersonalityList list = PERSONALITY_LIST_INIT;
        Errors errors = {};
        const Personality *p;

        load(path, &list, &errors, NULL);
        assert_errors(&errors, path, expected, ELEMENTSOF(expected));
        assert_int_equal(list.n, 1);
        p = list.items[0];
        assert_string_equal(p->name, "Good");
        assert_string_equal(p->bundle_id, "org.example.malformed-json");
        assert_signed(get(p, "IOProbeScore"), -20);
        assert_unsigned(get(p, "idVendor"), 1452);
        assert_data(get(p, "Firmware"), "\xde\xad\xbe\xef", 4);
        assert_data(get(p, "Empty"), NULL, 0);

        errors_done(&errors);
        personality_list_done(&list);
}

static void test_bundle_identifier(void **state) {
        const char *path = PERSONALITIES "/no-bundle-id.json";
        PersonalityList list = PERSONALITY_LIST_INIT;
        Errors errors = {};

        load(path, &list, &errors, NULL);
        assert_errors(&errors, path, (const char *const[]) {
                "personality 'No identifier': key 'CFBundleIdentifier': missing, and the file has none either",
        }, 1);
        assert_int_equal(list.n, 1);
        assert_string_equal(list.items[0]->bundle_id, "org.example.own");
        errors_done(&errors);
        personality_list_done(&list);
}

static void test_file_errors(void **state) {
        static const struct {
                const char *file;
                const char *message; /* the whole message, or its start when it ends in '*' */
        } cases[] = {
                { "not-a-plist.plist", "not a property list (XML or binary)" },
                { "top-array.plist", "expected a dictionary at the top, got an array" },
                { "personalities-array.plist", "key 'IOKitPersonalities': expected a dictionary, got an array" },
                { "broken.json", "not valid JSON: *" },
                { "duplicate-keys.json", "not valid JSON: duplicate object key*" },
                { "absent.plist", "cannot read: No such file or directory" },
                { "absent.json", "cannot read: No such file or directory" },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_free_ char *path = path_join(PERSONALITIES, cases[i].file), *want = NULL;
                PersonalityList list = PERSONALITY_LIST_INIT;
                PersonalityLoadStats stats = {};
                Errors errors = {};
                size_t n;

                load(path, &list, &errors, &stats);
                assert_int_equal(list.n, 0);
                assert_int_equal(errors.n, 1);
                assert_int_equal(stats.n_errors, 1);
                assert_true(asprintf(&want, "%s: %s", path, cases[i].message) >= 0);
                n = strlen(want);
                if (want[n - 1] == '*') {
                        if (strncmp(errors.items[0], want, n - 1) != 0)
                                fail_msg("'%s' does not start with '%.*s'", errors.items[0], (int) n - 1, want);
                } else
                        assert_string_equal(errors.items[0], want);
                errors_done(&errors);
        }
}

static void test_error_to_string(void **state) {
        _cleanup_free_ char *a = NULL, *b = NULL, *c = NULL;

        a = personality_error_to_string(&(PersonalityError) {
                .file = "acme.plist", .personality = "Foo", .key = "IOProbeScore",
                .message = "expected an integer, got a string" });
        b = personality_error_to_string(&(PersonalityError) {
                .file = "acme.plist", .personality = "Foo", .message = "expected a dictionary, got an array" });
        c = personality_error_to_string(&(PersonalityError) { .file = "acme.plist", .message = "not a property list (XML or binary)" });
        assert_string_equal(a, "acme.plist: personality 'Foo': key 'IOProbeScore': expected an integer, got a string");
        assert_string_equal(b, "acme.plist: personality 'Foo': expected a dictionary, got an array");
        assert_string_equal(c, "acme.plist: not a property list (XML or binary)");
}

/* --- directories --- */

static char *json_bundle(const char *bundle_id, const char *name, const char *class) {
        char *s = NULL;

        assert_true(asprintf(&s,
                             "{ \"CFBundleIdentifier\": \"%s\", \"IOKitPersonalities\": { \"%s\": "
                             "{ \"IOClass\": \"%s\", \"IOProviderClass\": \"IOResources\", \"IOProbeScore\": 5 } } }\n",
                             bundle_id, name, class) >= 0);
        return s;
}

static void put(const char *dir, const char *sub, const char *content) {
        _cleanup_free_ char *p = path_join(dir, sub);

        write_file(p, content);
}

static void test_dirs_override(void **state) {
        char root[] = "/tmp/test-personality-XXXXXX";
        _cleanup_free_ char *usr = NULL, *etc = NULL, *extra = NULL, *missing = NULL;
        _cleanup_free_ char *a_usr = NULL, *a_etc = NULL, *c = NULL, *d = NULL, *masked = NULL, *info = NULL;
        PersonalityList list = PERSONALITY_LIST_INIT;
        PersonalityLoadStats stats = {};
        Errors errors = {};

        assert_non_null(mkdtemp(root));
        make_dir(root, "usr");
        make_dir(root, "etc");
        make_dir(root, "extra");
        usr = path_join(root, "usr");
        etc = path_join(root, "etc");
        extra = path_join(root, "extra");
        missing = path_join(root, "missing");

        a_usr = json_bundle("org.example.a", "A", "VendorA");
        a_etc = json_bundle("org.example.a", "A", "AdminA");
        c = json_bundle("org.example.c", "C", "C");
        d = json_bundle("org.example.d", "D", "ExtraD");
        put(usr, "a.json", a_usr);
        put(usr, "c.json", c);
        put(usr, "z.kext", ""); /* a file where a bundle folder belongs: ignored */
        make_dir(usr, "IOKitTest.kext");
        make_dir(usr, "IOKitTest.kext/Contents");
        info = path_join(usr, "IOKitTest.kext/Contents/Info.plist");
        copy_file(PLISTS "/apress-Ch04-IOKitTest-Info.plist", info);
        put(usr, "b.plist", "");      /* overridden below before it could fail */
        put(etc, "a.json", a_etc);   /* /etc overrides /usr/share */
        put(etc, "README", "not a personality file\n");
        put(etc, ".hidden.json", "{");
        put(etc, "b.plist", "");     /* still broken: reported */
        masked = path_join(etc, "c.json");
        assert_int_equal(symlink("/dev/null", masked), 0); /* masks usr/c.json */
        put(extra, "d.json", d);
        put(extra, "b.plist", "garbage"); /* the last word on b.plist */

        char *dirs[] = { usr, etc, missing, extra, NULL };
        assert_int_equal(personality_dirs_load(dirs, &list, collect, &errors, &stats), 0);

        /* Name order: IOKitTest.kext, a.json, b.plist (failed), d.json. */
        {
                _cleanup_free_ char *b = path_join(extra, "b.plist");

                assert_errors(&errors, b, (const char *const[]) { "not a property list (XML or binary)" }, 1);
        }
        assert_int_equal(list.n, 3);
        assert_string_equal(list.items[0]->name, "TestIOKit");
        assert_string_equal(list.items[0]->source, info);
        assert_string_equal(list.items[1]->name, "A");
        assert_string(get(list.items[1], "IOClass"), "AdminA");
        assert_string_equal(list.items[2]->name, "D");
        assert_string(get(list.items[2], "IOClass"), "ExtraD");
        assert_int_equal(stats.n_files, 4);
        assert_int_equal(stats.n_personalities, 3);
        assert_int_equal(stats.n_errors, 1);
        assert_int_equal(stats.n_duplicates, 0);

        /* The same again: the order does not depend on the directory listing. */
        {
                PersonalityList again = PERSONALITY_LIST_INIT;

                assert_int_equal(personality_dirs_load(dirs, &again, NULL, NULL, NULL), 0);
                assert_int_equal(again.n, list.n);
                for (unsigned i = 0; i < list.n; i++)
                        assert_true(personality_equal(again.items[i], list.items[i]));
                personality_list_done(&again);
        }

        errors_done(&errors);
        personality_list_done(&list);
        rm_rf(root);
}

static void test_dirs_duplicates(void **state) {
        char root[] = "/tmp/test-personality-XXXXXX";
        _cleanup_free_ char *one = NULL, *other_bundle = NULL;
        PersonalityList list = PERSONALITY_LIST_INIT;
        PersonalityLoadStats stats = {};
        Errors errors = {};

        assert_non_null(mkdtemp(root));
        one = json_bundle("org.example.a", "A", "Same");
        other_bundle = json_bundle("org.example.b", "A", "Same");
        put(root, "1.json", one);
        put(root, "2.json", one);                 /* the same personality again: dropped */
        put(root, "3.json", other_bundle);        /* another bundle: kept */
        /* The same dictionary in another key order, with the bundle's identifier spelled out: dropped. */
        put(root, "4.json",
            "{ \"IOKitPersonalities\": { \"A again\": { \"IOProbeScore\": 5, \"IOProviderClass\": \"IOResources\", "
            "\"CFBundleIdentifier\": \"org.example.a\", \"IOClass\": \"Same\" } } }\n");
        /* A superset is not a duplicate (Apple lets them coexist). */
        put(root, "5.json",
            "{ \"CFBundleIdentifier\": \"org.example.a\", \"IOKitPersonalities\": { \"A\": { \"IOClass\": \"Same\", "
            "\"IOProviderClass\": \"IOResources\", \"IOProbeScore\": 5, \"IOMatchCategory\": \"Other\" } } }\n");
        put(root, "6.plist", "");

        char *dirs[] = { root, NULL };
        assert_int_equal(personality_dirs_load(dirs, &list, collect, &errors, &stats), 0);
        assert_int_equal(errors.n, 1); /* 6.plist is empty */
        assert_int_equal(list.n, 3);
        assert_string_equal(list.items[0]->source + strlen(root), "/1.json");
        assert_string_equal(list.items[1]->source + strlen(root), "/3.json");
        assert_string_equal(list.items[1]->bundle_id, "org.example.b");
        assert_string_equal(list.items[2]->source + strlen(root), "/5.json");
        assert_int_equal(stats.n_files, 6);
        assert_int_equal(stats.n_personalities, 3);
        assert_int_equal(stats.n_duplicates, 2);

        /* Loading into a list that has them already adds nothing. */
        stats = (PersonalityLoadStats) {};
        errors_done(&errors);
        assert_int_equal(personality_dirs_load(dirs, &list, collect, &errors, &stats), 0);
        assert_int_equal(list.n, 3);
        assert_int_equal(stats.n_duplicates, 5);

        errors_done(&errors);
        personality_list_done(&list);
        rm_rf(root);
}

static void test_dirs_entry_names(void **state) {
        assert_true(personality_dirs_entry_name_valid("50-acme.json"));
        assert_true(personality_dirs_entry_name_valid("Info.plist"));
        assert_true(personality_dirs_entry_name_valid("AppleUSBMergeNub.kext"));
        assert_true(personality_dirs_entry_name_valid("MyDriver.dext"));
        assert_false(personality_dirs_entry_name_valid(".json"));
        assert_false(personality_dirs_entry_name_valid(".acme.json"));
        assert_false(personality_dirs_entry_name_valid("acme.json~"));
        assert_false(personality_dirs_entry_name_valid("acme.txt"));
        assert_false(personality_dirs_entry_name_valid("README"));
}

static void test_dirs_default(void **state) {
        char *extra[] = { (char *) "/srv/one", (char *) "/srv/two", NULL };
        _cleanup_strv_free_ char **l = personality_dirs_default(extra);
        _cleanup_strv_free_ char **none = personality_dirs_default(NULL);

        assert_non_null(l);
        assert_string_equal(l[0], "/usr/share/ioreg/personalities");
        assert_string_equal(l[1], "/etc/ioreg/personalities");
        assert_string_equal(l[2], "/srv/one");
        assert_string_equal(l[3], "/srv/two");
        assert_null(l[4]);
        assert_non_null(none);
        assert_null(none[2]);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_real_plists_load),
                cmocka_unit_test(test_real_plist_values),
                cmocka_unit_test(test_json_equals_plist),
                cmocka_unit_test(test_binary_plist_equals_xml),
                cmocka_unit_test(test_bundles),
                cmocka_unit_test(test_malformed_plist),
                cmocka_unit_test(test_malformed_json),
                cmocka_unit_test(test_bundle_identifier),
                cmocka_unit_test(test_file_errors),
                cmocka_unit_test(test_error_to_string),
                cmocka_unit_test(test_dirs_override),
                cmocka_unit_test(test_dirs_duplicates),
                cmocka_unit_test(test_dirs_entry_names),
                cmocka_unit_test(test_dirs_default),
        };

        return cmocka_run_group_tests_name("personality files", tests, NULL, NULL);
}
