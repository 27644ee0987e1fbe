/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* bench-notify-port.c: see bench-notify-port.h. */

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>

#include "bench-notify-port.h"
#include "macro.h"
#include "protocol.h"

int bench_port_open(sd_bus *bus, sd_bus **ret) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *port = NULL;
        int fd, r;

        r = sd_bus_call_method(bus, IOREG_BUS_NAME, IOREG_OBJECT_PATH, IOREG_NOTIFY_INTERFACE,
                               IOREG_NOTIFY_OPEN_PORT, &error, &reply, NULL);
        if (r < 0) {
                fprintf(stderr, "bench-notify: OpenPort: %s\n", error.message ?: "no reply");
                return r;
        }
        r = sd_bus_message_read(reply, "h", &fd);
        if (r < 0)
                return r;
        /* The reply owns its fd: the connection gets a copy of its own. */
        fd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
        if (fd < 0)
                return -errno;
        r = sd_bus_new(&port);
        if (r < 0) {
                close(fd);
                return r;
        }
        r = sd_bus_set_fd(port, fd, fd);
        if (r < 0) {
                close(fd);
                return r;
        }
        r = sd_bus_set_anonymous(port, 1);
        if (r >= 0)
                r = sd_bus_start(port);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(port);
        return 0;
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
