/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * lib-internal.h: what libioreg's files share and do not export. Only
 * symbols named ioreg_* leave the library (libioreg.sym), so internal
 * functions are named lib_* and public ones nothing but ioreg_*.
 */
#pragma once

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <jansson.h>
#include <systemd/sd-bus.h>

#include "ioreg/ioreg.h"
#include "macro.h"
#include "protocol.h"

#define LIB_ENTRY_PATH_MAX 64

/* The daemon's state bits (org.ioreg.Registry1.xml). */
#define LIB_STATE_INACTIVE 0x1u

/* The errno of a libc or sd-bus call as a return code. */
ioreg_return_t lib_return_from_errno(int r);
/* A failed method call: e's name when it is one we know, else r's errno. */
ioreg_return_t lib_return_from_bus_error(const sd_bus_error *e, int r);

/* ---- objects (object.c) ---- */

typedef enum LibObjectKind {
        LIB_OBJECT_ENTRY,
        LIB_OBJECT_ITERATOR,     /* a snapshot of IDs (LibIterator) */
        LIB_OBJECT_MATCHING,     /* a matching notification's iterator (notification-port.h) */
        LIB_OBJECT_INTEREST,     /* an interest notifier (notification-port.h) */
        LIB_OBJECT_POWER_NOTIFIER, /* a system power notifier (system-power.c) */
        LIB_OBJECT_POWER_CONNECT,  /* the root port of a system power registration (system-power.c) */
        LIB_OBJECT_CONNECT,        /* a connection to a user client (connect-internal.h) */
} LibObjectKind;

struct ioreg_object {
        atomic_uint n_ref;
        LibObjectKind kind;
        /* Frees the object of a kind defined above object.c (a notification, ...); NULL for entries, iterators. */
        void (*free)(ioreg_object_t o);
};

/*
 * An entry: its ID in one run of the daemon (lib_run_for_owner). run is
 * atomic because a port may re-adopt the object for a new run while other
 * threads read it.
 */
typedef struct LibEntry {
        struct ioreg_object base;
        uint64_t id;
        _Atomic uint64_t run;
        char *key;               /* owned: "class\nname\nsyspath" when the port made it, else NULL */
        json_t *last_properties; /* owned: the properties a terminated notification carried, else NULL */
        json_t *notified_properties; /* owned: what the publish/match notification that delivered it carried; set
                                      * before delivery, never changed after, else NULL */
        json_t *places; /* owned: where the notification that made it said it was (entry-places.c), { "": {name,
                         * location}, plane: {name, location, path} }; set before delivery, never changed after */
} LibEntry;

/* A snapshot iterator over entry IDs (matching services, children, parents). */
typedef struct LibIterator {
        struct ioreg_object base;
        uint64_t *ids;  /* owned */
        size_t n_ids, pos;
        uint64_t run;
} LibIterator;

/* A new entry object with one reference, or NULL when out of memory. */
LibEntry *lib_entry_new(uint64_t id, uint64_t run);
/* Takes ids (owned) whatever happens. */
LibIterator *lib_iterator_new(uint64_t *ids, size_t n_ids, uint64_t run);
/* The object as an entry, or NULL when it is none. */
LibEntry *lib_entry_cast(ioreg_object_t o);
ioreg_object_t lib_object_ref(ioreg_object_t o);
ioreg_object_t lib_object_unref(ioreg_object_t o);
/*
 * For a service whose terminated notification was delivered, field 0 (class) or 1 (name) of its
 * key as a new string: what the notification carried, since the daemon no longer knows it. NULL
 * for any other entry (or out of memory).
 */
char *lib_entry_terminated_field(const LibEntry *e, unsigned field);
/* The same for any entry a notification delivered (the key is set), terminated or not: for when the
 * daemon no longer answers for it (published and gone at once). NULL otherwise. */
char *lib_entry_notified_field(const LibEntry *e, unsigned field);
/* ---- where a notified entry is (entry-places.c) ---- */

/* Reads a Notification's places (a(ssss)) into a new object in *ret; NULL when the signal has none. */
int lib_places_read(sd_bus_message *m, json_t **ret);
/*
 * GetName, GetLocation or GetPath (member) of e in plane (NULL or "": the global name and
 * location) from the places its notification carried, as the daemon answered: NOT_FOUND when it
 * had none there (no location, a plane it was not in), BAD_ARGUMENT for a plane the registry
 * does not have, NO_DEVICE when no notification told them.
 */
ioreg_return_t lib_entry_place(const LibEntry *e, const char *member, const char *plane, char **ret);
/* The identity a port compares across daemon runs (ioreg/notification.h); NULL when out of memory. */
char *lib_entry_key_make(const char *class_name, const char *name, json_t *properties);


/* ---- the shared synchronous connection (connection.c) ---- */

/*
 * The run of the daemon whose unique bus name is owner: a number that
 * stays the same for one owner, and is new for an owner never seen (a
 * restarted daemon gets a new unique name). 0 for NULL.
 */
uint64_t lib_run_for_owner(const char *owner);

/*
 * Locks the process's shared connection (opening it when needed) and
 * returns it in *ret. Everything done with it, replies included, must
 * happen before lib_bus_unlock(): sd-bus objects are not thread-safe.
 */
ioreg_return_t lib_bus_lock(sd_bus **ret);
void lib_bus_unlock(sd_bus **bus);
#define _cleanup_bus_unlock_ _cleanup_(lib_bus_unlock)

/*
 * Calls member on bus and returns the reply and the run of the daemon that
 * sent it. Arguments after types are sd_bus_message_append's.
 */
ioreg_return_t lib_call(sd_bus *bus, sd_bus_message **ret_reply, uint64_t *ret_run, const char *path,
                        const char *interface, const char *member, const char *types, ...);
/* The same with a message the caller built (sd_bus_message_new_method_call). */
ioreg_return_t lib_call_message(sd_bus *bus, sd_bus_message *m, sd_bus_message **ret_reply, uint64_t *ret_run);

/* "/org/ioreg/Registry1/entry/<16 hex>" into buf. */
char *lib_entry_path(uint64_t id, char buf[static LIB_ENTRY_PATH_MAX]);

/*
 * Calls an org.ioreg.Entry1 method of e on bus: NO_DEVICE when the reply
 * comes from another run of the daemon than e's.
 */
ioreg_return_t lib_entry_call(sd_bus *bus, LibEntry *e, sd_bus_message **ret_reply, const char *member,
                              const char *types, ...);
/* Reads an Entry1 property (sd-bus Properties.Get) of e; *ret_reply is positioned in the variant. */
ioreg_return_t lib_entry_get_property(sd_bus *bus, LibEntry *e, const char *property, const char *contents,
                                      sd_bus_message **ret_reply);

/* BAD_ARGUMENT when j is no object or has no registry form (wire-json.h); checked before any call. */
ioreg_return_t lib_matching_check(json_t *j);
/* Reads "at" from m into a new array. */
int lib_read_ids(sd_bus_message *m, uint64_t **ret, size_t *ret_n);
/* Copies s into a buffer of size n, truncating at a character boundary. */
void lib_strlcpy(char *dst, const char *s, size_t n);

/* A matching notification's iterator (notification-matching.c). */
ioreg_object_t lib_matching_next(ioreg_object_t o);
void lib_matching_reset(ioreg_object_t o);
int lib_matching_is_valid(ioreg_object_t o);
