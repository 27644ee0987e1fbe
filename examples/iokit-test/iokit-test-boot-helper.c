/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * iokit-test-boot-helper: the book's boot-helper pattern (a daemon that
 * sets up a driver at boot): it waits for the IOKitTest driver by a
 * first-match notification, and as each one appears opens it and calls it
 * (here: the timer is started and a delay run, then the elapsed time
 * read), as a helper would restore its settings. --once: exit after the
 * first driver (status 0 when the calls succeeded); else it keeps waiting.
 */

#include <stdio.h>
#include <string.h>

#include <ioreg/ioreg.h>

#include "IOKitTestShared.h"

static int once, done, failed;

static void configure(ioreg_service_t service) {
        uint64_t in[1] = { 20 }, out[1] = { 0 };
        uint32_t n_out = 1;
        ioreg_connect_t connect;
        ioreg_return_t kr;

        kr = ioreg_service_open(service, 0, &connect);
        if (kr != IOREG_RETURN_SUCCESS) {
                fprintf(stderr, "IOServiceOpen: %s\n", ioreg_return_string(kr));
                failed = 1;
                return;
        }
        kr = ioreg_connect_call_scalar_method(connect, kTestUserClientStartTimer, NULL, 0, NULL, NULL);
        if (kr == IOREG_RETURN_SUCCESS)
                kr = ioreg_connect_call_scalar_method(connect, kTestUserClientDelayForMs, in, 1, NULL, NULL);
        if (kr == IOREG_RETURN_SUCCESS)
                kr = ioreg_connect_call_scalar_method(connect, kTestUserClientGetElapsedTimerTime, NULL, 0, out,
                                                      &n_out);
        printf("configured %s: %s (elapsed %llu ms)\n", kIOKitTestClassName, ioreg_return_string(kr),
               (unsigned long long) out[0]);
        fflush(stdout);
        failed |= kr != IOREG_RETURN_SUCCESS || n_out != 1 || out[0] < 20;
        ioreg_service_close(connect);
}

static void driver_appeared(void *refcon, ioreg_iterator_t iterator) {
        ioreg_service_t service;

        while ((service = ioreg_iterator_next(iterator))) {
                configure(service);
                ioreg_object_release(service);
                done = 1;
        }
}

int main(int argc, char **argv) {
        ioreg_notification_port_t port;
        ioreg_iterator_t iterator;
        ioreg_return_t kr;

        once = argc > 1 && strcmp(argv[1], "--once") == 0;
        port = ioreg_notification_port_create();
        if (!port) {
                perror("IONotificationPortCreate");
                return 1;
        }
        kr = ioreg_service_add_matching_notification(port, IOREG_FIRST_MATCH_NOTIFICATION,
                                                     ioreg_service_matching(kIOKitTestClassName), driver_appeared,
                                                     NULL, &iterator);
        if (kr != IOREG_RETURN_SUCCESS) {
                fprintf(stderr, "IOServiceAddMatchingNotification: %s\n", ioreg_return_string(kr));
                return 1;
        }
        driver_appeared(NULL, iterator); /* the drivers already there, and arms the notification */
        while (!(once && done))
                if (ioreg_notification_port_run(port, UINT64_MAX) != IOREG_RETURN_SUCCESS)
                        break;
        ioreg_object_release(iterator);
        ioreg_notification_port_destroy(port);
        return failed || !done ? 1 : 0;
}
