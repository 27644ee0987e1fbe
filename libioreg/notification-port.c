/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * notification-port.c: IONotificationPort* — the port's loop, its fd,
 * dispatch, attaching it to sd-event, and the hooks other files use
 * (notification-port.h). Connecting and reconnecting: reconnect.c.
 */

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "notification-port.h"
#include "protocol.h"

static int on_wake(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        ioreg_notification_port_t port = userdata;
        uint64_t n;

        (void) !read(fd, &n, sizeof(n));
        lib_port_run_work(port);
        return 0; /* negative would switch the source off */
}

/* Another thread (or a signal handler) called ioreg_notification_port_stop(). */
static int on_stop(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        ioreg_notification_port_t port = userdata;
        uint64_t n;

        (void) !read(fd, &n, sizeof(n));
        port->stop_requested = true;
        return 0;
}

/* Processes bus (NULL: none) until it is empty: 1 when it did something; an error in *error. */
static int drain_one(sd_bus *bus, int *error) {
        int did = 0;

        /* Bounded: a daemon that never stops talking must not keep us here. */
        for (unsigned i = 0; bus && i < 100000; i++) {
                int r = sd_bus_process(bus, NULL);

                if (r < 0)
                        *error = r;
                if (r <= 0)
                        break;
                did = 1;
        }
        return did;
}

int lib_port_drain(ioreg_notification_port_t port) {
        int error = 0;

        if (!port->bus && !port->direct)
                return -ENOTCONN;
        /*
         * The bus first: what it queued before OpenPort's reply is older than anything on the
         * port. Again while either had something (a handler's call may have queued more).
         */
        for (unsigned i = 0; i < 16; i++) {
                int did = drain_one(port->bus, &error);

                did |= drain_one(port->direct, &error);
                if (!did)
                        break;
        }
        return error;
}

int lib_port_sync(ioreg_notification_port_t port) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        sd_bus *bus = lib_port_notify_bus(port);
        int r;

        if (!bus)
                return -ENOTCONN;
        r = sd_bus_call_method(bus, lib_port_direct(port) ? NULL : IOREG_BUS_NAME, IOREG_OBJECT_PATH,
                               "org.freedesktop.DBus.Peer", "Ping", &error, NULL, NULL);
        if (r < 0)
                return r;
        return lib_port_drain(port);
}

void lib_port_notify_send(ioreg_notification_port_t port, const char *member, const char *types, uint64_t a,
                          uint64_t b) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        sd_bus *bus = lib_port_notify_bus(port);

        if (!bus || sd_bus_message_new_method_call(bus, &m, lib_port_notify_destination(port), IOREG_OBJECT_PATH,
                                                   IOREG_NOTIFY_INTERFACE, member) < 0)
                return;
        if (sd_bus_message_append(m, types, a, b) < 0 || sd_bus_message_set_expect_reply(m, false) < 0)
                return;
        (void) sd_bus_send(bus, m, NULL);
}

ioreg_notification_port_t ioreg_notification_port_create(void) {
        ioreg_notification_port_t port;
        int r;

        port = calloc(1, sizeof(*port));
        if (!port) {
                errno = ENOMEM;
                return NULL;
        }
        port->stop_fd = -1;
        /* Once, here: the port keeps to the path it was made for across reconnections. */
        port->bus_only = lib_port_env_bus_only();
        port->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        if (port->wake_fd < 0) {
                r = -errno;
                goto fail;
        }
        port->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        if (port->stop_fd < 0) {
                r = -errno;
                goto fail;
        }
        r = sd_event_new(&port->event);
        if (r >= 0)
                r = sd_event_add_io(port->event, &port->wake_source, port->wake_fd, EPOLLIN, on_wake, port);
        /* After the bus's own sources: signals are read before the work they cause runs. */
        if (r >= 0)
                r = sd_event_source_set_priority(port->wake_source, SD_EVENT_PRIORITY_IDLE);
        if (r >= 0)
                r = sd_event_add_io(port->event, &port->stop_source, port->stop_fd, EPOLLIN, on_stop, port);
        if (r >= 0)
                r = lib_port_connect(port);
        if (r < 0)
                goto fail;
        return port;
fail:
        ioreg_notification_port_destroy(port);
        errno = -r;
        return NULL;
}

