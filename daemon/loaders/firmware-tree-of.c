/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * firmware-tree-of.c: reads the flattened device tree the kernel exports
 * (/sys/firmware/devicetree/base: a directory per node, a file per
 * property) into firmware-tree nodes. The only I/O of the firmware tree;
 * once, at start: the kernel does not change the tree after boot except
 * through overlays, which send no uevent.
 */

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "firmware-tree.h"

#define PROPERTY_MAX (64 * 1024) /* larger blobs (firmware images) are cut: ioreg would not show them */
#define DEPTH_MAX 64

static Value *read_property(int dirfd, const char *name) {
        _cleanup_close_ int fd = -EBADF;
        _cleanup_free_ char *buf = NULL;
        size_t len = 0;
        ssize_t n;

        fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return NULL;
        buf = malloc(PROPERTY_MAX);
        if (!buf)
                return NULL;
        while (len < PROPERTY_MAX && (n = read(fd, buf + len, PROPERTY_MAX - len)) > 0)
                len += (size_t) n;
        return value_new_data(buf, len); /* Apple keeps device-tree properties as data, NULs and all */
}

static int load_node(FirmwareTree *ft, int dirfd, const char *key, unsigned depth) {
        _cleanup_value_ Value *props = NULL;
        struct dirent **names = NULL;
        int n, r = 0, count = 0;
        DIR *d;

        if (depth > DEPTH_MAX)
                return 0;
        d = fdopendir(dirfd);
        if (!d) {
                close(dirfd);
                return -errno;
        }
        props = value_new_dictionary();
        /* scandir sorts: children in name order, whatever the directory's. */
        n = scandirat(dirfd, ".", &names, NULL, alphasort);
        if (!props || n < 0) {
                closedir(d);
                return props ? -errno : -ENOMEM;
        }
        for (int i = 0; i < n; i++) {
                struct stat st;

                if (names[i]->d_name[0] == '.' || fstatat(dirfd, names[i]->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
                    !S_ISREG(st.st_mode))
                        continue;
                if (value_dict_set_take(props, names[i]->d_name, read_property(dirfd, names[i]->d_name)) < 0)
                        r = -ENOMEM;
        }
        if (r >= 0 && key[0]) {
                r = firmware_tree_add_devicetree_node(ft, key, props);
                if (r >= 0)
                        count++;
        }
        for (int i = 0; r >= 0 && i < n; i++) {
                _cleanup_free_ char *child = NULL;
                struct stat st;
                int fd;

                if (names[i]->d_name[0] == '.' || fstatat(dirfd, names[i]->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
                    !S_ISDIR(st.st_mode))
                        continue;
                if (asprintf(&child, "%s/%s", key, names[i]->d_name) < 0) {
                        r = -ENOMEM;
                        break;
                }
                fd = openat(dirfd, names[i]->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (fd < 0)
                        continue;
                r = load_node(ft, fd, child, depth + 1);
                if (r > 0)
                        count += r;
        }
        for (int i = 0; i < n; i++)
                free(names[i]);
        free(names);
        closedir(d);
        return r < 0 ? r : count;
}

int firmware_tree_load_devicetree(FirmwareTree *ft, const char *sysfs_root) {
        _cleanup_free_ char *path = NULL;
        int fd;

        if (asprintf(&path, "%s/firmware/devicetree/base", sysfs_root) < 0)
                return -ENOMEM;
        fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return errno == ENOENT ? 0 : -errno;
        /* The root's properties are the platform expert's (platform-expert.c); its children hang below it. */
        return load_node(ft, fd, "", 0);
}
