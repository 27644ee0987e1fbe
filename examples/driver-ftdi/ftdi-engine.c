/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ftdi-engine.c: the FT232's data path (ftdi-engine.h).
 *
 * Flow control is end to end: an IN transfer is resubmitted only while the
 * bytes waiting for the pty leave room for a whole one (so a port nobody
 * reads makes the chip NAK, as ftdi_sio throttles), and the pty is read
 * only while an OUT transfer is free. The pty's termios is polled (every
 * 200 ms) rather than watched: TIOCPKT reports termios changes only with
 * EXTPROC, which changes the line discipline's behaviour for the user.
 */

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "ftdi-engine.h"
#include "usb-event.h"

#define N_IN FTDI_N_IN
#define N_OUT FTDI_N_OUT
#define IN_SIZE FTDI_IN_SIZE
#define OUT_SIZE FTDI_OUT_SIZE
#define TO_PTY_CAP (4 * IN_SIZE)
#define TERMIOS_POLL_USEC (200 * 1000)
#define LATENCY_MS 16           /* ftdi_sio's default latency timer */

struct FtdiEngine {
        sd_event *event;                        /* referenced */
        libusb_context *usb;                    /* owned */
        libusb_device_handle *handle;           /* owned */
        UsbEvent *usb_event;                    /* owned */
        int usb_fd;                             /* owned */
        int interface;
        bool claimed;                           /* released at the end (ioregd's claim too: one open file) */
        FtdiPty *pty;                           /* borrowed */
        sd_event_source *pty_source;            /* owned */
        sd_event_source *termios_timer;         /* owned */
        uint8_t ep_in, ep_out;
        unsigned in_packet;                     /* wMaxPacketSize of bulk IN: one status header each */
        struct libusb_transfer *in[N_IN];       /* owned */
        struct libusb_transfer *out[N_OUT];     /* owned */
        bool in_busy[N_IN], out_busy[N_OUT];    /* submitted, callback not yet run */
        bool in_held[N_IN];                     /* completed, waiting for room before resubmitting */
        uint8_t to_pty[TO_PTY_CAP];
        size_t to_pty_len;
        FtdiLineCoding line;
        uint64_t n_in, n_out;
        bool dead;
        FtdiEngineCallbacks cb;
        void *userdata;
};

static void engine_fail(FtdiEngine *e, int error) {
        if (e->dead)
                return;
        e->dead = true;
        if (e->pty_source)
                (void) sd_event_source_set_enabled(e->pty_source, SD_EVENT_OFF);
        if (e->termios_timer)
                (void) sd_event_source_set_enabled(e->termios_timer, SD_EVENT_OFF);
        if (e->cb.gone)
                e->cb.gone(e, error, e->userdata);
}

static int free_out_slot(FtdiEngine *e) {
        for (int i = 0; i < N_OUT; i++)
                if (!e->out_busy[i])
                        return i;
        return -1;
}

/* What the pty's source waits for: readable while an OUT transfer is free, writable while bytes wait. */
static void update_pty_events(FtdiEngine *e) {
        uint32_t ev = (free_out_slot(e) >= 0 ? EPOLLIN : 0) | (e->to_pty_len > 0 ? EPOLLOUT : 0);

        if (e->dead || !e->pty_source)
                return;
        if (ev)
                (void) sd_event_source_set_io_events(e->pty_source, ev);
        (void) sd_event_source_set_enabled(e->pty_source, ev ? SD_EVENT_ON : SD_EVENT_OFF);
}

static int submit(FtdiEngine *e, struct libusb_transfer *t, bool *busy) {
        int r = libusb_submit_transfer(t);

        if (r < 0) {
                engine_fail(e, ftdi_errno(r));
                return ftdi_errno(r);
        }
        *busy = true;
        return 0;
}

static int n_in_flight(const FtdiEngine *e) {
        int n = 0;

        for (int i = 0; i < N_IN; i++)
                n += e->in_busy[i];
        return n;
}

