/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * system-power.c: IORegisterForSystemPower and its calls (ioreg/system-power.h)
 * on org.ioreg.SystemPower1. One registration per call, on a port of its
 * own: the port's signal match queues the daemon's SystemPower signals, its
 * work hook hands them to the callback (rule 1 of notification-port.h), its
 * reconnected hook registers again with a new daemon, its detach hook lets
 * the registration outlive the port.
 *
 * Two objects share one registration: the notifier (ending it) and the root
 * port (answering through it). Each holds a reference on the registration;
 * the notifier's last release or ioreg_deregister_for_system_power ends it.
 */

#include <errno.h>
#include <stdlib.h>

#include "notification-port.h"
#include "protocol.h"


typedef struct PowerPending {
        uint32_t message;
        uint64_t notification;
        uint64_t run;           /* the daemon run that sent it */
} PowerPending;

typedef struct LibSystemPower {
        unsigned n_ref;               /* the notifier's and the root port's: both belong to the port's thread */
        ioreg_notification_port_t port; /* weak; NULL once the port is destroyed */
        bool active;                  /* not deregistered */
        LibSignalMatch *match;        /* the port's; NULL when not on a port */
        ioreg_service_interest_callback_t callback;
        void *refcon;                 /* the caller's */
        LibEntry *root_domain;        /* owned: IOPMrootDomain of the current run, or NULL */
        uint64_t sub;                 /* the daemon's subscription, 0 while not registered */
        uint64_t run;                 /* the run sub belongs to */
        uint64_t run_max;             /* the highest notification ID delivered in run */
        uint64_t stale_max;           /* the highest delivered by earlier runs */
        PowerPending *pending;        /* owned, in arrival order */
        unsigned n_pending, cap_pending;
} LibSystemPower;

typedef struct LibPowerHandle {
        struct ioreg_object base;     /* LIB_OBJECT_POWER_NOTIFIER or LIB_OBJECT_POWER_CONNECT */
        LibSystemPower *sp;           /* owned reference */
} LibPowerHandle;

static LibSystemPower *sp_ref(LibSystemPower *sp) {
        sp->n_ref++;
        return sp;
}

static void sp_unref(LibSystemPower *sp) {
        if (!sp || --sp->n_ref > 0)
                return;
        lib_object_unref(sp->root_domain ? &sp->root_domain->base : NULL);
        free(sp->pending);
        free(sp);
}

static LibSystemPower *handle_sp(ioreg_object_t o, LibObjectKind kind) {
        return o && o->kind == kind ? ((LibPowerHandle *) o)->sp : NULL;
}

/* The daemon's SystemPower signal: queued for the work hook (never a callback from here). */
static int on_system_power(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        LibSystemPower *sp = userdata;
        uint64_t sub, notification;
        uint32_t message;

        if (!sp->port || !streq_ptr(sd_bus_message_get_sender(m), sp->port->owner))
                return 0;
        if (sd_bus_message_read(m, "tut", &sub, &message, &notification) < 0 || !sp->sub || sub != sp->sub)
                return 0;
        if (GROW(sp->pending, sp->cap_pending, sp->n_pending + 1) < 0)
                return 0; /* out of memory: the daemon's timeout stands in for the lost answer */
        sp->pending[sp->n_pending++] = (PowerPending) { message, notification, sp->run };
        lib_port_wake(sp->port);
        return 1;
}

/* IOPMrootDomain as the current daemon has it, for the callback's service argument. */
static void find_root_domain(LibSystemPower *sp) {
        ioreg_service_t s;

        lib_object_unref(sp->root_domain ? &sp->root_domain->base : NULL);
        sp->root_domain = NULL;
        s = ioreg_service_get_matching_service(ioreg_service_matching("IOPMrootDomain"));
        sp->root_domain = lib_entry_cast(s);
        if (s && !sp->root_domain)
                lib_object_unref(s);
}

