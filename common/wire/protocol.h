/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * protocol.h: every name on the wire, defined once. The daemon, libioreg, the
 * CLI, the driver servers and the tests take the bus name, object paths,
 * interfaces, error names, environment variables and message numbers from
 * here. The D-Bus contracts themselves are in systemd/org.ioreg.*.xml.
 *
 * Header only, and free of sd-bus: the pure core includes it for the message
 * numbers. libioreg's public headers repeat the message numbers for
 * applications and check them against these at compile time.
 */
#pragma once

#include <stdint.h>

/* ---- names and paths ---- */
#define IOREG_BUS_NAME "org.ioreg.Registry1"
#define IOREG_OBJECT_PATH "/org/ioreg/Registry1"
#define IOREG_INTERFACE "org.ioreg.Registry1"
#define IOREG_ENTRY_INTERFACE "org.ioreg.Entry1"
#define IOREG_NOTIFY_INTERFACE "org.ioreg.Notifications1"
/* Notifications1.OpenPort() → h: the client's direct notification port (peer-to-peer D-Bus, bus-notify-port.h). */
#define IOREG_NOTIFY_OPEN_PORT "OpenPort"
#define IOREG_CATALOGUE_INTERFACE "org.ioreg.Catalogue1"
#define IOREG_SYSTEM_POWER_INTERFACE "org.ioreg.SystemPower1"
/* Driver servers: the daemon serves DriverHost1, each server serves DriverServer1. */
#define IOREG_DRIVER_HOST_PATH "/org/ioreg/DriverHost1"
#define IOREG_DRIVER_HOST_INTERFACE "org.ioreg.DriverHost1"
#define IOREG_DRIVER_SERVER_PATH "/org/ioreg/DriverServer1"
#define IOREG_DRIVER_SERVER_INTERFACE "org.ioreg.DriverServer1"
/* DriverHost1's method that gives a driver its provider's device fd (issue 17, docs/drivers.md). */
#define IOREG_DRIVER_HOST_COPY_PROVIDER_FD "CopyProviderFD"

/* ---- environment ---- */
/* Another bus than the system bus, for the daemon, the library, the CLI and driver servers. */
#define IOREG_BUS_ADDRESS_ENV "IOREG_BUS_ADDRESS"
/* Set by the daemon for a driver server it launches: the IOUserServerName it serves. */
#define IOREG_SERVER_NAME_ENV "IOREG_SERVER_NAME"
/* Folders searched for a driver server named by a bare executable name. */
#define IOREG_DRIVER_PATH_ENV "IOREG_DRIVER_PATH"
/* Folders searched for an in-application plug-in (.so) named by a relative path. */
#define IOREG_PLUGIN_PATH_ENV "IOREG_PLUGIN_PATH"
/* "udev" or "sysfs": overrides the udev source's detection of a running udevd. */
#define IOREG_UDEV_MODE_ENV "IOREG_UDEV_MODE"

/* ---- polkit actions (systemd/org.ioreg.policy) ---- */
#define IOREG_ACTION_SET_PROPERTIES "org.ioreg.set-properties"
#define IOREG_ACTION_TERMINATE_ENTRY "org.ioreg.terminate-entry"
#define IOREG_ACTION_RELOAD_CATALOGUE "org.ioreg.reload-catalogue"
/* See the DMI serial number and UUID Linux keeps root-only (daemon/bus/bus-restricted.h). */
#define IOREG_ACTION_READ_PLATFORM_IDENTITY "org.ioreg.read-platform-identity"

/* ---- user-space USB for applications (systemd/org.ioreg.USB1.xml, on IOREG_OBJECT_PATH) ---- */
#define IOREG_USB_INTERFACE "org.ioreg.USB1"
#define IOREG_USB_COPY_DESCRIPTORS "CopyDescriptors" /* (t entry) → (ay descriptors) */
#define IOREG_USB_OPEN "Open"                        /* (t entry, u options) → (h usbfs fd) */
#define IOREG_USB_CLOSE "Close"                      /* (t entry) → () */
#define IOREG_USB_OPEN_SEIZE UINT32_C(0x1)           /* Open's option: detach a bound kernel driver */
#define IOREG_ACTION_USB_DEVICE_OPEN "org.ioreg.usb-device-open"
#define IOREG_ACTION_USB_DEVICE_SEIZE "org.ioreg.usb-device-seize"

