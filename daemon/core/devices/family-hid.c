/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * family-hid.c: human interface devices → IOHIDDevice, with IOHIDFamily's
 * keys (32-bit numbers): VendorID, ProductID, VersionNumber, Transport,
 * Product, Manufacturer, SerialNumber, CountryCode, LocationID,
 * PrimaryUsagePage, PrimaryUsage, DeviceUsagePairs and ReportDescriptor.
 *
 * Which node is the nub:
 *  - a HID device (subsystem "hid", "0003:046D:C077.0001") is the
 *    IOHIDDevice: it is what a Mac's IOHIDDevice is, a report descriptor
 *    and the device behind it. Its input, hidraw and hiddev children stay
 *    generic (IOLinuxDevice) below it, as a Mac's event services and user
 *    clients sit below its IOHIDDevice;
 *  - an input device ("input12", no device node) that has no HID device
 *    above it (PS/2 keyboards and touchpads on serio, ACPI buttons, USB
 *    keyboards bound to usbkbd, gpio-keys, ...) is an IOHIDDevice too, so
 *    that every keyboard and pointer can be matched by usage. Its eventN,
 *    mouseN and jsN nodes stay generic.
 *
 * Sources: the bus, vendor and product of a HID device come from its name
 * (or HID_ID), of an input device from id/bustype, id/vendor, id/product
 * and id/version (or its modalias). Transport from the bus: USB, Bluetooth,
 * I2C, SPI, PS2 (i8042), Serial (RS-232), ADB, Virtual; other buses have
 * none. Behind USB, Product, Manufacturer, SerialNumber and VersionNumber
 * (bcdDevice) are the USB device's, and LocationID its locationID;
 * otherwise Product is HID_NAME (or the input `name`) and SerialNumber the
 * unique ID when there is one. PrimaryUsagePage and PrimaryUsage are the
 * usage of the first top-level collection of the report descriptor, and
 * DeviceUsagePairs lists every top-level collection, as IOHIDFamily
 * derives them. An input device has no descriptor: its usage follows udev's
 * ID_INPUT_* classification, else the kernel's capability bitmaps:
 * keyboard 1/6, mouse 1/2, joystick 1/4, gamepad 1/5, touch pad 0x0D/5,
 * touch screen 0x0D/4, pen tablet 0x0D/2.
 *
 * The entry is named after its Product, else "IOHIDDevice", with no location.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "family-util.h"

#define HID_MAX_DESCRIPTOR_SIZE 4096

/* linux/input.h bus types */
#define BUS_USB 0x03
#define BUS_BLUETOOTH 0x05
#define BUS_VIRTUAL 0x06
#define BUS_I8042 0x11
#define BUS_RS232 0x13
#define BUS_ADB 0x17
#define BUS_I2C 0x18
#define BUS_SPI 0x1C

/* HID usage pages and usages */
#define PAGE_GENERIC_DESKTOP 0x01
#define PAGE_DIGITIZER 0x0D
#define USAGE_MOUSE 0x02
#define USAGE_JOYSTICK 0x04
#define USAGE_GAMEPAD 0x05
#define USAGE_KEYBOARD 0x06
#define USAGE_PEN 0x02
#define USAGE_TOUCH_SCREEN 0x04
#define USAGE_TOUCH_PAD 0x05

/* linux/input-event-codes.h, the few the classification needs */
#define EV_KEY 0x01
#define EV_REL 0x02
#define EV_ABS 0x03
#define REL_X 0x00
#define REL_Y 0x01
#define ABS_X 0x00
#define ABS_Y 0x01
#define BTN_LEFT 0x110
#define BTN_JOYSTICK 0x120
#define BTN_GAMEPAD 0x130
#define BTN_TOOL_PEN 0x140
#define BTN_TOOL_FINGER 0x145
#define BTN_STYLUS 0x14b
#define INPUT_PROP_DIRECT 0x01

typedef struct HidIds {
        bool has_bus, has_vendor, has_product, has_version;
        uint64_t bus, vendor, product, version;
} HidIds;

typedef struct UsagePair {
        uint32_t page, usage;
} UsagePair;

_hot_ static bool is_input_device_node(const DeviceRecord *d) {
        return streq_ptr(d->subsystem, "input") && !d->devname && strncmp(d->sysname, "input", 5) == 0;
}

_hot_ static bool hid_handles(const DeviceRecord *d) {
        if (streq_ptr(d->subsystem, "hid"))
                return true;
        return is_input_device_node(d) &&
               !device_record_find_ancestor(device_record_parent(d), "hid", NULL);
}

