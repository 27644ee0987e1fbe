/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * usb-device.c: IOUSBDeviceInterface300 (ioreg/usb.h). The descriptor
 * getters read the device descriptor ioregd served; the address, speed
 * and location are the registry's properties (USB Address, Device Speed,
 * locationID); requests go through usb-io.c.
 */

#include <linux/usbdevice_fs.h>
#include <sys/ioctl.h>
#include <stdlib.h>

#include "ioreg/registry.h"
#include "ioreg/service.h"
#include "ioreg/value.h"
#include "usb-internal.h"

#define DEVICE(self) lib_usb_from_face(self)

/* Byte i of the device descriptor. */
static ioreg_return_t desc_u8(void *self, unsigned i, uint8_t *ret) {
        LibUsb *u = DEVICE(self);

        OUT_CHECK(ret);
        if (!u->descriptors)
                return IOREG_RETURN_NOT_READY;
        *ret = u->descriptors[i];
        return IOREG_RETURN_SUCCESS;
}

static ioreg_return_t desc_u16(void *self, unsigned i, uint16_t *ret) {
        LibUsb *u = DEVICE(self);

        OUT_CHECK(ret);
        if (!u->descriptors)
                return IOREG_RETURN_NOT_READY;
        *ret = (uint16_t) (u->descriptors[i] | u->descriptors[i + 1] << 8);
        return IOREG_RETURN_SUCCESS;
}

static ioreg_return_t get_class(void *self, uint8_t *v) {
        return desc_u8(self, 4, v);
}
static ioreg_return_t get_subclass(void *self, uint8_t *v) {
        return desc_u8(self, 5, v);
}
static ioreg_return_t get_protocol(void *self, uint8_t *v) {
        return desc_u8(self, 6, v);
}
static ioreg_return_t get_vendor(void *self, uint16_t *v) {
        return desc_u16(self, 8, v);
}
static ioreg_return_t get_product(void *self, uint16_t *v) {
        return desc_u16(self, 10, v);
}
static ioreg_return_t get_release(void *self, uint16_t *v) {
        return desc_u16(self, 12, v);
}
static ioreg_return_t get_manufacturer_index(void *self, uint8_t *v) {
        return desc_u8(self, 14, v);
}
static ioreg_return_t get_product_index(void *self, uint8_t *v) {
        return desc_u8(self, 15, v);
}
static ioreg_return_t get_serial_index(void *self, uint8_t *v) {
        return desc_u8(self, 16, v);
}
static ioreg_return_t get_num_configurations(void *self, uint8_t *v) {
        return desc_u8(self, 17, v);
}

/* A property the family published (its width checked). */
static ioreg_return_t property_u32(void *self, const char *key, uint32_t *ret) {
        OUT_CHECK(ret);
        return ioreg_json_get_u32(json_object_get(DEVICE(self)->properties, key), ret) == IOREG_RETURN_SUCCESS
                       ? IOREG_RETURN_SUCCESS
                       : IOREG_RETURN_NOT_FOUND;
}

static ioreg_return_t get_address(void *self, uint16_t *addr) {
        uint32_t v = 0;
        ioreg_return_t r = property_u32(self, "USB Address", &v);

        if (r == IOREG_RETURN_SUCCESS)
                *addr = (uint16_t) v;
        return r;
}

static ioreg_return_t get_speed(void *self, uint8_t *speed) {
        uint32_t v = 0;
        ioreg_return_t r = property_u32(self, "Device Speed", &v);

        if (r == IOREG_RETURN_SUCCESS)
                *speed = (uint8_t) v;
        return r;
}

static ioreg_return_t get_location_id(void *self, uint32_t *location) {
        return property_u32(self, "locationID", location);
}

/* In 2 mA units, what the port gives (Linux does not say): 500 mA, 900 mA from SuperSpeed on. */
static ioreg_return_t get_bus_power(void *self, uint32_t *power) {
        OUT_CHECK(power);
        *power = lib_usb_property(DEVICE(self), "Device Speed") >= 3 ? 450 : 250;
        return IOREG_RETURN_SUCCESS;
}

static ioreg_return_t get_config_ptr(void *self, uint8_t index, ioreg_usb_configuration_descriptor **desc) {
        const ioreg_usb_configuration_descriptor *c;

        OUT_CHECK(desc);
        c = lib_usb_config(DEVICE(self), index);
        if (!c)
                return IOREG_RETURN_BAD_ARGUMENT; /* Apple's answer for an index past bNumConfigurations */
        *desc = (ioreg_usb_configuration_descriptor *) c; /* the object's: valid while it lives */
        return IOREG_RETURN_SUCCESS;
}

static ioreg_return_t get_configuration(void *self, uint8_t *value) {
        LibUsb *u = DEVICE(self);
        uint8_t v = 0;
        uint32_t done = 0;

        OUT_CHECK(value);
        /* Open: ask the device (GET_CONFIGURATION); else what the kernel had at the last uevent. */
        if (u->open && lib_usb_control(u, 0x80, 0x08, 0, 0, &v, 1, LIB_USB_CONTROL_TIMEOUT_MS, &done) ==
                               IOREG_RETURN_SUCCESS && done == 1) {
                *value = v;
                return IOREG_RETURN_SUCCESS;
        }
        *value = (uint8_t) lib_usb_property(u, "kUSBCurrentConfiguration");
        return IOREG_RETURN_SUCCESS;
}

