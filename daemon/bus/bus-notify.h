/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bus-notify.h: the org.ioreg.Notifications1 interface on
 * /org/ioreg/Registry1 (systemd/org.ioreg.Notifications1.xml is the
 * contract): matching notifications and interest messages, sent as
 * unicast signals to the subscriber alone. The decisions (what, when, how
 * many) are notify-hub.h's; this file speaks D-Bus: it reads and checks
 * the calls, sends the signals, and ends a client's subscriptions when it
 * leaves the bus (bus-peers.h: one match for every client).
 */
#pragma once

#include "bus-context.h"
#include "protocol.h"


typedef struct BusNotify BusNotify;

/* Creates m->notify and adds the interface to m->bus. */
int bus_notify_register(BusContext *m);
BusNotify *bus_notify_free(BusNotify *b);

/* Inputs from the manager's hooks; each does nothing before bus_notify_register(). */
void bus_notify_matching(BusContext *m, Entry *e, MatchNotification type);
void bus_notify_busy_changed(BusContext *m, Entry *e, bool busy);
void bus_notify_properties_changed(BusContext *m, Entry *e);
/* e's runtime power state went from one state to another: the will/has pair to power interest. */
void bus_notify_power_changed(BusContext *m, Entry *e, unsigned from, unsigned to);
void bus_notify_message_clients(BusContext *m, Entry *e, uint32_t message, uint64_t argument);