static const char *transport_name(uint64_t bus) {
        switch (bus) {
        case BUS_USB:
                return "USB";
        case BUS_BLUETOOTH:
                return "Bluetooth";
        case BUS_VIRTUAL:
                return "Virtual";
        case BUS_I8042:
                return "PS2";
        case BUS_RS232:
                return "Serial";
        case BUS_ADB:
                return "ADB";
        case BUS_I2C:
                return "I2C";
        case BUS_SPI:
                return "SPI";
        default:
                return NULL;
        }
}

/* Reads a whole report descriptor item's data (little-endian, 0-4 bytes). */
static uint32_t item_data(const uint8_t *p, unsigned size) {
        uint32_t v = 0;

        for (unsigned i = 0; i < size; i++)
                v |= (uint32_t) p[i] << (8 * i);
        return v;
}

static bool pairs_contain(const UsagePair *pairs, size_t n, UsagePair pair) {
        for (size_t i = 0; i < n; i++)
                if (pairs[i].page == pair.page && pairs[i].usage == pair.usage)
                        return true;
        return false;
}

/*
 * Walks a report descriptor for its top-level collections: the usage (page
 * and usage) in force when each opens. Returns how many pairs it stored in
 * pairs (at most max), distinct and in order. Stops quietly at a truncated
 * item: what was read before stays valid.
 */
static size_t descriptor_top_level_usages(const uint8_t *desc, size_t len, UsagePair *pairs, size_t max) {
        uint32_t page_stack[8] = {}, page = 0;
        unsigned page_sp = 0, depth = 0;
        bool has_usage = false, usage_extended = false;
        uint32_t usage = 0;
        size_t n_pairs = 0;

        for (size_t i = 0; i < len;) {
                uint8_t prefix = desc[i];
                unsigned size, type, tag;
                uint32_t data;

                if (prefix == 0xFE) {
                        /* A long item: bDataSize, bLongItemTag, data. */
                        if (i + 2 >= len)
                                break;
                        i += 3 + desc[i + 1];
                        continue;
                }
                size = (prefix & 3) == 3 ? 4 : prefix & 3;
                type = (prefix >> 2) & 3;
                tag = prefix >> 4;
                if (i + 1 + size > len)
                        break;
                data = item_data(desc + i + 1, size);
                i += 1 + size;

                if (type == 1) { /* global */
                        if (tag == 0x0)
                                page = data;
                        else if (tag == 0xA && page_sp < ELEMENTSOF(page_stack))
                                page_stack[page_sp++] = page;
                        else if (tag == 0xB && page_sp > 0)
                                page = page_stack[--page_sp];
                } else if (type == 2) { /* local */
                        if (tag == 0x0 && !has_usage) {
                                /* A 4-byte usage carries its page; a shorter one takes the page in force
                                 * when the main item comes. */
                                usage = data;
                                usage_extended = size == 4;
                                has_usage = true;
                        }
                } else if (type == 0) { /* main */
                        if (tag == 0xA) { /* Collection */
                                if (depth == 0 && has_usage) {
                                        UsagePair pair = {
                                                .page = usage_extended ? usage >> 16 : page,
                                                .usage = usage & 0xffff,
                                        };

                                        if (!pairs_contain(pairs, n_pairs, pair) && n_pairs < max)
                                                pairs[n_pairs++] = pair;
                                }
                                depth++;
                        } else if (tag == 0xC && depth > 0) /* End Collection */
                                depth--;
                        has_usage = false; /* every main item ends the local state */
                }
        }
        return n_pairs;
}

static Value *usage_pair_new(UsagePair pair) {
        _cleanup_value_ Value *d = value_new_dictionary();

        if (!d || value_dict_set_take(d, "DeviceUsagePage", value_new_unsigned(pair.page, 32)) < 0 ||
            value_dict_set_take(d, "DeviceUsage", value_new_unsigned(pair.usage, 32)) < 0)
                return NULL;
        return TAKE_PTR(d);
}

static int set_usage_pairs(Value *props, const UsagePair *pairs, size_t n) {
        _cleanup_value_ Value *array = NULL;

        if (n == 0)
                return 0;
        if (value_dict_set_take(props, "PrimaryUsagePage", value_new_unsigned(pairs[0].page, 32)) < 0 ||
            value_dict_set_take(props, "PrimaryUsage", value_new_unsigned(pairs[0].usage, 32)) < 0)
                return -ENOMEM;
        array = value_new_array();
        if (!array)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++)
                if (value_array_append_take(array, usage_pair_new(pairs[i])) < 0)
                        return -ENOMEM;
        return value_dict_set(props, "DeviceUsagePairs", array);
}

