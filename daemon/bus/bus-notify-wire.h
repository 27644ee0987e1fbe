/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bus-notify-wire.h: a Notifications1 signal written by hand (bus-wire.h)
 * for a notification port, where ioregd alone writes to the socket
 * (bus-notify-port.h): the message sd-bus would make, header and body, in
 * a buffer kept from one signal to the next. On the bus, and on a port
 * whose sd-bus still holds messages, sd-bus writes them as before.
 *
 * The header is sd-bus's for a signal from a server connection: little
 * endian, no reply expected, the fields PATH, INTERFACE, MEMBER,
 * DESTINATION and SIGNATURE in that order.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "bus-wire.h"

/*
 * Empties w and writes the header of signal member of IOREG_NOTIFY_INTERFACE on IOREG_OBJECT_PATH,
 * to destination, whose body has signature; the body goes after it. Returns where the body starts.
 */
size_t bus_notify_wire_begin(BusWire *w, uint32_t serial, const char *destination, const char *member,
                             const char *signature);
/* Writes the body's length into the header. Returns the first error of the message (w->error). */
int bus_notify_wire_end(BusWire *w, size_t body_at);

/*
 * A header kept from one signal to the next (a port keeps one for its Notifications): the next with
 * the same destination, member and signature copies it and changes only the serial, where writing
 * its five fields again cost an add about 1.5 µs of cold code after a sleep.
 */
typedef struct BusNotifyWireHeader {
        uint8_t *bytes;                 /* owned: the header, up to where the body starts */
        size_t len;                     /* 0: none kept */
        char *destination;              /* owned */
        const char *member, *signature; /* static: the writer's literals */
} BusNotifyWireHeader;

/* bus_notify_wire_begin(), through h: copied when h holds that header, else written and kept. */
size_t bus_notify_wire_begin_kept(BusWire *w, BusNotifyWireHeader *h, uint32_t serial, const char *destination,
                                  const char *member, const char *signature);
void bus_notify_wire_header_done(BusNotifyWireHeader *h);
