/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ftdi-engine.h: a user-space FT232 driver's data path. Given a usbfs file
 * descriptor (ioregd's, from ioreg_driver_copy_provider_fd(), or one the
 * caller opened) and a pseudo-terminal, it sets the chip up as ftdi_sio's
 * open does (reset, line coding, DTR and RTS up), then pumps bytes with
 * libusb's asynchronous transfers on the caller's sd-event loop:
 * bulk IN → pty master (the two modem-status bytes at the start of each
 * USB packet stripped; coalesced as the chip's latency timer does, see
 * FTDI_IN_FLUSH), pty master → bulk OUT. Line coding set on the pty
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
#define FTDI_N_IN 8
#define FTDI_IN_SIZE 512        /* eight 64-byte packets, each with its two status bytes */
#define FTDI_N_OUT 4
#define FTDI_OUT_SIZE 16384

/* IN data goes to the pty at once when the pty was last written FTDI_IN_LATENCY_USEC ago or more (an
 * idle port: a typed byte is not held); under a stream, once this many bytes wait or that long after
 * the last write: one pty write and one wake-up of the port's reader per few KiB, not per transfer
 * (QEMU's FT232 gives at most 496 bytes a transfer, a real one 62 a packet). The chip's latency timer
 * one stage up (ftdi_sio's ASYNC_LOW_LATENCY sets the chip's to 1 ms). */
#define FTDI_IN_FLUSH 4096      /* what n_tty's read buffer holds: the reader takes it in one read */
#define FTDI_IN_LATENCY_USEC (2 * 1000)

typedef struct FtdiEngineCallbacks {
        /* The device stopped answering (unplugged: -ENODEV) or failed; the engine moves no more bytes. */
        void (*gone)(FtdiEngine *e, int error, void *userdata);
        /* The chip now runs with this line coding (at start, and after each change on the pty). */
        void (*line_coding)(FtdiEngine *e, const FtdiLineCoding *lc, void *userdata);
        /* A benchmark transfer (ftdi_engine_bench) finished: bytes moved, µs from its start to the last. */
        void (*bench_done)(FtdiEngine *e, bool in, uint64_t bytes, uint64_t usec, void *userdata);
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
typedef struct FtdiEngineCounters {
        uint64_t in, out;               /* data bytes so far: device → pty (or benchmark), pty → device */
        uint64_t in_transfers;          /* IN transfers that brought data */
        uint64_t pty_writes;            /* writes of IN data to the pty: in / pty_writes is the coalescing */
} FtdiEngineCounters;

void ftdi_engine_counters(const FtdiEngine *e, FtdiEngineCounters *ret);

/*
 * The benchmark's mode (tests/vm/scenarios/ftdibench.py): the USB path without the pty. Out: size
 * bytes (0x00..0xff repeated) from memory through the same OUT transfers, the pty not read meanwhile.
 * In: the next size data bytes from the same IN transfers counted and dropped instead of written to
 * the pty. bench_done says when. 0, -EBUSY (one of that direction under way), or -ENODEV (engine dead).
 */
int ftdi_engine_bench(FtdiEngine *e, bool in, uint64_t size);
