/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * family-power-source.c: power supplies (subsystem "power_supply") →
 * IOPMPowerSource, with the keys and widths of IOPMPowerSource.cpp (numbers
 * 32 bits, Amperage and TimeRemaining signed) and an Intel Mac's
 * AppleSmartBattery units.
 *
 * Batteries (`type` Battery):
 *  - CurrentCapacity, MaxCapacity, DesignCapacity in mAh: charge_now,
 *    charge_full, charge_full_design (µAh) / 1000; for batteries that report
 *    energy (µWh) instead, energy_* / voltage_min_design (µV). A battery that
 *    reports neither gives its `capacity` percentage as CurrentCapacity with
 *    MaxCapacity 100, as Apple-silicon Macs do.
 *  - Voltage (mV) = voltage_now / 1000; Amperage (mA, negative while
 *    discharging) = current_now / 1000, or power_now / voltage_now.
 *  - CycleCount; Temperature in 0.01 °C (`temp` is 0.1 °C);
 *    TimeRemaining in minutes from time_to_empty_now (or time_to_full_now
 *    while charging).
 *  - IsCharging (status Charging), FullyCharged (status Full),
 *    ExternalConnected (status Charging, Full or Not charging; absent when
 *    the status is Unknown), BatteryInstalled (`present`).
 *  - Manufacturer, DeviceName (model_name), Serial (serial_number).
 * Adapters and the rest (Mains, USB, Wireless, UPS...): ExternalConnected
 * from `online`.
 *
 * Every value comes from the sysfs attribute, else from the kernel's
 * POWER_SUPPLY_* uevent variable of the same name. The entry is named after
 * the supply ("BAT0", "AC"), with no location.
 */

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "family-util.h"

_hot_ static bool power_source_handles(const DeviceRecord *d) {
        return streq_ptr(d->subsystem, "power_supply");
}

/* The attribute, else POWER_SUPPLY_<ATTR>; NULL when absent. */
static const char *supply_value(const DeviceRecord *d, const char *attr, char *buf, size_t size) {
        char key[64] = "POWER_SUPPLY_";
        size_t n = strlen(key);
        const char *s;

        s = device_record_attr(d, attr);
        if (s)
                return s;
        for (const char *p = attr; *p && n < sizeof(key) - 1; p++)
                key[n++] = (char) toupper((unsigned char) *p);
        key[n] = '\0';
        return family_uevent_value(d, key, buf, size);
}

static int supply_signed(const DeviceRecord *d, const char *attr, int64_t *ret) {
        char buf[64];

        /* Bounded so that the unit conversions below (× 1000 at most) cannot overflow. */
        return family_parse_signed(supply_value(d, attr, buf, sizeof(buf)), 10, -(INT64_MAX / 1000),
                                   INT64_MAX / 1000, ret);
}

static int supply_unsigned(const DeviceRecord *d, const char *attr, uint64_t *ret) {
        char buf[64];

        return family_parse_unsigned(supply_value(d, attr, buf, sizeof(buf)), 10, UINT64_MAX / 1000, ret);
}

static int set_u32(Value *props, const char *key, uint64_t v) {
        if (v > UINT32_MAX)
                return 0; /* nonsense for a battery: leave it out */
        return value_dict_set_take(props, key, value_new_unsigned(v, 32));
}

static int set_s32(Value *props, const char *key, int64_t v) {
        if (v < INT32_MIN || v > INT32_MAX)
                return 0;
        return value_dict_set_take(props, key, value_new_signed(v, 32));
}

static int set_bool_value(Value *props, const char *key, bool b) {
        return value_dict_set_take(props, key, value_new_boolean(b));
}

static int set_string(Value *props, const char *key, const DeviceRecord *d, const char *attr) {
        _cleanup_free_ char *s = NULL;
        char buf[256];

        s = family_strip(supply_value(d, attr, buf, sizeof(buf)));
        if (!s)
                return 0;
        return value_dict_set_take(props, key, value_new_string(s));
}

/* A capacity in mAh from charge_<what> (µAh), else energy_<what> (µWh) and the design voltage. */
static int capacity_mah(const DeviceRecord *d, const char *what, uint64_t design_uv, uint64_t *ret) {
        char attr[32];
        uint64_t v;

        snprintf(attr, sizeof(attr), "charge_%s", what);
        if (supply_unsigned(d, attr, &v) >= 0) {
                *ret = v / 1000;
                return 0;
        }
        snprintf(attr, sizeof(attr), "energy_%s", what);
        if (design_uv > 0 && supply_unsigned(d, attr, &v) >= 0) {
                *ret = v * 1000 / design_uv;
                return 0;
        }
        return -ENOENT;
}

