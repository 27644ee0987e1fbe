/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * driver-launch.h: starting one driver server process. fork() and execve()
 * of the spec's executable (no shell), as the spec's user and group:
 *
 *   IOUserServerUser set      that user (getpwnam), its primary group
 *                             unless IOUserServerGroup names another; no
 *                             supplementary groups
 *   not set, daemon is root   "ioreg-driver" (the installed sysusers.d
 *                             user, systemd/ioregd-sysusers.conf), else
 *                             "nobody" where it is not made (a source tree);
 *                             a driver never runs as root unless a
 *                             personality says so by name
 *   not set, daemon not root  the daemon's own user; asking for another
 *                             user is then -EPERM
 *
 * The child gets a clean environment: PATH=/usr/bin:/bin,
 * IOREG_BUS_ADDRESS (where to check in), IOREG_SERVER_NAME, then the
 * spec's IOUserServerEnvironment. Its stdin is /dev/null; its stdout and
 * stderr are pipes the caller logs line by line under the server's name.
 * It dies with the daemon (PR_SET_PDEATHSIG), starts with no blocked
 * signals and default handlers, in "/", with every other fd closed.
 */
#pragma once

#include <sys/types.h>

#include "driver-spec.h"
#include "protocol.h"

#define DRIVER_DEFAULT_ROOT_USER "ioreg-driver"
#define DRIVER_FALLBACK_ROOT_USER "nobody"

typedef struct DriverProcess {
        pid_t pid;
        uid_t uid;   /* what it runs as: the bus credentials must say the same */
        gid_t gid;
        int out_fd;  /* owned: the read end of its stdout */
        int err_fd;  /* owned: the read end of its stderr */
} DriverProcess;

/* Whom spec runs as. -ESRCH unknown user or group, -EPERM another user while not root. */
int driver_launch_credentials(const DriverSpec *spec, uid_t *ret_uid, gid_t *ret_gid);

/* Starts the server. ret is filled only on success. */
int driver_launch(const DriverSpec *spec, const char *bus_address, DriverProcess *ret);
