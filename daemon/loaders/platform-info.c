/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* platform-info.c: the machine's identity from sysfs (see platform-info.h). */

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "platform-info.h"
#include "utf8.h"

/* Reads a small sysfs attribute; *ret = NULL when absent or empty. Keeps NULs, strips the last newline. */
static int read_attr(const char *root, const char *rel, char **ret, size_t *ret_len) {
        _cleanup_free_ char *path = NULL, *buf = NULL;
        _cleanup_close_ int fd = -EBADF;
        ssize_t n;

        *ret = NULL;
        if (asprintf(&path, "%s/%s", root, rel) < 0)
                return -ENOMEM;
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return errno == ENOENT || errno == EACCES || errno == EPERM ? 0 : -errno;
        buf = malloc(4097);
        if (!buf)
                return -ENOMEM;
        n = read(fd, buf, 4096);
        if (n < 0)
                return errno == EACCES || errno == EPERM || errno == EIO ? 0 : -errno;
        while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
                n--;
        if (n == 0)
                return 0;
        buf[n] = '\0';
        if (ret_len)
                *ret_len = (size_t) n;
        else if (!utf8_is_valid(buf, strlen(buf))) {
                /* A DMI string in another code page: shown repaired (utf8.h), as the bus needs it. */
                char *repaired = utf8_escape_invalid(buf, strlen(buf));

                if (!repaired)
                        return -ENOMEM;
                free(buf);
                buf = repaired;
        }
        *ret = TAKE_PTR(buf);
        return 0;
}

int platform_info_read(PlatformInfo *info, const char *sysfs_root) {
        static const struct {
                const char *file;
                size_t offset;
        } dmi[] = {
                { "class/dmi/id/product_name", offsetof(PlatformInfo, model) },
                { "class/dmi/id/sys_vendor", offsetof(PlatformInfo, manufacturer) },
                { "class/dmi/id/product_serial", offsetof(PlatformInfo, serial) },
                { "class/dmi/id/product_uuid", offsetof(PlatformInfo, uuid) },
                { "class/dmi/id/board_name", offsetof(PlatformInfo, board_id) },
                { "class/dmi/id/product_version", offsetof(PlatformInfo, version) },
        };
        int r;

        assert(info && sysfs_root);
        *info = (PlatformInfo) {};
        for (size_t i = 0; i < ELEMENTSOF(dmi); i++) {
                r = read_attr(sysfs_root, dmi[i].file, (char **) ((char *) info + dmi[i].offset), NULL);
                if (r < 0)
                        goto fail;
        }
        if (info->model || info->manufacturer) {
                info->source = "dmi";
                return 0;
        }

        /* No DMI (ARM boards, most embedded machines): the flattened device tree. */
        r = read_attr(sysfs_root, "firmware/devicetree/base/model", &info->model, NULL);
        if (r < 0)
                goto fail;
        r = read_attr(sysfs_root, "firmware/devicetree/base/serial-number", &info->serial, NULL);
        if (r < 0)
                goto fail;
        r = read_attr(sysfs_root, "firmware/devicetree/base/compatible", &info->compatible, &info->compatible_len);
        if (r < 0)
                goto fail;
        if (info->model)
                (void) strtok(info->model, "\n"); /* DT strings carry their NUL inside the file */
        if (info->compatible) {
                /* The vendor is the part of the first compatible string before its comma. */
                const char *comma = strchr(info->compatible, ',');

                if (comma)
                        info->manufacturer = strndup(info->compatible, comma - info->compatible);
        }
        if (info->model || info->compatible)
                info->source = "device-tree";
        return 0;
fail:
        platform_info_done(info);
        return r;
}

