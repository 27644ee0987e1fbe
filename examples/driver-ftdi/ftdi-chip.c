/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ftdi-chip.c: the FT232's control requests (ftdi-chip.h), after the
 * kernel's ftdi_sio.c: change_speed(), ftdi_set_termios(), update_mctrl().
 */

#include <errno.h>
#include <stdio.h>

#include "ftdi-chip.h"

#define FTDI_OUT (LIBUSB_REQUEST_TYPE_VENDOR | LIBUSB_RECIPIENT_DEVICE | LIBUSB_ENDPOINT_OUT)
#define FTDI_TIMEOUT_MS 5000
/* The port's index: single-port chips take 0 (ftdi_sio's priv->channel). */
#define FTDI_CHANNEL 0

int ftdi_errno(int e) {
        switch (e) {
        case LIBUSB_SUCCESS: return 0;
        case LIBUSB_ERROR_IO: return -EIO;
        case LIBUSB_ERROR_INVALID_PARAM: return -EINVAL;
        case LIBUSB_ERROR_ACCESS: return -EACCES;
        case LIBUSB_ERROR_NO_DEVICE: return -ENODEV;
        case LIBUSB_ERROR_NOT_FOUND: return -ENOENT;
        case LIBUSB_ERROR_BUSY: return -EBUSY;
        case LIBUSB_ERROR_TIMEOUT: return -ETIMEDOUT;
        case LIBUSB_ERROR_OVERFLOW: return -EOVERFLOW;
        case LIBUSB_ERROR_PIPE: return -EPIPE;
        case LIBUSB_ERROR_INTERRUPTED: return -EINTR;
        case LIBUSB_ERROR_NO_MEM: return -ENOMEM;
        case LIBUSB_ERROR_NOT_SUPPORTED: return -EOPNOTSUPP;
        default: return -EIO;
        }
}

static int control(libusb_device_handle *h, uint8_t request, uint16_t value, uint16_t index) {
        int r = libusb_control_transfer(h, FTDI_OUT, request, value, index, NULL, 0, FTDI_TIMEOUT_MS);

        return r < 0 ? ftdi_errno(r) : 0;
}

uint32_t ftdi_baud_divisor(unsigned baud) {
        /* The sub-integer part in eighths, in the chip's bit order. */
        static const uint8_t divfrac[8] = { 0, 3, 2, 4, 1, 5, 6, 7 };
        uint32_t divisor3, divisor;

        if (baud == 0)
                baud = 9600;
        divisor3 = (48000000u + baud) / (2 * baud);     /* DIV_ROUND_CLOSEST(48 MHz, 2 * baud) */
        divisor = divisor3 >> 3;
        divisor |= (uint32_t) divfrac[divisor3 & 7] << 14;
        if (divisor == 1)               /* 1.0: 3 Mbaud */
                divisor = 0;
        else if (divisor == 0x4001)     /* 1.5: 2 Mbaud */
                divisor = 1;
        return divisor;
}

unsigned ftdi_divisor_baud(uint32_t divisor) {
        static const uint8_t eighths[8] = { 0, 4, 2, 1, 3, 5, 6, 7 };  /* inverse of divfrac */
        uint32_t whole = divisor & 0x3fff, frac = eighths[(divisor >> 14) & 7];

        if (divisor == 0)
                return 3000000;
        if (divisor == 1)
                return 2000000;
        return (unsigned) ((3000000ull * 8 + (whole * 8 + frac) / 2) / (whole * 8 + frac));
}

void ftdi_line_coding_format(const FtdiLineCoding *lc, char *buf, unsigned size) {
        static const char parity[] = "NOEMS";
        static const char *const flow[] = { [FTDI_FLOW_NONE] = "", [FTDI_FLOW_RTS_CTS] = " rtscts",
                                            [FTDI_FLOW_DTR_DSR] = " dtrdsr", [FTDI_FLOW_XON_XOFF] = " xonxoff" };

        snprintf(buf, size, "%u %u%c%u%s", lc->baud, lc->data_bits, parity[lc->parity % 5], lc->stop_bits,
                 lc->flow <= FTDI_FLOW_XON_XOFF && flow[lc->flow] ? flow[lc->flow] : "");
}

int ftdi_chip_reset(libusb_device_handle *h) {
        /* SIO_RESET_SIO: both FIFOs flushed, the port reset (ftdi_sio's open does no more). */
        return control(h, FTDI_SIO_RESET, 0, FTDI_CHANNEL);
}

int ftdi_chip_set_modem_lines(libusb_device_handle *h, bool dtr, bool rts) {
        /* The high byte says which lines the low byte sets (FTDI_SIO_SET_DTR_MASK, _RTS_MASK). */
        return control(h, FTDI_SIO_MODEM_CTRL, 0x0300 | (dtr ? 1 : 0) | (rts ? 2 : 0), FTDI_CHANNEL);
}

int ftdi_chip_set_latency(libusb_device_handle *h, unsigned ms) {
        return control(h, FTDI_SIO_SET_LATENCY_TIMER, ms ? ms : 1, FTDI_CHANNEL);
}

int ftdi_chip_set_line_coding(libusb_device_handle *h, const FtdiLineCoding *lc) {
        uint32_t divisor;
        uint16_t data;
        int r;

        /* SET_DATA: bits 0-7 data bits, 8-10 parity, 11-13 stop bits (0: 1, 2: 2), 14 break. */
        data = (uint16_t) (lc->data_bits | (unsigned) lc->parity << 8 | (lc->stop_bits == 2 ? 2u : 0u) << 11);
        r = control(h, FTDI_SIO_SET_DATA, data, FTDI_CHANNEL);
        if (r < 0)
                return r;
        if (lc->baud == 0)      /* B0: ftdi_sio drops DTR and RTS and leaves the rate */
                return ftdi_chip_set_modem_lines(h, false, false);
        /* The divisor's low 16 bits in wValue, bit 16 in wIndex (non-H chips: the index has no channel). */
        divisor = ftdi_baud_divisor(lc->baud);
        r = control(h, FTDI_SIO_SET_BAUD_RATE, (uint16_t) divisor, (uint16_t) (divisor >> 16));
        if (r < 0)
                return r;
        /* SET_FLOW_CTRL: the mode in the index's high byte; XON/XOFF also takes its characters in wValue. */
        r = control(h, FTDI_SIO_SET_FLOW_CTRL, lc->flow == FTDI_FLOW_XON_XOFF ? (0x13 << 8 | 0x11) : 0,
                    (uint16_t) (lc->flow << 8 | FTDI_CHANNEL));
        if (r < 0)
                return r;
        return ftdi_chip_set_modem_lines(h, true, true);
}
