/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bus-announce.h: InterfacesAdded and InterfacesRemoved for the entry
 * objects, coalesced. The registry tells us about every entry it creates or
 * removes (RegistryEntryCallback); we queue the IDs in order and send the
 * signals together once the changes have settled:
 *
 * - a timer BUS_ANNOUNCE_DELAY_USEC after the first queued change, so a
 *   uevent storm (one event per loop iteration) goes out in batches, and
 *   InterfacesAdded carries the entry as its creator finished it (name,
 *   properties, planes), not as it was born;
 * - an entry created and removed again before the flush is never announced;
 * - before the daemon processes any incoming message (an sd-bus filter), so
 *   no client can see in a reply (GetManagedObjects, GetPlane) a state that
 *   the signals have not reached yet: a cancelled pair is one nobody saw.
 *
 * After a flush that sent anything, PropertiesChanged invalidates
 * org.ioreg.Registry1's Entries and Generation.
 */
#pragma once

#include <stdbool.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include "registry.h"

#define BUS_ANNOUNCE_DELAY_USEC 10000 /* 10 ms */

typedef struct BusAnnounce BusAnnounce;

/* bus and event are borrowed and must outlive the announcer. */
int bus_announce_new(sd_bus *bus, sd_event *event, BusAnnounce **ret);
BusAnnounce *bus_announce_free(BusAnnounce *a);
DEFINE_TRIVIAL_CLEANUP_FUNC(BusAnnounce *, bus_announce_free);

/* Queues e's arrival or departure. Called from the registry's entry callback; never fails the caller. */
void bus_announce_entry(BusAnnounce *a, Entry *e, bool added);
/* Sends what is queued now. */
int bus_announce_flush(BusAnnounce *a);
/* Queued changes (tests). */
unsigned bus_announce_n_pending(const BusAnnounce *a);
