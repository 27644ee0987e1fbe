/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bench-udev-peer.c: see bench-udev-peer.h. What the families read
 * (daemon/core/devices/family-*.c), by subsystem; the peer reads the same
 * attributes of the same devices, and the ancestors they take them from,
 * with plain libudev calls.
 */

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libudev.h>

#include "bench-udev-peer.h"
#include "bench-util.h"
#include "macro.h"

/* Prevents the compiler from dropping the peer's reads. */
static volatile uint64_t sink;

/*
 * What the families read (daemon/family-*.c), by subsystem. The peer reads
 * the same attributes of the same devices, and the ancestors they take
 * them from, with plain libudev calls.
 */
static const char *const usb_device_attrs[] = {
        "idVendor", "idProduct", "bcdDevice", "bDeviceClass", "bDeviceSubClass", "bDeviceProtocol",
        "bMaxPacketSize0", "bNumConfigurations", "bConfigurationValue", "devnum", "version",
        "manufacturer", "product", "serial", "speed", "removable", NULL,
};
static const char *const usb_interface_attrs[] = {
        "bInterfaceNumber", "bAlternateSetting", "bInterfaceClass", "bInterfaceSubClass",
        "bInterfaceProtocol", "bNumEndpoints", "interface", NULL,
};
static const char *const usb_interface_device_attrs[] = {
        "bConfigurationValue", "idVendor", "idProduct", "bcdDevice", NULL,
};
static const char *const pci_attrs[] = {
        "vendor", "device", "subsystem_vendor", "subsystem_device", "class", "revision", NULL,
};
static const char *const net_attrs[] = {
        "type", "addr_len", "address", "mtu", "carrier", "operstate", "speed", NULL,
};
static const char *const partition_attrs[] = { "partition", "size", "start", "ro", "uevent", NULL };
static const char *const disk_attrs[] = { "size", "queue/logical_block_size", "removable", "ro", NULL };
static const char *const disk_parent_attrs[] = { "vendor", "model", "name", NULL };
static const char *const hid_attrs[] = { "uevent", "country", NULL };
static const char *const hid_usb_attrs[] = { "product", "serial", "bcdDevice", "manufacturer", NULL };
static const char *const input_attrs[] = {
        "id/bustype", "id/vendor", "id/product", "id/version", "name", "uniq", "capabilities/ev",
        "capabilities/key", "capabilities/rel", "capabilities/abs", "properties", NULL,
};
static const char *const power_supply_attrs[] = {
        "type", "status", "present", "online", "capacity", "charge_full", "charge_full_design", "charge_now",
        "current_now", "voltage_now", "cycle_count", "manufacturer", "model_name", "serial_number", NULL,
};

static uint64_t str_sum(const char *s) {
        return s ? strlen(s) + 1 : 0;
}

static uint64_t read_attrs(struct udev_device *d, const char *const *names) {
        uint64_t sum = 0;

        for (; d && *names; names++)
                sum += str_sum(udev_device_get_sysattr_value(d, *names));
        return sum;
}

/* Binary attributes: read from sysfs directly, as the daemon's record does. */
static uint64_t read_binary(struct udev_device *d, const char *name, size_t size) {
        _cleanup_free_ char *path = NULL;
        _cleanup_close_ int fd = -EBADF;
        uint8_t buf[4096];
        ssize_t n;

        if (asprintf(&path, "%s/%s", udev_device_get_syspath(d), name) < 0)
                return 0;
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return 0;
        n = read(fd, buf, size < sizeof(buf) ? size : sizeof(buf));
        return n > 0 ? (uint64_t) n : 0;
}

