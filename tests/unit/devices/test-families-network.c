/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-families-network.c: the network family: interfaces and malformed
 * attributes.
 *
 * There is no umockdev recording of this kind of device, so it is built from
 * tables. Its udev properties are copied from the `udevadm info --export-db`
 * dumps in the shared test data
 * (testdata/udevdb/checkbox-udevadm-export-db-LENOVO_T430S.txt and
 * ...-HP_ELITEBOOK_835_13_INCH_G10.txt). Those dumps hold no sysfs
 * attributes: the attributes in the tables (size, mtu, address, ...) are
 * invented, realistic for the device, and marked "invented".
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

static void test_network(void **state) {
        /* eth0: LENOVO_T430S (udevdb); the attributes are invented. */
        static const char *const eth_attrs[] = {
                "type", "1", "address", "3c:97:0e:a1:b2:c3", "addr_len", "6", "mtu", "1500", "carrier", "1",
                "operstate", "up", "speed", "1000", NULL,
        };
        static const char *const eth_props[] = {
                "ID_BUS", "pci", "ID_MODEL_FROM_DATABASE", "82579LM Gigabit Network Connection",
                "IFINDEX", "2",
                "INTERFACE", "eth0", "SUBSYSTEM", "net", NULL,
        };
        /* wlp1s0: HP_ELITEBOOK_835_13_INCH_G10; the address is the one in its ID_NET_NAME_MAC. */
        static const char *const wlan_attrs[] = {
                "type", "1", "address", "60:e9:aa:f9:67:67", "addr_len", "6", "mtu", "1500", "carrier", "0",
                "operstate", "down", "speed", "-1", NULL,
        };
        static const char *const lo_attrs[] = {
                "type", "772", "address", "00:00:00:00:00:00", "addr_len", "6", "mtu", "65536",
                "operstate", "unknown",
                NULL,
        };
        /* wwan0: HP_ELITEBOOK_835_13_INCH_G10, a raw-IP modem: no link-layer address. */
        static const char *const wwan_attrs[] = { "type", "65534", "addr_len", "0", "mtu", "1500", NULL };
        TableDevice eth = {
                .record = { .syspath = "/sys/devices/pci0000:00/0000:00:19.0/net/eth0", .subsystem = "net" },
                .attrs = eth_attrs,
                .props = eth_props,
        };
        TableDevice wlan = {
                .record = { .syspath = "/sys/devices/pci0000:00/0000:00:02.2/0000:01:00.0/net/wlp1s0",
                            .subsystem = "net",
                            .devtype = "wlan" },
                .attrs = wlan_attrs,
        };
        TableDevice lo = {
                .record = { .syspath = "/sys/devices/virtual/net/lo", .subsystem = "net" },
                .attrs = lo_attrs,
        };
        TableDevice wwan = {
                .record = { .syspath = "/sys/devices/pci0000:00/0000:00:02.3/0000:02:00.0/wwan/wwan0"
                            "/net/wwan0",
                            .subsystem = "net", .devtype = "wwan" },
                .attrs = wwan_attrs,
        };
        _cleanup_(nub_done) NubDescription e = {}, w = {}, l = {}, m = {};

        describe(table_device(&eth, NULL), &e);
        check_nub(&e, "IOEthernetInterface", "eth0", NULL);
        check_string(&e, "BSD Name", "eth0");
        check_string(&e, "IOInterfaceNamePrefix", "eth");
        check_unsigned(&e, "IOInterfaceUnit", 0, 32);
        check_data(&e, "IOMACAddress", "\x3c\x97\x0e\xa1\xb2\xc3", 6);
        check_unsigned(&e, "IOMediaAddressLength", 6, 8);
        check_unsigned(&e, "IOMaxTransferUnit", 1500, 32);
        check_unsigned(&e, "IOInterfaceType", 6, 8); /* IFT_ETHER, as a Mac's en0 */
        check_unsigned(&e, "IOLinkStatus", 3, 32);   /* valid | active */
        check_unsigned(&e, "IOLinkSpeed", UINT64_C(1000000000), 64);
        check_linux_string(&e, "SUBSYSTEM", "net");

        describe(table_device(&wlan, NULL), &w);
        check_nub(&w, "IOEthernetInterface", "wlp1s0", NULL);
        check_string(&w, "IOInterfaceNamePrefix", "wlp1s");
        check_unsigned(&w, "IOInterfaceUnit", 0, 32);
        check_data(&w, "IOMACAddress", "\x60\xe9\xaa\xf9\x67\x67", 6);
        check_unsigned(&w, "IOLinkStatus", 1, 32); /* valid, no carrier */
        check_absent(&w, "IOLinkSpeed");           /* speed -1: unknown */

        describe(table_device(&lo, NULL), &l);
        check_nub(&l, "IONetworkInterface", "lo", NULL);
        check_string(&l, "IOInterfaceNamePrefix", "lo");
        check_absent(&l, "IOInterfaceUnit");
        check_unsigned(&l, "IOInterfaceType", 0x18, 8); /* IFT_LOOP */
        check_unsigned(&l, "IOLinkStatus", 0, 32);
        check_unsigned(&l, "IOMaxTransferUnit", 65536, 32);

        describe(table_device(&wwan, NULL), &m);
        check_nub(&m, "IONetworkInterface", "wwan0", NULL);
        check_unsigned(&m, "IOInterfaceType", 0xff, 8); /* IFT_CELLULAR */
        check_absent(&m, "IOMACAddress");
        check_unsigned(&m, "IOMediaAddressLength", 0, 8);
}

static void test_network_malformed(void **state) {
        static const char *const attrs[] = {
                "type", "ether", "address", "zz:00:00:00:00:00", "addr_len", "6", "mtu", "-1", "speed",
                "fast", NULL,
        };
        static const char *const short_attrs[] = {
                "type", "1", "address", "00:11:22", "addr_len", "6", NULL,
        };
        TableDevice bad = {
                .record = { .syspath = "/sys/devices/virtual/net/enx54af978e007e", .subsystem = "net" },
                .attrs = attrs,
        };
        TableDevice shortaddr = {
                .record = { .syspath = "/sys/devices/virtual/net/eth7", .subsystem = "net" },
                .attrs = short_attrs,
        };
        _cleanup_(nub_done) NubDescription b = {}, s = {};

        describe(table_device(&bad, NULL), &b);
        /* The type is unreadable: not known to be Ethernet. */
        check_nub(&b, "IONetworkInterface", "enx54af978e007e", NULL);
        check_string(&b, "IOInterfaceNamePrefix", "enx54af978e007e");  /* ends in a letter: no unit */
        check_absent(&b, "IOInterfaceUnit");
        check_absent(&b, "IOMACAddress");
        check_absent(&b, "IOMaxTransferUnit");
        check_absent(&b, "IOInterfaceType");
        check_absent(&b, "IOLinkSpeed");

        describe(table_device(&shortaddr, NULL), &s);
        check_nub(&s, "IOEthernetInterface", "eth7", NULL);
        check_absent(&s, "IOMACAddress"); /* 3 bytes where addr_len says 6 */
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_network),
                cmocka_unit_test(test_network_malformed),
        };

        return cmocka_run_group_tests_name("families-network", tests, NULL, NULL);
}
