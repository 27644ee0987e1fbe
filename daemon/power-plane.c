/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* power-plane.c: see power-plane.h. */

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "power-plane.h"

typedef struct PowerLink {
        char *syspath;   /* owned; the links key */
        char *supplier;  /* owned: the supplier's syspath */
        char *consumer;  /* owned: the consumer's syspath */
        Entry *parent;   /* owned reference while the edge we made exists, else NULL */
        Entry *child;    /* owned reference, likewise */
        uint64_t sweep;  /* last resync generation that saw it */
} PowerLink;

static void link_detach(PowerLink *l, const Plane *plane) {
        if (l->parent && l->child && l->child->registry)
                (void) entry_detach(l->child, l->parent, plane);
        l->parent = entry_unref(l->parent);
        l->child = entry_unref(l->child);
}

static PowerLink *link_free(PowerLink *l, const Plane *plane) {
        if (!l)
                return NULL;
        link_detach(l, plane);
        free(l->syspath);
        free(l->supplier);
        free(l->consumer);
        free(l);
        return NULL;
}

int power_plane_init(PowerPlane *p, Registry *reg, Entry *root_domain, PowerPlaneFind find, void *userdata) {
        assert(p && reg && root_domain && find);
        *p = (PowerPlane) {
                .registry = reg,
                .root_domain = root_domain,
                .links = HASHMAP_INIT(&string_hash_ops),
                .find = find,
                .userdata = userdata,
        };
        return 0;
}

void power_plane_done(PowerPlane *p) {
        void *v;

        for (unsigned i = 0; hashmap_next(&p->links, &i, NULL, &v);)
                link_free(v, p->registry->power_plane);
        hashmap_done(&p->links);
        p->root_domain = NULL;
}

unsigned power_plane_n_links(const PowerPlane *p) {
        return hashmap_size(&p->links);
}

/* Runtime PM status → Apple's current state; -1 for a status we do not know. */
static int current_state(const char *status) {
        static const struct {
                const char *status;
                int state;
        } map[] = {
                { "active", POWER_STATE_ON },
                /* Runtime PM disabled: the device stays in its working state. */
                { "unsupported", POWER_STATE_ON },
                /* A transition reports the state it leaves until it is done. */
                { "suspending", POWER_STATE_ON },
                { "suspended", POWER_STATE_SUSPENDED },
                { "resuming", POWER_STATE_SUSPENDED },
                /* A failed transition leaves the device unusable until it is reset. */
                { "error", POWER_STATE_OFF },
        };

        for (size_t i = 0; i < ELEMENTSOF(map); i++)
                if (streq(status, map[i].status))
                        return map[i].state;
        return -1;
}

static uint32_t capability_flags(int state) {
        switch (state) {
        case POWER_STATE_ON:
                return IOPM_POWER_ON | IOPM_DEVICE_USABLE;
        case POWER_STATE_SUSPENDED:
                return IOPM_LOW_POWER;
        default:
                return 0;
        }
}

int power_plane_describe(const DeviceRecord *d, Value *props) {
        _cleanup_value_ Value *pm = NULL;
        const char *status, *control;
        int state, r;

        assert(d && props);
        status = device_record_attr(d, "power/runtime_status");
        if (!status)
                return 0;
        control = device_record_attr(d, "power/control");
        state = current_state(status);

        pm = value_new_dictionary();
        if (!pm)
                return -ENOMEM;
        r = value_dict_set_take(pm, "MaxPowerState", value_new_unsigned(POWER_STATE_ON, 32));
        if (r >= 0 && state >= 0) {
                r = value_dict_set_take(pm, "CurrentPowerState", value_new_unsigned((unsigned) state, 32));
                if (r >= 0)
                        r = value_dict_set_take(pm, "CapabilityFlags", value_new_unsigned(capability_flags(state), 32));
        }
        if (r >= 0 && control)
                r = value_dict_set_take(pm, "DevicePowerState",
                                        value_new_unsigned(streq(control, "on") ? POWER_STATE_ON : POWER_STATE_OFF, 32));
        if (r >= 0)
                r = value_dict_set_take(pm, "RuntimeStatus", value_new_string(status));
        if (r >= 0 && control)
                r = value_dict_set_take(pm, "Control", value_new_string(control));
        if (r >= 0)
                r = value_dict_set(props, "IOPowerManagement", pm);
        return r < 0 ? r : 1;
}

