/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * connect-internal.h: a connection to a user client (ioreg/connect.h), as
 * the connect*.c files share it. Not installed.
 *
 * The peer bus (the socket to the driver server) and the call socket are
 * guarded by lock: every use of them, replies included, happens with the
 * lock held. Async results and notification messages the peer sends are
 * queued (pending) by the peer's filter, under the lock, and delivered by
 * the port's work hook without it (a callback may call the connection
 * again).
 */
#pragma once

#include <pthread.h>
#include <stdbool.h>
#include <sys/types.h>

#include "ioreg/connect.h"
#include "lib-internal.h"
#include "notification-port.h"
#include "user-client-wire.h"

/* A callback this connection was given (async call or notification port): the only ones called. */
typedef struct LibConnectCallout {
        uint64_t callback, refcon;
} LibConnectCallout;

typedef struct LibConnectResult {
        LibConnectCallout callout;
        ioreg_return_t result;
        uint32_t n_args;
        uint64_t args[IOREG_MAX_SCALARS];
} LibConnectResult;

typedef struct LibConnectMapping {
        uint32_t type;
        void *address;
        size_t size;
} LibConnectMapping;

typedef struct LibConnect {
        struct ioreg_object base;          /* LIB_OBJECT_CONNECT */
        pthread_mutex_t lock;              /* guards everything below but the constants */
        sd_bus *peer;                      /* owned: to the driver server; NULL once closed */
        int call_fd;                       /* owned: the call socket (user-client-wire.h, 3a); -1 when none */
        bool dead;                         /* the server went: every call is NO_DEVICE */
        uint64_t service_id, client_id;    /* the driver's and the user client's entries (constant) */
        uint64_t run;                      /* the daemon run they belong to (constant) */
        ioreg_notification_port_t port;    /* weak: the port delivering our callouts; NULL when none */
        sd_event_source *io;               /* owned: the peer's fd on port's loop */
        LibConnectCallout *callouts;       /* owned */
        unsigned n_callouts, cap_callouts;
        LibConnectResult *pending;         /* owned, in arrival order */
        unsigned n_pending, cap_pending;
        LibConnectMapping *mappings;       /* owned */
        unsigned n_mappings, cap_mappings;
} LibConnect;

/* The object as a connection, or NULL. */
LibConnect *lib_connect_cast(ioreg_object_t o);
/* Locks c and returns its live peer, or NULL with the return code in *ret (NO_DEVICE once dead). */
sd_bus *lib_connect_lock(LibConnect *c, ioreg_return_t *ret);
void lib_connect_unlock(LibConnect *c);
/*
 * A method call on the peer that waits for its reply (as sd_bus_call(),
 * one system call less). Called locked. On an error reply, error is set.
 */
int lib_connect_call(LibConnect *c, sd_bus_message *m, sd_bus_error *error, sd_bus_message **ret_reply);
/* connect-call.c: hands the server the call socket, at open. Not locked (the connection is not shared yet). */
void lib_connect_attach_call_socket(LibConnect *c);
/* A failed peer call: the connection is dead when the server went. Called locked. */
ioreg_return_t lib_connect_failed(LibConnect *c, const sd_bus_error *error, int r);

/* connect-notify.c: the peer's filter (installed at open), callouts, ports. Called locked unless said. */
int lib_connect_filter(sd_bus_message *m, void *userdata, sd_bus_error *error);
int lib_connect_add_callout(LibConnect *c, const uint64_t *reference, uint32_t n);
int lib_connect_use_port(LibConnect *c, ioreg_notification_port_t port);
/* After a call: whatever the peer sent meanwhile is queued and the port woken. */
void lib_connect_process(LibConnect *c);
/* Unlocked, from the object's last release: leaves the port. */
void lib_connect_leave_port(LibConnect *c);
