/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * testbed-fixture.h: a daemon's udev side on a umockdev testbed, for the
 * umockdev suites: a registry with its platform expert, a device tree and
 * the real udev source (libudev monitor, then coldplug by enumeration),
 * plus a log of the entries the tree terminated, in order.
 */
#pragma once

#include <stdbool.h>
#include <umockdev.h>

#include "device-tree.h"
#include "udev-source.h"

typedef struct Fixture {
        UMockdevTestbed *testbed; /* owned by the test; borrowed by a second fixture on the same testbed */
        sd_event *event;          /* owned */
        Registry *registry;       /* owned */
        Entry *platform;          /* borrowed from the registry */
        DeviceTree tree;
        UdevSource *source;       /* owned */
        char *terminated[256];    /* owned: SYSPATH of each terminated nub, in termination order */
        unsigned n_terminated;
} Fixture;

/* Builds the registry, the tree and the source on f->testbed (coldplug included). 0 or negative errno. */
int fixture_start(Fixture *f);
/* Frees what fixture_start() made and forgets the terminations; f->testbed stays. */
void fixture_stop(Fixture *f);

/*
 * cmocka setup and teardown: *state = a new fixture on testbed (taken over), started in kernel mode
 * ($IOREG_UDEV_MODE=kernel: the same mode on every machine). -1 when it cannot start.
 */
int fixture_setup(void **state, UMockdevTestbed *testbed);
/* Stops the fixture in *state and frees it with its testbed. */
int fixture_teardown(void **state);

/* Runs f's event loop until cond(f, arg) holds, for at most 3 s. Returns cond's last answer. */
bool fixture_run_until(Fixture *f, bool (*cond)(Fixture *f, const void *arg), const void *arg);
/*
 * cmocka setup and teardown: *state = a new fixture on testbed (taken over), started in kernel mode
 * ($IOREG_UDEV_MODE=kernel: the same mode on every machine). -1 when it cannot start.
 */
int fixture_setup(void **state, UMockdevTestbed *testbed);
/* Stops the fixture in *state and frees it with its testbed. */
int fixture_teardown(void **state);

/* Runs f's event loop until nothing is pending (the queued uevents are all read). */
void fixture_drain(Fixture *f);

/*
 * Hides every uevent monitor socket of the testbed from umockdev's sender (hide), or shows them
 * again: events sent meanwhile are numbered and lost. Returns the number of sockets renamed, or a
 * negative errno.
 */
int fixture_hide_monitors(Fixture *f, bool hide);

/* Conditions for fixture_run_until(): arg is a syspath. */
bool fixture_has_device(Fixture *f, const void *syspath);
bool fixture_lacks_device(Fixture *f, const void *syspath);

/* The nub's property key, or NULL (borrowed). */
Value *fixture_property(Fixture *f, const char *syspath, const char *key);

/*
 * Compares f's registry with a fresh coldplug of the same testbed, plane by plane
 * (registry-snapshot.h): the number of differing lines, each printed to stderr. Asserts (cmocka)
 * that the fresh fixture starts.
 */
unsigned fixture_diff_fresh_coldplug(Fixture *f);
#define fixture_assert_equals_fresh_coldplug(f) assert_int_equal(fixture_diff_fresh_coldplug(f), 0)
