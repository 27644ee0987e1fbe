/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bus-admin.h: the privileged calls of org.ioreg.Registry1. Root may;
 * anyone else as polkit decides (bus-polkit.h), with the actions of
 * systemd/org.ioreg.policy: org.ioreg.set-properties,
 * org.ioreg.terminate-entry, org.ioreg.reload-catalogue. Refused:
 * org.ioreg.Error.AccessDenied. userdata is the BusContext.
 */
#pragma once

#include <systemd/sd-bus.h>

/* SetProperties(t id, a{sv} properties): bus_context_set_entry_properties(). */
int bus_method_set_properties(sd_bus_message *call, void *userdata, sd_bus_error *error);
/* TerminateEntry(t id) → u removed: bus_context_terminate_entry(). */
int bus_method_terminate_entry(sd_bus_message *call, void *userdata, sd_bus_error *error);
/* ReloadCatalogue() → u personalities: bus_context_reload_catalogue(), then the catalogue's size. */
int bus_method_reload_catalogue(sd_bus_message *call, void *userdata, sd_bus_error *error);
