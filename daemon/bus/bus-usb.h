/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bus-usb.h: org.ioreg.USB1 on /org/ioreg/Registry1
 * (systemd/org.ioreg.USB1.xml): user-space USB for applications, what
 * libioreg's USBDeviceOpen and USBInterfaceOpen ask (ioreg/usb.h).
 *
 * CopyDescriptors(entry) → the raw descriptors of a USB device or
 * interface nub's device (anyone: sysfs shows them to anyone).
 *
 * Open(entry, options) → the usbfs fd, with the interface claimed for an
 * interface nub. The exclusive-open rule, Apple's (kIOReturnExclusiveAccess,
 * org.ioreg.Error.ExclusiveAccess): the nub is refused while another hold
 * of this interface has it (any application, this one too), while a driver
 * server's instance has it open (the driver host's open record), or, for
 * an interface, while a kernel driver is bound to it, unless options has
 * IOREG_USB_OPEN_SEIZE: then the kernel driver is detached
 * (USBDEVFS_DISCONNECT_CLAIM) and bound again when the hold ends. The
 * access check: root, else polkit's org.ioreg.usb-device-open (by default
 * yes for the active local session), or org.ioreg.usb-device-seize when a
 * kernel driver is to be detached (an administrator's by default).
 *
 * A hold ends with Close(entry), or when the caller leaves the bus; ioregd
 * then releases the interface on its own copy of the open file (so that
 * the claim ends even if the application keeps the fd) and binds a seized
 * kernel driver again. At most BUS_USB_MAX_HOLDS_PER_SENDER holds a caller.
 */
#pragma once

#include "bus-context.h"

#define BUS_USB_MAX_HOLDS_PER_SENDER 64

typedef struct BusUsb BusUsb;

/* Adds the interface to c->bus and makes c->usb (freed by bus_context_done()); watches c->peers for ends. */
int bus_usb_register(BusContext *c);

/* Ends every hold (kernel drivers bound again). NULL-safe. */
BusUsb *bus_usb_free(BusUsb *u);
