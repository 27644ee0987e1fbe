/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bus-peer-accounting.h: dbus-broker's figure of what it holds for each
 * client. dbus-broker has no Debug.Stats.GetConnectionStats (it answers
 * Failed, "Unimplemented functionality"), but its Debug.Stats.GetStats carries, under
 * "org.bus1.DBus.Debug.Stats.PeerAccounting", an a(sa{sv}a{su}): each
 * peer's unique name, its credentials, and its figures, among them
 * OutgoingBytes, the bytes queued for it and not yet written to it (the
 * same as dbus-daemon's per connection). bus-peers.h asks it for read
 * receipts there.
 */
#pragma once

#include <stdint.h>
#include <systemd/sd-bus.h>

#define BUS_PEER_ACCOUNTING_KEY "org.bus1.DBus.Debug.Stats.PeerAccounting"

/*
 * Calls fn for each peer of a GetStats answer with its OutgoingBytes (peers without it are
 * skipped). 0; -ENOENT when the answer has no PeerAccounting (dbus-daemon, an older broker);
 * negative errno on a malformed answer (fn may have been called for some peers).
 */
int bus_peer_accounting_parse(sd_bus_message *reply, void (*fn)(void *userdata, const char *name,
                                                                 uint32_t outgoing_bytes),
                              void *userdata);
