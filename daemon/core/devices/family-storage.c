/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * family-storage.c: block devices (subsystem "block") → IOMedia, whole
 * disks and partitions alike, with IOStorageFamily's keys and widths:
 * "BSD Name", "BSD Major", "BSD Minor", "BSD Unit" (32 bits), Size, "Preferred
 * Block Size" and, for partitions, Base (64 bits), "Partition ID" (32 bits),
 * the booleans Whole, Leaf, Removable, Ejectable, Writable, and the strings
 * Content, "Content Hint" and UUID.
 *
 * Sources:
 *  - "BSD Name" is the kernel name (sda, sda1, nvme0n1p2): the name a program
 *    opens, so a Linux program matches {"BSD Name": "sda1"} like a Mac one
 *    matches "disk0s1". "BSD Unit" is the disk's number: the letters of
 *    sd/vd/hd/xvd names (sda → 0, sdab → 27), the controller of nvmeXnY,
 *    else the number the disk name ends with (mmcblk0, loop3, md127, dm-2).
 *  - Size and Base: the `size` and `start` attributes (512-byte sectors) ×
 *    512. "Preferred Block Size": the disk's queue/logical_block_size.
 *  - Removable and Ejectable: the disk's `removable`; Writable: `ro` is 0.
 *  - Whole: devtype "disk". Leaf: a partition, or a whole disk with no
 *    partition table that udev saw (ID_PART_TABLE_TYPE). Without udevd a
 *    partitioned disk still reads Leaf = Yes: sysfs does not list a disk's
 *    partitions in the disk's own record.
 *  - Content of a whole disk: GUID_partition_scheme (gpt),
 *    FDisk_partition_scheme (dos), Apple_partition_scheme (mac), else "".
 *    Of a partition: its type, as Apple's partition schemes publish it: the
 *    GPT type GUID in uppercase, or the MBR type as "0x0C". "Content Hint"
 *    is the same for partitions and "" for whole disks. Both need udev.
 *  - UUID: the partition's GPT/MBR entry UUID (uppercase), else the
 *    filesystem UUID (ID_FS_UUID) as udev prints it; absent without udev.
 *
 * Names: a whole disk is named "<model> Media" like a Mac's ("KINGSTON
 * SA2000M81000G Media"): the SCSI vendor and model of its parent (vendor
 * left out when it is "ATA", the full ATA model then coming from udev's
 * ID_MODEL_ENC when present), or the parent's `model` (NVMe) or `name`
 * (MMC), or udev's ID_MODEL_ENC; with none, the kernel name (loop0, zram0).
 * A partition is named after its partition name (PARTNAME from the kernel,
 * or ID_PART_ENTRY_NAME), else "Untitled N" as on a Mac, and its location
 * is its partition number in decimal ("EFI System Partition@1"). Whole
 * disks have no location.
 */

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "family-util.h"

#define SECTOR_SIZE 512u

_hot_ static bool storage_handles(const DeviceRecord *d) {
        return streq_ptr(d->subsystem, "block");
}

static bool is_partition(const DeviceRecord *d) {
        if (d->devtype)
                return streq(d->devtype, "partition");
        return device_record_attr(d, "partition") != NULL;
}

/* The whole disk a block device belongs to (itself for a disk). */
static const DeviceRecord *disk_of(const DeviceRecord *d) {
        const DeviceRecord *parent = is_partition(d) ? device_record_parent(d) : NULL;

        if (parent && streq_ptr(parent->subsystem, "block"))
                return parent;
        return d;
}

static int bsd_unit(const char *disk, uint64_t *ret) {
        static const char *const lettered[] = { "sd", "vd", "hd", "xvd" };
        unsigned controller, ns;
        size_t prefix;

        for (size_t i = 0; i < ELEMENTSOF(lettered); i++) {
                size_t n = strlen(lettered[i]);
                const char *p = disk + n;
                uint64_t unit = 0;

                if (strncmp(disk, lettered[i], n) != 0 || !*p)
                        continue;
                for (; *p; p++) {
                        if (*p < 'a' || *p > 'z' || unit > UINT32_MAX / 26)
                                break;
                        unit = unit * 26 + (*p - 'a' + 1);
                }
                if (*p == '\0') {
                        *ret = unit - 1;
                        return 0;
                }
        }
        if (sscanf(disk, "nvme%un%u", &controller, &ns) == 2) {
                *ret = controller;
                return 0;
        }
        prefix = family_name_prefix_len(disk);
        if (disk[prefix] == '\0')
                return -EINVAL;
        return family_parse_unsigned(disk + prefix, 10, UINT32_MAX, ret);
}

