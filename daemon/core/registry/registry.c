/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* registry.c: entries, planes, links, names, properties and busy state. */

#include <assert.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "registry.h"
#include "symbol.h"
#include "utf8.h"

/* Tells every observer that has member (in the order they were added). */
#define REGISTRY_NOTIFY(reg, member, ...)                                                     \
        do {                                                                                  \
                for (unsigned _i = 0; _i < (reg)->n_observers; _i++)                          \
                        if ((reg)->observers[_i].ops->member)                                 \
                                (reg)->observers[_i].ops->member((reg)->observers[_i].userdata, \
                                                                 __VA_ARGS__);                \
        } while (0)

_hot_ static uint64_t monotonic_nsec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * UINT64_C(1000000000) + (uint64_t) ts.tv_nsec;
}

_hot_ static void links_done(EntryLinks *l) {
        if (l->parents != &l->one_parent)
                free(l->parents);
        free(l->children);
        if (l->place) {
                free(l->place->name);
                free(l->place->location);
                free(l->place->last_path);
                free(l->place);
        }
}

/* Entry names repeat (siblings share theirs): each is kept once, interned as dictionary keys are. */
static void name_free(const char *name) {
        if (name)
                symbol_unref((Symbol *) (name - offsetof(Symbol, str)));
}

_hot_ static Entry *entry_free(Entry *e) {
        links_done(&e->first_plane);
        for (unsigned i = 1; i < e->n_links; i++)
                if (e->links[i]) {
                        links_done(e->links[i]);
                        free(e->links[i]);
                }
        free(e->links);
        name_free(e->name);
        free(e->location);
        value_unref(e->properties);
        free(e);
        return NULL;
}

_hot_ Entry *entry_ref(Entry *e) {
        if (e)
                e->n_ref++;
        return e;
}

_hot_ Entry *entry_unref(Entry *e) {
        if (!e)
                return NULL;
        assert(e->n_ref > 0);
        if (--e->n_ref == 0)
                entry_free(e);
        return NULL;
}

static EntryLinks *entry_links(const Entry *e, const Plane *plane) {
        if (!plane)
                return NULL;
        if (plane->index == 0)
                return (EntryLinks *) &e->first_plane;
        if (plane->index >= e->n_links)
                return NULL;
        return e->links[plane->index];
}

/* The link record for plane, created on first use. */
_hot_ static int entry_links_get(Entry *e, const Plane *plane, EntryLinks **ret) {
        EntryLinks *l;

        if (plane->index == 0) {
                *ret = &e->first_plane;
                return 0;
        }
        if (plane->index >= e->n_links) {
                unsigned n = e->registry ? e->registry->n_planes : plane->index + 1;
                EntryLinks **t;

                if (n <= plane->index)
                        n = plane->index + 1;
                if (n > UINT16_MAX)
                        return -ENOMEM; /* registry_add_plane() keeps far below */
                t = realloc(e->links, n * sizeof(EntryLinks *));
                if (!t)
                        return -ENOMEM;
                memset(t + e->n_links, 0, (n - e->n_links) * sizeof(EntryLinks *));
                e->links = t;
                e->n_links = n;
        }
        l = e->links[plane->index];
        if (!l) {
                l = calloc(1, sizeof(EntryLinks));
                if (!l)
                        return -ENOMEM;
                e->links[plane->index] = l;
        }
        *ret = l;
        return 0;
}

static EntryPlace *entry_place(const Entry *e, const Plane *plane) {
        const EntryLinks *l = entry_links(e, plane);

        return l ? l->place : NULL;
}

/* The plane's EntryPlace of e, allocated on first use. */
_hot_ static int entry_place_get(Entry *e, const Plane *plane, EntryPlace **ret) {
        EntryLinks *l;
        int r;

        r = entry_links_get(e, plane, &l);
        if (r < 0)
                return r;
        if (!l->place) {
                l->place = calloc(1, sizeof(EntryPlace));
                if (!l->place)
                        return -ENOMEM;
        }
        *ret = l->place;
        return 0;
}

