/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-udev-families.c: the families that have no umockdev recording
 * (tty, block, net, power_supply), through the real udev source and device
 * tree: a umockdev testbed is built here with umockdev_testbed_add_device(),
 * coldplugged by libudev enumeration, then changed by uevents.
 *
 * The devices and their values come from the udevdb exports in
 * /work/shared/testdata/udevdb (copied here, since a test cannot read
 * outside the tree): LENOVO_T430S for ttyACM0, ttyS4, sda and its GPT
 * partitions, BAT0 and AC; HP_ELITEBOOK_835_13_INCH_G10 for wlp1s0 and
 * enx54af978e007e (MAC addresses from their ID_NET_NAME_MAC), lo and the
 * PORT_UNKNOWN slot ttyS0. An export holds udev properties, not sysfs
 * attributes, so attributes are derived from them: partition start and size
 * from ID_PART_ENTRY_OFFSET and ID_PART_ENTRY_SIZE, PARTN and PARTNAME from
 * ID_PART_ENTRY_NUMBER and ID_PART_ENTRY_NAME, the battery's attributes from
 * its POWER_SUPPLY_* variables. Invented where the dumps say nothing, as in
 * the unit-families tests: the disk's size (976773168 sectors, a 500 GB
 * HTS725050A7E630), queue/logical_block_size, removable, ro, the SCSI model
 * as the kernel cuts it, the battery's `type`, MTUs, link states and speeds,
 * serial `type` 0 for the empty 8250 slot.
 *
 * The source runs in kernel mode (no udevd), the mode every machine has:
 * umockdev does not redirect /run/udev, so udev mode on a testbed would read
 * the host's udev database. What udev adds (Content, UUID, the full ATA
 * model) is covered by the unit-families tests on plain records.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "testbed.h"
#include "udev-fixture.h"

#define XHCI "/sys/devices/pci0000:00/0000:00:14.0"
#define MODEM XHCI "/usb3/3-4"
#define MODEM_IF1 MODEM "/3-4:1.1"
#define TTY_ACM0 MODEM_IF1 "/tty/ttyACM0"
#define KT "/sys/devices/pci0000:00/0000:00:16.3"
#define TTY_S4 KT "/tty/ttyS4"
#define TTY_S0 "/sys/devices/platform/serial8250/serial8250:0/serial8250:0.0/tty/ttyS0"
#define AHCI "/sys/devices/pci0000:00/0000:00:1f.2"
#define SCSI_DISK AHCI "/ata1/host0/target0:0:0/0:0:0:0"
#define SDA SCSI_DISK "/block/sda"
#define SDA1 SDA "/sda1"
#define SDA2 SDA "/sda2"
#define SDA3 SDA "/sda3"
#define WIFI_PCI "/sys/devices/pci0000:00/0000:00:02.2/0000:01:00.0"
#define WLAN WIFI_PCI "/net/wlp1s0"
#define LO "/sys/devices/virtual/net/lo"
#define DOCK_IF "/sys/devices/pci0000:00/0000:00:08.1/0000:c4:00.3/usb1/1-1/1-1.2/1-1.2:1.0"
#define ENX DOCK_IF "/net/enx54af978e007e"
#define ACPI_EC "/sys/devices/LNXSYSTM:00/LNXSYBUS:00/PNP0A08:00/device:08/PNP0C09:00"
#define AC ACPI_EC "/ACPI0003:00/power_supply/AC"
#define BAT0 ACPI_EC "/PNP0C0A:00/power_supply/BAT0"

#define SECTORS_500GB UINT64_C(976773168)

static void add(UMockdevTestbed *t, const char *subsystem, const char *name, const char *parent, ...) {
        const char *attrs[64] = {}, *props[64] = {};
        size_t n = 0, m = 0;
        const char *s;
        char *path;
        va_list ap;

        /* Attribute pairs up to NULL, then property pairs up to NULL, as umockdev_testbed_add_device(). */
        va_start(ap, parent);
        while ((s = va_arg(ap, const char *)) && n < ELEMENTSOF(attrs) - 1)
                attrs[n++] = s;
        while ((s = va_arg(ap, const char *)) && m < ELEMENTSOF(props) - 1)
                props[m++] = s;
        va_end(ap);
        path = umockdev_testbed_add_devicev(t, subsystem, name, parent, (char **) attrs, (char **) props);
        assert_non_null(path);
        g_free(path);
}

