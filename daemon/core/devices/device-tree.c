/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* device-tree.c: see device-tree.h. */

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "device-tree.h"
#include "family.h"
#include "platform-expert.h"

struct DeviceNode {
        char *syspath;      /* owned; the by_syspath key */
        Entry *nub;         /* owned reference */
        Entry *driver;      /* owned reference, or NULL when no kernel driver is bound */
        bool usb_device;    /* in the IOUSB plane */
        bool power;         /* in the IOPower plane */
        uint64_t sweep;     /* last resync generation that saw it */
};

#define NUB_STATE (ENTRY_STATE_REGISTERED | ENTRY_STATE_FIRST_PUBLISH)
#define DRIVER_STATE (ENTRY_STATE_REGISTERED | ENTRY_STATE_MATCHED | ENTRY_STATE_FIRST_PUBLISH | ENTRY_STATE_FIRST_MATCH)

_hot_ static DeviceNode *device_node_free(DeviceNode *n) {
        if (!n)
                return NULL;
        entry_unref(n->nub);
        entry_unref(n->driver);
        free(n->syspath);
        free(n);
        return NULL;
}

DEFINE_HASHMAP_FREE_FUNC(device_node_free_void, DeviceNode, device_node_free);
static const HashmapOps by_syspath_ops = HASHMAP_OPS_STRING(device_node_free_void); /* owns the nodes */

/* A devlink's end by name, "BUS:NAME" (power-plane.h): the device called NAME on that bus or class. */
static DeviceNode *find_by_bus_name(const DeviceTree *t, const char *key) {
        const char *colon = strchr(key, ':'), *name = colon + 1;
        size_t bus_len = colon - key;
        void *v;

        for (unsigned i = 0; hashmap_next(&t->by_syspath, &i, NULL, &v);) {
                DeviceNode *n = v;
                const char *base = strrchr(n->syspath, '/'), *subsystem;
                Value *linux_dict;

                if (!base || !streq(base + 1, name))
                        continue;
                linux_dict = value_dict_get(n->nub->properties, "Linux");
                subsystem = value_string(value_dict_get(linux_dict, "SUBSYSTEM"), NULL);
                if (bus_len == 0 ||
                    (subsystem && strlen(subsystem) == bus_len && strncmp(subsystem, key, bus_len) == 0))
                        return n;
        }
        return NULL;
}

/* The nub of syspath (or devlink end) when it is in IOPower: the power plane's view of the devices. */
static Entry *find_power_nub(void *userdata, const char *syspath) {
        DeviceTree *t = userdata;
        DeviceNode *n;

        if (syspath[0] != '/' && strchr(syspath, ':'))
                n = find_by_bus_name(t, syspath);
        else
                n = hashmap_get(&t->by_syspath, syspath);
        return n && n->power ? n->nub : NULL;
}

int device_tree_init(DeviceTree *t, Registry *reg, Entry *platform) {
        Entry *root_domain;
        int r;

        assert(t && reg && platform);
        *t = (DeviceTree) {
                .registry = reg,
                .platform = platform,
                .by_syspath = HASHMAP_INIT(&by_syspath_ops),
                .by_entry = HASHMAP_INIT(&u64_hash_ops),
        };
        r = family_define_classes(reg->classes);
        if (r < 0)
                return r;
        r = registry_publish_root_domain(reg, platform, &root_domain);
        if (r < 0)
                return r;
        r = firmware_tree_init(&t->firmware, reg, platform);
        if (r < 0)
                return r;
        return power_plane_init(&t->power, reg, root_domain, find_power_nub, t);
}

void device_tree_done(DeviceTree *t) {
        for (unsigned i = 0; i < t->n_anchors; i++)
                entry_unref(t->anchors[i].entry);
        t->n_anchors = 0;
        power_plane_done(&t->power);
        firmware_tree_done(&t->firmware);
        hashmap_done(&t->by_syspath);
        hashmap_done(&t->by_entry);
}

Entry *device_tree_find(const DeviceTree *t, const char *syspath) {
        DeviceNode *n = hashmap_get(&t->by_syspath, syspath);

        return n ? n->nub : NULL;
}

