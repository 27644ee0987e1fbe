/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * notification-port.h: the notification port's insides, for the files that
 * put notifications on it (notification-matching.c, notification-interest.c,
 * and later system power). Not installed.
 *
 * A port is an sd-event loop of its own plus one sd-bus connection attached
 * to it; the loop's epoll fd is the port's fd. Three rules keep callbacks
 * simple and re-entrant:
 * 1. sd-bus handlers (the filter and the signal matches) never call the
 *    caller's callbacks: they queue what came and wake the port
 *    (lib_port_wake). The port's work handler, which runs outside sd-bus
 *    processing, then calls the callbacks, so a callback may make
 *    synchronous calls, add notifications, drain iterators and release
 *    objects (sd-bus refuses to process a connection from inside its own
 *    handlers, and draining a primed iterator needs exactly that).
 * 2. Waking goes through an eventfd on the loop, so that work scheduled
 *    outside the loop (a drain in the caller's code) still makes the fd
 *    readable for the caller's poll.
 * 3. Everything about the daemon's lifetime is the port's: when the daemon
 *    leaves the bus (NameOwnerChanged) or the connection drops, the port
 *    forgets its subscriptions (sub IDs set to 0), reconnects with
 *    back-off, and when the daemon is back calls each kind's resubscribe
 *    from the work handler.
 *
 * 4. Notifications travel over the daemon's notification port when it has
 *    one (issue 21, notification-direct.c): a peer-to-peer connection
 *    (port->direct) that OpenPort gave, with no bus hop. Every
 *    Notifications1 call goes through lib_port_notify_bus(), and its
 *    signals come on it without a sender; everything else (Entry1, system
 *    power, NameOwnerChanged) stays on port->bus. The direct connection
 *    belongs to one run of the daemon: it is made again after every
 *    reconnection, and its loss is handled like the bus's.
 *
 * Ownership: the port keeps weak lists of its notifications; a notification
 * unlinks itself when it is freed, and the port's destruction sets each
 * one's port pointer to NULL (it then delivers nothing).
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-event.h>
#include <unistd.h>

#include "lib-internal.h"

typedef struct LibMatching LibMatching;
typedef struct LibInterest LibInterest;
typedef struct LibSignalMatch LibSignalMatch;

/*
 * A D-Bus signal handler another file put on the port's connection with
 * lib_port_add_signal_match(). The rule is added again on every new
 * connection; the handler runs inside sd-bus processing (rule 1: queue and
 * lib_port_wake(), do not call callers from it).
 */
struct LibSignalMatch {
        ioreg_notification_port_t port; /* weak: the port owns this */
        char *rule;                      /* owned: a D-Bus match rule */
        sd_bus_message_handler_t handler;
        void *userdata;                  /* borrowed */
        sd_bus_slot *slot;               /* owned; NULL while disconnected */
        LibSignalMatch *next;
};

/*
 * Hooks of one kind of client of the port (system power, ...): reconnected
 * is called from the work handler when the daemon is (back) on the bus and
 * may call it synchronously; work is called from every run of the work
 * handler, to deliver what was queued; detach when the port is being
 * destroyed (userdata must forget the port). Any may be NULL.
 */
typedef struct LibPortHooks {
        void (*reconnected)(ioreg_notification_port_t port, void *userdata);
        void (*work)(ioreg_notification_port_t port, void *userdata);
        void (*detach)(ioreg_notification_port_t port, void *userdata);
        void *userdata; /* borrowed */
} LibPortHooks;

/*
 * A kind of notification the port carries (matching, interest): what the
 * port and reconnect.c call on every notification of that kind. Each kind's
 * file puts its table in port->kinds when it adds its first notification,
 * so that the port calls up into it through pointers and never links to it.
 */
typedef struct LibPortKind {
        /* A Notifications1 signal from the daemon, inside sd-bus processing (rule 1). */
        int (*handle_signal)(ioreg_notification_port_t port, sd_bus_message *m);
        /* From the work handler: deliver what was queued. */
        void (*work)(ioreg_notification_port_t port);
        /* The daemon is (back) on the bus: subscribe again. */
        void (*resubscribe_all)(ioreg_notification_port_t port);
        /* The daemon left: subscriptions are gone. */
        void (*forget_all)(ioreg_notification_port_t port);
        /* The port is being destroyed: notifications detach from it. */
        void (*detach_all)(ioreg_notification_port_t port);
} LibPortKind;

typedef enum LibPortKindIndex {
        LIB_PORT_KIND_MATCHING, /* called first, as IOKit delivers matching before interest */
        LIB_PORT_KIND_INTEREST,
        _LIB_PORT_KIND_MAX,
} LibPortKindIndex;

struct ioreg_notification_port {
        sd_event *event;                 /* owned: the internal loop; its fd is the port's */
        sd_bus *bus;                     /* owned; NULL while disconnected from the bus */
        char *owner;                     /* owned: the daemon's unique name; NULL while it is away */
        uint64_t run;                    /* lib_run_for_owner(owner), 0 while away */
        bool need_resubscribe;           /* the daemon came (back): resubscribe in the work handler */
        bool disconnected;               /* sd-bus said Disconnected: reconnect from the work handler */
        bool bus_only;                   /* IOREG_NOTIFY_PORT=0 when the port was made: no notification port */
        sd_bus *direct;                  /* owned: the daemon's notification port (a peer connection); NULL when none */
        uint64_t direct_run;             /* the run of the daemon that gave direct */
        bool direct_lost;                /* direct said Disconnected: dropped from the work handler */
        bool direct_resubscribe;         /* after losing direct alone: open another, the kinds subscribe again */
        sd_bus_slot *direct_filter_slot; /* owned */

        int wake_fd;                     /* owned: eventfd, readable when work is due */
        sd_event_source *wake_source;    /* owned */
        int stop_fd;                     /* owned: eventfd written by ioreg_notification_port_stop() from any thread */
        sd_event_source *stop_source;    /* owned */
        bool stop_requested;             /* a stop was read: the current dispatch or run returns ABORTED */
        unsigned dispatching;            /* depth of dispatch/run calls under way on this port */
        bool destroy_pending;            /* lib_port_destroy_soon() inside a dispatch: destroy when it ends */
        sd_event_source *reconnect_timer; /* owned; NULL when no reconnection is due */
        uint64_t backoff_usec;           /* the next reconnection's delay */
        sd_event_source *outer_source;   /* owned: the port's fd in the caller's sd-event loop */

        sd_bus_slot *filter_slot;        /* owned */
        sd_bus_slot *owner_slot;         /* owned: NameOwnerChanged of org.ioreg.Registry1 */

        LibMatching *matchings;          /* weak list (LibMatching.next) */
        LibInterest *interests;          /* weak list (LibInterest.next) */
        LibSignalMatch *signal_matches;  /* owned list */
        LibPortHooks *hooks;             /* owned array */
        unsigned n_hooks, cap_hooks;
        const LibPortKind *kinds[_LIB_PORT_KIND_MAX]; /* borrowed static tables; NULL until used */
};

/* Makes the port's fd readable and runs the work handler at the next dispatch. */
static inline void lib_port_wake(ioreg_notification_port_t port) {
        uint64_t one = 1;

        (void) !write(port->wake_fd, &one, sizeof(one));
}

/* The port's connection (borrowed), or NULL while it is disconnected. */
static inline sd_bus *lib_port_bus(ioreg_notification_port_t port) {
        return port->bus;
}
/*
 * The daemon's notification port (borrowed) when it is the current run's, else NULL (none, or
 * one of a daemon that left, not dropped yet: the bus reaches the new one meanwhile).
 */
static inline sd_bus *lib_port_direct(ioreg_notification_port_t port) {
        return port->direct && port->direct_run == port->run ? port->direct : NULL;
}
/* The connection Notifications1 calls go over (borrowed): the port, else the bus; NULL while disconnected. */
static inline sd_bus *lib_port_notify_bus(ioreg_notification_port_t port) {
        return lib_port_direct(port) ?: port->bus;
}
/* The destination of those calls: none on the peer connection, the daemon's unique name on the bus. */
static inline const char *lib_port_notify_destination(ioreg_notification_port_t port) {
        return lib_port_direct(port) ? NULL : port->owner;
}
/*
 * Processes what the connections (bus and direct) hold until nothing is
 * left (the signals queued behind a synchronous reply). Must not run
 * inside an sd-bus handler of the port.
 */
int lib_port_drain(ioreg_notification_port_t port);
/*
 * Calls the daemon's Ping (org.freedesktop.DBus.Peer) over the connection
 * notifications come on, and drains: every notification signal the daemon
 * sent before has been handled when it returns.
 */
int lib_port_sync(ioreg_notification_port_t port);

/*
 * A Notifications1 call nobody waits for (Ack, Unsubscribe: types "tt" or
 * "t", b unused then) over lib_port_notify_bus(); dropped when disconnected.
 */
void lib_port_notify_send(ioreg_notification_port_t port, const char *member, const char *types, uint64_t a,
                          uint64_t b);

/* Adds a signal match (kept across reconnections); *ret (may be NULL) is the port's, for removal. */
int lib_port_add_signal_match(ioreg_notification_port_t port, const char *rule, sd_bus_message_handler_t handler,
                              void *userdata, LibSignalMatch **ret);
void lib_port_remove_signal_match(LibSignalMatch *m);
/* Adds hooks (copied); userdata must not be NULL (it names them for removal). */
int lib_port_add_hooks(ioreg_notification_port_t port, const LibPortHooks *hooks);
/* Removes the hooks of userdata; safe from inside a hook (the slot is emptied, not moved). */
void lib_port_remove_hooks(ioreg_notification_port_t port, void *userdata);

/*
 * Destroys port now, or, when called from inside the port's own dispatch
 * (an object that owns its port released from a callback: usb-io.c), as
 * that dispatch returns.
 */
void lib_port_destroy_soon(ioreg_notification_port_t port);

/* reconnect.c: the connection's life, and the work handler. */
int lib_port_connect(ioreg_notification_port_t port);
void lib_port_disconnect(ioreg_notification_port_t port);
void lib_port_run_work(ioreg_notification_port_t port);

/*
 * notification-direct.c: the daemon's notification port. open asks the
 * daemon (port->owner, over port->bus) for one unless port->bus_only;
 * 0 also when the daemon refused (none, or over its limits: the bus is
 * used), negative when it could not be asked (gone, no answer). close
 * drops it (the daemon then ends the subscriptions made over it).
 */
int lib_port_open_direct(ioreg_notification_port_t port);
/* IOREG_NOTIFY_PORT=0 in the environment: ports made now keep their notifications on the bus. */
bool lib_port_env_bus_only(void);
void lib_port_close_direct(ioreg_notification_port_t port);
/* A Notifications1 signal for the port's kinds (inside sd-bus processing, rule 1). */
void lib_port_handle_notify_signal(ioreg_notification_port_t port, sd_bus_message *m);

/* Calls member of every kind the port carries, in LibPortKindIndex order. */
#define LIB_PORT_FOREACH_KIND(port, member, ...)                                         \
        do {                                                                            \
                for (unsigned _k = 0; _k < _LIB_PORT_KIND_MAX; _k++)                    \
                        if ((port)->kinds[_k] && (port)->kinds[_k]->member)             \
                                (port)->kinds[_k]->member(__VA_ARGS__);                 \
        } while (0)
