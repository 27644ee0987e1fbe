/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* bus-restricted.c: see bus-restricted.h. */

#include <errno.h>

#include "bus-peers.h"
#include "bus-restricted.h"
#include "bus-value.h"
#include "macro.h"

static const char *const restricted_keys[] = {
        "IOPlatformSerialNumber", /* /sys/class/dmi/id/product_serial, 0400 */
        "IOPlatformUUID",         /* /sys/class/dmi/id/product_uuid, 0400 */
};

_hot_ bool bus_restricted_key(const char *key) {
        for (size_t i = 0; i < ELEMENTSOF(restricted_keys); i++)
                if (streq(key, restricted_keys[i]))
                        return true;
        return false;
}

_hot_ bool bus_restricted_holds(const Value *props) {
        for (size_t i = 0; i < ELEMENTSOF(restricted_keys); i++)
                if (value_dict_get(props, restricted_keys[i]))
                        return true;
        return false;
}

/* Borrowed: the daemon's client table (bus_restricted_use_peers()), NULL in a bus without one. */
static BusPeers *uid_source;

void bus_restricted_use_peers(BusPeers *peers) {
        uid_source = peers;
}

/* m goes to one connection of UID 0, or one polkit allows (bus-peers.h). */
bool bus_restricted_may_see(sd_bus_message *m) {
        return bus_restricted_may_see_name(sd_bus_message_get_bus(m), sd_bus_message_get_destination(m));
}

bool bus_restricted_may_see_name(sd_bus *bus, const char *dest) {
        _cleanup_(sd_bus_creds_unrefp) sd_bus_creds *creds = NULL;
        uid_t uid;

        if (!dest || dest[0] != ':')
                return false; /* a broadcast, or a well-known name: anyone may read it */
        /*
         * The UID the bus told when the client first called (bus-flow.c runs no call before it):
         * a synchronous question here would hold the loop behind a busy bus (issue 23 D).
         */
        if (uid_source) {
                int r = bus_peers_uid(uid_source, dest, &uid);

                if (r != -ENOENT)
                        return bus_peers_may_see_restricted(uid_source, dest); /* root, or polkit's yes */
        }
        if (!bus || sd_bus_get_name_creds(bus, dest, SD_BUS_CREDS_EUID, &creds) < 0 ||
            sd_bus_creds_get_euid(creds, &uid) < 0)
                return false;
        return uid == 0;
}

int bus_append_entry_properties(sd_bus_message *m, const Value *props) {
        _cleanup_value_ Value *shown = NULL;

        if (!bus_restricted_holds(props) || bus_restricted_may_see(m))
                return bus_message_append_dict(m, props);
        shown = value_new_dictionary();
        if (!shown)
                return -ENOMEM;
        for (size_t i = 0; i < value_dict_size(props); i++) {
                const char *key = value_dict_key_at(props, i);
                int r;

                if (bus_restricted_key(key))
                        continue;
                r = value_dict_set(shown, key, value_dict_value_at(props, i));
                if (r < 0)
                        return r;
        }
        return bus_message_append_dict(m, shown);
}
