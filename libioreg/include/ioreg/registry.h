/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ioreg/registry.h: registry entries, their names, paths and properties,
 * and iterators, after IOKitLib's IORegistryEntry* and IOIterator* calls.
 *
 * Property values are jansson json_t, in one lossless form shared with the
 * daemon's personality files (docs/libioreg.md):
 *   string      JSON string
 *   number      JSON integer; an unsigned number above INT64_MAX is the
 *               object {"$unsigned": "DIGITS"}
 *   boolean     true / false
 *   data        the object {"$data": "BASE64"} (RFC 4648, padded), so data
 *               is never mistaken for a string
 *   array       JSON array
 *   dictionary  JSON object
 * The width of a number (8/16/32/64 bits) is not kept in JSON; values set
 * with ioreg_registry_entry_set_properties() become 64-bit numbers. Reals
 * and null have no registry type and are refused with BAD_ARGUMENT.
 * "Create" calls return a new reference (json_decref() it), as the
 * CFCopy/Create rule says.
 */
#pragma once

#include <stdint.h>
#include <jansson.h>

#include <ioreg/object.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Planes (kIOServicePlane, ...). */
#define IOREG_SERVICE_PLANE "IOService"
#define IOREG_POWER_PLANE "IOPower"
#define IOREG_DEVICE_TREE_PLANE "IODeviceTree"
#define IOREG_USB_PLANE "IOUSB"

/* kIORegistryIterateRecursively, kIORegistryIterateParents. */
#define IOREG_REGISTRY_ITERATE_RECURSIVELY 0x1u
#define IOREG_REGISTRY_ITERATE_PARENTS 0x2u

/* What a property value in JSON marks (see above). */
#define IOREG_JSON_DATA_KEY "$data"
#define IOREG_JSON_UNSIGNED_KEY "$unsigned"

/**
 * (ioregd addition) A whole plane in one call, with every property (what
 * `ioreg -l` shows): the entries in pre-order from Root, an entry with
 * several parents under each of them, one consistent picture.
 * @param entries on success a new array (the caller's) of objects: "id",
 *        "depth" (0 for Root), "name" and "location" (absent when none) in
 *        the plane, "classes" (the class, then its superclasses), "state"
 *        (the daemon's state bits), "busy", "busy_time_ns", "retain",
 *        "properties" (JSON as above); untouched on failure.
 * @return BAD_ARGUMENT for an unknown plane.
 */
ioreg_return_t ioreg_registry_create_plane(const char *plane, json_t **entries);

/**
 * (ioregd addition) The properties of entry as the matching notification
 * that delivered it carried them, at that event (a new reference), or NULL
 * when entry did not come from a notification. No round trip: a service
 * published and gone at once is still described, where
 * ioreg_registry_entry_create_properties() asks the daemon for the present.
 */
json_t *ioreg_registry_entry_copy_notification_properties(ioreg_registry_entry_t entry);

/** IORegistryGetRootEntry: the root entry (a new reference), or NULL when the daemon is not reachable. */
ioreg_registry_entry_t ioreg_registry_get_root_entry(void);
/**
 * IORegistryEntryFromPath: the entry at path ("IOService:/name@loc/..."), or
 * NULL (unknown plane, no such entry, daemon not reachable).
 */
ioreg_registry_entry_t ioreg_registry_entry_from_path(const char *path);
/** IORegistryEntryCopyFromPath: the same, under its CF name. */
ioreg_registry_entry_t ioreg_registry_entry_copy_from_path(const char *path);

/**
 * IORegistryEntryGetName: the global name into name (truncated to 127 bytes). For a service whose
 * terminated notification was delivered, the name it had (as ioreg_object_get_class() its class).
 */
ioreg_return_t ioreg_registry_entry_get_name(ioreg_registry_entry_t entry, ioreg_name_t name);
/** IORegistryEntryGetNameInPlane: the name in plane (NULL: the global name). */
ioreg_return_t ioreg_registry_entry_get_name_in_plane(ioreg_registry_entry_t entry, const char *plane,
                                                      ioreg_name_t name);
/** IORegistryEntryGetLocationInPlane: the location in plane (NULL: global). @return NOT_FOUND when none. */
ioreg_return_t ioreg_registry_entry_get_location_in_plane(ioreg_registry_entry_t entry, const char *plane,
                                                          ioreg_name_t location);
/**
 * IORegistryEntryGetPath: "Plane:/name@location/..." into path.
 * @return NOT_FOUND when the entry is not in plane (Root has no path),
 * BAD_ARGUMENT when the path is longer than 511 bytes (use ..._copy_path).
 */
