/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bus-registry.h: the org.ioreg.Registry1 interface on /org/ioreg/Registry1
 * (systemd/org.ioreg.Registry1.xml is the contract). Maps errno values to
 * org.ioreg.Error.* names; nothing else in the daemon speaks D-Bus errors.
 */
#pragma once

#include "manager.h"

#define IOREG_ERROR_NO_SUCH_PLANE "org.ioreg.Error.NoSuchPlane"
#define IOREG_ERROR_TIMEOUT "org.ioreg.Error.Timeout"
#define IOREG_ERROR_INVALID_ARGUMENT "org.ioreg.Error.InvalidArgument"
#define IOREG_ERROR_FAILED "org.ioreg.Error.Failed"

int bus_registry_register(Manager *m);
/* Completes WaitQuiet calls once the registry is quiet (the root's busy count is 0). */
void bus_registry_quiet_changed(Manager *m);
/* Cancels pending WaitQuiet calls (shutdown). */
void bus_registry_drop_waiters(Manager *m);
