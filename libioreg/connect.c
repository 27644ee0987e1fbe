/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* connect.c: IOServiceOpen/Close and the connection object (ioreg/connect.h). */

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "connect-internal.h"

LibConnect *lib_connect_cast(ioreg_object_t o) {
        return o && o->kind == LIB_OBJECT_CONNECT ? (LibConnect *) o : NULL;
}

sd_bus *lib_connect_lock(LibConnect *c, ioreg_return_t *ret) {
        pthread_mutex_lock(&c->lock);
        if (c->dead || !c->peer) {
                *ret = c->dead ? IOREG_RETURN_NO_DEVICE : IOREG_RETURN_NOT_OPEN;
                pthread_mutex_unlock(&c->lock);
                return NULL;
        }
        return c->peer;
}

void lib_connect_unlock(LibConnect *c) {
        pthread_mutex_unlock(&c->lock);
}

ioreg_return_t lib_connect_failed(LibConnect *c, const sd_bus_error *error, int r) {
        /* The server's end is gone (it crashed, or its driver stopped): for good. */
        if (sd_bus_is_open(c->peer) <= 0 || r == -ECONNRESET || r == -ENOTCONN || r == -EPIPE ||
            sd_bus_error_has_name(error, SD_BUS_ERROR_DISCONNECTED)) {
                c->dead = true;
                return IOREG_RETURN_NO_DEVICE;
        }
        return lib_return_from_bus_error(error, r);
}

/* The reply of lib_connect_call(), caught by its callback. */
typedef struct ConnectWait {
        sd_bus_message *reply; /* owned once the callback ran */
        bool done;
} ConnectWait;

static int on_reply(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        ConnectWait *w = userdata;

        w->reply = sd_bus_message_ref(m);
        w->done = true;
        return 1;
}

int lib_connect_call(LibConnect *c, sd_bus_message *m, sd_bus_error *error, sd_bus_message **ret_reply) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        /* Owned: whatever ends the wait, the callback (and its pointer to w) goes with us. */
        _cleanup_(sd_bus_slot_unrefp) sd_bus_slot *slot = NULL;
        ConnectWait w = {};
        int r;

        /*
         * sd_bus_call() tries a read before it polls, a system call that
         * finds nothing on every call (the driver cannot have answered yet):
         * we poll first, then read. No timeout: a driver may take its time
         * (IOKit has none either); its death ends the wait (sd-bus then
         * answers the call itself, with an error).
         */
        r = sd_bus_call_async(c->peer, &slot, m, on_reply, &w, UINT64_MAX);
        while (r >= 0 && !w.done) {
                r = sd_bus_wait(c->peer, UINT64_MAX);
                if (r >= 0)
                        r = sd_bus_process(c->peer, NULL);
        }
        reply = w.reply;
        if (r < 0)
                return r;
        if (sd_bus_message_is_method_error(reply, NULL)) {
                r = sd_bus_error_copy(error, sd_bus_message_get_error(reply));
                return r < 0 ? r : -EIO;
        }
        *ret_reply = TAKE_PTR(reply);
        return 0;
}

/* The client end of the socket ioregd gave (fd taken, also on failure). */
static int peer_start(LibConnect *c, int fd) {
        int r;

        r = sd_bus_new(&c->peer);
        if (r < 0) {
                close(fd);
                return r;
        }
        r = sd_bus_set_fd(c->peer, fd, fd);
        if (r < 0) {
                close(fd);
                return r;
        }
        r = sd_bus_set_anonymous(c->peer, 1);
        if (r >= 0)
                r = sd_bus_add_filter(c->peer, NULL, lib_connect_filter, c);
        if (r >= 0)
                r = sd_bus_start(c->peer);
        return r;
}

static void connect_free(ioreg_object_t o);

static LibConnect *connect_new(void) {
        LibConnect *c = calloc(1, sizeof(*c));

        if (!c)
                return NULL;
        atomic_init(&c->base.n_ref, 1);
        c->base.kind = LIB_OBJECT_CONNECT;
        c->base.free = connect_free;
        c->call_fd = -1;
        pthread_mutex_init(&c->lock, NULL);
        return c;
}

static void connect_free(ioreg_object_t o) {
        LibConnect *c = lib_connect_cast(o);

        if (!c)
                return;
        lib_connect_leave_port(c);
        /* Released without ioreg_service_close(): the driver sees the application go (client_died). */
        sd_bus_flush_close_unref(c->peer);
        if (c->call_fd >= 0)
                close(c->call_fd);
        for (unsigned i = 0; i < c->n_mappings; i++)
                (void) munmap(c->mappings[i].address, c->mappings[i].size);
        free(c->mappings);
        free(c->callouts);
        free(c->pending);
        pthread_mutex_destroy(&c->lock);
        free(c);
}

