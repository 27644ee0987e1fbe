/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * driver-launch.h: starting one driver server process. fork() and execve()
 * of the spec's executable (no shell), as the spec's user and group:
 *
 *   IOUserServerUser set      that user (getpwnam), its primary group
 *                             unless IOUserServerGroup names another; no
 *                             supplementary groups
 *   not set, daemon is root   a user of its own (driver-user.h), with the
 *                             GID of the same number; a driver never runs
 *                             as root unless a personality says so
 *   not set, daemon not root  the daemon's own user; asking for another
 *                             user is then -EPERM
 *
 * The child gets a clean environment: PATH=/usr/bin:/bin,
 * IOREG_BUS_ADDRESS (where to check in), IOREG_SERVER_NAME, then the
 * spec's IOUserServerEnvironment. Its stdin is /dev/null; its stdout and
 * stderr are pipes the caller logs line by line under the server's name.
 * It dies with the daemon (PR_SET_PDEATHSIG), starts with no blocked
 * signals and default handlers, in "/", with every other fd closed, as the
 * leader of a session and process group of its own: what it forks is ended
 * with it (driver_launch_kill_tree()). It makes itself non-dumpable at start
 * (libioreg's ioreg_driver_server_run(): execve() resets the flag the
 * launcher could set, since the executable is readable and the credentials
 * changed before it), so no other process of its user may ptrace it or read
 * its memory.
 */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include "driver-spec.h"
#include "protocol.h"

#define DRIVER_UID_INVALID ((uid_t) -1)

typedef struct DriverProcess {
        pid_t pid;
        uid_t uid;   /* what it runs as: the bus credentials must say the same */
        gid_t gid;
        bool dynamic; /* uid is the server's own (dynamic): every process of it is the server's */
        int out_fd;  /* owned: the read end of its stdout */
        int err_fd;  /* owned: the read end of its stderr */
} DriverProcess;

/*
 * Whom spec runs as. dynamic_uid is the server's own UID (driver_user_allocate()), used when
 * spec names no user and the daemon is root; DRIVER_UID_INVALID otherwise (then such a server
 * runs as DRIVER_FALLBACK_USER). -ESRCH unknown user or group, -EPERM another user while not root.
 */
int driver_launch_credentials(const DriverSpec *spec, uid_t dynamic_uid, uid_t *ret_uid, gid_t *ret_gid);

/* Starts the server (dynamic_uid as for driver_launch_credentials()). ret is filled only on success. */
int driver_launch(const DriverSpec *spec, const char *bus_address, uid_t dynamic_uid, DriverProcess *ret);

/*
 * Sends sig to the process group of leader (the server and what it forked), and when uid is the
 * server's dynamic UID, to every process of that UID (what left the group with setsid()), from a
 * short-lived child that takes that UID. The leader may have exited (a zombie not yet reaped
 * keeps the group's ID from being reused).
 */
void driver_launch_kill_tree(pid_t leader, uid_t uid, bool dynamic, int sig);