static void add_sda3(UMockdevTestbed *t) {
        /* sda3: a Microsoft reserved partition, no file system. */
        add(t, "block", "sda3", SDA, "partition", "3", "start", "2582528", "size", "262144", "ro", "0", "dev",
            "8:3", NULL, "DEVNAME", "/dev/sda3", "DEVTYPE", "partition", "MAJOR", "8", "MINOR", "3", "PARTN", "3",
            "PARTNAME", "Microsoft reserved partition", NULL);
}

static void build_machine(UMockdevTestbed *t) {
        /* A CDC ACM modem function of the T430S's Ericsson H5321 gw WWAN card. */
        add(t, "pci", "pci0000:00/0000:00:14.0", NULL, "vendor", "0x8086", "device", "0x1e31", "class",
            "0x0c0330", NULL, "PCI_ID", "8086:1E31", NULL);
        add(t, "usb", "usb3", XHCI, "busnum", "3", "devnum", "1", NULL, "DEVTYPE", "usb_device", NULL);
        add(t, "usb", "3-4", XHCI "/usb3", "idVendor", "0bdb", "idProduct", "1926", "bcdDevice", "0000",
            "manufacturer", "Lenovo", "product", "H5321 gw", "serial", "07CE4B878053FDM0", "busnum", "3",
            "devnum", "2", NULL, "DEVTYPE", "usb_device", "PRODUCT", "bdb/1926/0", NULL);
        add(t, "usb", "3-4:1.1", MODEM, "bInterfaceNumber", "01", "bInterfaceClass", "0a", NULL, "DEVTYPE",
            "usb_interface", NULL);
        add(t, "tty", "tty/ttyACM0", MODEM_IF1, "dev", "166:0", NULL, "DEVNAME", "/dev/ttyACM0", "MAJOR", "166",
            "MINOR", "0", NULL);
        /* The serial port of the T430S's AMT KT controller, and an 8250 slot with no UART behind it. */
        add(t, "pci", "pci0000:00/0000:00:16.3", NULL, "vendor", "0x8086", "device", "0x1e3d", NULL, NULL);
        add(t, "tty", "tty/ttyS4", KT, "dev", "4:68", NULL, "DEVNAME", "/dev/ttyS4", "MAJOR", "4", "MINOR", "68",
            NULL);
        add(t, "tty", "platform/serial8250/serial8250:0/serial8250:0.0/tty/ttyS0", NULL, "dev", "4:64", "type",
            "0", NULL, "DEVNAME", "/dev/ttyS0", "MAJOR", "4", "MINOR", "64", NULL);

        /* The T430S's SATA disk and two of its GPT partitions. */
        add(t, "pci", "pci0000:00/0000:00:1f.2", NULL, "vendor", "0x8086", "device", "0x1e03", NULL, NULL);
        add(t, "scsi", "ata1/host0/target0:0:0/0:0:0:0", AHCI, "vendor", "ATA     ", "model", "HGST HTS725050A7",
            NULL, "DEVTYPE", "scsi_device", NULL);
        add(t, "block", "block/sda", SCSI_DISK, "size", "976773168", "queue/logical_block_size", "512",
            "removable", "0", "ro", "0", "dev", "8:0", NULL, "DEVNAME", "/dev/sda", "DEVTYPE", "disk", "MAJOR",
            "8", "MINOR", "0", NULL);
        add(t, "block", "sda1", SDA, "partition", "1", "start", "2048", "size", "2048000", "ro", "0", "dev", "8:1",
            NULL, "DEVNAME", "/dev/sda1", "DEVTYPE", "partition", "MAJOR", "8", "MINOR", "1", "PARTN", "1", NULL);
        add(t, "block", "sda2", SDA, "partition", "2", "start", "2050048", "size", "532480", "ro", "0", "dev",
            "8:2", NULL, "DEVNAME", "/dev/sda2", "DEVTYPE", "partition", "MAJOR", "8", "MINOR", "2", "PARTN", "2",
            "PARTNAME", "EFI system partition", NULL);

        /* The HP's Wi-Fi (down), its loopback, and the r8152 Ethernet interface of its USB dock. */
        add(t, "pci", "pci0000:00/0000:00:02.2/0000:01:00.0", NULL, "vendor", "0x10ec", "device", "0xc852", NULL,
            NULL);
        add(t, "net", "net/wlp1s0", WIFI_PCI, "type", "1", "address", "60:e9:aa:f9:67:67", "addr_len", "6", "mtu",
            "1500", "operstate", "down", NULL, "DEVTYPE", "wlan", "INTERFACE", "wlp1s0", "IFINDEX", "4", NULL);
        add(t, "net", "virtual/net/lo", NULL, "type", "772", "address", "00:00:00:00:00:00", "addr_len", "6", "mtu",
            "65536", "operstate", "unknown", NULL, "INTERFACE", "lo", "IFINDEX", "1", NULL);
        add(t, "usb", "pci0000:00/0000:00:08.1/0000:c4:00.3/usb1/1-1/1-1.2", NULL, "idVendor", "2357", "idProduct",
            "0601", "bcdDevice", "3000", "product", "USB 10/100/1000 LAN", "busnum", "1", "devnum", "3", NULL,
            "DEVTYPE", "usb_device", NULL);
        add(t, "usb", "1-1.2:1.0", "/sys/devices/pci0000:00/0000:00:08.1/0000:c4:00.3/usb1/1-1/1-1.2",
            "bInterfaceNumber", "00", "bInterfaceClass", "ff", NULL, "DEVTYPE", "usb_interface", NULL);

        /* The T430S's AC adapter and battery, with the values of its POWER_SUPPLY_* variables. */
        add(t, "power_supply", "LNXSYSTM:00/LNXSYBUS:00/PNP0A08:00/device:08/PNP0C09:00/ACPI0003:00/power_supply/AC",
            NULL, "type", "Mains", "online", "1", NULL, "POWER_SUPPLY_NAME", "AC", "POWER_SUPPLY_ONLINE", "1", NULL);
        add(t, "power_supply", "LNXSYSTM:00/LNXSYBUS:00/PNP0A08:00/device:08/PNP0C09:00/PNP0C0A:00/power_supply/BAT0",
            NULL, "type", "Battery", "status", "Unknown", "present", "1", "technology", "Li-ion", "cycle_count", "0",
            "voltage_min_design", "11100000", "voltage_now", "12515000", "power_now", "0", "energy_full_design",
            "44000000", "energy_full", "42990000", "energy_now", "42950000", "capacity", "99", "model_name",
            "45N1037", "manufacturer", "SANYO", "serial_number", " 1586", NULL, "POWER_SUPPLY_NAME", "BAT0",
            "POWER_SUPPLY_STATUS", "Unknown", "POWER_SUPPLY_PRESENT", "1", NULL);
}

