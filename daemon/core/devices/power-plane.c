/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* power-plane.c: see power-plane.h. */

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "protocol.h"
#include "power-plane.h"

/* Long enough for every status the PM core writes ("unsupported" is the longest). */
#define STATUS_MAX 16

/* A member of the plane, as polling and change reports know it. */
typedef struct PowerMember {
        Entry *entry;            /* owned reference; the members key is its id */
        char *status_path;       /* owned: SYSPATH/power/runtime_status */
        char status[STATUS_MAX]; /* last runtime status seen, "" when unknown or too long */
        int state;               /* its CurrentPowerState, -1 when unknown */
} PowerMember;

static PowerMember *member_free(PowerMember *m) {
        if (!m)
                return NULL;
        entry_unref(m->entry);
        free(m->status_path);
        free(m);
        return NULL;
}

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

/* The edge goes too, when its child is still in a registry (whose power plane it is in). */
static PowerLink *link_free(PowerLink *l) {
        if (!l)
                return NULL;
        link_detach(l, l->child && l->child->registry ? l->child->registry->power_plane : NULL);
        free(l->syspath);
        free(l->supplier);
        free(l->consumer);
        free(l);
        return NULL;
}

DEFINE_HASHMAP_FREE_FUNC(member_free_void, PowerMember, member_free);
DEFINE_HASHMAP_FREE_FUNC(link_free_void, PowerLink, link_free);
static const HashmapOps links_ops = HASHMAP_OPS_STRING(link_free_void);
static const HashmapOps members_ops = HASHMAP_OPS_U64(member_free_void);

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

/* One IOPMPowerState as a dictionary: the structure's field names, Linux's unknowns as 0. */
static Value *power_state_new(uint32_t caps, uint32_t output, uint32_t input) {
        static const char *const unknown[] = {
                "staticPower", "unbudgetedPower", "powerToAttain", "timeToAttain",
                "settleUpTime", "timeToLower", "settleDownTime", "powerDomainBudget",
        };
        _cleanup_value_ Value *d = value_new_dictionary();
        int r;

        if (!d)
                return NULL;
        r = value_dict_set_take(d, "version", value_new_unsigned(IOPM_POWER_STATE_VERSION1, 32));
        if (r >= 0)
                r = value_dict_set_take(d, "capabilityFlags", value_new_unsigned(caps, 32));
        if (r >= 0)
                r = value_dict_set_take(d, "outputPowerCharacter", value_new_unsigned(output, 32));
        if (r >= 0)
                r = value_dict_set_take(d, "inputPowerRequirement", value_new_unsigned(input, 32));
        for (size_t i = 0; r >= 0 && i < ELEMENTSOF(unknown); i++)
                r = value_dict_set_take(d, unknown[i], value_new_unsigned(0, 32));
        return r < 0 ? NULL : TAKE_PTR(d);
}

/*
 * The three states, lowest first: off draws nothing and gives nothing; suspended
 * lets its parent idle too (the PM core suspends a parent once its children
 * are suspended); on needs and gives full power.
 */
static Value *power_states_new(void) {
        _cleanup_value_ Value *a = value_new_array();
        int r;

        if (!a)
                return NULL;
        r = value_array_append_take(a, power_state_new(0, 0, 0));
        if (r >= 0)
                r = value_array_append_take(a, power_state_new(capability_flags(POWER_STATE_SUSPENDED),
                                                               IOPM_LOW_POWER, IOPM_LOW_POWER));
        if (r >= 0)
                r = value_array_append_take(a, power_state_new(capability_flags(POWER_STATE_ON),
                                                               IOPM_POWER_ON, IOPM_POWER_ON));
        return r < 0 ? NULL : TAKE_PTR(a);
}

int power_plane_init(PowerPlane *p, Registry *reg, Entry *root_domain, PowerPlaneFind find, void *userdata) {
        assert(p && reg && root_domain && find);
        *p = (PowerPlane) {
                .registry = reg,
                .root_domain = root_domain,
                .links = HASHMAP_INIT(&links_ops),
                .members = HASHMAP_INIT(&members_ops),
                .find = find,
                .userdata = userdata,
        };
        p->states = power_states_new();
        if (!p->states)
                return -ENOMEM;
        /* Once, on the root domain: the same three states for every device, and in each
         * entry's IOPowerManagement they made most of `ioreg -l` (a Mac shows none there). */
        return entry_set_property(root_domain, "PowerStates", p->states);
}

void power_plane_done(PowerPlane *p) {
        hashmap_done(&p->links);
        hashmap_done(&p->members);
        p->states = value_unref(p->states);
        p->root_domain = NULL;
}

