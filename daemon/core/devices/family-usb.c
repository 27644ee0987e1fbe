/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * family-usb.c: USB devices (subsystem "usb", devtype "usb_device") →
 * IOUSBHostDevice, USB interfaces ("usb_interface") → IOUSBHostInterface.
 *
 * Property names and widths are IOUSBFamily's (setProperty(key, value,
 * sizeof(field) * 8)): idVendor, idProduct, bcdDevice and bcdUSB 16 bits,
 * the descriptor bytes 8 bits, "USB Address" 16, locationID 32. sysfs
 * prints most of them in hex (idVendor "05f3", bDeviceClass "09",
 * bInterfaceNumber "00") and a few in decimal (bMaxPacketSize0,
 * bNumConfigurations, bConfigurationValue, devnum, bAlternateSetting).
 *
 * A device is named after its product string, else "IOUSBHostDevice" (what
 * a Mac shows for a device without one); its location is the locationID in
 * lowercase hex. An interface is named after its interface string, else
 * "IOUSBHostInterface"; its location is bInterfaceNumber in hex.
 *
 * sessionID, unique per attachment on a Mac (a time stamp there; libusb's
 * macOS backend keys devices on it), is the device's sysfs node ID here:
 * kernfs gives each new directory a new one, so a device plugged in again is
 * a new session, while a resync or a daemon restart reads the same.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "family-util.h"

_hot_ static bool usb_device_handles(const DeviceRecord *d) {
        return streq_ptr(d->subsystem, "usb") && streq_ptr(d->devtype, "usb_device");
}

_hot_ static bool usb_interface_handles(const DeviceRecord *d) {
        return streq_ptr(d->subsystem, "usb") && streq_ptr(d->devtype, "usb_interface");
}

/* Apple's kUSBDeviceSpeed* from the kernel's `speed` attribute (Mbit/s). */
static int usb_speed(const char *speed, uint64_t *ret) {
        static const struct {
                const char *mbps;
                unsigned apple;
        } table[] = {
                { "1.5", 0 },  /* kUSBDeviceSpeedLow */
                { "12", 1 },   /* kUSBDeviceSpeedFull */
                { "480", 2 },  /* kUSBDeviceSpeedHigh */
                { "5000", 3 }, /* kUSBDeviceSpeedSuper */
                { "10000", 4 }, /* kUSBDeviceSpeedSuperPlus */
                { "20000", 5 }, /* kUSBDeviceSpeedSuperPlusBy2 */
        };

        if (!speed)
                return -ENOENT;
        for (size_t i = 0; i < ELEMENTSOF(table); i++)
                if (streq(speed, table[i].mbps)) {
                        *ret = table[i].apple;
                        return 0;
                }
        return -EINVAL;
}

/* tIOUSBHostConnectionSpeed (the modern family's USBSpeed) from kUSBDeviceSpeed*: full and low swap places. */
static uint64_t usb_host_connection_speed(uint64_t device_speed) {
        static const uint8_t table[] = { 2 /* low */, 1 /* full */, 3, 4, 5, 6 };

        return device_speed < ELEMENTSOF(table) ? table[device_speed] : 0;
}

/* PortNum: the port on the parent hub, the last number of the sysname ("1-1.4" → 4, "1-2" → 2). */
static int usb_port_number(const char *sysname, uint64_t *ret) {
        const char *last;
        char *end;
        unsigned long port;

        if (!sysname || !strchr(sysname, '-'))
                return -ENOENT; /* a root hub ("usb1") sits on no port */
        last = strrchr(sysname, '.');
        if (!last)
                last = strrchr(sysname, '-');
        errno = 0;
        port = strtoul(last + 1, &end, 10);
        if (errno != 0 || end == last + 1 || *end != '\0' || port == 0 || port > 255)
                return -EINVAL;
        *ret = port;
        return 0;
}

/* bcdUSB from the `version` attribute (" 2.00", "1.10", "3.20"): major.minor as BCD, 0x0200. */
static int usb_bcd_version(const char *version, uint64_t *ret) {
        unsigned major_tens = 0, major_ones, minor_tens, minor_ones;
        const char *s = version;

        if (!s)
                return -ENOENT;
        while (*s == ' ')
                s++;
        if (s[0] >= '0' && s[0] <= '9' && s[1] >= '0' && s[1] <= '9') {
                major_tens = s[0] - '0';
                s++;
        }
        if (!(s[0] >= '0' && s[0] <= '9') || s[1] != '.' || !(s[2] >= '0' && s[2] <= '9') ||
            !(s[3] >= '0' && s[3] <= '9') || s[4] != '\0')
                return -EINVAL;
        major_ones = s[0] - '0';
        minor_tens = s[2] - '0';
        minor_ones = s[3] - '0';
        *ret = major_tens << 12 | major_ones << 8 | minor_tens << 4 | minor_ones;
        return 0;
}

