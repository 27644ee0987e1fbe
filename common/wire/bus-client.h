/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* bus-client.h: the bus clients (the CLI, libioreg) find ioregd on. */
#pragma once

#include <systemd/sd-bus.h>

/* $IOREG_BUS_ADDRESS when set, else the system bus. *ret is the caller's. */
int bus_client_connect(sd_bus **ret);