/* IOPowerManagement for a runtime status and power/control value (NULL: none). */
static Value *pm_dict_new(const PowerPlane *p, const char *status, const char *control) {
        _cleanup_value_ Value *pm = value_new_dictionary();
        int state = current_state(status), r;

        if (!pm)
                return NULL;
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
        return r < 0 ? NULL : TAKE_PTR(pm);
}

_hot_ int power_plane_describe(const PowerPlane *p, const DeviceRecord *d, Value *props) {
        const char *status;

        assert(p && d && props);
        status = device_record_attr(d, "power/runtime_status");
        if (!status)
                return 0;
        return value_dict_set_take(props, "IOPowerManagement",
                                   pm_dict_new(p, status, device_record_attr(d, "power/control"))) < 0 ? -ENOMEM : 1;
}

_hot_ int power_plane_join(PowerPlane *p, Entry *e, Entry *parent) {
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

        hashmap_delete(&p->links, l->syspath); /* frees l */
        return had_edge;
}

/*
 * The ends of a link named BUS:SUPPLIER--BUS:CONSUMER (the kernel's devlink name; BUS is the bus
 * or class, empty for neither) as two strings "BUS:SUPPLIER\0BUS:CONSUMER" in one buffer.
 */
static int link_ends_from_name(const char *name, char **ret) {
        const char *sep = name ? strstr(name, "--") : NULL;
        char *ends;

        if (!sep || sep == name || !sep[2] || !memchr(name, ':', sep - name) || !strchr(sep + 2, ':'))
                return -EINVAL;
        ends = strdup(name);
        if (!ends)
                return -ENOMEM;
        ends[sep - name] = '\0';
        memmove(ends + (sep - name) + 1, ends + (sep - name) + 2, strlen(sep + 2) + 1);
        *ret = ends;
        return 0;
}

int power_plane_apply_link(PowerPlane *p, const DeviceRecord *d, uint64_t sweep) {
        _cleanup_free_ char *ends = NULL;
        PowerLink *l;
        const char *supplier, *consumer;
        int r;

        assert(p && d && d->syspath);
        l = hashmap_get(&p->links, d->syspath);
        if (d->action == DEVICE_ACTION_REMOVE)
                return l ? link_remove(p, l) : 0;

        supplier = device_record_link(d, "supplier");
        consumer = device_record_link(d, "consumer");
        if (!supplier || !consumer) {
                /* No symlinks (made after the add uevent, and not for every link): the name says. */
                r = link_ends_from_name(d->sysname, &ends);
                if (r < 0)
                        return r;
                supplier = ends;
                consumer = ends + strlen(ends) + 1;
        }
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
                link_free(l);
                return -ENOMEM;
        }
        r = hashmap_put(&p->links, l->syspath, l);
        if (r < 0) {
                link_free(l);
                return r;
        }
        return link_attach(p, l);
}

/* Whether a link's end (a syspath, or "BUS:NAME") may be the device at syspath; find() decides. */
static bool end_is(const char *end, const char *syspath) {
        const char *base = strrchr(syspath, '/');

        if (end[0] == '/')
                return streq(end, syspath);
        return base && streq(strchr(end, ':') + 1, base + 1);
}

_hot_ unsigned power_plane_device_added(PowerPlane *p, const char *syspath) {
        unsigned n = 0;
        void *v;

        for (unsigned i = 0; hashmap_next(&p->links, &i, NULL, &v);) {
                PowerLink *l = v;

                /* A link whose end was removed and came back holds the old entry: let it go. */
                if (l->child && (!l->child->registry || !l->parent->registry))
                        link_detach(l, p->registry->power_plane);
                if ((end_is(l->supplier, syspath) || end_is(l->consumer, syspath)) && link_attach(p, l) > 0)
                        n++;
        }
        return n;
}

unsigned power_plane_sweep(PowerPlane *p, uint64_t sweep) {
        unsigned n = 0;
        void *v;

        /* Removing while iterating is safe (hashmap.h): one walk. */
        for (unsigned i = 0; hashmap_next(&p->links, &i, NULL, &v);) {
                PowerLink *l = v;

                if (l->sweep == sweep)
                        continue;
                (void) link_remove(p, l);
                n++;
        }
        return n;
}

/* --- keeping up with runtime PM --- */

/* Polled: runtime PM enabled (a disabled device reports "unsupported" and stays as it is). */
static bool member_polled(const PowerMember *m) {
        return m->status[0] && !streq(m->status, "unsupported");
}

