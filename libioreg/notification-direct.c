/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * notification-direct.c: the daemon's notification port (issue 21). A
 * notification through the bus daemon costs a bus hop per subscriber; the
 * daemon's OpenPort gives one end of a socketpair instead, on which it is
 * the D-Bus server of a peer-to-peer connection carrying the same
 * Notifications1 calls and signals. The port keeps it as port->direct,
 * attached to its loop like port->bus. When to open and drop it is
 * reconnect.c's business.
 */

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

#include "notification-port.h"
#include "protocol.h"

void lib_port_handle_notify_signal(ioreg_notification_port_t port, sd_bus_message *m) {
        const char *member = sd_bus_message_get_member(m);
        const LibPortKind *kind; /* borrowed */

        kind = port->kinds[streq_ptr(member, "Interest") ? LIB_PORT_KIND_INTEREST : LIB_PORT_KIND_MATCHING];
        if (kind)
                (void) kind->handle_signal(port, m);
}

/* What comes on the direct connection, and sd-bus's own Disconnected for it. */
static int on_direct_filter(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        ioreg_notification_port_t port = userdata;

        if (sd_bus_message_is_signal(m, "org.freedesktop.DBus.Local", "Disconnected")) {
                /* Dropped from the work handler, outside sd-bus's processing. */
                port->direct_lost = true;
                lib_port_wake(port);
                return 0;
        }
        /* A peer connection has no sender: the signal is the daemon's because of where it came. */
        if (!sd_bus_message_is_signal(m, IOREG_NOTIFY_INTERFACE, NULL))
                return 0;
        lib_port_handle_notify_signal(port, m);
        return 1;
}

/* An answer of the daemon itself (not: it is gone, or did not answer). */
static bool daemon_refused(const sd_bus_error *e) {
        return sd_bus_error_has_name(e, SD_BUS_ERROR_UNKNOWN_METHOD) ||
               sd_bus_error_has_name(e, SD_BUS_ERROR_UNKNOWN_INTERFACE) ||
               sd_bus_error_has_name(e, SD_BUS_ERROR_ACCESS_DENIED) ||
               (sd_bus_error_is_set(e) && strncmp(e->name, "org.ioreg.Error.", 16) == 0);
}

bool lib_port_env_bus_only(void) {
        const char *e = getenv(IOREG_NOTIFY_PORT_ENV);

        return e && streq(e, "0");
}

/* A client of the peer-to-peer connection on fd (taken, whatever happens), started and attached. */
static int direct_new(ioreg_notification_port_t port, int fd, sd_bus **ret, sd_bus_slot **ret_filter) {
        _cleanup_(sd_bus_close_unrefp) sd_bus *bus = NULL; /* no flush: a failed start must not block */
        _cleanup_(sd_bus_slot_unrefp) sd_bus_slot *filter = NULL;
        _cleanup_close_ int owned_fd = fd;
        int r;

        r = sd_bus_new(&bus);
        if (r < 0)
                return r;
        (void) sd_bus_set_description(bus, "ioreg-notification-port");
        r = sd_bus_set_fd(bus, owned_fd, owned_fd);
        if (r < 0)
                return r;
        (void) TAKE_FD(owned_fd); /* the connection's now */
        r = sd_bus_set_anonymous(bus, true);
        if (r >= 0)
                r = sd_bus_start(bus);
        if (r >= 0)
                r = sd_bus_add_filter(bus, &filter, on_direct_filter, port);
        if (r >= 0)
                r = sd_bus_attach_event(bus, port->event, SD_EVENT_PRIORITY_NORMAL);
        if (r < 0)
                return r;
        *ret_filter = TAKE_PTR(filter);
        *ret = TAKE_PTR(bus);
        return 0;
}

int lib_port_open_direct(ioreg_notification_port_t port) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        int r, fd;

        lib_port_close_direct(port);
        if (port->bus_only || !port->bus || !port->owner)
                return 0;
        r = sd_bus_call_method(port->bus, port->owner, IOREG_OBJECT_PATH, IOREG_NOTIFY_INTERFACE,
                               IOREG_NOTIFY_OPEN_PORT, &error, &reply, NULL);
        if (r < 0)
                /* The daemon said no (one from before ports, or over a limit): the bus carries them, as it did. */
                return daemon_refused(&error) ? 0 : r;
        r = sd_bus_message_read_basic(reply, 'h', &fd);
        if (r < 0)
                return r;
        /* The reply owns the fd it carries. */
        fd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
        if (fd < 0)
                return -errno;
        r = direct_new(port, fd, &port->direct, &port->direct_filter_slot);
        if (r < 0)
                return r;
        port->direct_run = port->run;
        return 0;
}

void lib_port_close_direct(ioreg_notification_port_t port) {
        port->direct_filter_slot = sd_bus_slot_unref(port->direct_filter_slot);
        if (port->direct) {
                (void) sd_bus_detach_event(port->direct);
                port->direct = sd_bus_flush_close_unref(port->direct);
        }
        port->direct_run = 0;
        port->direct_lost = false;
}
