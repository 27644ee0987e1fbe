/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * list-usb-devices: every USB device with its vendor and product, after the
 * book's first IOKitLib program (IOServiceMatching, IOServiceGetMatchingServices,
 * IOIteratorNext, IORegistryEntryCreateCFProperty, IOObjectRelease).
 * Prints "VVVV:PPPP name" per device, IDs in hexadecimal.
 */

#include <stdio.h>

#include <ioreg/ioreg.h>

static long long number(ioreg_service_t service, const char *key) {
        json_t *j = ioreg_registry_entry_create_property(service, key, 0);
        long long v = json_is_integer(j) ? json_integer_value(j) : -1;

        json_decref(j);
        return v;
}

int main(void) {
        ioreg_iterator_t iter = NULL;
        ioreg_service_t device;
        ioreg_return_t r;
        unsigned n = 0;

        /* IOServiceGetMatchingServices consumes the dictionary. */
        r = ioreg_service_get_matching_services(ioreg_service_matching("IOUSBHostDevice"), &iter);
        if (r != IOREG_RETURN_SUCCESS) {
                fprintf(stderr, "IOServiceGetMatchingServices: %s\n", ioreg_return_string(r));
                return 1;
        }
        while (iter && (device = ioreg_iterator_next(iter))) {
                ioreg_name_t name;

                if (ioreg_registry_entry_get_name(device, name) != IOREG_RETURN_SUCCESS)
                        name[0] = '\0';
                printf("%04llx:%04llx %s\n", number(device, "idVendor"), number(device, "idProduct"), name);
                n++;
                ioreg_object_release(device);
        }
        if (iter)
                ioreg_object_release(iter);
        fprintf(stderr, "%u USB devices\n", n);
        return 0;
}
