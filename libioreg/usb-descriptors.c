/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * usb-descriptors.c: a USB object's raw descriptors and what is read out of
 * them. ioregd serves the device's sysfs `descriptors` file
 * (org.ioreg.USB1.CopyDescriptors): the 18-byte device descriptor, then each
 * configuration whole (wTotalLength bytes), as the kernel cached them at
 * enumeration. So the getters work before the open, as Apple's do.
 */

#include <stdlib.h>
#include <string.h>

#include "ioreg/value.h"
#include "usb-internal.h"

#define DT_DEVICE 0x01
#define DT_CONFIG 0x02
#define DT_INTERFACE 0x04
#define DT_ENDPOINT 0x05

ioreg_return_t lib_usb_fetch_descriptors(LibUsb *u) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        const void *bytes = NULL;
        size_t n = 0;
        uint64_t run = 0;
        ioreg_return_t ret;
        int r;

        {
                _cleanup_bus_unlock_ sd_bus *bus = NULL;

                ret = lib_bus_lock(&bus);
                if (ret != IOREG_RETURN_SUCCESS)
                        return ret;
                ret = lib_call(bus, &reply, &run, IOREG_OBJECT_PATH, IOREG_USB_INTERFACE, IOREG_USB_COPY_DESCRIPTORS,
                               "t", u->entry_id);
        }
        if (ret != IOREG_RETURN_SUCCESS)
                return ret;
        if (run != atomic_load(&lib_entry_cast(u->service)->run))
                return IOREG_RETURN_NO_DEVICE;
        r = sd_bus_message_read_array(reply, 'y', &bytes, &n);
        if (r < 0)
                return lib_return_from_errno(r);
        /* A device descriptor at least, or the daemon sent something else. */
        if (n < 18 || ((const uint8_t *) bytes)[1] != DT_DEVICE)
                return IOREG_RETURN_ERROR;
        free(u->descriptors);
        u->descriptors = malloc(n);
        if (!u->descriptors)
                return IOREG_RETURN_NO_MEMORY;
        memcpy(u->descriptors, bytes, n);
        u->n_descriptors = n;
        return IOREG_RETURN_SUCCESS;
}

static uint16_t config_total(const ioreg_usb_configuration_descriptor *c) {
        const uint8_t *p = (const uint8_t *) c;

        return (uint16_t) (p[2] | p[3] << 8);
}

const ioreg_usb_configuration_descriptor *lib_usb_config(const LibUsb *u, unsigned index) {
        size_t off = u->descriptors ? u->descriptors[0] : 0;

        while (u->descriptors && off + 9 <= u->n_descriptors) {
                const ioreg_usb_configuration_descriptor *c = (const void *) (u->descriptors + off);
                uint16_t total = config_total(c);

                /* A truncated or malformed configuration ends the walk. */
                if (c->bDescriptorType != DT_CONFIG || total < 9 || off + total > u->n_descriptors)
                        return NULL;
                if (index-- == 0)
                        return c;
                off += total;
        }
        return NULL;
}

const ioreg_usb_configuration_descriptor *lib_usb_config_by_value(const LibUsb *u, uint8_t value) {
        const ioreg_usb_configuration_descriptor *c;

        for (unsigned i = 0; (c = lib_usb_config(u, i)); i++)
                if (c->bConfigurationValue == value)
                        return c;
        return NULL;
}

const uint8_t *lib_usb_next_descriptor(const ioreg_usb_configuration_descriptor *config, const uint8_t *cur,
                                       uint8_t type) {
        const uint8_t *start = (const uint8_t *) config, *end = start + config_total(config);
        const uint8_t *p = cur ? cur : start;

        if (p < start || p >= end)
                return NULL;
        /* Step over cur (or the configuration descriptor), then every descriptor of another type. */
        for (;;) {
                if (p[0] < 2 || p + p[0] > end)
                        return NULL;
                p += p[0];
                if (p + 2 > end || p[0] < 2 || p + p[0] > end)
                        return NULL;
                if (type == 0 || p[1] == type)
                        return p;
        }
}

const uint8_t *lib_usb_find_interface(const ioreg_usb_configuration_descriptor *config, uint8_t number, uint8_t alt,
                                      const uint8_t **ret_end) {
        const uint8_t *p = NULL, *found = NULL;

        while ((p = lib_usb_next_descriptor(config, p, 0))) {
                if (p[1] != DT_INTERFACE || p[0] < 9)
                        continue;
                if (found) {
                        *ret_end = p; /* the next interface descriptor ends found's endpoints */
                        return found;
                }
                if (p[2] == number && p[3] == alt)
                        found = p;
        }
        if (found)
                *ret_end = (const uint8_t *) config + config_total(config);
        return found;
}

ioreg_return_t lib_usb_load_pipes(LibUsb *u) {
        const ioreg_usb_configuration_descriptor *config;
        const uint8_t *intf, *end = NULL, *p;
        uint8_t value = (uint8_t) lib_usb_property(u, "bConfigurationValue");

        config = lib_usb_config_by_value(u, value);
        if (!config)
                config = lib_usb_config(u, 0);
        if (!config)
                return IOREG_RETURN_NOT_FOUND;
        intf = lib_usb_find_interface(config, u->interface_number, u->alt_setting, &end);
        if (!intf)
                return IOREG_RETURN_NOT_FOUND;
        u->pipes[0] = (LibUsbPipe) { .address = 0, .type = IOREG_USB_CONTROL,
                                     .max_packet = u->descriptors[7] };
        u->n_pipes = 1;
        for (p = intf; (p = lib_usb_next_descriptor(config, p, DT_ENDPOINT)) && p < end;) {
                if (p[0] < 7 || u->n_pipes >= LIB_USB_MAX_PIPES)
                        continue;
                u->pipes[u->n_pipes++] = (LibUsbPipe) {
                        .address = p[2],
                        .type = p[3] & 0x3, /* bmAttributes: 0 control, 1 isoc, 2 bulk, 3 interrupt, Apple's order */
                        .max_packet = (uint16_t) ((p[4] | p[5] << 8) & 0x7ff),
                        .interval = p[6],
                };
        }
        return IOREG_RETURN_SUCCESS;
}

uint64_t lib_usb_property(const LibUsb *u, const char *key) {
        uint64_t v = 0;

        (void) ioreg_json_get_u64(json_object_get(u->properties, key), &v);
        return v;
}
