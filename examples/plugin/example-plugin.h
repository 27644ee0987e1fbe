/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * example-plugin.h: what the example plug-in offers its host program, as
 * IOUSBLib.h does for IOUSBLib: the type UUID a service's IOCFPlugInTypes
 * names, and the interface the host asks for with QueryInterface.
 */
#pragma once

#include <stddef.h>

#include <ioreg/plugin.h>

/* The plug-in type (kIOUSBDeviceUserClientTypeID's place). */
#define EXAMPLE_PLUGIN_TYPE_ID "5B2A7C3E-1D0F-4E8A-9C61-3F7B2E9D4A10"
/* Its one interface (kIOUSBDeviceInterfaceID's place). */
#define EXAMPLE_INTERFACE_ID "9E41D0B7-6A2C-4F35-8B17-C0D52A6E83F4"

typedef struct ExampleInterface {
        IOREG_IUNKNOWN_C_GUTS;
        /* "IOUSBHostDevice 05f3:0007 (entry 0x...)": what Start saw of the service. */
        ioreg_return_t (*GetSummary)(void *self, char *buf, size_t size);
} ExampleInterface;
