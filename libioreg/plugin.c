/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * plugin.c: IOCreatePlugInInterfaceForService (ioreg/plugin.h). As
 * IOKitLib's IOCFPlugIn.c: every factory of the type makes an object, each
 * is probed, the best score is started and the others are released.
 */

#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "ioreg/plugin.h"
#include "lib-internal.h"
#include "protocol.h"
#include "usb-internal.h"

/* dlopen() and the search path are process-wide; one load at a time. */
static pthread_mutex_t plugin_lock = PTHREAD_MUTEX_INITIALIZER;

/* path as it is when absolute, else the first of $IOREG_PLUGIN_PATH's folders, then the default, holding it. */
static char *plugin_resolve(const char *path) {
        const char *dirs = getenv(IOREG_PLUGIN_PATH_ENV);

        if (path[0] == '/')
                return strdup(path);
        if (strstr(path, "..")) /* a relative path stays below the plug-in folders */
                return NULL;
        for (const char *d = dirs; d && *d;) {
                size_t n = strcspn(d, ":");
                char *p = NULL;

                if (n > 0 && asprintf(&p, "%.*s/%s", (int) n, d, path) >= 0) {
                        if (access(p, R_OK) == 0)
                                return p;
                        free(p);
                }
                d += n + (d[n] == ':');
        }
        {
                char *p = NULL;

                return asprintf(&p, "%s/%s", IOREG_PLUGIN_DIR, path) >= 0 ? p : NULL;
        }
}

/* The factory table of the shared object at path, loaded once (RTLD_NODELETE: it stays). */
static ioreg_return_t plugin_factories(const char *path, const ioreg_plugin_factory **ret) {
        void *handle;
        const ioreg_plugin_factory *table;

        handle = dlopen(path, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
        if (!handle) {
                fprintf(stderr, "libioreg: cannot load plug-in %s: %s\n", path, dlerror());
                return IOREG_RETURN_NOT_FOUND;
        }
        table = dlsym(handle, IOREG_PLUGIN_FACTORIES_SYMBOL);
        if (!table) {
                fprintf(stderr, "libioreg: plug-in %s has no %s table\n", path, IOREG_PLUGIN_FACTORIES_SYMBOL);
                dlclose(handle);
                return IOREG_RETURN_NOT_FOUND;
        }
        /* The handle's reference stays with the process: the objects it makes may outlive any call. */
        *ret = table;
        return IOREG_RETURN_SUCCESS;
}

static void plugin_release(ioreg_cf_plugin_interface **o) {
        if (o)
                (*o)->Release(o);
}

ioreg_return_t ioreg_create_plugin_interface_for_service(ioreg_service_t service, const char *plugin_type,
                                                         const char *interface_type,
                                                         ioreg_cf_plugin_interface ***interface, int32_t *score) {
        json_auto_t *properties = NULL;
        _cleanup_free_ char *path = NULL;
        const ioreg_plugin_factory *table = NULL;
        ioreg_cf_plugin_interface **best = NULL;
        int32_t best_score = INT32_MIN;
        json_t *types, *where; /* borrowed */
        ioreg_return_t r;

        if (!service || !plugin_type || !interface_type || !interface)
                return IOREG_RETURN_BAD_ARGUMENT;
        *interface = NULL;
        if (strcasecmp(interface_type, IOREG_CF_PLUGIN_INTERFACE_ID) != 0)
                return IOREG_RETURN_UNSUPPORTED;

        r = ioreg_registry_entry_create_properties(service, &properties, 0);
        if (r != IOREG_RETURN_SUCCESS)
                return r;
        types = json_object_get(properties, "IOCFPlugInTypes");
        where = NULL;
        if (json_is_object(types)) {
                const char *key;
                json_t *v;

                /* UUID strings compare without case, as CFUUIDCreateFromString reads them. */
                json_object_foreach(types, key, v)
                        if (strcasecmp(key, plugin_type) == 0)
                                where = v;
        }
        if (json_is_string(where)) {
                path = plugin_resolve(json_string_value(where));
                if (!path)
                        return IOREG_RETURN_BAD_ARGUMENT;
                pthread_mutex_lock(&plugin_lock);
                r = plugin_factories(path, &table);
                pthread_mutex_unlock(&plugin_lock);
                if (r != IOREG_RETURN_SUCCESS)
                        return r;
        } else if (strcasecmp(plugin_type, IOREG_USB_DEVICE_USER_CLIENT_TYPE_ID) == 0 ||
                   strcasecmp(plugin_type, IOREG_USB_INTERFACE_USER_CLIENT_TYPE_ID) == 0) {
                /* Built in, as IOUSBLib is on macOS; a service's own IOCFPlugInTypes entry still wins. */
                static const ioreg_plugin_factory usb_factories[] = {
                        { IOREG_USB_DEVICE_USER_CLIENT_TYPE_ID, NULL, lib_usb_plugin_factory },
                        { IOREG_USB_INTERFACE_USER_CLIENT_TYPE_ID, NULL, lib_usb_plugin_factory },
                        {},
                };

                table = usb_factories;
        } else
                return IOREG_RETURN_UNSUPPORTED;

        for (const ioreg_plugin_factory *f = table; f->type_uuid; f++) {
                ioreg_cf_plugin_interface **o;
                void *iface = NULL;
                int32_t order = 0;

                if (strcasecmp(f->type_uuid, plugin_type) != 0 || !f->factory)
                        continue;
                o = f->factory(plugin_type);
                if (!o)
                        continue;
                /* The factory's object is an IUnknown; ask it for IOCFPlugIn's interface, as IOKitLib does. */
                if ((*o)->QueryInterface(o, IOREG_CF_PLUGIN_INTERFACE_ID, &iface) != IOREG_S_OK || !iface) {
                        plugin_release(o);
                        continue;
                }
                plugin_release(o);
                o = iface;
                if ((*o)->Probe && (*o)->Probe(o, properties, service, &order) != IOREG_RETURN_SUCCESS) {
                        plugin_release(o);
                        continue;
                }
                if (order > best_score || !best) {
                        plugin_release(best);
                        best = o;
                        best_score = order;
                } else
                        plugin_release(o);
        }
        if (!best)
                return IOREG_RETURN_UNSUPPORTED;
        if ((*best)->Start) {
                r = (*best)->Start(best, properties, service);
                if (r != IOREG_RETURN_SUCCESS) {
                        plugin_release(best);
                        return r;
                }
        }
        *interface = best;
        if (score)
                *score = best_score;
        return IOREG_RETURN_SUCCESS;
}

ioreg_return_t ioreg_destroy_plugin_interface(ioreg_cf_plugin_interface **interface) {
        ioreg_return_t r = IOREG_RETURN_SUCCESS;

        if (!interface)
                return IOREG_RETURN_BAD_ARGUMENT;
        if ((*interface)->Stop)
                r = (*interface)->Stop(interface);
        (*interface)->Release(interface);
        return r;
}
