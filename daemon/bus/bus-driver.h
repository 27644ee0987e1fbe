/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bus-driver.h: org.ioreg.DriverHost1 on /org/ioreg/DriverHost1
 * (systemd/org.ioreg.DriverHost1.xml is the contract): what driver servers
 * call. CheckIn is accepted only from the process the host launched (bus
 * credentials); every other call names a driver instance and is accepted
 * only from the connection of the server running it (AccessDenied
 * otherwise, NoSuchEntry for an instance that was stopped).
 */
#pragma once

#include "bus-context.h"

/* Adds the interface to m->bus; m->driver_host must exist. */
int bus_driver_register(BusContext *m);
