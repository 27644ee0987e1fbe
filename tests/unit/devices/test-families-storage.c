/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-families-storage.c: the storage family: SATA and NVMe disks,
 * partitions, with and without udev, MBR and malformed attributes.
 *
 * There is no umockdev recording of this kind of device, so it is built from
 * tables. Its udev properties are copied from the `udevadm info --export-db`
 * dumps in the shared test data
 * (testdata/udevdb/checkbox-udevadm-export-db-LENOVO_T430S.txt and
 * ...-HP_ELITEBOOK_835_13_INCH_G10.txt). Those dumps hold no sysfs
 * attributes: the attributes in the tables (size, mtu, address, ...) are
 * invented, realistic for the device, and marked "invented".
 *
 * The checks and the table devices they share are in family-check.c.
 */

#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "family-check.h"

/* sda and sda1: LENOVO_T430S (udevdb). Attributes invented: size (a 500 GB HTS725050A7E630 has
 * 976773168 sectors), queue/logical_block_size, removable, ro; the SCSI parent's vendor and model
 * are what the kernel shows for this ATA disk. */
static const char *const t430s_scsi_attrs[] = { "vendor", "ATA     ", "model", "HGST HTS725050A7", NULL };
static const char *const t430s_sda_attrs[] = {
        "size", "976773168", "queue/logical_block_size", "512", "removable", "0", "ro", "0", NULL,
};
static const char *const t430s_sda_props[] = {
        "DEVNAME", "/dev/sda", "DEVTYPE", "disk", "ID_BUS", "ata", "ID_MODEL", "HGST_HTS725050A7E630",
        "ID_MODEL_ENC",
        "HGST\\x20HTS725050A7E630\\x20\\x20\\x20\\x20\\x20\\x20\\x20\\x20\\x20\\x20\\x20\\x20\\x20"
                        "\\x20\\x20\\x20\\x20\\x20\\x20\\x20",
        "ID_PART_TABLE_TYPE", "gpt", "ID_SERIAL_SHORT", "TF755AWHG5Y15M", "ID_TYPE", "disk", "MAJOR", "8",
        "MINOR", "0", "SUBSYSTEM", "block", NULL,
};
static const char *const t430s_sda1_attrs[] = {
        "size", "2048000", "start", "2048", "partition", "1", "ro", "0", NULL,
};
static const char *const t430s_sda1_props[] = {
        "DEVNAME", "/dev/sda1", "DEVTYPE", "partition", "ID_FS_LABEL", "WINRE_DRV", "ID_FS_TYPE", "ntfs",
        "ID_FS_UUID", "7EB4BDFAB4BDB4CD", "ID_PART_ENTRY_DISK", "8:0", "ID_PART_ENTRY_FLAGS", "0x1",
        "ID_PART_ENTRY_NUMBER", "1", "ID_PART_ENTRY_OFFSET", "2048", "ID_PART_ENTRY_SCHEME", "gpt",
        "ID_PART_ENTRY_SIZE", "2048000", "ID_PART_ENTRY_TYPE", "de94bba4-06d1-4d40-a16a-bfd50179d6ac",
        "ID_PART_ENTRY_UUID", "58c0030d-7957-4c21-b0cd-53b952d2d692", "ID_PART_TABLE_TYPE", "gpt",
        "MAJOR", "8",
        "MINOR", "1", "SUBSYSTEM", "block", NULL,
};

