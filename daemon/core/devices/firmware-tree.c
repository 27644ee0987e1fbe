/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* firmware-tree.c: see firmware-tree.h. */

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "firmware-tree.h"

#define DEVICETREE_BASE "/firmware/devicetree/base"

struct FirmwareNode {
        char *key;              /* owned: ACPI node syspath, or device-tree full name */
        char *name;             /* owned: the name in IODeviceTree */
        char *location;         /* owned or NULL */
        bool root;              /* the ACPI namespace root: the platform expert stands for it */
        bool own_is_ours;       /* own is a device-tree node entry made here, removed with the node */
        Entry *own;             /* owned reference: the node's own entry, or NULL */
        Entry *claimant;        /* owned reference: the device that takes the node's place, or NULL */
        char *claimant_syspath; /* owned while claimant is set */
        Entry *placed;          /* owned reference: the entry in IODeviceTree for this node now, or NULL */
};

static const Plane *dt_plane(const FirmwareTree *ft) {
        return ft->registry->device_tree_plane;
}

/* Takes e out of IODeviceTree: its parent links there and this plane's name and location. */
static void unplace_entry(FirmwareTree *ft, Entry *e) {
        Entry *const *parents;
        unsigned n;

        if (!e->registry)
                return;
        while ((parents = entry_get_parents(e, dt_plane(ft), &n)) && n > 0)
                (void) entry_detach(e, parents[n - 1], dt_plane(ft));
        (void) entry_set_name(e, dt_plane(ft), NULL);
        (void) entry_set_location(e, dt_plane(ft), NULL);
}

static FirmwareNode *node_free(FirmwareTree *ft, FirmwareNode *n) {
        if (!n)
                return NULL;
        if (n->placed)
                unplace_entry(ft, n->placed);
        entry_unref(n->placed);
        entry_unref(n->claimant);
        if (n->own && n->own_is_ours && n->own->registry)
                registry_remove_entry(ft->registry, n->own);
        entry_unref(n->own);
        free(n->claimant_syspath);
        free(n->key);
        free(n->name);
        free(n->location);
        free(n);
        return NULL;
}

int firmware_tree_init(FirmwareTree *ft, Registry *reg, Entry *platform) {
        assert(ft && reg && platform);
        *ft = (FirmwareTree) {
                .registry = reg,
                .platform = platform,
                .nodes = HASHMAP_INIT(&string_hash_ops),
                .by_entry = HASHMAP_INIT(&u64_hash_ops),
        };
        return 0;
}

void firmware_tree_done(FirmwareTree *ft) {
        void *v;

        for (unsigned i = 0; hashmap_next(&ft->nodes, &i, NULL, &v);)
                node_free(ft, v);
        hashmap_done(&ft->nodes);
        hashmap_done(&ft->by_entry);
}

unsigned firmware_tree_size(const FirmwareTree *ft) {
        return hashmap_size(&ft->nodes);
}

Entry *firmware_tree_find(const FirmwareTree *ft, const char *key) {
        FirmwareNode *n = hashmap_get(&ft->nodes, key);

        return n ? n->placed : NULL;
}

/* The nearest node above n: its key with trailing components cut until one is known. */
static FirmwareNode *parent_node(const FirmwareTree *ft, const char *key) {
        char buf[4096];
        size_t len = strlen(key);
        char *slash;

        if (len >= sizeof(buf))
                return NULL;
        memcpy(buf, key, len + 1);
        while ((slash = strrchr(buf, '/')) && slash != buf) {
                FirmwareNode *p;

                *slash = '\0';
                p = hashmap_get(&ft->nodes, buf);
                if (p)
                        return p;
        }
        return NULL;
}

_hot_ static Entry *node_entry(const FirmwareNode *n) {
        return n->root ? NULL : n->claimant ?: n->own;
}

/* Where n's entry hangs: the entry of the nearest node above that has one, else the plane's root. */
static Entry *dt_parent(const FirmwareTree *ft, const FirmwareNode *n) {
        for (FirmwareNode *p = parent_node(ft, n->key); p; p = parent_node(ft, p->key))
                if (node_entry(p))
                        return node_entry(p);
        return ft->platform;
}