unsigned device_tree_size(const DeviceTree *t) {
        return hashmap_size(&t->by_syspath);
}

/* The node of the nearest sysfs ancestor that has one. */
_hot_ static DeviceNode *find_ancestor(const DeviceTree *t, const char *syspath) {
        char buf[4096];
        size_t len = strlen(syspath);
        char *slash;

        if (len >= sizeof(buf))
                return NULL;
        memcpy(buf, syspath, len + 1);
        while ((slash = strrchr(buf, '/')) && slash != buf) {
                DeviceNode *n;

                *slash = '\0';
                n = hashmap_get(&t->by_syspath, buf);
                if (n)
                        return n;
        }
        return NULL;
}

static void publish(DeviceTree *t, Entry *e, unsigned state);

/*
 * The anchor of a top-level device's folder (device-tree.h), made and published on first use;
 * NULL for other folders, or when it cannot be made (the device then hangs below the platform).
 */
_hot_ static Entry *anchor_for(DeviceTree *t, const char *syspath) {
        const char *p = strstr(syspath, "/devices/"), *end;
        const char *klass;
        char folder[32];
        Entry *e;

        if (!p)
                return NULL;
        p += strlen("/devices/");
        end = strchrnul(p, '/');
        if (!*end || (size_t) (end - p) >= sizeof(folder))
                return NULL; /* the folder itself is the device: it is no anchor's */
        memcpy(folder, p, end - p);
        folder[end - p] = '\0';
        if (strncmp(folder, "pci", 3) == 0 && strchr(folder, ':'))
                klass = "IOPCIBridge";
        else if (streq(folder, "virtual"))
                klass = "IOLinuxDevice";
        else
                return NULL;
        for (unsigned i = 0; i < t->n_anchors; i++)
                if (streq(t->anchors[i].folder, folder))
                        return t->anchors[i].entry;
        if (t->n_anchors >= ELEMENTSOF(t->anchors) || registry_create_entry(t->registry, klass, &e) < 0)
                return NULL;
        if (entry_set_name(e, NULL, folder) < 0 || entry_attach(e, t->platform, t->registry->service_plane) < 0) {
                registry_remove_entry(t->registry, e);
                return NULL;
        }
        snprintf(t->anchors[t->n_anchors].folder, sizeof(t->anchors[0].folder), "%s", folder);
        t->anchors[t->n_anchors++].entry = entry_ref(e);
        publish(t, e, NUB_STATE);
        return e;
}

_hot_ static Entry *service_parent_for(DeviceTree *t, const DeviceNode *ancestor, const char *syspath) {
        if (!ancestor)
                return anchor_for(t, syspath) ?: t->platform;
        return ancestor->driver ?: ancestor->nub;
}

/* The nearest ancestor node in IOPower: the power parent (NULL: the root domain). */
_hot_ static Entry *power_parent_for(const DeviceTree *t, const char *syspath) {
        DeviceNode *n = find_ancestor(t, syspath);

        while (n && !n->power)
                n = find_ancestor(t, n->syspath);
        return n ? n->nub : NULL;
}

/* The nearest ancestor node that is a USB device: the parent in the IOUSB plane. */
_hot_ static DeviceNode *find_usb_ancestor(const DeviceTree *t, const char *syspath) {
        DeviceNode *n = find_ancestor(t, syspath);

        while (n && !n->usb_device)
                n = find_ancestor(t, n->syspath);
        return n;
}

_hot_ static int apply_names(Entry *e, const NubDescription *nub) {
        int r;

        r = entry_set_name(e, NULL, nub->name);
        /* Most nubs have no location, and a new entry none to clear. */
        if (r >= 0 && (nub->location || e->location))
                r = entry_set_location(e, NULL, nub->location);
        return r;
}

_hot_ static int apply_description(Entry *e, NubDescription *nub) {
        int r;

        r = apply_names(e, nub);
        if (r < 0)
                return r;
        r = entry_set_properties(e, nub->properties);
        nub->properties = value_unref(nub->properties);
        return r;
}

static void forget_entry(void *userdata, Entry *e);

/* registerService: the matcher sets the state bits; without one, the entry is just published. */
_hot_ static void publish(DeviceTree *t, Entry *e, unsigned state) {
        if (t->on_publish)
                t->on_publish(t->userdata, e);
        else
                entry_set_state(e, state, 0);
}

