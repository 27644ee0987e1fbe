/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bus-restricted.h: properties that Linux keeps root-only, shown to root
 * only (issue 23, M). The platform expert's IOPlatformSerialNumber and
 * IOPlatformUUID come from DMI's product_serial and product_uuid, which
 * the kernel makes readable by root alone (0400); ioregd reads them as root
 * and must not hand them to every user. Every message that carries an
 * entry's properties goes through bus_append_entry_properties(): a message
 * addressed to a connection whose effective UID is 0 (a reply, a unicast
 * signal), or one that polkit allows org.ioreg.read-platform-identity
 * (bus-peers.h asks once per connection), gets them; any other (another
 * user, a broadcast) gets the table without those keys, as if the entry
 * had none. Only tables that hold one
 * of them cost a question to the bus (the UID behind the destination).
 */
#pragma once

#include <stdbool.h>
#include <systemd/sd-bus.h>

#include "value.h"

/* The key is one of the root-only ones. */
bool bus_restricted_key(const char *key);

typedef struct BusPeers BusPeers;

/*
 * Where the UIDs come from: the daemon's client table (bus-peers.h, borrowed; NULL to forget it).
 * Without it, or for a destination it does not track, the bus is asked synchronously.
 */
void bus_restricted_use_peers(BusPeers *peers);

/* props holds one of the root-only keys (then, and only then, the destination's UID counts). */
bool bus_restricted_holds(const Value *props);
/*
 * m goes to one connection whose effective UID is 0, or that polkit allows
 * (may ask the bus: call it only when it counts).
 */
bool bus_restricted_may_see(sd_bus_message *m);
/*
 * The same for a message to dest (a unique name) written without sd-bus; bus NULL: the client table
 * alone is asked (a port's owner is in it: it called OpenPort), never the bus.
 */
bool bus_restricted_may_see_name(sd_bus *bus, const char *dest);

/* Appends props as `a{sv}` to m, without the root-only keys unless bus_restricted_may_see(m). */
int bus_append_entry_properties(sd_bus_message *m, const Value *props);
