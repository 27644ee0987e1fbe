/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ftdi-pty.c: the driver's pseudo-terminal (ftdi-pty.h). termios calls on
 * the master act on the slave (Linux's tty_mode_ioctl takes the pty's
 * other end), so the driver reads the line coding users set from its own
 * end.
 */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ftdi-pty.h"

static const struct {
        speed_t speed;
        unsigned baud;
} speeds[] = {
        { B0, 0 }, { B300, 300 }, { B600, 600 }, { B1200, 1200 }, { B2400, 2400 }, { B4800, 4800 },
        { B9600, 9600 }, { B19200, 19200 }, { B38400, 38400 }, { B57600, 57600 }, { B115200, 115200 },
        { B230400, 230400 }, { B460800, 460800 }, { B500000, 500000 }, { B921600, 921600 },
        { B1000000, 1000000 }, { B1500000, 1500000 }, { B2000000, 2000000 }, { B3000000, 3000000 },
};

unsigned ftdi_speed_to_baud(speed_t s) {
        for (size_t i = 0; i < sizeof(speeds) / sizeof(speeds[0]); i++)
                if (speeds[i].speed == s)
                        return speeds[i].baud;
        return 0;
}

speed_t ftdi_baud_to_speed(unsigned baud) {
        for (size_t i = 0; i < sizeof(speeds) / sizeof(speeds[0]); i++)
                if (speeds[i].baud == baud)
                        return speeds[i].speed;
        return B9600;
}

void ftdi_pty_close(FtdiPty *pty) {
        if (pty->holder >= 0)
                close(pty->holder);
        if (pty->master >= 0)
                close(pty->master);
        *pty = FTDI_PTY_NULL;
}

int ftdi_pty_open(FtdiPty *ret, unsigned baud) {
        FtdiPty pty = FTDI_PTY_NULL;
        struct termios t;
        const char *name;
        int r;

        pty.master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
        if (pty.master < 0)
                return -errno;
        if (grantpt(pty.master) < 0 || unlockpt(pty.master) < 0 || !(name = ptsname(pty.master)))
                goto fail;
        if (strlen(name) >= sizeof(pty.path)) {
                errno = ENAMETOOLONG;
                goto fail;
        }
        strcpy(pty.path, name);
        pty.holder = open(pty.path, O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (pty.holder < 0)
                goto fail;
        /* The port's users are not necessarily the driver's user (it runs as nobody). */
        if (fchmod(pty.holder, 0666) < 0)
                goto fail;
        /* Raw: a serial port passes bytes; the default's ECHO would send them back to the device. */
        if (tcgetattr(pty.holder, &t) < 0)
                goto fail;
        cfmakeraw(&t);
        t.c_cflag |= CLOCAL | CREAD;
        if (cfsetspeed(&t, ftdi_baud_to_speed(baud)) < 0 || tcsetattr(pty.holder, TCSANOW, &t) < 0)
                goto fail;
        *ret = pty;
        return 0;
fail:
        r = -errno;
        ftdi_pty_close(&pty);
        return r;
}

int ftdi_pty_line_coding(const FtdiPty *pty, FtdiLineCoding *ret) {
        struct termios t;

        if (tcgetattr(pty->master, &t) < 0)
                return -errno;
        *ret = (FtdiLineCoding) {
                .baud = ftdi_speed_to_baud(cfgetospeed(&t)),
                .data_bits = (t.c_cflag & CSIZE) == CS7 ? 7 : 8,
                .parity = !(t.c_cflag & PARENB) ? FTDI_PARITY_NONE :
                          (t.c_cflag & CMSPAR) ? ((t.c_cflag & PARODD) ? FTDI_PARITY_MARK : FTDI_PARITY_SPACE) :
                          (t.c_cflag & PARODD) ? FTDI_PARITY_ODD : FTDI_PARITY_EVEN,
                .stop_bits = (t.c_cflag & CSTOPB) ? 2 : 1,
                .flow = (t.c_cflag & CRTSCTS) ? FTDI_FLOW_RTS_CTS :
                        (t.c_iflag & IXOFF) ? FTDI_FLOW_XON_XOFF : FTDI_FLOW_NONE,
        };
        return 0;
}
