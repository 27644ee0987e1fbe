/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ioreg/notification.h: notification ports, matching notifications and
 * interest notifications, after IONotificationPort* and
 * IOServiceAdd{Matching,Interest}Notification.
 *
 * A port owns its own connection to the daemon and an internal sd-event
 * loop. Its file descriptor becomes readable when something is to be done
 * (a signal from the daemon, a reconnection timer): poll it, then call
 * ioreg_notification_port_dispatch(), which runs the callbacks on the
 * calling thread. ioreg_notification_port_attach_event() does both on an
 * sd-event loop; docs/libioreg.md shows the same for a GLib main loop.
 *
 * Matching notifications keep Apple's client contract:
 * - the iterator comes back primed with the services that match already
 *   (for the publish and match types) and no callback is made for them: the
 *   caller drains it, which also arms the notification;
 * - the callback (refcon, iterator) is called when services were queued
 *   while the notification was armed; it must drain the iterator, which
 *   arms it again; the iterator is always the same and is not released by
 *   the callback;
 * - releasing the iterator (ioreg_object_release) cancels the notification.
 * The queue of each notification is bounded by the daemon's window
 * (PendingLimit, 1024 as Apple's): the library acknowledges services as the
 * caller takes them, so a caller that does not drain makes the daemon hold
 * events, and past the window the notification overflows. An overflow is
 * never silent (Apple drops silently): the callback is called, the iterator
 * answers what was queued and then becomes invalid (ioreg_iterator_is_valid
 * 0); ioreg_iterator_reset() starts over (the publish and match types queue
 * every service that matches again).
 *
 * Daemon restarts: the port watches the owner of org.ioreg.Registry1 and
 * its connection. When the daemon goes, the port waits for it (reconnecting
 * with back-off, 50 ms doubling to 5 s, when the bus itself went), then
 * subscribes every notification again. An entry of the earlier run counts
 * as the same entry when the new run has one with the same ID, class, name
 * and Linux SYSPATH (IDs alone are reused: each run counts from
 * 0x100000100). For each notification the caller then gets what changed:
 * publish and match types queue the services that are new by that rule,
 * terminate types queue the services that are gone, and an interest
 * notification whose service is gone delivers
 * IOREG_MESSAGE_SERVICE_IS_TERMINATED. Entry objects the port delivered
 * that are the same go on working; the others answer NO_DEVICE.
 *
 * Thread safety: a port and its notifications belong to one thread at a
 * time: the thread that dispatches the port also adds and releases its
 * notifications and drains their iterators (the callbacks run on it).
 * Different ports may be used from different threads. A callback may call
 * any libioreg function (synchronous calls, adding notifications, releasing
 * the iterator or notifier it was called for) except destroying or
 * dispatching its own port. The one exception is
 * ioreg_notification_port_stop(), callable from any thread or a signal handler.
 */
#pragma once

#include <stdint.h>
#include <jansson.h>

#include <ioreg/object.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ioreg_notification_port *ioreg_notification_port_t; /* IONotificationPortRef */

/* Matching notification types (kIOPublishNotification, ...). */
#define IOREG_PUBLISH_NOTIFICATION "IOServicePublish"
#define IOREG_FIRST_PUBLISH_NOTIFICATION "IOServiceFirstPublish"
#define IOREG_MATCHED_NOTIFICATION "IOServiceMatched"
#define IOREG_FIRST_MATCH_NOTIFICATION "IOServiceFirstMatch"
#define IOREG_TERMINATED_NOTIFICATION "IOServiceTerminate"
#define IOREG_WILL_TERMINATE_NOTIFICATION "IOServiceWillTerminate"

/* Interest types (kIOGeneralInterest, ...). */
#define IOREG_GENERAL_INTEREST "IOGeneralInterest"
#define IOREG_BUSY_INTEREST "IOBusyInterest"
#define IOREG_APP_POWER_STATE_INTEREST "IOAppPowerStateInterest"
#define IOREG_PRIORITY_POWER_STATE_INTEREST "IOPriorityPowerStateInterest"

/* Interest messages (kIOMessageServiceIsTerminated, ...), Apple's numbers. */
#define IOREG_MESSAGE_SERVICE_IS_TERMINATED 0xe0000010u
#define IOREG_MESSAGE_SERVICE_IS_SUSPENDED 0xe0000020u
#define IOREG_MESSAGE_SERVICE_IS_RESUMED 0xe0000030u
#define IOREG_MESSAGE_SERVICE_IS_REQUESTING_CLOSE 0xe0000100u
#define IOREG_MESSAGE_SERVICE_WAS_CLOSED 0xe0000110u
#define IOREG_MESSAGE_SERVICE_BUSY_STATE_CHANGE 0xe0000120u
#define IOREG_MESSAGE_SERVICE_PROPERTY_CHANGE 0xe0000130u

/* IOServiceMatchingCallback. */
typedef void (*ioreg_service_matching_callback_t)(void *refcon, ioreg_iterator_t iterator);
/*
 * IOServiceInterestCallback. argument: the message's argument (busy flag for
 * BusyStateChange, else 0). The service is borrowed for the call.
 */
typedef void (*ioreg_service_interest_callback_t)(void *refcon, ioreg_service_t service, uint32_t message_type,
                                                  void *message_argument);

/** IONotificationPortCreate: a new port with its own connection, or NULL (errno set). */
ioreg_notification_port_t ioreg_notification_port_create(void);
/**
 * IONotificationPortDestroy: cancels the port's notifications (their
 * iterators and notifiers stay valid objects that deliver nothing more,
 * until released) and frees the port. NULL is allowed.
 */
void ioreg_notification_port_destroy(ioreg_notification_port_t port);
/** The fd to poll for reading (an epoll fd, close-on-exec, owned by the port), or -1 for NULL. */
int ioreg_notification_port_get_fd(ioreg_notification_port_t port);
/**
 * Does everything the port has to do now without blocking: reads the
 * daemon's signals, runs callbacks, reconnects. Call it when the fd is
 * readable (or at any time). @return SUCCESS, or the error that stopped it;
 * ABORTED when it read a ioreg_notification_port_stop().
 */
ioreg_return_t ioreg_notification_port_dispatch(ioreg_notification_port_t port);
/**
 * Waits up to timeout_usec (UINT64_MAX: no limit) for the port's fd, then
 * dispatches: a loop of its own for programs that have none (CFRunLoopRun's
 * place). @return SUCCESS or TIMEOUT; ABORTED when ioreg_notification_port_stop()
 * was called (so `while (ioreg_notification_port_run(port, UINT64_MAX) != IOREG_RETURN_ABORTED)`
 * ends on a stop).
 */
ioreg_return_t ioreg_notification_port_run(ioreg_notification_port_t port, uint64_t timeout_usec);
/**
 * (ioregd addition) CFRunLoopStop's place: makes the port's running (or
 * next) ioreg_notification_port_run() or _dispatch() return ABORTED
 * promptly, once; stops made before that one return count as one. Callable
 * from any thread and from a signal handler (it writes an eventfd and keeps
 * errno); the port works on normally afterwards. With
 * ioreg_notification_port_attach_event() it only wakes the loop.
 * @return BAD_ARGUMENT for NULL.
 */
ioreg_return_t ioreg_notification_port_stop(ioreg_notification_port_t port);

/* An sd-event loop (sd_event from <systemd/sd-event.h>); the header needs no systemd headers. */
struct sd_event;
/**
 * Attaches the port to an sd-event loop (NULL: the thread's default loop):
 * the loop dispatches the port when its fd is readable, and the callbacks
 * run on the loop's thread. At most one loop at a time; NULL port: BAD_ARGUMENT.
 */
ioreg_return_t ioreg_notification_port_attach_event(ioreg_notification_port_t port, struct sd_event *event,
                                                    int64_t priority);
/** Detaches it again. */
ioreg_return_t ioreg_notification_port_detach_event(ioreg_notification_port_t port);

/**
 * IOServiceAddMatchingNotification: notifies callback of services of
 * notification_type (IOREG_*_NOTIFICATION) that matching matches, through
 * port. Consumes matching. *notification is the iterator, primed with the
 * existing services (publish and match types), which the caller must drain
 * to arm the notification; releasing it cancels the notification.
 * @return BAD_ARGUMENT (unknown type), NO_DEVICE (daemon not reachable).
 */
ioreg_return_t ioreg_service_add_matching_notification(ioreg_notification_port_t port, const char *notification_type,
                                                       json_t *matching, ioreg_service_matching_callback_t callback,
                                                       void *refcon, ioreg_iterator_t *notification);
/**
 * (ioregd addition) 1 once the daemon has sent every service that was
 * already in the notification's state when it was added (or reset with
 * ioreg_iterator_reset()): the daemon's ReplayEnd, read by the port's
 * dispatch. Services the iterator delivers after the caller drained it
 * then happened after the subscription. 0 before, and for any object that
 * is not a matching notification. The terminate types replay nothing: 1 as
 * soon as the daemon said so.
 */
int ioreg_notification_replay_ended(ioreg_iterator_t notification);

/**
 * IOServiceAddInterestNotification: notifies callback of the interest
 * messages of interest_type (IOREG_*_INTEREST) about service.
 * *notification is the notifier; releasing it cancels. Nothing comes after
 * IOREG_MESSAGE_SERVICE_IS_TERMINATED. @return NOT_READY when the service
 * is being terminated, NOT_FOUND when it is gone.
 */
ioreg_return_t ioreg_service_add_interest_notification(ioreg_notification_port_t port, ioreg_service_t service,
                                                       const char *interest_type,
                                                       ioreg_service_interest_callback_t callback, void *refcon,
                                                       ioreg_notification_t *notification);

#ifdef __cplusplus
}
#endif