/* Puts the right entry for n in IODeviceTree, below the right parent. Returns 1 when it changed. */
static int place(FirmwareTree *ft, FirmwareNode *n) {
        Entry *want = node_entry(n), *parent;
        Entry *const *parents;
        unsigned count;
        int r, changed = 0;

        if (n->placed && n->placed != want) {
                unplace_entry(ft, n->placed);
                n->placed = entry_unref(n->placed);
                changed = 1;
        }
        if (!want || !want->registry)
                return changed;
        parent = dt_parent(ft, n);
        parents = entry_get_parents(want, dt_plane(ft), &count);
        if (count != 1 || parents[0] != parent) {
                while ((parents = entry_get_parents(want, dt_plane(ft), &count)) && count > 0)
                        (void) entry_detach(want, parents[count - 1], dt_plane(ft));
                r = entry_attach(want, parent, dt_plane(ft));
                if (r < 0)
                        return r;
                changed = 1;
        }
        if (!streq_ptr(entry_get_name(want, dt_plane(ft)), n->name) ||
            !streq_ptr(entry_get_location(want, dt_plane(ft)), n->location)) {
                r = entry_set_name(want, dt_plane(ft), n->name);
                if (r >= 0)
                        r = entry_set_location(want, dt_plane(ft), n->location);
                if (r < 0)
                        return r;
                changed = 1;
        }
        if (!n->placed)
                n->placed = entry_ref(want);
        return changed;
}

static bool is_below(const char *key, const char *ancestor) {
        size_t len = strlen(ancestor);

        return strncmp(key, ancestor, len) == 0 && key[len] == '/';
}

/* Places n, then every node below it: their parent may have changed with it. */
static int place_subtree(FirmwareTree *ft, FirmwareNode *n) {
        int r, changed;
        void *v;

        changed = place(ft, n);
        if (changed < 0)
                return changed;
        for (unsigned i = 0; hashmap_next(&ft->nodes, &i, NULL, &v);) {
                FirmwareNode *m = v;

                if (m == n || !is_below(m->key, n->key))
                        continue;
                r = place(ft, m);
                if (r < 0)
                        return r;
                changed |= r;
        }
        return changed;
}

static int node_new(FirmwareTree *ft, const char *key, FirmwareNode **ret) {
        FirmwareNode *n;
        const char *last;
        int r;

        n = calloc(1, sizeof(*n));
        if (!n)
                return -ENOMEM;
        n->key = strdup(key);
        last = strrchr(key, '/');
        n->name = strdup(last && last[1] ? last + 1 : key);
        if (!n->key || !n->name) {
                node_free(ft, n);
                return -ENOMEM;
        }
        r = hashmap_put(&ft->nodes, n->key, n);
        if (r < 0) {
                node_free(ft, n);
                return r;
        }
        *ret = n;
        return 0;
}

/* "serial@7e201000" → name "serial", location "7e201000", as a device tree's unit address. */
static int split_node_name(FirmwareNode *n) {
        char *at = strchr(n->name, '@');

        if (!at)
                return 0;
        free(n->location);
        n->location = strdup(at + 1);
        *at = '\0';
        return n->location ? 0 : -ENOMEM;
}

int firmware_tree_add_devicetree_node(FirmwareTree *ft, const char *key, Value *props) {
        FirmwareNode *n;
        Entry *e;
        int r;

        assert(ft && key && props);
        ft->devicetree = true;
        if (key[0] != '/' || !key[1] || hashmap_get(&ft->nodes, key))
                return -EINVAL; /* the root is the platform expert; each node once */
        r = node_new(ft, key, &n);
        if (r < 0)
                return r;
        r = split_node_name(n);
        if (r < 0)
                return r;
        r = registry_create_entry(ft->registry, "IOService", &e);
        if (r < 0)
                return r;
        r = entry_set_properties(e, props);
        if (r >= 0)
                r = entry_set_name(e, NULL, n->name);
        if (r >= 0)
                r = entry_set_location(e, NULL, n->location);
        if (r < 0) {
                registry_remove_entry(ft->registry, e);
                return r;
        }
        n->own = entry_ref(e);
        n->own_is_ours = true;
        r = hashmap_put(&ft->by_entry, &e->id, n);
        if (r < 0)
                return r;
        return place(ft, n);
}

/* The node key d's link names: the ACPI node's syspath, or the device-tree full name. */
_hot_ static const char *link_key(const FirmwareTree *ft, const DeviceRecord *d) {
        const char *target, *base;

        if (!ft->devicetree)
                return device_record_link(d, "firmware_node");
        target = device_record_link(d, "of_node");
        if (!target)
                return NULL;
        base = strstr(target, DEVICETREE_BASE);
        if (!base)
                return NULL;
        base += strlen(DEVICETREE_BASE);
        return *base ? base : NULL; /* the tree's root is the platform expert's */
}

_hot_ int firmware_tree_describe(const FirmwareTree *ft, const DeviceRecord *d, Value *props) {
        FirmwareNode *n;
        const char *key;
        Value *from;

        assert(ft && d && props);
        if (!ft->devicetree || !(key = link_key(ft, d)) || !(n = hashmap_get(&ft->nodes, key)) || !n->own)
                return 0;
        from = n->own->properties;
        for (size_t i = 0; i < value_dict_size(from); i++) {
                const char *k = value_dict_key_at(from, i);

                if (value_dict_get(props, k))
                        continue;
                if (value_dict_set(props, k, value_dict_value_at(from, i)) < 0)
                        return -ENOMEM;
        }
        return 0;
}