typedef struct NumberAttr {
        const char *key;  /* Apple's */
        const char *attr; /* sysfs */
        int base;
        unsigned bits;
} NumberAttr;

/* Sets every attribute that parses; the rest are left out. -ENOMEM only. */
_hot_ static int set_numbers(Value *props, const DeviceRecord *d, const NumberAttr *table, size_t n) {
        for (size_t i = 0; i < n; i++) {
                uint64_t max = UINT64_MAX >> (64 - table[i].bits), v;

                if (family_attr_unsigned(d, table[i].attr, table[i].base, max, &v) < 0)
                        continue;
                if (value_dict_set_take(props, table[i].key, value_new_unsigned(v, table[i].bits)) < 0)
                        return -ENOMEM;
        }
        return 0;
}

_hot_ static int set_string_attr(Value *props, const char *key, const DeviceRecord *d, const char *attr) {
        const char *s = device_record_attr(d, attr);

        if (!s || !*s)
                return 0;
        return value_dict_set_take(props, key, value_new_string(s));
}

static const NumberAttr device_numbers[] = {
        { "idVendor", "idVendor", 16, 16 },
        { "idProduct", "idProduct", 16, 16 },
        { "bcdDevice", "bcdDevice", 16, 16 },
        { "bDeviceClass", "bDeviceClass", 16, 8 },
        { "bDeviceSubClass", "bDeviceSubClass", 16, 8 },
        { "bDeviceProtocol", "bDeviceProtocol", 16, 8 },
        { "bMaxPacketSize0", "bMaxPacketSize0", 10, 8 },
        { "bNumConfigurations", "bNumConfigurations", 10, 8 },
        { "kUSBCurrentConfiguration", "bConfigurationValue", 10, 8 },
        { "USB Address", "devnum", 10, 16 },
};

/* iManufacturer, iProduct, iSerialNumber: bytes 14-16 of the device descriptor, when readable. */
_hot_ static int set_string_indexes(Value *props, const DeviceRecord *d) {
        static const char *const keys[] = { "iManufacturer", "iProduct", "iSerialNumber" };
        uint8_t desc[18];
        ssize_t n;

        n = device_record_read_attr_binary(d, "descriptors", desc, sizeof(desc));
        if (n < (ssize_t) sizeof(desc) || desc[0] < sizeof(desc) || desc[1] != 0x01 /* DEVICE */)
                return 0;
        for (size_t i = 0; i < ELEMENTSOF(keys); i++)
                if (value_dict_set_take(props, keys[i], value_new_unsigned(desc[14 + i], 8)) < 0)
                        return -ENOMEM;
        return 0;
}