static int setup_machine(void **state) {
        UMockdevTestbed *testbed = testbed_empty();

        build_machine(testbed);
        return fixture_setup(state, testbed);
}

static Entry *nub(Fixture *f, const char *syspath, const char *class_name, const char *name, const char *location) {
        Entry *e = device_tree_find(&f->tree, syspath);

        if (!e)
                fail_msg("no nub for %s", syspath);
        assert_string_equal(e->klass->name, class_name);
        assert_string_equal(entry_get_name(e, NULL), name);
        if (location)
                assert_string_equal(entry_get_location(e, NULL), location);
        else
                assert_null(entry_get_location(e, NULL));
        assert_true(e->state & ENTRY_STATE_REGISTERED);
        return e;
}

static void check_string(Entry *e, const char *key, const char *expected) {
        Value *v = entry_get_property(e, key);

        if (!v)
                fail_msg("%s: no %s", entry_get_name(e, NULL), key);
        assert_int_equal(value_type(v), VALUE_STRING);
        assert_string_equal(value_string(v, NULL), expected);
}

static void check_unsigned(Entry *e, const char *key, uint64_t expected, unsigned bits) {
        Value *v = entry_get_property(e, key);

        if (!v)
                fail_msg("%s: no %s", entry_get_name(e, NULL), key);
        assert_int_equal(value_type(v), VALUE_NUMBER);
        assert_false(value_number_is_signed(v));
        assert_int_equal(value_number_bits(v), bits);
        assert_int_equal(value_unsigned(v), expected);
}

