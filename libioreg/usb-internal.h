/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * usb-internal.h: the built-in USB plug-ins (ioreg/usb.h). One object,
 * LibUsb, has two COM faces: the IOCFPlugIn one (what
 * ioreg_create_plugin_interface_for_service returns) and the device or
 * interface one (what its QueryInterface gives). The files call
 * downwards only:
 *   usb-plugin.c (the factory: picks the table)
 *   usb-device.c, usb-interface.c (the tables)
 *   usb-io.c (open and close through ioregd, usbfs ioctls, libusb's
 *             asynchronous transfers on the object's notification port)
 *   usb-descriptors.c (the raw descriptors from ioregd, parsed)
 *   usb-object.c (life: references, QueryInterface, the IOCFPlugIn face)
 *
 * Synchronous transfers are usbfs ioctls on the fd (USBDEVFS_CONTROL,
 * USBDEVFS_BULK): libusb's synchronous calls run the context's event
 * handling, which would run another thread's asynchronous completions on
 * the caller's thread; the asynchronous ones are libusb transfers, whose
 * completions run only when the object's port is dispatched.
 */
#pragma once

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>
#include <libusb.h>
#include <systemd/sd-event.h>

#include "ioreg/usb.h"
#include "lib-internal.h"

#define LIB_USB_MAX_PIPES 32 /* pipe 0 (control) and up to 30 endpoints, as USB allows */
#define LIB_USB_CONTROL_TIMEOUT_MS 5000 /* kUSBDefaultControlNoDataTimeoutMS */

typedef enum LibUsbKind {
        LIB_USB_DEVICE,
        LIB_USB_INTERFACE,
} LibUsbKind;

typedef struct LibUsbPipe {
        uint8_t address;      /* endpoint address, direction bit included; 0 for the control pipe */
        uint8_t type;         /* IOREG_USB_CONTROL, _BULK, _INTERRUPT, _ISOC */
        uint16_t max_packet;
        uint8_t interval;
} LibUsbPipe;

typedef struct LibUsbAsync LibUsbAsync;

/* One libusb pollfd watched on the port's loop. */
typedef struct LibUsbWatch {
        int fd;
        sd_event_source *source; /* owned */
} LibUsbWatch;

typedef struct LibUsb {
        const void *plugin_face;      /* &plugin_face is the IOCFPlugIn object (static table) */
        const void *usb_face;         /* &usb_face is the device or interface object (static table) */
        atomic_uint n_ref;
        LibUsbKind kind;
        const char *const *usb_ids;   /* static: the interface IDs QueryInterface answers with usb_face */
        void (*teardown)(struct LibUsb *u);

        pthread_mutex_t lock;         /* guards what follows */
        ioreg_service_t service;      /* owned reference, set by Start */
        uint64_t entry_id;
        json_t *properties;           /* owned: the service's, at Start */
        uint8_t *descriptors;         /* owned: device descriptor then every configuration (sysfs `descriptors`) */
        size_t n_descriptors;

        bool open;
        int fd;                       /* owned: usbfs, from ioregd; -1 when closed */
        libusb_context *ctx;          /* owned while open */
        libusb_device_handle *handle; /* owned while open */
        LibUsbAsync *pending;         /* owned list: asynchronous transfers in flight */

        ioreg_notification_port_t port; /* owned: the async event source, NULL until made */
        LibUsbWatch *watches;         /* owned array */
        unsigned n_watches, cap_watches;

        /* An interface's own. */
        uint8_t interface_number;
        uint8_t alt_setting;
        LibUsbPipe pipes[LIB_USB_MAX_PIPES];
        unsigned n_pipes;             /* pipe 0 included */
} LibUsb;

/* NumVersion of IOUSBFamily 3.0.0, final stage (0x80): the interface version this library answers. */
#define LIB_USB_VERSION 0x03008000u

/* A method's out pointer must be given. */
#define OUT_CHECK(p)                                          \
        do {                                                  \
                if (!(p))                                     \
                        return IOREG_RETURN_BAD_ARGUMENT;     \
        } while (0)

/* ---- usb-object.c ---- */
/* A new object with one reference (its faces' tables are static); NULL when out of memory. teardown: what
 * the last Release runs before freeing (usb-io.c's, passed down by usb-plugin.c). */
LibUsb *lib_usb_new(LibUsbKind kind, const void *usb_table, const char *const *usb_ids,
                    void (*teardown)(LibUsb *u));
LibUsb *lib_usb_from_plugin(void *self);
LibUsb *lib_usb_from_face(void *self);
/* The object's IUnknown methods, shared by both faces. */
ioreg_hresult_t lib_usb_query_interface(void *self, const char *uuid, void **ppv);
uint32_t lib_usb_add_ref(void *self);
uint32_t lib_usb_release(void *self);

/* ---- usb-descriptors.c ---- */
/* Asks ioregd for the raw descriptors of u's device (u->descriptors). */
ioreg_return_t lib_usb_fetch_descriptors(LibUsb *u);
/* The index-th configuration descriptor (whole, wTotalLength bytes) in u's descriptors, or NULL. */
const ioreg_usb_configuration_descriptor *lib_usb_config(const LibUsb *u, unsigned index);
/* The configuration with bConfigurationValue value, or NULL. */
const ioreg_usb_configuration_descriptor *lib_usb_config_by_value(const LibUsb *u, uint8_t value);
/* The interface descriptor (number, alt) in config, or NULL; *ret_end: where its endpoints end. */
const uint8_t *lib_usb_find_interface(const ioreg_usb_configuration_descriptor *config, uint8_t number, uint8_t alt,
                                      const uint8_t **ret_end);
/* Fills u->pipes from the interface descriptor (number, alt) of the active configuration. */
ioreg_return_t lib_usb_load_pipes(LibUsb *u);
/* A number property of the service (0 when absent or not a number). */
uint64_t lib_usb_property(const LibUsb *u, const char *key);
/* The next descriptor after cur inside config of type type (0: any), or NULL. */
const uint8_t *lib_usb_next_descriptor(const ioreg_usb_configuration_descriptor *config, const uint8_t *cur,
                                       uint8_t type);

/* ---- usb-io.c ---- */
/* USBDeviceOpen / USBInterfaceOpen (seize: the Seize variant). */
ioreg_return_t lib_usb_open(LibUsb *u, bool seize);
ioreg_return_t lib_usb_close(LibUsb *u);
/* A control request on the default pipe; *done: bytes moved. timeout_ms 0: none. */
ioreg_return_t lib_usb_control(LibUsb *u, uint8_t type, uint8_t request, uint16_t value, uint16_t index,
                               void *data, uint16_t length, uint32_t timeout_ms, uint32_t *done);
/* A bulk or interrupt transfer on pipe; *size: in, the buffer's size; out, bytes moved. */
ioreg_return_t lib_usb_transfer(LibUsb *u, uint8_t pipe, void *buf, uint32_t *size, uint32_t timeout_ms);
/* The asynchronous forms: control (setup from req fields) when pipe is 0. */
ioreg_return_t lib_usb_submit(LibUsb *u, uint8_t pipe, ioreg_usb_dev_request *req, void *buf, uint32_t size,
                              uint32_t timeout_ms, ioreg_async_callback1 callback, void *refcon);
/* Cancels the asynchronous transfers on pipe (all when pipe is 0xff); they complete with ABORTED. */
ioreg_return_t lib_usb_abort(LibUsb *u, uint8_t pipe);
/* The async event source: the object's notification port, made on first call. */
ioreg_return_t lib_usb_create_port(LibUsb *u, ioreg_notification_port_t *ret);
/* The methods both faces' tables share (the device's and the interface's async source, open, seize, close). */
ioreg_return_t lib_usb_face_create_source(void *self, ioreg_notification_port_t *source);
ioreg_notification_port_t lib_usb_face_get_source(void *self);
ioreg_return_t lib_usb_face_open(void *self);
ioreg_return_t lib_usb_face_open_seize(void *self);
ioreg_return_t lib_usb_face_close(void *self);
/* A usbfs ioctl on the open fd: NOT_OPEN when closed. */
ioreg_return_t lib_usb_ioctl(LibUsb *u, unsigned long request, void *arg);
/* errno of a usbfs call as a return code. */
ioreg_return_t lib_usb_return_from_errno(int e);
/* The last Release's work: close when open, the port destroyed (later when it is being dispatched). */
void lib_usb_teardown_io(LibUsb *u);

/* ---- usb-device.c, usb-interface.c: the tables and the interface IDs that give them ---- */
extern const ioreg_usb_device_interface lib_usb_device_table;
extern const char *const lib_usb_device_ids[];
extern const ioreg_usb_interface_interface lib_usb_interface_table;
extern const char *const lib_usb_interface_ids[];

/* ---- usb-plugin.c ---- */
/*
 * The built-in factory (ioreg_plugin_factory_function) for the two USB
 * user-client types: a new object (its IOCFPlugIn face, one reference), or
 * NULL for any other type.
 */
void *lib_usb_plugin_factory(const char *type_uuid);