ioreg_return_t ioreg_service_open(ioreg_service_t service, uint32_t type, ioreg_connect_t *connect) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        LibEntry *e = lib_entry_cast(service);
        LibConnect *c;
        uint64_t run = 0, client_id, service_id;
        ioreg_return_t ret;
        int fd = -1, r;

        if (!e || !connect)
                return IOREG_RETURN_BAD_ARGUMENT;
        {
                _cleanup_bus_unlock_ sd_bus *bus = NULL;

                ret = lib_bus_lock(&bus);
                if (ret != IOREG_RETURN_SUCCESS)
                        return ret;
                ret = lib_call(bus, &reply, &run, IOREG_OBJECT_PATH, USER_CLIENTS_INTERFACE, USER_CLIENTS_OPEN, "tu",
                               e->id, type);
        }
        if (ret != IOREG_RETURN_SUCCESS)
                return ret;
        if (run != atomic_load(&e->run))
                return IOREG_RETURN_NO_DEVICE; /* the entry was of an earlier daemon */
        r = sd_bus_message_read(reply, "htt", &fd, &client_id, &service_id);
        if (r < 0)
                return lib_return_from_errno(r);
        fd = fcntl(fd, F_DUPFD_CLOEXEC, 3); /* the reply keeps its own */
        if (fd < 0)
                return lib_return_from_errno(-errno);
        c = connect_new();
        if (!c) {
                close(fd);
                return IOREG_RETURN_NO_MEMORY;
        }
        c->service_id = service_id;
        c->client_id = client_id;
        c->run = run;
        r = peer_start(c, fd);
        if (r < 0) {
                connect_free(&c->base);
                return lib_return_from_errno(r);
        }
        lib_connect_attach_call_socket(c);
        *connect = &c->base;
        return IOREG_RETURN_SUCCESS;
}

ioreg_return_t ioreg_service_close(ioreg_connect_t connect) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        LibConnect *c = lib_connect_cast(connect);
        ioreg_return_t ret = IOREG_RETURN_SUCCESS;
        sd_bus *peer;
        int r;

        if (!c) {
                /* IOServiceClose(root_port) of IORegisterForSystemPower: releasing it is all there is. */
                if (connect && connect->kind == LIB_OBJECT_POWER_CONNECT) {
                        lib_object_unref(connect);
                        return IOREG_RETURN_SUCCESS;
                }
                return IOREG_RETURN_BAD_ARGUMENT;
        }
        peer = lib_connect_lock(c, &ret);
        if (peer) {
                /* clientClose runs before the socket closes, so the driver tells them apart (not died). */
                r = sd_bus_call_method(peer, NULL, USER_CLIENT_PATH, USER_CLIENT_INTERFACE, USER_CLIENT_CLOSE, &error,
                                       NULL, NULL);
                ret = r < 0 ? lib_connect_failed(c, &error, r) : IOREG_RETURN_SUCCESS;
                c->peer = sd_bus_flush_close_unref(c->peer);
                if (c->call_fd >= 0)
                        close(c->call_fd);
                c->call_fd = -1;
                lib_connect_unlock(c);
        }
        lib_object_unref(connect);
        return ret == IOREG_RETURN_NO_DEVICE ? IOREG_RETURN_SUCCESS : ret; /* closing a dead one is fine */
}

ioreg_return_t ioreg_connect_add_ref(ioreg_connect_t connect) {
        if (!lib_connect_cast(connect))
                return IOREG_RETURN_BAD_ARGUMENT;
        lib_object_ref(connect);
        return IOREG_RETURN_SUCCESS;
}

ioreg_return_t ioreg_connect_release(ioreg_connect_t connect) {
        if (!lib_connect_cast(connect))
                return IOREG_RETURN_BAD_ARGUMENT;
        lib_object_unref(connect);
        return IOREG_RETURN_SUCCESS;
}

ioreg_return_t ioreg_connect_get_service(ioreg_connect_t connect, ioreg_service_t *service) {
        LibConnect *c = lib_connect_cast(connect);
        LibEntry *e;

        if (!c || !service)
                return IOREG_RETURN_BAD_ARGUMENT;
        e = lib_entry_new(c->service_id, c->run);
        if (!e)
                return IOREG_RETURN_NO_MEMORY;
        *service = &e->base;
        return IOREG_RETURN_SUCCESS;
}

ioreg_return_t ioreg_connect_set_properties(ioreg_connect_t connect, json_t *properties) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        LibConnect *c = lib_connect_cast(connect);
        _cleanup_free_ char *text = NULL;
        ioreg_return_t ret;
        uint32_t result;
        sd_bus *peer;
        int r;

        if (!c || !json_is_object(properties))
                return IOREG_RETURN_BAD_ARGUMENT;
        text = json_dumps(properties, JSON_COMPACT);
        if (!text)
                return IOREG_RETURN_BAD_ARGUMENT;
        peer = lib_connect_lock(c, &ret);
        if (!peer)
                return ret;
        r = sd_bus_call_method(peer, NULL, USER_CLIENT_PATH, USER_CLIENT_INTERFACE, USER_CLIENT_SET_PROPERTIES, &error,
                               &reply, "s", text);
        if (r >= 0)
                r = sd_bus_message_read(reply, "u", &result);
        ret = r < 0 ? lib_connect_failed(c, &error, r) : (ioreg_return_t) result;
        lib_connect_process(c);
        lib_connect_unlock(c);
        return ret;
}

ioreg_return_t ioreg_connect_set_property(ioreg_connect_t connect, const char *key, json_t *value) {
        json_auto_t *props = NULL;

        if (!key || !value)
                return IOREG_RETURN_BAD_ARGUMENT;
        props = json_object();
        if (!props || json_object_set(props, key, value) < 0)
                return IOREG_RETURN_NO_MEMORY;
        return ioreg_connect_set_properties(connect, props);
}
