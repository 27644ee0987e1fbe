/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ftdi-engine.c: the FT232's data path (ftdi-engine.h).
 *
 * Flow control is end to end: an IN transfer is resubmitted only while the
 * bytes waiting for the pty leave room for a whole one (so a port nobody
 * reads makes the chip NAK, as ftdi_sio throttles), and the pty is read
 * only while an OUT transfer is free. IN bytes go to the pty at once on an
 * idle port; under a stream they wait in to_pty until FTDI_IN_FLUSH of them
 * are there or the latency timer fires; once a flush is due and the pty
 * takes not all, the rest goes on EPOLLOUT. The pty's termios is polled (every
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
/* A flush's worth, and room kept for each IN transfer in flight while the pty takes it. */
#define TO_PTY_CAP (FTDI_IN_FLUSH + 2 * N_IN * IN_SIZE)
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
        sd_event_source *latency_timer;         /* owned: on while IN bytes wait and no flush is due */
        uint8_t ep_in, ep_out;
        unsigned in_packet;                     /* wMaxPacketSize of bulk IN: one status header each */
        struct libusb_transfer *in[N_IN];       /* owned */
        struct libusb_transfer *out[N_OUT];     /* owned */
        bool in_busy[N_IN], out_busy[N_OUT];    /* submitted, callback not yet run */
        bool in_held[N_IN];                     /* completed, waiting for room before resubmitting */
        uint8_t to_pty[TO_PTY_CAP];
        size_t to_pty_len;
        bool flush_due;                         /* the pty took not all of a flush: the rest on EPOLLOUT */
        uint64_t last_write;                    /* CLOCK_MONOTONIC µs of the last write of IN data to the pty */
        /* ftdi_engine_bench: bytes of each direction still to move, and when it started. */
        uint64_t bench_out_left, bench_out_size, bench_out_start;
        uint64_t bench_in_left, bench_in_size, bench_in_start;
        bool bench_out;                         /* under way: until its last transfer completed */
        bool out_pattern[N_OUT];                /* the buffer holds the benchmark's bytes (filled once) */
        int out_partial;                        /* an OUT buffer holding pty bytes not yet sent, or -1 */
        size_t out_partial_len;
        FtdiLineCoding line;
        FtdiEngineCounters n;
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
        if (e->latency_timer)
                (void) sd_event_source_set_enabled(e->latency_timer, SD_EVENT_OFF);
        if (e->cb.gone)
                e->cb.gone(e, error, e->userdata);
}

static int free_out_slot(FtdiEngine *e) {
        for (int i = 0; i < N_OUT; i++)
                if (!e->out_busy[i])
                        return i;
        return -1;
}

/* What the pty's source waits for: readable while an OUT transfer is free (and no benchmark sends from
 * memory), writable while a flush is due. */
static void update_pty_events(FtdiEngine *e) {
        uint32_t ev = (free_out_slot(e) >= 0 && !e->bench_out ? EPOLLIN : 0) | (e->flush_due ? EPOLLOUT : 0);

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

static uint64_t now_usec(FtdiEngine *e) {
        uint64_t now = 0;

        (void) sd_event_now(e->event, CLOCK_MONOTONIC, &now);
        return now;
}

/* Resubmits the IN transfers that waited for room: room for each in flight, and for this one. */
static void resubmit_in(FtdiEngine *e) {
        for (int i = 0; i < N_IN && !e->dead; i++)
                if (e->in_held[i] && TO_PTY_CAP - e->to_pty_len >= (size_t) (n_in_flight(e) + 1) * IN_SIZE) {
                        e->in_held[i] = false;
                        (void) submit(e, e->in[i], &e->in_busy[i]);
                }
}

/* The latency timer runs while bytes wait for a flush that is not due yet: until FTDI_IN_LATENCY_USEC
 * after the last write to the pty. */
static void update_latency_timer(FtdiEngine *e, bool arrived) {
        int enabled = SD_EVENT_OFF;

        if (e->dead)
                return;
        if (e->to_pty_len == 0 || e->flush_due) {
                (void) sd_event_source_set_enabled(e->latency_timer, SD_EVENT_OFF);
                return;
        }
        (void) sd_event_source_get_enabled(e->latency_timer, &enabled);
        if (enabled != SD_EVENT_OFF || !arrived)
                return;
        (void) sd_event_source_set_time(e->latency_timer, e->last_write + FTDI_IN_LATENCY_USEC);
        (void) sd_event_source_set_enabled(e->latency_timer, SD_EVENT_ONESHOT);
}

/* Writes what waits to the pty; what the pty does not take goes on EPOLLOUT. */
static void flush_to_pty(FtdiEngine *e) {
        while (e->to_pty_len > 0) {
                ssize_t n = write(e->pty->master, e->to_pty, e->to_pty_len);

                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        break;          /* EAGAIN: the slave's input is full; wait for EPOLLOUT */
                }
                e->n.pty_writes++;
                e->last_write = now_usec(e);
                memmove(e->to_pty, e->to_pty + n, e->to_pty_len - (size_t) n);
                e->to_pty_len -= (size_t) n;
        }
        e->flush_due = e->to_pty_len > 0;
        update_latency_timer(e, false);
        resubmit_in(e);
        update_pty_events(e);
}

static int on_latency_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        flush_to_pty(userdata);
        return 0;
}

static void bench_report(FtdiEngine *e, bool in) {
        uint64_t start = in ? e->bench_in_start : e->bench_out_start;

        if (e->cb.bench_done)
                e->cb.bench_done(e, in, in ? e->bench_in_size : e->bench_out_size, now_usec(e) - start,
                                 e->userdata);
}