static void flush_to_pty(FtdiEngine *e) {
        while (e->to_pty_len > 0) {
                ssize_t n = write(e->pty->master, e->to_pty, e->to_pty_len);

                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        break;          /* EAGAIN: the slave's input is full; wait for EPOLLOUT */
                }
                memmove(e->to_pty, e->to_pty + n, e->to_pty_len - (size_t) n);
                e->to_pty_len -= (size_t) n;
        }
        /* Resubmit the IN transfers that waited for room: room for each in flight, and for this one. */
        for (int i = 0; i < N_IN && !e->dead; i++)
                if (e->in_held[i] && TO_PTY_CAP - e->to_pty_len >= (size_t) (n_in_flight(e) + 1) * IN_SIZE) {
                        e->in_held[i] = false;
                        (void) submit(e, e->in[i], &e->in_busy[i]);
                }
        update_pty_events(e);
}

static void on_in(struct libusb_transfer *t) {
        FtdiEngine *e = t->user_data;
        int i;

        for (i = 0; i < N_IN && e->in[i] != t; i++)
                ;
        e->in_busy[i] = false;
        if (t->status == LIBUSB_TRANSFER_CANCELLED || e->dead)
                return;
        if (t->status == LIBUSB_TRANSFER_NO_DEVICE) {
                engine_fail(e, -ENODEV);
                return;
        }
        if (t->status != LIBUSB_TRANSFER_COMPLETED && t->status != LIBUSB_TRANSFER_TIMED_OUT) {
                engine_fail(e, -EIO);
                return;
        }
        /* Each packet starts with the modem status (MSR) and line status (LSR): not data. */
        for (int off = 0; off < t->actual_length; off += (int) e->in_packet) {
                int len = t->actual_length - off < (int) e->in_packet ? t->actual_length - off : (int) e->in_packet;

                if (len <= 2)
                        continue;
                /* Room is there: each transfer in flight has IN_SIZE bytes kept free for it. */
                memcpy(e->to_pty + e->to_pty_len, t->buffer + off + 2, (size_t) len - 2);
                e->to_pty_len += (size_t) len - 2;
                e->n_in += (uint64_t) len - 2;
        }
        e->in_held[i] = true;
        flush_to_pty(e);
}

static void pty_to_usb(FtdiEngine *e);

static void on_out(struct libusb_transfer *t) {
        FtdiEngine *e = t->user_data;

        for (int i = 0; i < N_OUT; i++)
                if (e->out[i] == t)
                        e->out_busy[i] = false;
        if (t->status == LIBUSB_TRANSFER_CANCELLED || e->dead)
                return;
        if (t->status != LIBUSB_TRANSFER_COMPLETED) {
                engine_fail(e, t->status == LIBUSB_TRANSFER_NO_DEVICE ? -ENODEV : -EIO);
                return;
        }
        e->n_out += (uint64_t) t->actual_length;
        /* Refill at once: the writer is usually ahead (waiting for the next loop turn costs a wake-up). */
        pty_to_usb(e);
}

static void pty_to_usb(FtdiEngine *e) {
        int i;

        while (!e->dead && (i = free_out_slot(e)) >= 0) {
                size_t len = 0;

                /* A pty read gives at most what the line discipline holds (4 KiB): fill the transfer
                 * from several while the writer keeps up, one URB for them all. */
                while (len < OUT_SIZE) {
                        ssize_t n = read(e->pty->master, e->out[i]->buffer + len, OUT_SIZE - len);

                        if (n <= 0)
                                break;  /* EAGAIN: nothing more written on the slave for now */
                        len += (size_t) n;
                }
                if (len == 0)
                        break;
                e->out[i]->length = (int) len;
                if (submit(e, e->out[i], &e->out_busy[i]) < 0)
                        return;
        }
        update_pty_events(e);
}

static int on_pty(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        FtdiEngine *e = userdata;

        if (revents & EPOLLOUT)
                flush_to_pty(e);
        if (revents & (EPOLLIN | EPOLLHUP))
                pty_to_usb(e);
        return 0;
}

static bool same_line(const FtdiLineCoding *a, const FtdiLineCoding *b) {
        return a->baud == b->baud && a->data_bits == b->data_bits && a->parity == b->parity &&
               a->stop_bits == b->stop_bits && a->flow == b->flow;
}

static int apply_line_coding(FtdiEngine *e, const FtdiLineCoding *lc) {
        int r = ftdi_chip_set_line_coding(e->handle, lc);

        if (r < 0)
                return r;
        e->line = *lc;
        if (e->cb.line_coding)
                e->cb.line_coding(e, lc, e->userdata);
        return 0;
}