void ioreg_notification_port_destroy(ioreg_notification_port_t port) {
        if (!port)
                return;
        LIB_PORT_FOREACH_KIND(port, detach_all, port);
        for (unsigned i = 0; i < port->n_hooks; i++)
                if (port->hooks[i].detach)
                        port->hooks[i].detach(port, port->hooks[i].userdata);
        (void) ioreg_notification_port_detach_event(port);
        lib_port_disconnect(port);
        while (port->signal_matches) {
                LibSignalMatch *m = port->signal_matches;

                port->signal_matches = m->next;
                sd_bus_slot_unref(m->slot);
                free(m->rule);
                free(m);
        }
        free(port->hooks);
        sd_event_source_disable_unref(port->reconnect_timer);
        sd_event_source_disable_unref(port->wake_source);
        sd_event_source_disable_unref(port->stop_source);
        sd_event_unref(port->event);
        if (port->wake_fd >= 0)
                close(port->wake_fd);
        if (port->stop_fd >= 0)
                close(port->stop_fd);
        free(port->owner);
        free(port);
}

int ioreg_notification_port_get_fd(ioreg_notification_port_t port) {
        return port ? sd_event_get_fd(port->event) : -1;
}

/* ABORTED, once, when a stop was read since the last time (the caller's loop should end). */
static ioreg_return_t take_stop(ioreg_notification_port_t port, ioreg_return_t r) {
        if (!port->stop_requested)
                return r;
        port->stop_requested = false;
        return r == IOREG_RETURN_SUCCESS ? IOREG_RETURN_ABORTED : r;
}

void lib_port_destroy_soon(ioreg_notification_port_t port) {
        if (!port)
                return;
        if (port->dispatching > 0)
                port->destroy_pending = true;
        else
                ioreg_notification_port_destroy(port);
}

/* The end of a dispatch: true when the port was destroyed (a destroy came from inside). */
static bool dispatch_done(ioreg_notification_port_t port) {
        if (--port->dispatching > 0 || !port->destroy_pending)
                return false;
        ioreg_notification_port_destroy(port);
        return true;
}

ioreg_return_t ioreg_notification_port_dispatch(ioreg_notification_port_t port) {
        ioreg_return_t ret = IOREG_RETURN_SUCCESS;
        int r;

        if (!port)
                return IOREG_RETURN_BAD_ARGUMENT;
        port->dispatching++;
        /* Until nothing is left, bounded so that a flood cannot starve the caller's other work. */
        for (unsigned i = 0; i < 256 && !port->destroy_pending; i++) {
                r = sd_event_run(port->event, 0);
                if (r < 0) {
                        ret = lib_return_from_errno(r);
                        break;
                }
                if (r == 0)
                        break;
        }
        if (dispatch_done(port))
                return ret;
        return take_stop(port, ret);
}

