/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * watch-device PATH: watches one registry entry ("IOService:/...") with an
 * interest notification (kIOGeneralInterest and kIOBusyInterest) until it
 * is removed. The port runs on an sd-event loop
 * (ioreg_notification_port_attach_event). Prints one line per message and
 * "terminated" last; exits 0 then.
 */

#include <stdio.h>
#include <systemd/sd-event.h>

#include <ioreg/ioreg.h>

static sd_event *loop;

static void message(void *refcon, ioreg_service_t service, uint32_t type, void *argument) {
        switch (type) {
        case IOREG_MESSAGE_SERVICE_IS_TERMINATED:
                printf("terminated\n");
                sd_event_exit(loop, 0);
                break;
        case IOREG_MESSAGE_SERVICE_BUSY_STATE_CHANGE:
                printf("busy %lu\n", (unsigned long) (uintptr_t) argument);
                break;
        case IOREG_MESSAGE_SERVICE_PROPERTY_CHANGE:
                printf("properties changed\n");
                break;
        default:
                printf("message 0x%08x\n", type);
        }
        fflush(stdout);
}

int main(int argc, char **argv) {
        ioreg_notification_t general = NULL, busy = NULL;
        ioreg_notification_port_t port;
        ioreg_registry_entry_t entry;
        ioreg_name_t name;
        ioreg_return_t r;
        int ret;

        if (argc != 2) {
                fprintf(stderr, "usage: %s IOService:/PATH\n", argv[0]);
                return 1;
        }
        entry = ioreg_registry_entry_from_path(argv[1]);
        if (!entry) {
                fprintf(stderr, "%s: not found\n", argv[1]);
                return 1;
        }
        port = ioreg_notification_port_create();
        if (!port || sd_event_default(&loop) < 0)
                return 1;
        r = ioreg_service_add_interest_notification(port, entry, IOREG_GENERAL_INTEREST, message, NULL, &general);
        if (r == IOREG_RETURN_SUCCESS)
                r = ioreg_service_add_interest_notification(port, entry, IOREG_BUSY_INTEREST, message, NULL, &busy);
        if (r == IOREG_RETURN_SUCCESS)
                r = ioreg_notification_port_attach_event(port, loop, 0);
        if (r != IOREG_RETURN_SUCCESS) {
                fprintf(stderr, "IOServiceAddInterestNotification: %s\n", ioreg_return_string(r));
                return 1;
        }
        if (ioreg_registry_entry_get_name(entry, name) == IOREG_RETURN_SUCCESS)
                printf("watching %s\n", name);
        fflush(stdout);
        ret = sd_event_loop(loop);
        ioreg_object_release(general);
        ioreg_object_release(busy);
        ioreg_object_release(entry);
        ioreg_notification_port_destroy(port);
        sd_event_unref(loop);
        return ret < 0 ? 1 : 0;
}
