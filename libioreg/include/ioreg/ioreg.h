/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ioreg/ioreg.h: libioreg, the I/O Registry client library of ioregd, shaped
 * after Apple's IOKitLib. Include this one header; it includes the others.
 *
 * Names follow IOKitLib mechanically: drop "IO" and "CF", snake case,
 * prefix ioreg_ (IOServiceGetMatchingServices → ioreg_service_get_matching_services).
 *
 * The daemon is found on $IOREG_BUS_ADDRESS when set, else on the system bus.
 * Link with `pkg-config --cflags --libs libioreg`. Thread safety: see
 * ioreg/object.h (objects, synchronous calls) and ioreg/notification.h (ports).
 */
#pragma once

#include <ioreg/return.h>
#include <ioreg/object.h>
#include <ioreg/registry.h>
#include <ioreg/value.h>
#include <ioreg/service.h>
#include <ioreg/notification.h>
#include <ioreg/plugin.h>
#include <ioreg/driver.h>
#include <ioreg/user-client.h>
#include <ioreg/connect.h>
#include <ioreg/system-power.h>
#include <ioreg/usb.h>
