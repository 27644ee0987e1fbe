/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bus-user-client.h: org.ioreg.UserClients1 on /org/ioreg/Registry1
 * (systemd/org.ioreg.UserClients1.xml): IOServiceOpen. ioregd checks the
 * service (a driver started in a checked-in driver server) and the caller
 * (an administrator where the personality says IOUserClientRequiresAdministrator:
 * root, or polkit's org.ioreg.open-user-client), asks the server for a user
 * client over one end of a socketpair (DriverServer1.NewUserClient), makes
 * the entry (user-client-broker.h) and returns the other end: from then on
 * application and server talk peer to peer. The server reports the
 * connection's end (UserClientClosed) and the entry goes.
 */
#pragma once

#include "bus-context.h"

/* Adds the interface to c->bus; c->user_clients is made on the first open and freed by bus_context_done(). */
int bus_user_client_register(BusContext *c);