/* "\_SB_.PCI0.S08_" → "S08": the last segment, without ACPI's padding. */
static char *acpi_name(const char *path) {
        const char *seg = strrchr(path, '.');
        size_t len;

        seg = seg ? seg + 1 : path[0] == '\\' ? path + 1 : path;
        len = strlen(seg);
        while (len > 1 && seg[len - 1] == '_')
                len--;
        return len > 0 ? strndup(seg, len) : NULL;
}

/* _ADR 0x001c0004 → "1C,4"; 0x00020000 → "2": device, then function when not 0 (IOPCIFamily). */
static char *acpi_location(const char *adr) {
        unsigned long long v;
        char *end, *s;

        errno = 0;
        v = strtoull(adr, &end, 0);
        if (errno || end == adr || *end)
                return NULL;
        if (v & 0xffff)
                return asprintf(&s, "%llX,%llX", (v >> 16) & 0xffff, v & 0xffff) < 0 ? NULL : s;
        return asprintf(&s, "%llX", v >> 16) < 0 ? NULL : s;
}

/* The ACPI node d describes, with e as its own entry. */
static int set_acpi_node(FirmwareTree *ft, const DeviceRecord *d, Entry *e) {
        const char *path = device_record_attr(d, "path"), *adr = device_record_attr(d, "adr");
        FirmwareNode *n = hashmap_get(&ft->nodes, d->syspath);
        char *name;
        int r;

        if (!n) {
                r = node_new(ft, d->syspath, &n);
                if (r < 0)
                        return r;
        }
        n->root = path && streq(path, "\\");
        name = path ? acpi_name(path) : NULL;
        if (name) {
                free(n->name);
                n->name = name;
        }
        free(n->location);
        n->location = adr ? acpi_location(adr) : NULL;
        if (n->own != e) {
                if (n->own)
                        (void) hashmap_remove(&ft->by_entry, &n->own->id);
                entry_unref(n->own);
                n->own = entry_ref(e);
                r = hashmap_put(&ft->by_entry, &e->id, n);
                if (r < 0)
                        return r;
        }
        return place_subtree(ft, n);
}

static bool is_path_below_or_at(const char *path, const char *ancestor) {
        return streq(path, ancestor) || is_below(path, ancestor);
}

static int claim(FirmwareTree *ft, const char *key, const DeviceRecord *d, Entry *e) {
        FirmwareNode *n = hashmap_get(&ft->nodes, key);
        char *syspath;
        int r;

        if (!n) {
                r = node_new(ft, key, &n);
                if (r < 0)
                        return r;
                if (ft->devicetree) {
                        r = split_node_name(n);
                        if (r < 0)
                                return r;
                }
        }
        if (n->claimant == e)
                return place_subtree(ft, n);
        /* A device below the claimant shares its node (a port and its tty); an unrelated one waits. */
        if (n->claimant && n->claimant->registry && !is_path_below_or_at(n->claimant_syspath, d->syspath))
                return 0;
        syspath = strdup(d->syspath);
        if (!syspath)
                return -ENOMEM;
        if (n->claimant)
                (void) hashmap_remove(&ft->by_entry, &n->claimant->id);
        entry_unref(n->claimant);
        free(n->claimant_syspath);
        n->claimant = entry_ref(e);
        n->claimant_syspath = syspath;
        r = hashmap_put(&ft->by_entry, &e->id, n);
        if (r < 0)
                return r;
        return place_subtree(ft, n);
}

_hot_ int firmware_tree_device(FirmwareTree *ft, const DeviceRecord *d, Entry *e) {
        const char *key;
        int r = 0, changed = 0;

        assert(ft && d && e);
        if (!ft->devicetree && streq_ptr(d->subsystem, "acpi")) {
                changed = set_acpi_node(ft, d, e);
                if (changed < 0)
                        return changed;
        }
        key = link_key(ft, d);
        if (key)
                r = claim(ft, key, d, e);
        return r < 0 ? r : (changed | r);
}

_hot_ void firmware_tree_forget(FirmwareTree *ft, Entry *e) {
        FirmwareNode *n = hashmap_remove(&ft->by_entry, &e->id);

        if (!n)
                return;
        if (n->own == e)
                n->own = entry_unref(n->own);
        if (n->claimant == e) {
                n->claimant = entry_unref(n->claimant);
                free(n->claimant_syspath);
                n->claimant_syspath = NULL;
        }
        /* e leaves first, so that the nodes below find their new parent, not e. */
        if (n->placed == e) {
                unplace_entry(ft, e);
                n->placed = entry_unref(n->placed);
        }
        (void) place_subtree(ft, n);
        if (!n->own && !n->claimant && !ft->devicetree) {
                (void) hashmap_remove(&ft->nodes, n->key);
                node_free(ft, n);
        }
}
