/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* bus-user-client.c: see bus-user-client.h. */

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bus-errors.h"
#include "bus-peers.h"
#include "bus-polkit.h"
#include "bus-user-client.h"
#include "driver-host.h"
#include "log.h"
#include "protocol.h"
#include "user-client-wire.h"
#include "user-client-broker.h"

/* An OpenService waiting for the server's NewUserClient. Freed with its slot. */
typedef struct OpenCall {
        BusContext *context;    /* weak */
        sd_bus_message *call;   /* owned reference: the application's call */
        Entry *driver;          /* owned reference */
        char *server;           /* owned: the server's unique name */
        int app_fd;             /* owned: the application's end */
        uid_t uid;
        pid_t pid;
        bool counted;           /* in bus-peers.h's calls in flight of the caller */
} OpenCall;

static void open_call_free(void *userdata) {
        OpenCall *o = userdata;

        /* The context's peers are gone (NULL) when the bus is closed after them. */
        if (o->counted && o->context->peers)
                bus_peers_call_end(o->context->peers, sd_bus_message_get_sender(o->call));
        sd_bus_message_unref(o->call);
        entry_unref(o->driver);
        free(o->server);
        /* Not sent (failure): the server sees the socket's end and drops its client. */
        if (o->app_fd >= 0)
                close(o->app_fd);
        free(o);
}

static int on_new_user_client(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        OpenCall *o = userdata;
        BusContext *m = o->context;
        const sd_bus_error *e = sd_bus_message_get_error(reply);
        const char *class_name;
        uint64_t handle;
        Entry *client;
        int r;

        if (e) {
                log_debug("NewUserClient of driver 0x%" PRIx64 " refused: %s: %s", o->driver->id, e->name, e->message);
                /* The server's refusal, as the application should see it (NotSupported, AccessDenied, ...). */
                if (e->name && strncmp(e->name, "org.ioreg.Error.", 16) == 0)
                        (void) sd_bus_reply_method_error(o->call, e);
                else
                        (void) sd_bus_reply_method_errorf(o->call, IOREG_ERROR_FAILED, "The driver server failed: %s",
                                                          e->message ?: e->name);
                return 0;
        }
        r = sd_bus_message_read(reply, "st", &class_name, &handle);
        if (r < 0 || !*class_name) {
                (void) sd_bus_reply_method_errorf(o->call, IOREG_ERROR_FAILED, "The driver server answered badly.");
                return 0;
        }
        if (!o->driver->registry || (o->driver->state & ENTRY_STATE_INACTIVE)) {
                (void) sd_bus_reply_method_errorf(o->call, IOREG_ERROR_NO_SUCH_ENTRY, "The driver went meanwhile.");
                return 0;
        }
        r = user_client_broker_add(m->user_clients, o->driver, class_name, o->server, handle, o->uid, o->pid, &client);
        if (r < 0) {
                log_warning_errno(r, "Cannot make the user client %s of driver 0x%" PRIx64 ": %m", class_name,
                                  o->driver->id);
                (void) sd_bus_reply_method_errorf(o->call, IOREG_ERROR_FAILED, "Cannot make the user client.");
                return 0;
        }
        log_debug("User client %s (0x%" PRIx64 ") of driver 0x%" PRIx64 " for PID %d.", class_name, client->id,
                  o->driver->id, (int) o->pid);
        (void) sd_bus_reply_method_return(o->call, "htt", o->app_fd, client->id, o->driver->id);
        return 0; /* the reply holds its copy of the fd; ours closes with o */
}

/* Administrator: root, or polkit's yes where the driver's personality asks for one. 1 yes, 0 no, -1 asked. */
static int check_admin(BusContext *m, sd_bus_message *call, Entry *driver, uid_t uid, sd_bus_error *error) {
        Value *want = entry_get_property(driver, USER_CLIENT_ADMIN_KEY);
        int r;

        if (!want || value_type(want) != VALUE_BOOLEAN || !value_boolean(want))
                return uid == 0;
        r = bus_polkit_check(call, USER_CLIENT_POLKIT_ACTION, &m->polkit, error);
        if (r < 0)
                return r;
        return r == 0 ? -1 : 1;
}

