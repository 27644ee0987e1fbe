/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * sleep-wake [WAKES]: Apple's classic "register for sleep and wake
 * notifications" program (Technical Q&A QA1340), ported line by line:
 * IORegisterForSystemPower → ioreg_register_for_system_power, the
 * CFRunLoop → the port's own loop (ioreg_notification_port_run). It allows
 * every sleep at once and prints each message. It runs until killed, or
 * with WAKES until that many wakes, then deregisters as the original's
 * clean-up code shows and exits 0.
 */

#include <stdio.h>
#include <stdlib.h>

#include <ioreg/ioreg.h>

static ioreg_connect_t root_port; /* a reference to the Root Power Domain user client */
static unsigned wakes;

static void my_sleep_callback(void *ref_con, ioreg_service_t service, uint32_t message_type,
                              void *message_argument) {
        printf("messageType %08lx, arg %08lx\n", (unsigned long) message_type,
               (unsigned long) (uintptr_t) message_argument);

        switch (message_type) {
        case IOREG_MESSAGE_CAN_SYSTEM_SLEEP:
                /*
                 * Idle sleep is about to kick in. On a Mac this may be cancelled
                 * (IOCancelPowerChange); logind never asks, so it never comes here.
                 */
                ioreg_allow_power_change(root_port, (intptr_t) message_argument);
                break;

        case IOREG_MESSAGE_SYSTEM_WILL_SLEEP:
                /*
                 * The system WILL go to sleep. If you do not call
                 * ioreg_allow_power_change, the sleep is held up to the daemon's
                 * timeout.
                 */
                printf("Going to sleep\n");
                ioreg_allow_power_change(root_port, (intptr_t) message_argument);
                break;

        case IOREG_MESSAGE_SYSTEM_WILL_POWER_ON:
                /* The system has started the wake up process... */
                break;

        case IOREG_MESSAGE_SYSTEM_HAS_POWERED_ON:
                /* The system has finished waking up... */
                printf("Woke\n");
                wakes++;
                break;

        default:
                break;
        }
        fflush(stdout);
}

int main(int argc, char **argv) {
        /* a notification port allocated by ioreg_register_for_system_power */
        ioreg_notification_port_t notify_port_ref;
        /* notifier object, used to deregister later */
        ioreg_object_t notifier_object;
        /* this parameter is passed to the callback */
        void *ref_con = NULL;
        unsigned max_wakes = argc > 1 ? (unsigned) strtoul(argv[1], NULL, 10) : 0;

        /* register to receive system sleep notifications */
        root_port = ioreg_register_for_system_power(ref_con, &notify_port_ref, my_sleep_callback, &notifier_object);
        if (root_port == NULL) {
                printf("IORegisterForSystemPower failed\n");
                return 1;
        }
        printf("registered\n");
        fflush(stdout);

        /*
         * CFRunLoopAddSource(CFRunLoopGetCurrent(), IONotificationPortGetRunLoopSource(notifyPortRef), ...)
         * and CFRunLoopRun(): the port's own loop does both.
         */
        while (max_wakes == 0 || wakes < max_wakes)
                (void) ioreg_notification_port_run(notify_port_ref, UINT64_MAX);

        /* Not reached in the original; its clean-up, as Apple shows it. */
        /* remove the sleep notification port from the application runloop: nothing to remove here */
        /* deregister for system sleep notifications */
        ioreg_deregister_for_system_power(&notifier_object);
        /* IORegisterForSystemPower implicitly opens the Root Power Domain IOService, so close it here */
        ioreg_object_release(root_port);
        /* destroy the notification port allocated by IORegisterForSystemPower */
        ioreg_notification_port_destroy(notify_port_ref);
        return 0;
}
