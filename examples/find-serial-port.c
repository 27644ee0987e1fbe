/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * find-serial-port [--modem]: the serial ports, after the book's serial
 * port example: IOServiceMatching(kIOSerialBSDServiceValue), optionally
 * narrowed with kIOSerialBSDTypeKey, then kIOTTYDeviceKey and
 * kIOCalloutDeviceKey of each. Ports behind a USB device (a USB serial
 * adapter) name it: its idVendor is searched up the parents in the IOService
 * plane (IORegistryEntrySearchCFProperty with kIORegistryIterateRecursively
 * | kIORegistryIterateParents). Prints "TTY CALLOUT [usb VVVV:PPPP]".
 */

#include <stdio.h>
#include <string.h>

#include <ioreg/ioreg.h>

static long long search_up(ioreg_service_t service, const char *key) {
        json_t *j = ioreg_registry_entry_search_property(service, IOREG_SERVICE_PLANE, key,
                                                         IOREG_REGISTRY_ITERATE_RECURSIVELY |
                                                                 IOREG_REGISTRY_ITERATE_PARENTS);
        long long v = json_is_integer(j) ? json_integer_value(j) : -1;

        json_decref(j);
        return v;
}

int main(int argc, char **argv) {
        json_t *matching = ioreg_service_matching(IOREG_SERIAL_BSD_SERVICE_VALUE);
        ioreg_iterator_t iter = NULL;
        ioreg_service_t port;
        ioreg_return_t r;

        /* The book sets kIOSerialBSDTypeKey at the top; ioregd compares other keys through IOPropertyMatch. */
        if (argc > 1 && strcmp(argv[1], "--modem") == 0) {
                json_t *props = json_object();

                json_object_set_new(props, IOREG_SERIAL_BSD_TYPE_KEY, json_string(IOREG_SERIAL_BSD_MODEM_TYPE));
                json_object_set_new(matching, IOREG_PROPERTY_MATCH_KEY, props);
        }
        r = ioreg_service_get_matching_services(matching, &iter);
        if (r != IOREG_RETURN_SUCCESS) {
                fprintf(stderr, "IOServiceGetMatchingServices: %s\n", ioreg_return_string(r));
                return 1;
        }
        while (iter && (port = ioreg_iterator_next(iter))) {
                json_t *tty = ioreg_registry_entry_create_property(port, IOREG_TTY_DEVICE_KEY, 0);
                json_t *callout = ioreg_registry_entry_create_property(port, IOREG_CALLOUT_DEVICE_KEY, 0);
                long long vendor = search_up(port, "idVendor"), product = search_up(port, "idProduct");

                printf("%s %s", json_string_value(tty) ? json_string_value(tty) : "?",
                       json_string_value(callout) ? json_string_value(callout) : "?");
                if (vendor >= 0)
                        printf(" usb %04llx:%04llx", vendor, product);
                printf("\n");
                json_decref(tty);
                json_decref(callout);
                ioreg_object_release(port);
        }
        if (iter)
                ioreg_object_release(iter);
        return 0;
}
