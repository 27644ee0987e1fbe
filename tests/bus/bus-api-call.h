/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bus-api-call.h: what the D-Bus API tests (test-bus-api*.c) share. The
 * group setup starts a private dbus-daemon and ioregd on it serving a real
 * Mac's registry (--snapshot of tests/data/ioreg/hackintosh-Macmini8,1:
 * 1,180 entries with the Mac's IDs, classes, state and properties); each
 * test program gets its own.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <systemd/sd-bus.h>

#include "test-bus.h"
#include "test-daemon.h"

#define SNAPSHOT TEST_DATA "/ioreg/hackintosh-Macmini8,1-ioreg-l.txt"
#define N_SNAPSHOT_ENTRIES 1180u
#define SERIAL_ID UINT64_C(0x103c762ab) /* USB2.0-Serial@14100000, an IOUSBHostDevice */
#define NOBODY 65534

extern TestBus test_bus;   /* the private dbus-daemon */
extern TestDaemon daemon_; /* ioregd on it */
extern sd_bus *bus;        /* owned: the test's client, as root */

/* cmocka group setup and teardown: the bus, the daemon, the client. */
int setup(void **state);
int teardown(void **state);
/* A method call on Registry1; *reply may be NULL. */
int call(const char *member, sd_bus_error *error, sd_bus_message **reply, const char *types, ...);
/* A method call on the Entry1 of entry id; *reply may be NULL. */
int call_entry(uint64_t id, const char *member, sd_bus_error *error, sd_bus_message **reply,
               const char *types, ...);
/* Reads an `at` reply into a new array. */
uint64_t *read_ids(sd_bus_message *reply, size_t *ret_n);
bool ids_contain(const uint64_t *ids, size_t n, uint64_t id);
/* Registry1.Entries */
uint32_t get_entries(void);
/* The daemon still answers (after the bad calls of a test). */
void assert_alive(void);
/* GetMatchingServices with one key → string value. */
uint64_t *match_string(const char *key, const char *value, size_t *ret_n);
