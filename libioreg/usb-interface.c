/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * usb-interface.c: IOUSBInterfaceInterface300 (ioreg/usb.h). Pipes are
 * numbered as IOUSBLib numbers them: 0 is the device's control pipe, then
 * the interface's endpoints in the order of its descriptors (current
 * alternate setting). Transfers go through usb-io.c.
 */

#include <linux/usbdevice_fs.h>
#include <sys/ioctl.h>
#include <stdlib.h>
#include <string.h>

#include "ioreg/registry.h"
#include "ioreg/value.h"
#include "usb-internal.h"

#define INTF(self) lib_usb_from_face(self)

/* The interface descriptor of the current alternate setting (in the active configuration), or NULL. */
static const uint8_t *interface_descriptor(LibUsb *u, const ioreg_usb_configuration_descriptor **ret_config,
                                           const uint8_t **ret_end) {
        const ioreg_usb_configuration_descriptor *c =
                lib_usb_config_by_value(u, (uint8_t) lib_usb_property(u, "bConfigurationValue"));
        const uint8_t *end = NULL, *d;

        if (!c)
                c = lib_usb_config(u, 0);
        if (!c)
                return NULL;
        d = lib_usb_find_interface(c, u->interface_number, u->alt_setting, &end);
        if (ret_config)
                *ret_config = c;
        if (ret_end)
                *ret_end = end;
        return d;
}

static ioreg_return_t intf_u8(void *self, unsigned i, uint8_t *ret) {
        const uint8_t *d;

        OUT_CHECK(ret);
        d = interface_descriptor(INTF(self), NULL, NULL);
        if (!d)
                return IOREG_RETURN_NOT_FOUND;
        *ret = d[i];
        return IOREG_RETURN_SUCCESS;
}

static ioreg_return_t get_class(void *self, uint8_t *v) {
        return intf_u8(self, 5, v);
}
static ioreg_return_t get_subclass(void *self, uint8_t *v) {
        return intf_u8(self, 6, v);
}
static ioreg_return_t get_protocol(void *self, uint8_t *v) {
        return intf_u8(self, 7, v);
}
static ioreg_return_t get_string_index(void *self, uint8_t *v) {
        return intf_u8(self, 8, v);
}

static ioreg_return_t get_number(void *self, uint8_t *v) {
        OUT_CHECK(v);
        *v = INTF(self)->interface_number;
        return IOREG_RETURN_SUCCESS;
}

static ioreg_return_t get_alt(void *self, uint8_t *v) {
        OUT_CHECK(v);
        *v = INTF(self)->alt_setting;
        return IOREG_RETURN_SUCCESS;
}

static ioreg_return_t get_num_endpoints(void *self, uint8_t *v) {
        OUT_CHECK(v);
        *v = (uint8_t) (INTF(self)->n_pipes > 0 ? INTF(self)->n_pipes - 1 : 0);
        return IOREG_RETURN_SUCCESS;
}

static ioreg_return_t dev_u16(void *self, unsigned i, uint16_t *ret) {
        LibUsb *u = INTF(self);

        OUT_CHECK(ret);
        if (!u->descriptors)
                return IOREG_RETURN_NOT_READY;
        *ret = (uint16_t) (u->descriptors[i] | u->descriptors[i + 1] << 8);
        return IOREG_RETURN_SUCCESS;
}

static ioreg_return_t get_vendor(void *self, uint16_t *v) {
        return dev_u16(self, 8, v);
}
static ioreg_return_t get_product(void *self, uint16_t *v) {
        return dev_u16(self, 10, v);
}
static ioreg_return_t get_release(void *self, uint16_t *v) {
        return dev_u16(self, 12, v);
}

static ioreg_return_t get_config_value(void *self, uint8_t *v) {
        OUT_CHECK(v);
        *v = (uint8_t) lib_usb_property(INTF(self), "bConfigurationValue");
        return IOREG_RETURN_SUCCESS;
}