ioreg_return_t ioreg_notification_port_stop(ioreg_notification_port_t port) {
        uint64_t one = 1;
        int saved_errno = errno; /* async-signal-safe: a handler must not change errno */
        ioreg_return_t r = IOREG_RETURN_SUCCESS;

        if (!port)
                return IOREG_RETURN_BAD_ARGUMENT;
        /* EAGAIN: the counter is full, so a stop is pending anyway. */
        if (write(port->stop_fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
                r = IOREG_RETURN_ERROR;
        errno = saved_errno;
        return r;
}

ioreg_return_t ioreg_notification_port_run(ioreg_notification_port_t port, uint64_t timeout_usec) {
        struct pollfd p;
        int r, ms;

        if (!port)
                return IOREG_RETURN_BAD_ARGUMENT;
        ms = timeout_usec == UINT64_MAX ? -1
             : timeout_usec / 1000 > INT32_MAX ? INT32_MAX
                                               : (int) ((timeout_usec + 999) / 1000);
        p = (struct pollfd) { .fd = ioreg_notification_port_get_fd(port), .events = POLLIN };
        /* Work may already be due (sd-event's prepare step arms timers): one pass first. */
        port->dispatching++;
        r = sd_event_run(port->event, 0);
        if (dispatch_done(port))
                return IOREG_RETURN_SUCCESS;
        if (r < 0)
                return lib_return_from_errno(r);
        if (r > 0)
                return ioreg_notification_port_dispatch(port);
        r = poll(&p, 1, ms);
        /* EINTR: a signal came, perhaps from a handler that called ioreg_notification_port_stop(). */
        if (r < 0 && errno != EINTR)
                return lib_return_from_errno(-errno);
        if (r == 0)
                return IOREG_RETURN_TIMEOUT;
        return ioreg_notification_port_dispatch(port);
}

static int on_outer_io(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        (void) ioreg_notification_port_dispatch(userdata);
        return 0;
}

ioreg_return_t ioreg_notification_port_attach_event(ioreg_notification_port_t port, struct sd_event *event,
                                                    int64_t priority) {
        _cleanup_(sd_event_unrefp) sd_event *e = NULL;
        int r;

        if (!port || port->outer_source)
                return IOREG_RETURN_BAD_ARGUMENT;
        if (event)
                e = sd_event_ref(event);
        else {
                r = sd_event_default(&e);
                if (r < 0)
                        return lib_return_from_errno(r);
        }
        r = sd_event_add_io(e, &port->outer_source, ioreg_notification_port_get_fd(port), EPOLLIN, on_outer_io,
                            port);
        if (r >= 0)
                r = sd_event_source_set_priority(port->outer_source, priority);
        if (r < 0) {
                port->outer_source = sd_event_source_disable_unref(port->outer_source);
                return lib_return_from_errno(r);
        }
        return IOREG_RETURN_SUCCESS;
}

ioreg_return_t ioreg_notification_port_detach_event(ioreg_notification_port_t port) {
        if (!port)
                return IOREG_RETURN_BAD_ARGUMENT;
        port->outer_source = sd_event_source_disable_unref(port->outer_source);
        return IOREG_RETURN_SUCCESS;
}

int lib_port_add_signal_match(ioreg_notification_port_t port, const char *rule, sd_bus_message_handler_t handler,
                              void *userdata, LibSignalMatch **ret) {
        LibSignalMatch *m;
        int r;

        m = calloc(1, sizeof(*m));
        if (!m)
                return -ENOMEM;
        m->rule = strdup(rule);
        if (!m->rule) {
                free(m);
                return -ENOMEM;
        }
        m->port = port;
        m->handler = handler;
        m->userdata = userdata;
        if (port->bus) {
                r = sd_bus_add_match(port->bus, &m->slot, m->rule, m->handler, m->userdata);
                if (r < 0) {
                        free(m->rule);
                        free(m);
                        return r;
                }
        }
        m->next = port->signal_matches;
        port->signal_matches = m;
        if (ret)
                *ret = m;
        return 0;
}

void lib_port_remove_signal_match(LibSignalMatch *m) {
        ioreg_notification_port_t port;

        if (!m)
                return;
        port = m->port;
        for (LibSignalMatch **p = &port->signal_matches; *p; p = &(*p)->next)
                if (*p == m) {
                        *p = m->next;
                        break;
                }
        sd_bus_slot_unref(m->slot);
        free(m->rule);
        free(m);
}

int lib_port_add_hooks(ioreg_notification_port_t port, const LibPortHooks *hooks) {
        for (unsigned i = 0; i < port->n_hooks; i++)
                if (!port->hooks[i].userdata) {
                        port->hooks[i] = *hooks;
                        return 0;
                }
        if (GROW(port->hooks, port->cap_hooks, port->n_hooks + 1) < 0)
                return -ENOMEM;
        port->hooks[port->n_hooks++] = *hooks;
        return 0;
}

void lib_port_remove_hooks(ioreg_notification_port_t port, void *userdata) {
        for (unsigned i = 0; i < port->n_hooks; i++)
                if (port->hooks[i].userdata == userdata)
                        port->hooks[i] = (LibPortHooks) {};
}
