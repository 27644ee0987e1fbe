/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bus-notify-port.h: notification ports (issue 21). A client connection
 * that calls org.ioreg.Notifications1.OpenPort gets one end of a
 * socketpair; ioregd is the D-Bus server on the other end (sd-bus server
 * mode, anonymous), serves the same Notifications1 vtable there, and sends
 * that client's signals there instead of through the bus. The message a
 * subscriber reads is the same; what goes away is the bus daemon's hop:
 * one unicast signal through dbus-daemon costs it some 28 µs of CPU, so a
 * remove seen by 100 subscribers waited 2.8 ms for the bus alone, and no
 * add could reach a subscriber in less than a round trip. Apple's
 * IONotificationPort is a Mach port the kernel writes to directly; systemd
 * gives systemctl a private socket for the same reason.
 *
 * A port belongs to the bus connection that opened it (its owner, a unique
 * name): what is made over the port is that connection's, with its UID,
 * quotas and right to root-only keys (bus-peers.h), and once it has a port
 * all its signals go there. One port per connection; the port ends when
 * the client closes it (the owner's subscriptions end, the hook) or when
 * its owner leaves the bus (bus_notify_ports_close()). A client that calls
 * over its port without reading the answers is cut off at
 * NOTIFY_PORT_MAX_QUEUED messages; signals never queue that deep (the
 * notifier waits, bus-notify.c).
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#define NOTIFY_PORTS_MAX 4096u          /* open at once, all clients */
#define NOTIFY_PORTS_MAX_PER_UID 256u   /* dbus-daemon's connections per user on the system bus */
#define NOTIFY_PORT_MAX_QUEUED 1024u    /* answers waiting for the client (beyond the socket's) before it is cut off */

typedef struct BusNotifyPorts BusNotifyPorts;
typedef struct BusNotifyPort BusNotifyPort;

/*
 * What a call on the notification vtable came through: userdata of each
 * registration. owner NULL: the bus (the sender owns what it makes); else
 * the port's owner.
 */
typedef struct NotifyEndpoint {
        struct BusNotify *notify; /* weak: the one that serves the vtable */
        const char *owner;     /* borrowed from the port; NULL on the bus */
} NotifyEndpoint;

typedef struct BusNotifyPortsHooks {
        /* owner's port ended from the client's side (closed, or cut off): end what it held. */
        void (*closed)(void *userdata, const char *owner);
} BusNotifyPortsHooks;

/* vtable (static) is served on /org/ioreg/Registry1 of every port, with its endpoint as userdata. */
int bus_notify_ports_new(sd_event *event, const sd_bus_vtable *vtable, const char *path, const char *interface,
                         struct BusNotify *notify, const BusNotifyPortsHooks *hooks, void *userdata,
                         BusNotifyPorts **ret);
BusNotifyPorts *bus_notify_ports_free(BusNotifyPorts *p);

/*
 * Opens owner's port, uid its owner's UID ((uid_t) -1 unknown): the client's end in *ret_fd (the
 * caller's, to send and close). -EEXIST owner has one, -EUSERS too many open (NOTIFY_PORTS_MAX,
 * NOTIFY_PORTS_MAX_PER_UID).
 */
int bus_notify_ports_open(BusNotifyPorts *p, const char *owner, uid_t uid, int *ret_fd);
/* owner left the bus: its port (if any) is closed without the hook. */
void bus_notify_ports_close(BusNotifyPorts *p, const char *owner);
/*
 * owner's port: 1 and its connection in *ret, 0 when it has none (its signals go through the bus),
 * -ESHUTDOWN when it is ending (its subscriptions are about to end: send nothing).
 */
int bus_notify_ports_lookup(BusNotifyPorts *p, const char *owner, sd_bus **ret);
/*
 * Signals written by hand (bus-notify-wire.h): owner's next signal may be, 1 with its port in
 * *ret_port (borrowed, for bus_notify_ports_write() before the loop turns) and its serial in
 * *ret_serial, when nothing sd-bus holds for the port is due before it; 0 when it goes through
 * sd-bus (no port, or sd-bus holds messages); -ESHUTDOWN when the port is ending.
 */
int bus_notify_ports_by_hand(BusNotifyPorts *p, const char *owner, BusNotifyPort **ret_port, uint32_t *ret_serial);
/*
 * Writes one whole message on the port bus_notify_ports_by_hand() gave; what the socket does not
 * take waits, before anything else, and sd-bus writes nothing until it is out.
 */
int bus_notify_ports_write(BusNotifyPort *port, const void *data, size_t len);
/* The port's kept header for the Notifications written by hand (bus-notify-wire.h); the port owns it. */
struct BusNotifyWireHeader *bus_notify_ports_header(BusNotifyPort *port);
/* Messages waiting to be written on owner's port (sd-bus's and those written by hand). */
uint64_t bus_notify_ports_queued(BusNotifyPorts *p, const char *owner);
/* Something was sent on owner's port: it is written when the socket takes it (no-op without a port). */
void bus_notify_ports_sent(BusNotifyPorts *p, const char *owner);
/* Ports open. */
unsigned bus_notify_ports_count(const BusNotifyPorts *p);