static void member_set_status(PowerMember *m, const char *status) {
        size_t len = strlen(status);

        if (len < sizeof(m->status))
                memcpy(m->status, status, len + 1);
        else
                m->status[0] = '\0'; /* a status we cannot keep: not polled */
        m->state = current_state(status);
}

static void report(PowerPlane *p, PowerMember *m, int from, bool polled) {
        if (from < 0 || m->state < 0)
                return;
        /* Polling updated IOPowerManagement itself; after an event the device tree announces it. */
        if (polled)
                entry_announce_properties(m->entry);
        if (from != m->state && p->on_state_change)
                p->on_state_change(p->state_userdata, m->entry, (unsigned) from, (unsigned) m->state);
}

static void member_forget(PowerPlane *p, PowerMember *m) {
        hashmap_delete(&p->members, &m->entry->id); /* frees m */
}

_hot_ void power_plane_forget(PowerPlane *p, Entry *e) {
        PowerMember *m = hashmap_get(&p->members, &e->id);

        if (m)
                member_forget(p, m);
}

_hot_ int power_plane_track(PowerPlane *p, Entry *e, const DeviceRecord *d) {
        PowerMember *m;
        const char *status;
        int from, r;

        assert(p && d);
        if (!e)
                return 0;
        m = hashmap_get(&p->members, &e->id);
        status = device_record_attr(d, "power/runtime_status");
        if (!status) {
                if (m)
                        member_forget(p, m); /* no longer power-managed */
                return 0;
        }
        if (!m) {
                m = calloc(1, sizeof(*m));
                if (!m)
                        return -ENOMEM;
                m->entry = entry_ref(e);
                m->state = -1;
                r = hashmap_put(&p->members, &m->entry->id, m);
                if (r < 0) {
                        member_free(m);
                        return r;
                }
        }
        /* The syspath changes with a move: keep the path in step. */
        if (!m->status_path || strncmp(m->status_path, d->syspath, strlen(d->syspath)) != 0 ||
            !streq(m->status_path + strlen(d->syspath), "/power/runtime_status")) {
                char *path;

                if (asprintf(&path, "%s/power/runtime_status", d->syspath) < 0)
                        return -ENOMEM;
                free(m->status_path);
                m->status_path = path;
        }
        from = m->state;
        member_set_status(m, status);
        report(p, m, from, false);
        return from >= 0 && m->state >= 0 && from != m->state;
}

/* Replaces RuntimeStatus, CurrentPowerState and CapabilityFlags, keeping power/control as the last event gave it. */
static int member_update_properties(PowerPlane *p, PowerMember *m, const char *status) {
        Value *old = entry_get_property(m->entry, "IOPowerManagement");
        Value *control = old ? value_dict_get(old, "Control") : NULL;

        return entry_set_property_take(m->entry, "IOPowerManagement",
                                       pm_dict_new(p, status, control ? value_string(control, NULL) : NULL));
}

unsigned power_plane_poll(PowerPlane *p, PowerPlaneRead read_fn, void *userdata) {
        unsigned changed = 0;
        void *v;

        assert(p && read_fn);
        for (unsigned i = 0; hashmap_next(&p->members, &i, NULL, &v);) {
                PowerMember *m = v;
                char buf[STATUS_MAX + 2];
                ssize_t n;
                int from;

                if (!m->entry->registry) {
                        member_forget(p, m); /* removed from the registry; the walk goes on */
                        continue;
                }
                if (!member_polled(m) || !m->status_path)
                        continue;
                n = read_fn(userdata, m->status_path, buf, sizeof(buf));
                if (n <= 0)
                        continue; /* gone with its device: the remove uevent follows */
                buf[strcspn(buf, "\n")] = '\0';
                if (streq(buf, m->status))
                        continue;
                if (member_update_properties(p, m, buf) < 0)
                        continue; /* out of memory: the next poll tries again */
                from = m->state;
                member_set_status(m, buf);
                changed++;
                report(p, m, from, true);
        }
        return changed;
}

void power_plane_messages(unsigned from, unsigned to, uint32_t *ret_will, uint32_t *ret_has) {
        bool up = to > from;

        *ret_will = up ? IO_MESSAGE_DEVICE_WILL_POWER_ON : IO_MESSAGE_DEVICE_WILL_POWER_OFF;
        *ret_has = up ? IO_MESSAGE_DEVICE_HAS_POWERED_ON : IO_MESSAGE_DEVICE_HAS_POWERED_OFF;
}

uint64_t power_plane_message_argument(unsigned to) {
        return (uint64_t) capability_flags((int) to) << 32 | to;
}
