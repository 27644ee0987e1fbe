/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ioreg/iokit-compat.h: porting aid for programs written against macOS
 * IOKit. Apple's IOReturn numbers (0xe00002xx, from IOReturn.h) and the
 * property and matching key names of IOKitKeys.h, IOBSD.h, IOSerialKeys.h,
 * IOHIDKeys.h and the USB family headers, spelled as Apple spells them, so
 * that a port keeps its CFSTR(kUSBVendorID)-style lookups as
 * ioreg_registry_entry_create_property(service, kUSBVendorID, 0).
 *
 * Not included by ioreg/ioreg.h: the k* names would clash with a
 * program's own copies of them. Include it where a port wants them.
 *
 * libioreg's calls return ioreg_return_t, whose numbers are libioreg's own;
 * ioreg_return_to_iokit() gives Apple's number for printing or comparing
 * against the kIOReturn* values below, ioreg_return_from_iokit() the way back.
 */
#pragma once

#include <stdint.h>

#include <ioreg/return.h>
#include <ioreg/usb.h>

#ifdef __cplusplus
extern "C" {
#endif

/* IOReturn.h: iokit_common_err(code) = 0xe0000000 | code (sys_iokit | sub_iokit_common). */
#define kIOReturnSuccess 0u
#define kIOReturnError 0xe00002bcu           /* general error */
#define kIOReturnNoMemory 0xe00002bdu        /* can't allocate memory */
#define kIOReturnNoResources 0xe00002beu     /* resource shortage */
#define kIOReturnIPCError 0xe00002bfu        /* error during IPC */
#define kIOReturnNoDevice 0xe00002c0u        /* no such device */
#define kIOReturnNotPrivileged 0xe00002c1u   /* privilege violation */
#define kIOReturnBadArgument 0xe00002c2u     /* invalid argument */
#define kIOReturnExclusiveAccess 0xe00002c5u /* exclusive access and device already open */
#define kIOReturnUnsupported 0xe00002c7u     /* unsupported function */
#define kIOReturnNotOpen 0xe00002cdu         /* device not open */
#define kIOReturnBusy 0xe00002d5u            /* device busy */
#define kIOReturnTimeout 0xe00002d6u         /* I/O timeout */
#define kIOReturnNotReady 0xe00002d8u        /* not ready */
#define kIOReturnNotPermitted 0xe00002e2u    /* not permitted */
#define kIOReturnOverrun 0xe00002e8u         /* data overrun */
#define kIOReturnAborted 0xe00002ebu         /* operation aborted */
#define kIOReturnNotFound 0xe00002f0u        /* data was not found */
#define kIOReturnNotResponding 0xe00002edu   /* device not responding */
/* IOUSBLib's own (iokit_usb_err, sub_iokit_usb): a stalled endpoint. */
#define kIOUSBPipeStalled 0xe000404fu

/*
 * Apple's number for r (kIOReturnSuccess for IOREG_RETURN_SUCCESS);
 * kIOReturnError for a code libioreg does not define.
 */
uint32_t ioreg_return_to_iokit(ioreg_return_t r);
/*
 * libioreg's code for Apple's number; IOREG_RETURN_ERROR for an IOReturn
 * libioreg has no code of its own for (kIOReturnNotResponding, ...).
 */
ioreg_return_t ioreg_return_from_iokit(uint32_t iokit_return);

/* IOKitKeys.h: matching dictionaries and driver personalities. */
#define kIOProviderClassKey "IOProviderClass"
#define kIONameMatchKey "IONameMatch"
#define kIONameMatchedKey "IONameMatched"
#define kIOPropertyMatchKey "IOPropertyMatch"
#define kIOPropertyExistsMatchKey "IOPropertyExistsMatch"
#define kIOPathMatchKey "IOPathMatch"
#define kIOLocationMatchKey "IOLocationMatch"
#define kIOParentMatchKey "IOParentMatch"
#define kIOResourceMatchKey "IOResourceMatch"
#define kIOMatchedServiceCountKey "IOMatchedServiceCountMatch"
#define kIOMatchCategoryKey "IOMatchCategory"
#define kIODefaultMatchCategoryKey "IODefaultMatchCategory"
#define kIOProbeScoreKey "IOProbeScore"
#define kIOClassKey "IOClass"
#define kIOUserClientClassKey "IOUserClientClass"
#define kIORegistryEntryIDKey "IORegistryEntryID"
#define kIOKitDebugKey "IOKitDebug"
/* Planes and notification types. */
#define kIOServicePlane "IOService"
#define kIOPowerPlane "IOPower"
#define kIODeviceTreePlane "IODeviceTree"
#define kIOUSBPlane "IOUSB"
#define kIOPublishNotification "IOServicePublish"
#define kIOFirstPublishNotification "IOServiceFirstPublish"
#define kIOMatchedNotification "IOServiceMatched"
#define kIOFirstMatchNotification "IOServiceFirstMatch"
#define kIOTerminatedNotification "IOServiceTerminate"
#define kIOGeneralInterest "IOGeneralInterest"

/* IOBSD.h. */
#define kIOBSDNameKey "BSD Name"
#define kIOBSDNamesKey "BSD Names"
#define kIOBSDMajorKey "BSD Major"
#define kIOBSDMinorKey "BSD Minor"
#define kIOBSDUnitKey "BSD Unit"

/* IOSerialKeys.h. */
#define kIOSerialBSDServiceValue "IOSerialBSDClient"
#define kIOSerialBSDTypeKey "IOSerialBSDClientType"
#define kIOSerialBSDAllTypes "IOSerialStream"
#define kIOSerialBSDModemType "IOModemSerialStream"
#define kIOSerialBSDRS232Type "IORS232SerialStream"
#define kIOTTYDeviceKey "IOTTYDevice"
#define kIOTTYBaseNameKey "IOTTYBaseName"
#define kIOTTYSuffixKey "IOTTYSuffix"
#define kIOCalloutDeviceKey "IOCalloutDevice"
#define kIODialinDeviceKey "IODialinDevice"

/* IOHIDKeys.h. */
#define kIOHIDDeviceKey "IOHIDDevice"
#define kIOHIDTransportKey "Transport"
#define kIOHIDVendorIDKey "VendorID"
#define kIOHIDVendorIDSourceKey "VendorIDSource"
#define kIOHIDProductIDKey "ProductID"
#define kIOHIDVersionNumberKey "VersionNumber"
#define kIOHIDManufacturerKey "Manufacturer"
#define kIOHIDProductKey "Product"
#define kIOHIDSerialNumberKey "SerialNumber"
#define kIOHIDCountryCodeKey "CountryCode"
#define kIOHIDLocationIDKey "LocationID"
#define kIOHIDDeviceUsageKey "DeviceUsage"
#define kIOHIDDeviceUsagePageKey "DeviceUsagePage"
#define kIOHIDDeviceUsagePairsKey "DeviceUsagePairs"
#define kIOHIDPrimaryUsageKey "PrimaryUsage"
#define kIOHIDPrimaryUsagePageKey "PrimaryUsagePage"
#define kIOHIDMaxInputReportSizeKey "MaxInputReportSize"
#define kIOHIDMaxOutputReportSizeKey "MaxOutputReportSize"
#define kIOHIDMaxFeatureReportSizeKey "MaxFeatureReportSize"
#define kIOHIDReportDescriptorKey "ReportDescriptor"

/* USB (USBSpec.h, IOUSBLib.h, IOUSBHostFamily): class names and device/interface keys. */
#define kIOUSBDeviceClassName "IOUSBDevice"
#define kIOUSBInterfaceClassName "IOUSBInterface"
#define kIOUSBHostDeviceClassName "IOUSBHostDevice"
#define kIOUSBHostInterfaceClassName "IOUSBHostInterface"
#define kUSBDeviceClass "bDeviceClass"
#define kUSBDeviceSubClass "bDeviceSubClass"
#define kUSBDeviceProtocol "bDeviceProtocol"
#define kUSBDeviceMaxPacketSize "bMaxPacketSize0"
#define kUSBVendorID "idVendor"
#define kUSBProductID "idProduct"
#define kUSBDeviceReleaseNumber "bcdDevice"
#define kUSBManufacturerStringIndex "iManufacturer"
#define kUSBProductStringIndex "iProduct"
#define kUSBSerialNumberStringIndex "iSerialNumber"
#define kUSBDeviceNumConfigs "bNumConfigurations"
#define kUSBInterfaceNumber "bInterfaceNumber"
#define kUSBAlternateSetting "bAlternateSetting"
#define kUSBNumEndpoints "bNumEndpoints"
#define kUSBInterfaceClass "bInterfaceClass"
#define kUSBInterfaceSubClass "bInterfaceSubClass"
#define kUSBInterfaceProtocol "bInterfaceProtocol"
#define kUSBInterfaceStringIndex "iInterface"
#define kUSBConfigurationValue "bConfigurationValue"
#define kUSBVendorString "USB Vendor Name"
#define kUSBProductString "USB Product Name"
#define kUSBSerialNumberString "USB Serial Number"
#define kUSBDevicePropertySpeed "Device Speed"
#define kUSBDevicePropertyBusPowerAvailable "Bus Power Available"
#define kUSBDevicePropertyAddress "USB Address"
#define kUSBDevicePropertyLocationID "locationID"

/* IOUSBLib.h (ioreg/usb.h): the plug-in types and the interface IDs as strings, the request types. */
#define kIOUSBDeviceUserClientTypeID IOREG_USB_DEVICE_USER_CLIENT_TYPE_ID
#define kIOUSBInterfaceUserClientTypeID IOREG_USB_INTERFACE_USER_CLIENT_TYPE_ID
#define kIOUSBDeviceInterfaceID300 IOREG_USB_DEVICE_INTERFACE_ID300
#define kIOUSBInterfaceInterfaceID300 IOREG_USB_INTERFACE_INTERFACE_ID300
#define kIOCFPlugInInterfaceID IOREG_CF_PLUGIN_INTERFACE_ID
#define kIOUSBFindInterfaceDontCare IOREG_USB_FIND_INTERFACE_DONT_CARE
typedef ioreg_usb_dev_request IOUSBDevRequest;
typedef ioreg_usb_dev_request_to IOUSBDevRequestTO;
typedef ioreg_usb_find_interface_request IOUSBFindInterfaceRequest;
typedef ioreg_usb_configuration_descriptor IOUSBConfigurationDescriptor;
typedef ioreg_usb_device_interface IOUSBDeviceInterface300;
typedef ioreg_usb_interface_interface IOUSBInterfaceInterface300;

#ifdef __cplusplus
}
#endif
