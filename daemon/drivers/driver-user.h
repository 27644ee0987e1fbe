/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * driver-user.h: a user of its own for each driver server (issue 23, H),
 * allocated like systemd's DynamicUser when the daemon runs as root and the
 * personality names no IOUserServerUser: a UID in systemd's dynamic range
 * (DRIVER_USER_UID_MIN..MAX, 61184-65519), the first free one counting
 * from a hash of the server name (the same server mostly gets the same UID),
 * with the GID of the same number. Free means: no user or group of the
 * system has it, no process has it as a real, effective, saved or
 * file-system UID (/proc), and no other server of this daemon holds it.
 *
 * The user exists for the rest of the system through a JSON user record
 * drop-in in DRIVER_USERDB_DIR (systemd's userdb drop-ins, which
 * nss-systemd serves to getpwuid()): "ioreg-driver-UID.user", and the group
 * record, each also linked as "UID.user" and "UID.group". dbus-daemon
 * refuses a connection whose UID it cannot look up, so the record is what
 * lets the server check in. Records of this prefix that a previous run left
 * are taken over. $IOREG_USERDB_DIR names another folder (tests). Where the
 * system cannot know such a user (no nss-systemd, or /run/userdb not
 * writable), servers run as DRIVER_FALLBACK_USER as before, with a warning.
 */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#define DRIVER_USER_UID_MIN ((uid_t) 61184)
#define DRIVER_USER_UID_MAX ((uid_t) 65519)
#define DRIVER_USER_PREFIX "ioreg-driver-"
#define DRIVER_USERDB_DIR "/run/userdb"
#define DRIVER_USERDB_DIR_ENV "IOREG_USERDB_DIR"
#define DRIVER_FALLBACK_USER "nobody"

/*
 * A free UID for server_name, its user and group records written. taken(uid, userdata) says
 * whether another server of this daemon holds it. -EUSERS when the range is full; -ENXIO when
 * the records are written but getpwuid() does not find the user (no nss-systemd); another
 * negative errno when the records cannot be written. On failure no record is left.
 */
int driver_user_allocate(const char *server_name, bool (*taken)(uid_t uid, void *userdata), void *userdata,
                         uid_t *ret);

/* Removes the records of uid (the server is gone, and so are its processes). */
void driver_user_release(uid_t uid);
