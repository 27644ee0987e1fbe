/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * uevent-screen.h: a uevent datagram checked before libudev parses it.
 * libsystemd asserts on some fields it takes as given (a DEVNAME outside
 * /dev aborts sd_device_get_devname()), so a datagram with an impossible
 * field is read off the monitor's socket here, with a log line, and never
 * reaches libudev. Both wire forms are read: the kernel's
 * ("action@devpath\0KEY=VALUE\0...") and udevd's ("libudev\0" and a header).
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

/*
 * Why the datagram of len bytes must be dropped (a static string naming the field), or NULL when
 * it may go to libudev. *ret_seqnum is its SEQNUM, 0 when it has none.
 */
const char *uevent_screen(const char *buf, size_t len, uint64_t *ret_seqnum);

/*
 * Peeks at the next datagram queued on fd. 1 when it was impossible and has been read off the
 * socket (logged), 0 when it is left for libudev, -EAGAIN when none is queued, another negative
 * errno when the socket reports one (ENOBUFS: the peek consumed that report). *ret_seqnum as above.
 */
int uevent_screen_socket(int fd, uint64_t *ret_seqnum);
