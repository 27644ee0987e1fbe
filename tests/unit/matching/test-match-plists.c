/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-match-plists.c: every real Info.plist in tests/data/plists loaded
 * into one catalogue, and matched against the nubs they were written for:
 * the nubs of a real recording (a USB keyboard behind hubs on an EHCI
 * controller), and nubs built here with the properties the families give
 * such devices. Asserts which drivers start, what merges, and explain's
 * verdicts.
 */

#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "catalogue.h"
#include "device-tree.h"
#include "matcher.h"
#include "personality-file.h"
#include "platform-expert.h"
#include "umockdev-load.h"

#define PLISTS FAMILY_TEST_DATA "/plists"
#define RECORDING(name) FAMILY_TEST_DATA "/umockdev/" name ".umockdev"

typedef struct Fixture {
        Registry *registry;
        Entry *platform, *resources; /* borrowed */
        Catalogue *catalogue;
        Matcher *matcher;
        DeviceTree tree;
        PersonalityList personalities;
        unsigned n_errors;
} Fixture;

static void count_error(void *userdata, const PersonalityError *e) {
        Fixture *f = userdata;

        f->n_errors++;
}

static void on_publish(void *userdata, Entry *nub) {
        Fixture *f = userdata;

        assert_int_equal(matcher_register_service(f->matcher, nub), 0);
}

static int setup(void **state) {
        Fixture *f = calloc(1, sizeof(*f));
        PlatformInfo info = {};
        struct dirent **names;
        int n;

        if (!f || registry_new(&f->registry) < 0 ||
            registry_publish_platform(f->registry, &info, &f->platform, &f->resources) < 0 ||
            device_tree_init(&f->tree, f->registry, f->platform) < 0 ||
            class_table_define(f->registry->classes, "IOACPIPlatformDevice", "IOService", NULL) < 0)
                return -1;
        n = scandir(PLISTS, &names, NULL, alphasort);
        if (n < 0)
                return -1;
        for (int i = 0; i < n; i++) {
                char path[512];

                if (strstr(names[i]->d_name, ".plist")) {
                        snprintf(path, sizeof(path), "%s/%s", PLISTS, names[i]->d_name);
                        if (personality_file_load(path, &f->personalities, count_error, f, NULL) < 0)
                                return -1;
                }
                free(names[i]);
        }
        free(names);
        if (catalogue_new(f->registry->classes, &f->catalogue) < 0 ||
            matcher_new(f->registry, f->catalogue, f->resources, &f->matcher) < 0 ||
            matcher_reload(f->matcher, &f->personalities) < 0 ||
            matcher_publish_resource(f->matcher, "IOBSD", value_new_string("IOService")) < 0)
                return -1;
        f->tree.on_publish = on_publish;
        f->tree.userdata = f;
        *state = f;
        return 0;
}

static int teardown(void **state) {
        Fixture *f = *state;

        device_tree_done(&f->tree);
        matcher_free(f->matcher);
        catalogue_free(f->catalogue);
        personality_list_done(&f->personalities);
        registry_free(f->registry);
        free(f);
        return 0;
}

/* nub's child of class name (a started driver), or NULL. */
static Entry *driver_of(Fixture *f, Entry *nub, const char *name) {
        Entry *const *children;
        unsigned n;

        children = entry_get_children(nub, f->registry->service_plane, &n);
        for (unsigned i = 0; i < n; i++)
                if (streq(children[i]->klass->name, name))
                        return children[i];
        return NULL;
}

static bool has_driver(Fixture *f, Entry *nub, const char *name) {
        return driver_of(f, nub, name) != NULL;
}

/* The recording's Linux driver bound to nub (an IOLinuxKernelDriver entry named after it). */
static bool has_kernel_driver(Fixture *f, Entry *nub, const char *name) {
        Entry *drv = driver_of(f, nub, "IOLinuxKernelDriver");

        return drv && streq_ptr(entry_get_name(drv, NULL), name);
}

static int64_t driver_score(Fixture *f, Entry *nub, const char *name) {
        Entry *drv = driver_of(f, nub, name);

        assert_non_null(drv);
        assert_non_null(entry_get_property(drv, "IOProbeScore"));
        return value_signed(entry_get_property(drv, "IOProbeScore"));
}

static unsigned n_drivers(Fixture *f, Entry *nub) {
        unsigned n;

        (void) entry_get_children(nub, f->registry->service_plane, &n);
        return n;
}

