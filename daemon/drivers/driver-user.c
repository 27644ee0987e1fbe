/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* driver-user.c: see driver-user.h. */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "driver-user.h"
#include "macro.h"

static void closedirp(DIR **d) {
        if (*d)
                closedir(*d);
}

static const char *userdb_dir(void) {
        const char *d = getenv(DRIVER_USERDB_DIR_ENV);

        return d && *d ? d : DRIVER_USERDB_DIR;
}

/*
 * Whether a process has uid as its real, effective, saved or file-system UID (/proc/PID/status).
 * kill(-1, 0) cannot tell: it succeeds when any process exists, permitted or not.
 */
static bool uid_has_processes(uid_t uid) {
        _cleanup_(closedirp) DIR *d = opendir("/proc");
        struct dirent *de;

        if (!d)
                return true; /* cannot tell: not free */
        while ((de = readdir(d))) {
                _cleanup_fclose_ FILE *f = NULL;
                char path[sizeof("/proc//status") + sizeof(de->d_name)], line[256];
                unsigned ids[4];

                if (de->d_name[0] < '1' || de->d_name[0] > '9')
                        continue;
                snprintf(path, sizeof(path), "/proc/%s/status", de->d_name);
                f = fopen(path, "re");
                if (!f)
                        continue; /* gone meanwhile */
                while (fgets(line, sizeof(line), f))
                        if (sscanf(line, "Uid: %u %u %u %u", &ids[0], &ids[1], &ids[2], &ids[3]) == 4) {
                                for (unsigned i = 0; i < 4; i++)
                                        if (ids[i] == uid)
                                                return true;
                                break;
                        }
        }
        return false;
}

/* No user or group of the system has uid (one of ours from an earlier run is fine). */
static bool uid_unknown_or_ours(uid_t uid) {
        struct passwd *pw;
        struct group *gr;

        pw = getpwuid(uid);
        if (pw && strncmp(pw->pw_name, DRIVER_USER_PREFIX, strlen(DRIVER_USER_PREFIX)) != 0)
                return false;
        gr = getgrgid((gid_t) uid);
        if (gr && strncmp(gr->gr_name, DRIVER_USER_PREFIX, strlen(DRIVER_USER_PREFIX)) != 0)
                return false;
        return true;
}

/* Writes dir/name (mode 0644 whatever the umask: nss-systemd reads it in every process), atomically. */
static int write_record(const char *dir, const char *name, const char *json) {
        _cleanup_free_ char *path = NULL, *tmp = NULL;
        _cleanup_close_ int fd = -EBADF;
        size_t len = strlen(json);

        if (asprintf(&path, "%s/%s", dir, name) < 0 || asprintf(&tmp, "%s/.#%s", dir, name) < 0)
                return -ENOMEM;
        fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
        if (fd < 0)
                return -errno;
        if (fchmod(fd, 0644) < 0 || write(fd, json, len) != (ssize_t) len || rename(tmp, path) < 0) {
                int r = -errno;

                (void) unlink(tmp);
                return r ?: -EIO;
        }
        return 0;
}

static int link_record(const char *dir, const char *target, const char *name) {
        _cleanup_free_ char *path = NULL;

        if (asprintf(&path, "%s/%s", dir, name) < 0)
                return -ENOMEM;
        (void) unlink(path);
        return symlink(target, path) < 0 ? -errno : 0;
}

static int write_records(uid_t uid) {
        const char *dir = userdb_dir();
        char name[64], file[96], link[32], json[512];
        int r;

        if (mkdir(dir, 0755) < 0 && errno != EEXIST)
                return -errno;
        snprintf(name, sizeof(name), DRIVER_USER_PREFIX "%u", (unsigned) uid);
        snprintf(json, sizeof(json),
                 "{\"userName\":\"%s\",\"uid\":%u,\"gid\":%u,\"disposition\":\"dynamic\","
                 "\"realName\":\"ioregd driver server\",\"homeDirectory\":\"/\",\"shell\":\"/usr/sbin/nologin\","
                 "\"locked\":true}\n",
                 name, (unsigned) uid, (unsigned) uid);
        snprintf(file, sizeof(file), "%s.user", name);
        snprintf(link, sizeof(link), "%u.user", (unsigned) uid);
        r = write_record(dir, file, json);
        if (r >= 0)
                r = link_record(dir, file, link);
        if (r < 0)
                return r;
        snprintf(json, sizeof(json), "{\"groupName\":\"%s\",\"gid\":%u,\"disposition\":\"dynamic\"}\n", name,
                 (unsigned) uid);
        snprintf(file, sizeof(file), "%s.group", name);
        snprintf(link, sizeof(link), "%u.group", (unsigned) uid);
        r = write_record(dir, file, json);
        if (r >= 0)
                r = link_record(dir, file, link);
        return r;
}

int driver_user_allocate(const char *server_name, bool (*taken)(uid_t uid, void *userdata), void *userdata,
                         uid_t *ret) {
        const uint32_t n = DRIVER_USER_UID_MAX - DRIVER_USER_UID_MIN + 1;
        uint32_t hash = 2166136261u; /* FNV-1a */
        int r;

        for (const char *c = server_name; *c; c++)
                hash = (hash ^ (uint8_t) *c) * 16777619u;
        for (uint32_t i = 0; i < n; i++) {
                uid_t uid = DRIVER_USER_UID_MIN + (hash + i) % n;

                if ((taken && taken(uid, userdata)) || !uid_unknown_or_ours(uid) || uid_has_processes(uid))
                        continue;
                r = write_records(uid);
                if (r >= 0 && !getpwuid(uid))
                        r = -ENXIO; /* no nss-systemd: the records make no user the system knows */
                if (r < 0) {
                        driver_user_release(uid);
                        return r;
                }
                *ret = uid;
                return 0;
        }
        return -EUSERS;
}

void driver_user_release(uid_t uid) {
        const char *dir = userdb_dir();
        const char *const forms[] = { DRIVER_USER_PREFIX "%u.user", DRIVER_USER_PREFIX "%u.group", "%u.user", "%u.group" };

        for (size_t i = 0; i < ELEMENTSOF(forms); i++) {
                _cleanup_free_ char *name = NULL, *path = NULL;

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
                if (asprintf(&name, forms[i], (unsigned) uid) < 0)
                        continue;
#pragma GCC diagnostic pop
                if (asprintf(&path, "%s/%s", dir, name) >= 0)
                        (void) unlink(path);
        }
}
