/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* uevent-screen.c: see uevent-screen.h. */

#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "log.h"
#include "macro.h"
#include "uevent-screen.h"

/* udevd's datagram header (libsystemd's monitor_netlink_header), the part read here. */
#define UDEV_PREFIX "libudev"
#define UDEV_MAGIC 0xfeedcafeU
#define UDEV_HEADER_MIN (8 + 4 * 4)

/* sd-device's receive buffer: a longer datagram is cut there by libudev as well. */
#define SCREEN_BUFFER 8192

_hot_ static const char *startswith(const char *s, const char *prefix) {
        size_t n = strlen(prefix);

        return strncmp(s, prefix, n) == 0 ? s + n : NULL;
}

/* A ".." component lets a path leave where it claims to be. */
_hot_ static bool has_dotdot(const char *p) {
        for (const char *c = p; (c = strstr(c, "..")); c += 2)
                if ((c == p || c[-1] == '/') && (c[2] == '\0' || c[2] == '/'))
                        return true;
        return false;
}

/* Why one KEY=VALUE field is impossible, or NULL. */
_hot_ static const char *screen_field(const char *field, uint64_t *seqnum) {
        const char *v;

        if ((v = startswith(field, "DEVNAME="))) {
                /* sd-device puts a relative name below /dev and asserts that an absolute one is there. */
                if (*v == '\0' || (*v == '/' && !startswith(v, "/dev/")) || has_dotdot(v))
                        return "DEVNAME outside /dev";
        } else if ((v = startswith(field, "DEVPATH=")) || (v = startswith(field, "DEVPATH_OLD="))) {
                if (*v != '/' || has_dotdot(v))
                        return "DEVPATH outside /sys";
        } else if ((v = startswith(field, "SEQNUM=")))
                *seqnum = strtoull(v, NULL, 10);
        return NULL;
}

_hot_ const char *uevent_screen(const char *buf, size_t len, uint64_t *ret_seqnum) {
        const char *p, *end, *why = NULL;
        uint64_t seqnum = 0;

        *ret_seqnum = 0;
        if (len >= UDEV_HEADER_MIN && memcmp(buf, UDEV_PREFIX, sizeof(UDEV_PREFIX)) == 0) {
                uint32_t magic, off, n;

                memcpy(&magic, buf + 8, 4);
                memcpy(&off, buf + 16, 4);
                memcpy(&n, buf + 20, 4);
                if (ntohl(magic) != UDEV_MAGIC || off > len || n > len - off)
                        return NULL; /* libudev refuses it itself */
                p = buf + off;
                end = p + n;
        } else {
                p = memchr(buf, '\0', len); /* after "action@devpath" */
                if (!p)
                        return NULL;
                p++;
                end = buf + len;
        }
        while (p < end && !why) {
                const char *nul = memchr(p, '\0', end - p);

                if (!nul)
                        break; /* a last field without its NUL: libudev ignores it */
                why = screen_field(p, &seqnum);
                p = nul + 1;
        }
        *ret_seqnum = seqnum;
        return why;
}

_hot_ int uevent_screen_socket(int fd, uint64_t *ret_seqnum) {
        _cleanup_free_ char *buf = malloc(SCREEN_BUFFER + 1);
        const char *why;
        ssize_t n;

        *ret_seqnum = 0;
        if (!buf)
                return 0; /* out of memory: libudev reads it as before */
        n = recv(fd, buf, SCREEN_BUFFER, MSG_PEEK | MSG_DONTWAIT);
        if (n < 0)
                return errno == EWOULDBLOCK ? -EAGAIN : -errno;
        buf[n] = '\0'; /* so that a field cut at the end stays a C string */
        why = uevent_screen(buf, n, ret_seqnum);
        if (!why)
                return 0;
        (void) recv(fd, buf, SCREEN_BUFFER, MSG_DONTWAIT); /* drops it: libudev never parses it */
        log_warning("Dropped uevent %llu: %s, ignoring.", (unsigned long long) *ret_seqnum, why);
        return 1;
}