static ioreg_return_t get_location_id(void *self, uint32_t *v) {
        OUT_CHECK(v);
        return ioreg_json_get_u32(json_object_get(INTF(self)->properties, "locationID"), v) == IOREG_RETURN_SUCCESS
                       ? IOREG_RETURN_SUCCESS
                       : IOREG_RETURN_NOT_FOUND;
}

/* The IOUSBHostDevice above the interface (a kernel driver's entry may be between them). A new reference. */
static ioreg_return_t get_device(void *self, ioreg_service_t *device) {
        ioreg_object_t o = INTF(self)->service;

        OUT_CHECK(device);
        (void) ioreg_object_retain(o);
        for (unsigned depth = 0; o && depth < 8; depth++) {
                ioreg_registry_entry_t parent = NULL;
                ioreg_return_t r = ioreg_registry_entry_get_parent_entry(o, "IOService", &parent);

                (void) ioreg_object_release(o);
                if (r != IOREG_RETURN_SUCCESS)
                        return r;
                o = parent;
                if (ioreg_object_conforms_to(o, "IOUSBHostDevice") > 0) {
                        *device = o;
                        return IOREG_RETURN_SUCCESS;
                }
        }
        if (o)
                (void) ioreg_object_release(o);
        return IOREG_RETURN_NOT_FOUND;
}

static ioreg_return_t set_alt(void *self, uint8_t alt) {
        LibUsb *u = INTF(self);
        struct usbdevfs_setinterface s = { .interface = u->interface_number, .altsetting = alt };
        uint8_t old = u->alt_setting;
        ioreg_return_t r;

        r = lib_usb_ioctl(u, USBDEVFS_SETINTERFACE, &s);
        if (r != IOREG_RETURN_SUCCESS)
                return r;
        u->alt_setting = alt;
        r = lib_usb_load_pipes(u);
        if (r != IOREG_RETURN_SUCCESS) {
                u->alt_setting = old;
                (void) lib_usb_load_pipes(u);
        }
        return r;
}

static ioreg_return_t unsupported_frame(void *self, uint64_t *frame, uint64_t *at) {
        return IOREG_RETURN_UNSUPPORTED;
}

static uint32_t timeout_of(uint32_t no_data, uint32_t completion) {
        return completion ? completion : no_data;
}

static ioreg_return_t control_request_to(void *self, uint8_t pipe, ioreg_usb_dev_request_to *req) {
        OUT_CHECK(req);
        if (pipe != 0)
                return IOREG_RETURN_UNSUPPORTED; /* a control endpoint of the interface's own */
        req->wLenDone = 0;
        return lib_usb_control(INTF(self), req->bmRequestType, req->bRequest, req->wValue, req->wIndex, req->pData,
                               req->wLength, timeout_of(req->noDataTimeout, req->completionTimeout), &req->wLenDone);
}

static ioreg_return_t control_request(void *self, uint8_t pipe, ioreg_usb_dev_request *req) {
        OUT_CHECK(req);
        if (pipe != 0)
                return IOREG_RETURN_UNSUPPORTED;
        req->wLenDone = 0;
        return lib_usb_control(INTF(self), req->bmRequestType, req->bRequest, req->wValue, req->wIndex, req->pData,
                               req->wLength, LIB_USB_CONTROL_TIMEOUT_MS, &req->wLenDone);
}

static ioreg_return_t control_request_async(void *self, uint8_t pipe, ioreg_usb_dev_request *req,
                                            ioreg_async_callback1 callback, void *refcon) {
        if (pipe != 0)
                return IOREG_RETURN_UNSUPPORTED;
        return lib_usb_submit(INTF(self), 0, req, NULL, 0, LIB_USB_CONTROL_TIMEOUT_MS, callback, refcon);
}

static ioreg_return_t control_request_async_to(void *self, uint8_t pipe, ioreg_usb_dev_request_to *req,
                                               ioreg_async_callback1 callback, void *refcon) {
        OUT_CHECK(req);
        if (pipe != 0)
                return IOREG_RETURN_UNSUPPORTED;
        /* The two layouts agree up to wLenDone, the part lib_usb_submit reads and writes. */
        return lib_usb_submit(INTF(self), 0, (ioreg_usb_dev_request *) req, NULL, 0,
                              timeout_of(req->noDataTimeout, req->completionTimeout), callback, refcon);
}