/* Sets key in the nub's Linux dictionary (value NULL: removes it). Returns 1 when that changed it. */
_hot_ static int set_linux_key(Entry *e, const char *key, const char *value) {
        _cleanup_value_ Value *props = NULL;
        Value *dict = value_dict_get(e->properties, "Linux"), *old;
        int r;

        if (!dict)
                return 0;
        old = value_dict_get(dict, key);
        if (value ? old && streq_ptr(value_string(old, NULL), value) : !old)
                return 0;
        /* A copy: the old table may be held by a notification under way. */
        props = value_copy(e->properties);
        if (!props)
                return -ENOMEM;
        dict = value_dict_get(props, "Linux");
        r = value ? value_dict_set_take(dict, key, value_new_string(value)) : value_dict_remove(dict, key);
        if (r < 0)
                return r;
        r = entry_set_properties(e, props);
        return r < 0 ? r : 1;
}

/* The kernel driver's entry between the nub and the nubs below it; the caller publishes it. */
_hot_ static int attach_driver(DeviceTree *t, DeviceNode *n, const char *driver) {
        Entry *const *children;
        Entry *drv;
        unsigned count;
        int r;

        r = registry_create_entry(t->registry, "IOLinuxKernelDriver", &drv);
        if (r < 0)
                return r;
        r = entry_set_name(drv, NULL, driver);
        if (r >= 0)
                r = entry_set_property_take(drv, "IOClass", value_new_string("IOLinuxKernelDriver"));
        if (r >= 0)
                r = entry_set_property_take(drv, "CFBundleIdentifier", value_new_string(driver));
        if (r >= 0)
                r = entry_attach(drv, n->nub, t->registry->service_plane);
        if (r >= 0)
                r = hashmap_put(&t->by_entry, &drv->id, n);
        if (r < 0) {
                registry_remove_entry(t->registry, drv);
                return r;
        }
        /*
         * The nubs below the device now hang below its driver, as on a Mac. Only the devices' nubs: a
         * driver the matcher started on this nub (a user-space driver, whose claim of a USB interface
         * binds usbfs) stays below its provider.
         */
        for (;;) {
                Entry *child = NULL;

                children = entry_get_children(n->nub, t->registry->service_plane, &count);
                for (unsigned i = 0; i < count; i++)
                        if (children[i] != drv && hashmap_get(&t->by_entry, &children[i]->id)) {
                                child = children[i];
                                break;
                        }
                if (!child)
                        break;
                (void) entry_detach(child, n->nub, t->registry->service_plane);
                r = entry_attach(child, drv, t->registry->service_plane);
                if (r < 0)
                        return r;
        }
        n->driver = entry_ref(drv);
        return 0;
}

static int detach_driver(DeviceTree *t, DeviceNode *n) {
        Entry *const *children;
        unsigned count;
        int r;

        if (!n->driver)
                return 0;
        while ((children = entry_get_children(n->driver, t->registry->service_plane, &count)) && count > 0) {
                Entry *child = children[0];

                (void) entry_detach(child, n->driver, t->registry->service_plane);
                r = entry_attach(child, n->nub, t->registry->service_plane);
                if (r < 0)
                        return r;
        }
        /* Terminated like any service, so that subscribers hear of it (forget_entry() drops n->driver). */
        registry_terminate_entry(t->registry, n->driver, forget_entry, t);
        return 1;
}

/* Brings the driver entry in line with d->driver. Returns 1 when it changed. */
static int sync_driver(DeviceTree *t, DeviceNode *n, const char *driver) {
        int r;

        if (n->driver && driver && streq(entry_get_name(n->driver, NULL), driver))
                return 0;
        r = detach_driver(t, n);
        if (r < 0)
                return r;
        if (!driver)
                return r;
        r = attach_driver(t, n, driver);
        if (r < 0)
                return r;
        publish(t, n->driver, DRIVER_STATE);
        return 1;
}