static uint64_t peer_read_device(struct udev_device *d) {
        const char *subsystem = udev_device_get_subsystem(d), *devtype = udev_device_get_devtype(d);
        const char *sysname = udev_device_get_sysname(d), *modalias;
        dev_t devnum = udev_device_get_devnum(d);
        struct udev_device *up;
        uint64_t sum;

        /* The record and the Linux dictionary: every device. */
        sum = str_sum(udev_device_get_syspath(d)) + str_sum(udev_device_get_devpath(d)) + str_sum(sysname) +
              str_sum(subsystem) + str_sum(devtype) + str_sum(udev_device_get_driver(d)) +
              str_sum(udev_device_get_devnode(d)) + major(devnum) + minor(devnum);
        modalias = udev_device_get_property_value(d, "MODALIAS");
        if (!modalias)
                modalias = udev_device_get_sysattr_value(d, "modalias");
        sum += str_sum(modalias);

        if (streq_ptr(subsystem, "usb") && streq_ptr(devtype, "usb_device")) {
                sum += read_attrs(d, usb_device_attrs) + read_binary(d, "descriptors", 18);
        } else if (streq_ptr(subsystem, "usb") && streq_ptr(devtype, "usb_interface")) {
                sum += read_attrs(d, usb_interface_attrs);
                up = udev_device_get_parent_with_subsystem_devtype(d, "usb", "usb_device");
                sum += read_attrs(up, usb_interface_device_attrs);
                sum += str_sum(up ? udev_device_get_sysname(up) : NULL);
        } else if (streq_ptr(subsystem, "pci")) {
                sum += read_attrs(d, pci_attrs);
        } else if (streq_ptr(subsystem, "tty")) {
                if (udev_device_get_devnode(d))
                        sum += str_sum(udev_device_get_sysattr_value(d, "type"));
        } else if (streq_ptr(subsystem, "net")) {
                sum += read_attrs(d, net_attrs);
        } else if (streq_ptr(subsystem, "block")) {
                bool partition = streq_ptr(devtype, "partition");
                struct udev_device *disk = partition ? udev_device_get_parent(d) : d;

                sum += read_attrs(d, partition ? partition_attrs : disk_attrs);
                if (partition)
                        sum += read_attrs(disk, disk_attrs);
                else
                        sum += read_attrs(udev_device_get_parent(d), disk_parent_attrs);
        } else if (streq_ptr(subsystem, "hid")) {
                sum += read_attrs(d, hid_attrs) + read_binary(d, "report_descriptor", 4096);
                up = udev_device_get_parent_with_subsystem_devtype(d, "usb", "usb_device");
                sum += read_attrs(up, hid_usb_attrs) + str_sum(up ? udev_device_get_sysname(up) : NULL);
        } else if (streq_ptr(subsystem, "input") && !udev_device_get_devnode(d) && sysname &&
                   strncmp(sysname, "input", 5) == 0 &&
                   !udev_device_get_parent_with_subsystem_devtype(d, "hid", NULL)) {
                sum += read_attrs(d, input_attrs);
        } else if (streq_ptr(subsystem, "power_supply")) {
                sum += read_attrs(d, power_supply_attrs);
        }
        return sum;
}

/* udev_enumerate_scan_devices(), then every device from its syspath with what the families read. */
int time_peer(uint64_t *ret_nsec, uint64_t *ret_cpu_nsec, unsigned *ret_devices) {
        struct udev_enumerate *en = NULL;
        struct udev_list_entry *item;
        struct udev *udev;
        uint64_t start = bench_now_nsec(), cpu_start = bench_cpu_nsec(), sum = 0;
        unsigned n = 0;
        int r;

        udev = udev_new();
        if (!udev)
                return -ENOMEM;
        en = udev_enumerate_new(udev);
        if (!en) {
                udev_unref(udev);
                return -ENOMEM;
        }
        r = udev_enumerate_scan_devices(en);
        if (r >= 0)
                udev_list_entry_foreach(item, udev_enumerate_get_list_entry(en)) {
                        const char *syspath = udev_list_entry_get_name(item);
                        struct udev_device *d = udev_device_new_from_syspath(udev, syspath);

                        if (!d)
                                continue;
                        sum += peer_read_device(d);
                        udev_device_unref(d);
                        n++;
                }
        udev_enumerate_unref(en);
        udev_unref(udev);
        if (r < 0)
                return r;
        *ret_nsec = bench_now_nsec() - start;
        *ret_cpu_nsec = bench_cpu_nsec() - cpu_start;
        *ret_devices = n;
        sink += sum;
        return 0;
}
