/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ftdi-pty.h: the pseudo-terminal a user-space serial driver offers in
 * place of the kernel's /dev/ttyUSBn, and the line coding its termios asks
 * for.
 */
#pragma once

#include <termios.h>

#include "ftdi-chip.h"

typedef struct FtdiPty {
        int master;             /* owned; non-blocking: the driver's end */
        int holder;             /* owned: the slave, kept open so that the master never reads a hang-up
                                 * between two users of the port */
        char path[64];          /* the slave, e.g. /dev/pts/3 */
} FtdiPty;

#define FTDI_PTY_NULL ((FtdiPty) { .master = -1, .holder = -1 })

/* Opens a pty with the slave raw at baud (8N1, no flow control), readable and writable by everyone
 * who may use the port (mode 0666: ptys are made by the caller's user). 0 or a negative errno. */
int ftdi_pty_open(FtdiPty *ret, unsigned baud);
void ftdi_pty_close(FtdiPty *pty);
/* The slave's current termios as a line coding (0 or a negative errno). */
int ftdi_pty_line_coding(const FtdiPty *pty, FtdiLineCoding *ret);
/* termios speed_t ↔ bits per second; 0 for an unknown value. */
unsigned ftdi_speed_to_baud(speed_t s);
speed_t ftdi_baud_to_speed(unsigned baud);
