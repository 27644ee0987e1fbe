/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ioreg/plugin.h: in-application plug-ins, after IOCFPlugIn.h (the model of
 * the user-space USB chapter: IOCreatePlugInInterfaceForService).
 *
 * A service names its plug-ins in its IOCFPlugInTypes property, a
 * dictionary from a type UUID (a string, "0BE0A4C6-...") to the path of a
 * shared object. A relative path is looked up in $IOREG_PLUGIN_PATH (a
 * colon-separated list of folders), else in LIBDIR/ioreg/plugins, as
 * Apple's are relative to the Extensions folder. Like Apple's, the
 * property usually comes from a codeless personality's
 * IOProviderMergeProperties.
 *
 * The shared object is the CFPlugIn bundle: it exports
 * IOREG_PLUGIN_FACTORIES_SYMBOL, a table of ioreg_plugin_factory (type UUID,
 * factory UUID, factory function) ended by an entry of NULLs; that is the
 * bundle's CFPlugInTypes and CFPlugInFactories in one. The factory returns
 * an object in the COM layout of CFPlugInCOM.h: a pointer to a pointer to a
 * table of functions whose first argument is the object, beginning with
 * QueryInterface, AddRef and Release. UUIDs are strings here, where
 * Apple's take CFUUIDBytes: a port replaces CFUUIDGetUUIDBytes(kX) by the
 * string.
 *
 * Loading runs the plug-in's code in the calling program, as on macOS: only
 * services whose property a trusted personality set should be used, and the
 * shared object stays loaded until the program exits (CFPlugIn's own rule
 * for bundles with live instances).
 *
 * Thread safety: ioreg_create_plugin_interface_for_service may be called
 * from any thread; loading is serialized by a mutex. An interface belongs
 * to the plug-in's own rules.
 */
#pragma once

#include <stdint.h>

#include <jansson.h>

#include <ioreg/object.h>
#include <ioreg/return.h>

#ifdef __cplusplus
extern "C" {
#endif

/* kIOCFPlugInInterfaceID: the interface every plug-in object gives first. */
#define IOREG_CF_PLUGIN_INTERFACE_ID "C244E858-109C-11D4-91D4-0050E4C6426F"
/* IUnknownUUID. */
#define IOREG_IUNKNOWN_UUID "00000000-0000-0000-C000-000000000046"

/* The symbol a plug-in's shared object exports. */
#define IOREG_PLUGIN_FACTORIES_SYMBOL "ioreg_plugin_factories"

/* HRESULT's two values that matter here (S_OK, E_NOINTERFACE). */
typedef int32_t ioreg_hresult_t;
#define IOREG_S_OK ((ioreg_hresult_t) 0)
#define IOREG_E_NOINTERFACE ((ioreg_hresult_t) 0x80000004)

/* IUNKNOWN_C_GUTS: the first entries of every interface's table. */
#define IOREG_IUNKNOWN_C_GUTS                                                                     \
        void *_reserved;                                                                          \
        ioreg_hresult_t (*QueryInterface)(void *self, const char *interface_uuid, void **ppv);    \
        uint32_t (*AddRef)(void *self);                                                           \
        uint32_t (*Release)(void *self)

/* IOCFPlugInInterface: what a factory returns; Probe and Start get the service and its properties. */
typedef struct ioreg_cf_plugin_interface {
        IOREG_IUNKNOWN_C_GUTS;
        uint16_t version;
        uint16_t revision;
        /* 0 (IOREG_RETURN_SUCCESS) to accept the service; *order is the probe score (higher wins). */
        ioreg_return_t (*Probe)(void *self, json_t *properties, ioreg_service_t service, int32_t *order);
        ioreg_return_t (*Start)(void *self, json_t *properties, ioreg_service_t service);
        ioreg_return_t (*Stop)(void *self);
} ioreg_cf_plugin_interface;

/* A CFPlugInFactoryFunction: a new object (one reference) for type_uuid, or NULL. */
typedef void *(*ioreg_plugin_factory_function)(const char *type_uuid);

typedef struct ioreg_plugin_factory {
        const char *type_uuid;                  /* CFPlugInTypes key */
        const char *factory_uuid;               /* CFPlugInFactories key */
        ioreg_plugin_factory_function factory;  /* CFPlugInFactories value */
} ioreg_plugin_factory;

/**
 * IOCreatePlugInInterfaceForService: loads the plug-in that service's
 * IOCFPlugInTypes names for plugin_type, makes an object with the first
 * factory for that type, probes it and starts it on service.
 * interface_type must be IOREG_CF_PLUGIN_INTERFACE_ID.
 * @param interface  the object (***: COM's pointer to a pointer to the table); release it with
 *                   ioreg_destroy_plugin_interface()
 * @param score      the probe score (may be NULL)
 * @return UNSUPPORTED when the service has no plug-in of that type or the interface is not
 *         IOCFPlugIn's; NOT_FOUND when the shared object or its factory table is missing (the
 *         loader's message goes to stderr); the plug-in's Probe or Start failure as it returned it.
 */
ioreg_return_t ioreg_create_plugin_interface_for_service(ioreg_service_t service, const char *plugin_type,
                                                         const char *interface_type,
                                                         ioreg_cf_plugin_interface ***interface, int32_t *score);

/** IODestroyPlugInInterface: Stop, then Release. */
ioreg_return_t ioreg_destroy_plugin_interface(ioreg_cf_plugin_interface **interface);

#ifdef __cplusplus
}
#endif