static int on_termios_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        FtdiEngine *e = userdata;
        FtdiLineCoding lc;
        int r;

        if (ftdi_pty_line_coding(e->pty, &lc) >= 0 && !same_line(&lc, &e->line)) {
                r = apply_line_coding(e, &lc);
                if (r < 0 && r == -ENODEV)
                        engine_fail(e, r);
        }
        if (!e->dead) {
                /* A timer source fires once: armed again for the next poll. */
                (void) sd_event_source_set_time_relative(s, TERMIOS_POLL_USEC);
                (void) sd_event_source_set_enabled(s, SD_EVENT_ONESHOT);
        }
        return 0;
}

static int find_endpoints(FtdiEngine *e) {
        struct libusb_config_descriptor *config;
        int r;

        r = libusb_get_active_config_descriptor(libusb_get_device(e->handle), &config);
        if (r < 0)
                return ftdi_errno(r);
        r = -ENOENT;
        for (int i = 0; i < config->bNumInterfaces; i++) {
                const struct libusb_interface_descriptor *d = &config->interface[i].altsetting[0];

                if (config->interface[i].num_altsetting < 1 || d->bInterfaceNumber != e->interface)
                        continue;
                for (int k = 0; k < d->bNumEndpoints; k++) {
                        const struct libusb_endpoint_descriptor *ep = &d->endpoint[k];

                        if ((ep->bmAttributes & LIBUSB_TRANSFER_TYPE_MASK) != LIBUSB_TRANSFER_TYPE_BULK)
                                continue;
                        if (ep->bEndpointAddress & LIBUSB_ENDPOINT_IN) {
                                e->ep_in = ep->bEndpointAddress;
                                e->in_packet = ep->wMaxPacketSize ? ep->wMaxPacketSize : 64;
                        } else
                                e->ep_out = ep->bEndpointAddress;
                }
                r = e->ep_in && e->ep_out ? 0 : -ENOENT;
        }
        libusb_free_config_descriptor(config);
        return r;
}

static int engine_setup(FtdiEngine *e, unsigned flags) {
        FtdiLineCoding lc;
        int r;

        /* No scan of /dev/bus/usb and no hotplug monitor: the one device is the fd we were given. */
        (void) libusb_set_option(NULL, LIBUSB_OPTION_NO_DEVICE_DISCOVERY);
        r = libusb_init(&e->usb);
        if (r < 0)
                return ftdi_errno(r);
        r = libusb_wrap_sys_device(e->usb, (intptr_t) e->usb_fd, &e->handle);
        if (r < 0)
                return ftdi_errno(r);
        if (flags & FTDI_ENGINE_DETACH_KERNEL_DRIVER)
                (void) libusb_set_auto_detach_kernel_driver(e->handle, 1);
        /* ioregd's fd has the interface claimed already; claiming again on the same fd is a no-op. */
        r = libusb_claim_interface(e->handle, e->interface);
        if (r < 0)
                return ftdi_errno(r);
        e->claimed = true;
        r = find_endpoints(e);
        if (r < 0)
                return r;
        r = usb_event_attach(&e->usb_event, e->usb, e->event);
        if (r < 0)
                return r;
        /* ftdi_sio's port setup and open: reset, latency timer, line coding (with DTR and RTS up). */
        r = ftdi_chip_reset(e->handle);
        if (r < 0)
                return r;
        r = ftdi_chip_set_latency(e->handle, LATENCY_MS);
        if (r < 0)
                return r;
        r = ftdi_pty_line_coding(e->pty, &lc);
        if (r < 0)
                return r;
        r = apply_line_coding(e, &lc);
        if (r < 0)
                return r;
        for (int i = 0; i < N_IN; i++) {
                e->in[i] = libusb_alloc_transfer(0);
                if (!e->in[i])
                        return -ENOMEM;
                libusb_fill_bulk_transfer(e->in[i], e->handle, e->ep_in, malloc(IN_SIZE), IN_SIZE, on_in, e, 0);
                e->in[i]->flags = LIBUSB_TRANSFER_FREE_BUFFER;
                if (!e->in[i]->buffer)
                        return -ENOMEM;
        }
        for (int i = 0; i < N_OUT; i++) {
                e->out[i] = libusb_alloc_transfer(0);
                if (!e->out[i])
                        return -ENOMEM;
                libusb_fill_bulk_transfer(e->out[i], e->handle, e->ep_out, malloc(OUT_SIZE), OUT_SIZE, on_out, e, 0);
                e->out[i]->flags = LIBUSB_TRANSFER_FREE_BUFFER;
                if (!e->out[i]->buffer)
                        return -ENOMEM;
        }
        r = sd_event_add_io(e->event, &e->pty_source, e->pty->master, EPOLLIN, on_pty, e);
        if (r < 0)
                return r;
        r = sd_event_add_time_relative(e->event, &e->termios_timer, CLOCK_MONOTONIC, TERMIOS_POLL_USEC, 0,
                                       on_termios_timer, e);
        if (r < 0)
                return r;
        for (int i = 0; i < N_IN; i++) {
                r = submit(e, e->in[i], &e->in_busy[i]);
                if (r < 0)
                        return r;
        }
        return 0;
}