static ioreg_return_t get_pipe_properties(void *self, uint8_t pipe, uint8_t *direction, uint8_t *number,
                                          uint8_t *type, uint16_t *max_packet, uint8_t *interval) {
        LibUsb *u = INTF(self);
        const LibUsbPipe *p;

        if (pipe >= u->n_pipes)
                return IOREG_RETURN_BAD_ARGUMENT;
        p = &u->pipes[pipe];
        if (direction)
                *direction = pipe == 0 ? IOREG_USB_ANY_DIRECTION : (p->address & 0x80) ? IOREG_USB_IN : IOREG_USB_OUT;
        if (number)
                *number = p->address & 0x0f;
        if (type)
                *type = p->type;
        if (max_packet)
                *max_packet = p->max_packet;
        if (interval)
                *interval = p->interval;
        return IOREG_RETURN_SUCCESS;
}

/* GET_STATUS of the endpoint: bit 0 is its halt feature. */
static ioreg_return_t get_pipe_status(void *self, uint8_t pipe) {
        LibUsb *u = INTF(self);
        uint8_t status[2] = {};
        uint32_t done = 0;
        ioreg_return_t r;

        if (pipe >= u->n_pipes)
                return IOREG_RETURN_BAD_ARGUMENT;
        if (pipe == 0)
                return u->open ? IOREG_RETURN_SUCCESS : IOREG_RETURN_NOT_OPEN;
        r = lib_usb_control(u, 0x82, 0x00, 0, u->pipes[pipe].address, status, 2, LIB_USB_CONTROL_TIMEOUT_MS, &done);
        if (r != IOREG_RETURN_SUCCESS)
                return r;
        return done == 2 && (status[0] & 1) ? IOREG_RETURN_PIPE_STALLED : IOREG_RETURN_SUCCESS;
}

static ioreg_return_t abort_pipe(void *self, uint8_t pipe) {
        if (pipe >= INTF(self)->n_pipes)
                return IOREG_RETURN_BAD_ARGUMENT;
        return lib_usb_abort(INTF(self), pipe);
}

/* ClearPipeStall: the host side only (data toggle, halt), as Apple's; BothEnds also tells the device. */
static ioreg_return_t clear_stall(void *self, uint8_t pipe) {
        LibUsb *u = INTF(self);
        unsigned int ep;

        if (pipe == 0 || pipe >= u->n_pipes)
                return IOREG_RETURN_BAD_ARGUMENT;
        ep = u->pipes[pipe].address;
        return lib_usb_ioctl(u, USBDEVFS_RESETEP, &ep);
}

static ioreg_return_t clear_stall_both(void *self, uint8_t pipe) {
        LibUsb *u = INTF(self);
        unsigned int ep;

        if (pipe == 0 || pipe >= u->n_pipes)
                return IOREG_RETURN_BAD_ARGUMENT;
        ep = u->pipes[pipe].address;
        return lib_usb_ioctl(u, USBDEVFS_CLEAR_HALT, &ep);
}

/* ResetPipe: pending transfers aborted, then the host side reset. */
static ioreg_return_t reset_pipe(void *self, uint8_t pipe) {
        ioreg_return_t r = abort_pipe(self, pipe);

        return r == IOREG_RETURN_SUCCESS && pipe != 0 ? clear_stall(self, pipe) : r;
}

/* The pipe's direction must be want (IN or OUT). */
static ioreg_return_t direction_check(LibUsb *u, uint8_t pipe, unsigned want) {
        if (pipe == 0 || pipe >= u->n_pipes)
                return IOREG_RETURN_BAD_ARGUMENT;
        if (!!(u->pipes[pipe].address & 0x80) != (want == IOREG_USB_IN))
                return IOREG_RETURN_BAD_ARGUMENT;
        return IOREG_RETURN_SUCCESS;
}

