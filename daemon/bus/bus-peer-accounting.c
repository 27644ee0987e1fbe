/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* bus-peer-accounting.c: see bus-peer-accounting.h. */

#include <errno.h>
#include <string.h>

#include "bus-peer-accounting.h"
#include "macro.h"

/* One (sa{sv}a{su}): the name, the credentials skipped, OutgoingBytes looked for. */
static int parse_peer(sd_bus_message *m, void (*fn)(void *, const char *, uint32_t), void *userdata) {
        const char *name, *key;
        uint32_t value, outgoing = UINT32_MAX;
        int r;

        r = sd_bus_message_read(m, "s", &name);
        if (r >= 0)
                r = sd_bus_message_skip(m, "a{sv}");
        if (r >= 0)
                r = sd_bus_message_enter_container(m, 'a', "{su}");
        while (r >= 0 && (r = sd_bus_message_read(m, "{su}", &key, &value)) > 0)
                if (streq(key, "OutgoingBytes"))
                        outgoing = value;
        if (r >= 0)
                r = sd_bus_message_exit_container(m);
        if (r < 0)
                return r;
        if (outgoing != UINT32_MAX)
                fn(userdata, name, outgoing);
        return 0;
}

static int parse_accounting(sd_bus_message *m, void (*fn)(void *, const char *, uint32_t), void *userdata) {
        int r;

        r = sd_bus_message_enter_container(m, 'v', "a(sa{sv}a{su})");
        if (r >= 0)
                r = sd_bus_message_enter_container(m, 'a', "(sa{sv}a{su})");
        while (r >= 0 && (r = sd_bus_message_enter_container(m, 'r', "sa{sv}a{su}")) > 0) {
                r = parse_peer(m, fn, userdata);
                if (r >= 0)
                        r = sd_bus_message_exit_container(m);
        }
        if (r >= 0)
                r = sd_bus_message_exit_container(m);
        if (r >= 0)
                r = sd_bus_message_exit_container(m);
        return r;
}

int bus_peer_accounting_parse(sd_bus_message *reply, void (*fn)(void *userdata, const char *name,
                                                                 uint32_t outgoing_bytes),
                              void *userdata) {
        const char *key;
        int r, found = 0;

        r = sd_bus_message_enter_container(reply, 'a', "{sv}");
        while (r >= 0 && (r = sd_bus_message_enter_container(reply, 'e', "sv")) > 0) {
                r = sd_bus_message_read(reply, "s", &key);
                if (r >= 0 && streq(key, BUS_PEER_ACCOUNTING_KEY)) {
                        found = 1;
                        r = parse_accounting(reply, fn, userdata);
                } else if (r >= 0)
                        r = sd_bus_message_skip(reply, "v");
                if (r >= 0)
                        r = sd_bus_message_exit_container(reply);
        }
        if (r < 0)
                return r;
        return found ? 0 : -ENOENT;
}
