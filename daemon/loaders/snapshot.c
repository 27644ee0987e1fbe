/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* snapshot.c: see snapshot.h. Files and buffers to the parser their content asks for. */

#include <assert.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "snapshot-classes.h"
#include "snapshot.h"

static int read_all(const char *path, char **ret, size_t *ret_len) {
        _cleanup_fclose_ FILE *owned = NULL;
        _cleanup_free_ char *buf = NULL;
        size_t len = 0, cap = 0;
        FILE *f = stdin;

        if (!streq(path, "-")) {
                f = owned = fopen(path, "re");
                if (!f)
                        return -errno;
        }
        for (;;) {
                size_t n;

                if (len + 65536 + 1 > cap) {
                        char *b;

                        cap = (len + 65536 + 1) * 2;
                        b = realloc(buf, cap);
                        if (!b)
                                return -ENOMEM;
                        buf = b;
                }
                n = fread(buf + len, 1, cap - len - 1, f);
                len += n;
                if (n == 0) {
                        if (ferror(f))
                                return -EIO;
                        break;
                }
        }
        buf[len] = 0;
        *ret = TAKE_PTR(buf);
        *ret_len = len;
        return 0;
}

static bool looks_like_plist(const char *data, size_t len) {
        if (len >= 8 && memcmp(data, "bplist00", 8) == 0)
                return true;
        while (len > 0 && (*data == ' ' || *data == '\t' || *data == '\n' || *data == '\r')) {
                data++;
                len--;
        }
        return (len >= 5 && (memcmp(data, "<?xml", 5) == 0 || memcmp(data, "<!DOC", 5) == 0)) ||
               (len >= 6 && memcmp(data, "<plist", 6) == 0);
}

int snapshot_load_buffer(Registry *reg, const char *plane_name, const char *data, size_t len, SnapshotError *err) {
        const Plane *plane;
        int r;

        r = registry_add_plane(reg, plane_name, &plane);
        if (r < 0)
                return snapshot_fail(err, r, "invalid plane '%s'", plane_name);
        if (looks_like_plist(data, len))
                return snapshot_load_plist(reg, plane, data, len, err);
        return snapshot_load_text(reg, plane, data, len, err);
}

int snapshot_load_file(Registry *reg, const char *plane_name, const char *path, SnapshotError *err) {
        _cleanup_free_ char *data = NULL;
        size_t len = 0;
        int r;

        r = read_all(path, &data, &len);
        if (r < 0)
                return snapshot_fail(err, r, "cannot read: %s", strerror(-r));
        return snapshot_load_buffer(reg, plane_name, data, len, err);
}
