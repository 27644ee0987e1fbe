/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * registry.h: the I/O Registry core (IORegistryEntry and IORegistryPlane in
 * the kernel). Pure: no I/O, no D-Bus, no logging above debug.
 *
 * The registry owns its entries: each live entry is held by the ID map.
 * Links between entries (parents, children) are borrowed pointers; an entry
 * leaves every plane before the registry lets go of it. Callers that keep
 * an entry across calls that may remove it take a reference (entry_ref()).
 * A removed entry keeps its ID, name and properties (a terminated service
 * can still be described) but has registry == NULL and the inactive bit set.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "class-table.h"
#include "hashmap.h"
#include "macro.h"
#include "value.h"

typedef struct Registry Registry;
typedef struct Entry Entry;

/* Apple's getState() bits (IOService.h). */
typedef enum EntryState {
        ENTRY_STATE_INACTIVE = 0x1,
        ENTRY_STATE_REGISTERED = 0x2,
        ENTRY_STATE_MATCHED = 0x4,
        ENTRY_STATE_FIRST_PUBLISH = 0x8,
        ENTRY_STATE_FIRST_MATCH = 0x10,
} EntryState;

#define REGISTRY_ROOT_ID UINT64_C(0x100000100)
#define REGISTRY_MAX_PLANE_NAME 31 /* kIOMaxPlaneName is 32 with the NUL */
#define ENTRY_BUSY_MAX 0x3ff       /* the busy count field is 10 bits wide */

#define PLANE_SERVICE "IOService"
#define PLANE_POWER "IOPower"
#define PLANE_USB "IOUSB"
#define PLANE_DEVICE_TREE "IODeviceTree"

typedef struct Plane {
        char *name;     /* owned */
        unsigned index; /* slot in each entry's link table */
} Plane;

/* What few entries have in a plane: kept apart from EntryLinks, allocated when first set. */
typedef struct EntryPlace {
        char *name;       /* owned; overrides the global name in this plane, or NULL */
        char *location;   /* owned; overrides the global location in this plane, or NULL */
        char *last_path;  /* owned; the path in this plane when the entry left the registry
                           * (registry_entry_keep_paths()), or NULL */
} EntryPlace;

/*
 * An entry's place in one plane. In the plane (attached) when it has a parent,
 * or is the registry root (in every plane): entry_in_plane().
 */
typedef struct EntryLinks {
        Entry **parents;    /* borrowed entries, [0] the provider: &one_parent while cap_parents is 1, else owned */
        Entry **children;   /* owned array of borrowed entries, in attach order */
        unsigned n_parents, cap_parents;
        unsigned n_children, cap_children;
        Entry *one_parent;  /* borrowed: where parents points while there is room for one (most entries) */
        EntryPlace *place;  /* owned, or NULL while the entry has no name, location or last path of its own here */
} EntryLinks;

/*
 * 144 bytes (64-bit), one 160-byte malloc chunk: the first plane's links (IOService, which
 * registry_new() adds first and every entry of a daemon's registry is in) live in
 * the entry, the other planes' behind links[] (BENCHMARKS.md, "Where the memory goes").
 */
struct Entry {
        uint32_t n_ref;
        uint32_t state;           /* EntryState bits */
        uint32_t busy;
        uint32_t saved_retain;    /* the kernel's retain count from a snapshot; 0: use n_ref */
        uint32_t removal_holds;   /* entry_hold_removal() count: a terminated entry stays while > 0 */
        uint16_t n_links;         /* slots in links */
        uint8_t termination;      /* EntryTermination */
        Registry *registry;       /* weak; NULL once removed */
        uint64_t id;
        const Class *klass;       /* borrowed from registry->classes */
        const char *name;         /* owned interned string (symbol.h); NULL means the class name */
        char *location;           /* owned or NULL */
        Value *properties;        /* owned; always a dictionary */
        EntryLinks **links;       /* owned table indexed by Plane.index (slot 0 unused), slots NULL until used */
        uint64_t busy_since_nsec; /* when busy last went 0 → 1 */
        uint64_t busy_time_nsec;  /* accumulated busy time */
        EntryLinks first_plane;   /* the links in the plane of index 0 */
};

/* Where an entry is in registry_terminate_entry(). */
typedef enum EntryTermination {
        ENTRY_LIVE,
        ENTRY_TERMINATING, /* its subtree is being terminated, it has not been visited yet */
        ENTRY_LEAVING,     /* visited: it leaves once nothing holds it and no terminated child waits below it */
} EntryTermination;

/*
 * IOService's notifications (reference §1.6, §1.10), as the matcher tells
 * them while it publishes, matches and terminates services (matcher.h;
 * match_notification_to_string() there gives Apple's names).
 */
