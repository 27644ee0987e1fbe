/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * plugin-client.c: the user-space USB chapter's way in, with libioreg: find a
 * USB device by vendor and product, create its plug-in interface
 * (IOCreatePlugInInterfaceForService), ask the plug-in for its device
 * interface (QueryInterface), use it, and let both go.
 *
 *     plugin-client VENDOR PRODUCT [TYPE-UUID]
 *
 * Exit status: 0 done; 1 no such device; 2 the plug-in call failed (its
 * ioreg_return_t is printed); 64 bad usage.
 */

#include <stdio.h>
#include <stdlib.h>

#include <ioreg/ioreg.h>
#include <ioreg/plugin.h>

#include "example-plugin.h"

int main(int argc, char *argv[]) {
        ioreg_cf_plugin_interface **plugin = NULL;
        ExampleInterface **device = NULL;
        ioreg_service_t service;
        json_t *matching;
        int32_t score = 0;
        ioreg_return_t r;
        char summary[256];

        if (argc < 3) {
                fprintf(stderr, "usage: %s VENDOR PRODUCT [TYPE-UUID]\n", argv[0]);
                return 64;
        }
        matching = ioreg_service_matching("IOUSBHostDevice");
        json_object_set_new(matching, "idVendor", json_integer(strtol(argv[1], NULL, 0)));
        json_object_set_new(matching, "idProduct", json_integer(strtol(argv[2], NULL, 0)));
        service = ioreg_service_get_matching_service(matching); /* consumes matching */
        if (!service) {
                fprintf(stderr, "no USB device %s:%s\n", argv[1], argv[2]);
                return 1;
        }

        r = ioreg_create_plugin_interface_for_service(service, argc > 3 ? argv[3] : EXAMPLE_PLUGIN_TYPE_ID,
                                                      IOREG_CF_PLUGIN_INTERFACE_ID, &plugin, &score);
        ioreg_object_release(service); /* the plug-in keeps what it needs */
        if (r != IOREG_RETURN_SUCCESS) {
                printf("create plug-in interface: %s\n", ioreg_return_string(r));
                return 2;
        }
        if ((*plugin)->QueryInterface(plugin, EXAMPLE_INTERFACE_ID, (void **) &device) != IOREG_S_OK || !device) {
                printf("query interface: no example interface\n");
                ioreg_destroy_plugin_interface(plugin);
                return 2;
        }
        ioreg_destroy_plugin_interface(plugin); /* the plug-in interface is only a factory */

        (*device)->GetSummary(device, summary, sizeof(summary));
        printf("%s score %d\n", summary, (int) score);
        (*device)->Release(device);
        return 0;
}
