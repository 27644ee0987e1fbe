/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bench-udevbed-machine.c: the rest of the generated testbed's machine:
 * PCI functions, and the platform, virtual and other devices of a laptop
 * around its USB controllers.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "bench-udevbed-gen.h"
#include "macro.h"

char *add_pci(Bed *b, const char *parent, const PciModel *m) {
        Spec *s = spec_new("pci", parent, "%s", m->slot);
        g_autofree char *modalias = g_strdup_printf("pci:v%08Xd%08Xsv%08Xsd%08Xbc%02Xsc%02Xi%02X", m->vendor,
                                                    m->device, m->sub_vendor, m->sub_device, m->class >> 16,
                                                    (m->class >> 8) & 0xff, m->class & 0xff);

        spec_attr(s, "vendor", "0x%04x", m->vendor);
        spec_attr(s, "device", "0x%04x", m->device);
        spec_attr(s, "subsystem_vendor", "0x%04x", m->sub_vendor);
        spec_attr(s, "subsystem_device", "0x%04x", m->sub_device);
        spec_attr(s, "class", "0x%06x", m->class);
        spec_attr(s, "revision", "0x%02x", m->revision);
        spec_attr(s, "irq", "%u", 16 + (m->device & 0x1f));
        spec_attr(s, "local_cpus", "ff");
        spec_attr(s, "local_cpulist", "0-7");
        spec_attr(s, "numa_node", "-1");
        spec_attr(s, "enable", "1");
        spec_attr(s, "broken_parity_status", "0");
        spec_attr(s, "msi_bus", "1");
        spec_attr(s, "d3cold_allowed", "1");
        spec_attr(s, "modalias", "%s", modalias);
        if (m->driver)
                spec_driver(s, m->driver);
        spec_prop(s, "PCI_CLASS", "%X", m->class);
        spec_prop(s, "PCI_ID", "%04X:%04X", m->vendor, m->device);
        spec_prop(s, "PCI_SUBSYS_ID", "%04X:%04X", m->sub_vendor, m->sub_device);
        spec_prop(s, "PCI_SLOT_NAME", "%s", m->slot);
        spec_prop(s, "MODALIAS", "%s", modalias);
        return bed_add(b, s, false);
}

void add_generic(Bed *b, const char *subsystem, const char *parent, const char *name,
                 const char *driver, const char *devname, unsigned major, unsigned minor) {
        Spec *s = spec_new(subsystem, parent, "%s", name);

        if (streq(subsystem, "platform")) {
                const char *base = strrchr(name, '/') ? strrchr(name, '/') + 1 : name;

                spec_attr(s, "modalias", "platform:%.*s", (int) strcspn(base, "."), base);
                spec_attr(s, "driver_override", "(null)");
                spec_prop(s, "MODALIAS", "platform:%.*s", (int) strcspn(base, "."), base);
        }
        if (driver)
                spec_driver(s, driver);
        if (devname) {
                spec_prop(s, "MAJOR", "%u", major);
                spec_prop(s, "MINOR", "%u", minor);
                spec_prop(s, "DEVNAME", "%s", devname);
        }
        bed_add_free(b, s);
}