/* A packet's data: the benchmark's while it wants more, the pty's after. */
static void take_in_data(FtdiEngine *e, const uint8_t *data, size_t len) {
        if (e->bench_in_left > 0) {
                size_t n = len < e->bench_in_left ? len : (size_t) e->bench_in_left;

                e->bench_in_left -= n;
                data += n;
                len -= n;
                if (e->bench_in_left == 0)
                        bench_report(e, true);
        }
        /* Room is there: each transfer in flight has IN_SIZE bytes kept free for it. */
        memcpy(e->to_pty + e->to_pty_len, data, len);
        e->to_pty_len += len;
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
        if (t->actual_length > 2)
                e->n.in_transfers++;
        /* Each packet starts with the modem status (MSR) and line status (LSR): not data. */
        for (int off = 0; off < t->actual_length; off += (int) e->in_packet) {
                int len = t->actual_length - off < (int) e->in_packet ? t->actual_length - off : (int) e->in_packet;

                if (len <= 2)
                        continue;
                take_in_data(e, t->buffer + off + 2, (size_t) len - 2);
                e->n.in += (uint64_t) len - 2;
        }
        e->in_held[i] = true;
        if (e->dead)
                return;
        /* At once when 4 KiB wait, or when the pty was not written for a while (an idle port: a typed
         * byte is not held); else at most one write per latency period (the timer). */
        if (!e->flush_due && e->to_pty_len > 0 &&
            (e->to_pty_len >= FTDI_IN_FLUSH || now_usec(e) >= e->last_write + FTDI_IN_LATENCY_USEC))
                flush_to_pty(e);        /* resubmits too */
        else {
                update_latency_timer(e, true);
                resubmit_in(e);
        }
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
        e->n.out += (uint64_t) t->actual_length;
        if (e->bench_out && e->bench_out_left == 0 && free_out_slot(e) >= 0) {
                bool last = true;

                for (int i = 0; i < N_OUT; i++)
                        last = last && !e->out_busy[i];
                if (last) {
                        e->bench_out = false;
                        bench_report(e, false);
                }
        }
        /* Refill at once: the writer is usually ahead (waiting for the next loop turn costs a wake-up). */
        pty_to_usb(e);
}

/* The benchmark's OUT data: the next bytes of 0x00..0xff repeated (OUT_SIZE is a multiple of 256),
 * written into a buffer once, as the peer's are. */
static size_t bench_fill(FtdiEngine *e, int i) {
        size_t len = e->bench_out_left < OUT_SIZE ? (size_t) e->bench_out_left : OUT_SIZE;

        if (!e->out_pattern[i])
                for (size_t k = 0; k < OUT_SIZE; k++)
                        e->out[i]->buffer[k] = (uint8_t) k;
        e->out_pattern[i] = true;
        e->bench_out_left -= len;
        return len;
}

static bool out_in_flight(const FtdiEngine *e) {
        for (int i = 0; i < N_OUT; i++)
                if (e->out_busy[i])
                        return true;
        return false;
}

static void pty_to_usb(FtdiEngine *e) {
        int i;

        while (!e->dead && (i = e->out_partial >= 0 ? e->out_partial : free_out_slot(e)) >= 0) {
                size_t len = 0;

                if (i == e->out_partial) {
                        len = e->out_partial_len;
                        e->out_partial = -1;
                } else if (e->bench_out) {
                        len = bench_fill(e, i);
                        if (len == 0)
                                break;  /* all queued: the pty waits for the last completion */
                }
                /* A pty read gives at most what the line discipline holds (4 KiB): fill the transfer
                 * from several while the writer keeps up, one URB for them all. */
                while (!e->bench_out && len < OUT_SIZE) {
                        ssize_t n = read(e->pty->master, e->out[i]->buffer + len, OUT_SIZE - len);

                        if (n <= 0)
                                break;  /* EAGAIN: nothing more written on the slave for now */
                        len += (size_t) n;
                        e->out_pattern[i] = false;
                }
                if (len == 0)
                        break;
                /* Nagle's rule: while a transfer is in flight, a part-filled one waits for more bytes or
                 * for that completion (one URB, one doorbell per 16 KiB under load; at once when idle). */
                if (!e->bench_out && len < OUT_SIZE && out_in_flight(e)) {
                        e->out_partial = i;
                        e->out_partial_len = len;
                        break;
                }
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
        /* Accuracy 1 µs: sd-event's default (250 ms) would let it slip far beyond the latency asked. */
        r = sd_event_add_time(e->event, &e->latency_timer, CLOCK_MONOTONIC, 0, 1, on_latency_timer, e);
        if (r < 0)
                return r;
        r = sd_event_source_set_enabled(e->latency_timer, SD_EVENT_OFF);
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
        e->out_partial = -1;
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
        e->latency_timer = sd_event_source_disable_unref(e->latency_timer);
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

void ftdi_engine_counters(const FtdiEngine *e, FtdiEngineCounters *ret) {
        *ret = e->n;
}

int ftdi_engine_bench(FtdiEngine *e, bool in, uint64_t size) {
        if (e->dead)
                return -ENODEV;
        if (in) {
                if (e->bench_in_left > 0)
                        return -EBUSY;
                e->bench_in_size = e->bench_in_left = size;
                e->bench_in_start = now_usec(e);
                if (size == 0)
                        bench_report(e, true);
                return 0;
        }
        if (e->bench_out)
                return -EBUSY;
        e->bench_out_size = e->bench_out_left = size;
        e->bench_out_start = now_usec(e);
        e->bench_out = size > 0;
        if (size == 0)
                bench_report(e, false);
        pty_to_usb(e);
        return 0;
}