static int battery_describe(const DeviceRecord *d, Value *props) {
        static const char *const capacities[][2] = {
                { "CurrentCapacity", "now" },
                { "MaxCapacity", "full" },
                { "DesignCapacity", "full_design" },
        };
        char buf[64];
        const char *status = supply_value(d, "status", buf, sizeof(buf));
        bool charging = streq_ptr(status, "Charging"), discharging = streq_ptr(status, "Discharging");
        uint64_t design_uv = 0, v;
        int64_t voltage_uv = 0, s;
        bool has_voltage, any_capacity = false;
        int r = 0;

        (void) supply_unsigned(d, "voltage_min_design", &design_uv);
        for (size_t i = 0; i < ELEMENTSOF(capacities) && r >= 0; i++)
                if (capacity_mah(d, capacities[i][1], design_uv, &v) >= 0) {
                        any_capacity = true;
                        r = set_u32(props, capacities[i][0], v);
                }
        if (r >= 0 && !any_capacity && supply_unsigned(d, "capacity", &v) >= 0 && v <= 100) {
                r = set_u32(props, "CurrentCapacity", v);
                if (r >= 0)
                        r = set_u32(props, "MaxCapacity", 100);
        }

        has_voltage = supply_signed(d, "voltage_now", &voltage_uv) >= 0 && voltage_uv > 0;
        if (r >= 0 && has_voltage)
                r = set_u32(props, "Voltage", (uint64_t) voltage_uv / 1000);
        if (r >= 0) {
                int64_t ma;
                bool has_current = false;

                if (supply_signed(d, "current_now", &s) >= 0) {
                        ma = s / 1000;
                        has_current = true;
                } else if (has_voltage && supply_signed(d, "power_now", &s) >= 0) {
                        ma = s * 1000 / voltage_uv; /* µW / µV = A; × 1000 = mA */
                        has_current = true;
                }
                if (has_current) {
                        /* Linux drivers disagree on the sign; Apple's is negative while discharging. */
                        if (ma < 0)
                                ma = -ma;
                        r = set_s32(props, "Amperage", discharging ? -ma : ma);
                }
        }
        if (r >= 0 && supply_unsigned(d, "cycle_count", &v) >= 0)
                r = set_u32(props, "CycleCount", v);
        if (r >= 0 && supply_signed(d, "temp", &s) >= 0)
                r = set_s32(props, "Temperature", s * 10);
        if (r >= 0 && supply_unsigned(d, charging ? "time_to_full_now" : "time_to_empty_now", &v) >= 0)
                r = set_s32(props, "TimeRemaining", (int64_t) (v / 60));
        if (r < 0)
                return r;

        if (status && !streq(status, "Unknown")) {
                if (set_bool_value(props, "IsCharging", charging) < 0 ||
                    set_bool_value(props, "FullyCharged", streq(status, "Full")) < 0 ||
                    set_bool_value(props, "ExternalConnected", !discharging) < 0)
                        return -ENOMEM;
        }
        if (supply_unsigned(d, "present", &v) >= 0 && set_bool_value(props, "BatteryInstalled", v != 0) < 0)
                return -ENOMEM;

        if (set_string(props, "Manufacturer", d, "manufacturer") < 0 ||
            set_string(props, "DeviceName", d, "model_name") < 0 ||
            set_string(props, "Serial", d, "serial_number") < 0)
                return -ENOMEM;
        return 0;
}

static int power_source_describe(const DeviceRecord *d, NubDescription *nub) {
        char buf[64];
        const char *type = supply_value(d, "type", buf, sizeof(buf));
        uint64_t online;
        int r = 0;

        nub->class_name = "IOPMPowerSource";
        if (streq_ptr(type, "Battery"))
                r = battery_describe(d, nub->properties);
        else if (supply_unsigned(d, "online", &online) >= 0)
                r = set_bool_value(nub->properties, "ExternalConnected", online != 0);
        if (r < 0)
                return r;
        nub->name = strdup(d->sysname);
        return nub->name ? 0 : -ENOMEM;
}

const Family family_power_source = {
        .name = "power-source",
        .subsystems = { "power_supply" },
        .handles = power_source_handles,
        .describe = power_source_describe,
};