static void test_storage_sata_disk(void **state) {
        TableDevice scsi = {
                .record = { .syspath = "/sys/devices/pci0000:00/0000:00:1f.2/ata1/host0/target0:0:0/0:0:0:0",
                            .subsystem = "scsi", .devtype = "scsi_device" },
                .attrs = t430s_scsi_attrs,
        };
        TableDevice sda = {
                .record = { .syspath = "/sys/devices/pci0000:00/0000:00:1f.2/ata1/host0/target0:0:0"
                            "/0:0:0:0/block/sda",
                            .subsystem = "block", .devtype = "disk", .devname = "/dev/sda",
                            .major = 8, .minor = 0 },
                .attrs = t430s_sda_attrs,
                .props = t430s_sda_props,
        };
        TableDevice sda1 = {
                .record = { .syspath = "/sys/devices/pci0000:00/0000:00:1f.2/ata1/host0/target0:0:0"
                            "/0:0:0:0/block/sda/sda1",
                            .subsystem = "block", .devtype = "partition", .devname = "/dev/sda1",
                            .major = 8, .minor = 1 },
                .attrs = t430s_sda1_attrs,
                .props = t430s_sda1_props,
        };
        _cleanup_(nub_done) NubDescription disk = {}, part = {};

        table_device(&scsi, NULL);
        describe(table_device(&sda, &scsi.record), &disk);
        check_nub(&disk, "IOMedia", "HGST HTS725050A7E630 Media", NULL);
        check_string(&disk, "BSD Name", "sda");
        check_unsigned(&disk, "BSD Major", 8, 32);
        check_unsigned(&disk, "BSD Minor", 0, 32);
        check_unsigned(&disk, "BSD Unit", 0, 32);
        check_unsigned(&disk, "Size", UINT64_C(976773168) * 512, 64);
        check_unsigned(&disk, "Preferred Block Size", 512, 64);
        check_bool(&disk, "Whole", true);
        check_bool(&disk, "Leaf", false); /* it has a partition table */
        check_bool(&disk, "Removable", false);
        check_bool(&disk, "Ejectable", false);
        check_bool(&disk, "Writable", true);
        check_string(&disk, "Content", "GUID_partition_scheme");
        check_string(&disk, "Content Hint", "");
        check_absent(&disk, "UUID");
        check_absent(&disk, "Base");
        check_absent(&disk, "Partition ID");

        describe(table_device(&sda1, &sda.record), &part);
        check_nub(&part, "IOMedia", "Untitled 1", "1"); /* no GPT partition name in this dump */
        check_string(&part, "BSD Name", "sda1");
        check_unsigned(&part, "BSD Minor", 1, 32);
        check_unsigned(&part, "BSD Unit", 0, 32);
        check_unsigned(&part, "Size", UINT64_C(2048000) * 512, 64);
        check_unsigned(&part, "Base", UINT64_C(2048) * 512, 64);
        check_unsigned(&part, "Partition ID", 1, 32);
        check_unsigned(&part, "Preferred Block Size", 512, 64); /* the disk's */
        check_bool(&part, "Whole", false);
        check_bool(&part, "Leaf", true);
        check_bool(&part, "Removable", false); /* the disk's */
        check_bool(&part, "Writable", true);
        check_string(&part, "Content", "DE94BBA4-06D1-4D40-A16A-BFD50179D6AC");
        check_string(&part, "Content Hint", "DE94BBA4-06D1-4D40-A16A-BFD50179D6AC");
        check_string(&part, "UUID", "58C0030D-7957-4C21-B0CD-53B952D2D692");
}

