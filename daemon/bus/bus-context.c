/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* bus-context.c: see bus-context.h. */

#include "bus-announce.h"
#include "bus-context.h"
#include "bus-flow.h"
#include "bus-notify.h"
#include "bus-peers.h"
#include "bus-polkit.h"
#include "bus-registry.h"
#include "bus-system-power.h"
#include "bus-usb.h"
#include "user-client-broker.h"

void bus_context_done(BusContext *c) {
        if (!c)
                return;
        bus_registry_drop_waiters(c);
        c->notify = bus_notify_free(c->notify);
        c->system_power = bus_system_power_free(c->system_power);
        c->announce = bus_announce_free(c->announce);
        c->polkit = bus_polkit_free(c->polkit);
        c->flow = bus_flow_free(c->flow);
        c->user_clients = user_client_broker_free(c->user_clients);
        c->usb = bus_usb_free(c->usb);
        c->peers = bus_peers_free(c->peers); /* last: the others listen to it */
}
