/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * reconnect.c: the port's connection over the daemon's lifetime. The port
 * follows the owner of org.ioreg.Registry1 (NameOwnerChanged) and its own
 * connection (sd-bus's Disconnected); when the daemon comes back under a new
 * unique name, or the connection is made again (back-off 50 ms doubling to
 * 5 s), every notification subscribes again from the work handler.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bus-client.h"
#include "notification-port.h"
#include "protocol.h"

#define BACKOFF_MIN_USEC (50 * 1000ULL)
#define BACKOFF_MAX_USEC (5 * 1000 * 1000ULL)

static void set_owner(ioreg_notification_port_t port, const char *owner) {
        free(port->owner);
        port->owner = owner && *owner ? strdup(owner) : NULL;
        port->run = lib_run_for_owner(port->owner);
}

/* The daemon's unicast signals, and sd-bus's own Disconnected. */
static int on_filter(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        ioreg_notification_port_t port = userdata;

        if (sd_bus_message_is_signal(m, "org.freedesktop.DBus.Local", "Disconnected")) {
                /* The connection is torn down from the work handler, outside sd-bus's processing. */
                port->need_resubscribe = false;
                port->disconnected = true;
                lib_port_wake(port);
                return 0;
        }
        if (!sd_bus_message_is_signal(m, IOREG_NOTIFY_INTERFACE, NULL) ||
            !streq_ptr(sd_bus_message_get_sender(m), port->owner))
                return 0;
        lib_port_handle_notify_signal(port, m);
        return 1;
}

static int on_owner_changed(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        ioreg_notification_port_t port = userdata;
        const char *name, *old_owner, *new_owner;

        if (sd_bus_message_read(m, "sss", &name, &old_owner, &new_owner) < 0 || !streq(name, IOREG_BUS_NAME))
                return 0;
        if (streq_ptr(port->owner, new_owner))
                return 0;
        /* Whatever was subscribed belonged to the old daemon. */
        LIB_PORT_FOREACH_KIND(port, forget_all, port);
        set_owner(port, new_owner);
        if (port->owner) {
                port->backoff_usec = BACKOFF_MIN_USEC; /* a new daemon: its port is opened at once */
                port->need_resubscribe = true;
                lib_port_wake(port);
        }
        return 0;
}

int lib_port_connect(ioreg_notification_port_t port) {
        _cleanup_(sd_bus_creds_unrefp) sd_bus_creds *creds = NULL;
        const char *owner = NULL;
        int r;

        r = bus_client_connect(&port->bus);
        if (r < 0) {
                port->bus = NULL;
                return r;
        }
        r = sd_bus_attach_event(port->bus, port->event, SD_EVENT_PRIORITY_NORMAL);
        if (r >= 0)
                r = sd_bus_add_filter(port->bus, &port->filter_slot, on_filter, port);
        if (r >= 0)
                r = sd_bus_add_match(port->bus, &port->owner_slot,
                                     "type='signal',sender='org.freedesktop.DBus',path='/org/freedesktop/DBus',"
                                     "interface='org.freedesktop.DBus',member='NameOwnerChanged',"
                                     "arg0='" IOREG_BUS_NAME "'",
                                     on_owner_changed, port);
        for (LibSignalMatch *m = port->signal_matches; r >= 0 && m; m = m->next)
                r = sd_bus_add_match(port->bus, &m->slot, m->rule, m->handler, m->userdata);
        if (r < 0) {
                lib_port_disconnect(port);
                return r;
        }
        /* After the match: a daemon that appears from now on is seen one way or the other. */
        if (sd_bus_get_name_creds(port->bus, IOREG_BUS_NAME, SD_BUS_CREDS_UNIQUE_NAME, &creds) >= 0)
                (void) sd_bus_creds_get_unique_name(creds, &owner);
        port->backoff_usec = BACKOFF_MIN_USEC;
        if (owner && !streq_ptr(owner, port->owner)) {
                set_owner(port, owner);
                port->need_resubscribe = true;
                lib_port_wake(port);
        } else if (!owner)
                set_owner(port, NULL);
        /* Before anything subscribes: a port is used from its first notification on. Without one, the bus. */
        (void) lib_port_open_direct(port);
        return 0;
}

void lib_port_disconnect(ioreg_notification_port_t port) {
        lib_port_close_direct(port);
        for (LibSignalMatch *m = port->signal_matches; m; m = m->next)
                m->slot = sd_bus_slot_unref(m->slot);
        port->filter_slot = sd_bus_slot_unref(port->filter_slot);
        port->owner_slot = sd_bus_slot_unref(port->owner_slot);
        if (port->bus) {
                (void) sd_bus_detach_event(port->bus);
                port->bus = sd_bus_flush_close_unref(port->bus);
        }
}

static int schedule_reconnect(ioreg_notification_port_t port);

/* The next try waits twice as long, up to BACKOFF_MAX_USEC. */
static void backoff_double(ioreg_notification_port_t port) {
        port->backoff_usec = port->backoff_usec * 2 > BACKOFF_MAX_USEC ? BACKOFF_MAX_USEC : port->backoff_usec * 2;
}

static int on_reconnect_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        ioreg_notification_port_t port = userdata;

        port->reconnect_timer = sd_event_source_disable_unref(port->reconnect_timer);
        if (port->bus) {
                /* Only the daemon's port was lost: the work handler opens another and subscribes again. */
                if (port->owner && !port->direct) {
                        port->direct_resubscribe = true;
                        lib_port_wake(port);
                }
                return 0;
        }
        if (lib_port_connect(port) < 0) {
                backoff_double(port);
                (void) schedule_reconnect(port);
        }
        return 0;
}