static int set_number(Value *props, const char *key, bool has, uint64_t v) {
        if (!has)
                return 0;
        return value_dict_set_take(props, key, value_new_unsigned(v, 32));
}

static int set_string(Value *props, const char *key, const char *s) {
        if (!s || !*s)
                return 0;
        return value_dict_set_take(props, key, value_new_string(s));
}

/* The properties every IOHIDDevice gets from its ids and, behind USB, from the USB device. */
static int set_common(const DeviceRecord *d, NubDescription *nub, const HidIds *ids, const char *product,
                      const char *serial) {
        const DeviceRecord *usb = NULL;
        Value *props = nub->properties;
        const char *transport = ids->has_bus ? transport_name(ids->bus) : NULL;
        uint64_t version = ids->version;
        bool has_version = ids->has_version;
        uint32_t location_id;
        int r;

        if (ids->has_bus && ids->bus == BUS_USB)
                usb = family_usb_device_of(device_record_parent(d));
        if (usb) {
                const char *s;

                s = device_record_attr(usb, "product");
                if (s && *s)
                        product = s;
                s = device_record_attr(usb, "serial");
                if (s && *s)
                        serial = s;
                /* IOHIDFamily's VersionNumber of a USB device is its bcdDevice. */
                if (family_attr_unsigned(usb, "bcdDevice", 16, 0xffff, &version) >= 0)
                        has_version = true;
                else
                        version = ids->version;
        }

        r = set_number(props, "VendorID", ids->has_vendor, ids->vendor);
        if (r >= 0)
                r = set_number(props, "ProductID", ids->has_product, ids->product);
        if (r >= 0)
                r = set_number(props, "VersionNumber", has_version, version);
        if (r >= 0)
                r = set_string(props, "Transport", transport);
        if (r >= 0)
                r = set_string(props, "Product", product);
        if (r >= 0 && usb)
                r = set_string(props, "Manufacturer", device_record_attr(usb, "manufacturer"));
        if (r >= 0)
                r = set_string(props, "SerialNumber", serial);
        if (r >= 0 && usb && family_usb_location_id(usb->sysname, &location_id) >= 0)
                r = set_number(props, "LocationID", true, location_id);
        if (r < 0)
                return r;

        nub->name = strdup(product && *product ? product : "IOHIDDevice");
        return nub->name ? 0 : -ENOMEM;
}

/* "0003:1050:0120.000A", else HID_ID "0003:00001050:00000120". */
static void hid_device_ids(const DeviceRecord *d, HidIds *ids) {
        unsigned bus, vendor, product, seq;
        char buf[64];
        const char *hid_id;
        int n = 0;

        if (sscanf(d->sysname, "%x:%x:%x.%x%n", &bus, &vendor, &product, &seq, &n) == 4 &&
            d->sysname[n] == '\0')
                goto found;
        hid_id = family_uevent_value(d, "HID_ID", buf, sizeof(buf));
        n = 0;
        if (hid_id && sscanf(hid_id, "%x:%x:%x%n", &bus, &vendor, &product, &n) == 3 && hid_id[n] == '\0')
                goto found;
        return;
found:
        *ids = (HidIds) {
                .has_bus = true, .bus = bus,
                .has_vendor = true, .vendor = vendor,
                .has_product = true, .product = product,
        };
}

static int hid_device_describe(const DeviceRecord *d, NubDescription *nub) {
        _cleanup_free_ uint8_t *desc = NULL;
        Value *props = nub->properties;
        char name_buf[256], uniq_buf[256];
        const char *name, *uniq;
        UsagePair pairs[16];
        HidIds ids = {};
        uint64_t country;
        ssize_t len;
        int r;

        nub->class_name = "IOHIDDevice";
        hid_device_ids(d, &ids);
        name = family_uevent_value(d, "HID_NAME", name_buf, sizeof(name_buf));
        uniq = family_uevent_value(d, "HID_UNIQ", uniq_buf, sizeof(uniq_buf));

        desc = malloc(HID_MAX_DESCRIPTOR_SIZE);
        if (!desc)
                return -ENOMEM;
        len = device_record_read_attr_binary(d, "report_descriptor", desc, HID_MAX_DESCRIPTOR_SIZE);
        if (len > 0) {
                if (value_dict_set_take(props, "ReportDescriptor", value_new_data(desc, len)) < 0)
                        return -ENOMEM;
                size_t n = descriptor_top_level_usages(desc, len, pairs, ELEMENTSOF(pairs));

                r = set_usage_pairs(props, pairs, n);
                if (r < 0)
                        return r;
        }
        if (family_attr_unsigned(d, "country", 16, 0xff, &country) >= 0 &&
            set_number(props, "CountryCode", true, country) < 0)
                return -ENOMEM;
        return set_common(d, nub, &ids, name, uniq);
}