/* The devices of a laptop that are not on USB: 39. */
void add_machine(Bed *b) {
        static const PciModel host = {
                "0000:00:00.0", 0x8086, 0x9a14, 0x17aa, 0x22d8, 0x060000, 0x01, NULL,
        };
        static const PciModel vga = {
                "0000:00:02.0", 0x8086, 0x9a49, 0x17aa, 0x22d8, 0x030000, 0x01, "i915",
        };
        static const PciModel bridge = {
                "0000:00:1d.0", 0x8086, 0xa0b0, 0x17aa, 0x22d8, 0x060400, 0x20, "pcieport",
        };
        static const PciModel nvme = {
                "0000:04:00.0", 0x144d, 0xa80a, 0x144d, 0xa801, 0x010802, 0x00, "nvme",
        };
        static const PciModel isa = { "0000:00:1f.0", 0x8086, 0xa082, 0x17aa, 0x22d8, 0x060100, 0x20, NULL };
        static const PciModel audio = { "0000:00:1f.3", 0x8086, 0xa0c8, 0x17aa, 0x22d8, 0x040380, 0x20,
                                        "snd_hda_intel" };
        static const PciModel smbus = { "0000:00:1f.4", 0x8086, 0xa0a3, 0x17aa, 0x22d8, 0x0c0500, 0x20,
                                        "i801_smbus" };
        static const PciModel ethernet = { "0000:00:1f.6", 0x8086, 0x15fc, 0x17aa, 0x22d8, 0x020000, 0x20,
                                           "e1000e" };
        static const char *const platform[][2] = {
                { "platform/efi-framebuffer.0", "efi-framebuffer" },
                { "platform/intel_pmc_core.0", "intel_pmc_core" },
                { "platform/reg-dummy", "reg-dummy" }, { "platform/alarmtimer.0.auto", "alarmtimer" },
                { "platform/PNP0C14:00", "acpi-wmi" }, { "platform/pcspkr", "pcspkr" },
                { "platform/microcode", NULL }, { "platform/coretemp.0", "coretemp" },
        };
        const char *pci_root = "/sys/devices/pci0000:00";
        g_autofree char *p = NULL, *nvme_dev = NULL, *ctrl = NULL, *disk = NULL;
        g_autofree char *i8042 = NULL, *serio = NULL, *input = NULL, *s8250 = NULL;
        Spec *s;

        /* The bare directories above the devices, with the empty uevent file sysfs has. */
        bed_mkdir(b, pci_root, ".");
        bed_write(b, "/sys/devices/pci0000:00/uevent", "");
        bed_mkdir(b, "/sys/devices/platform", ".");
        bed_write(b, "/sys/devices/platform/uevent", "");

        g_free(add_pci(b, pci_root, &host));
        p = add_pci(b, pci_root, &vga);
        add_generic(b, "drm", p, "drm/card0", NULL, "dri/card0", 226, 0);
        g_clear_pointer(&p, g_free);
        p = add_pci(b, pci_root, &bridge);
        nvme_dev = add_pci(b, p, &nvme);
        s = spec_new("nvme", nvme_dev, "nvme/nvme0");
        spec_attr(s, "model", "Samsung SSD 980 PRO 1TB                 ");
        spec_attr(s, "serial", "S5GXNF0R123456A     ");
        spec_attr(s, "firmware_rev", "5B2QGXA7");
        spec_prop(s, "MAJOR", "239");
        spec_prop(s, "MINOR", "0");
        spec_prop(s, "DEVNAME", "nvme0");
        ctrl = bed_add(b, s, false);
        s = spec_new("block", ctrl, "nvme0n1");
        spec_attr(s, "size", "1953525168");
        spec_attr(s, "ro", "0");
        spec_attr(s, "removable", "0");
        spec_attr(s, "range", "0");
        spec_attr(s, "ext_range", "256");
        spec_deep_attr(s, "queue/logical_block_size", "512");
        spec_deep_attr(s, "queue/rotational", "0");
        spec_prop(s, "MAJOR", "259");
        spec_prop(s, "MINOR", "0");
        spec_prop(s, "DEVNAME", "nvme0n1");
        spec_prop(s, "DEVTYPE", "disk");
        disk = bed_add(b, s, false);
        for (unsigned i = 1; i <= 3; i++) {
                s = spec_new("block", disk, "nvme0n1p%u", i);
                spec_attr(s, "partition", "%u", i);
                spec_attr(s, "start", "%u", i == 1 ? 2048 : i == 2 ? 1050624 : 3147776);
                spec_attr(s, "size", "%u", i == 1 ? 1048576 : i == 2 ? 2097152 : 1950377392);
                spec_attr(s, "ro", "0");
                spec_prop(s, "MAJOR", "259");
                spec_prop(s, "MINOR", "%u", i);
                spec_prop(s, "DEVNAME", "nvme0n1p%u", i);
                spec_prop(s, "DEVTYPE", "partition");
                spec_prop(s, "PARTN", "%u", i);
                bed_add_free(b, s);
        }
        g_clear_pointer(&p, g_free);
        g_free(add_pci(b, pci_root, &isa));
        p = add_pci(b, pci_root, &audio);
        add_generic(b, "sound", p, "sound/card0", NULL, NULL, 0, 0);
        g_clear_pointer(&p, g_free);
        p = add_pci(b, pci_root, &smbus);
        add_generic(b, "i2c", p, "i2c-0", NULL, NULL, 0, 0);
        g_clear_pointer(&p, g_free);
        p = add_pci(b, pci_root, &ethernet);
        s = spec_new("net", p, "net/eth%u", b->n_eth++);
        spec_attr(s, "type", "1");
        spec_attr(s, "addr_len", "6");
        spec_attr(s, "address", "8c:8c:aa:01:02:03");
        spec_attr(s, "mtu", "1500");
        spec_attr(s, "carrier", "1");
        spec_attr(s, "operstate", "up");
        spec_attr(s, "speed", "1000");
        spec_prop(s, "INTERFACE", "eth%u", b->n_eth - 1);
        bed_add_free(b, s);
        g_clear_pointer(&p, g_free);

        for (size_t i = 0; i < ELEMENTSOF(platform); i++)
                add_generic(b, "platform", NULL, platform[i][0], platform[i][1], NULL, 0, 0);
        s8250 = g_strdup("/sys/devices/platform/serial8250");
        add_generic(b, "platform", NULL, "platform/serial8250", "serial8250", NULL, 0, 0);
        for (unsigned i = 0; i < 4; i++) {
                s = spec_new("tty", s8250, "tty/ttyS%u", i);
                spec_attr(s, "type", "%u", i == 0 ? 4 : 0); /* 16550A, then empty slots (PORT_UNKNOWN) */
                spec_attr(s, "port", "0x%x", i == 0 ? 0x3f8 : 0);
                spec_prop(s, "MAJOR", "4");
                spec_prop(s, "MINOR", "%u", 64 + i);
                spec_prop(s, "DEVNAME", "ttyS%u", i);
                bed_add_free(b, s);
        }
        add_generic(b, "platform", NULL, "platform/i8042", "i8042", NULL, 0, 0);
        i8042 = g_strdup("/sys/devices/platform/i8042");
        s = spec_new("serio", i8042, "serio0");
        spec_attr(s, "description", "i8042 KBD port");
        spec_driver(s, "atkbd");
        spec_prop(s, "MODALIAS", "serio:ty06pr00id00ex00");
        serio = bed_add(b, s, false);
        s = spec_new("input", serio, "input/input0");
        spec_attr(s, "name", "AT Translated Set 2 keyboard");
        spec_attr(s, "phys", "isa0060/serio0/input0");
        spec_attr(s, "properties", "0");
        spec_deep_attr(s, "id/bustype", "0011");
        spec_deep_attr(s, "id/vendor", "0001");
        spec_deep_attr(s, "id/product", "0001");
        spec_deep_attr(s, "id/version", "ab83");
        spec_deep_attr(s, "capabilities/ev", "120013");
        spec_deep_attr(s, "capabilities/key", "402000000 3803078f800d001 feffffdfffefffff fffffffffffffffe");
        spec_deep_attr(s, "capabilities/rel", "0");
        spec_deep_attr(s, "capabilities/abs", "0");
        spec_prop(s, "PRODUCT", "11/1/1/ab83");
        spec_prop(s, "NAME", "\"AT Translated Set 2 keyboard\"");
        input = bed_add(b, s, false);
        add_generic(b, "input", input, "event0", NULL, "input/event0", 13, 64);
        b->n_input = 1;

        add_generic(b, "misc", NULL, "virtual/misc/fuse", NULL, "fuse", 10, 229);
        add_generic(b, "misc", NULL, "virtual/misc/uinput", NULL, "uinput", 10, 223);
        add_generic(b, "tty", NULL, "virtual/tty/tty0", NULL, "tty0", 4, 0);
        add_generic(b, "tty", NULL, "virtual/tty/ptmx", NULL, "ptmx", 5, 2);
        s = spec_new("net", NULL, "virtual/net/lo");
        spec_attr(s, "type", "772");
        spec_attr(s, "addr_len", "6");
        spec_attr(s, "address", "00:00:00:00:00:00");
        spec_attr(s, "mtu", "65536");
        spec_attr(s, "operstate", "unknown");
        spec_attr(s, "carrier", "1");
        spec_prop(s, "INTERFACE", "lo");
        bed_add_free(b, s);
}