static void test_storage_nvme(void **state) {
        /* HP_ELITEBOOK_835_13_INCH_G10 (udevdb); the controller's `model`, size and the rest invented. */
        static const char *const ctrl_attrs[] = { "model", "WD PC SN740 SDDQNQD-256G-1006          ", NULL };
        static const char *const disk_attrs[] = {
                "size", "500118192", "queue/logical_block_size", "512", "removable", "0", "ro", "0", NULL,
        };
        static const char *const disk_props[] = {
                "DEVTYPE", "disk", "ID_MODEL", "WD PC SN740 SDDQNQD-256G-1006", "ID_PART_TABLE_TYPE", "gpt",
                "ID_PART_TABLE_UUID", "95a8b5d1-e53c-4b93-b97f-d9de372de5a8", NULL,
        };
        static const char *const part_attrs[] = {
                "size", "1050748", "start", "34", "partition", "1", "ro", "0", NULL,
        };
        static const char *const part_props[] = {
                "DEVTYPE", "partition", "PARTN", "1", "PARTNAME", "EFI", "ID_FS_UUID", "5D3A-3942",
                "ID_PART_ENTRY_SCHEME", "gpt", "ID_PART_ENTRY_NAME", "EFI",
                "ID_PART_ENTRY_UUID", "02c28251-a69b-44d9-8438-835853fbebc6",
                "ID_PART_ENTRY_TYPE", "c12a7328-f81f-11d2-ba4b-00a0c93ec93b", "ID_PART_ENTRY_NUMBER",
                "1", NULL,
        };
        TableDevice ctrl = {
                .record = { .syspath = "/sys/devices/pci0000:00/0000:00:02.4/0000:03:00.0/nvme/nvme0",
                            .subsystem = "nvme" },
                .attrs = ctrl_attrs,
        };
        TableDevice disk = {
                .record = { .syspath = "/sys/devices/pci0000:00/0000:00:02.4/0000:03:00.0/nvme/nvme0"
                            "/nvme0n1",
                            .subsystem = "block", .devtype = "disk", .devname = "/dev/nvme0n1",
                            .major = 259, .minor = 0 },
                .attrs = disk_attrs,
                .props = disk_props,
        };
        TableDevice part = {
                .record = { .syspath = "/sys/devices/pci0000:00/0000:00:02.4/0000:03:00.0/nvme/nvme0"
                            "/nvme0n1/nvme0n1p1",
                            .subsystem = "block", .devtype = "partition", .devname = "/dev/nvme0n1p1",
                            .major = 259,
                            .minor = 1 },
                .attrs = part_attrs,
                .props = part_props,
        };
        _cleanup_(nub_done) NubDescription d = {}, p = {};

        table_device(&ctrl, NULL);
        describe(table_device(&disk, &ctrl.record), &d);
        check_nub(&d, "IOMedia", "WD PC SN740 SDDQNQD-256G-1006 Media", NULL);
        check_unsigned(&d, "BSD Unit", 0, 32);
        check_unsigned(&d, "BSD Major", 259, 32);
        check_absent(&d, "UUID"); /* the table's UUID belongs to the partition scheme, not the media */

        describe(table_device(&part, &disk.record), &p);
        check_nub(&p, "IOMedia", "EFI", "1");
        check_unsigned(&p, "Base", 34 * 512, 64);
        /* As a Mac's "EFI System Partition@1". */
        check_string(&p, "Content", "C12A7328-F81F-11D2-BA4B-00A0C93EC93B");
        check_string(&p, "UUID", "02C28251-A69B-44D9-8438-835853FBEBC6");
}