static Entry *nub(Fixture *f, const char *class_name, const char *name) {
        Entry *e;

        assert_int_equal(registry_create_entry(f->registry, class_name, &e), 0);
        assert_int_equal(entry_set_name(e, NULL, name), 0);
        assert_int_equal(entry_attach(e, f->platform, f->registry->service_plane), 0);
        return e;
}

static void set_u(Entry *e, const char *key, uint64_t v) {
        assert_int_equal(entry_set_property_take(e, key, value_new_unsigned(v, 32)), 0);
}

static void set_le32(Entry *e, const char *key, uint32_t v) {
        uint8_t b[4] = { v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, v >> 24 };

        assert_int_equal(entry_set_property_take(e, key, value_new_data(b, 4)), 0);
}

static Entry *pci_nub(Fixture *f, uint16_t vendor, uint16_t device, uint32_t class_code) {
        char name[32];
        Entry *e;

        snprintf(name, sizeof(name), "pci%x,%x", vendor, device);
        e = nub(f, "IOPCIDevice", name);
        set_le32(e, "vendor-id", vendor);
        set_le32(e, "device-id", device);
        set_le32(e, "class-code", class_code);
        return e;
}

/* The candidate named name whose IOClass is io_class: two bundles have an "itlwm". */
static const ExplainItem *explain_find(const ExplainItem *x, unsigned n, const char *name, const char *io_class) {
        for (unsigned i = 0; i < n; i++)
                if (streq(x[i].personality->name, name) &&
                    streq_ptr(personality_get_string(x[i].personality, "IOClass"), io_class))
                        return &x[i];
        fail_msg("no candidate %s", name);
        return NULL;
}

static void test_every_plist_loads(void **state) {
        Fixture *f = *state;

        /* 29 files load (591 personalities); IOStorageFamily's is an unpreprocessed source (docs/personalities.md). */
        assert_int_equal(f->personalities.n, 591);
        assert_int_equal(f->n_errors, 1);
        assert_true(catalogue_size(f->catalogue) > 500);
}

/* A real recording: the keyboard, its hubs and the EHCI controller they hang on. */
static void test_recording_usb_keyboard(void **state) {
        Fixture *f = *state;
        _cleanup_(umockdev_freep) UmockdevRecording *rec = NULL;
        Entry *ehci, *keyboard, *interface, *hub;

        assert_int_equal(umockdev_load(RECORDING("umockdev-input-usbkbd"), &rec), 0);
        for (size_t i = rec->n_devices; i > 0; i--)
                assert_true(device_tree_apply(&f->tree, umockdev_device(rec, i - 1)) >= 0);

        ehci = device_tree_find(&f->tree, "/sys/devices/pci0000:00/0000:00:1a.0");
        keyboard = device_tree_find(&f->tree, "/sys/devices/pci0000:00/0000:00:1a.0/usb1/1-1/1-1.5/1-1.5.4/1-1.5.4.2");
        interface = device_tree_find(&f->tree,
                                     "/sys/devices/pci0000:00/0000:00:1a.0/usb1/1-1/1-1.5/1-1.5.4/1-1.5.4.2/1-1.5.4.2:1.0");
        hub = device_tree_find(&f->tree, "/sys/devices/pci0000:00/0000:00:1a.0/usb1/1-1/1-1.5");
        assert_non_null(ehci);
        assert_non_null(keyboard);
        assert_non_null(interface);
        assert_non_null(hub);

        /*
         * class 0x0c0320: AppleUSBEHCI's IOPCIClassMatch; any Intel device: itlwm's masked IOPCIPrimaryMatch.
         * Linux's ehci-pci is bound: it holds the default category (matcher.h, kernel drivers) and neither
         * codeless kext takes the controller; explain shows the kernel driver first, then why they did not.
         */
        assert_false(has_driver(f, ehci, "itlwm"));
        assert_false(has_driver(f, ehci, "AppleUSBEHCI"));
        assert_true(has_kernel_driver(f, ehci, "ehci-pci"));
        {
                ExplainItem *x;
                unsigned n;

                assert_int_equal(matcher_explain(f->matcher, ehci, &x, &n), 0);
                assert_true(n > 0);
                assert_null(x[0].personality);
                assert_string_equal(x[0].kernel_driver, "ehci-pci");
                assert_int_equal(x[0].outcome, EXPLAIN_WINNER);
                assert_int_equal(explain_find(x + 1, n - 1, "itlwm", "itlwm")->outcome, EXPLAIN_CATEGORY_HELD);
                assert_string_equal(explain_find(x + 1, n - 1, "itlwm", "itlwm")->failed_key,
                                    "IOUserServerReplacesKernelDriver");
                assert_int_equal(explain_find(x + 1, n - 1, "AppleUSBEHCI", "AppleUSBEHCI")->outcome,
                                 EXPLAIN_CATEGORY_HELD);
                /* MyFirstPCIDriver's IOPCIClassMatch (another class) keeps it out of the candidates. */
                for (unsigned i = 1; i < n; i++)
                        assert_string_not_equal(x[i].personality->name, "MyFirstPCIDriver");
                explain_items_free(x, n);
        }

        /* The keyboard: class 0 → IOUSBCompositeDriver (50000); IOUSBUserClientInit merged its user client. */
        assert_true(has_driver(f, keyboard, "IOUSBCompositeDriver"));
        assert_string_equal(value_string(entry_get_property(keyboard, "IOUserClientClass"), NULL), "IOUSBDeviceUserClientV2");
        /* Its interface, HID boot keyboard 3/1/1: IOUSBHIDDriver1 would score 50000, but usbhid is bound. */
        assert_false(has_driver(f, interface, "IOUSBHIDDriver"));
        assert_true(has_kernel_driver(f, interface, "usbhid"));
        /* Hubs (class 9) have no driver among these personalities; the user-client merge still happened. */
        assert_false(has_driver(f, hub, "IOUSBCompositeDriver"));
        assert_non_null(entry_get_property(hub, "IOUserClientClass"));
}