typedef enum MatchNotification {
        MATCH_NOTIFY_PUBLISH,
        MATCH_NOTIFY_FIRST_PUBLISH,
        MATCH_NOTIFY_MATCHED,
        MATCH_NOTIFY_FIRST_MATCH,
        MATCH_NOTIFY_TERMINATED,
        MATCH_NOTIFY_WILL_TERMINATE,
        _MATCH_NOTIFY_MAX,
} MatchNotification;

/*
 * The one way to watch the registry: every change to an entry that others
 * may care about goes through a registry call that tells each observer, in
 * the order they were added. Any member may be NULL; userdata comes first.
 */
typedef struct RegistryObserver {
        /*
         * An entry joins (right after its ID is assigned, before the creator
         * names, fills or attaches it; registry_create_entry_of_class() fills
         * it first) or leaves (before it is cut from its
         * planes). Registry-wide observers (InterfacesAdded/Removed) need both
         * without every creator telling them.
         */
        void (*entry_added)(void *userdata, Entry *e);
        void (*entry_removed)(void *userdata, Entry *e);
        /* e's properties changed after it was built (entry_announce_properties()). */
        void (*properties_changed)(void *userdata, Entry *e);
        /* e's EntryState bits changed (entry_set_state()). */
        void (*state_changed)(void *userdata, Entry *e, uint32_t old_state);
        /* e's busy count went 0 → 1 (busy) or 1 → 0 (not busy). */
        void (*busy_changed)(void *userdata, Entry *e, bool busy);
        /* A service notification about e (registry_notify_service()). */
        void (*service_notification)(void *userdata, Entry *e, MatchNotification type);
} RegistryObserver;

typedef struct RegistryObserverSlot {
        const RegistryObserver *ops; /* borrowed, static */
        void *userdata;              /* borrowed */
} RegistryObserverSlot;

struct Registry {
        ClassTable *classes;      /* owned */
        Plane **planes;           /* owned */
        unsigned n_planes, cap_planes;
        Hashmap by_id;            /* id → Entry *, holding the registry's reference */
        uint64_t last_id;
        uint64_t generation;      /* bumped by every topology or name change */
        Entry *root;              /* borrowed from by_id */
        const Plane *service_plane, *power_plane, *usb_plane, *device_tree_plane; /* borrowed */
        RegistryObserverSlot *observers; /* owned array, in the order added */
        unsigned n_observers, cap_observers;
        uint64_t (*now_nsec)(void); /* clock for busy time; CLOCK_MONOTONIC by default */
        bool own_diagnostics;     /* Root's IOKitDiagnostics was computed here, not loaded (registry-diagnostics.h) */
};

/* A registry with its four planes and the Root entry. */
int registry_new(Registry **ret);
Registry *registry_free(Registry *reg);
DEFINE_TRIVIAL_CLEANUP_FUNC(Registry *, registry_free);

/* Adds an observer (ops is borrowed and must outlive it). -ENOMEM. */
int registry_add_observer(Registry *reg, const RegistryObserver *ops, void *userdata);

/* Adds a plane (or returns the existing one). -EINVAL for an empty or over-long name. */
int registry_add_plane(Registry *reg, const char *name, const Plane **ret);
const Plane *registry_find_plane(const Registry *reg, const char *name);

Entry *registry_get_entry(const Registry *reg, uint64_t id); /* borrowed */
/* What ioreg shows as "retain": the saved count of a snapshot, else our own references. */
static inline uint32_t entry_retain_count(const Entry *e) {
        return e->saved_retain ?: e->n_ref;
}

static inline unsigned registry_n_entries(const Registry *reg) {
        return hashmap_size(&reg->by_id);
}

/*
 * Creates an entry of a defined class with the next ID, held by the
 * registry; *ret is borrowed. -ENOENT for an unknown class.
 */
int registry_create_entry(Registry *reg, const char *class_name, Entry **ret);
/*
 * The same with a given ID (a saved registry, see snapshot.h). -EEXIST when
 * the ID is taken; later IDs count on from the highest one given.
 */
int registry_create_entry_with_id(Registry *reg, const char *class_name, uint64_t id, Entry **ret);
/*
 * The same as registry_create_entry() for a class already looked up in reg->classes, with
 * properties (a dictionary, consumed also on failure) as the entry's table from the start:
 * the device tree's adds, which have both at hand. -EINVAL when properties is no dictionary.
 */
int registry_create_entry_of_class(Registry *reg, const Class *c, Value *properties, Entry **ret);

/*
 * Removes e from the registry: it leaves every plane, its children lose it
 * as a parent (they are not removed: see registry_terminate_entry()), it is
 * marked inactive and the registry drops its reference.
 */