/* The power and firmware planes, once the nub is in IOService. Returns 1 when they changed. */
_hot_ static int join_planes(DeviceTree *t, DeviceNode *n, const DeviceRecord *d, bool power) {
        int r, changed = 0;

        if (power && !n->power) {
                r = power_plane_join(&t->power, n->nub, power_parent_for(t, d->syspath));
                if (r < 0)
                        return r;
                n->power = true;
                changed = 1;
                if (power_plane_n_links(&t->power) > 0 && power_plane_device_added(&t->power, d->syspath) > 0)
                        changed = 1;
        }
        r = firmware_tree_device(&t->firmware, d, n->nub);
        if (r < 0)
                return r;
        return changed | r;
}

/* The class a family named: devices of one class come in runs (a coldplug, a hub's ports). */
_hot_ static const Class *class_of(DeviceTree *t, const char *class_name) {
        if (class_name != t->last_class_name) {
                t->last_class = class_table_find(t->registry->classes, class_name);
                t->last_class_name = t->last_class ? class_name : NULL;
        }
        return t->last_class;
}

_hot_ static int add_device(DeviceTree *t, const DeviceRecord *d, NubDescription *nub, bool power) {
        /* First: an anchor made here comes before the nub, in IDs and in publication. */
        Entry *parent = service_parent_for(t, find_ancestor(t, d->syspath), d->syspath);
        const Class *c = class_of(t, nub->class_name);
        DeviceNode *n;
        Entry *e;
        int r, q;

        if (!c)
                return -ENOENT;
        /* The description's table becomes the entry's: built once, not copied. */
        r = registry_create_entry_of_class(t->registry, c, TAKE_PTR(nub->properties), &e);
        if (r < 0)
                return r;
        n = calloc(1, sizeof(*n));
        if (!n) {
                registry_remove_entry(t->registry, e);
                return -ENOMEM;
        }
        n->nub = entry_ref(e);
        n->sweep = t->sweep;
        n->syspath = strdup(d->syspath);
        n->usb_device = streq_ptr(d->subsystem, "usb") && streq_ptr(d->devtype, "usb_device");
        r = n->syspath ? apply_names(e, nub) : -ENOMEM;
        if (r < 0)
                goto fail;
        r = entry_attach(e, parent, t->registry->service_plane);
        if (r < 0)
                goto fail;
        if (n->usb_device) {
                DeviceNode *usb_parent = find_usb_ancestor(t, d->syspath);

                r = entry_attach(e, usb_parent ? usb_parent->nub : t->registry->root, t->registry->usb_plane);
                if (r < 0)
                        goto fail;
        }
        r = hashmap_put(&t->by_syspath, n->syspath, n);
        if (r < 0)
                goto fail;
        r = hashmap_put(&t->by_entry, &e->id, n);
        if (r < 0) {
                (void) hashmap_remove(&t->by_syspath, n->syspath);
                goto fail;
        }
        /* On failure the nub stays without its driver entry or its other planes; resync retries. */
        r = d->driver ? attach_driver(t, n, d->driver) : 0;
        q = join_planes(t, n, d, power);
        t->n_added++;
        publish(t, e, NUB_STATE);
        /* The driver after its nub, as a Mac publishes a driver once its provider matched it. */
        if (n->driver && n->driver->registry)
                publish(t, n->driver, DRIVER_STATE);
        return r < 0 ? r : q < 0 ? q : 1;
fail:
        registry_remove_entry(t->registry, e);
        device_node_free(n);
        return r;
}

_hot_ static void forget_entry(void *userdata, Entry *e) {
        DeviceTree *t = userdata;
        DeviceNode *n;

        if (t->on_terminate)
                t->on_terminate(t->userdata, e);
        firmware_tree_forget(&t->firmware, e);
        power_plane_forget(&t->power, e);
        n = hashmap_remove(&t->by_entry, &e->id);

        if (n && n->driver == e) {
                /* The kernel driver entry alone (a terminate call): the nub stays, driverless until its next event. */
                n->driver = entry_unref(n->driver);
                return;
        }
        if (!n || n->nub != e)
                return; /* an entry that is not a device's */
        if (n->driver)
                (void) hashmap_remove(&t->by_entry, &n->driver->id);
        hashmap_delete(&t->by_syspath, n->syspath); /* frees n */
        t->n_removed++;
}