static void check_signed(Entry *e, const char *key, int64_t expected, unsigned bits) {
        Value *v = entry_get_property(e, key);

        if (!v)
                fail_msg("%s: no %s", entry_get_name(e, NULL), key);
        assert_true(value_number_is_signed(v));
        assert_int_equal(value_number_bits(v), bits);
        assert_int_equal(value_signed(v), expected);
}

static void check_bool(Entry *e, const char *key, bool expected) {
        Value *v = entry_get_property(e, key);

        if (!v)
                fail_msg("%s: no %s", entry_get_name(e, NULL), key);
        assert_int_equal(value_type(v), VALUE_BOOLEAN);
        assert_int_equal(value_boolean(v), expected);
}

static void check_data(Entry *e, const char *key, const uint8_t *expected, size_t len) {
        Value *v = entry_get_property(e, key);
        const uint8_t *p;
        size_t n;

        if (!v)
                fail_msg("%s: no %s", entry_get_name(e, NULL), key);
        assert_int_equal(value_type(v), VALUE_DATA);
        p = value_data(v, &n);
        assert_int_equal(n, len);
        assert_memory_equal(p, expected, len);
}

static void check_absent(Entry *e, const char *key) {
        if (entry_get_property(e, key))
                fail_msg("%s: unexpected %s", entry_get_name(e, NULL), key);
}

static void check_linux(Entry *e, const char *key, const char *expected) {
        Value *v = value_dict_get(entry_get_property(e, "Linux"), key);

        assert_non_null(v);
        assert_string_equal(value_string(v, NULL), expected);
}

/* The parent of e in the IOService plane is the nub of syspath (or, with a bound driver, its driver). */
static void check_service_parent(Fixture *f, Entry *e, const char *syspath) {
        assert_ptr_equal(entry_get_parent(e, f->registry->service_plane), device_tree_find(&f->tree, syspath));
}

static void test_serial(void **state) {
        Fixture *f = *state;
        Entry *e;

        e = nub(f, TTY_ACM0, "IOSerialBSDClient", "IOSerialBSDClient", NULL);
        check_service_parent(f, e, MODEM_IF1);
        check_string(e, "IOTTYDevice", "ttyACM0");
        check_string(e, "IOTTYBaseName", "ttyACM");
        check_string(e, "IOTTYSuffix", "0");
        check_string(e, "IOCalloutDevice", "/dev/ttyACM0");
        check_string(e, "IODialinDevice", "/dev/ttyACM0");
        check_string(e, "IOSerialBSDClientType", "IOModemSerialStream");
        check_linux(e, "SUBSYSTEM", "tty");
        check_linux(e, "DEVNAME", "/dev/ttyACM0");
        assert_int_equal(value_unsigned(value_dict_get(entry_get_property(e, "Linux"), "MAJOR")), 166);

        e = nub(f, TTY_S4, "IOSerialBSDClient", "IOSerialBSDClient", NULL);
        check_service_parent(f, e, KT);
        check_string(e, "IOTTYDevice", "ttyS4");
        check_string(e, "IOTTYBaseName", "ttyS");
        check_string(e, "IOTTYSuffix", "4");
        check_string(e, "IOCalloutDevice", "/dev/ttyS4");
        check_string(e, "IOSerialBSDClientType", "IORS232SerialStream");

        /* An 8250 slot with no UART (type 0) is not a serial port. */
        e = nub(f, TTY_S0, "IOLinuxDevice", "ttyS0", NULL);
        check_absent(e, "IOTTYDevice");
        assert_true(entry_conforms_to(device_tree_find(&f->tree, TTY_ACM0), "IOService"));
}

