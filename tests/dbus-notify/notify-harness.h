/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * notify-harness.h: what the notification tests over D-Bus share: a real
 * private dbus-daemon (tests/data/private-bus.conf.in), the real ioregd on
 * it, and sd-bus clients that record every Notifications1 signal they get,
 * optionally acknowledging each as it comes (as libioreg will).
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <systemd/sd-bus.h>

#define NOTIFY_PATH "/org/ioreg/Registry1"
#define NOTIFY_IFACE "org.ioreg.Notifications1"
#define REGISTRY_IFACE "org.ioreg.Registry1"
#define BUS_NAME "org.ioreg.Registry1"

typedef struct Harness {
        char *dir;        /* owned: the bus's socket directory */
        char *address;    /* owned */
        pid_t bus_pid, daemon_pid;
} Harness;

/* Starts dbus-daemon (without LD_PRELOAD: only ioregd needs the testbed). 0 or negative errno. */
int harness_start_bus(Harness *h);
/* Starts BUILD_DIR/daemon/ioregd on the bus with extra arguments (NULL-terminated) and waits for its name. */
int harness_start_daemon(Harness *h, const char *const *args);
void harness_stop_daemon(Harness *h);
void harness_stop(Harness *h);
/* A new client connection to the bus. */
int harness_connect(const Harness *h, sd_bus **ret);

typedef enum EventKind { EVENT_NOTIFICATION, EVENT_INTEREST, EVENT_OVERFLOW, EVENT_REPLY } EventKind;

typedef struct Event {
        EventKind kind;
        uint64_t subscription, sequence, entry;
        char type[32];
        char name[64];
        char class_name[64];
        uint32_t message;
        uint64_t argument;
        unsigned n_properties;
} Event;

typedef struct Client {
        sd_bus *bus;      /* owned */
        sd_bus_slot *match; /* owned */
        bool auto_ack;
        Event *events;    /* owned, in arrival order */
        unsigned n_events, cap_events;
} Client;

int client_new(const Harness *h, bool auto_ack, Client **ret);
Client *client_free(Client *c);

/* Subscribe(type, {key: string value}) or Subscribe(type, {}) when key is NULL, synchronously. */
int client_subscribe(Client *c, const char *type, const char *key, const char *value, uint64_t *ret_id,
                     sd_bus_error *error);
/*
 * The same, asynchronously: the reply is recorded as an EVENT_REPLY in arrival order, so that a test
 * sees whether any signal came before it.
 */
int client_subscribe_async(Client *c, const char *type, const char *key, const char *value);
int client_register_interest(Client *c, uint64_t entry, const char *type, uint64_t *ret_id, sd_bus_error *error);
int client_call_tt(Client *c, const char *method, uint64_t a, uint64_t b, sd_bus_error *error);
int client_resync(Client *c, uint64_t id, uint64_t *ret_dropped, sd_bus_error *error);

/* Processes the connection until cond(c, arg) holds or timeout_ms passes. Returns cond's last answer. */
bool client_run_until(Client *c, bool (*cond)(Client *c, const void *arg), const void *arg, unsigned timeout_ms);
/* Processes whatever arrives for ms milliseconds. */
void client_run_for(Client *c, unsigned ms);
/* Events of one subscription and kind. */
unsigned client_count(const Client *c, uint64_t subscription, EventKind kind);

/* The Subscriptions property. */
int read_subscriptions(sd_bus *bus, unsigned *ret);
/* Calls WaitQuiet(timeout). */
int wait_quiet(sd_bus *bus, uint64_t timeout_usec);
/* IDs of the IOService plane's entries of class_name (NULL: all) whose state has bit, deduplicated. */
int plane_ids(sd_bus *bus, const char *class_name, uint32_t state_bit, uint64_t **ret, unsigned *ret_n);
