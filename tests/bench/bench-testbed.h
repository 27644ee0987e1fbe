/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bench-testbed.h: a generated machine of N devices as device records, for
 * the matching benchmark: the records the udev source would make, applied
 * through the real device tree and families, without sysfs or libudev.
 *
 * Per PCI bus: a host bridge (generic family), an xHCI controller with a
 * USB tree below it (root hub, hubs three tiers deep, devices with one to
 * three interfaces of mixed classes), about 24 PCI functions of mixed
 * classes, and 20 platform devices. Groups repeat until N devices exist.
 *
 * IDs: a USB device or PCI function takes its vendor and product from the
 * "hits" list with the given percentage, else a real vendor with a product
 * the "listed" list does not hold (no generated personality matches it).
 * PCI subsystem IDs are always such misses. Root hubs are 1d6b:0002,
 * as on Linux. Deterministic: a fixed seed.
 */
#pragma once

#include "bench-ids.h"
#include "device-record.h"

typedef struct TestbedIds {
        const IdList *hits;   /* borrowed */
        const IdList *listed; /* borrowed: misses avoid these pairs and take their vendors */
        unsigned hit_percent;
} TestbedIds;

typedef struct TestbedDevice TestbedDevice;

typedef struct Testbed {
        TestbedDevice **devices; /* owned, parents before children */
        unsigned n, cap, max;
        unsigned n_pci, n_usb_devices, n_usb_interfaces, n_other;
        unsigned n_hits;         /* USB devices and PCI functions with an ID from hits */
        uint64_t rng;
} Testbed;

#define TESTBED_INIT ((Testbed) {})

int testbed_generate(Testbed *t, unsigned n_devices, const TestbedIds *usb, const TestbedIds *pci);
/* Record i, in creation order (borrowed). */
const DeviceRecord *testbed_record(const Testbed *t, unsigned i);
void testbed_done(Testbed *t);
