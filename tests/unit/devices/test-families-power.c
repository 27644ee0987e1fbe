/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-families-power.c: the power source family: batteries charging and
 * discharging, malformed attributes.
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

static void test_power_source_battery(void **state) {
        /* BAT0: LENOVO_T430S (udevdb), as the kernel's POWER_SUPPLY_* uevent variables only: an
         * energy-reporting battery (µWh), converted to mAh with the design voltage. */
        static const char *const props[] = {
                "POWER_SUPPLY_CAPACITY", "99", "POWER_SUPPLY_CYCLE_COUNT", "0",
                "POWER_SUPPLY_ENERGY_FULL", "42990000", "POWER_SUPPLY_ENERGY_FULL_DESIGN", "44000000",
                "POWER_SUPPLY_ENERGY_NOW", "42950000", "POWER_SUPPLY_MANUFACTURER", "SANYO",
                "POWER_SUPPLY_MODEL_NAME", "45N1037", "POWER_SUPPLY_NAME", "BAT0",
                "POWER_SUPPLY_POWER_NOW", "0",
                "POWER_SUPPLY_PRESENT", "1", "POWER_SUPPLY_SERIAL_NUMBER", " 1586",
                "POWER_SUPPLY_STATUS", "Unknown",
                "POWER_SUPPLY_TECHNOLOGY", "Li-ion", "POWER_SUPPLY_VOLTAGE_MIN_DESIGN", "11100000",
                "POWER_SUPPLY_VOLTAGE_NOW", "12515000", "SUBSYSTEM", "power_supply", NULL,
        };
        /* Invented: the 2012 dump has no POWER_SUPPLY_TYPE. */
        static const char *const attrs[] = { "type", "Battery", NULL };
        TableDevice bat = {
                .record = { .syspath = "/sys/devices/LNXSYSTM:00/LNXSYBUS:00/PNP0A08:00/device:08"
                            "/PNP0C09:00/PNP0C0A:00/power_supply/BAT0",
                            .subsystem = "power_supply" },
                .attrs = attrs,
                .props = props,
        };
        _cleanup_(nub_done) NubDescription n = {};

        describe(table_device(&bat, NULL), &n);
        check_nub(&n, "IOPMPowerSource", "BAT0", NULL);
        check_unsigned(&n, "CurrentCapacity", 3869, 32); /* 42950000 µWh / 11.1 V */
        check_unsigned(&n, "MaxCapacity", 3872, 32);
        check_unsigned(&n, "DesignCapacity", 3963, 32);
        check_unsigned(&n, "Voltage", 12515, 32);
        check_signed(&n, "Amperage", 0, 32);
        check_unsigned(&n, "CycleCount", 0, 32);
        check_bool(&n, "BatteryInstalled", true);
        check_string(&n, "Manufacturer", "SANYO");
        check_string(&n, "DeviceName", "45N1037");
        check_string(&n, "Serial", "1586");
        check_absent(&n, "IsCharging"); /* status Unknown */
        check_absent(&n, "ExternalConnected");
        check_absent(&n, "Temperature");
}