static ioreg_return_t read_pipe_to(void *self, uint8_t pipe, void *buf, uint32_t *size, uint32_t no_data,
                                   uint32_t completion) {
        ioreg_return_t r = direction_check(INTF(self), pipe, IOREG_USB_IN);

        return r != IOREG_RETURN_SUCCESS ? r
                                         : lib_usb_transfer(INTF(self), pipe, buf, size, timeout_of(no_data, completion));
}

static ioreg_return_t write_pipe_to(void *self, uint8_t pipe, void *buf, uint32_t size, uint32_t no_data,
                                    uint32_t completion) {
        ioreg_return_t r = direction_check(INTF(self), pipe, IOREG_USB_OUT);
        uint32_t n = size;

        if (r != IOREG_RETURN_SUCCESS)
                return r;
        r = lib_usb_transfer(INTF(self), pipe, buf, &n, timeout_of(no_data, completion));
        /* A short write is an error to the caller, who cannot see how much went. */
        return r == IOREG_RETURN_SUCCESS && n != size ? IOREG_RETURN_ERROR : r;
}

/* ReadPipe and WritePipe wait as long as the device takes (Apple's have no timeout). */
static ioreg_return_t read_pipe(void *self, uint8_t pipe, void *buf, uint32_t *size) {
        return read_pipe_to(self, pipe, buf, size, 0, 0);
}

static ioreg_return_t write_pipe(void *self, uint8_t pipe, void *buf, uint32_t size) {
        return write_pipe_to(self, pipe, buf, size, 0, 0);
}

static ioreg_return_t read_pipe_async_to(void *self, uint8_t pipe, void *buf, uint32_t size, uint32_t no_data,
                                         uint32_t completion, ioreg_async_callback1 callback, void *refcon) {
        ioreg_return_t r = direction_check(INTF(self), pipe, IOREG_USB_IN);

        return r != IOREG_RETURN_SUCCESS ? r
                                         : lib_usb_submit(INTF(self), pipe, NULL, buf, size,
                                                          timeout_of(no_data, completion), callback, refcon);
}

static ioreg_return_t write_pipe_async_to(void *self, uint8_t pipe, void *buf, uint32_t size, uint32_t no_data,
                                          uint32_t completion, ioreg_async_callback1 callback, void *refcon) {
        ioreg_return_t r = direction_check(INTF(self), pipe, IOREG_USB_OUT);

        return r != IOREG_RETURN_SUCCESS ? r
                                         : lib_usb_submit(INTF(self), pipe, NULL, buf, size,
                                                          timeout_of(no_data, completion), callback, refcon);
}

static ioreg_return_t read_pipe_async(void *self, uint8_t pipe, void *buf, uint32_t size,
                                      ioreg_async_callback1 callback, void *refcon) {
        return read_pipe_async_to(self, pipe, buf, size, 0, 0, callback, refcon);
}

static ioreg_return_t write_pipe_async(void *self, uint8_t pipe, void *buf, uint32_t size,
                                       ioreg_async_callback1 callback, void *refcon) {
        return write_pipe_async_to(self, pipe, buf, size, 0, 0, callback, refcon);
}

static ioreg_return_t isoch_unsupported(void *self, uint8_t pipe, void *buf, uint64_t frame_start,
                                        uint32_t num_frames, void *frame_list, ioreg_async_callback1 callback,
                                        void *refcon) {
        return IOREG_RETURN_UNSUPPORTED;
}

static ioreg_return_t low_latency_unsupported(void *self, uint8_t pipe, void *buf, uint64_t frame_start,
                                              uint32_t num_frames, uint32_t update_frequency, void *frame_list,
                                              ioreg_async_callback1 callback, void *refcon) {
        return IOREG_RETURN_UNSUPPORTED;
}

static ioreg_return_t create_buffer_unsupported(void *self, void **buffer, uint64_t size, uint32_t type) {
        return IOREG_RETURN_UNSUPPORTED;
}

