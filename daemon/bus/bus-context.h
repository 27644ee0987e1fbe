/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bus-context.h: what the D-Bus objects of daemon/bus/ work on. The manager
 * (daemon/manager.c, the layer above) fills it in once and hands it to every
 * bus_*_register(); the bus objects never see the manager itself. The
 * privileged operations that change more than the bus's own state go back up
 * through BusAdminOps.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include "catalogue.h"
#include "matcher.h"
#include "registry.h"
#include "value.h"

typedef struct BusNotify BusNotify;
typedef struct BusAnnounce BusAnnounce;
typedef struct BusSystemPower BusSystemPower;
typedef struct BusPolkit BusPolkit;
typedef struct BusFlow BusFlow;
typedef struct BusPeers BusPeers;
typedef struct QuietWaiter QuietWaiter;
typedef struct DriverHost DriverHost;
typedef struct UserClientBroker UserClientBroker;
typedef struct BusUsb BusUsb;

/* The manager's privileged operations (manager.h says what each does). */
typedef struct BusAdminOps {
        int (*set_entry_properties)(void *userdata, Entry *e, Value *dict, const char **ret_bad_key);
        int (*terminate_entry)(void *userdata, Entry *e);
        int (*reload_catalogue)(void *userdata);
} BusAdminOps;

/*
 * No message the daemon sends is larger (an upper bound, bus-value.h): half of
 * dbus-daemon's 32 MiB on the system bus, which drops a sender that goes over.
 */
#define BUS_DEFAULT_MAX_MESSAGE (16u << 20)

typedef struct BusContext {
        /* Borrowed from the manager, which outlives every bus object. */
        sd_event *event;
        sd_bus *bus;
        Registry *registry;
        Catalogue *catalogue;      /* NULL when serving a snapshot */
        Matcher *matcher;          /* NULL when serving a snapshot */
        DriverHost *driver_host;   /* NULL when serving a snapshot */
        unsigned notify_limit;     /* 0: Apple's default */
        uint64_t max_message_bytes; /* no reply or signal larger; 0: BUS_DEFAULT_MAX_MESSAGE */
        uint64_t sleep_timeout_usec;
        const BusAdminOps *admin;  /* static */
        void *admin_userdata;      /* the manager */

        /* Owned by the bus layer; freed by bus_context_done(). */
        BusNotify *notify;         /* subscriptions and interest (bus-notify.h), NULL before the bus */
        BusAnnounce *announce;     /* InterfacesAdded/Removed, once on the bus */
        BusSystemPower *system_power; /* org.ioreg.SystemPower1 and logind, NULL before the bus */
        BusPolkit *polkit;         /* polkit questions in flight, NULL when none yet */
        BusFlow *flow;             /* parks calls while the bus does not read our replies */
        BusPeers *peers;           /* the clients: UIDs, unread bytes, ends (bus-peers.h), once on the bus */
        QuietWaiter *quiet_waiters; /* pending WaitQuiet calls */
        UserClientBroker *user_clients; /* IOServiceOpen's entries (user-client-broker.h), NULL until one */
        BusUsb *usb;               /* applications' USB holds (bus-usb.h), NULL until the first open */
} BusContext;

/* Frees what the bus layer owns; the borrowed pointers are left alone. */
void bus_context_done(BusContext *c);

static inline int bus_context_set_entry_properties(BusContext *c, Entry *e, Value *dict, const char **ret_bad_key) {
        return c->admin ? c->admin->set_entry_properties(c->admin_userdata, e, dict, ret_bad_key) : -EOPNOTSUPP;
}
static inline int bus_context_terminate_entry(BusContext *c, Entry *e) {
        return c->admin ? c->admin->terminate_entry(c->admin_userdata, e) : -EOPNOTSUPP;
}
static inline int bus_context_reload_catalogue(BusContext *c) {
        return c->admin ? c->admin->reload_catalogue(c->admin_userdata) : -EOPNOTSUPP;
}