int registry_add_plane(Registry *reg, const char *name, const Plane **ret) {
        const Plane *existing;
        Value *planes;
        Plane *p;
        int r;

        assert(reg);
        if (!name || !*name || strlen(name) > REGISTRY_MAX_PLANE_NAME || strchr(name, ':') || strchr(name, '/'))
                return -EINVAL;
        existing = registry_find_plane(reg, name);
        if (existing) {
                if (ret)
                        *ret = existing;
                return 0;
        }
        r = GROW(reg->planes, reg->cap_planes, reg->n_planes + 1);
        if (r < 0)
                return r;
        p = calloc(1, sizeof(*p));
        if (!p)
                return -ENOMEM;
        p->name = strdup(name);
        if (!p->name) {
                free(p);
                return -ENOMEM;
        }
        p->index = reg->n_planes;
        reg->planes[reg->n_planes++] = p;

        if (reg->root) {
                EntryLinks *l;

                /* The root is in every plane (ioreg -p X starts at Root: entry_in_plane()). */
                r = entry_links_get(reg->root, p, &l);
                if (r < 0)
                        return r;
                /* Root's IORegistryPlanes lists every plane, name → name as in the kernel. */
                planes = entry_get_property(reg->root, "IORegistryPlanes");
                if (planes) {
                        r = value_dict_set_take(planes, name, value_new_string(name));
                        if (r < 0)
                                return r;
                }
        }
        if (ret)
                *ret = p;
        return 0;
}

const Plane *registry_find_plane(const Registry *reg, const char *name) {
        if (!name)
                return NULL;
        for (unsigned i = 0; i < reg->n_planes; i++)
                if (streq(reg->planes[i]->name, name))
                        return reg->planes[i];
        return NULL;
}

Entry *registry_get_entry(const Registry *reg, uint64_t id) {
        return hashmap_get(&reg->by_id, &id);
}

/* properties: consumed, also on failure; NULL: a new empty table. */
_hot_ static int create_entry(Registry *reg, const Class *c, uint64_t id, Value *properties, Entry **ret) {
        Entry *e;
        int r;

        assert(reg && c);
        if (id != 0 && hashmap_get(&reg->by_id, &id)) {
                value_unref(properties);
                return -EEXIST;
        }
        e = calloc(1, sizeof(*e));
        if (!e) {
                value_unref(properties);
                return -ENOMEM;
        }
        e->n_ref = 1;
        e->registry = reg;
        e->klass = c;
        e->properties = properties ?: value_new_dictionary();
        if (!e->properties) {
                free(e);
                return -ENOMEM;
        }
        /* IDs are never reused: a failed insert still consumes one. */
        if (id == 0)
                e->id = ++reg->last_id;
        else {
                e->id = id;
                if (id > reg->last_id)
                        reg->last_id = id;
        }
        r = hashmap_put(&reg->by_id, &e->id, e);
        if (r < 0) {
                entry_free(e);
                return r;
        }
        ((Class *) c)->n_instances++;
        REGISTRY_NOTIFY(reg, entry_added, e);
        if (ret)
                *ret = e;
        return 0;
}

_hot_ int registry_create_entry(Registry *reg, const char *class_name, Entry **ret) {
        const Class *c = class_table_find(reg->classes, class_name);

        return c ? create_entry(reg, c, 0, NULL, ret) : -ENOENT;
}

int registry_create_entry_with_id(Registry *reg, const char *class_name, uint64_t id, Entry **ret) {
        const Class *c = class_table_find(reg->classes, class_name);

        if (id == 0)
                return -EINVAL;
        return c ? create_entry(reg, c, id, NULL, ret) : -ENOENT;
}

_hot_ int registry_create_entry_of_class(Registry *reg, const Class *c, Value *properties, Entry **ret) {
        if (value_type(properties) != VALUE_DICTIONARY) {
                value_unref(properties);
                return -EINVAL;
        }
        return create_entry(reg, c, 0, properties, ret);
}

DEFINE_HASHMAP_FREE_FUNC(entry_unref_void, Entry, entry_unref);
static const HashmapOps by_id_ops = HASHMAP_OPS_U64(entry_unref_void); /* holds the registry's references */

