/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * driver-harness.h: what the driver tests share. A real private
 * dbus-daemon and the real ioregd (tests/dbus-notify/notify-harness.h),
 * personalities written to a folder of the test's own that name the real
 * test driver server (test-driver-server.c, built with libioreg), and
 * queries of the registry over the bus.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "../dbus-notify/notify-harness.h"
#include "value.h"

#define TEST_SERVER BUILD_ROOT "/tests/driver/test-driver-server"

typedef struct DriverTest {
        Harness h;
        sd_bus *bus;      /* owned: the test's own queries */
        char *pdir;       /* owned: the personalities folder */
        char *stop_dir;   /* owned: where the test server leaves its stop and message files */
} DriverTest;

/*
 * Writes personalities (the IOKitPersonalities object's members, JSON
 * text; "@SERVER@" and "@STOPDIR@" are replaced) to a file, starts the bus
 * and ioregd with that folder (and extra_args, NULL-terminated, may be
 * NULL), and waits until the registry is quiet.
 */
int driver_test_start(DriverTest *t, const char *personalities, const char *const *extra_args);
void driver_test_stop(DriverTest *t);

/* IDs of the registered entries of class_name. Owned array. */
int driver_test_find(DriverTest *t, const char *class_name, uint64_t **ret, unsigned *ret_n);
/* The one registered entry of class_name: 0 when there is none, -ENOTUNIQ when there are several. */
int driver_test_find_one(DriverTest *t, const char *class_name, uint64_t *ret_id);
/* An entry's properties (owned). */
int driver_test_properties(DriverTest *t, uint64_t id, Value **ret);
/* A number property of an entry, or -1. */
int64_t driver_test_number(DriverTest *t, uint64_t id, const char *key);
/* Its parent in the IOService plane, or 0. */
uint64_t driver_test_parent(DriverTest *t, uint64_t id);
/* Polls cond every 20 ms for up to timeout_ms; returns its last answer. */
bool driver_test_wait(DriverTest *t, bool (*cond)(DriverTest *t, const void *arg), const void *arg,
                      unsigned timeout_ms);
/* The process exists (and is not a zombie). */
bool pid_alive(pid_t pid);
/* A file named NAME-<id hex> is in the stop folder. */
bool driver_test_stop_file(DriverTest *t, const char *name, uint64_t id);