ioreg_return_t ioreg_registry_entry_get_path(ioreg_registry_entry_t entry, const char *plane, ioreg_string_t path);
/** IORegistryEntryCopyPath: the path as a new string (free() it), or NULL. */
char *ioreg_registry_entry_copy_path(ioreg_registry_entry_t entry, const char *plane);
/** IORegistryEntryGetRegistryEntryID: the entry's 64-bit ID. */
ioreg_return_t ioreg_registry_entry_get_registry_entry_id(ioreg_registry_entry_t entry, uint64_t *entry_id);
/** IORegistryEntryInPlane: 1 when the entry is attached in plane, else 0. */
int ioreg_registry_entry_in_plane(ioreg_registry_entry_t entry, const char *plane);

/**
 * IORegistryEntryCreateCFProperties: every property as a new JSON object
 * in *properties (NULL on failure). options must be 0. For a service whose
 * terminated notification was delivered, the properties it had last.
 */
ioreg_return_t ioreg_registry_entry_create_properties(ioreg_registry_entry_t entry, json_t **properties,
                                                      uint32_t options);
/** IORegistryEntryCreateCFProperty: one property (new reference), or NULL when absent. options must be 0. */
json_t *ioreg_registry_entry_create_property(ioreg_registry_entry_t entry, const char *key, uint32_t options);
/**
 * IORegistryEntrySearchCFProperty: key on the entry, then (with
 * IOREG_REGISTRY_ITERATE_RECURSIVELY) its children in plane in pre-order,
 * or (with ..._PARENTS as well) its parents. A new reference, or NULL.
 */
json_t *ioreg_registry_entry_search_property(ioreg_registry_entry_t entry, const char *plane, const char *key,
                                             uint32_t options);
/**
 * IORegistryEntrySetCFProperties: merges the JSON object properties into the
 * entry's (the daemon lets root change the properties of started drivers;
 * NOT_PRIVILEGED, UNSUPPORTED or NOT_PERMITTED otherwise). Does not consume
 * properties.
 */
ioreg_return_t ioreg_registry_entry_set_properties(ioreg_registry_entry_t entry, json_t *properties);
/** IORegistryEntrySetCFProperty: one key. */
ioreg_return_t ioreg_registry_entry_set_property(ioreg_registry_entry_t entry, const char *key, json_t *value);

/** IORegistryEntryGetParentEntry: the first parent (the provider) in plane, a new reference in *parent. */
ioreg_return_t ioreg_registry_entry_get_parent_entry(ioreg_registry_entry_t entry, const char *plane,
                                                     ioreg_registry_entry_t *parent);
/** IORegistryEntryGetChildEntry: the first child in plane. @return NOT_FOUND when there is none. */
ioreg_return_t ioreg_registry_entry_get_child_entry(ioreg_registry_entry_t entry, const char *plane,
                                                    ioreg_registry_entry_t *child);
/** IORegistryEntryGetParentIterator: an iterator over the parents in plane (a snapshot). */
ioreg_return_t ioreg_registry_entry_get_parent_iterator(ioreg_registry_entry_t entry, const char *plane,
                                                        ioreg_iterator_t *iterator);
/** IORegistryEntryGetChildIterator: an iterator over the children in plane, in attach order (a snapshot). */
ioreg_return_t ioreg_registry_entry_get_child_iterator(ioreg_registry_entry_t entry, const char *plane,
                                                       ioreg_iterator_t *iterator);

/**
 * IOIteratorNext: the next object (a new reference), or NULL at the end.
 * On a matching notification's iterator it takes the oldest queued service
 * (first in, first out, where Apple's takes the newest) and reaching the
 * end arms the notification again.
 */
ioreg_object_t ioreg_iterator_next(ioreg_iterator_t iterator);
/**
 * IOIteratorReset: starts over. On a snapshot iterator, from the first
 * object again. On a matching notification's iterator that overflowed (it
 * is not valid), asks the daemon to start over: the queue is emptied and,
 * for the publish and match types, every service that now matches is queued
 * again.
 */
void ioreg_iterator_reset(ioreg_iterator_t iterator);
/**
 * IOIteratorIsValid: 1, or 0 when a matching notification's queue
 * overflowed: events were dropped (counted by the daemon, never silently),
 * and the caller should ioreg_iterator_reset() it and walk it again.
 */
int ioreg_iterator_is_valid(ioreg_iterator_t iterator);

#ifdef __cplusplus
}
#endif