static ioreg_return_t call(LibSystemPower *sp, const char *member, sd_bus_message **ret_reply, const char *types,
                           uint64_t a, uint64_t b) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        int r;

        r = sd_bus_call_method(lib_port_bus(sp->port), sp->port->owner, IOREG_OBJECT_PATH, IOREG_SYSTEM_POWER_INTERFACE, member,
                               &error, ret_reply, types, a, b);
        /* Signals read behind the reply are handled now, as the caller's poll would not see them. */
        (void) lib_port_drain(sp->port);
        return r < 0 ? lib_return_from_bus_error(&error, r) : IOREG_RETURN_SUCCESS;
}

static ioreg_return_t do_register(LibSystemPower *sp) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        ioreg_return_t rr;
        uint64_t sub;

        if (!lib_port_bus(sp->port) || !sp->port->owner)
                return IOREG_RETURN_NO_DEVICE;
        rr = call(sp, "RegisterForSystemPower", &reply, NULL, 0, 0);
        if (rr != IOREG_RETURN_SUCCESS)
                return rr;
        if (sd_bus_message_read_basic(reply, 't', &sub) < 0)
                return IOREG_RETURN_IPC_ERROR;
        sp->sub = sub;
        sp->run = sp->port->run;
        if (sp->run_max > sp->stale_max)
                sp->stale_max = sp->run_max;
        sp->run_max = 0;
        find_root_domain(sp);
        return IOREG_RETURN_SUCCESS;
}

static void hook_reconnected(ioreg_notification_port_t port, void *userdata) {
        LibSystemPower *sp = userdata;

        /* The old daemon (or connection) took the registration with it. */
        sp->sub = 0;
        if (sp->active)
                (void) do_register(sp);
}

static void hook_work(ioreg_notification_port_t port, void *userdata) {
        LibSystemPower *sp = sp_ref(userdata);

        /* By index: a callback may deregister (emptying the queue) or be handed new messages. */
        for (unsigned k = 0; sp->active && k < sp->n_pending; k++) {
                PowerPending p = sp->pending[k];

                if (p.run == sp->run) {
                        if (p.notification > sp->run_max)
                                sp->run_max = p.notification;
                } else if (p.notification > sp->stale_max)
                        sp->stale_max = p.notification;
                if (sp->callback)
                        sp->callback(sp->refcon, sp->root_domain ? &sp->root_domain->base : NULL, p.message,
                                     (void *) (uintptr_t) p.notification);
        }
        sp->n_pending = 0;
        sp_unref(sp);
}

static void hook_detach(ioreg_notification_port_t port, void *userdata) {
        LibSystemPower *sp = userdata;

        /* The port frees its signal matches; closing its connection ends the registration on the daemon. */
        sp->port = NULL;
        sp->match = NULL;
        sp->sub = 0;
        sp->n_pending = 0;
}

/* Ends the registration: nothing is delivered after it. */
static void deregister(LibSystemPower *sp) {
        if (!sp->active)
                return;
        sp->active = false;
        sp->n_pending = 0;
        if (!sp->port)
                return;
        /* Synchronous: once it returns, the daemon sends no more. */
        if (sp->sub && lib_port_bus(sp->port))
                (void) call(sp, "DeregisterForSystemPower", NULL, "t", sp->sub, 0);
        sp->sub = 0;
        lib_port_remove_signal_match(sp->match);
        sp->match = NULL;
        lib_port_remove_hooks(sp->port, sp);
        sp->port = NULL;
        sp->n_pending = 0;
}

static void handle_free(ioreg_object_t o) {
        LibPowerHandle *h = (LibPowerHandle *) o;

        if (o->kind == LIB_OBJECT_POWER_NOTIFIER)
                deregister(h->sp);
        sp_unref(h->sp);
        free(h);
}

static LibPowerHandle *handle_new(LibObjectKind kind, LibSystemPower *sp) {
        LibPowerHandle *h = calloc(1, sizeof(*h));

        if (!h)
                return NULL;
        atomic_init(&h->base.n_ref, 1);
        h->base.kind = kind;
        h->base.free = handle_free;
        h->sp = sp_ref(sp);
        return h;
}