static ioreg_return_t set_configuration(void *self, uint8_t value) {
        unsigned int v = value;

        return lib_usb_ioctl(DEVICE(self), USBDEVFS_SETCONFIGURATION, &v);
}

static ioreg_return_t unsupported_frame(void *self, uint64_t *frame, uint64_t *at) {
        return IOREG_RETURN_UNSUPPORTED;
}

static ioreg_return_t reset_device(void *self) {
        return lib_usb_ioctl(DEVICE(self), USBDEVFS_RESET, NULL);
}

/* Linux has no re-enumeration an unprivileged holder may ask for: a port reset, as ResetDevice. */
static ioreg_return_t re_enumerate(void *self, uint32_t options) {
        return reset_device(self);
}

static ioreg_return_t device_request(void *self, ioreg_usb_dev_request *req) {
        OUT_CHECK(req);
        req->wLenDone = 0;
        return lib_usb_control(DEVICE(self), req->bmRequestType, req->bRequest, req->wValue, req->wIndex, req->pData,
                               req->wLength, LIB_USB_CONTROL_TIMEOUT_MS, &req->wLenDone);
}

/* completionTimeout bounds the whole request; noDataTimeout is the nearest Linux has when it is 0. */
static uint32_t timeout_of(uint32_t no_data, uint32_t completion) {
        return completion ? completion : no_data;
}

static ioreg_return_t device_request_to(void *self, ioreg_usb_dev_request_to *req) {
        OUT_CHECK(req);
        req->wLenDone = 0;
        return lib_usb_control(DEVICE(self), req->bmRequestType, req->bRequest, req->wValue, req->wIndex, req->pData,
                               req->wLength, timeout_of(req->noDataTimeout, req->completionTimeout), &req->wLenDone);
}

static ioreg_return_t device_request_async(void *self, ioreg_usb_dev_request *req, ioreg_async_callback1 callback,
                                           void *refcon) {
        return lib_usb_submit(DEVICE(self), 0, req, NULL, 0, LIB_USB_CONTROL_TIMEOUT_MS, callback, refcon);
}

static ioreg_return_t device_request_async_to(void *self, ioreg_usb_dev_request_to *req,
                                              ioreg_async_callback1 callback, void *refcon) {
        OUT_CHECK(req);
        /* The two layouts agree up to wLenDone, the part lib_usb_submit reads and writes. */
        return lib_usb_submit(DEVICE(self), 0, (ioreg_usb_dev_request *) req, NULL, 0,
                              timeout_of(req->noDataTimeout, req->completionTimeout), callback, refcon);
}

static ioreg_return_t abort_pipe_zero(void *self) {
        return lib_usb_abort(DEVICE(self), 0);
}

static ioreg_return_t device_suspend(void *self, uint8_t suspend) {
        return IOREG_RETURN_UNSUPPORTED;
}

static ioreg_return_t lib_version(void *self, uint32_t *lib, uint32_t *family) {
        if (lib)
                *lib = LIB_USB_VERSION;
        if (family)
                *family = LIB_USB_VERSION;
        return IOREG_RETURN_SUCCESS;
}

static bool field_matches(uint16_t want, uint64_t have) {
        return want == IOREG_USB_FIND_INTERFACE_DONT_CARE || want == have;
}

static int compare_u64(const void *a, const void *b) {
        uint64_t x = *(const uint64_t *) a, y = *(const uint64_t *) b;

        return x < y ? -1 : x > y;
}

/*
 * The device's interfaces that fit req, by bInterfaceNumber then
 * bAlternateSetting: the IOUSBHostInterface entries with the device's
 * locationID (an interface repeats it, and no two devices share one).
 */
