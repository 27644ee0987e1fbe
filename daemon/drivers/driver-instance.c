/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * driver-instance.c: the bottom of the driver host (driver-host-internal.h):
 * the calls' records (a start call carries an instance until it replies)
 * and the instances themselves, kept in the matcher's MatcherDriver records
 * (host slot = the server running it), with the providers they opened.
 */

#include <inttypes.h>
#include <stdlib.h>
#include <unistd.h>

#include "device-access.h"
#include "driver-host-internal.h"
#include "kernel-driver.h"
#include "log.h"

/* -------------------------------------------------------------------------- */
/* Calls. */

void driver_call_free(HostCall *c) {
        if (!c)
                return;
        if (c->ends_access) {
                /* The Stop ended (returned, failed, timed out, its server went): access ends, the entry may go. */
                c->ends_access = false;
                driver_host_end_access(c->server->host, c->driver_id);
                entry_release_removal(c->driver);
        }
        if (c->holds_entry) {
                c->holds_entry = false;
                entry_release_removal(c->driver);
        }
        sd_bus_slot_unref(c->slot);
        entry_unref(c->nub);
        entry_unref(c->driver);
        value_unref(c->table);
        free(c);
}

void driver_call_list_append(HostCall **list, HostCall *c) {
        while (*list)
                list = &(*list)->next;
        c->next = NULL;
        *list = c;
}

bool driver_call_list_unlink(HostCall **list, HostCall *c) {
        for (; *list; list = &(*list)->next)
                if (*list == c) {
                        *list = c->next;
                        c->next = NULL;
                        return true;
                }
        return false;
}

void driver_call_complete(HostCall *c, int r, int32_t score) {
        MatcherDone done = c->done;
        void *token = c->token;

        c->done = NULL;
        driver_call_free(c);
        if (done)
                done(token, r, score);
}

/* -------------------------------------------------------------------------- */
/* Instances. */

/*
 * The driver that replaced the nub's kernel driver has let go of it (closed its provider, stopped, crashed,
 * gave up, or its start failed): the kernel's driver gets the device back, unless the nub is going.
 */
static void give_back_kernel_driver(OpenRecord *o) {
        Entry *nub = o->kernel_nub;
        int r;

        if (!nub->registry || (nub->state & ENTRY_STATE_INACTIVE))
                return;
        r = kernel_driver_bind(nub);
        if (r < 0)
                log_warning_errno(r, "Cannot bind kernel driver %s to %s again, ignoring: %m", o->kernel_driver ?: "?",
                                  entry_get_name(nub, NULL));
        else
                log_info("Bound kernel driver %s to %s again.", o->kernel_driver ?: "?", entry_get_name(nub, NULL));
        /* A reload that changed the personality matches the nub again once the kernel driver has it. */
        matcher_kernel_driver_returned(o->matcher, nub, r >= 0 && kernel_driver_bound(nub));
}

void driver_open_record_free(void *p) {
        OpenRecord *o = p;
        int r;

        if (!o)
                return;
        if (o->access_fd >= 0) {
                /* The server's dup shares the open file: what can be revoked is revoked for it too. */
                r = device_access_revoke(o->access_fd);
                if (r < 0)
                        log_debug_errno(r, "Cannot revoke the access of driver 0x%" PRIx64 ", ignoring: %m",
                                        o->driver_id);
                close(o->access_fd);
        }
        /* After the revoke and the close: a USB interface's claim is released, the kernel may bind it. */
        if (o->kernel_nub)
                give_back_kernel_driver(o);
        entry_unref(o->kernel_nub);
        free(o->kernel_driver);
        free(o);
}

static void release_opens(DriverHost *h, uint64_t driver_id) {
        void *v;

        for (unsigned i = 0; hashmap_next(&h->opens, &i, NULL, &v);)
                if (((OpenRecord *) v)->driver_id == driver_id) {
                        hashmap_delete_current(&h->opens, i);
                        return; /* one provider per driver */
                }
}

void driver_host_end_access(DriverHost *h, uint64_t driver_id) {
        release_opens(h, driver_id);
}

void driver_host_forget_instance(DriverHost *h, DriverServer *s, uint64_t driver_id) {
        MatcherDriver *d = matcher_find_driver(h->matcher, driver_id);

        if (d && d->host == s)
                d->host = NULL;
        if (s->n_instances > 0)
                s->n_instances--;
}

void driver_host_release_instance(DriverHost *h, DriverServer *s, uint64_t driver_id) {
        MatcherDriver *d = matcher_find_driver(h->matcher, driver_id);

        if (d && d->host == s)
                d->host = NULL;
        release_opens(h, driver_id);
        if (s->n_instances > 0)
                s->n_instances--;
}

void driver_host_release_call_instance(DriverHost *h, HostCall *c) {
        if (c->kind != CALL_START || !c->instance)
                return;
        c->instance = false;
        driver_host_release_instance(h, c->server, c->driver_id);
}

void driver_host_terminate(DriverHost *h, Entry *e) {
        if (h->hooks.terminate)
                h->hooks.terminate(h->hooks.userdata, e);
}

void driver_host_terminate_children(DriverHost *h, Entry *driver) {
        for (;;) {
                Entry *const *children;
                unsigned n;

                children = entry_get_children(driver, h->registry->service_plane, &n);
                if (n == 0 || !h->hooks.terminate)
                        return;
                h->hooks.terminate(h->hooks.userdata, children[0]);
        }
}
