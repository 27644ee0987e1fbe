/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* object.c: reference counts, classes and equality of libioreg's objects. */

#include <stdlib.h>
#include <string.h>

#include "lib-internal.h"
#include "protocol.h"

LibEntry *lib_entry_new(uint64_t id, uint64_t run) {
        LibEntry *e = calloc(1, sizeof(*e));

        if (!e)
                return NULL;
        atomic_init(&e->base.n_ref, 1);
        e->base.kind = LIB_OBJECT_ENTRY;
        e->id = id;
        atomic_init(&e->run, run);
        return e;
}

LibIterator *lib_iterator_new(uint64_t *ids, size_t n_ids, uint64_t run) {
        LibIterator *it = calloc(1, sizeof(*it));

        if (!it) {
                free(ids);
                return NULL;
        }
        atomic_init(&it->base.n_ref, 1);
        it->base.kind = LIB_OBJECT_ITERATOR;
        it->ids = ids;
        it->n_ids = n_ids;
        it->run = run;
        return it;
}

LibEntry *lib_entry_cast(ioreg_object_t o) {
        return o && o->kind == LIB_OBJECT_ENTRY ? (LibEntry *) o : NULL;
}

char *lib_entry_key_make(const char *class_name, const char *name, json_t *properties) {
        /* json_object_get() answers NULL for NULL or a non-object: no type checks needed. */
        json_t *sp = json_object_get(json_object_get(properties, "Linux"), "SYSPATH"); /* borrowed */
        const char *syspath = json_is_string(sp) ? json_string_value(sp) : "";
        char *key;

        if (asprintf(&key, "%s\n%s\n%s", class_name, name, syspath) < 0)
                return NULL;
        return key;
}

char *lib_entry_terminated_field(const LibEntry *e, unsigned field) {
        return e->last_properties ? lib_entry_notified_field(e, field) : NULL;
}

char *lib_entry_notified_field(const LibEntry *e, unsigned field) {
        const char *s = e->key, *end;

        if (!s)
                return NULL;
        for (; field > 0; field--) {
                s = strchr(s, '\n');
                if (!s)
                        return NULL;
                s++;
        }
        end = strchrnul(s, '\n');
        return strndup(s, end - s);
}

static void object_free(ioreg_object_t o) {
        switch (o->kind) {
        case LIB_OBJECT_ENTRY: {
                LibEntry *e = (LibEntry *) o;

                free(e->key);
                json_decref(e->last_properties);
                json_decref(e->notified_properties);
                json_decref(e->places);
                free(e);
                break;
        }
        case LIB_OBJECT_ITERATOR:
                free(((LibIterator *) o)->ids);
                free(o);
                break;
        default:
                /* The kinds of the files above: each set its destructor. */
                o->free(o);
                break;
        }
}

ioreg_object_t lib_object_ref(ioreg_object_t o) {
        if (o)
                atomic_fetch_add(&o->n_ref, 1);
        return o;
}

ioreg_object_t lib_object_unref(ioreg_object_t o) {
        if (o && atomic_fetch_sub(&o->n_ref, 1) == 1)
                object_free(o);
        return NULL;
}

ioreg_return_t ioreg_object_retain(ioreg_object_t object) {
        if (!object)
                return IOREG_RETURN_BAD_ARGUMENT;
        lib_object_ref(object);
        return IOREG_RETURN_SUCCESS;
}

ioreg_return_t ioreg_object_release(ioreg_object_t object) {
        if (!object)
                return IOREG_RETURN_BAD_ARGUMENT;
        lib_object_unref(object);
        return IOREG_RETURN_SUCCESS;
}

uint32_t ioreg_object_get_retain_count(ioreg_object_t object) {
        return object ? atomic_load(&object->n_ref) : 0;
}

static const char *object_kind_class(LibObjectKind kind) {
        switch (kind) {
        case LIB_OBJECT_ITERATOR:
                return "IOUserIterator";
        case LIB_OBJECT_MATCHING:
                return "IOServiceUserNotification";
        case LIB_OBJECT_INTEREST:
                return "IOServiceMessageUserNotification";
        case LIB_OBJECT_POWER_NOTIFIER:
                return "IOServiceMessageUserNotification";
        case LIB_OBJECT_POWER_CONNECT:
                return "RootDomainUserClient"; /* Apple's class of the root port */
        case LIB_OBJECT_CONNECT:
                return "IOUserClient";
        default:
                return NULL;
        }
}

/* The entry's class: its IOClassNameOverride string when it has one, else the daemon's Class. */
static ioreg_return_t entry_class(sd_bus *bus, LibEntry *e, char **ret) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        const char *s = NULL, *contents = NULL;
        ioreg_return_t rr;
        int r;

        rr = lib_entry_call(bus, e, &reply, "SearchProperty", "ssu", "IOClassNameOverride", "", 0u);
        if (rr == IOREG_RETURN_SUCCESS && sd_bus_message_peek_type(reply, NULL, &contents) > 0 &&
            streq_ptr(contents, "s") && sd_bus_message_enter_container(reply, 'v', "s") > 0 &&
            sd_bus_message_read_basic(reply, 's', &s) > 0) {
                *ret = strdup(s);
                return *ret ? IOREG_RETURN_SUCCESS : IOREG_RETURN_NO_MEMORY;
        }
        if (rr != IOREG_RETURN_SUCCESS && rr != IOREG_RETURN_NOT_FOUND)
                return rr;
        reply = sd_bus_message_unref(reply);
        rr = lib_entry_get_property(bus, e, "Class", "s", &reply);
        if (rr != IOREG_RETURN_SUCCESS)
                return rr;
        r = sd_bus_message_read_basic(reply, 's', &s);
        if (r < 0)
                return lib_return_from_errno(r);
        *ret = strdup(s);
        return *ret ? IOREG_RETURN_SUCCESS : IOREG_RETURN_NO_MEMORY;
}

