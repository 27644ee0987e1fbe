/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * notification-interest.c: IOServiceAddInterestNotification on a port. The
 * daemon's Interest signals are queued by the port's filter and handed to
 * the callback from the work handler, then acknowledged. After a daemon
 * restart the service is looked up again by ID and key (class, name, Linux
 * SYSPATH): the same entry gets a new subscription, a gone one a last
 * IOREG_MESSAGE_SERVICE_IS_TERMINATED from the library.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "notification-port.h"
#include "protocol.h"
#include "wire-json.h"

typedef struct Pending {
        uint32_t message;
        uint64_t argument;
} Pending;

struct LibInterest {
        struct ioreg_object base;
        ioreg_notification_port_t port; /* weak; NULL once the port is destroyed */
        LibInterest *prev, *next;       /* in port->interests */
        bool linked;
        LibEntry *service;              /* owned reference */
        char *key;                      /* owned: the service's key when the interest was registered */
        char *type;                     /* owned */
        ioreg_service_interest_callback_t callback;
        void *refcon;                   /* the caller's */
        uint64_t sub, received_seq, acked_seq;
        Pending *pending;               /* owned, in arrival order */
        unsigned n_pending, cap_pending;
        bool terminated;                /* ServiceIsTerminated came: nothing more */
};

static int push(LibInterest *i, uint32_t message, uint64_t argument) {
        if (i->terminated)
                return 0;
        if (GROW(i->pending, i->cap_pending, i->n_pending + 1) < 0)
                return -ENOMEM;
        i->pending[i->n_pending++] = (Pending) { .message = message, .argument = argument };
        if (message == IOREG_MESSAGE_SERVICE_IS_TERMINATED)
                i->terminated = true;
        lib_port_wake(i->port);
        return 0;
}

static int lib_interest_handle_signal(ioreg_notification_port_t port, sd_bus_message *m) {
        uint64_t sub, seq, entry, argument;
        uint32_t message;
        int r;

        r = sd_bus_message_read(m, "tttut", &sub, &seq, &entry, &message, &argument);
        if (r < 0)
                return r;
        for (LibInterest *i = port->interests; i; i = i->next)
                if (i->sub == sub) {
                        i->received_seq = seq;
                        return push(i, message, argument);
                }
        return 0;
}

/* One Entry1 property of entry id on bus, positioned in its variant; the run of the daemon that answered. */
static ioreg_return_t get_property(sd_bus *bus, const char *owner, uint64_t id, const char *property,
                                   const char *contents, sd_bus_message **ret, uint64_t *ret_run) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        char path[LIB_ENTRY_PATH_MAX];
        int r;

        r = sd_bus_call_method(bus, owner, lib_entry_path(id, path), "org.freedesktop.DBus.Properties", "Get",
                               &error, ret, "ss", IOREG_ENTRY_INTERFACE, property);
        if (r < 0)
                return lib_return_from_bus_error(&error, r);
        if (ret_run)
                *ret_run = lib_run_for_owner(sd_bus_message_get_sender(*ret));
        r = sd_bus_message_enter_container(*ret, 'v', contents);
        return r < 0 ? lib_return_from_errno(r) : IOREG_RETURN_SUCCESS;
}

/* The key of entry id as the daemon on bus has it now (Entry1's Class, Name and Properties). */
static ioreg_return_t entry_key(sd_bus *bus, const char *owner, uint64_t id, uint64_t *ret_run, char **ret) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *c = NULL, *n = NULL, *p = NULL;
        json_auto_t *props = NULL;
        const char *class_name, *name;
        ioreg_return_t rr;
        int r;

        rr = get_property(bus, owner, id, "Class", "s", &c, ret_run);
        if (rr == IOREG_RETURN_SUCCESS)
                rr = get_property(bus, owner, id, "Name", "s", &n, NULL);
        if (rr == IOREG_RETURN_SUCCESS)
                rr = get_property(bus, owner, id, "Properties", "a{sv}", &p, NULL);
        if (rr != IOREG_RETURN_SUCCESS)
                return rr;
        r = sd_bus_message_read_basic(c, 's', &class_name);
        if (r >= 0)
                r = sd_bus_message_read_basic(n, 's', &name);
        if (r >= 0)
                r = wire_json_read_dict(p, &props);
        if (r < 0)
                return lib_return_from_errno(r);
        *ret = lib_entry_key_make(class_name, name, props);
        return *ret ? IOREG_RETURN_SUCCESS : IOREG_RETURN_NO_MEMORY;
}

static ioreg_return_t register_interest(LibInterest *i) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        int r;

        r = sd_bus_call_method(lib_port_notify_bus(i->port), lib_port_notify_destination(i->port), IOREG_OBJECT_PATH,
                               IOREG_NOTIFY_INTERFACE, "RegisterInterest", &error, &reply, "ts", i->service->id,
                               i->type);
        if (r < 0)
                return lib_return_from_bus_error(&error, r);
        r = sd_bus_message_read_basic(reply, 't', &i->sub);
        if (r < 0)
                return lib_return_from_errno(r);
        i->received_seq = i->acked_seq = 0;
        return IOREG_RETURN_SUCCESS;
}

