/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bus-registry.h: the org.ioreg.Registry1 interface on /org/ioreg/Registry1
 * (systemd/org.ioreg.Registry1.xml is the contract), and the registration
 * of everything below it: the entry objects (bus-entry.h) and their
 * InterfacesAdded/Removed (bus-announce.h). The queries live in
 * bus-query.c, the privileged calls in bus-admin.c; the error names in
 * bus-errors.h.
 */
#pragma once

#include "bus-errors.h"
#include "bus-context.h"

int bus_registry_register(BusContext *m);
/* Completes WaitQuiet calls once the registry is quiet (the root's busy count is 0). */
void bus_registry_quiet_changed(BusContext *m);
/* Cancels pending WaitQuiet calls (shutdown). */
void bus_registry_drop_waiters(BusContext *m);