static ioreg_return_t object_class(ioreg_object_t object, char **ret) {
        _cleanup_bus_unlock_ sd_bus *bus = NULL;
        LibEntry *e = lib_entry_cast(object);
        ioreg_return_t r;

        if (!object)
                return IOREG_RETURN_BAD_ARGUMENT;
        if (!e) {
                *ret = strdup(object_kind_class(object->kind));
                return *ret ? IOREG_RETURN_SUCCESS : IOREG_RETURN_NO_MEMORY;
        }
        /* A terminated service: the daemon no longer knows it, the notification told us. */
        *ret = lib_entry_terminated_field(e, 0);
        if (*ret)
                return IOREG_RETURN_SUCCESS;
        r = lib_bus_lock(&bus);
        if (r != IOREG_RETURN_SUCCESS)
                return r;
        r = entry_class(bus, e, ret);
        /* Gone since its notification (published and terminated at once): its class never changes. */
        if (r == IOREG_RETURN_NO_DEVICE || r == IOREG_RETURN_NOT_FOUND) {
                *ret = lib_entry_notified_field(e, 0);
                if (*ret)
                        return IOREG_RETURN_SUCCESS;
        }
        return r;
}

ioreg_return_t ioreg_object_get_class(ioreg_object_t object, ioreg_name_t class_name) {
        _cleanup_free_ char *s = NULL;
        ioreg_return_t r;

        if (!class_name)
                return IOREG_RETURN_BAD_ARGUMENT;
        r = object_class(object, &s);
        if (r != IOREG_RETURN_SUCCESS)
                return r;
        lib_strlcpy(class_name, s, IOREG_NAME_MAX);
        return IOREG_RETURN_SUCCESS;
}

char *ioreg_object_copy_class(ioreg_object_t object) {
        char *s = NULL;

        return object_class(object, &s) == IOREG_RETURN_SUCCESS ? s : NULL;
}

/* GetClassHierarchy: the superclass of class_name into *ret (NULL for a root or unknown class). */
static ioreg_return_t superclass_of(sd_bus *bus, const char *class_name, char **ret) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        const char *name, *super;
        ioreg_return_t rr;
        int r;

        *ret = NULL;
        rr = lib_call(bus, &reply, NULL, IOREG_OBJECT_PATH, IOREG_INTERFACE, "GetClassHierarchy", NULL);
        if (rr != IOREG_RETURN_SUCCESS)
                return rr;
        r = sd_bus_message_enter_container(reply, 'a', "(ss)");
        while (r > 0 && (r = sd_bus_message_read(reply, "(ss)", &name, &super)) > 0)
                if (streq(name, class_name)) {
                        if (*super && !(*ret = strdup(super)))
                                return IOREG_RETURN_NO_MEMORY;
                        return IOREG_RETURN_SUCCESS;
                }
        return r < 0 ? lib_return_from_errno(r) : IOREG_RETURN_SUCCESS;
}

char *ioreg_object_copy_superclass_for_class(const char *class_name) {
        _cleanup_bus_unlock_ sd_bus *bus = NULL;
        char *s = NULL;

        if (!class_name || lib_bus_lock(&bus) != IOREG_RETURN_SUCCESS)
                return NULL;
        (void) superclass_of(bus, class_name, &s);
        return s;
}

int ioreg_object_conforms_to(ioreg_object_t object, const char *class_name) {
        _cleanup_bus_unlock_ sd_bus *bus = NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        LibEntry *e = lib_entry_cast(object);
        int b = 0;

        if (!object || !class_name)
                return 0;
        if (!e)
                /* Libioreg's own objects: their class, then OSIterator (what they all are), then OSObject. */
                return streq(class_name, object_kind_class(object->kind)) || streq(class_name, "OSIterator") ||
                       streq(class_name, "OSObject");
        if (lib_bus_lock(&bus) != IOREG_RETURN_SUCCESS)
                return 0;
        /* The daemon walks its class hierarchy (GetClassHierarchy's), aliases included. */
        if (lib_entry_call(bus, e, &reply, "ConformsTo", "s", class_name) != IOREG_RETURN_SUCCESS ||
            sd_bus_message_read_basic(reply, 'b', &b) < 0)
                return 0;
        return !!b;
}

int ioreg_object_is_equal_to(ioreg_object_t object, ioreg_object_t another) {
        LibEntry *a = lib_entry_cast(object), *b = lib_entry_cast(another);

        if (!object || !another)
                return 0;
        if (object == another)
                return 1;
        return a && b && a->id == b->id && atomic_load(&a->run) == atomic_load(&b->run);
}