/* An input device's ids: id/bustype... (hex), else the modalias "input:b0003v05F3p0007e0100-...". */
static void input_device_ids(const DeviceRecord *d, HidIds *ids) {
        const char *modalias = d->modalias ?: device_record_attr(d, "modalias");
        unsigned bus, vendor, product, version;
        char buf[64];
        const char *p;

        ids->has_bus = family_attr_unsigned(d, "id/bustype", 16, 0xffff, &ids->bus) >= 0;
        ids->has_vendor = family_attr_unsigned(d, "id/vendor", 16, 0xffff, &ids->vendor) >= 0;
        ids->has_product = family_attr_unsigned(d, "id/product", 16, 0xffff, &ids->product) >= 0;
        ids->has_version = family_attr_unsigned(d, "id/version", 16, 0xffff, &ids->version) >= 0;
        if (ids->has_bus && ids->has_vendor && ids->has_product && ids->has_version)
                return;
        if (modalias && sscanf(modalias, "input:b%4xv%4xp%4xe%4x-", &bus, &vendor, &product, &version) == 4)
                goto found;
        /* The kernel's PRODUCT=bus/vendor/product/version. */
        p = family_uevent_value(d, "PRODUCT", buf, sizeof(buf));
        if (p && sscanf(p, "%x/%x/%x/%x", &bus, &vendor, &product, &version) == 4)
                goto found;
        return;
found:
        *ids = (HidIds) {
                .has_bus = true, .bus = bus,
                .has_vendor = true, .vendor = vendor,
                .has_product = true, .product = product,
                .has_version = true, .version = version,
        };
}

/* A capability bitmap ("e520 10000 0 0": hex longs, most significant first) as longs, least first. */
typedef struct Bitmap {
        unsigned long words[32]; /* KEY_MAX + 1 = 768 bits: 12 longs, or 24 on 32-bit machines */
        size_t n;
} Bitmap;

static void bitmap_parse(const DeviceRecord *d, const char *attr, const char *key, Bitmap *ret) {
        const char *s = device_record_attr(d, attr);
        unsigned long words[ELEMENTSOF(ret->words)];
        char buf[512];
        size_t n = 0;

        *ret = (Bitmap) {};
        if (!s)
                s = family_uevent_value(d, key, buf, sizeof(buf));
        while (s && *s) {
                char *end;

                while (*s == ' ')
                        s++;
                if (!*s)
                        break;
                if (n == ELEMENTSOF(words))
                        return; /* longer than any kernel bitmap: malformed, an empty bitmap */
                errno = 0;
                words[n] = strtoul(s, &end, 16);
                if (errno || end == s)
                        return; /* malformed: an empty bitmap */
                n++;
                s = end;
        }
        for (size_t i = 0; i < n; i++)
                ret->words[i] = words[n - 1 - i];
        ret->n = n;
}

static bool bitmap_test(const Bitmap *b, unsigned bit) {
        const unsigned bits = sizeof(unsigned long) * 8;

        return bit / bits < b->n && (b->words[bit / bits] >> (bit % bits) & 1);
}