int registry_new(Registry **ret) {
        _cleanup_(registry_freep) Registry *reg = NULL;
        static const char *const planes[] = { PLANE_SERVICE, PLANE_POWER, PLANE_USB, PLANE_DEVICE_TREE };
        Entry *root;
        int r;

        assert(ret);
        reg = calloc(1, sizeof(*reg));
        if (!reg)
                return -ENOMEM;
        reg->by_id = HASHMAP_INIT(&by_id_ops);
        reg->now_nsec = monotonic_nsec;
        /* Seeded so that the first ID handed out, Root's, is 0x100000100 (the kernel's). */
        reg->last_id = REGISTRY_ROOT_ID - 1;
        r = class_table_new(&reg->classes);
        if (r < 0)
                return r;
        r = registry_create_entry(reg, "IORegistryEntry", &root);
        if (r < 0)
                return r;
        reg->root = root;
        r = entry_set_name(root, NULL, "Root");
        if (r < 0)
                return r;
        r = entry_set_property_take(root, "IORegistryPlanes", value_new_dictionary());
        if (r < 0)
                return r;
        for (size_t i = 0; i < ELEMENTSOF(planes); i++) {
                r = registry_add_plane(reg, planes[i], NULL);
                if (r < 0)
                        return r;
        }
        reg->service_plane = registry_find_plane(reg, PLANE_SERVICE);
        reg->power_plane = registry_find_plane(reg, PLANE_POWER);
        reg->usb_plane = registry_find_plane(reg, PLANE_USB);
        reg->device_tree_plane = registry_find_plane(reg, PLANE_DEVICE_TREE);
        *ret = TAKE_PTR(reg);
        return 0;
}

Registry *registry_free(Registry *reg) {
        const void *k;
        void *v;

        if (!reg)
                return NULL;
        /*
         * Links are borrowed pointers between entries: cut them all first, so
         * that an entry someone still holds has no pointer to a freed one.
         */
        for (unsigned i = 0; hashmap_next(&reg->by_id, &i, &k, &v);) {
                Entry *e = v;

                for (unsigned p = 0; p < reg->n_planes; p++) {
                        EntryLinks *l = entry_links(e, reg->planes[p]);

                        if (l)
                                l->n_parents = l->n_children = 0;
                }
                e->registry = NULL;
                e->state |= ENTRY_STATE_INACTIVE;
        }
        hashmap_done(&reg->by_id); /* drops the registry's references */
        for (unsigned i = 0; i < reg->n_planes; i++) {
                free(reg->planes[i]->name);
                free(reg->planes[i]);
        }
        free(reg->planes);
        class_table_free(reg->classes);
        free(reg->observers);
        free(reg);
        return NULL;
}

/* --- links --- */

_hot_ static bool entry_is_ancestor(const Entry *ancestor, const Entry *e, const Plane *plane) {
        const EntryLinks *l = entry_links(e, plane);

        if (!l)
                return false;
        for (unsigned i = 0; i < l->n_parents; i++)
                if (l->parents[i] == ancestor || entry_is_ancestor(ancestor, l->parents[i], plane))
                        return true;
        return false;
}

static bool array_contains(Entry *const *a, unsigned n, const Entry *e) {
        for (unsigned i = 0; i < n; i++)
                if (a[i] == e)
                        return true;
        return false;
}

_hot_ static void array_remove(Entry **a, unsigned *n, const Entry *e) {
        for (unsigned i = 0; i < *n; i++)
                if (a[i] == e) {
                        memmove(&a[i], &a[i + 1], (*n - i - 1) * sizeof(Entry *));
                        (*n)--;
                        return;
                }
}

/* Moves e's share of busy state from one provider to another (reference §1.9). */
static void busy_provider_changed(Entry *e, Entry *old_provider, Entry *new_provider) {
        if (e->busy == 0 || old_provider == new_provider)
                return;
        if (old_provider)
                (void) entry_adjust_busy(old_provider, -1);
        if (new_provider)
                (void) entry_adjust_busy(new_provider, +1);
}

_hot_ int entry_attach(Entry *e, Entry *parent, const Plane *plane) {
        EntryLinks *l, *pl;
        Entry *old_provider;
        int r;

        assert(e && parent && plane);
        if (!e->registry || !parent->registry || e->registry != parent->registry)
                return -ESTALE;
        if (e == parent || entry_is_ancestor(e, parent, plane))
                return -ELOOP;
        r = entry_links_get(e, plane, &l);
        if (r < 0)
                return r;
        r = entry_links_get(parent, plane, &pl);
        if (r < 0)
                return r;
        if (array_contains(l->parents, l->n_parents, parent))
                return 0;
        if (l->cap_parents == 0) {
                /* Most entries have one provider: it needs no allocation. */
                l->parents = &l->one_parent;
                l->cap_parents = 1;
        } else if (l->parents == &l->one_parent && l->n_parents == 1) {
                Entry **t = malloc(4 * sizeof(Entry *));

                if (!t)
                        return -ENOMEM;
                t[0] = l->one_parent;
                l->parents = t;
                l->cap_parents = 4;
        }
        r = GROW(l->parents, l->cap_parents, l->n_parents + 1);
        if (r < 0)
                return r;
        r = GROW(pl->children, pl->cap_children, pl->n_children + 1);
        if (r < 0)
                return r;
        old_provider = l->n_parents > 0 ? l->parents[0] : NULL;
        l->parents[l->n_parents++] = parent;
        pl->children[pl->n_children++] = e;
        e->registry->generation++;
        if (plane == e->registry->service_plane)
                busy_provider_changed(e, old_provider, l->parents[0]);
        return 0;
}

