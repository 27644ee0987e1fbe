/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* driver-internal.h: what the driver-side files of libioreg share (not exported). */
#pragma once

#include <stdbool.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include "ioreg/driver.h"
#include "lib-internal.h"
#include "protocol.h"


typedef struct LibDriverServer LibDriverServer;

struct ioreg_driver {
        ioreg_driver *next;              /* in the server's list */
        LibDriverServer *server;         /* weak */
        const ioreg_driver_class *klass; /* borrowed from the caller's table */
        uint64_t id, provider_id;
        json_t *properties;              /* owned */
        void *context;                   /* the driver's */
        ioreg_user_client *clients;      /* owned list (driver-user-client.c) */
};

struct LibDriverServer {
        sd_bus *bus;                     /* owned */
        sd_event *event;                 /* owned */
        char *daemon;                    /* owned: the daemon's unique name, the only caller we serve */
        const ioreg_driver_class *classes; /* borrowed for ioreg_driver_server_run() */
        unsigned n_classes;
        void *userdata;                  /* the caller's */
        ioreg_driver *drivers;           /* owned list */
        unsigned n_started;              /* instances ever started */
        uint64_t last_client_handle;     /* user clients' handles count from 1 */
        int exit_status;
};

/* A synchronous call on DriverHost1 with the reply's error mapped (driver-calls.c). */
ioreg_return_t lib_driver_call(ioreg_driver *driver, const char *method, sd_bus_message **ret_reply,
                               const char *types, ...);

/* driver-server.c: only ioregd may call the server; the instance of an ID. */
int lib_driver_check_caller(LibDriverServer *s, sd_bus_message *call, sd_bus_error *error);
ioreg_driver *lib_driver_find(const LibDriverServer *s, uint64_t id);

/* driver-user-client.c: DriverServer1.NewUserClient, and the clients of a stopping driver. */
int lib_user_client_method_new(sd_bus_message *call, void *userdata, sd_bus_error *error);
void lib_user_clients_drop(ioreg_driver *driver);