ioreg_connect_t ioreg_register_for_system_power(void *refcon, ioreg_notification_port_t *port,
                                                ioreg_service_interest_callback_t callback,
                                                ioreg_object_t *notifier) {
        static const LibPortHooks hooks_template = {
                .reconnected = hook_reconnected,
                .work = hook_work,
                .detach = hook_detach,
        };
        LibPowerHandle *n = NULL, *c = NULL;
        LibPortHooks hooks = hooks_template;
        ioreg_notification_port_t p;
        LibSystemPower *sp;
        ioreg_return_t rr;
        int r;

        if (port)
                *port = NULL;
        if (notifier)
                *notifier = NULL;
        if (!port || !callback || !notifier) {
                errno = EINVAL;
                return NULL;
        }
        p = ioreg_notification_port_create();
        if (!p)
                return NULL;
        sp = calloc(1, sizeof(*sp));
        if (!sp) {
                ioreg_notification_port_destroy(p);
                errno = ENOMEM;
                return NULL;
        }
        sp->n_ref = 1;
        sp->port = p;
        sp->active = true;
        sp->callback = callback;
        sp->refcon = refcon;
        hooks.userdata = sp;
        n = handle_new(LIB_OBJECT_POWER_NOTIFIER, sp);
        c = handle_new(LIB_OBJECT_POWER_CONNECT, sp);
        sp_unref(sp); /* the handles hold it now */
        r = n && c ? 0 : -ENOMEM;
        if (r >= 0)
                r = lib_port_add_signal_match(p,
                                              "type='signal',interface='" IOREG_SYSTEM_POWER_INTERFACE "',member='SystemPower',"
                                              "path='" IOREG_OBJECT_PATH "'",
                                              on_system_power, sp, &sp->match);
        if (r >= 0)
                r = lib_port_add_hooks(p, &hooks);
        if (r >= 0) {
                /*
                 * Registered now, as the caller waits for it; the port's first work pass
                 * would register again (its subscribe-all for a daemon just found): not needed.
                 */
                p->need_resubscribe = false;
                rr = do_register(sp);
                r = rr == IOREG_RETURN_SUCCESS ? 0 : rr == IOREG_RETURN_NO_MEMORY ? -ENOMEM : -ENOTCONN;
        }
        if (r < 0) {
                /* The notifier's release deregisters; the port goes last (the handles forget it first). */
                lib_object_unref(n ? &n->base : NULL);
                lib_object_unref(c ? &c->base : NULL);
                ioreg_notification_port_destroy(p);
                errno = -r;
                return NULL;
        }
        *port = p;
        *notifier = &n->base;
        return &c->base;
}

ioreg_return_t ioreg_deregister_for_system_power(ioreg_object_t *notifier) {
        LibSystemPower *sp;

        if (!notifier)
                return IOREG_RETURN_BAD_ARGUMENT;
        sp = handle_sp(*notifier, LIB_OBJECT_POWER_NOTIFIER);
        if (!sp)
                return IOREG_RETURN_BAD_ARGUMENT;
        deregister(sp);
        lib_object_unref(*notifier);
        *notifier = NULL;
        return IOREG_RETURN_SUCCESS;
}

static ioreg_return_t answer(ioreg_connect_t kernel_port, intptr_t notification_id, const char *member) {
        LibSystemPower *sp = handle_sp(kernel_port, LIB_OBJECT_POWER_CONNECT);
        uint64_t id = (uint64_t) notification_id;

        if (!sp || notification_id <= 0)
                return IOREG_RETURN_BAD_ARGUMENT;
        if (!sp->active || !sp->port)
                return IOREG_RETURN_NOT_FOUND;
        /* A message of a daemon that went: its inhibitor went with it, nothing is left to answer. */
        if (id > sp->run_max && id <= sp->stale_max)
                return IOREG_RETURN_SUCCESS;
        if (!sp->sub || !lib_port_bus(sp->port))
                return id <= sp->run_max ? IOREG_RETURN_SUCCESS : IOREG_RETURN_NO_DEVICE;
        return call(sp, member, NULL, "tt", sp->sub, id);
}

ioreg_return_t ioreg_allow_power_change(ioreg_connect_t kernel_port, intptr_t notification_id) {
        return answer(kernel_port, notification_id, "AllowPowerChange");
}

ioreg_return_t ioreg_cancel_power_change(ioreg_connect_t kernel_port, intptr_t notification_id) {
        return answer(kernel_port, notification_id, "CancelPowerChange");
}
