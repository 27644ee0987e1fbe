/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * wait-for-device VENDOR PRODUCT [SECONDS]: waits until a USB device with
 * these IDs (hexadecimal) is matched, then prints its /dev node and exits.
 * A matching notification (kIOFirstMatchNotification) on a port polled with
 * poll(2): the iterator comes back primed, so a device already present is
 * found by the first drain. Exit 0 when found, 2 on timeout.
 */

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>

#include <ioreg/ioreg.h>

static int found;

static void device_matched(void *refcon, ioreg_iterator_t iterator) {
        ioreg_service_t device;

        while ((device = ioreg_iterator_next(iterator))) {
                json_t *linux_props = ioreg_registry_entry_create_property(device, "Linux", 0);
                const char *node = json_string_value(json_object_get(linux_props, "DEVNAME"));

                if (!found) {
                        printf("%s\n", node ? node : "(no /dev node)");
                        fflush(stdout);
                        found = 1;
                }
                json_decref(linux_props);
                ioreg_object_release(device);
        }
}

int main(int argc, char **argv) {
        ioreg_notification_port_t port;
        ioreg_iterator_t iterator;
        json_t *matching;
        ioreg_return_t r;
        int seconds;

        if (argc < 3) {
                fprintf(stderr, "usage: %s VENDOR PRODUCT [SECONDS]\n", argv[0]);
                return 1;
        }
        seconds = argc > 3 ? atoi(argv[3]) : 30;
        matching = ioreg_service_matching("IOUSBHostDevice");
        json_object_set_new(matching, "idVendor", json_integer(strtol(argv[1], NULL, 16)));
        json_object_set_new(matching, "idProduct", json_integer(strtol(argv[2], NULL, 16)));

        port = ioreg_notification_port_create();
        if (!port) {
                perror("IONotificationPortCreate");
                return 1;
        }
        r = ioreg_service_add_matching_notification(port, IOREG_FIRST_MATCH_NOTIFICATION, matching, device_matched,
                                                    NULL, &iterator);
        if (r != IOREG_RETURN_SUCCESS) {
                fprintf(stderr, "IOServiceAddMatchingNotification: %s\n", ioreg_return_string(r));
                return 1;
        }
        device_matched(NULL, iterator); /* drain the primed iterator: arms it */
        for (int left = seconds * 10; !found && left > 0; left--) {
                struct pollfd p = { .fd = ioreg_notification_port_get_fd(port), .events = POLLIN };

                if (poll(&p, 1, 100) > 0)
                        ioreg_notification_port_dispatch(port);
        }
        ioreg_object_release(iterator);
        ioreg_notification_port_destroy(port);
        return found ? 0 : 2;
}