static int method_open_service(sd_bus_message *call, void *userdata, sd_bus_error *error) {
        _cleanup_(sd_bus_creds_unrefp) sd_bus_creds *creds = NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *msg = NULL;
        BusContext *m = userdata;
        sd_bus_slot *slot = NULL;
        const char *server;
        uint64_t id;
        uint32_t type;
        OpenCall *o;
        Entry *driver;
        int admin, sv[2], r;
        uid_t uid;
        pid_t pid;

        /* polkit may dispatch the call a second time: read it from the start. */
        r = sd_bus_message_rewind(call, true);
        if (r >= 0)
                r = sd_bus_message_read(call, "tu", &id, &type);
        if (r < 0)
                return r;
        driver = registry_get_entry(m->registry, id);
        if (!driver || (driver->state & ENTRY_STATE_INACTIVE))
                return sd_bus_error_setf(error, IOREG_ERROR_NO_SUCH_ENTRY, "No entry 0x%" PRIx64 ".", id);
        server = m->driver_host ? driver_host_server_bus_name(m->driver_host, driver) : NULL;
        if (!server) {
                if (m->driver_host && driver_host_server_of(m->driver_host, driver))
                        return sd_bus_error_set(error, IOREG_ERROR_NOT_READY, "The driver is not running yet.");
                return sd_bus_error_setf(error, IOREG_ERROR_NOT_SUPPORTED,
                                         "Entry 0x%" PRIx64 " has no user client class.", id);
        }
        r = sd_bus_query_sender_creds(call, SD_BUS_CREDS_PID | SD_BUS_CREDS_EUID, &creds);
        if (r >= 0)
                r = sd_bus_creds_get_euid(creds, &uid);
        if (r >= 0)
                r = sd_bus_creds_get_pid(creds, &pid);
        if (r < 0)
                return sd_bus_error_set(error, IOREG_ERROR_ACCESS_DENIED, "The caller's credentials are unknown.");
        admin = check_admin(m, call, driver, uid, error);
        if (admin < 0)
                return admin == -1 && !sd_bus_error_is_set(error) ? 1 : admin; /* asked polkit, or refused */
        if (!m->user_clients) {
                r = user_client_broker_new(m->registry, &m->user_clients);
                if (r < 0)
                        return r;
        }
        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
                return bus_error_set_errno(error, -errno, "socketpair");
        r = sd_bus_message_new_method_call(m->bus, &msg, server, IOREG_DRIVER_SERVER_PATH, IOREG_DRIVER_SERVER_INTERFACE,
                                           USER_CLIENT_NEW);
        if (r >= 0)
                r = sd_bus_message_append(msg, "tuubh", id, type, (uint32_t) uid, admin, sv[0]);
        close(sv[0]); /* the message holds a copy */
        o = r >= 0 ? calloc(1, sizeof(*o)) : NULL;
        if (!o) {
                close(sv[1]);
                return r < 0 ? r : -ENOMEM;
        }
        *o = (OpenCall) {
                .context = m,
                .call = sd_bus_message_ref(call),
                .driver = entry_ref(driver),
                .server = strdup(server),
                .app_fd = sv[1],
                .uid = uid,
                .pid = pid,
        };
        if (!o->server) {
                open_call_free(o);
                return -ENOMEM;
        }
        /* Waits for the driver server's answer: a call in flight (bus-peers.h's quotas). */
        r = m->peers ? bus_peers_call_begin(m->peers, sd_bus_message_get_sender(call)) : 0;
        if (r < 0) {
                open_call_free(o);
                return bus_peers_error_calls(error, r);
        }
        o->counted = m->peers != NULL;
        r = sd_bus_call_async(m->bus, &slot, msg, on_new_user_client, o, DRIVER_CALL_TIMEOUT_USEC);
        if (r < 0) {
                open_call_free(o);
                return bus_error_set_errno(error, r, "driver server");
        }
        /* The bus owns the slot now; o goes with it, answered or not. */
        (void) sd_bus_slot_set_destroy_callback(slot, open_call_free);
        (void) sd_bus_slot_set_floating(slot, 1);
        sd_bus_slot_unref(slot);
        return 1;
}

static int method_user_client_closed(sd_bus_message *call, void *userdata, sd_bus_error *error) {
        BusContext *m = userdata;
        uint64_t driver_id, handle;
        Entry *client;
        int r;

        r = sd_bus_message_read(call, "tt", &driver_id, &handle);
        if (r < 0)
                return r;
        /* Only the server that made it names it (the record's server); anyone else finds nothing. */
        client = m->user_clients ? user_client_broker_take(m->user_clients, sd_bus_message_get_sender(call) ?: "",
                                                           driver_id, handle)
                                 : NULL;
        if (client) {
                if (client->registry)
                        (void) bus_context_terminate_entry(m, client);
                entry_unref(client);
        }
        return sd_bus_reply_method_return(call, NULL);
}

static const sd_bus_vtable user_clients_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_METHOD_WITH_ARGS(USER_CLIENTS_OPEN, SD_BUS_ARGS("t", service, "u", type),
                                SD_BUS_RESULT("h", connection, "t", user_client, "t", service), method_open_service,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS(USER_CLIENT_CLOSED, SD_BUS_ARGS("t", driver, "t", handle), SD_BUS_NO_RESULT,
                                method_user_client_closed, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_VTABLE_END,
};

int bus_user_client_register(BusContext *m) {
        int r;

        r = sd_bus_add_object_vtable(m->bus, NULL, IOREG_OBJECT_PATH, USER_CLIENTS_INTERFACE, user_clients_vtable, m);
        if (r < 0)
                return log_error_errno(r, "Failed to export %s: %m", USER_CLIENTS_INTERFACE);
        return 0;
}
