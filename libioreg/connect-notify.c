/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * connect-notify.c: async results and notification messages of a
 * connection (Apple's asyncRef contract), delivered through a notification
 * port: the peer's fd is watched on the port's loop, the peer's filter
 * queues AsyncResult signals, the port's work hook calls the callbacks
 * (notification-port.h rule 1: never from inside sd-bus processing).
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>

#include "connect-internal.h"

static bool callout_known(const LibConnect *c, LibConnectCallout co) {
        for (unsigned i = 0; i < c->n_callouts; i++)
                if (c->callouts[i].callback == co.callback && c->callouts[i].refcon == co.refcon)
                        return true;
        return false;
}

int lib_connect_add_callout(LibConnect *c, const uint64_t *reference, uint32_t n) {
        LibConnectCallout co;

        if (!reference || n < 2 || reference[IOREG_ASYNC_CALLOUT_FUNC_INDEX] == 0)
                return -EINVAL;
        co = (LibConnectCallout) { reference[IOREG_ASYNC_CALLOUT_FUNC_INDEX], reference[IOREG_ASYNC_CALLOUT_REFCON_INDEX] };
        if (callout_known(c, co))
                return 0;
        if (GROW(c->callouts, c->cap_callouts, c->n_callouts + 1) < 0)
                return -ENOMEM;
        c->callouts[c->n_callouts++] = co;
        return 0;
}

int lib_connect_filter(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        LibConnect *c = userdata;
        const void *ref = NULL, *args = NULL;
        size_t n_ref = 0, n_args = 0;
        LibConnectResult res = {};
        uint32_t result;

        if (sd_bus_message_is_signal(m, "org.freedesktop.DBus.Local", "Disconnected")) {
                c->dead = true;
                return 0;
        }
        if (!sd_bus_message_is_signal(m, USER_CLIENT_INTERFACE, USER_CLIENT_ASYNC_RESULT))
                return 0;
        if (sd_bus_message_read_array(m, 't', &ref, &n_ref) < 0 || sd_bus_message_read(m, "u", &result) < 0 ||
            sd_bus_message_read_array(m, 't', &args, &n_args) < 0)
                return 1; /* malformed: dropped */
        n_ref /= sizeof(uint64_t);
        n_args /= sizeof(uint64_t);
        if (n_ref < 2 || n_args > IOREG_MAX_SCALARS)
                return 1;
        res.callout = (LibConnectCallout) { ((const uint64_t *) ref)[IOREG_ASYNC_CALLOUT_FUNC_INDEX],
                                            ((const uint64_t *) ref)[IOREG_ASYNC_CALLOUT_REFCON_INDEX] };
        /* Only what we gave the driver is called: it cannot make us jump anywhere else. */
        if (!callout_known(c, res.callout))
                return 1;
        res.result = (ioreg_return_t) result;
        res.n_args = (uint32_t) n_args;
        if (n_args > 0)
                memcpy(res.args, args, n_args * sizeof(uint64_t));
        if (GROW(c->pending, c->cap_pending, c->n_pending + 1) < 0)
                return 1; /* out of memory: this result is lost */
        c->pending[c->n_pending++] = res;
        return 1;
}

void lib_connect_process(LibConnect *c) {
        uint64_t queued = 0;
        int r;

        if (!c->peer)
                return;
        /* After a call only what sd_bus_call() queued (no read: what is still in the socket wakes the port). */
        r = sd_bus_get_n_queued_read(c->peer, &queued);
        while (r >= 0 && queued > 0) {
                r = sd_bus_process(c->peer, NULL);
                if (r >= 0)
                        r = sd_bus_get_n_queued_read(c->peer, &queued);
        }
        if (r < 0)
                c->dead = true;
        if (c->n_pending > 0 && c->port)
                lib_port_wake(c->port);
}

static int on_io(sd_event_source *src, int fd, uint32_t revents, void *userdata) {
        LibConnect *c = userdata;

        pthread_mutex_lock(&c->lock);
        if (c->peer && !c->dead) {
                int r;

                do
                        r = sd_bus_process(c->peer, NULL);
                while (r > 0);
                if (r < 0)
                        c->dead = true;
                if (c->n_pending > 0 && c->port)
                        lib_port_wake(c->port);
        }
        /* A closed socket stays readable: stop watching it. */
        if (!c->peer || c->dead)
                (void) sd_event_source_set_enabled(src, SD_EVENT_OFF);
        pthread_mutex_unlock(&c->lock);
        return 0;
}

static void hook_work(ioreg_notification_port_t port, void *userdata) {
        LibConnect *c = userdata;
        LibConnectResult *results;
        unsigned n;

        /* A callback may release the connection: it stays until we are done. */
        lib_object_ref(&c->base);
        pthread_mutex_lock(&c->lock);
        results = TAKE_PTR(c->pending);
        n = c->n_pending;
        c->n_pending = c->cap_pending = 0;
        pthread_mutex_unlock(&c->lock);
        for (unsigned i = 0; i < n; i++) {
                ioreg_async_callback_t cb = (ioreg_async_callback_t) (uintptr_t) results[i].callout.callback;

                cb((void *) (uintptr_t) results[i].callout.refcon, results[i].result, results[i].args,
                   results[i].n_args);
        }
        free(results);
        lib_object_unref(&c->base);
}

static void hook_detach(ioreg_notification_port_t port, void *userdata) {
        LibConnect *c = userdata;

        pthread_mutex_lock(&c->lock);
        c->io = sd_event_source_disable_unref(c->io);
        c->port = NULL;
        pthread_mutex_unlock(&c->lock);
}

/* Called locked. */
static void leave_port_locked(LibConnect *c) {
        if (!c->port)
                return;
        lib_port_remove_hooks(c->port, c);
        c->io = sd_event_source_disable_unref(c->io);
        c->port = NULL;
}

void lib_connect_leave_port(LibConnect *c) {
        pthread_mutex_lock(&c->lock);
        leave_port_locked(c);
        pthread_mutex_unlock(&c->lock);
}

int lib_connect_use_port(LibConnect *c, ioreg_notification_port_t port) {
        LibPortHooks hooks = { .work = hook_work, .detach = hook_detach, .userdata = c };
        int r;

        if (c->port == port)
                return 0;
        leave_port_locked(c);
        if (!port || !c->peer)
                return 0;
        r = lib_port_add_hooks(port, &hooks);
        if (r < 0)
                return r;
        r = sd_event_add_io(port->event, &c->io, sd_bus_get_fd(c->peer), EPOLLIN, on_io, c);
        if (r < 0) {
                lib_port_remove_hooks(port, c);
                return r;
        }
        c->port = port;
        /* Results that came before the port did. */
        if (c->n_pending > 0)
                lib_port_wake(port);
        return 0;
}

ioreg_return_t ioreg_connect_set_notification_port(ioreg_connect_t connect, uint32_t type,
                                                   ioreg_notification_port_t port, const uint64_t *reference) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        LibConnect *c = lib_connect_cast(connect);
        uint64_t ref[2] = {};
        ioreg_return_t ret;
        uint32_t result;
        sd_bus *peer;
        int r;

        if (!c || (port && !reference))
                return IOREG_RETURN_BAD_ARGUMENT;
        peer = lib_connect_lock(c, &ret);
        if (!peer)
                return ret;
        if (port) {
                memcpy(ref, reference, sizeof(ref));
                r = lib_connect_use_port(c, port);
                if (r >= 0)
                        r = lib_connect_add_callout(c, ref, 2);
                if (r < 0) {
                        lib_connect_unlock(c);
                        return lib_return_from_errno(r);
                }
        }
        r = sd_bus_call_method(peer, NULL, USER_CLIENT_PATH, USER_CLIENT_INTERFACE, USER_CLIENT_SET_NOTIFICATION_PORT,
                               &error, &reply, "uat", type, port ? 2 : 0, ref[0], ref[1]);
        if (r >= 0)
                r = sd_bus_message_read(reply, "u", &result);
        ret = r < 0 ? lib_connect_failed(c, &error, r) : (ioreg_return_t) result;
        lib_connect_process(c);
        lib_connect_unlock(c);
        return ret;
}