unsigned device_tree_terminate(DeviceTree *t, Entry *e) {
        assert(t && e);
        return registry_terminate_entry(t->registry, e, forget_entry, t);
}

_hot_ static int remove_device(DeviceTree *t, DeviceNode *n) {
        registry_terminate_entry(t->registry, n->nub, forget_entry, t);
        return 1;
}

/* Copies key from e's table into the new description when only e has it. */
static int keep_key(const Entry *e, NubDescription *nub, const char *key) {
        Value *v = value_dict_get(e->properties, key);

        if (!v || value_dict_get(nub->properties, key))
                return 0;
        return value_dict_set(nub->properties, key, v);
}

static int change_device(DeviceTree *t, DeviceNode *n, const DeviceRecord *d, NubDescription *nub, bool power) {
        Entry *e = n->nub;
        bool same;
        int r, changed, planes;

        n->sweep = t->sweep;
        /*
         * The driver host's mark of a crash loop is the daemon's, not the kernel's: a change (the kernel
         * driver bound again after the loop, DESIGN.md) keeps it.
         */
        r = keep_key(e, nub, "IOUserServerCrashLoop");
        if (r < 0)
                return r;
        same = streq_ptr(nub->class_name, e->klass->name) && streq_ptr(nub->name, entry_get_name(e, NULL)) &&
               streq_ptr(nub->location, entry_get_location(e, NULL)) && value_equal(nub->properties, e->properties);
        if (!same && !streq_ptr(nub->class_name, e->klass->name)) {
                /* Another class (the device changed subsystem or devtype): a new nub. */
                remove_device(t, n);
                return add_device(t, d, nub, power);
        }
        changed = sync_driver(t, n, d->driver);
        if (changed < 0)
                return changed;
        /* A device keeps its planes once in them; one that missed them (a failed add) joins now. */
        planes = join_planes(t, n, d, power);
        if (planes < 0)
                return planes;
        changed |= planes;
        if (same)
                return changed;
        r = apply_description(e, nub);
        if (r < 0)
                return r;
        t->n_changed++;
        entry_announce_properties(e);
        return 1;
}

/*
 * An event (bind, unbind, change, ...) for a device that has left sysfs: nothing can be read, so
 * the nub keeps the name and properties it had; only what the event itself says, the driver,
 * changes. The nub goes on remove.
 */
static int update_gone_device(DeviceTree *t, DeviceNode *n, const DeviceRecord *d) {
        int r, changed;

        n->sweep = t->sweep;
        changed = sync_driver(t, n, d->driver);
        if (changed < 0)
                return changed;
        r = set_linux_key(n->nub, "DRIVER", d->driver);
        if (r <= 0)
                return r < 0 ? r : changed;
        t->n_changed++;
        entry_announce_properties(n->nub);
        return 1;
}

/* move: the device (and everything below it) has a new syspath. */
static int move_device(DeviceTree *t, const DeviceRecord *d) {
        size_t old_len = strlen(d->devpath_old);
        DeviceNode **moved = NULL;
        unsigned n_moved = 0, cap = 0;
        const char *prefix_end;
        void *v;
        int r = 0;

        /* devpath_old has no sysfs mount point: rebuild the old syspath from the new one. */
        prefix_end = strstr(d->syspath, d->devpath);
        if (!prefix_end)
                return -EINVAL;
        for (unsigned i = 0; hashmap_next(&t->by_syspath, &i, NULL, &v);) {
                DeviceNode *n = v;
                const char *rel = n->syspath + (prefix_end - d->syspath);

                if (strlen(n->syspath) < (size_t) (prefix_end - d->syspath) ||
                    strncmp(n->syspath, d->syspath, prefix_end - d->syspath) != 0)
                        continue;
                if (strncmp(rel, d->devpath_old, old_len) == 0 && (rel[old_len] == '\0' || rel[old_len] == '/')) {
                        r = GROW(moved, cap, n_moved + 1);
                        if (r < 0)
                                goto out;
                        moved[n_moved++] = n;
                }
        }
        for (unsigned i = 0; i < n_moved; i++) {
                DeviceNode *n = moved[i];
                const char *rest = n->syspath + (prefix_end - d->syspath) + old_len;
                char *p;

                if (asprintf(&p, "%s%s", d->syspath, rest) < 0) {
                        r = -ENOMEM;
                        goto out;
                }
                (void) hashmap_remove(&t->by_syspath, n->syspath);
                free(n->syspath);
                n->syspath = p;
                r = hashmap_put(&t->by_syspath, n->syspath, n);
                if (r < 0)
                        goto out;
                /* The moved device itself is described again by the caller; those below only move. */
                if (streq(n->syspath, d->syspath))
                        continue;
                r = set_linux_key(n->nub, "SYSPATH", n->syspath);
                if (r < 0)
                        goto out;
                if (r > 0) {
                        t->n_changed++;
                        entry_announce_properties(n->nub);
                }
        }
        r = n_moved > 0;
out:
        free(moved);
        return r;
}