static ioreg_return_t destroy_buffer_unsupported(void *self, void *buffer) {
        return IOREG_RETURN_UNSUPPORTED;
}

static ioreg_return_t set_pipe_policy(void *self, uint8_t pipe, uint16_t max_packet, uint8_t max_interval) {
        return IOREG_RETURN_UNSUPPORTED;
}

static ioreg_return_t get_bandwidth(void *self, uint32_t *bandwidth) {
        return IOREG_RETURN_UNSUPPORTED;
}

static ioreg_return_t get_frame_list_time(void *self, uint32_t *usec) {
        return IOREG_RETURN_UNSUPPORTED;
}

static ioreg_return_t get_endpoint_properties(void *self, uint8_t alt, uint8_t number, uint8_t direction,
                                              uint8_t *type, uint16_t *max_packet, uint8_t *interval) {
        LibUsb *u = INTF(self);
        const ioreg_usb_configuration_descriptor *c = NULL;
        const uint8_t *d, *end = NULL;

        if (!interface_descriptor(u, &c, NULL) || !c)
                return IOREG_RETURN_NOT_FOUND;
        d = lib_usb_find_interface(c, u->interface_number, alt, &end);
        if (!d)
                return IOREG_RETURN_BAD_ARGUMENT;
        while ((d = lib_usb_next_descriptor(c, d, 0x05)) && d < end)
                if (d[0] >= 7 && (d[2] & 0x0f) == number && !!(d[2] & 0x80) == (direction == IOREG_USB_IN)) {
                        if (type)
                                *type = d[3] & 0x3;
                        if (max_packet)
                                *max_packet = (uint16_t) ((d[4] | d[5] << 8) & 0x7ff);
                        if (interval)
                                *interval = d[6];
                        return IOREG_RETURN_SUCCESS;
                }
        return IOREG_RETURN_NOT_FOUND;
}

static ioreg_return_t lib_version(void *self, uint32_t *lib, uint32_t *family) {
        if (lib)
                *lib = LIB_USB_VERSION;
        if (family)
                *family = LIB_USB_VERSION;
        return IOREG_RETURN_SUCCESS;
}

/* The next descriptor of type (0: any) after current (NULL: after the interface descriptor), within the interface. */
static const void *find_next_associated(void *self, const void *current, uint8_t type) {
        const ioreg_usb_configuration_descriptor *c = NULL;
        const uint8_t *d, *end = NULL, *next;

        d = interface_descriptor(INTF(self), &c, &end);
        if (!d)
                return NULL;
        if (current && ((const uint8_t *) current < d || (const uint8_t *) current >= end))
                return NULL;
        next = lib_usb_next_descriptor(c, current ? current : d, type);
        return next && next < end ? next : NULL;
}

/* The next alternate setting of this interface (after current, NULL: from the first) that fits request. */
static const void *find_next_alt(void *self, const void *current, ioreg_usb_find_interface_request *request) {
        LibUsb *u = INTF(self);
        const ioreg_usb_configuration_descriptor *c = NULL;
        const uint8_t *d;

        if (!interface_descriptor(u, &c, NULL) || !c || !request)
                return NULL;
        d = current;
        while ((d = lib_usb_next_descriptor(c, d, 0x04)))
                if (d[0] >= 9 && d[2] == u->interface_number &&
                    (request->bAlternateSetting == IOREG_USB_FIND_INTERFACE_DONT_CARE ||
                     request->bAlternateSetting == d[3]) &&
                    (request->bInterfaceClass == IOREG_USB_FIND_INTERFACE_DONT_CARE || request->bInterfaceClass == d[5]) &&
                    (request->bInterfaceSubClass == IOREG_USB_FIND_INTERFACE_DONT_CARE ||
                     request->bInterfaceSubClass == d[6]) &&
                    (request->bInterfaceProtocol == IOREG_USB_FIND_INTERFACE_DONT_CARE ||
                     request->bInterfaceProtocol == d[7]))
                        return d;
        return NULL;
}

