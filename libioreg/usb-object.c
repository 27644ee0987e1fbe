/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * usb-object.c: a USB plug-in object's life (usb-internal.h): references,
 * QueryInterface across its two faces, and the IOCFPlugIn face (Probe
 * checks the service's class, Start keeps the service and fetches its
 * descriptors).
 */

#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "usb-internal.h"

LibUsb *lib_usb_from_plugin(void *self) {
        return self ? (LibUsb *) ((char *) self - offsetof(LibUsb, plugin_face)) : NULL;
}

LibUsb *lib_usb_from_face(void *self) {
        return self ? (LibUsb *) ((char *) self - offsetof(LibUsb, usb_face)) : NULL;
}

static bool uuid_in(const char *uuid, const char *const *list) {
        for (; list && *list; list++)
                if (strcasecmp(uuid, *list) == 0)
                        return true;
        return false;
}

static ioreg_hresult_t query(LibUsb *u, const char *uuid, void **ppv) {
        if (!ppv)
                return IOREG_E_NOINTERFACE;
        *ppv = NULL;
        if (!uuid)
                return IOREG_E_NOINTERFACE;
        if (strcasecmp(uuid, IOREG_IUNKNOWN_UUID) == 0 || strcasecmp(uuid, IOREG_CF_PLUGIN_INTERFACE_ID) == 0)
                *ppv = &u->plugin_face;
        else if (uuid_in(uuid, u->usb_ids))
                *ppv = &u->usb_face;
        else
                return IOREG_E_NOINTERFACE;
        atomic_fetch_add(&u->n_ref, 1);
        return IOREG_S_OK;
}

static void usb_free(LibUsb *u) {
        if (u->teardown)
                u->teardown(u);
        if (u->service)
                (void) ioreg_object_release(u->service);
        json_decref(u->properties);
        free(u->descriptors);
        free(u->watches);
        pthread_mutex_destroy(&u->lock);
        free(u);
}

static uint32_t unref(LibUsb *u) {
        unsigned n = atomic_fetch_sub(&u->n_ref, 1) - 1;

        if (n == 0)
                usb_free(u);
        return n;
}

/* The USB face's IUnknown (usb-device.c and usb-interface.c put these in their tables). */
ioreg_hresult_t lib_usb_query_interface(void *self, const char *uuid, void **ppv) {
        return query(lib_usb_from_face(self), uuid, ppv);
}

uint32_t lib_usb_add_ref(void *self) {
        return atomic_fetch_add(&lib_usb_from_face(self)->n_ref, 1) + 1;
}

uint32_t lib_usb_release(void *self) {
        return unref(lib_usb_from_face(self));
}

/* The IOCFPlugIn face. */
static ioreg_hresult_t plugin_query_interface(void *self, const char *uuid, void **ppv) {
        return query(lib_usb_from_plugin(self), uuid, ppv);
}

static uint32_t plugin_add_ref(void *self) {
        return atomic_fetch_add(&lib_usb_from_plugin(self)->n_ref, 1) + 1;
}

static uint32_t plugin_release(void *self) {
        return unref(lib_usb_from_plugin(self));
}

static ioreg_return_t plugin_probe(void *self, json_t *properties, ioreg_service_t service, int32_t *order) {
        LibUsb *u = lib_usb_from_plugin(self);
        const char *class_name = u->kind == LIB_USB_DEVICE ? "IOUSBHostDevice" : "IOUSBHostInterface";

        if (!service || ioreg_object_conforms_to(service, class_name) <= 0)
                return IOREG_RETURN_UNSUPPORTED;
        if (order)
                *order = 0;
        return IOREG_RETURN_SUCCESS;
}

static ioreg_return_t plugin_start(void *self, json_t *properties, ioreg_service_t service) {
        LibUsb *u = lib_usb_from_plugin(self);
        LibEntry *e = lib_entry_cast(service);
        ioreg_return_t r;

        if (!e || !json_is_object(properties))
                return IOREG_RETURN_BAD_ARGUMENT;
        if (u->service)
                return IOREG_RETURN_BUSY; /* started once */
        (void) ioreg_object_retain(service);
        u->service = service;
        u->entry_id = e->id;
        u->properties = json_incref(properties); /* kept: the getters read it */
        r = lib_usb_fetch_descriptors(u);
        if (r != IOREG_RETURN_SUCCESS)
                return r;
        if (u->kind == LIB_USB_INTERFACE) {
                u->interface_number = (uint8_t) lib_usb_property(u, "bInterfaceNumber");
                u->alt_setting = (uint8_t) lib_usb_property(u, "bAlternateSetting");
                r = lib_usb_load_pipes(u);
        }
        return r;
}

static ioreg_return_t plugin_stop(void *self) {
        return IOREG_RETURN_SUCCESS; /* the object lives on for the interface the caller took */
}

static const ioreg_cf_plugin_interface plugin_table = {
        .QueryInterface = plugin_query_interface,
        .AddRef = plugin_add_ref,
        .Release = plugin_release,
        .version = 1,
        .revision = 0,
        .Probe = plugin_probe,
        .Start = plugin_start,
        .Stop = plugin_stop,
};

LibUsb *lib_usb_new(LibUsbKind kind, const void *usb_table, const char *const *usb_ids,
                    void (*teardown)(LibUsb *u)) {
        LibUsb *u = calloc(1, sizeof(*u));

        if (!u)
                return NULL;
        u->plugin_face = &plugin_table;
        u->usb_face = usb_table;
        atomic_init(&u->n_ref, 1);
        u->kind = kind;
        u->usb_ids = usb_ids;
        u->teardown = teardown;
        u->fd = -1;
        pthread_mutex_init(&u->lock, NULL);
        return u;
}
