/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bus-system-power.h: the org.ioreg.SystemPower1 interface on
 * /org/ioreg/Registry1 (systemd/org.ioreg.SystemPower1.xml is the
 * contract): Apple's IORegisterForSystemPower / IOAllowPowerChange /
 * IOCancelPowerChange on top of logind (logind.h).
 *
 * The daemon holds a logind delay inhibitor while the system is up. On
 * PrepareForSleep(true) every registered client gets SystemWillSleep with
 * a new notification ID; the inhibitor is released once each of them has
 * answered (AllowPowerChange, CancelPowerChange, deregistering or leaving
 * the bus) or the timeout has passed, whichever is first. On
 * PrepareForSleep(false) they get SystemWillPowerOn then
 * SystemHasPoweredOn, and a new inhibitor is taken.
 *
 * logind's delay inhibitors cannot veto: a CancelPowerChange of a
 * WillSleep counts as an answer and is logged (Apple, too, honours cancel
 * only for CanSystemSleep, which logind never asks).
 */
#pragma once

#include "bus-context.h"
#include "protocol.h"

#define SYSTEM_POWER_DEFAULT_TIMEOUT_USEC (30 * 1000 * 1000ULL) /* Apple's 30 s */

typedef struct BusSystemPower BusSystemPower;

/*
 * Adds the interface to m->bus, and watches logind on logind_bus (borrowed,
 * attached to m->event; NULL: no logind, the interface only).
 */
int bus_system_power_register(BusContext *m, sd_bus *logind_bus);
BusSystemPower *bus_system_power_free(BusSystemPower *b);
