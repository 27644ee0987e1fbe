/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * usb-plugin.c: the factory of the built-in USB plug-ins (usb-internal.h),
 * which plugin.c uses for kIOUSBDeviceUserClientTypeID and
 * kIOUSBInterfaceUserClientTypeID when the service names no plug-in of
 * its own for them.
 */

#include <strings.h>

#include "usb-internal.h"

void *lib_usb_plugin_factory(const char *type_uuid) {
        LibUsb *u;

        if (!type_uuid)
                return NULL;
        if (strcasecmp(type_uuid, IOREG_USB_DEVICE_USER_CLIENT_TYPE_ID) == 0)
                u = lib_usb_new(LIB_USB_DEVICE, &lib_usb_device_table, lib_usb_device_ids, lib_usb_teardown_io);
        else if (strcasecmp(type_uuid, IOREG_USB_INTERFACE_USER_CLIENT_TYPE_ID) == 0)
                u = lib_usb_new(LIB_USB_INTERFACE, &lib_usb_interface_table, lib_usb_interface_ids, lib_usb_teardown_io);
        else
                return NULL;
        return u ? &u->plugin_face : NULL;
}