_hot_ int entry_detach(Entry *e, Entry *parent, const Plane *plane) {
        EntryLinks *l = entry_links(e, plane), *pl = entry_links(parent, plane);
        Entry *old_provider;

        if (!l || !pl || !array_contains(l->parents, l->n_parents, parent))
                return 0;
        old_provider = l->parents[0];
        array_remove(l->parents, &l->n_parents, parent);
        array_remove(pl->children, &pl->n_children, e);
        e->registry->generation++;
        if (plane == e->registry->service_plane)
                busy_provider_changed(e, old_provider, l->n_parents > 0 ? l->parents[0] : NULL);
        return 1;
}

_hot_ bool entry_in_plane(const Entry *e, const Plane *plane) {
        const EntryLinks *l = entry_links(e, plane);

        if (!l)
                return false;
        return l->n_parents > 0 || (e->registry && e == e->registry->root);
}

_hot_ Entry *entry_get_parent(const Entry *e, const Plane *plane) {
        const EntryLinks *l = entry_links(e, plane);

        return l && l->n_parents > 0 ? l->parents[0] : NULL;
}

_hot_ Entry *const *entry_get_children(const Entry *e, const Plane *plane, unsigned *ret_n) {
        const EntryLinks *l = entry_links(e, plane);

        *ret_n = l ? l->n_children : 0;
        return l ? l->children : NULL;
}

_hot_ Entry *const *entry_get_parents(const Entry *e, const Plane *plane, unsigned *ret_n) {
        const EntryLinks *l = entry_links(e, plane);

        *ret_n = l ? l->n_parents : 0;
        return l ? l->parents : NULL;
}

_hot_ void registry_remove_entry(Registry *reg, Entry *e) {
        assert(reg && e);
        if (e->registry != reg || e == reg->root)
                return;
        REGISTRY_NOTIFY(reg, entry_removed, e);
        for (unsigned p = 0; p < reg->n_planes; p++) {
                EntryLinks *l = entry_links(e, reg->planes[p]);

                if (!l)
                        continue;
                while (l->n_children > 0)
                        (void) entry_detach(l->children[l->n_children - 1], e, reg->planes[p]);
                while (l->n_parents > 0)
                        (void) entry_detach(e, l->parents[l->n_parents - 1], reg->planes[p]);
        }
        /* Whatever busy state is left was owed to a provider that is gone now. */
        if (e->busy > 0) {
                e->busy_time_nsec += reg->now_nsec() - e->busy_since_nsec;
                e->busy = 0;
        }
        e->state |= ENTRY_STATE_INACTIVE;
        ((Class *) e->klass)->n_instances--;
        e->registry = NULL;
        reg->generation++;
        hashmap_delete(&reg->by_id, &e->id); /* drops the registry's reference: last, e may go */
}

/* Phase 2: e leaves once it was visited, nothing holds it and no terminated child waits below it. */
_hot_ static void finish_termination(Registry *reg, Entry *e) {
        _cleanup_(entry_unrefp) _unused_ Entry *hold = entry_ref(e);
        _cleanup_free_ Entry **providers = NULL;
        Entry *const *links;
        unsigned n;

        if (e->registry != reg || e->termination != ENTRY_LEAVING || e->removal_holds > 0)
                return;
        links = entry_get_children(e, reg->service_plane, &n);
        for (unsigned i = 0; i < n; i++)
                if (links[i]->termination != ENTRY_LIVE)
                        return;
        /* Its providers that wait for it (their own termination) may go after it. */
        links = entry_get_parents(e, reg->service_plane, &n);
        if (n > 0) {
                providers = calloc(n, sizeof(*providers));
                if (!providers)
                        n = 0; /* they stay: better than gone too early */
                for (unsigned i = 0; i < n; i++)
                        providers[i] = entry_ref(links[i]);
        }
        registry_remove_entry(reg, e);
        for (unsigned i = 0; i < n; i++) {
                if (providers[i]->termination == ENTRY_LEAVING)
                        finish_termination(reg, providers[i]);
                entry_unref(providers[i]);
        }
}