static void test_storage_disk_with_partitions(void **state) {
        Fixture *f = *state;
        Entry *disk, *part;

        disk = nub(f, SDA, "IOMedia", "HGST HTS725050A7 Media", NULL);
        assert_true(entry_conforms_to(disk, "IOStorage"));
        check_service_parent(f, disk, SCSI_DISK);
        check_string(disk, "BSD Name", "sda");
        check_unsigned(disk, "BSD Major", 8, 32);
        check_unsigned(disk, "BSD Minor", 0, 32);
        check_unsigned(disk, "BSD Unit", 0, 32);
        check_unsigned(disk, "Size", SECTORS_500GB * 512, 64);
        check_unsigned(disk, "Preferred Block Size", 512, 64);
        check_bool(disk, "Whole", true);
        /* Without udevd the partition table is unknown: Leaf stays Yes (docs/families.md). */
        check_bool(disk, "Leaf", true);
        check_bool(disk, "Removable", false);
        check_bool(disk, "Ejectable", false);
        check_bool(disk, "Writable", true);
        check_string(disk, "Content", "");
        check_string(disk, "Content Hint", "");
        check_absent(disk, "Base");
        check_absent(disk, "Partition ID");
        check_absent(disk, "UUID");

        /* Partitions hang below their disk, located by number and named by PARTNAME or "Untitled N". */
        part = nub(f, SDA1, "IOMedia", "Untitled 1", "1");
        check_service_parent(f, part, SDA);
        check_string(part, "BSD Name", "sda1");
        check_unsigned(part, "BSD Minor", 1, 32);
        check_unsigned(part, "BSD Unit", 0, 32);
        check_unsigned(part, "Size", UINT64_C(2048000) * 512, 64);
        check_unsigned(part, "Base", UINT64_C(2048) * 512, 64);
        check_unsigned(part, "Partition ID", 1, 32);
        check_unsigned(part, "Preferred Block Size", 512, 64); /* the disk's */
        check_bool(part, "Whole", false);
        check_bool(part, "Leaf", true);
        check_bool(part, "Removable", false); /* the disk's */
        check_bool(part, "Writable", true);
        check_string(part, "Content", "");

        part = nub(f, SDA2, "IOMedia", "EFI system partition", "2");
        check_service_parent(f, part, SDA);
        check_unsigned(part, "Size", UINT64_C(532480) * 512, 64);
        check_unsigned(part, "Base", UINT64_C(2050048) * 512, 64);
        check_unsigned(part, "Partition ID", 2, 32);
        check_unsigned(part, "BSD Minor", 2, 32);
}

static void test_network(void **state) {
        Fixture *f = *state;
        static const uint8_t wlan_mac[] = { 0x60, 0xe9, 0xaa, 0xf9, 0x67, 0x67 };
        static const uint8_t lo_mac[6] = {};
        Entry *e;

        e = nub(f, WLAN, "IOEthernetInterface", "wlp1s0", NULL);
        assert_true(entry_conforms_to(e, "IONetworkInterface"));
        check_service_parent(f, e, WIFI_PCI);
        check_string(e, "BSD Name", "wlp1s0");
        check_string(e, "IOInterfaceNamePrefix", "wlp1s");
        check_unsigned(e, "IOInterfaceUnit", 0, 32);
        check_data(e, "IOMACAddress", wlan_mac, sizeof(wlan_mac));
        check_unsigned(e, "IOMediaAddressLength", 6, 8);
        check_unsigned(e, "IOMaxTransferUnit", 1500, 32);
        check_unsigned(e, "IOInterfaceType", 6, 8);
        check_unsigned(e, "IOLinkStatus", 1, 32); /* valid, not active: down */
        check_absent(e, "IOLinkSpeed");
        check_linux(e, "DEVTYPE", "wlan");

        e = nub(f, LO, "IONetworkInterface", "lo", NULL);
        check_unsigned(e, "IOInterfaceType", 0x18, 8);
        check_data(e, "IOMACAddress", lo_mac, sizeof(lo_mac));
        check_unsigned(e, "IOMaxTransferUnit", 65536, 32);
        check_unsigned(e, "IOLinkStatus", 0, 32);
        check_absent(e, "IOInterfaceUnit");
        /* A virtual device: below the one "virtual" entry, itself below the platform expert. */
        assert_string_equal(entry_get_name(entry_get_parent(e, f->registry->service_plane), NULL), "virtual");
        assert_ptr_equal(entry_get_parent(entry_get_parent(e, f->registry->service_plane), f->registry->service_plane),
                         f->platform);
}