static void lib_interest_work(ioreg_notification_port_t port) {
        for (LibInterest *i = port->interests; i;) {
                LibInterest *next;

                lib_object_ref(&i->base);
                for (unsigned k = 0; k < i->n_pending; k++) {
                        /* Released by an earlier callback: what is left is dropped, as IOKit drops it. */
                        if (atomic_load(&i->base.n_ref) == 1 || !i->port)
                                break;
                        if (i->callback)
                                i->callback(i->refcon, &i->service->base, i->pending[k].message,
                                            (void *) (uintptr_t) i->pending[k].argument);
                }
                i->n_pending = 0;
                if (i->port && i->sub && i->received_seq > i->acked_seq) {
                        lib_port_notify_send(port, "Ack", "tt", i->sub, i->received_seq);
                        i->acked_seq = i->received_seq;
                }
                next = i->next;
                lib_object_unref(&i->base);
                i = next;
        }
}

static void lib_interest_resubscribe_all(ioreg_notification_port_t port) {
        for (LibInterest *i = port->interests; i; i = i->next) {
                _cleanup_free_ char *key = NULL;
                uint64_t run = 0;
                ioreg_return_t rr;

                if (i->sub || i->terminated)
                        continue;
                rr = entry_key(lib_port_bus(port), port->owner, i->service->id, &run, &key);
                if (rr == IOREG_RETURN_NO_DEVICE || rr == IOREG_RETURN_TIMEOUT || rr == IOREG_RETURN_IPC_ERROR)
                        continue; /* the daemon did not answer (it is going): asked again when one is back */
                if (rr == IOREG_RETURN_SUCCESS && streq(key, i->key)) {
                        /* The same entry in the new run: the caller's object goes on working. */
                        atomic_store(&i->service->run, run);
                        if (register_interest(i) == IOREG_RETURN_SUCCESS)
                                continue;
                }
                /* Gone while the daemon was away (or going now): the message it would have sent. */
                (void) push(i, IOREG_MESSAGE_SERVICE_IS_TERMINATED, 0);
        }
}

static void lib_interest_forget_all(ioreg_notification_port_t port) {
        for (LibInterest *i = port->interests; i; i = i->next)
                i->sub = 0;
}

static void lib_interest_detach_all(ioreg_notification_port_t port) {
        while (port->interests) {
                LibInterest *i = port->interests;

                port->interests = i->next;
                i->prev = i->next = NULL;
                i->linked = false;
                i->port = NULL;
                i->sub = 0;
        }
}

static void interest_free(ioreg_object_t o) {
        LibInterest *i = (LibInterest *) o;

        if (i->port) {
                if (i->sub)
                        lib_port_notify_send(i->port, "Unsubscribe", "t", i->sub, 0);
                if (i->linked) {
                        if (i->prev)
                                i->prev->next = i->next;
                        else
                                i->port->interests = i->next;
                        if (i->next)
                                i->next->prev = i->prev;
                }
        }
        lib_object_unref(i->service ? &i->service->base : NULL);
        free(i->key);
        free(i->type);
        free(i->pending);
        free(i);
}

/* What the port calls on this kind (notification-port.h). */
static const LibPortKind interest_kind = {
        .handle_signal = lib_interest_handle_signal,
        .work = lib_interest_work,
        .resubscribe_all = lib_interest_resubscribe_all,
        .forget_all = lib_interest_forget_all,
        .detach_all = lib_interest_detach_all,
};

ioreg_return_t ioreg_service_add_interest_notification(ioreg_notification_port_t port, ioreg_service_t service,
                                                       const char *interest_type,
                                                       ioreg_service_interest_callback_t callback, void *refcon,
                                                       ioreg_notification_t *notification) {
        LibEntry *e = lib_entry_cast(service);
        LibInterest *i;
        ioreg_return_t rr;
        uint64_t run = 0;

        if (!port || !e || !interest_type || !notification)
                return IOREG_RETURN_BAD_ARGUMENT;
        *notification = NULL;
        if (!port->bus || !port->owner)
                return IOREG_RETURN_NO_DEVICE;
        i = calloc(1, sizeof(*i));
        if (!i)
                return IOREG_RETURN_NO_MEMORY;
        atomic_init(&i->base.n_ref, 1);
        i->base.kind = LIB_OBJECT_INTEREST;
        i->base.free = interest_free;
        i->port = port;
        port->kinds[LIB_PORT_KIND_INTEREST] = &interest_kind;
        i->service = (LibEntry *) lib_object_ref(service);
        i->callback = callback;
        i->refcon = refcon;
        i->type = strdup(interest_type);
        if (!i->type) {
                interest_free(&i->base);
                return IOREG_RETURN_NO_MEMORY;
        }
        /* The key to find the entry again after a restart; also proves the object is of this run. */
        rr = entry_key(port->bus, port->owner, e->id, &run, &i->key);
        if (rr == IOREG_RETURN_SUCCESS && run != atomic_load(&e->run))
                rr = IOREG_RETURN_NO_DEVICE;
        if (rr == IOREG_RETURN_SUCCESS)
                rr = register_interest(i);
        if (rr != IOREG_RETURN_SUCCESS) {
                interest_free(&i->base);
                return rr;
        }
        i->linked = true;
        i->next = port->interests;
        if (i->next)
                i->next->prev = i;
        port->interests = i;
        *notification = &i->base;
        return IOREG_RETURN_SUCCESS;
}
