/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ftdi-libusb-peer: the benchmark's peer for the FTDI driver
 * (tests/vm/scenarios/ftdibench.py): plain libusb from a root process, as
 * drivers are written without ioregd. It finds the FT232 with
 * libusb_open_device_with_vid_pid() (/dev/bus/usb), detaches ftdi_sio,
 * sets the chip up as the driver does (ftdi-chip.c), and moves SIZE bytes
 * with the driver's transfer sizes and depths (ftdi-engine.h), no pty:
 *
 *   ftdi-libusb-peer out SIZE    writes SIZE bytes (0x00..0xff repeated) to bulk OUT
 *   ftdi-libusb-peer in SIZE     reads SIZE data bytes from bulk IN (status bytes stripped)
 *
 * Prints "ready" once set up (stdout, flushed), starts when a line comes on
 * stdin (so that the measurement starts with the data), prints "done BYTES"
 * when finished; gives the interface back to ftdi_sio at exit.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ftdi-chip.h"
#include "ftdi-engine.h"

typedef struct Peer {
        size_t size, queued, done;
        unsigned in_packet;
        int n_busy;
        int error;
} Peer;

static void on_transfer(struct libusb_transfer *t) {
        Peer *p = t->user_data;

        p->n_busy--;
        if (t->status != LIBUSB_TRANSFER_COMPLETED) {
                p->error = t->status;
                return;
        }
        if (t->endpoint & LIBUSB_ENDPOINT_IN) {
                for (int off = 0; off < t->actual_length; off += (int) p->in_packet) {
                        int len = t->actual_length - off < (int) p->in_packet ? t->actual_length - off
                                                                              : (int) p->in_packet;
                        if (len > 2)
                                p->done += (size_t) len - 2;
                }
                if (p->done < p->size && libusb_submit_transfer(t) == 0)
                        p->n_busy++;
                return;
        }
        p->done += (size_t) t->actual_length;
        if (p->queued < p->size) {
                t->length = (int) (p->size - p->queued < FTDI_OUT_SIZE ? p->size - p->queued : FTDI_OUT_SIZE);
                p->queued += (size_t) t->length;
                if (libusb_submit_transfer(t) == 0)
                        p->n_busy++;
        }
}

int main(int argc, char **argv) {
        struct libusb_transfer *t[FTDI_N_IN > FTDI_N_OUT ? FTDI_N_IN : FTDI_N_OUT] = {};
        FtdiLineCoding lc = { .baud = 115200, .data_bits = 8, .parity = FTDI_PARITY_NONE, .stop_bits = 1 };
        libusb_device_handle *h;
        libusb_context *ctx;
        Peer p = { .in_packet = 64 };
        bool in;
        int n, r;

        if (argc != 3 || (strcmp(argv[1], "in") && strcmp(argv[1], "out"))) {
                fprintf(stderr, "usage: %s in|out SIZE\n", argv[0]);
                return 2;
        }
        in = !strcmp(argv[1], "in");
        p.size = strtoull(argv[2], NULL, 0);
        if (libusb_init(&ctx) < 0)
                return 1;
        h = libusb_open_device_with_vid_pid(ctx, 0x0403, 0x6001);
        if (!h) {
                fprintf(stderr, "no FT232 (0403:6001) to open\n");
                return 1;
        }
        libusb_set_auto_detach_kernel_driver(h, 1);
        r = libusb_claim_interface(h, 0);
        if (r < 0) {
                fprintf(stderr, "claim: %s\n", libusb_strerror(r));
                return 1;
        }
        if (ftdi_chip_reset(h) < 0 || ftdi_chip_set_latency(h, 16) < 0 || ftdi_chip_set_line_coding(h, &lc) < 0) {
                fprintf(stderr, "cannot set the chip up\n");
                return 1;
        }
        n = in ? FTDI_N_IN : FTDI_N_OUT;
        for (int i = 0; i < n; i++) {
                int size = in ? FTDI_IN_SIZE : FTDI_OUT_SIZE;
                unsigned char *buf = malloc((size_t) size);

                t[i] = libusb_alloc_transfer(0);
                if (!t[i] || !buf)
                        return 1;
                for (int k = 0; k < size; k++)
                        buf[k] = (unsigned char) k;
                libusb_fill_bulk_transfer(t[i], h, in ? 0x81 : 0x02, buf, size, on_transfer, &p, 0);
                t[i]->flags = LIBUSB_TRANSFER_FREE_BUFFER;
        }
        printf("ready\n");
        fflush(stdout);
        if (!fgets((char [8]) {}, 8, stdin))
                return 1;
        for (int i = 0; i < n && (in || p.queued < p.size); i++) {
                if (!in) {
                        t[i]->length = (int) (p.size - p.queued < FTDI_OUT_SIZE ? p.size - p.queued : FTDI_OUT_SIZE);
                        p.queued += (size_t) t[i]->length;
                }
                if (libusb_submit_transfer(t[i]) == 0)
                        p.n_busy++;
        }
        /* Gives up after 20 s without a byte moved (a stalled device must not hang the benchmark). */
        for (size_t last = 0, idle = 0; p.done < p.size && !p.error && p.n_busy > 0 && idle < 20;) {
                struct timeval tv = { 1, 0 };

                libusb_handle_events_timeout_completed(ctx, &tv, NULL);
                idle = p.done == last ? idle + 1 : 0;
                last = p.done;
        }
        printf("done %zu\n", p.done);
        fflush(stdout);
        for (int i = 0; i < n; i++)
                if (t[i] && p.n_busy > 0)
                        libusb_cancel_transfer(t[i]);
        while (p.n_busy > 0) {
                struct timeval tv = { 1, 0 };

                if (libusb_handle_events_timeout(ctx, &tv) < 0)
                        break;
        }
        libusb_release_interface(h, 0);
        libusb_close(h);
        libusb_exit(ctx);
        return p.done >= p.size ? 0 : 1;
}