_hot_ int device_tree_apply(DeviceTree *t, const DeviceRecord *d) {
        NubDescription nub = {};
        DeviceNode *n;
        int r, power;

        assert(t && d);
        if (!d->syspath)
                return -EINVAL;
        /* Device links are edges in IOPower, not devices: no nub. */
        if (power_plane_is_link(d))
                return power_plane_apply_link(&t->power, d, t->sweep);
        n = hashmap_get(&t->by_syspath, d->syspath);

        switch (d->action) {
        case DEVICE_ACTION_REMOVE:
                return n ? remove_device(t, n) : 0;
        case DEVICE_ACTION_MOVE:
                if (!d->devpath_old || !d->devpath)
                        return -EINVAL;
                r = move_device(t, d);
                if (r < 0)
                        return r;
                n = hashmap_get(&t->by_syspath, d->syspath);
                break;
        case DEVICE_ACTION_ADD:
        case DEVICE_ACTION_CHANGE:
        case DEVICE_ACTION_ONLINE:
        case DEVICE_ACTION_OFFLINE:
        case DEVICE_ACTION_BIND:
        case DEVICE_ACTION_UNBIND:
                break;
        default:
                return -EINVAL;
        }

        if (n && d->action != DEVICE_ACTION_ADD && device_record_is_gone(d))
                return update_gone_device(t, n, d);
        /* Every other action describes the device as it is now: add it, or bring it up to date. */
        r = family_describe_device(d, &nub);
        if (r < 0)
                return r;
        if (n && d->action != DEVICE_ACTION_ADD && device_record_is_gone(d)) {
                /* It left while we read it: what we read may be half of it. */
                nub_description_done(&nub);
                return update_gone_device(t, n, d);
        }
        power = power_plane_describe(&t->power, d, nub.properties);
        r = power < 0 ? power : firmware_tree_describe(&t->firmware, d, nub.properties);
        if (r >= 0 && n)
                r = change_device(t, n, d, &nub, power > 0);
        else if (r >= 0)
                r = add_device(t, d, &nub, power > 0);
        nub_description_done(&nub);
        /* After the properties: a state change is reported with them up to date. */
        if (r >= 0 && power > 0)
                (void) power_plane_track(&t->power, find_power_nub(t, d->syspath), d);
        return r;
}

void device_tree_resync_begin(DeviceTree *t) {
        t->sweep++;
}

unsigned device_tree_resync_end(DeviceTree *t) {
        _cleanup_strv_free_ char **stale = NULL;
        unsigned removed = 0, n = 0, cap = 0;
        void *v;

        /* Collect first: terminating a subtree frees nodes below it as we go. */
        for (unsigned i = 0; hashmap_next(&t->by_syspath, &i, NULL, &v);) {
                DeviceNode *node = v;

                if (node->sweep == t->sweep)
                        continue;
                if (GROW(stale, cap, n + 2) < 0)
                        break; /* out of memory: the next resync gets the rest */
                stale[n] = strdup(node->syspath);
                if (!stale[n])
                        break;
                stale[++n] = NULL;
        }
        for (unsigned i = 0; i < n; i++) {
                DeviceNode *node = hashmap_get(&t->by_syspath, stale[i]);

                if (node)
                        removed += registry_terminate_entry(t->registry, node->nub, forget_entry, t);
        }
        return removed + power_plane_sweep(&t->power, t->sweep);
}
