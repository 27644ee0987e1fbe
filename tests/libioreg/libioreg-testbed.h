/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libioreg-testbed.h: what the libioreg tests against the real ioregd
 * (test-libioreg*.c) share. The group setup loads a recorded USB keyboard
 * behind three hubs into a umockdev testbed (libumockdev-preload.so in
 * LD_PRELOAD, inherited from meson), adds a USB serial adapter (ttyUSB0),
 * and starts a private dbus-daemon and ioregd on it; each test program
 * gets its own.
 */
#pragma once

#include <umockdev.h>

#include <ioreg/ioreg.h>

#include "test-bus.h"
#include "test-daemon.h"

#define KBD_ROOT "/sys/devices/pci0000:00/0000:00:1a.0/usb1"
#define KBD_HUB1 KBD_ROOT "/1-1"
#define KBD_HUB2 KBD_HUB1 "/1-1.5"
#define KBD_HUB3 KBD_HUB2 "/1-1.5.4"
#define KBD_DEV KBD_HUB3 "/1-1.5.4.2"
#define SERIAL_DEV KBD_HUB1 "/1-1.3"
#define ROOT_ID UINT64_C(0x100000100)

extern UMockdevTestbed *testbed; /* owned: the group's testbed */
extern TestBus test_bus;         /* the private dbus-daemon */
extern TestDaemon daemon_;       /* ioregd on it */

/* ioregd started again on test_bus, with arg as its one option (or none). */
void start_daemon(const char *arg);
/* cmocka group setup and teardown: the testbed, the bus, the daemon. */
int group_setup(void **state);
int group_teardown(void **state);
/* A Logitech mouse on port 1-1.<port>; returns its syspath, g_free() it. */
char *add_mouse(unsigned port);
void remove_device(const char *syspath);
/* Matches add_mouse()'s mice; owned by the caller. */
json_t *mouse_matching(void);
/* Consumes matching. */
unsigned count_matching(json_t *matching);
void wait_for_count(json_t *matching, unsigned n);
/* Runs the port until *counter reaches want or 10 s pass. */
void run_until(ioreg_notification_port_t port, const unsigned *counter, unsigned want);
