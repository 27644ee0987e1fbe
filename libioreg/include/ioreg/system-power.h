/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ioreg/system-power.h: system sleep and wake, after IORegisterForSystemPower,
 * IODeregisterForSystemPower, IOAllowPowerChange and IOCancelPowerChange
 * (IOKit/pwr_mgt/IOPMLib.h). The daemon side is org.ioreg.SystemPower1
 * (systemd/org.ioreg.SystemPower1.xml), built on systemd-logind.
 *
 * The contract, as on a Mac:
 * - ioreg_register_for_system_power() creates a notification port of its
 *   own and registers on it; the caller runs the port (poll its fd and
 *   dispatch, ioreg_notification_port_run, or attach it to an sd-event
 *   loop), and the callback is called on that thread with
 *   (refcon, root domain service, message type, argument);
 * - on IOREG_MESSAGE_SYSTEM_WILL_SLEEP the argument is the notification ID,
 *   which the caller passes to ioreg_allow_power_change() (from the
 *   callback or later, as soon as it is ready for the sleep). The system
 *   sleeps once every registered client has answered, or after the
 *   daemon's timeout (its sleep-timeout option, 30 s by default, and never
 *   more than logind's InhibitDelayMaxSec, 5 s by default);
 * - after resume come IOREG_MESSAGE_SYSTEM_WILL_POWER_ON and then
 *   IOREG_MESSAGE_SYSTEM_HAS_POWERED_ON, which need no answer;
 * - ioreg_deregister_for_system_power(&notifier) ends it, then the caller
 *   releases the connect handle (IOServiceClose's place:
 *   ioreg_object_release) and destroys the port.
 *
 * Differences from a Mac. logind announces a sleep, it does not ask: a
 * delay inhibitor only delays it. So IOREG_MESSAGE_CAN_SYSTEM_SLEEP and
 * IOREG_MESSAGE_SYSTEM_WILL_NOT_SLEEP never come, and
 * ioreg_cancel_power_change() cannot veto: the daemon logs it and counts it
 * as the client's answer (Apple, too, honours a cancel only for
 * CanSystemSleep). SYSTEM_WILL_POWER_ON comes after resume, just before
 * HAS_POWERED_ON, not early in the wake.
 *
 * Daemon restarts: the port registers again with the new daemon by itself.
 * An answer to a message of the daemon that went succeeds and sends nothing
 * (that daemon's inhibitor went with it).
 *
 * Threads: the registration belongs to its port's connection, so the
 * allow and cancel calls go through the port: call them on the thread that
 * dispatches the port (the callback's thread), like the port's other calls.
 */
#pragma once

#include <stdint.h>

#include <ioreg/connect.h> /* ioreg_connect_t */
#include <ioreg/notification.h>
#include <ioreg/object.h>

#ifdef __cplusplus
extern "C" {
#endif

/* io_connect_t (ioreg/connect.h): here also the "root port" ioreg_register_for_system_power returns. */

/* System power messages (kIOMessageSystemWillSleep, ...), Apple's numbers. */
#define IOREG_MESSAGE_CAN_SYSTEM_POWER_OFF 0xe0000240u     /* never sent */
#define IOREG_MESSAGE_SYSTEM_WILL_POWER_OFF 0xe0000250u    /* never sent */
#define IOREG_MESSAGE_SYSTEM_WILL_NOT_POWER_OFF 0xe0000260u /* never sent */
#define IOREG_MESSAGE_CAN_SYSTEM_SLEEP 0xe0000270u         /* never sent: logind does not ask */
#define IOREG_MESSAGE_SYSTEM_WILL_SLEEP 0xe0000280u        /* answer with ioreg_allow_power_change */
#define IOREG_MESSAGE_SYSTEM_WILL_NOT_SLEEP 0xe0000290u    /* never sent: nothing can veto */
#define IOREG_MESSAGE_SYSTEM_HAS_POWERED_ON 0xe0000300u
#define IOREG_MESSAGE_SYSTEM_WILL_RESTART 0xe0000310u      /* never sent */
#define IOREG_MESSAGE_SYSTEM_WILL_POWER_ON 0xe0000320u

/**
 * IORegisterForSystemPower: registers callback for the system's sleep and
 * wake messages. Creates a notification port into *port (the caller runs
 * and finally destroys it) and the notifier into *notifier. The callback's
 * service is the IOPMrootDomain entry (borrowed for the call; NULL when the
 * daemon has none), its message_argument the notification ID
 * ((intptr_t) message_argument). @return the root port, an object the
 * allow and cancel calls take, released with ioreg_object_release(); NULL
 * on failure (errno set: EINVAL for a NULL argument, ENOTCONN when the
 * daemon is not reachable), with *port and *notifier NULL.
 */
ioreg_connect_t ioreg_register_for_system_power(void *refcon, ioreg_notification_port_t *port,
                                                ioreg_service_interest_callback_t callback,
                                                ioreg_object_t *notifier);
/**
 * IODeregisterForSystemPower: ends the registration of *notifier now (no
 * callback after it returns; a SystemWillSleep not yet answered counts as
 * answered), releases the caller's reference and sets *notifier to NULL.
 * The port and the root port stay the caller's to destroy and release.
 * @return BAD_ARGUMENT when notifier or *notifier is NULL or no system
 * power notifier.
 */
ioreg_return_t ioreg_deregister_for_system_power(ioreg_object_t *notifier);
/**
 * IOAllowPowerChange: the answer to IOREG_MESSAGE_SYSTEM_WILL_SLEEP
 * notification_id. An answer to an older message, to one that needs none,
 * or after the timeout does nothing and succeeds. @return BAD_ARGUMENT (no
 * root port, an ID never sent), NOT_FOUND (deregistered), NO_DEVICE (the
 * daemon is away and never sent the ID).
 */
ioreg_return_t ioreg_allow_power_change(ioreg_connect_t kernel_port, intptr_t notification_id);
/**
 * IOCancelPowerChange: logind's sleep cannot be vetoed, so the daemon takes
 * this as the answer, as ioreg_allow_power_change, and logs it.
 * @return as ioreg_allow_power_change.
 */
ioreg_return_t ioreg_cancel_power_change(ioreg_connect_t kernel_port, intptr_t notification_id);

#ifdef __cplusplus
}
#endif