static void test_storage_without_udev(void **state) {
        /* No udev: names from sysfs alone, the partition name from the kernel's uevent (PARTNAME). */
        static const char *const stick_scsi_attrs[] = {
                "vendor", "SanDisk ", "model", "Cruzer Glide    ", NULL,
        };
        static const char *const stick_attrs[] = {
                "size", "60063744", "queue/logical_block_size", "512", "removable", "1", "ro", "0",
                "dev", "8:16", NULL,
        };
        static const char *const part_attrs[] = {
                "size", "60061696", "start", "2048", "partition", "1", "ro", "1",
                "uevent",
                "MAJOR=8\nMINOR=17\nDEVNAME=sdb1\nDEVTYPE=partition\nPARTN=1\nPARTNAME=Basic data partition",
                NULL,
        };
        static const char *const loop_attrs[] = { "size", "0", "removable", "0", "ro", "0", NULL };
        TableDevice scsi = {
                .record = { .syspath = "/sys/devices/pci0000:00/0000:00:14.0/usb2/2-1/2-1:1.0/host6"
                            "/target6:0:0/6:0:0:0",
                            .subsystem = "scsi", .devtype = "scsi_device" },
                .attrs = stick_scsi_attrs,
        };
        TableDevice stick = {
                .record = { .syspath = "/sys/devices/pci0000:00/0000:00:14.0/usb2/2-1/2-1:1.0/host6"
                            "/target6:0:0/6:0:0:0/block/sdb",
                            .subsystem = "block", .devtype = "disk", .devname = "/dev/sdb" },
                .attrs = stick_attrs,
        };
        TableDevice part = {
                .record = { .syspath = "/sys/devices/pci0000:00/0000:00:14.0/usb2/2-1/2-1:1.0/host6"
                            "/target6:0:0/6:0:0:0/block/sdb/sdb1",
                            .subsystem = "block", .devtype = "partition", .devname = "/dev/sdb1",
                            .major = 8, .minor = 17 },
                .attrs = part_attrs,
        };
        TableDevice loop = {
                .record = { .syspath = "/sys/devices/virtual/block/loop3",
                            .subsystem = "block", .devtype = "disk",
                            .devname = "/dev/loop3", .major = 7, .minor = 3 },
                .attrs = loop_attrs,
        };
        _cleanup_(nub_done) NubDescription s = {}, p = {}, l = {};

        table_device(&scsi, NULL);
        describe(table_device(&stick, &scsi.record), &s);
        check_nub(&s, "IOMedia", "SanDisk Cruzer Glide Media", NULL);
        check_unsigned(&s, "BSD Major", 8, 32); /* from the `dev` attribute */
        check_unsigned(&s, "BSD Minor", 16, 32);
        check_unsigned(&s, "BSD Unit", 1, 32);
        check_bool(&s, "Removable", true);
        check_bool(&s, "Ejectable", true);
        check_bool(&s, "Leaf", true); /* no udev: the partition table is unknown */
        check_string(&s, "Content", "");

        describe(table_device(&part, &stick.record), &p);
        check_nub(&p, "IOMedia", "Basic data partition", "1");
        check_bool(&p, "Writable", false);
        check_bool(&p, "Removable", true);
        check_string(&p, "Content", "");
        check_absent(&p, "UUID");

        describe(table_device(&loop, NULL), &l);
        check_nub(&l, "IOMedia", "loop3", NULL);
        check_unsigned(&l, "BSD Unit", 3, 32);
        check_unsigned(&l, "Size", 0, 64);
        check_absent(&l, "Preferred Block Size");
}

static void test_storage_mbr_and_malformed(void **state) {
        static const char *const disk_attrs[] = { "size", "lots", "removable", "maybe", "ro", "2", NULL };
        static const char *const disk_props[] = { "ID_PART_TABLE_TYPE", "dos", NULL };
        static const char *const part_attrs[] = { "size", "-5", "start", "x", "partition", "one", NULL };
        static const char *const part_props[] = {
                "ID_PART_ENTRY_SCHEME", "dos", "ID_PART_ENTRY_TYPE", "0xc", "ID_PART_ENTRY_UUID",
                "5f2a0b1c-01", NULL,
        };
        TableDevice disk = {
                .record = { .syspath = "/sys/devices/virtual/block/vdc",
                            .subsystem = "block", .devtype = "disk" },
                .attrs = disk_attrs,
                .props = disk_props,
        };
        TableDevice part = {
                .record = { .syspath = "/sys/devices/virtual/block/vdc/vdc1",
                            .subsystem = "block", .devtype = "partition" },
                .attrs = part_attrs,
                .props = part_props,
        };
        _cleanup_(nub_done) NubDescription d = {}, p = {};

        describe(table_device(&disk, NULL), &d);
        check_nub(&d, "IOMedia", "vdc", NULL);
        check_string(&d, "Content", "FDisk_partition_scheme");
        check_unsigned(&d, "BSD Unit", 2, 32);
        check_absent(&d, "Size");
        check_absent(&d, "Removable");
        check_absent(&d, "Writable");
        check_absent(&d, "BSD Major");

        describe(table_device(&part, &disk.record), &p);
        /* No partition number: neither "Untitled N" nor a location. */
        check_nub(&p, "IOMedia", "vdc1", NULL);
        check_string(&p, "Content", "0x0C");
        check_string(&p, "Content Hint", "0x0C");
        check_string(&p, "UUID", "5F2A0B1C-01");
        check_absent(&p, "Size");
        check_absent(&p, "Base");
        check_absent(&p, "Partition ID");
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_storage_sata_disk),
                cmocka_unit_test(test_storage_nvme),
                cmocka_unit_test(test_storage_without_udev),
                cmocka_unit_test(test_storage_mbr_and_malformed),
        };

        return cmocka_run_group_tests_name("families-storage", tests, NULL, NULL);
}
