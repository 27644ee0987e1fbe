/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ftdi-engine.h: a user-space FT232 driver's data path. Given a usbfs file
 * descriptor (ioregd's, from ioreg_driver_copy_provider_fd(), or one the
 * caller opened) and a pseudo-terminal, it sets the chip up as ftdi_sio's
 * open does (reset, line coding, DTR and RTS up), then pumps bytes with
 * libusb's asynchronous transfers on the caller's sd-event loop:
 * bulk IN → pty master (the two modem-status bytes at the start of each
 * USB packet stripped), pty master → bulk OUT. Line coding set on the pty
 * (tcsetattr by the port's user) is applied to the chip.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-event.h>

#include "ftdi-chip.h"
#include "ftdi-pty.h"

typedef struct FtdiEngine FtdiEngine;

/* Transfers in flight and their sizes (tests/vm/ftdi-libusb-peer.c, the benchmark's peer, uses the same). */
#define FTDI_N_IN 4
#define FTDI_IN_SIZE 512        /* eight 64-byte packets, each with its two status bytes */
#define FTDI_N_OUT 2
#define FTDI_OUT_SIZE 4096

typedef struct FtdiEngineCallbacks {
        /* The device stopped answering (unplugged: -ENODEV) or failed; the engine moves no more bytes. */
        void (*gone)(FtdiEngine *e, int error, void *userdata);
        /* The chip now runs with this line coding (at start, and after each change on the pty). */
        void (*line_coding)(FtdiEngine *e, const FtdiLineCoding *lc, void *userdata);
} FtdiEngineCallbacks;

enum {
        /* The caller opened the device itself (not through ioregd): detach the kernel driver when claiming
         * the interface, and give it back at the end. ioregd's fd comes with the interface claimed. */
        FTDI_ENGINE_DETACH_KERNEL_DRIVER = 1 << 0,
};

/*
 * usb_fd: taken (closed by ftdi_engine_free, also on failure). pty: borrowed, must outlive the engine.
 * event: referenced. 0 or a negative errno.
 */
int ftdi_engine_new(FtdiEngine **ret, sd_event *event, int usb_fd, int interface, FtdiPty *pty,
                    unsigned flags, const FtdiEngineCallbacks *cb, void *userdata);
/* Cancels the transfers (waiting up to 2 s for them), releases the interface, closes the fd. NULL-safe. */
FtdiEngine *ftdi_engine_free(FtdiEngine *e);
/* The line coding the chip runs with. */
const FtdiLineCoding *ftdi_engine_line_coding(const FtdiEngine *e);
/* Bytes moved so far: device → pty, pty → device. */
void ftdi_engine_counters(const FtdiEngine *e, uint64_t *ret_in, uint64_t *ret_out);
