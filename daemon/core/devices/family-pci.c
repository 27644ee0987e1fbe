/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * family-pci.c: PCI functions (subsystem "pci") → IOPCIDevice, shaped like
 * the IOPCIDevice nubs of a Mac (testdata/ioreg): the configuration-space
 * identifiers are data, four bytes little-endian ("vendor-id" = <86800000>),
 * "name" and "compatible" are data holding NUL-terminated strings, IOName is
 * the name as a string. Names and compatible strings use unpadded lowercase
 * hex ("pci8086,2f9"); the location is the device number, then ",function"
 * when the function is not 0, in uppercase hex ("XHC@14", "HDEF@1F,3").
 * Subsystem IDs of 0 (bridges) are left out, as IOPCIFamily does.
 */

#include <stdio.h>
#include <string.h>

#include "family-util.h"

/* The PCI class of bridges that IOPCIFamily names "pci-bridge". */
#define PCI_CLASS_BRIDGE_PCI 0x0604

_hot_ static bool pci_handles(const DeviceRecord *d) {
        return streq_ptr(d->subsystem, "pci");
}

_hot_ static Value *data32_le(uint32_t v) {
        const uint8_t b[4] = { v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, (v >> 24) & 0xff };

        return value_new_data(b, sizeof(b));
}

/* "0000:00:1f.3" → bus 0, device 0x1f, function 3. */
static int parse_slot(const char *sysname, unsigned *ret_bus, unsigned *ret_dev, unsigned *ret_fn) {
        unsigned domain, bus, dev, fn;
        int n = 0;

        if (sscanf(sysname, "%x:%x:%x.%x%n", &domain, &bus, &dev, &fn, &n) != 4 || sysname[n] != '\0')
                return -EINVAL;
        if (bus > 0xff || dev > 0x1f || fn > 7)
                return -EINVAL;
        *ret_bus = bus;
        *ret_dev = dev;
        *ret_fn = fn;
        return 0;
}

/* The revision: the `revision` attribute (Linux ≥ 4.x), else byte 8 of the config space. */
static int pci_revision(const DeviceRecord *d, uint64_t *ret) {
        uint8_t config[9];
        ssize_t n;

        if (family_attr_unsigned(d, "revision", 16, 0xff, ret) >= 0)
                return 0;
        n = device_record_read_attr_binary(d, "config", config, sizeof(config));
        if (n < (ssize_t) sizeof(config))
                return -ENOENT;
        *ret = config[8];
        return 0;
}

_hot_ static int set_data32(Value *props, const char *key, const DeviceRecord *d, const char *attr, uint64_t max,
                            uint64_t *ret) {
        if (family_attr_unsigned(d, attr, 16, max, ret) < 0)
                return 0; /* absent or malformed: no property */
        return value_dict_set_take(props, key, data32_le((uint32_t) *ret)) < 0 ? -ENOMEM : 1;
}

/* Apple's "compatible": the subsystem pair (when set), the device pair, the class, each with its NUL. */
_hot_ static Value *compatible_data(uint64_t vendor, uint64_t device, bool has_subsys, uint64_t sub_vendor,
                                    uint64_t sub_device, bool has_class, uint64_t class) {
        char buf[3 * 24];
        size_t n = 0;

        /* Each snprintf() fits: at most 17 characters ("pciclass,ffffff", "pciffff,ffff") in 24. */
        if (has_subsys)
                n += snprintf(buf + n, sizeof(buf) - n, "pci%x,%x", (unsigned) sub_vendor,
                              (unsigned) sub_device) + 1;
        n += snprintf(buf + n, sizeof(buf) - n, "pci%x,%x", (unsigned) vendor, (unsigned) device) + 1;
        if (has_class)
                n += snprintf(buf + n, sizeof(buf) - n, "pciclass,%06x", (unsigned) class) + 1;
        return value_new_data(buf, n);
}

_hot_ static int pci_describe(const DeviceRecord *d, NubDescription *nub) {
        uint64_t vendor = 0, device = 0, sub_vendor = 0, sub_device = 0, class = 0, revision;
        bool has_vendor, has_device, has_sub_vendor, has_sub_device, has_class;
        unsigned bus, dev, fn;
        Value *props = nub->properties;
        char name[32], location[16], debug[32];
        int r;

        nub->class_name = "IOPCIDevice";

        r = set_data32(props, "vendor-id", d, "vendor", 0xffff, &vendor);
        if (r < 0)
                return r;
        has_vendor = r > 0;
        r = set_data32(props, "device-id", d, "device", 0xffff, &device);
        if (r < 0)
                return r;
        has_device = r > 0;

        /* Read both subsystem IDs first: a zero subsystem vendor means "none" and hides both. */
        has_sub_vendor = family_attr_unsigned(d, "subsystem_vendor", 16, 0xffff, &sub_vendor) >= 0;
        has_sub_device = family_attr_unsigned(d, "subsystem_device", 16, 0xffff, &sub_device) >= 0;
        if (has_sub_vendor && has_sub_device && sub_vendor != 0) {
                if (value_dict_set_take(props, "subsystem-vendor-id", data32_le(sub_vendor)) < 0 ||
                    value_dict_set_take(props, "subsystem-id", data32_le(sub_device)) < 0)
                        return -ENOMEM;
        } else
                has_sub_vendor = false;

        r = set_data32(props, "class-code", d, "class", 0xffffff, &class);
        if (r < 0)
                return r;
        has_class = r > 0;
        if (pci_revision(d, &revision) >= 0 &&
            value_dict_set_take(props, "revision-id", data32_le((uint32_t) revision)) < 0)
                return -ENOMEM;

        if (has_class && class >> 8 == PCI_CLASS_BRIDGE_PCI)
                snprintf(name, sizeof(name), "pci-bridge");
        else if (has_vendor && has_device)
                snprintf(name, sizeof(name), "pci%x,%x", (unsigned) vendor, (unsigned) device);
        else
                snprintf(name, sizeof(name), "%s", d->sysname);

        if (value_dict_set_take(props, "name", family_new_cstring_data(name)) < 0 ||
            value_dict_set_take(props, "IOName", value_new_string(name)) < 0)
                return -ENOMEM;
        if (has_vendor && has_device) {
                Value *compatible = compatible_data(vendor, device, has_sub_vendor, sub_vendor, sub_device,
                                                    has_class, class);

                r = value_dict_set_take(props, "compatible", compatible);
                if (r < 0)
                        return r;
        }

        nub->name = strdup(name);
        if (!nub->name)
                return -ENOMEM;

        if (parse_slot(d->sysname, &bus, &dev, &fn) >= 0) {
                /* IOPCIFamily's location and its "pcidebug" bus:device:function (decimal). */
                if (fn)
                        snprintf(location, sizeof(location), "%X,%X", dev, fn);
                else
                        snprintf(location, sizeof(location), "%X", dev);
                nub->location = strdup(location);
                if (!nub->location)
                        return -ENOMEM;
                snprintf(debug, sizeof(debug), "%u:%u:%u", bus, dev, fn);
                if (value_dict_set_take(props, "pcidebug", value_new_string(debug)) < 0)
                        return -ENOMEM;
        }
        return 0;
}

const Family family_pci = {
        .name = "pci",
        .subsystems = { "pci" },
        .handles = pci_handles,
        .describe = pci_describe,
};
