/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-families-pci.c: the PCI family: controllers, functions, bridges and
 * malformed attributes.
 *
 * The checks and the table devices they share are in family-check.c.
 */

#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "family-check.h"

static void test_pci_usb_controllers(void **state) {
        _cleanup_(umockdev_freep) UmockdevRecording *kbd = load(RECORDING("umockdev-input-usbkbd"));
        _cleanup_(umockdev_freep) UmockdevRecording *fp = load(RECORDING("libfprint-synaptics"));
        _cleanup_(nub_done) NubDescription ehci = {}, xhci = {};
        static const char ehci_compatible[] = "pci17aa,2163\0pci8086,3b3c\0pciclass,0c0320";
        static const char xhci_compatible[] = "pci17aa,2292\0pci8086,9ded\0pciclass,0c0330";

        /* 00:1a.0 on a 3.10 kernel: no `revision` attribute, so it comes from config byte 8. */
        describe(umockdev_find(kbd, "0000:00:1a.0"), &ehci);
        check_nub(&ehci, "IOPCIDevice", "pci8086,3b3c", "1A");
        check_data(&ehci, "vendor-id", "\x86\x80\x00\x00", 4);
        check_data(&ehci, "device-id", "\x3c\x3b\x00\x00", 4);
        check_data(&ehci, "subsystem-vendor-id", "\xaa\x17\x00\x00", 4);
        check_data(&ehci, "subsystem-id", "\x63\x21\x00\x00", 4);
        check_data(&ehci, "class-code", "\x20\x03\x0c\x00", 4);
        check_data(&ehci, "revision-id", "\x06\x00\x00\x00", 4);
        check_data(&ehci, "name", "pci8086,3b3c", sizeof("pci8086,3b3c"));
        check_data(&ehci, "compatible", ehci_compatible, sizeof(ehci_compatible));
        check_string(&ehci, "IOName", "pci8086,3b3c");
        check_string(&ehci, "pcidebug", "0:26:0");
        check_linux_string(&ehci, "DRIVER", "ehci-pci");
        check_linux_string(&ehci, "SUBSYSTEM", "pci");

        describe(umockdev_find(fp, "0000:00:14.0"), &xhci);
        check_nub(&xhci, "IOPCIDevice", "pci8086,9ded", "14");
        check_data(&xhci, "revision-id", "\x11\x00\x00\x00", 4);
        check_data(&xhci, "class-code", "\x30\x03\x0c\x00", 4); /* as a Mac's XHC: <30030c00> */
        check_data(&xhci, "compatible", xhci_compatible, sizeof(xhci_compatible));
        check_string(&xhci, "pcidebug", "0:20:0");
}

static void test_pci_function(void **state) {
        _cleanup_(umockdev_freep) UmockdevRecording *spi = load(RECORDING("umockdev-spi-elanfingerprint"));
        _cleanup_(nub_done) NubDescription n = {};
        static const char compatible[] = "pci1043,1d2d\0pci8086,9d29\0pciclass,118000";

        describe(umockdev_find(spi, "0000:00:1e.2"), &n);
        /* "dev,fn" in uppercase hex, like a Mac's "SATA@1F,2". */
        check_nub(&n, "IOPCIDevice", "pci8086,9d29", "1E,2");
        check_data(&n, "class-code", "\x00\x80\x11\x00", 4);
        check_data(&n, "revision-id", "\x21\x00\x00\x00", 4);
        check_data(&n, "compatible", compatible, sizeof(compatible));
        check_string(&n, "pcidebug", "0:30:2");
}

static void test_pci_bridge_and_malformed(void **state) {
        /* A PCIe root port: no subsystem IDs, named "pci-bridge" like a Mac's. Attributes invented. */
        static const char *const bridge_attrs[] = {
                "vendor", "0x8086", "device", "0x15e7", "subsystem_vendor", "0x0000", "subsystem_device",
                "0x0000",
                "class", "0x060400", "revision", "0x06", NULL,
        };
        static const char *const bad_attrs[] = {
                "vendor", "0xzz", "device", "0x123456", "class", "garbage", "revision", "-1", NULL,
        };
        static const char bridge_compatible[] = "pci8086,15e7\0pciclass,060400";
        TableDevice bridge = {
                .record = { .syspath = "/sys/devices/pci0000:00/0000:00:1c.4/0000:04:00.0",
                            .subsystem = "pci" },
                .attrs = bridge_attrs,
        };
        TableDevice bad = {
                .record = { .syspath = "/sys/devices/pci0000:00/not-a-slot", .subsystem = "pci" },
                .attrs = bad_attrs,
        };
        _cleanup_(nub_done) NubDescription b = {}, m = {};

        describe(table_device(&bridge, NULL), &b);
        check_nub(&b, "IOPCIDevice", "pci-bridge", "0");
        check_data(&b, "name", "pci-bridge", sizeof("pci-bridge"));
        check_data(&b, "compatible", bridge_compatible, sizeof(bridge_compatible));
        check_absent(&b, "subsystem-vendor-id");
        check_absent(&b, "subsystem-id");
        check_string(&b, "pcidebug", "4:0:0");

        describe(table_device(&bad, NULL), &m);
        check_nub(&m, "IOPCIDevice", "not-a-slot", NULL);
        check_absent(&m, "vendor-id");
        check_absent(&m, "device-id");
        check_absent(&m, "class-code");
        check_absent(&m, "revision-id");
        check_absent(&m, "compatible");
        check_absent(&m, "pcidebug");
        check_string(&m, "IOName", "not-a-slot");
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_pci_usb_controllers),
                cmocka_unit_test(test_pci_function),
                cmocka_unit_test(test_pci_bridge_and_malformed),
        };

        return cmocka_run_group_tests_name("families-pci", tests, NULL, NULL);
}
