/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cli-bus.c: see cli-bus.h. */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ioreg/service.h>

#include "cli-bus.h"
#include "macro.h"
#include "protocol.h"

static const char *remote_host; /* borrowed from argv: set by -H */

/* D-Bus address escaping, as sd-bus's bus_address_escape(): %xx for all but [A-Za-z0-9_/.-]. */
static void append_escaped(char *buf, size_t size, const char *s) {
        size_t n = strlen(buf);

        for (; *s && n + 4 < size; s++) {
                if ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
                    strchr("_-/.", *s))
                        buf[n++] = *s;
                else
                        n += (size_t) snprintf(buf + n, size - n, "%%%02x", (unsigned char) *s);
        }
        buf[n] = '\0';
}

int cli_set_remote_host(const char *host) {
        char address[1024] = "unixexec:path=ssh,argv1=-xT", name[512];
        const char *colon = strrchr(host, ':');
        unsigned argn = 2;

        if (!*host || strlen(host) >= sizeof(name) || host[0] == '-')
                return -EINVAL;
        snprintf(name, sizeof(name), "%s", host);
        if (colon) {
                const char *port = colon + 1;

                if (!*port || strspn(port, "0123456789") != strlen(port) || strlen(port) > 5)
                        return -EINVAL;
                name[colon - host] = '\0';
                snprintf(address + strlen(address), sizeof(address) - strlen(address), ",argv2=-p,argv3=%s",
                         port);
                argn = 4;
        }
        if (!*name)
                return -EINVAL;
        snprintf(address + strlen(address), sizeof(address) - strlen(address), ",argv%u=--,argv%u=", argn,
                 argn + 1);
        append_escaped(address, sizeof(address), name);
        snprintf(address + strlen(address), sizeof(address) - strlen(address), ",argv%u=systemd-stdio-bridge",
                 argn + 2);
        if (setenv(IOREG_BUS_ADDRESS_ENV, address, 1) < 0)
                return -errno;
        remote_host = host;
        return 0;
}

int cli_explain_unreachable(const char *program) {
        const char *address = getenv(IOREG_BUS_ADDRESS_ENV);
        ioreg_return_t rr = ioreg_kit_check_daemon();

        if (rr == IOREG_RETURN_SUCCESS)
                return 0;
        if (remote_host) {
                if (rr == IOREG_RETURN_IPC_ERROR)
                        fprintf(stderr,
                                "%s: cannot reach the system bus of %s: 'ssh %s systemd-stdio-bridge' must work "
                                "(ssh keys, systemd on %s)\n",
                                program, remote_host, remote_host, remote_host);
                else
                        fprintf(stderr,
                                "%s: ioregd is not running on %s: start it there with "
                                "'systemctl start ioregd'\n",
                                program, remote_host);
        } else if (address) {
                if (rr == IOREG_RETURN_IPC_ERROR)
                        fprintf(stderr, "%s: cannot connect to the bus at IOREG_BUS_ADDRESS=%s: is that bus "
                                        "still running? (unset IOREG_BUS_ADDRESS for the system bus)\n",
                                program, address);
                else
                        fprintf(stderr, "%s: ioregd is not on the bus at IOREG_BUS_ADDRESS=%s: start it with "
                                        "'ioregd --bus-address=%s'\n",
                                program, address, address);
        } else {
                if (rr == IOREG_RETURN_IPC_ERROR)
                        fprintf(stderr, "%s: cannot connect to the system bus: is dbus running? "
                                        "(IOREG_BUS_ADDRESS names another bus)\n",
                                program);
                else
                        fprintf(stderr, "%s: ioregd is not running on the system bus: start it with "
                                        "'sudo systemctl start ioregd' (from a source tree: ./run)\n",
                                program);
        }
        return 1;
}