static void test_power_sources(void **state) {
        Fixture *f = *state;
        Entry *e;

        e = nub(f, AC, "IOPMPowerSource", "AC", NULL);
        check_bool(e, "ExternalConnected", true);
        check_absent(e, "CurrentCapacity");

        e = nub(f, BAT0, "IOPMPowerSource", "BAT0", NULL);
        check_unsigned(e, "CurrentCapacity", 3869, 32); /* 42950000 µWh / 11.1 V */
        check_unsigned(e, "MaxCapacity", 3872, 32);
        check_unsigned(e, "DesignCapacity", 3963, 32);
        check_unsigned(e, "Voltage", 12515, 32);
        check_signed(e, "Amperage", 0, 32);
        check_unsigned(e, "CycleCount", 0, 32);
        check_bool(e, "BatteryInstalled", true);
        check_string(e, "Manufacturer", "SANYO");
        check_string(e, "DeviceName", "45N1037");
        check_string(e, "Serial", "1586");
        check_absent(e, "IsCharging"); /* status Unknown */
        check_absent(e, "ExternalConnected");
        check_absent(e, "Temperature");
}

static bool is_discharging(Fixture *f, const void *arg) {
        Value *v = fixture_property(f, BAT0, "IsCharging");
        Value *ac = fixture_property(f, AC, "ExternalConnected");

        return v && !value_boolean(v) && ac && !value_boolean(ac);
}

static void test_hotplug_unplug_ac(void **state) {
        Fixture *f = *state;
        Entry *bat;

        /* The adapter goes: two change events, with what sysfs then says. */
        umockdev_testbed_set_attribute(f->testbed, AC, "online", "0");
        umockdev_testbed_uevent(f->testbed, AC, "change");
        umockdev_testbed_set_attribute(f->testbed, BAT0, "status", "Discharging");
        umockdev_testbed_set_attribute(f->testbed, BAT0, "power_now", "10000000");
        umockdev_testbed_set_attribute(f->testbed, BAT0, "energy_now", "42000000");
        umockdev_testbed_uevent(f->testbed, BAT0, "change");
        assert_true(fixture_run_until(f, is_discharging, NULL));

        bat = device_tree_find(&f->tree, BAT0);
        check_bool(bat, "IsCharging", false);
        check_bool(bat, "FullyCharged", false);
        check_bool(bat, "ExternalConnected", false);
        check_signed(bat, "Amperage", -799, 32); /* 10 W / 12.515 V */
        check_unsigned(bat, "CurrentCapacity", 3783, 32);
        /* A change updates the entry in place. */
        assert_int_equal(f->n_terminated, 0);
        fixture_assert_equals_fresh_coldplug(f);
}