_hot_ unsigned registry_terminate_entry(Registry *reg, Entry *e, void (*visit)(void *userdata, Entry *e),
                                        void *userdata) {
        /* Held so that e outlives the removal of its last child's link to it. */
        _cleanup_(entry_unrefp) _unused_ Entry *hold = entry_ref(e);
        unsigned n = 0, n_children;
        Entry *const *children;

        if (e->registry != reg || e == reg->root || e->termination != ENTRY_LIVE)
                return 0;
        /* Mark first so that nothing below treats e as a live provider. */
        e->state |= ENTRY_STATE_INACTIVE;
        e->termination = ENTRY_TERMINATING;
        for (;;) {
                Entry *victim = NULL;

                children = entry_get_children(e, reg->service_plane, &n_children);
                for (unsigned i = n_children; i > 0; i--) {
                        unsigned n_parents;

                        (void) entry_get_parents(children[i - 1], reg->service_plane, &n_parents);
                        if (n_parents == 1 && children[i - 1]->termination == ENTRY_LIVE) {
                                victim = children[i - 1];
                                break;
                        }
                }
                if (!victim)
                        break;
                n += registry_terminate_entry(reg, victim, visit, userdata);
        }
        if (visit)
                visit(userdata, e);
        e->termination = ENTRY_LEAVING;
        finish_termination(reg, e);
        return n + 1;
}

void entry_hold_removal(Entry *e) {
        if (e->registry)
                e->removal_holds++;
}

void entry_release_removal(Entry *e) {
        if (e->removal_holds == 0 || --e->removal_holds > 0)
                return;
        if (e->registry)
                finish_termination(e->registry, e);
}

/* --- names, locations, properties --- */

/* Names and locations go on the bus as they are: bytes that are not UTF-8 are repaired (utf8.h). */
_hot_ static int set_string(char **field, const char *s) {
        char *copy = NULL;

        if (s) {
                copy = utf8_is_valid(s, strlen(s)) ? strdup(s) : utf8_escape_invalid(s, strlen(s));
                if (!copy)
                        return -ENOMEM;
        }
        free(*field);
        *field = copy;
        return 0;
}

/* The global name, interned: repaired first as set_string() does. */
static int set_name(const char **field, const char *s) {
        _cleanup_free_ char *repaired = NULL;
        Symbol *sym = NULL;

        if (s) {
                if (!utf8_is_valid(s, strlen(s))) {
                        repaired = utf8_escape_invalid(s, strlen(s));
                        if (!repaired)
                                return -ENOMEM;
                        s = repaired;
                }
                sym = symbol_intern(s);
                if (!sym)
                        return -ENOMEM;
        }
        name_free(*field);
        *field = sym ? sym->str : NULL;
        return 0;
}

_hot_ int entry_set_name(Entry *e, const Plane *plane, const char *name) {
        EntryPlace *place;
        int r;

        if (plane) {
                r = entry_place_get(e, plane, &place);
                if (r < 0)
                        return r;
                r = set_string(&place->name, name);
        } else
                r = set_name(&e->name, name);
        if (r >= 0 && e->registry)
                e->registry->generation++;
        return r;
}

_hot_ int entry_set_location(Entry *e, const Plane *plane, const char *location) {
        EntryPlace *place;
        int r;

        if (plane) {
                r = entry_place_get(e, plane, &place);
                if (r < 0)
                        return r;
                r = set_string(&place->location, location);
        } else
                r = set_string(&e->location, location);
        if (r >= 0 && e->registry)
                e->registry->generation++;
        return r;
}

_hot_ const char *entry_get_name(const Entry *e, const Plane *plane) {
        const EntryPlace *place = entry_place(e, plane);

        if (place && place->name)
                return place->name;
        return e->name ? e->name : e->klass->name;
}

_hot_ const char *entry_get_location(const Entry *e, const Plane *plane) {
        const EntryPlace *place = entry_place(e, plane);

        if (place && place->location)
                return place->location;
        return e->location;
}