/* ---- errors (org.ioreg.Error.*) ---- */
#define IOREG_ERROR_NO_SUCH_PLANE "org.ioreg.Error.NoSuchPlane"       /* unknown plane name */
#define IOREG_ERROR_NO_SUCH_ENTRY "org.ioreg.Error.NoSuchEntry"       /* unknown or terminated entry ID */
#define IOREG_ERROR_NOT_FOUND "org.ioreg.Error.NotFound"              /* path, property, location absent */
#define IOREG_ERROR_INVALID_ARGUMENT "org.ioreg.Error.InvalidArgument"
#define IOREG_ERROR_LIMITS_EXCEEDED "org.ioreg.Error.LimitsExceeded" /* too long, too deep, too many */
#define IOREG_ERROR_ACCESS_DENIED "org.ioreg.Error.AccessDenied"      /* a privileged call, refused */
#define IOREG_ERROR_NOT_SUPPORTED "org.ioreg.Error.NotSupported"      /* kIOReturnUnsupported */
#define IOREG_ERROR_NOT_PERMITTED "org.ioreg.Error.NotPermitted"      /* the daemon's own entries */
#define IOREG_ERROR_TIMEOUT "org.ioreg.Error.Timeout"
#define IOREG_ERROR_NO_SUCH_SUBSCRIPTION "org.ioreg.Error.NoSuchSubscription" /* unknown, or another client's */
#define IOREG_ERROR_NOT_READY "org.ioreg.Error.NotReady"              /* interest in an entry being terminated */
#define IOREG_ERROR_FAILED "org.ioreg.Error.Failed"
#define IOREG_ERROR_CHANGED "org.ioreg.Error.Changed"              /* GetPlanePage: the registry changed, start again */
/* A provider opened by another client, or not opened by this one; a busy driver. */
#define IOREG_ERROR_EXCLUSIVE_ACCESS "org.ioreg.Error.ExclusiveAccess"
#define IOREG_ERROR_NOT_OPEN "org.ioreg.Error.NotOpen"
#define IOREG_ERROR_BUSY "org.ioreg.Error.Busy"
/* The device is gone (its node cannot be opened any more): kIOReturnNoDevice. */
#define IOREG_ERROR_NO_DEVICE "org.ioreg.Error.NoDevice"

/* ---- message numbers (IOMessage.h: iokit_common_msg(x) = 0xe0000000 | x) ---- */
#define IO_MESSAGE_SERVICE_IS_TERMINATED UINT32_C(0xe0000010)
#define IO_MESSAGE_SERVICE_IS_SUSPENDED UINT32_C(0xe0000020)
#define IO_MESSAGE_SERVICE_IS_RESUMED UINT32_C(0xe0000030)
#define IO_MESSAGE_SERVICE_IS_REQUESTING_CLOSE UINT32_C(0xe0000100)
#define IO_MESSAGE_SERVICE_WAS_CLOSED UINT32_C(0xe0000110)
#define IO_MESSAGE_SERVICE_BUSY_STATE_CHANGE UINT32_C(0xe0000120)
#define IO_MESSAGE_SERVICE_PROPERTY_CHANGE UINT32_C(0xe0000130)
/* Device power (power interest), and system power (IORegisterForSystemPower). */
#define IO_MESSAGE_DEVICE_WILL_POWER_OFF UINT32_C(0xe0000210)
#define IO_MESSAGE_DEVICE_WILL_POWER_ON UINT32_C(0xe0000215)
#define IO_MESSAGE_DEVICE_HAS_POWERED_OFF UINT32_C(0xe0000225)
#define IO_MESSAGE_DEVICE_HAS_POWERED_ON UINT32_C(0xe0000230)
#define IO_MESSAGE_CAN_SYSTEM_POWER_OFF UINT32_C(0xe0000240)
#define IO_MESSAGE_SYSTEM_WILL_POWER_OFF UINT32_C(0xe0000250)
#define IO_MESSAGE_SYSTEM_WILL_NOT_POWER_OFF UINT32_C(0xe0000260)
#define IO_MESSAGE_CAN_SYSTEM_SLEEP UINT32_C(0xe0000270)
#define IO_MESSAGE_SYSTEM_WILL_SLEEP UINT32_C(0xe0000280)
#define IO_MESSAGE_SYSTEM_WILL_NOT_SLEEP UINT32_C(0xe0000290)
#define IO_MESSAGE_SYSTEM_HAS_POWERED_ON UINT32_C(0xe0000300)
#define IO_MESSAGE_SYSTEM_WILL_RESTART UINT32_C(0xe0000310)
#define IO_MESSAGE_SYSTEM_WILL_POWER_ON UINT32_C(0xe0000320)

/* In a record or signal whose property table does not fit one message: the table's size (t) in its place. */
#define IOREG_PROPERTIES_OMITTED_KEY "IORegistryPropertiesOmitted"