static const char *partition_scheme(const char *table_type) {
        if (streq_ptr(table_type, "gpt"))
                return "GUID_partition_scheme";
        if (streq_ptr(table_type, "dos"))
                return "FDisk_partition_scheme";
        if (streq_ptr(table_type, "mac"))
                return "Apple_partition_scheme";
        return "";
}

static char *upper_dup(const char *s) {
        char *u = strdup(s);

        if (u)
                for (char *p = u; *p; p++)
                        *p = (char) toupper((unsigned char) *p);
        return u;
}

/* A partition's type as Apple's partition schemes publish it; NULL when unknown. */
static char *partition_content(const DeviceRecord *d) {
        const char *type = device_record_property(d, "ID_PART_ENTRY_TYPE");
        const char *scheme = device_record_property(d, "ID_PART_ENTRY_SCHEME");
        uint64_t mbr;
        char *s;

        if (!type || !*type)
                return NULL;
        if (streq_ptr(scheme, "dos") || (!scheme && strncmp(type, "0x", 2) == 0)) {
                if (family_parse_unsigned(type, 16, 0xff, &mbr) < 0)
                        return NULL;
                return asprintf(&s, "0x%02llX", (unsigned long long) mbr) < 0 ? NULL : s;
        }
        return upper_dup(type);
}

/* "<model> Media" for a whole disk, or NULL when nothing names it. */
static char *disk_media_name(const DeviceRecord *d) {
        _cleanup_free_ char *vendor = NULL, *model = NULL;
        const DeviceRecord *parent = device_record_parent(d);
        char *name;

        vendor = family_strip(device_record_attr(parent, "vendor"));
        model = family_strip(device_record_attr(parent, "model"));
        if (model && vendor && streq(vendor, "ATA")) {
                /* The SCSI model of an ATA disk is cut at 16 characters; udev keeps the whole of it. */
                char *full = family_udev_decode(device_record_property(d, "ID_MODEL_ENC"));

                if (full) {
                        free(model);
                        model = full;
                }
                free(vendor);
                vendor = NULL;
        }
        if (!model)
                model = family_strip(device_record_attr(parent, "name"));
        if (!model) {
                model = family_udev_decode(device_record_property(d, "ID_MODEL_ENC"));
                free(vendor);
                vendor = NULL;
                if (model)
                        vendor = family_udev_decode(device_record_property(d, "ID_VENDOR_ENC"));
        }
        if (!model)
                return NULL;
        if (vendor && asprintf(&name, "%s %s Media", vendor, model) >= 0)
                return name;
        if (!vendor && asprintf(&name, "%s Media", model) >= 0)
                return name;
        return NULL;
}

static int set_bool(Value *props, const char *key, bool b) {
        return value_dict_set_take(props, key, value_new_boolean(b));
}

