/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cli-bus.h: the bus the command-line tools find ioregd on. */
#pragma once

#include <systemd/sd-bus.h>

/* $IOREG_BUS_ADDRESS when set, else the system bus. *ret is the caller's. */
int cli_connect_bus(sd_bus **ret);