int ftdi_engine_new(FtdiEngine **ret, sd_event *event, int usb_fd, int interface, FtdiPty *pty,
                    unsigned flags, const FtdiEngineCallbacks *cb, void *userdata) {
        FtdiEngine *e;
        int r;

        e = calloc(1, sizeof(*e));
        if (!e) {
                close(usb_fd);
                return -ENOMEM;
        }
        e->event = sd_event_ref(event);
        e->usb_fd = usb_fd;
        e->interface = interface;
        e->pty = pty;
        e->cb = cb ? *cb : (FtdiEngineCallbacks) {};
        e->userdata = userdata;
        r = engine_setup(e, flags);
        if (r < 0) {
                e->cb = (FtdiEngineCallbacks) {};       /* a failed start reports through its return */
                ftdi_engine_free(e);
                return r;
        }
        *ret = e;
        return 0;
}

static bool any_busy(const FtdiEngine *e) {
        for (int i = 0; i < N_IN; i++)
                if (e->in_busy[i])
                        return true;
        for (int i = 0; i < N_OUT; i++)
                if (e->out_busy[i])
                        return true;
        return false;
}

FtdiEngine *ftdi_engine_free(FtdiEngine *e) {
        if (!e)
                return NULL;
        e->cb = (FtdiEngineCallbacks) {};
        e->dead = true;
        e->pty_source = sd_event_source_disable_unref(e->pty_source);
        e->termios_timer = sd_event_source_disable_unref(e->termios_timer);
        for (int i = 0; i < N_IN; i++)
                if (e->in_busy[i])
                        (void) libusb_cancel_transfer(e->in[i]);
        for (int i = 0; i < N_OUT; i++)
                if (e->out_busy[i])
                        (void) libusb_cancel_transfer(e->out[i]);
        /* A transfer may be freed only once its callback ran (usbfs reaps the cancelled URBs). */
        for (int k = 0; k < 20 && any_busy(e); k++) {
                struct timeval tv = { 0, 100 * 1000 };

                (void) libusb_handle_events_timeout_completed(e->usb, &tv, NULL);
        }
        if (!any_busy(e)) {
                for (int i = 0; i < N_IN; i++)
                        libusb_free_transfer(e->in[i]);
                for (int i = 0; i < N_OUT; i++)
                        libusb_free_transfer(e->out[i]);
        }       /* else leaked rather than freed under the kernel's feet */
        e->usb_event = usb_event_detach(e->usb_event);
        if (e->claimed)
                (void) libusb_release_interface(e->handle, e->interface);       /* re-attaches with auto-detach */
        if (e->handle)
                libusb_close(e->handle);
        if (e->usb)
                libusb_exit(e->usb);
        if (e->usb_fd >= 0)
                close(e->usb_fd);
        sd_event_unref(e->event);
        free(e);
        return NULL;
}

const FtdiLineCoding *ftdi_engine_line_coding(const FtdiEngine *e) {
        return &e->line;
}

void ftdi_engine_counters(const FtdiEngine *e, uint64_t *ret_in, uint64_t *ret_out) {
        *ret_in = e->n_in;
        *ret_out = e->n_out;
}