_hot_ static int storage_describe(const DeviceRecord *d, NubDescription *nub) {
        const DeviceRecord *disk = disk_of(d);
        bool partition = is_partition(d);
        Value *props = nub->properties;
        _cleanup_free_ char *content = NULL;
        const char *s, *uuid;
        char buf[256];
        uint64_t v, partno = 0;
        bool has_partno;
        unsigned major = d->major, minor = d->minor;
        int r;

        nub->class_name = "IOMedia";

        if (value_dict_set_take(props, "BSD Name", value_new_string(d->sysname)) < 0)
                return -ENOMEM;
        if (major == 0 && minor == 0 && (s = device_record_attr(d, "dev")))
                (void) sscanf(s, "%u:%u", &major, &minor);
        if (major != 0 || minor != 0) {
                if (value_dict_set_take(props, "BSD Major", value_new_unsigned(major, 32)) < 0 ||
                    value_dict_set_take(props, "BSD Minor", value_new_unsigned(minor, 32)) < 0)
                        return -ENOMEM;
        }
        if (bsd_unit(disk->sysname, &v) >= 0 &&
            value_dict_set_take(props, "BSD Unit", value_new_unsigned(v, 32)) < 0)
                return -ENOMEM;

        if (family_attr_unsigned(d, "size", 10, UINT64_MAX / SECTOR_SIZE, &v) >= 0 &&
            value_dict_set_take(props, "Size", value_new_unsigned(v * SECTOR_SIZE, 64)) < 0)
                return -ENOMEM;
        if (family_attr_unsigned(disk, "queue/logical_block_size", 10, UINT32_MAX, &v) >= 0 &&
            value_dict_set_take(props, "Preferred Block Size", value_new_unsigned(v, 64)) < 0)
                return -ENOMEM;

        has_partno = partition && family_attr_unsigned(d, "partition", 10, UINT32_MAX, &partno) >= 0;
        if (partition) {
                if (family_attr_unsigned(d, "start", 10, UINT64_MAX / SECTOR_SIZE, &v) >= 0 &&
                    value_dict_set_take(props, "Base", value_new_unsigned(v * SECTOR_SIZE, 64)) < 0)
                        return -ENOMEM;
                if (has_partno &&
                    value_dict_set_take(props, "Partition ID", value_new_unsigned(partno, 32)) < 0)
                        return -ENOMEM;
        }

        r = set_bool(props, "Whole", !partition);
        if (r >= 0)
                r = set_bool(props, "Leaf", partition || !device_record_property(d, "ID_PART_TABLE_TYPE"));
        if (r < 0)
                return r;
        s = device_record_attr(disk, "removable");
        if (s && (streq(s, "0") || streq(s, "1"))) {
                if (set_bool(props, "Removable", streq(s, "1")) < 0 ||
                    set_bool(props, "Ejectable", streq(s, "1")) < 0)
                        return -ENOMEM;
        }
        s = device_record_attr(d, "ro");
        if (!s)
                s = device_record_attr(disk, "ro");
        if (s && (streq(s, "0") || streq(s, "1")) && set_bool(props, "Writable", streq(s, "0")) < 0)
                return -ENOMEM;

        if (partition) {
                content = partition_content(d);
                if (value_dict_set_take(props, "Content", value_new_string(content ?: "")) < 0 ||
                    value_dict_set_take(props, "Content Hint", value_new_string(content ?: "")) < 0)
                        return -ENOMEM;
        } else {
                s = partition_scheme(device_record_property(d, "ID_PART_TABLE_TYPE"));
                if (value_dict_set_take(props, "Content", value_new_string(s)) < 0 ||
                    value_dict_set_take(props, "Content Hint", value_new_string("")) < 0)
                        return -ENOMEM;
        }

        uuid = partition ? device_record_property(d, "ID_PART_ENTRY_UUID") : NULL;
        if (uuid && *uuid) {
                _cleanup_free_ char *upper = upper_dup(uuid);

                if (!upper || value_dict_set_take(props, "UUID", value_new_string(upper)) < 0)
                        return -ENOMEM;
        } else {
                uuid = device_record_property(d, "ID_FS_UUID");
                if (uuid && *uuid && value_dict_set_take(props, "UUID", value_new_string(uuid)) < 0)
                        return -ENOMEM;
        }

        if (partition) {
                s = family_uevent_value(d, "PARTNAME", buf, sizeof(buf));
                if (!s || !*s)
                        s = device_record_property(d, "ID_PART_ENTRY_NAME");
                if (s && *s)
                        nub->name = family_udev_decode(s);
                if (!nub->name && has_partno &&
                    asprintf(&nub->name, "Untitled %llu", (unsigned long long) partno) < 0)
                        nub->name = NULL;
                if (has_partno && asprintf(&nub->location, "%llu", (unsigned long long) partno) < 0) {
                        nub->location = NULL;
                        return -ENOMEM;
                }
        } else
                nub->name = disk_media_name(d);
        if (!nub->name)
                nub->name = strdup(d->sysname);
        return nub->name ? 0 : -ENOMEM;
}

const Family family_storage = {
        .name = "storage",
        .subsystems = { "block" },
        .handles = storage_handles,
        .describe = storage_describe,
};