_hot_ static int usb_device_describe(const DeviceRecord *d, NubDescription *nub) {
        Value *props = nub->properties;
        const char *product, *removable;
        uint32_t location_id;
        uint64_t v;
        int r;

        nub->class_name = "IOUSBHostDevice";

        r = set_numbers(props, d, device_numbers, ELEMENTSOF(device_numbers));
        if (r < 0)
                return r;
        if (usb_bcd_version(device_record_attr(d, "version"), &v) >= 0 &&
            value_dict_set_take(props, "bcdUSB", value_new_unsigned(v, 16)) < 0)
                return -ENOMEM;
        r = set_string_indexes(props, d);
        if (r < 0)
                return r;
        /* The legacy family's names, and the modern family's kUSB*String copies of them. */
        if (set_string_attr(props, "USB Vendor Name", d, "manufacturer") < 0 ||
            set_string_attr(props, "USB Product Name", d, "product") < 0 ||
            set_string_attr(props, "USB Serial Number", d, "serial") < 0 ||
            set_string_attr(props, "kUSBVendorString", d, "manufacturer") < 0 ||
            set_string_attr(props, "kUSBProductString", d, "product") < 0 ||
            set_string_attr(props, "kUSBSerialNumberString", d, "serial") < 0)
                return -ENOMEM;
        if (family_attr_unsigned(d, "devnum", 10, UINT16_MAX, &v) >= 0 &&
            value_dict_set_take(props, "kUSBAddress", value_new_unsigned(v, 16)) < 0)
                return -ENOMEM;
        if (usb_speed(device_record_attr(d, "speed"), &v) >= 0 &&
            (value_dict_set_take(props, "Device Speed", value_new_unsigned(v, 8)) < 0 ||
             value_dict_set_take(props, "USBSpeed", value_new_unsigned(usb_host_connection_speed(v), 32)) < 0))
                return -ENOMEM;
        if (usb_port_number(d->sysname, &v) >= 0 &&
            value_dict_set_take(props, "PortNum", value_new_unsigned(v, 32)) < 0)
                return -ENOMEM;
        v = device_record_node_id(d);
        if (v != 0 && value_dict_set_take(props, "sessionID", value_new_unsigned(v, 64)) < 0)
                return -ENOMEM;
        /* The kernel's view of the port: "fixed" is a built-in device (kIOUSBHostPortTypeInternal, 2). */
        removable = device_record_attr(d, "removable");
        if (streq_ptr(removable, "fixed") || streq_ptr(removable, "removable")) {
                bool fixed = streq(removable, "fixed");

                if (value_dict_set_take(props, "Built-In", value_new_boolean(fixed)) < 0 ||
                    value_dict_set_take(props, "non-removable", value_new_string(fixed ? "yes" : "no")) < 0 ||
                    value_dict_set_take(props, "USBPortType", value_new_unsigned(fixed ? 2 : 0, 32)) < 0)
                        return -ENOMEM;
        }

        if (family_usb_location_id(d->sysname, &location_id) >= 0) {
                char location[16];

                if (value_dict_set_take(props, "locationID", value_new_unsigned(location_id, 32)) < 0)
                        return -ENOMEM;
                snprintf(location, sizeof(location), "%x", location_id);
                nub->location = strdup(location);
                if (!nub->location)
                        return -ENOMEM;
        }

        product = device_record_attr(d, "product");
        nub->name = strdup(product && *product ? product : "IOUSBHostDevice");
        return nub->name ? 0 : -ENOMEM;
}

static const NumberAttr interface_numbers[] = {
        { "bInterfaceNumber", "bInterfaceNumber", 16, 8 },
        { "bAlternateSetting", "bAlternateSetting", 10, 8 },
        { "bInterfaceClass", "bInterfaceClass", 16, 8 },
        { "bInterfaceSubClass", "bInterfaceSubClass", 16, 8 },
        { "bInterfaceProtocol", "bInterfaceProtocol", 16, 8 },
        { "bNumEndpoints", "bNumEndpoints", 16, 8 },
};

/* What an interface repeats from its device (IOUSBInterface::SetProperties). */
static const NumberAttr interface_device_numbers[] = {
        { "bConfigurationValue", "bConfigurationValue", 10, 8 },
        { "idVendor", "idVendor", 16, 16 },
        { "idProduct", "idProduct", 16, 16 },
        { "bcdDevice", "bcdDevice", 16, 16 },
};

_hot_ static int usb_interface_describe(const DeviceRecord *d, NubDescription *nub) {
        const DeviceRecord *device = family_usb_device_of(device_record_parent(d));
        Value *props = nub->properties;
        const char *interface;
        uint32_t location_id;
        uint64_t number;
        int r;

        nub->class_name = "IOUSBHostInterface";

        r = set_numbers(props, d, interface_numbers, ELEMENTSOF(interface_numbers));
        if (r < 0)
                return r;
        if (device) {
                r = set_numbers(props, device, interface_device_numbers,
                                ELEMENTSOF(interface_device_numbers));
                if (r < 0)
                        return r;
                if (family_usb_location_id(device->sysname, &location_id) >= 0 &&
                    value_dict_set_take(props, "locationID", value_new_unsigned(location_id, 32)) < 0)
                        return -ENOMEM;
        }
        interface = device_record_attr(d, "interface");
        if (interface && *interface &&
            value_dict_set_take(props, "USB Interface Name", value_new_string(interface)) < 0)
                return -ENOMEM;

        if (family_attr_unsigned(d, "bInterfaceNumber", 16, 0xff, &number) >= 0) {
                char location[8];

                snprintf(location, sizeof(location), "%x", (unsigned) number);
                nub->location = strdup(location);
                if (!nub->location)
                        return -ENOMEM;
        }
        nub->name = strdup(interface && *interface ? interface : "IOUSBHostInterface");
        return nub->name ? 0 : -ENOMEM;
}

const Family family_usb_device = {
        .name = "usb-device",
        .subsystems = { "usb" },
        .handles = usb_device_handles,
        .describe = usb_device_describe,
};

const Family family_usb_interface = {
        .name = "usb-interface",
        .subsystems = { "usb" },
        .handles = usb_interface_handles,
        .describe = usb_interface_describe,
};