int power_plane_join(PowerPlane *p, Entry *e, Entry *parent) {
        assert(p && e);
        return entry_attach(e, parent ?: p->root_domain, p->registry->power_plane);
}

static bool has_parent(const Entry *e, const Entry *parent, const Plane *plane) {
        Entry *const *parents;
        unsigned n;

        parents = entry_get_parents(e, plane, &n);
        for (unsigned i = 0; i < n; i++)
                if (parents[i] == parent)
                        return true;
        return false;
}

/* Makes the edge when both ends are in the plane and it is not there yet. Returns 1 when made. */
static int link_attach(PowerPlane *p, PowerLink *l) {
        const Plane *plane = p->registry->power_plane;
        Entry *supplier, *consumer;
        int r;

        if (l->parent)
                return 0;
        supplier = p->find(p->userdata, l->supplier);
        consumer = p->find(p->userdata, l->consumer);
        if (!supplier || !consumer || has_parent(consumer, supplier, plane))
                return 0; /* waits for its ends; an existing edge is not ours to remove later */
        r = entry_attach(consumer, supplier, plane);
        if (r == -ELOOP)
                return 0; /* the supplier is below its consumer: the edge would make a cycle */
        if (r < 0)
                return r;
        l->parent = entry_ref(supplier);
        l->child = entry_ref(consumer);
        return 1;
}

static int link_remove(PowerPlane *p, PowerLink *l) {
        bool had_edge = l->parent && l->child && l->child->registry;

        (void) hashmap_remove(&p->links, l->syspath);
        link_free(l, p->registry->power_plane);
        return had_edge;
}

int power_plane_apply_link(PowerPlane *p, const DeviceRecord *d, uint64_t sweep) {
        PowerLink *l;
        const char *supplier, *consumer;
        int r;

        assert(p && d && d->syspath);
        l = hashmap_get(&p->links, d->syspath);
        if (d->action == DEVICE_ACTION_REMOVE)
                return l ? link_remove(p, l) : 0;

        supplier = device_record_link(d, "supplier");
        consumer = device_record_link(d, "consumer");
        if (!supplier || !consumer)
                return -EINVAL;
        if (l && streq(l->supplier, supplier) && streq(l->consumer, consumer)) {
                l->sweep = sweep;
                return link_attach(p, l); /* still waiting for an end, perhaps */
        }
        if (l)
                (void) link_remove(p, l); /* the ends changed: a new link */

        l = calloc(1, sizeof(*l));
        if (!l)
                return -ENOMEM;
        l->syspath = strdup(d->syspath);
        l->supplier = strdup(supplier);
        l->consumer = strdup(consumer);
        l->sweep = sweep;
        if (!l->syspath || !l->supplier || !l->consumer) {
                link_free(l, p->registry->power_plane);
                return -ENOMEM;
        }
        r = hashmap_put(&p->links, l->syspath, l);
        if (r < 0) {
                link_free(l, p->registry->power_plane);
                return r;
        }
        return link_attach(p, l);
}

unsigned power_plane_device_added(PowerPlane *p, const char *syspath) {
        unsigned n = 0;
        void *v;

        for (unsigned i = 0; hashmap_next(&p->links, &i, NULL, &v);) {
                PowerLink *l = v;

                /* A link whose end was removed and came back holds the old entry: let it go. */
                if (l->child && (!l->child->registry || !l->parent->registry))
                        link_detach(l, p->registry->power_plane);
                if ((streq(l->supplier, syspath) || streq(l->consumer, syspath)) && link_attach(p, l) > 0)
                        n++;
        }
        return n;
}

unsigned power_plane_sweep(PowerPlane *p, uint64_t sweep) {
        unsigned n = 0;
        void *v;

        /* Removing while iterating is safe in no hash map: restart after each removal. */
        for (bool again = true; again;) {
                again = false;
                for (unsigned i = 0; hashmap_next(&p->links, &i, NULL, &v);) {
                        PowerLink *l = v;

                        if (l->sweep == sweep)
                                continue;
                        (void) link_remove(p, l);
                        n++;
                        again = true;
                        break;
                }
        }
        return n;
}
