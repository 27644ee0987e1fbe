/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* bus-client.c: see bus-client.h. */

#include <stdlib.h>

#include "bus-client.h"
#include "macro.h"
#include "protocol.h"

int bus_client_connect(sd_bus **ret) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        const char *address = getenv(IOREG_BUS_ADDRESS_ENV);
        int r;

        if (!address)
                return sd_bus_open_system(ret);
        r = sd_bus_new(&bus);
        if (r < 0)
                return r;
        r = sd_bus_set_address(bus, address);
        if (r < 0)
                return r;
        r = sd_bus_set_bus_client(bus, true);
        if (r < 0)
                return r;
        r = sd_bus_start(bus);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(bus);
        return 0;
}
