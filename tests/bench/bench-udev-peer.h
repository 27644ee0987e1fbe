/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bench-udev-peer.h: bench-udev's peer for coldplug: a plain libudev
 * enumeration that reads, for each device, what the families read.
 */
#pragma once

#include <stdint.h>

/* udev_enumerate_scan_devices(), then every device from its syspath with what the families read. */
int time_peer(uint64_t *ret_nsec, uint64_t *ret_cpu_nsec, unsigned *ret_devices);