const ioreg_usb_interface_interface lib_usb_interface_table = {
        .QueryInterface = lib_usb_query_interface,
        .AddRef = lib_usb_add_ref,
        .Release = lib_usb_release,
        .CreateInterfaceAsyncEventSource = lib_usb_face_create_source,
        .GetInterfaceAsyncEventSource = lib_usb_face_get_source,
        .CreateInterfaceAsyncPort = lib_usb_face_create_source,
        .GetInterfaceAsyncPort = lib_usb_face_get_source,
        .USBInterfaceOpen = lib_usb_face_open,
        .USBInterfaceClose = lib_usb_face_close,
        .GetInterfaceClass = get_class,
        .GetInterfaceSubClass = get_subclass,
        .GetInterfaceProtocol = get_protocol,
        .GetDeviceVendor = get_vendor,
        .GetDeviceProduct = get_product,
        .GetDeviceReleaseNumber = get_release,
        .GetConfigurationValue = get_config_value,
        .GetInterfaceNumber = get_number,
        .GetAlternateSetting = get_alt,
        .GetNumEndpoints = get_num_endpoints,
        .GetLocationID = get_location_id,
        .GetDevice = get_device,
        .SetAlternateInterface = set_alt,
        .GetBusFrameNumber = unsupported_frame,
        .ControlRequest = control_request,
        .ControlRequestAsync = control_request_async,
        .GetPipeProperties = get_pipe_properties,
        .GetPipeStatus = get_pipe_status,
        .AbortPipe = abort_pipe,
        .ResetPipe = reset_pipe,
        .ClearPipeStall = clear_stall,
        .ReadPipe = read_pipe,
        .WritePipe = write_pipe,
        .ReadPipeAsync = read_pipe_async,
        .WritePipeAsync = write_pipe_async,
        .ReadIsochPipeAsync = isoch_unsupported,
        .WriteIsochPipeAsync = isoch_unsupported,
        .ControlRequestTO = control_request_to,
        .ControlRequestAsyncTO = control_request_async_to,
        .ReadPipeTO = read_pipe_to,
        .WritePipeTO = write_pipe_to,
        .ReadPipeAsyncTO = read_pipe_async_to,
        .WritePipeAsyncTO = write_pipe_async_to,
        .USBInterfaceGetStringIndex = get_string_index,
        .USBInterfaceOpenSeize = lib_usb_face_open_seize,
        .ClearPipeStallBothEnds = clear_stall_both,
        .SetPipePolicy = set_pipe_policy,
        .GetBandwidthAvailable = get_bandwidth,
        .GetEndpointProperties = get_endpoint_properties,
        .LowLatencyReadIsochPipeAsync = low_latency_unsupported,
        .LowLatencyWriteIsochPipeAsync = low_latency_unsupported,
        .LowLatencyCreateBuffer = create_buffer_unsupported,
        .LowLatencyDestroyBuffer = destroy_buffer_unsupported,
        .GetBusMicroFrameNumber = unsupported_frame,
        .GetFrameListTime = get_frame_list_time,
        .GetIOUSBLibVersion = lib_version,
        .FindNextAssociatedDescriptor = find_next_associated,
        .FindNextAltInterface = find_next_alt,
        .GetBusFrameNumberWithTime = unsupported_frame,
};

const char *const lib_usb_interface_ids[] = {
        IOREG_USB_INTERFACE_INTERFACE_ID100, IOREG_USB_INTERFACE_INTERFACE_ID182, IOREG_USB_INTERFACE_INTERFACE_ID183,
        IOREG_USB_INTERFACE_INTERFACE_ID190, IOREG_USB_INTERFACE_INTERFACE_ID192, IOREG_USB_INTERFACE_INTERFACE_ID197,
        IOREG_USB_INTERFACE_INTERFACE_ID220, IOREG_USB_INTERFACE_INTERFACE_ID245, IOREG_USB_INTERFACE_INTERFACE_ID300,
        NULL,
};
