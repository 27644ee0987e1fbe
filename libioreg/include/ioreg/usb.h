/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ioreg/usb.h: user-space USB for applications, after IOUSBLib.h (the
 * book's chapters 15-16). Two plug-ins are built into libioreg (no shared
 * object to load): ioreg_create_plugin_interface_for_service() with
 * IOREG_USB_DEVICE_USER_CLIENT_TYPE_ID on an IOUSBHostDevice (or
 * IOREG_USB_INTERFACE_USER_CLIENT_TYPE_ID on an IOUSBHostInterface) gives
 * the IOCFPlugIn object, whose QueryInterface with one of the interface IDs
 * below gives the device (interface) interface: a COM object, a pointer to
 * a pointer to a table whose functions take the object first, in the order
 * and with the names of Apple's IOUSBDeviceInterface300 and
 * IOUSBInterfaceInterface300. Every older ID answers the same table (each
 * Apple version only appends).
 *
 * What works before the open, as on macOS: the descriptor getters, the
 * location, address and speed, GetConfigurationDescriptorPtr,
 * CreateInterfaceIterator, GetPipeProperties and GetNumEndpoints (the
 * daemon serves the device's raw descriptors, sysfs `descriptors`).
 * USBDeviceOpen / USBInterfaceOpen ask ioregd (org.ioreg.USB1.Open,
 * systemd/org.ioreg.USB1.xml), which applies the exclusive-open rule and
 * the access check and hands over the device's usbfs file descriptor (the
 * interface claimed on it); I/O then goes through libusb on that fd
 * (libusb_wrap_sys_device), inside this library. Open answers
 * EXCLUSIVE_ACCESS when another application, a driver server or a bound
 * kernel driver holds the device or interface; the Seize variants detach a
 * kernel driver (not an application, not a driver server) where polkit's
 * org.ioreg.usb-device-seize allows the caller, and ioregd binds it again
 * when the hold ends. The hold ends at Close, at the last Release, or when
 * the program leaves the bus.
 *
 * Asynchronous calls complete on the object's notification port, made by
 * Create{Device,Interface}AsyncEventSource (Apple's run-loop source): the
 * callback runs in ioreg_notification_port_dispatch() (or _run, or the
 * sd-event loop the port is attached to) on the thread that dispatches it,
 * with (refcon, result, (void *) bytes transferred). The port belongs to
 * the object (do not destroy it). An asynchronous call made before the
 * port exists answers NOT_READY. A device unplugged with a transfer
 * pending completes it with NO_DEVICE; Close and the last Release complete
 * the pending ones with ABORTED.
 *
 * Returns are ioreg_return_t (ioreg/return.h); ioreg_return_to_iokit()
 * gives Apple's number. Not supported (UNSUPPORTED): isochronous and
 * low-latency transfers, frame numbers, suspend, SetPipePolicy,
 * GetBandwidthAvailable.
 *
 * Thread safety: an object may be called from several threads at once,
 * except that its Close and its last Release must not run while another
 * thread is inside a call on it (as close(2) on an fd in use). Its
 * asynchronous completions run on the thread that dispatches its port.
 */
#pragma once

#include <stdint.h>

#include <ioreg/notification.h>
#include <ioreg/object.h>
#include <ioreg/plugin.h>
#include <ioreg/return.h>

#ifdef __cplusplus
extern "C" {
#endif

/* kIOUSBDeviceUserClientTypeID, kIOUSBInterfaceUserClientTypeID: the plug-in types. */
#define IOREG_USB_DEVICE_USER_CLIENT_TYPE_ID "9DC7B780-9EC0-11D4-A54F-000A27052861"
#define IOREG_USB_INTERFACE_USER_CLIENT_TYPE_ID "2D9786C6-9EF3-11D4-AD51-000A27052861"

/* kIOUSBDeviceInterfaceID{100,...,300}: all give ioreg_usb_device_interface. */
#define IOREG_USB_DEVICE_INTERFACE_ID100 "5C8187D0-9EF3-11D4-8B45-000A27052861"
#define IOREG_USB_DEVICE_INTERFACE_ID182 "152FC496-4891-11D5-9D52-000A27801E86"
#define IOREG_USB_DEVICE_INTERFACE_ID187 "3C9EE1EB-2402-11B2-8E7E-000A27801E86"
#define IOREG_USB_DEVICE_INTERFACE_ID197 "C809B8D8-0884-11D7-BB96-0003933E3E3E"
#define IOREG_USB_DEVICE_INTERFACE_ID245 "FE2FD52F-3B5A-473B-977B-AD99001EB3ED"
#define IOREG_USB_DEVICE_INTERFACE_ID300 "396104F7-943D-4893-90F1-69BD6CF5C2EB"
/* kIOUSBInterfaceInterfaceID{100,...,300}: all give ioreg_usb_interface_interface. */
#define IOREG_USB_INTERFACE_INTERFACE_ID100 "73C97AE8-9EF3-11D4-B1D0-000A27052861"
#define IOREG_USB_INTERFACE_INTERFACE_ID182 "4923AC4C-4896-11D5-9208-000A27801E86"
#define IOREG_USB_INTERFACE_INTERFACE_ID183 "1C438356-74C4-11D5-92E6-000A27801E86"
#define IOREG_USB_INTERFACE_INTERFACE_ID190 "8FDB8455-74A6-11D6-97B1-003065D3608E"
#define IOREG_USB_INTERFACE_INTERFACE_ID192 "6C798A6E-D6E9-11D6-ADD6-0003933E3E3E"
#define IOREG_USB_INTERFACE_INTERFACE_ID197 "C63D3C92-0884-11D7-9692-0003933E3E3E"
#define IOREG_USB_INTERFACE_INTERFACE_ID220 "770DE60C-2FE8-11D8-A582-000393DCB1D0"
#define IOREG_USB_INTERFACE_INTERFACE_ID245 "64BABDD2-0F6B-4B4F-8E3E-DC36046987AD"
#define IOREG_USB_INTERFACE_INTERFACE_ID300 "BCEAADDC-884D-4F27-8340-36D69FAB90F6"

/* kIOUSBFindInterfaceDontCare: any value of a field of ioreg_usb_find_interface_request. */
#define IOREG_USB_FIND_INTERFACE_DONT_CARE 0xFFFF

/* GetPipeProperties: direction (kUSBOut, kUSBIn, kUSBNone) and transfer type (kUSBControl, ...). */
enum {
        IOREG_USB_OUT = 0,
        IOREG_USB_IN = 1,
        IOREG_USB_NONE = 2,
        IOREG_USB_ANY_DIRECTION = 3,
};
enum {
        IOREG_USB_CONTROL = 0,
        IOREG_USB_ISOC = 1,
        IOREG_USB_BULK = 2,
        IOREG_USB_INTERRUPT = 3,
        IOREG_USB_ANY_TYPE = 0xFF,
};

/* IOUSBDevRequest: a control request; pData holds wLength bytes; wLenDone is what moved. */
typedef struct ioreg_usb_dev_request {
        uint8_t bmRequestType;
        uint8_t bRequest;
        uint16_t wValue;
        uint16_t wIndex;
        uint16_t wLength;
        void *pData;
        uint32_t wLenDone;
} ioreg_usb_dev_request;

/* IOUSBDevRequestTO: the same with timeouts in milliseconds (0: none). */
typedef struct ioreg_usb_dev_request_to {
        uint8_t bmRequestType;
        uint8_t bRequest;
        uint16_t wValue;
        uint16_t wIndex;
        uint16_t wLength;
        void *pData;
        uint32_t wLenDone;
        uint32_t noDataTimeout;
        uint32_t completionTimeout;
} ioreg_usb_dev_request_to;

/* IOUSBFindInterfaceRequest: each field a value or IOREG_USB_FIND_INTERFACE_DONT_CARE. */
typedef struct ioreg_usb_find_interface_request {
        uint16_t bInterfaceClass;
        uint16_t bInterfaceSubClass;
        uint16_t bInterfaceProtocol;
        uint16_t bAlternateSetting;
} ioreg_usb_find_interface_request;

/* IOUSBConfigurationDescriptor, as the device sends it (wTotalLength little-endian). */
typedef struct __attribute__((packed)) ioreg_usb_configuration_descriptor {
        uint8_t bLength;
        uint8_t bDescriptorType;
        uint16_t wTotalLength;
        uint8_t bNumInterfaces;
        uint8_t bConfigurationValue;
        uint8_t iConfiguration;
        uint8_t bmAttributes;
        uint8_t MaxPower;
} ioreg_usb_configuration_descriptor;

/* IOAsyncCallback1: arg0 is the number of bytes transferred (a uintptr_t in a pointer). */
typedef void (*ioreg_async_callback1)(void *refcon, ioreg_return_t result, void *arg0);

/* IOUSBDeviceInterface300 (IOUSBDeviceStruct300), in Apple's order. */
typedef struct ioreg_usb_device_interface {
        IOREG_IUNKNOWN_C_GUTS;
        /* 100 */
        ioreg_return_t (*CreateDeviceAsyncEventSource)(void *self, ioreg_notification_port_t *source);
        ioreg_notification_port_t (*GetDeviceAsyncEventSource)(void *self);
        ioreg_return_t (*CreateDeviceAsyncPort)(void *self, ioreg_notification_port_t *port);
        ioreg_notification_port_t (*GetDeviceAsyncPort)(void *self);
        ioreg_return_t (*USBDeviceOpen)(void *self);
        ioreg_return_t (*USBDeviceClose)(void *self);
        ioreg_return_t (*GetDeviceClass)(void *self, uint8_t *devClass);
        ioreg_return_t (*GetDeviceSubClass)(void *self, uint8_t *devSubClass);
        ioreg_return_t (*GetDeviceProtocol)(void *self, uint8_t *devProtocol);
        ioreg_return_t (*GetDeviceVendor)(void *self, uint16_t *devVendor);
        ioreg_return_t (*GetDeviceProduct)(void *self, uint16_t *devProduct);
        ioreg_return_t (*GetDeviceReleaseNumber)(void *self, uint16_t *devRelNum);
        ioreg_return_t (*GetDeviceAddress)(void *self, uint16_t *addr);
        ioreg_return_t (*GetDeviceBusPowerAvailable)(void *self, uint32_t *powerAvailable);
        ioreg_return_t (*GetDeviceSpeed)(void *self, uint8_t *devSpeed);
        ioreg_return_t (*GetNumberOfConfigurations)(void *self, uint8_t *numConfig);
        ioreg_return_t (*GetLocationID)(void *self, uint32_t *locationID);
        ioreg_return_t (*GetConfigurationDescriptorPtr)(void *self, uint8_t configIndex,
                                                        ioreg_usb_configuration_descriptor **desc);
        ioreg_return_t (*GetConfiguration)(void *self, uint8_t *configNum);
        ioreg_return_t (*SetConfiguration)(void *self, uint8_t configNum);
        ioreg_return_t (*GetBusFrameNumber)(void *self, uint64_t *frame, uint64_t *atTime);
        ioreg_return_t (*ResetDevice)(void *self);
        ioreg_return_t (*DeviceRequest)(void *self, ioreg_usb_dev_request *req);
        ioreg_return_t (*DeviceRequestAsync)(void *self, ioreg_usb_dev_request *req, ioreg_async_callback1 callback,
                                             void *refCon);
        ioreg_return_t (*CreateInterfaceIterator)(void *self, ioreg_usb_find_interface_request *req,
                                                  ioreg_iterator_t *iter);
        /* 182 */
        ioreg_return_t (*USBDeviceOpenSeize)(void *self);
        ioreg_return_t (*DeviceRequestTO)(void *self, ioreg_usb_dev_request_to *req);
        ioreg_return_t (*DeviceRequestAsyncTO)(void *self, ioreg_usb_dev_request_to *req,
                                               ioreg_async_callback1 callback, void *refCon);
        ioreg_return_t (*USBDeviceSuspend)(void *self, uint8_t suspend);
        ioreg_return_t (*USBDeviceAbortPipeZero)(void *self);
        ioreg_return_t (*USBGetManufacturerStringIndex)(void *self, uint8_t *msi);
        ioreg_return_t (*USBGetProductStringIndex)(void *self, uint8_t *psi);
        ioreg_return_t (*USBGetSerialNumberStringIndex)(void *self, uint8_t *snsi);
        /* 187 */
        ioreg_return_t (*USBDeviceReEnumerate)(void *self, uint32_t options);
        /* 197 */
        ioreg_return_t (*GetBusMicroFrameNumber)(void *self, uint64_t *microFrame, uint64_t *atTime);
        ioreg_return_t (*GetIOUSBLibVersion)(void *self, uint32_t *ioUSBLibVersion, uint32_t *usbFamilyVersion);
        /* 300 */
        ioreg_return_t (*GetBusFrameNumberWithTime)(void *self, uint64_t *frame, uint64_t *atTime);
} ioreg_usb_device_interface;

/* IOUSBInterfaceInterface300 (IOUSBInterfaceStruct300), in Apple's order. Pipe 0 is the control pipe. */
typedef struct ioreg_usb_interface_interface {
        IOREG_IUNKNOWN_C_GUTS;
        /* 100 */
        ioreg_return_t (*CreateInterfaceAsyncEventSource)(void *self, ioreg_notification_port_t *source);
        ioreg_notification_port_t (*GetInterfaceAsyncEventSource)(void *self);
        ioreg_return_t (*CreateInterfaceAsyncPort)(void *self, ioreg_notification_port_t *port);
        ioreg_notification_port_t (*GetInterfaceAsyncPort)(void *self);
        ioreg_return_t (*USBInterfaceOpen)(void *self);
        ioreg_return_t (*USBInterfaceClose)(void *self);
        ioreg_return_t (*GetInterfaceClass)(void *self, uint8_t *intfClass);
        ioreg_return_t (*GetInterfaceSubClass)(void *self, uint8_t *intfSubClass);
        ioreg_return_t (*GetInterfaceProtocol)(void *self, uint8_t *intfProtocol);
        ioreg_return_t (*GetDeviceVendor)(void *self, uint16_t *devVendor);
        ioreg_return_t (*GetDeviceProduct)(void *self, uint16_t *devProduct);
        ioreg_return_t (*GetDeviceReleaseNumber)(void *self, uint16_t *devRelNum);
        ioreg_return_t (*GetConfigurationValue)(void *self, uint8_t *configVal);
        ioreg_return_t (*GetInterfaceNumber)(void *self, uint8_t *intfNumber);
        ioreg_return_t (*GetAlternateSetting)(void *self, uint8_t *intfAltSetting);
        ioreg_return_t (*GetNumEndpoints)(void *self, uint8_t *intfNumEndpoints);
        ioreg_return_t (*GetLocationID)(void *self, uint32_t *locationID);
        ioreg_return_t (*GetDevice)(void *self, ioreg_service_t *device);
        ioreg_return_t (*SetAlternateInterface)(void *self, uint8_t alternateSetting);
        ioreg_return_t (*GetBusFrameNumber)(void *self, uint64_t *frame, uint64_t *atTime);
        ioreg_return_t (*ControlRequest)(void *self, uint8_t pipeRef, ioreg_usb_dev_request *req);
        ioreg_return_t (*ControlRequestAsync)(void *self, uint8_t pipeRef, ioreg_usb_dev_request *req,
                                              ioreg_async_callback1 callback, void *refCon);
        ioreg_return_t (*GetPipeProperties)(void *self, uint8_t pipeRef, uint8_t *direction, uint8_t *number,
                                            uint8_t *transferType, uint16_t *maxPacketSize, uint8_t *interval);
        ioreg_return_t (*GetPipeStatus)(void *self, uint8_t pipeRef);
        ioreg_return_t (*AbortPipe)(void *self, uint8_t pipeRef);
        ioreg_return_t (*ResetPipe)(void *self, uint8_t pipeRef);
        ioreg_return_t (*ClearPipeStall)(void *self, uint8_t pipeRef);
        ioreg_return_t (*ReadPipe)(void *self, uint8_t pipeRef, void *buf, uint32_t *size);
        ioreg_return_t (*WritePipe)(void *self, uint8_t pipeRef, void *buf, uint32_t size);
        ioreg_return_t (*ReadPipeAsync)(void *self, uint8_t pipeRef, void *buf, uint32_t size,
                                        ioreg_async_callback1 callback, void *refcon);
        ioreg_return_t (*WritePipeAsync)(void *self, uint8_t pipeRef, void *buf, uint32_t size,
                                         ioreg_async_callback1 callback, void *refcon);
        ioreg_return_t (*ReadIsochPipeAsync)(void *self, uint8_t pipeRef, void *buf, uint64_t frameStart,
                                             uint32_t numFrames, void *frameList, ioreg_async_callback1 callback,
                                             void *refcon);
        ioreg_return_t (*WriteIsochPipeAsync)(void *self, uint8_t pipeRef, void *buf, uint64_t frameStart,
                                              uint32_t numFrames, void *frameList, ioreg_async_callback1 callback,
                                              void *refcon);
        /* 182 */
        ioreg_return_t (*ControlRequestTO)(void *self, uint8_t pipeRef, ioreg_usb_dev_request_to *req);
        ioreg_return_t (*ControlRequestAsyncTO)(void *self, uint8_t pipeRef, ioreg_usb_dev_request_to *req,
                                                ioreg_async_callback1 callback, void *refCon);
        ioreg_return_t (*ReadPipeTO)(void *self, uint8_t pipeRef, void *buf, uint32_t *size, uint32_t noDataTimeout,
                                     uint32_t completionTimeout);
        ioreg_return_t (*WritePipeTO)(void *self, uint8_t pipeRef, void *buf, uint32_t size, uint32_t noDataTimeout,
                                      uint32_t completionTimeout);
        ioreg_return_t (*ReadPipeAsyncTO)(void *self, uint8_t pipeRef, void *buf, uint32_t size,
                                          uint32_t noDataTimeout, uint32_t completionTimeout,
                                          ioreg_async_callback1 callback, void *refcon);
        ioreg_return_t (*WritePipeAsyncTO)(void *self, uint8_t pipeRef, void *buf, uint32_t size,
                                           uint32_t noDataTimeout, uint32_t completionTimeout,
                                           ioreg_async_callback1 callback, void *refcon);
        ioreg_return_t (*USBInterfaceGetStringIndex)(void *self, uint8_t *si);
        /* 183 */
        ioreg_return_t (*USBInterfaceOpenSeize)(void *self);
        /* 190 */
        ioreg_return_t (*ClearPipeStallBothEnds)(void *self, uint8_t pipeRef);
        ioreg_return_t (*SetPipePolicy)(void *self, uint8_t pipeRef, uint16_t maxPacketSize, uint8_t maxInterval);
        ioreg_return_t (*GetBandwidthAvailable)(void *self, uint32_t *bandwidth);
        ioreg_return_t (*GetEndpointProperties)(void *self, uint8_t alternateSetting, uint8_t endpointNumber,
                                                uint8_t direction, uint8_t *transferType, uint16_t *maxPacketSize,
                                                uint8_t *interval);
        /* 192 */
        ioreg_return_t (*LowLatencyReadIsochPipeAsync)(void *self, uint8_t pipeRef, void *buf, uint64_t frameStart,
                                                       uint32_t numFrames, uint32_t updateFrequency, void *frameList,
                                                       ioreg_async_callback1 callback, void *refcon);
        ioreg_return_t (*LowLatencyWriteIsochPipeAsync)(void *self, uint8_t pipeRef, void *buf, uint64_t frameStart,
                                                        uint32_t numFrames, uint32_t updateFrequency, void *frameList,
                                                        ioreg_async_callback1 callback, void *refcon);
        ioreg_return_t (*LowLatencyCreateBuffer)(void *self, void **buffer, uint64_t size, uint32_t bufferType);
        ioreg_return_t (*LowLatencyDestroyBuffer)(void *self, void *buffer);
        /* 197 */
        ioreg_return_t (*GetBusMicroFrameNumber)(void *self, uint64_t *microFrame, uint64_t *atTime);
        ioreg_return_t (*GetFrameListTime)(void *self, uint32_t *microsecondsInFrame);
        ioreg_return_t (*GetIOUSBLibVersion)(void *self, uint32_t *ioUSBLibVersion, uint32_t *usbFamilyVersion);
        /* 220 */
        const void *(*FindNextAssociatedDescriptor)(void *self, const void *currentDescriptor, uint8_t descriptorType);
        const void *(*FindNextAltInterface)(void *self, const void *current,
                                            ioreg_usb_find_interface_request *request);
        /* 300 */
        ioreg_return_t (*GetBusFrameNumberWithTime)(void *self, uint64_t *frame, uint64_t *atTime);
} ioreg_usb_interface_interface;

#ifdef __cplusplus
}
#endif
