/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bus-query.h: the registry-wide queries of org.ioreg.Registry1 that any
 * caller may make (the vtable is bus-registry.c's; userdata is the BusContext).
 */
#pragma once

#include <systemd/sd-bus.h>

/* GetRootEntry() → t */
int bus_method_get_root_entry(sd_bus_message *call, void *userdata, sd_bus_error *error);
/* EntryFromPath(s path) → t */
int bus_method_entry_from_path(sd_bus_message *call, void *userdata, sd_bus_error *error);
/* GetMatchingServices(a{sv} matching) → at: registered services in the Matched state, by ID. */
int bus_method_get_matching_services(sd_bus_message *call, void *userdata, sd_bus_error *error);
/* GetClassHierarchy() → a(ss): each class and its superclass ("" for the root class), in definition order. */
int bus_method_get_class_hierarchy(sd_bus_message *call, void *userdata, sd_bus_error *error);