/* udev's classification when it ran, else the kernel's capabilities (udev's input_id rules, in short). */
static bool input_usage(const DeviceRecord *d, UsagePair *ret) {
        static const struct {
                const char *property;
                UsagePair usage;
        } by_udev[] = {
                { "ID_INPUT_KEYBOARD", { PAGE_GENERIC_DESKTOP, USAGE_KEYBOARD } },
                { "ID_INPUT_MOUSE", { PAGE_GENERIC_DESKTOP, USAGE_MOUSE } },
                { "ID_INPUT_TOUCHPAD", { PAGE_DIGITIZER, USAGE_TOUCH_PAD } },
                { "ID_INPUT_TOUCHSCREEN", { PAGE_DIGITIZER, USAGE_TOUCH_SCREEN } },
                { "ID_INPUT_TABLET", { PAGE_DIGITIZER, USAGE_PEN } },
                { "ID_INPUT_JOYSTICK", { PAGE_GENERIC_DESKTOP, USAGE_JOYSTICK } },
        };
        Bitmap ev, key, rel, abs, prop;
        bool keyboard = true;

        for (size_t i = 0; i < ELEMENTSOF(by_udev); i++)
                if (streq_ptr(device_record_property(d, by_udev[i].property), "1")) {
                        *ret = by_udev[i].usage;
                        return true;
                }

        bitmap_parse(d, "capabilities/ev", "EV", &ev);
        bitmap_parse(d, "capabilities/key", "KEY", &key);
        bitmap_parse(d, "capabilities/rel", "REL", &rel);
        bitmap_parse(d, "capabilities/abs", "ABS", &abs);
        bitmap_parse(d, "properties", "PROP", &prop);

        /* A keyboard has KEY_ESC through KEY_S: keycodes 1-31. */
        for (unsigned k = 1; k < 32; k++)
                keyboard = keyboard && bitmap_test(&key, k);
        if (bitmap_test(&ev, EV_KEY) && keyboard) {
                *ret = (UsagePair) { PAGE_GENERIC_DESKTOP, USAGE_KEYBOARD };
                return true;
        }
        if (bitmap_test(&ev, EV_ABS) && bitmap_test(&abs, ABS_X) && bitmap_test(&abs, ABS_Y)) {
                if (bitmap_test(&key, BTN_TOOL_PEN) || bitmap_test(&key, BTN_STYLUS))
                        *ret = (UsagePair) { PAGE_DIGITIZER, USAGE_PEN };
                else if (bitmap_test(&key, BTN_TOOL_FINGER) && bitmap_test(&prop, INPUT_PROP_DIRECT))
                        *ret = (UsagePair) { PAGE_DIGITIZER, USAGE_TOUCH_SCREEN };
                else if (bitmap_test(&key, BTN_TOOL_FINGER))
                        *ret = (UsagePair) { PAGE_DIGITIZER, USAGE_TOUCH_PAD };
                else if (bitmap_test(&key, BTN_GAMEPAD))
                        *ret = (UsagePair) { PAGE_GENERIC_DESKTOP, USAGE_GAMEPAD };
                else if (bitmap_test(&key, BTN_JOYSTICK))
                        *ret = (UsagePair) { PAGE_GENERIC_DESKTOP, USAGE_JOYSTICK };
                else
                        return false;
                return true;
        }
        if (bitmap_test(&ev, EV_REL) && bitmap_test(&rel, REL_X) && bitmap_test(&rel, REL_Y) &&
            bitmap_test(&key, BTN_LEFT)) {
                *ret = (UsagePair) { PAGE_GENERIC_DESKTOP, USAGE_MOUSE };
                return true;
        }
        return false;
}

static int input_device_describe(const DeviceRecord *d, NubDescription *nub) {
        _cleanup_free_ char *name_attr = NULL;
        const char *name, *uniq;
        char buf[256];
        UsagePair usage;
        HidIds ids = {};
        int r;

        nub->class_name = "IOHIDDevice";
        input_device_ids(d, &ids);
        name = device_record_attr(d, "name");
        if (!name) {
                /* The kernel's NAME="..." carries its quotes. */
                name = family_uevent_value(d, "NAME", buf, sizeof(buf));
                if (name) {
                        size_t n = strlen(name);

                        if (n >= 2 && name[0] == '"' && name[n - 1] == '"') {
                                name_attr = strndup(name + 1, n - 2);
                                if (!name_attr)
                                        return -ENOMEM;
                                name = name_attr;
                        }
                }
        }
        uniq = device_record_attr(d, "uniq");
        if (input_usage(d, &usage)) {
                r = set_usage_pairs(nub->properties, &usage, 1);
                if (r < 0)
                        return r;
        }
        return set_common(d, nub, &ids, name, uniq);
}

_hot_ static int hid_describe(const DeviceRecord *d, NubDescription *nub) {
        if (streq_ptr(d->subsystem, "hid"))
                return hid_device_describe(d, nub);
        return input_device_describe(d, nub);
}

const Family family_hid = {
        .name = "hid",
        .subsystems = { "hid", "input" },
        .handles = hid_handles,
        .describe = hid_describe,
};