static void test_power_source_discharging(void **state) {
        /* A charge-reporting battery, as sysfs attributes (invented, typical of an ACPI battery). */
        static const char *const attrs[] = {
                "type", "Battery", "status", "Discharging", "present", "1", "charge_now", "3012000",
                "charge_full", "4210000", "charge_full_design", "4400000", "current_now", "1270000",
                "voltage_now", "11893000", "cycle_count", "212", "temp", "312", "time_to_empty_now", "8460",
                "manufacturer", "SMP", "model_name", "5B10W13975", "serial_number", "1234", NULL,
        };
        static const char *const charging_attrs[] = {
                "type", "Battery", "status", "Charging", "present", "1", "capacity", "57", "current_now",
                "-900000",
                NULL,
        };
        static const char *const ac_attrs[] = { "type", "Mains", "online", "1", NULL };
        /* AC: HP_ELITEBOOK_835_13_INCH_G10 (udevdb), as uevent variables. */
        static const char *const usb_props[] = {
                "POWER_SUPPLY_NAME", "ucsi-source-psy-USBC000:001", "POWER_SUPPLY_TYPE", "USB",
                "POWER_SUPPLY_ONLINE", "0", NULL,
        };
        TableDevice bat = {
                .record = { .syspath = "/sys/devices/platform/PNP0C0A:00/power_supply/BAT1",
                            .subsystem = "power_supply" },
                .attrs = charging_attrs,
        };
        TableDevice dis = {
                .record = { .syspath = "/sys/devices/platform/PNP0C0A:00/power_supply/BAT0",
                            .subsystem = "power_supply" },
                .attrs = attrs,
        };
        TableDevice ac = {
                .record = { .syspath = "/sys/devices/platform/ACPI0003:00/power_supply/AC",
                            .subsystem = "power_supply" },
                .attrs = ac_attrs,
        };
        TableDevice usb = {
                .record = { .syspath = "/sys/devices/platform/USBC000:00/power_supply"
                            "/ucsi-source-psy-USBC000:001",
                            .subsystem = "power_supply" },
                .props = usb_props,
        };
        _cleanup_(nub_done) NubDescription d = {}, c = {}, a = {}, u = {};

        describe(table_device(&dis, NULL), &d);
        check_unsigned(&d, "CurrentCapacity", 3012, 32);
        check_unsigned(&d, "MaxCapacity", 4210, 32);
        check_unsigned(&d, "DesignCapacity", 4400, 32);
        check_unsigned(&d, "Voltage", 11893, 32);
        check_signed(&d, "Amperage", -1270, 32); /* negative while discharging, as on a Mac */
        check_unsigned(&d, "CycleCount", 212, 32);
        check_signed(&d, "Temperature", 3120, 32); /* 31.2 °C in 0.01 °C */
        check_signed(&d, "TimeRemaining", 141, 32); /* minutes */
        check_bool(&d, "IsCharging", false);
        check_bool(&d, "FullyCharged", false);
        check_bool(&d, "ExternalConnected", false);
        check_string(&d, "DeviceName", "5B10W13975");

        describe(table_device(&bat, NULL), &c);
        check_unsigned(&c, "CurrentCapacity", 57, 32); /* a percentage when only `capacity` is known */
        check_unsigned(&c, "MaxCapacity", 100, 32);
        check_absent(&c, "DesignCapacity");
        check_signed(&c, "Amperage", 900, 32);
        check_bool(&c, "IsCharging", true);
        check_bool(&c, "ExternalConnected", true);

        describe(table_device(&ac, NULL), &a);
        check_nub(&a, "IOPMPowerSource", "AC", NULL);
        check_bool(&a, "ExternalConnected", true);
        check_absent(&a, "BatteryInstalled");
        assert_int_equal(value_dict_size(a.properties), 2); /* and the Linux dictionary */

        describe(table_device(&usb, NULL), &u);
        check_bool(&u, "ExternalConnected", false);
}

static void test_power_source_malformed(void **state) {
        static const char *const attrs[] = {
                "type", "Battery", "status", "Discharging", "charge_now", "lots", "voltage_now", "-5",
                "current_now", "x", "cycle_count", "99999999999", "temp", "", "present", "yes", NULL,
        };
        TableDevice bat = {
                .record = { .syspath = "/sys/devices/platform/test/power_supply/BAT9",
                            .subsystem = "power_supply" },
                .attrs = attrs,
        };
        _cleanup_(nub_done) NubDescription n = {};

        describe(table_device(&bat, NULL), &n);
        check_nub(&n, "IOPMPowerSource", "BAT9", NULL);
        check_absent(&n, "CurrentCapacity");
        check_absent(&n, "Voltage");
        check_absent(&n, "Amperage");
        check_absent(&n, "CycleCount"); /* above 32 bits */
        check_absent(&n, "Temperature");
        check_absent(&n, "BatteryInstalled");
        check_bool(&n, "ExternalConnected", false);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_power_source_battery),
                cmocka_unit_test(test_power_source_discharging),
                cmocka_unit_test(test_power_source_malformed),
        };

        return cmocka_run_group_tests_name("families-power", tests, NULL, NULL);
}
