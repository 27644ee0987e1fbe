/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * driver-instance.c: the bottom of the driver host (driver-host-internal.h):
 * the calls' records (a start call carries an instance until it replies)
 * and the instances themselves, kept in the matcher's MatcherDriver records
 * (host slot = the server running it), with the providers they opened.
 */

#include <stdlib.h>

#include "driver-host-internal.h"
#include "kernel-driver.h"
#include "log.h"

/* -------------------------------------------------------------------------- */
/* Calls. */

void driver_call_free(HostCall *c) {
        if (!c)
                return;
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

static void release_opens(DriverHost *h, uint64_t driver_id) {
        void *v;

        for (unsigned i = 0; hashmap_next(&h->opens, &i, NULL, &v);)
                if (((OpenRecord *) v)->driver_id == driver_id) {
                        hashmap_delete_current(&h->opens, i);
                        return; /* one provider per driver */
                }
}

/*
 * An instance that replaced its nub's kernel driver ends (it stopped, its server crashed or gave up, its
 * personality went, its start failed): the kernel's driver gets the device back, unless the nub is going.
 */
void driver_host_give_back_kernel_driver(DriverHost *h, MatcherDriver *d) {
        Entry *nub = registry_get_entry(h->registry, d->nub_id);
        int r;

        if (!d->kernel_detached)
                return;
        d->kernel_detached = false;
        if (!nub || (nub->state & ENTRY_STATE_INACTIVE))
                return;
        r = kernel_driver_bind(nub, -1);
        if (r < 0)
                log_warning_errno(r, "Cannot bind kernel driver %s to %s again, ignoring: %m", d->kernel_driver,
                                  entry_get_name(nub, NULL));
        else
                log_info("Bound kernel driver %s to %s again.", d->kernel_driver, entry_get_name(nub, NULL));
}

void driver_host_release_instance(DriverHost *h, DriverServer *s, uint64_t driver_id) {
        MatcherDriver *d = matcher_find_driver(h->matcher, driver_id);

        if (d && d->host == s)
                d->host = NULL;
        release_opens(h, driver_id);
        if (d)
                driver_host_give_back_kernel_driver(h, d);
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