static ioreg_return_t create_interface_iterator(void *self, ioreg_usb_find_interface_request *req,
                                                ioreg_iterator_t *iter) {
        LibUsb *u = DEVICE(self);
        json_t *matching, *location; /* matching: ours until the call consumes it */
        ioreg_iterator_t all = NULL;
        ioreg_object_t o;
        uint64_t *keys = NULL; /* (number << 40 | alt << 32) then the index into ids */
        uint64_t *ids = NULL;
        unsigned n = 0, cap = 0;
        LibIterator *it;
        ioreg_return_t r;

        OUT_CHECK(req && iter);
        location = json_object_get(u->properties, "locationID");
        if (!location)
                return IOREG_RETURN_NOT_FOUND;
        matching = ioreg_service_matching("IOUSBHostInterface");
        if (!matching || json_object_set(matching, "locationID", location) < 0) {
                json_decref(matching);
                return IOREG_RETURN_NO_MEMORY;
        }
        r = ioreg_service_get_matching_services(matching, &all);
        if (r != IOREG_RETURN_SUCCESS)
                return r;
        while ((o = ioreg_iterator_next(all))) {
                json_t *p = NULL;
                uint64_t number = 0, alt = 0, cls = 0, sub = 0, proto = 0;

                /* The matcher's USB rule scores the USB keys only: the location is checked here. */
                if (ioreg_registry_entry_create_properties(o, &p, 0) == IOREG_RETURN_SUCCESS &&
                    json_equal(json_object_get(p, "locationID"), location)) {
                        (void) ioreg_json_get_u64(json_object_get(p, "bInterfaceNumber"), &number);
                        (void) ioreg_json_get_u64(json_object_get(p, "bAlternateSetting"), &alt);
                        (void) ioreg_json_get_u64(json_object_get(p, "bInterfaceClass"), &cls);
                        (void) ioreg_json_get_u64(json_object_get(p, "bInterfaceSubClass"), &sub);
                        (void) ioreg_json_get_u64(json_object_get(p, "bInterfaceProtocol"), &proto);
                        if (field_matches(req->bInterfaceClass, cls) && field_matches(req->bInterfaceSubClass, sub) &&
                            field_matches(req->bInterfaceProtocol, proto) &&
                            field_matches(req->bAlternateSetting, alt) &&
                            GROW(ids, cap, n + 1) >= 0) {
                                uint64_t *k = realloc(keys, (n + 1) * sizeof(*keys));

                                if (k) {
                                        keys = k;
                                        ids[n] = lib_entry_cast(o)->id;
                                        keys[n] = (number & 0xff) << 40 | (alt & 0xff) << 32 | n;
                                        n++;
                                }
                        }
                }
                json_decref(p);
                (void) ioreg_object_release(o);
        }
        (void) ioreg_object_release(all);
        /* In interface order, as IOUSBLib's iterator gives them. */
        if (n > 0) {
                uint64_t *sorted = malloc(n * sizeof(*sorted));

                if (!sorted) {
                        free(keys);
                        free(ids);
                        return IOREG_RETURN_NO_MEMORY;
                }
                qsort(keys, n, sizeof(*keys), compare_u64);
                for (size_t i = 0; i < n; i++)
                        sorted[i] = ids[keys[i] & 0xffffffffu];
                free(ids);
                ids = sorted;
        }
        free(keys);
        it = lib_iterator_new(ids, n, atomic_load(&lib_entry_cast(u->service)->run));
        if (!it)
                return IOREG_RETURN_NO_MEMORY;
        *iter = &it->base;
        return IOREG_RETURN_SUCCESS;
}

const ioreg_usb_device_interface lib_usb_device_table = {
        .QueryInterface = lib_usb_query_interface,
        .AddRef = lib_usb_add_ref,
        .Release = lib_usb_release,
        .CreateDeviceAsyncEventSource = lib_usb_face_create_source,
        .GetDeviceAsyncEventSource = lib_usb_face_get_source,
        .CreateDeviceAsyncPort = lib_usb_face_create_source,
        .GetDeviceAsyncPort = lib_usb_face_get_source,
        .USBDeviceOpen = lib_usb_face_open,
        .USBDeviceClose = lib_usb_face_close,
        .GetDeviceClass = get_class,
        .GetDeviceSubClass = get_subclass,
        .GetDeviceProtocol = get_protocol,
        .GetDeviceVendor = get_vendor,
        .GetDeviceProduct = get_product,
        .GetDeviceReleaseNumber = get_release,
        .GetDeviceAddress = get_address,
        .GetDeviceBusPowerAvailable = get_bus_power,
        .GetDeviceSpeed = get_speed,
        .GetNumberOfConfigurations = get_num_configurations,
        .GetLocationID = get_location_id,
        .GetConfigurationDescriptorPtr = get_config_ptr,
        .GetConfiguration = get_configuration,
        .SetConfiguration = set_configuration,
        .GetBusFrameNumber = unsupported_frame,
        .ResetDevice = reset_device,
        .DeviceRequest = device_request,
        .DeviceRequestAsync = device_request_async,
        .CreateInterfaceIterator = create_interface_iterator,
        .USBDeviceOpenSeize = lib_usb_face_open_seize,
        .DeviceRequestTO = device_request_to,
        .DeviceRequestAsyncTO = device_request_async_to,
        .USBDeviceSuspend = device_suspend,
        .USBDeviceAbortPipeZero = abort_pipe_zero,
        .USBGetManufacturerStringIndex = get_manufacturer_index,
        .USBGetProductStringIndex = get_product_index,
        .USBGetSerialNumberStringIndex = get_serial_index,
        .USBDeviceReEnumerate = re_enumerate,
        .GetBusMicroFrameNumber = unsupported_frame,
        .GetIOUSBLibVersion = lib_version,
        .GetBusFrameNumberWithTime = unsupported_frame,
};

const char *const lib_usb_device_ids[] = {
        IOREG_USB_DEVICE_INTERFACE_ID100, IOREG_USB_DEVICE_INTERFACE_ID182, IOREG_USB_DEVICE_INTERFACE_ID187,
        IOREG_USB_DEVICE_INTERFACE_ID197, IOREG_USB_DEVICE_INTERFACE_ID245, IOREG_USB_DEVICE_INTERFACE_ID300,
        NULL,
};
