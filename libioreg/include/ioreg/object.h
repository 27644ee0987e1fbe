/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ioreg/object.h: libioreg's objects, after IOKitLib's io_object_t.
 *
 * Every handle is an ioreg_object_t: a registry entry (a service), an
 * iterator, or a notification. The other names are aliases that say what a
 * call expects, as io_service_t and io_iterator_t do; a NULL handle is
 * IOKitLib's 0 (IO_OBJECT_NULL). Every object a call hands out holds one
 * reference, which the caller gives back with ioreg_object_release();
 * ioreg_object_retain() takes another. Releasing the last reference of a
 * notification's iterator or notifier cancels the notification.
 *
 * An entry object names a registry entry by its registry entry ID in one
 * run of the daemon. The daemon counts IDs from 0x100000100 again in each
 * run, so after ioregd restarted the object names nothing any more: calls
 * on it return IOREG_RETURN_NO_DEVICE (the entry is gone, as a service
 * object outlives its unplugged device on macOS). A notification port that
 * delivered the object re-adopts it after a restart when the new run has an
 * entry with the same ID, class, name and Linux SYSPATH (see
 * ioreg/notification.h).
 *
 * Thread safety: objects may be used, retained and released from any
 * thread; reference counts are atomic. The calls that ask the daemon share
 * one connection per process, opened at the first call and guarded by a
 * mutex, so they are safe from any thread and run one at a time. A
 * notification port and the notifications on it belong to the thread that
 * dispatches it: one thread at a time may call ioreg_notification_port_*
 * and add or release the port's notifications (see ioreg/notification.h).
 */
#pragma once

#include <stdint.h>

#include <ioreg/return.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ioreg_object *ioreg_object_t;
typedef ioreg_object_t ioreg_registry_entry_t; /* io_registry_entry_t */
typedef ioreg_object_t ioreg_service_t;        /* io_service_t */
typedef ioreg_object_t ioreg_iterator_t;       /* io_iterator_t */
typedef ioreg_object_t ioreg_notification_t;   /* the notifier of an interest notification (io_object_t) */

#define IOREG_OBJECT_NULL ((ioreg_object_t) 0) /* IO_OBJECT_NULL */

/* io_name_t (128 bytes) and io_string_t (512 bytes): what the Get calls fill. */
#define IOREG_NAME_MAX 128
#define IOREG_STRING_MAX 512
typedef char ioreg_name_t[IOREG_NAME_MAX];
typedef char ioreg_string_t[IOREG_STRING_MAX];

/** IOObjectRetain: one more reference. @return BAD_ARGUMENT for NULL. */
ioreg_return_t ioreg_object_retain(ioreg_object_t object);
/** IOObjectRelease: drops one reference; the last one frees the object and cancels its notification. */
ioreg_return_t ioreg_object_release(ioreg_object_t object);
/** IOObjectGetRetainCount: the references this process holds. */
uint32_t ioreg_object_get_retain_count(ioreg_object_t object);

/**
 * IOObjectGetClass: the class name into class_name. An entry's class is the
 * daemon's (its IOClassNameOverride string property instead, when it has
 * one, as IOKitLib does); an iterator is "IOUserIterator", a matching
 * notification's iterator "IOServiceUserNotification", an interest
 * notifier "IOServiceMessageUserNotification".
 * @return NO_DEVICE when the entry is from an earlier run of the daemon.
 */
ioreg_return_t ioreg_object_get_class(ioreg_object_t object, ioreg_name_t class_name);
/** IOObjectCopyClass: the same as a new string (free() it), or NULL. */
char *ioreg_object_copy_class(ioreg_object_t object);
/**
 * IOObjectCopySuperclassForClass: the superclass of class_name from the
 * daemon's class hierarchy (free() it); NULL for IORegistryEntry, OSObject
 * and unknown classes.
 */
char *ioreg_object_copy_superclass_for_class(const char *class_name);
/**
 * IOObjectConformsTo: 1 when the object's class is class_name or derives
 * from it (the daemon's hierarchy and class aliases), else 0 (also on error).
 */
int ioreg_object_conforms_to(ioreg_object_t object, const char *class_name);
/** IOObjectIsEqualTo: 1 when both name the same entry of the same daemon run (or are the same object). */
int ioreg_object_is_equal_to(ioreg_object_t object, ioreg_object_t another);

#ifdef __cplusplus
}
#endif