void registry_remove_entry(Registry *reg, Entry *e);
/*
 * Removes e and, children first, every descendant in the service plane that
 * has no other provider left (reference §1.10). Calls visit(entry) for each
 * before its removal, when given. Returns the number terminated (visited).
 *
 * Apple's two phases: every entry is marked inactive and visited at once
 * (phase 1: notifications, the driver told to stop); each leaves the
 * registry (phase 2, registry_remove_entry()) once nothing holds it
 * (entry_hold_removal(): a driver's Stop under way) and its terminated
 * children have left, so a nub stays until its driver has stopped. An
 * entry terminated already is not terminated again (0).
 */
unsigned registry_terminate_entry(Registry *reg, Entry *e, void (*visit)(void *userdata, Entry *e),
                                  void *userdata);
/* Holds a terminated (or terminating) entry in the registry until entry_release_removal(); nothing on a removed one. */
void entry_hold_removal(Entry *e);
/* Drops one hold; the last lets e leave if it was terminated, then its terminated providers waiting for it. */
void entry_release_removal(Entry *e);

Entry *entry_ref(Entry *e);
Entry *entry_unref(Entry *e);
DEFINE_TRIVIAL_CLEANUP_FUNC(Entry *, entry_unref);

/*
 * Links e under parent in plane. Idempotent. -ELOOP when parent is e or one
 * of its descendants in that plane; -ESTALE for a removed entry.
 */
int entry_attach(Entry *e, Entry *parent, const Plane *plane);
/* Returns 1 when the link existed and was removed, else 0. */
int entry_detach(Entry *e, Entry *parent, const Plane *plane);

bool entry_in_plane(const Entry *e, const Plane *plane);
Entry *entry_get_parent(const Entry *e, const Plane *plane); /* the first parent, borrowed */
/* Borrowed array of borrowed pointers, valid until the next topology change. */
Entry *const *entry_get_children(const Entry *e, const Plane *plane, unsigned *ret_n);
Entry *const *entry_get_parents(const Entry *e, const Plane *plane, unsigned *ret_n);

/*
 * The most an entry's properties may take (value_memory_size()) when they come from outside:
 * SetProperties, a driver's set_properties and RegisterNub (issue 23, H). Families and
 * personalities stay far below it.
 */
#define ENTRY_MAX_PROPERTY_BYTES (1024u * 1024u)

/* Names and locations: plane NULL sets the global one. NULL clears. */
int entry_set_name(Entry *e, const Plane *plane, const char *name);
int entry_set_location(Entry *e, const Plane *plane, const char *location);
/* The plane's override, then the global value; names fall back to the class name. */
const char *entry_get_name(const Entry *e, const Plane *plane);
const char *entry_get_location(const Entry *e, const Plane *plane); /* may be NULL */
/* Keeps path (owned, taken even on error) as e's path in plane once e has left: -ENOMEM. */
int entry_set_last_path_take(Entry *e, const Plane *plane, char *path);
/* The path e had in plane when it left the registry, or NULL (borrowed). */
const char *entry_get_last_path(const Entry *e, const Plane *plane);

Value *entry_get_property(const Entry *e, const char *key); /* borrowed */
/*
 * Property changes are silent: a batch of them is announced once with
 * entry_announce_properties() (observers' properties_changed), and an entry
 * being built is announced by its arrival. entry_set_properties() replaces
 * the whole dictionary (a new reference is taken; -EINVAL if not one).
 */
int entry_set_properties(Entry *e, Value *dict);
void entry_announce_properties(Entry *e);
int entry_set_property(Entry *e, const char *key, Value *v); /* takes a new reference */
int entry_set_property_take(Entry *e, const char *key, Value *v); /* consumes v, also on failure */
int entry_remove_property(Entry *e, const char *key);

/* Tells the observers a service notification about e (e still in reg, or just leaving it). */
void registry_notify_service(Registry *reg, Entry *e, MatchNotification type);
/* Sets then clears EntryState bits; observers hear of a change (state_changed). */
void entry_set_state(Entry *e, uint32_t set, uint32_t clear);
/*
 * A saved entry's state as it was (snapshot.h): state bits, busy count, busy
 * time and retain count, set as they are, without busy propagation or observers.
 */
void entry_restore_state(Entry *e, uint32_t state, uint32_t busy, uint64_t busy_time_nsec, uint32_t retain);

bool entry_conforms_to(const Entry *e, const char *class_name);
static inline bool entry_is_service(const Entry *e) {
        return e->registry && class_table_conforms_to(e->registry->classes, e->klass, "IOService");
}

/*
 * Busy count (reference §1.9): when e goes 0 → 1 or 1 → 0, its provider in
 * the service plane gets +1 / −1, recursively to the root. Clamped to
 * 0..ENTRY_BUSY_MAX; returns the new count, or -ERANGE when clamped.
 */
int entry_adjust_busy(Entry *e, int delta);
/* Busy time so far, including the current busy period. */
uint64_t entry_busy_time_nsec(const Entry *e);