static void test_hotplug_partition_and_interface(void **state) {
        Fixture *f = *state;
        static const uint8_t mac[] = { 0x54, 0xaf, 0x97, 0x8e, 0x00, 0x7e };
        Entry *e;

        /* A new partition (umockdev_testbed_add_device() sends the add). */
        add_sda3(f->testbed);
        assert_true(fixture_run_until(f, fixture_has_device, SDA3));
        e = nub(f, SDA3, "IOMedia", "Microsoft reserved partition", "3");
        check_service_parent(f, e, SDA);
        check_unsigned(e, "Size", UINT64_C(262144) * 512, 64);
        check_unsigned(e, "Base", UINT64_C(2582528) * 512, 64);

        /* r8152 binds the dock's interface: its Ethernet interface appears below it. */
        add(f->testbed, "net", "net/enx54af978e007e", DOCK_IF, "type", "1", "address", "54:af:97:8e:00:7e",
            "addr_len", "6", "mtu", "1500", "carrier", "1", "operstate", "up", "speed", "1000", NULL, "INTERFACE",
            "enx54af978e007e", "IFINDEX", "3", NULL);
        assert_true(fixture_run_until(f, fixture_has_device, ENX));
        e = nub(f, ENX, "IOEthernetInterface", "enx54af978e007e", NULL);
        check_service_parent(f, e, DOCK_IF);
        check_data(e, "IOMACAddress", mac, sizeof(mac));
        check_string(e, "IOInterfaceNamePrefix", "enx54af978e007e");
        check_absent(e, "IOInterfaceUnit");
        check_unsigned(e, "IOLinkStatus", 3, 32);
        check_unsigned(e, "IOLinkSpeed", UINT64_C(1000000000), 64);

        /* The cable is pulled. */
        umockdev_testbed_set_attribute(f->testbed, ENX, "carrier", "0");
        umockdev_testbed_set_attribute(f->testbed, ENX, "operstate", "down");
        umockdev_testbed_set_attribute(f->testbed, ENX, "speed", "-1");
        umockdev_testbed_uevent(f->testbed, ENX, "change");
        fixture_drain(f);
        check_unsigned(device_tree_find(&f->tree, ENX), "IOLinkStatus", 1, 32);
        check_absent(device_tree_find(&f->tree, ENX), "IOLinkSpeed");

        /* What hotplug built is what a coldplug of the same testbed builds. */
        fixture_assert_equals_fresh_coldplug(f);
}

static void test_hotplug_remove_disk_and_modem(void **state) {
        Fixture *f = *state;
        const char *disk_order[] = { SDA1, SDA2, SDA, SCSI_DISK };
        unsigned devices = device_tree_size(&f->tree);

        /* The SCSI device goes: its disk and the disk's partitions go first, partitions before the disk. */
        umockdev_testbed_uevent(f->testbed, SCSI_DISK, "remove");
        umockdev_testbed_remove_device(f->testbed, SCSI_DISK);
        assert_true(fixture_run_until(f, fixture_lacks_device, SCSI_DISK));
        assert_int_equal(f->n_terminated, ELEMENTSOF(disk_order));
        for (unsigned i = 0; i < 2; i++)
                assert_true(streq(f->terminated[i], SDA1) || streq(f->terminated[i], SDA2));
        assert_string_equal(f->terminated[2], SDA);
        assert_string_equal(f->terminated[3], SCSI_DISK);
        for (size_t i = 0; i < ELEMENTSOF(disk_order); i++)
                assert_null(device_tree_find(&f->tree, disk_order[i]));

        /* The modem's interface goes: the tty below it first. */
        umockdev_testbed_uevent(f->testbed, MODEM_IF1, "remove");
        umockdev_testbed_remove_device(f->testbed, MODEM_IF1);
        assert_true(fixture_run_until(f, fixture_lacks_device, MODEM_IF1));
        assert_int_equal(f->n_terminated, ELEMENTSOF(disk_order) + 2);
        assert_string_equal(f->terminated[4], TTY_ACM0);
        assert_string_equal(f->terminated[5], MODEM_IF1);
        assert_non_null(device_tree_find(&f->tree, MODEM));
        assert_int_equal(device_tree_size(&f->tree), devices - 6);
        fixture_assert_equals_fresh_coldplug(f);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_serial, setup_machine, fixture_teardown),
                cmocka_unit_test_setup_teardown(test_storage_disk_with_partitions, setup_machine, fixture_teardown),
                cmocka_unit_test_setup_teardown(test_network, setup_machine, fixture_teardown),
                cmocka_unit_test_setup_teardown(test_power_sources, setup_machine, fixture_teardown),
                cmocka_unit_test_setup_teardown(test_hotplug_unplug_ac, setup_machine, fixture_teardown),
                cmocka_unit_test_setup_teardown(test_hotplug_partition_and_interface, setup_machine, fixture_teardown),
                cmocka_unit_test_setup_teardown(test_hotplug_remove_disk_and_modem, setup_machine, fixture_teardown),
        };

        return cmocka_run_group_tests_name("families on umockdev testbeds", tests, NULL, NULL);
}