_hot_ int entry_set_last_path_take(Entry *e, const Plane *plane, char *path) {
        EntryPlace *place;
        int r;

        r = entry_place_get(e, plane, &place);
        if (r < 0) {
                free(path);
                return r;
        }
        free(place->last_path);
        place->last_path = path;
        return 0;
}

const char *entry_get_last_path(const Entry *e, const Plane *plane) {
        const EntryPlace *place = entry_place(e, plane);

        return place ? place->last_path : NULL;
}

_hot_ Value *entry_get_property(const Entry *e, const char *key) {
        return value_dict_get(e->properties, key);
}

int entry_set_property_take(Entry *e, const char *key, Value *v) {
        return value_dict_set_take(e->properties, key, v);
}

int entry_set_property(Entry *e, const char *key, Value *v) {
        return value_dict_set(e->properties, key, v);
}

int entry_remove_property(Entry *e, const char *key) {
        return value_dict_remove(e->properties, key);
}

bool entry_conforms_to(const Entry *e, const char *class_name) {
        return e->registry && class_table_conforms_to(e->registry->classes, e->klass, class_name);
}

/* --- busy state --- */

/* *clock: the time of the whole walk up the providers, read once (0: not yet). */
_hot_ static int adjust_busy(Entry *e, int delta, uint64_t *clock) {
        Registry *reg = e->registry;
        uint32_t was = e->busy;
        int64_t now = (int64_t) was + delta;
        int clamped = 0;
        Entry *provider;

        if (!reg)
                return -ESTALE;
        if (now < 0 || now > ENTRY_BUSY_MAX) {
                clamped = -ERANGE;
                now = now < 0 ? 0 : ENTRY_BUSY_MAX;
        }
        e->busy = (uint32_t) now;
        if ((was == 0) == (now == 0))
                return clamped ?: (int) now;

        provider = entry_get_parent(e, reg->service_plane);
        if (*clock == 0)
                *clock = reg->now_nsec();
        if (now > 0)
                e->busy_since_nsec = *clock;
        else
                e->busy_time_nsec += *clock - e->busy_since_nsec;
        if (provider)
                (void) adjust_busy(provider, now > 0 ? +1 : -1, clock);
        REGISTRY_NOTIFY(reg, busy_changed, e, now > 0);
        return clamped ?: (int) now;
}

_hot_ int entry_adjust_busy(Entry *e, int delta) {
        uint64_t clock = 0;

        return adjust_busy(e, delta, &clock);
}

uint64_t entry_busy_time_nsec(const Entry *e) {
        if (e->busy > 0 && e->registry)
                return e->busy_time_nsec + (e->registry->now_nsec() - e->busy_since_nsec);
        return e->busy_time_nsec;
}

/* --- observers --- */

int registry_add_observer(Registry *reg, const RegistryObserver *ops, void *userdata) {
        assert(reg && ops);
        if (GROW(reg->observers, reg->cap_observers, reg->n_observers + 1) < 0)
                return -ENOMEM;
        reg->observers[reg->n_observers++] = (RegistryObserverSlot) { .ops = ops, .userdata = userdata };
        return 0;
}

/* --- properties and state, as observers see them --- */

_hot_ int entry_set_properties(Entry *e, Value *dict) {
        if (value_type(dict) != VALUE_DICTIONARY)
                return -EINVAL;
        dict = value_ref(dict); /* before the unref: dict may be e's own */
        value_unref(e->properties);
        e->properties = dict;
        return 0;
}

void entry_announce_properties(Entry *e) {
        if (e->registry)
                REGISTRY_NOTIFY(e->registry, properties_changed, e);
}

_hot_ void registry_notify_service(Registry *reg, Entry *e, MatchNotification type) {
        REGISTRY_NOTIFY(reg, service_notification, e, type);
}

_hot_ void entry_set_state(Entry *e, uint32_t set, uint32_t clear) {
        uint32_t old = e->state;

        e->state = (e->state | set) & ~clear;
        if (e->state != old && e->registry)
                REGISTRY_NOTIFY(e->registry, state_changed, e, old);
}

void entry_restore_state(Entry *e, uint32_t state, uint32_t busy, uint64_t busy_time_nsec, uint32_t retain) {
        e->state = state;
        e->busy = busy;
        e->busy_time_nsec = busy_time_nsec;
        e->saved_retain = retain;
}
