/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * example-plugin.c: an in-application plug-in (ioreg/plugin.h), the shape of
 * Apple's IOUSBLib: one object that answers IOCFPlugInInterface (probe and
 * start on a service) and ExampleInterface (what the host program uses).
 * Probe accepts only IOUSBHostDevice services; Start keeps what the
 * summary shows.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "example-plugin.h"

struct Instance;

/* A COM face: the object pointer the host holds points here, at the table's pointer. */
typedef struct Face {
        const void *vtable;         /* first, as COM wants */
        struct Instance *instance;  /* borrowed: the object this face belongs to */
} Face;

typedef struct Instance {
        Face plugin;                /* IOCFPlugInInterface and IUnknown */
        Face example;               /* ExampleInterface */
        uint32_t refs;
        json_int_t vendor, product;
        char class_name[128];
} Instance;

static Instance *instance_of(void *self) {
        return ((Face *) self)->instance;
}

static uint32_t add_ref(void *self) {
        return ++instance_of(self)->refs;
}

static uint32_t release(void *self) {
        Instance *i = instance_of(self);
        uint32_t left = --i->refs;

        if (left == 0)
                free(i);
        return left;
}

static ioreg_hresult_t query_interface(void *self, const char *uuid, void **ppv) {
        Instance *i = instance_of(self);

        if (strcasecmp(uuid, IOREG_IUNKNOWN_UUID) == 0 || strcasecmp(uuid, IOREG_CF_PLUGIN_INTERFACE_ID) == 0)
                *ppv = &i->plugin;
        else if (strcasecmp(uuid, EXAMPLE_INTERFACE_ID) == 0)
                *ppv = &i->example;
        else {
                *ppv = NULL;
                return IOREG_E_NOINTERFACE;
        }
        i->refs++;
        return IOREG_S_OK;
}

static ioreg_return_t probe(void *self, json_t *properties, ioreg_service_t service, int32_t *order) {
        /* Only USB devices; one with a vendor ID scores higher than one without. */
        if (!ioreg_object_conforms_to(service, "IOUSBHostDevice"))
                return IOREG_RETURN_UNSUPPORTED;
        *order = json_is_integer(json_object_get(properties, "idVendor")) ? 1000 : 100;
        return IOREG_RETURN_SUCCESS;
}

static ioreg_return_t start(void *self, json_t *properties, ioreg_service_t service) {
        Instance *i = instance_of(self);

        i->vendor = json_integer_value(json_object_get(properties, "idVendor"));
        i->product = json_integer_value(json_object_get(properties, "idProduct"));
        return ioreg_object_get_class(service, i->class_name);
}

static ioreg_return_t stop(void *self) {
        return IOREG_RETURN_SUCCESS;
}

static ioreg_return_t get_summary(void *self, char *buf, size_t size) {
        Instance *i = instance_of(self);

        snprintf(buf, size, "%s %04llx:%04llx", i->class_name, (unsigned long long) i->vendor,
                 (unsigned long long) i->product);
        return IOREG_RETURN_SUCCESS;
}

static const ioreg_cf_plugin_interface plugin_vtable = {
        .QueryInterface = query_interface,
        .AddRef = add_ref,
        .Release = release,
        .version = 1,
        .revision = 0,
        .Probe = probe,
        .Start = start,
        .Stop = stop,
};

static const ExampleInterface example_vtable = {
        .QueryInterface = query_interface,
        .AddRef = add_ref,
        .Release = release,
        .GetSummary = get_summary,
};

/* The factory: a new object with one reference, as an IUnknown. */
static void *example_factory(const char *type_uuid) {
        Instance *i = calloc(1, sizeof(Instance));

        if (!i)
                return NULL;
        i->plugin = (Face) { &plugin_vtable, i };
        i->example = (Face) { &example_vtable, i };
        i->refs = 1;
        return &i->plugin;
}

/* CFPlugInTypes and CFPlugInFactories, as one table. */
__attribute__((visibility("default"))) const ioreg_plugin_factory ioreg_plugin_factories[] = {
        { EXAMPLE_PLUGIN_TYPE_ID, "A7F0C2D1-3B4E-4C5D-8E9F-0A1B2C3D4E5F", example_factory },
        {},
};