static void test_usb_merge_nub_and_vendor_drivers(void **state) {
        Fixture *f = *state;
        Entry *reader = nub(f, "IOUSBHostDevice", "Kensington 7-in-1");
        Entry *bt = nub(f, "IOUSBHostDevice", "BCM20702A0");
        Entry *mouse = nub(f, "IOUSBHostInterface", "Apple Optical Mouse");

        set_u(reader, "idVendor", 1507), set_u(reader, "idProduct", 1813), set_u(reader, "bcdDevice", 0x100);
        set_u(reader, "bDeviceClass", 0), set_u(reader, "bDeviceSubClass", 0), set_u(reader, "bDeviceProtocol", 0);
        set_u(bt, "idVendor", 0x0489), set_u(bt, "idProduct", 0xe032), set_u(bt, "bcdDevice", 0x112);
        set_u(bt, "bDeviceClass", 0xe0), set_u(bt, "bDeviceSubClass", 1), set_u(bt, "bDeviceProtocol", 1);
        set_u(mouse, "idVendor", 1452), set_u(mouse, "idProduct", 775), set_u(mouse, "bcdDevice", 0x200);
        set_u(mouse, "bConfigurationValue", 1), set_u(mouse, "bInterfaceNumber", 0);
        set_u(mouse, "bInterfaceClass", 3), set_u(mouse, "bInterfaceSubClass", 1), set_u(mouse, "bInterfaceProtocol", 2);

        assert_int_equal(matcher_register_service(f->matcher, reader), 0);
        assert_int_equal(matcher_register_service(f->matcher, bt), 0);
        assert_int_equal(matcher_register_service(f->matcher, mouse), 0);

        /* AppleUSBMergeNub merged and went; the composite driver still took the device. */
        assert_true(value_boolean(entry_get_property(reader, "ExpressCardCantWake")));
        assert_true(has_driver(f, reader, "IOUSBCompositeDriver"));
        assert_int_equal(n_drivers(f, reader), 1);
        /* BrcmPatchRAM3 (IOUSBHostDevice, 90000 + 4000, its own category). */
        assert_true(has_driver(f, bt, "BrcmPatchRAM3"));
        assert_int_equal(driver_score(f, bt, "BrcmPatchRAM3"), 94000);
        /* The vendor's mouse driver (90000) beats the generic HID mouse (60000) in the default category. */
        assert_true(has_driver(f, mouse, "AppleUSBOpticalMouse"));
        assert_false(has_driver(f, mouse, "IOUSBHIDDriver"));
        assert_true(value_boolean(entry_get_property(driver_of(f, mouse, "AppleUSBOpticalMouse"), "SwitchTo2000FPS")));
}

