/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * usb-event.h: a libusb context's file descriptors on an sd-event loop, so
 * that asynchronous transfers complete from the loop (libusb's "polling
 * and timing" API). On Linux libusb times with a timerfd, which is one of
 * those descriptors: no timeout of our own is needed.
 */
#pragma once

#include <libusb.h>
#include <systemd/sd-event.h>

typedef struct UsbEvent UsbEvent;

/* ctx: borrowed, must outlive the UsbEvent; event: referenced. 0 or a negative errno. */
int usb_event_attach(UsbEvent **ret, libusb_context *ctx, sd_event *event);
/* Removes the sources (and libusb's notifiers). NULL-safe. */
UsbEvent *usb_event_detach(UsbEvent *u);