static int schedule_reconnect(ioreg_notification_port_t port) {
        if (port->reconnect_timer)
                return 0;
        if (!port->backoff_usec)
                port->backoff_usec = BACKOFF_MIN_USEC;
        return sd_event_add_time_relative(port->event, &port->reconnect_timer, CLOCK_MONOTONIC, port->backoff_usec,
                                          0, on_reconnect_timer, port);
}

void lib_port_run_work(ioreg_notification_port_t port) {
        if (port->bus && (port->disconnected || sd_bus_is_open(port->bus) <= 0)) {
                port->disconnected = false;
                LIB_PORT_FOREACH_KIND(port, forget_all, port);
                lib_port_disconnect(port);
                set_owner(port, NULL);
                (void) schedule_reconnect(port);
        }
        if (port->direct && (port->direct_lost || sd_bus_is_open(port->direct) <= 0)) {
                /* A gone daemon's port: its subscriptions were forgotten when its name changed hands. */
                bool current = lib_port_direct(port) != NULL;

                lib_port_close_direct(port);
                if (current) {
                        /* The daemon ended the port (it is going, or it dropped us): the subscriptions went with it. */
                        LIB_PORT_FOREACH_KIND(port, forget_all, port);
                        /* A new daemon gets its port below at once; the same one after a back-off. */
                        if (!port->need_resubscribe && schedule_reconnect(port) >= 0)
                                backoff_double(port);
                }
        }
        if (port->need_resubscribe && port->bus && port->owner) {
                port->need_resubscribe = false;
                /* The port belongs to one run of the daemon; none (or a dropped one) is asked for again. */
                port->direct_resubscribe = false;
                if (!port->direct || port->direct_run != port->run)
                        (void) lib_port_open_direct(port);
                LIB_PORT_FOREACH_KIND(port, resubscribe_all, port);
                for (unsigned i = 0; i < port->n_hooks; i++)
                        if (port->hooks[i].reconnected)
                                port->hooks[i].reconnected(port, port->hooks[i].userdata);
        } else if (port->direct_resubscribe && port->bus && port->owner) {
                /* The same daemon: what the hooks registered over the bus still stands. */
                port->direct_resubscribe = false;
                if (port->direct || lib_port_open_direct(port) >= 0)
                        LIB_PORT_FOREACH_KIND(port, resubscribe_all, port);
                else if (schedule_reconnect(port) >= 0)
                        /* Not answering: going (its NameOwnerChanged is on its way), or busy. Later. */
                        backoff_double(port);
        }
        LIB_PORT_FOREACH_KIND(port, work, port);
        for (unsigned i = 0; i < port->n_hooks; i++)
                if (port->hooks[i].work)
                        port->hooks[i].work(port, port->hooks[i].userdata);
}
