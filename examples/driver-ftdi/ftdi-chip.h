/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ftdi-chip.h: the FT232's vendor control requests, as the kernel's
 * drivers/usb/serial/ftdi_sio.c sends them (FT232BM/R, one port: index 0),
 * and the line coding they set. Synchronous control transfers on a libusb
 * handle; bulk data is ftdi-engine.h's.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <libusb.h>

/* bRequest values (ftdi_sio.h). */
enum {
        FTDI_SIO_RESET = 0,
        FTDI_SIO_MODEM_CTRL = 1,
        FTDI_SIO_SET_FLOW_CTRL = 2,
        FTDI_SIO_SET_BAUD_RATE = 3,
        FTDI_SIO_SET_DATA = 4,
        FTDI_SIO_SET_LATENCY_TIMER = 9,
};

typedef enum FtdiParity {
        FTDI_PARITY_NONE = 0,
        FTDI_PARITY_ODD = 1,
        FTDI_PARITY_EVEN = 2,
        FTDI_PARITY_MARK = 3,
        FTDI_PARITY_SPACE = 4,
} FtdiParity;

typedef enum FtdiFlow {
        FTDI_FLOW_NONE = 0,
        FTDI_FLOW_RTS_CTS = 1,
        FTDI_FLOW_DTR_DSR = 2,
        FTDI_FLOW_XON_XOFF = 4,
} FtdiFlow;

/* What a termios says about the wire. */
typedef struct FtdiLineCoding {
        unsigned baud;          /* bits per second; 0: hang up (drop DTR and RTS) */
        unsigned data_bits;     /* 7 or 8 (the FT232 has no 5 and 6) */
        FtdiParity parity;
        unsigned stop_bits;     /* 1 or 2 */
        FtdiFlow flow;
} FtdiLineCoding;

/* The FT232BM/R divisor for baud at the chip's 48 MHz (3 MHz base, eighths): ftdi_232bm_baud_to_divisor. */
uint32_t ftdi_baud_divisor(unsigned baud);
/* The rate the chip runs at for a divisor (the inverse, to report what was set). */
unsigned ftdi_divisor_baud(uint32_t divisor);
/* "115200 8N1 rtscts": buf gets at most size bytes. */
void ftdi_line_coding_format(const FtdiLineCoding *lc, char *buf, unsigned size);

/* Each returns 0 or a negative errno. */
int ftdi_chip_reset(libusb_device_handle *h);
int ftdi_chip_set_line_coding(libusb_device_handle *h, const FtdiLineCoding *lc);
int ftdi_chip_set_modem_lines(libusb_device_handle *h, bool dtr, bool rts);
int ftdi_chip_set_latency(libusb_device_handle *h, unsigned ms);
/* A libusb error as a negative errno. */
int ftdi_errno(int libusb_error);