static void test_pci_graphics_and_ethernet(void **state) {
        Fixture *f = *state;
        Entry *gpu = pci_nub(f, 0x8086, 0x0166, 0x030000);
        Entry *nic = pci_nub(f, 0x8086, 0x1502, 0x020000);
        Entry *amd = pci_nub(f, 0x1002, 0x6798, 0x030000);
        ExplainItem *x;
        unsigned n;

        assert_int_equal(matcher_register_service(f->matcher, gpu), 0);
        assert_int_equal(matcher_register_service(f->matcher, nic), 0);
        assert_int_equal(matcher_register_service(f->matcher, amd), 0);

        /* HD 4000: FakePCIID (own category), the Ch09 sample (own category), IONDRVFramebuffer (IOFramebuffer), itlwm (default). */
        assert_true(has_driver(f, gpu, "FakePCIID"));
        assert_true(has_driver(f, gpu, "com_osxkernel_MyFirstPCIDriver"));
        assert_true(has_driver(f, gpu, "IONDRVFramebuffer"));
        assert_true(has_driver(f, gpu, "itlwm"));
        assert_int_equal(n_drivers(f, gpu), 4);
        /* 82579LM: IntelMausi (1000) and itlwm (2000) share the default category: itlwm wins by score. */
        assert_true(has_driver(f, nic, "itlwm"));
        assert_false(has_driver(f, nic, "IntelMausi"));
        assert_int_equal(matcher_explain(f->matcher, nic, &x, &n), 0);
        assert_int_equal(explain_find(x, n, "IntelMausi", "IntelMausi")->outcome, EXPLAIN_LOST);
        assert_int_equal(explain_find(x, n, "IntelMausi", "IntelMausi")->passive_score, 1000);
        explain_items_free(x, n);
        /* An AMD display: the class matches, the Intel ID lists do not. */
        assert_true(has_driver(f, amd, "IONDRVFramebuffer"));
        assert_false(has_driver(f, amd, "FakePCIID"));
        assert_false(has_driver(f, amd, "itlwm"));
}

static void test_storage_acpi_and_resources(void **state) {
        Fixture *f = *state;
        Entry *disk = nub(f, "IOMedia", "disk0"), *part = nub(f, "IOMedia", "disk0s1");
        Entry *ps2 = nub(f, "IOACPIPlatformDevice", "PS2K"), *bat = nub(f, "IOACPIPlatformDevice", "BAT0");

        assert_int_equal(entry_set_property_take(disk, "Whole", value_new_boolean(true)), 0);
        assert_int_equal(entry_set_property_take(part, "Whole", value_new_boolean(false)), 0);
        assert_int_equal(entry_set_property_take(ps2, "compatible", value_new_data("PNP0303", 8)), 0);
        assert_int_equal(entry_set_property_take(bat, "name", value_new_data("PNP0C0A", 8)), 0);
        assert_int_equal(matcher_register_service(f->matcher, disk), 0);
        assert_int_equal(matcher_register_service(f->matcher, part), 0);
        assert_int_equal(matcher_register_service(f->matcher, ps2), 0);
        assert_int_equal(matcher_register_service(f->matcher, bat), 0);

        assert_true(has_driver(f, disk, "com_osxkernel_driver_PartitionScheme")); /* IOPropertyMatch {Whole: true} */
        assert_false(has_driver(f, part, "com_osxkernel_driver_PartitionScheme"));
        assert_true(has_driver(f, ps2, "AppleACPIPS2Nub"));                     /* IONameMatch on compatible */
        assert_true(has_driver(f, bat, "AppleSmartBatteryManager"));            /* IONameMatch on name */
        /* IOResources: IOKit and IOBSD are published, so these started. */
        assert_true(has_driver(f, f->resources, "com_osxkernel_driver_IOKitTest"));
        assert_true(has_driver(f, f->resources, "IONetworkStack"));
        assert_true(has_driver(f, f->resources, "USBInjectAll_config"));
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void) {
        const struct CMUnitTest tests[] = {
                T(test_every_plist_loads),
                T(test_recording_usb_keyboard),
                T(test_usb_merge_nub_and_vendor_drivers),
                T(test_pci_graphics_and_ethernet),
                T(test_storage_acpi_and_resources),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
