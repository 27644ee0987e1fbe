/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bus-fixture.h: a private dbus-daemon (tests/data/private-bus.conf.in) in
 * a temporary directory, optionally ioregd on it, and sd-bus clients; plus
 * assertions on D-Bus error names. Shared by the tests in tests/dbus/.
 */
#pragma once

#include <stdbool.h>
#include <sys/types.h>
#include <systemd/sd-bus.h>

typedef struct BusFixture {
        char *dir;          /* owned: the temporary directory (bus socket, config) */
        char *address;      /* owned: the bus address */
        pid_t dbus_pid;     /* 0 when not running */
        pid_t ioregd_pid;   /* 0 when not running */
} BusFixture;

/* Starts the bus. The directory is world-readable so that a test may call as another user. */
int bus_fixture_start_bus(BusFixture *f);
/* Starts IOREGD_PATH --bus-address=... args... and waits until it answers (10 s). */
int bus_fixture_start_ioregd(BusFixture *f, const char *const *args);
/* Stops what runs and removes the directory. */
void bus_fixture_stop(BusFixture *f);

/* A client connection to address (a bus client, not attached to any event loop). */
int bus_fixture_connect(const char *address, sd_bus **ret);

/* True when r < 0 and error carries name; prints both otherwise. */
bool bus_error_is(int r, const sd_bus_error *error, const char *name);
#define assert_bus_error(r, error, name) assert_true(bus_error_is((r), (error), (name)))
#define assert_bus_ok(r, error) assert_true(bus_error_is((r), (error), NULL))
