/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* bench-notify-port.c: see bench-notify-port.h. */

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "bench-notify-port.h"
#include "macro.h"
#include "notify-client.h"
#include "protocol.h"

int bench_port_open(sd_bus *bus, sd_bus **ret) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        int r = notify_port_open(bus, &error, ret);

        if (r < 0)
                fprintf(stderr, "bench-notify: OpenPort: %s\n", error.message ?: strerror(-r));
        return r;
}

int bench_port_count(sd_bus *bus, unsigned *ret) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        uint32_t n = 0;
        int r;

        r = sd_bus_get_property_trivial(bus, IOREG_BUS_NAME, IOREG_OBJECT_PATH, IOREG_NOTIFY_INTERFACE, "Ports",
                                        &error, 'u', &n);
        if (r < 0) {
                fprintf(stderr, "bench-notify: Ports: %s\n", error.message ?: "no reply");
                return r;
        }
        *ret = n;
        return 0;
}
