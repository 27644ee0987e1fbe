/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * usb-io.c: a USB object's I/O (usb-internal.h). Open asks ioregd for the
 * usbfs fd (org.ioreg.USB1.Open), wraps it in a libusb context of the
 * object's own (libusb_wrap_sys_device), and watches libusb's fds on the
 * object's notification port once it has one, so that asynchronous
 * completions run in that port's dispatch. Synchronous transfers are usbfs
 * ioctls on the same fd (usb-internal.h says why).
 */

#include <errno.h>
#include <fcntl.h>
#include <linux/usbdevice_fs.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "notification-port.h"
#include "usb-internal.h"

struct LibUsbAsync {
        LibUsb *usb;                  /* weak: the object waits for its transfers before it goes */
        struct libusb_transfer *transfer; /* owned */
        uint8_t pipe;
        ioreg_usb_dev_request *req;   /* borrowed: the caller's, until completion (wLenDone) */
        void *user_buf;               /* borrowed: the caller's data buffer */
        uint8_t *control_buf;         /* owned: setup packet then data, for control transfers */
        ioreg_async_callback1 callback;
        void *refcon;
        LibUsbAsync *next;
};

ioreg_return_t lib_usb_return_from_errno(int e) {
        switch (e) {
        case EPIPE:
                return IOREG_RETURN_PIPE_STALLED;
        case ENODEV:
        case ESHUTDOWN:
                return IOREG_RETURN_NO_DEVICE;
        case ETIMEDOUT:
                return IOREG_RETURN_TIMEOUT;
        case EOVERFLOW:
                return IOREG_RETURN_OVERRUN;
        case EPROTO:
        case EILSEQ:
                return IOREG_RETURN_NOT_RESPONDING;
        case ENOENT:
        case ECONNRESET:
                return IOREG_RETURN_ABORTED;
        case EBUSY:
                return IOREG_RETURN_EXCLUSIVE_ACCESS;
        default:
                return lib_return_from_errno(e);
        }
}

static ioreg_return_t return_from_libusb(int r) {
        switch (r) {
        case LIBUSB_SUCCESS:
                return IOREG_RETURN_SUCCESS;
        case LIBUSB_ERROR_NO_DEVICE:
                return IOREG_RETURN_NO_DEVICE;
        case LIBUSB_ERROR_BUSY:
                return IOREG_RETURN_EXCLUSIVE_ACCESS;
        case LIBUSB_ERROR_INVALID_PARAM:
                return IOREG_RETURN_BAD_ARGUMENT;
        case LIBUSB_ERROR_NO_MEM:
                return IOREG_RETURN_NO_MEMORY;
        case LIBUSB_ERROR_PIPE:
                return IOREG_RETURN_PIPE_STALLED;
        case LIBUSB_ERROR_TIMEOUT:
                return IOREG_RETURN_TIMEOUT;
        case LIBUSB_ERROR_OVERFLOW:
                return IOREG_RETURN_OVERRUN;
        case LIBUSB_ERROR_ACCESS:
                return IOREG_RETURN_NOT_PRIVILEGED;
        case LIBUSB_ERROR_NOT_SUPPORTED:
                return IOREG_RETURN_UNSUPPORTED;
        default:
                return IOREG_RETURN_ERROR;
        }
}

static ioreg_return_t return_from_status(enum libusb_transfer_status s) {
        switch (s) {
        case LIBUSB_TRANSFER_COMPLETED:
                return IOREG_RETURN_SUCCESS;
        case LIBUSB_TRANSFER_TIMED_OUT:
                return IOREG_RETURN_TIMEOUT;
        case LIBUSB_TRANSFER_CANCELLED:
                return IOREG_RETURN_ABORTED;
        case LIBUSB_TRANSFER_STALL:
                return IOREG_RETURN_PIPE_STALLED;
        case LIBUSB_TRANSFER_NO_DEVICE:
                return IOREG_RETURN_NO_DEVICE;
        case LIBUSB_TRANSFER_OVERFLOW:
                return IOREG_RETURN_OVERRUN;
        default:
                return IOREG_RETURN_ERROR;
        }
}

/* ---- libusb's fds on the port's loop ---- */

static int on_libusb_io(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        LibUsb *u = userdata;
        struct timeval zero = { 0, 0 };

        /* Completions may release the object: it stays until the events are handled. */
        atomic_fetch_add(&u->n_ref, 1);
        if (u->ctx)
                (void) libusb_handle_events_timeout_completed(u->ctx, &zero, NULL);
        (void) lib_usb_release(&u->usb_face);
        return 0; /* negative would switch the source off */
}

static void watch_add(LibUsb *u, int fd, short events) {
        sd_event_source *s = NULL;

        if (!u->port)
                return; /* lib_usb_create_port() adds every fd libusb has */
        for (unsigned i = 0; i < u->n_watches; i++)
                if (u->watches[i].fd == fd)
                        return;
        if (GROW(u->watches, u->cap_watches, u->n_watches + 1) < 0)
                return;
        /* poll's and epoll's IN and OUT bits are the same. */
        if (sd_event_add_io(u->port->event, &s, fd, (uint32_t) events, on_libusb_io, u) < 0)
                return;
        u->watches[u->n_watches++] = (LibUsbWatch) { .fd = fd, .source = s };
}

static void watch_remove(LibUsb *u, int fd) {
        for (unsigned i = 0; i < u->n_watches; i++)
                if (u->watches[i].fd == fd) {
                        sd_event_source_disable_unref(u->watches[i].source);
                        u->watches[i] = u->watches[--u->n_watches];
                        return;
                }
}

static void watch_all(LibUsb *u) {
        const struct libusb_pollfd **fds;

        if (!u->ctx || !u->port)
                return;
        fds = libusb_get_pollfds(u->ctx);
        for (unsigned i = 0; fds && fds[i]; i++)
                watch_add(u, fds[i]->fd, fds[i]->events);
        libusb_free_pollfds(fds);
}

/* libusb's notifiers: called inside libusb (open, event handling, close); they take no lock. */
static void LIBUSB_CALL on_pollfd_added(int fd, short events, void *userdata) {
        watch_add(userdata, fd, events);
}

static void LIBUSB_CALL on_pollfd_removed(int fd, void *userdata) {
        watch_remove(userdata, fd);
}

ioreg_return_t lib_usb_create_port(LibUsb *u, ioreg_notification_port_t *ret) {
        pthread_mutex_lock(&u->lock);
        if (!u->port) {
                u->port = ioreg_notification_port_create();
                if (!u->port) {
                        pthread_mutex_unlock(&u->lock);
                        return lib_return_from_errno(errno);
                }
                watch_all(u);
        }
        if (ret)
                *ret = u->port;
        pthread_mutex_unlock(&u->lock);
        return IOREG_RETURN_SUCCESS;
}

/* ---- open and close ---- */

static ioreg_return_t daemon_open(LibUsb *u, bool seize, int *ret_fd) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_bus_unlock_ sd_bus *bus = NULL;
        uint64_t run = 0;
        ioreg_return_t ret;
        int fd, r;

        ret = lib_bus_lock(&bus);
        if (ret != IOREG_RETURN_SUCCESS)
                return ret;
        ret = lib_call(bus, &reply, &run, IOREG_OBJECT_PATH, IOREG_USB_INTERFACE, IOREG_USB_OPEN, "tu", u->entry_id,
                       seize ? IOREG_USB_OPEN_SEIZE : 0);
        if (ret != IOREG_RETURN_SUCCESS)
                return ret;
        if (run != atomic_load(&lib_entry_cast(u->service)->run))
                return IOREG_RETURN_NO_DEVICE;
        r = sd_bus_message_read(reply, "h", &fd);
        if (r < 0)
                return lib_return_from_errno(r);
        fd = fcntl(fd, F_DUPFD_CLOEXEC, 3); /* the reply keeps its own */
        if (fd < 0)
                return lib_return_from_errno(errno);
        *ret_fd = fd;
        return IOREG_RETURN_SUCCESS;
}

static void daemon_close(LibUsb *u) {
        _cleanup_bus_unlock_ sd_bus *bus = NULL;

        /* Best effort: the daemon also ends the hold when this program leaves the bus. */
        if (lib_bus_lock(&bus) == IOREG_RETURN_SUCCESS)
                (void) lib_call(bus, NULL, NULL, IOREG_OBJECT_PATH, IOREG_USB_INTERFACE, IOREG_USB_CLOSE, "t",
                                u->entry_id);
}

/* Frees the libusb side (u->lock held or the object private to the caller). */
static void libusb_teardown(LibUsb *u) {
        if (u->handle) {
                if (u->kind == LIB_USB_INTERFACE)
                        (void) libusb_release_interface(u->handle, u->interface_number);
                libusb_close(u->handle);
                u->handle = NULL;
        }
        while (u->n_watches > 0)
                watch_remove(u, u->watches[0].fd);
        if (u->ctx) {
                libusb_exit(u->ctx);
                u->ctx = NULL;
        }
        if (u->fd >= 0) {
                close(u->fd);
                u->fd = -1;
        }
}

ioreg_return_t lib_usb_open(LibUsb *u, bool seize) {
        ioreg_return_t ret;
        int r;

        if (!u->service)
                return IOREG_RETURN_NOT_READY;
        pthread_mutex_lock(&u->lock);
        if (u->open) {
                pthread_mutex_unlock(&u->lock);
                return IOREG_RETURN_SUCCESS;
        }
        ret = daemon_open(u, seize, &u->fd);
        if (ret != IOREG_RETURN_SUCCESS)
                goto out;
        r = libusb_init(&u->ctx);
        if (r < 0) {
                u->ctx = NULL;
                ret = return_from_libusb(r);
                goto fail;
        }
        libusb_set_pollfd_notifiers(u->ctx, on_pollfd_added, on_pollfd_removed, u);
        r = libusb_wrap_sys_device(u->ctx, (intptr_t) u->fd, &u->handle);
        /* ioregd claimed the interface on this fd; libusb learns it (claiming again is a no-op). */
        if (r >= 0 && u->kind == LIB_USB_INTERFACE)
                r = libusb_claim_interface(u->handle, u->interface_number);
        if (r < 0) {
                ret = return_from_libusb(r);
                goto fail;
        }
        u->open = true;
        watch_all(u);
        goto out;
fail:
        libusb_teardown(u);
        daemon_close(u);
out:
        pthread_mutex_unlock(&u->lock);
        return ret;
}

/* Runs libusb's events until the cancelled transfers completed (bounded: a dead device never answers). */
static void drain_pending(LibUsb *u) {
        for (unsigned i = 0; i < 200; i++) {
                struct timeval tv = { 0, 10000 };
                bool empty;

                pthread_mutex_lock(&u->lock);
                empty = !u->pending;
                pthread_mutex_unlock(&u->lock);
                if (empty || !u->ctx)
                        return;
                (void) libusb_handle_events_timeout_completed(u->ctx, &tv, NULL);
        }
}

ioreg_return_t lib_usb_close(LibUsb *u) {
        pthread_mutex_lock(&u->lock);
        if (!u->open) {
                pthread_mutex_unlock(&u->lock);
                return IOREG_RETURN_NOT_OPEN;
        }
        u->open = false; /* no new transfers from here on */
        for (LibUsbAsync *a = u->pending; a; a = a->next)
                (void) libusb_cancel_transfer(a->transfer);
        pthread_mutex_unlock(&u->lock);
        /* The callbacks (ABORTED) run here, without the lock: they may call the object. */
        drain_pending(u);
        pthread_mutex_lock(&u->lock);
        /* A transfer that never completed (the device does not answer the cancel) is given up on. */
        while (u->pending) {
                LibUsbAsync *a = u->pending;

                u->pending = a->next;
                a->transfer->callback = NULL;
                free(a->control_buf);
                free(a);
        }
        libusb_teardown(u);
        daemon_close(u);
        pthread_mutex_unlock(&u->lock);
        return IOREG_RETURN_SUCCESS;
}

/* ---- synchronous: usbfs ioctls ---- */

ioreg_return_t lib_usb_ioctl(LibUsb *u, unsigned long request, void *arg) {
        if (!u->open || u->fd < 0)
                return IOREG_RETURN_NOT_OPEN;
        if (ioctl(u->fd, request, arg) < 0)
                return lib_usb_return_from_errno(errno);
        return IOREG_RETURN_SUCCESS;
}

ioreg_return_t lib_usb_control(LibUsb *u, uint8_t type, uint8_t request, uint16_t value, uint16_t index,
                               void *data, uint16_t length, uint32_t timeout_ms, uint32_t *done) {
        struct usbdevfs_ctrltransfer c = {
                .bRequestType = type,
                .bRequest = request,
                .wValue = value,
                .wIndex = index,
                .wLength = length,
                .timeout = timeout_ms,
                .data = data,
        };
        int r;

        if (length > 0 && !data)
                return IOREG_RETURN_BAD_ARGUMENT;
        if (!u->open || u->fd < 0)
                return IOREG_RETURN_NOT_OPEN;
        r = ioctl(u->fd, USBDEVFS_CONTROL, &c);
        if (r < 0)
                return lib_usb_return_from_errno(errno);
        if (done)
                *done = (uint32_t) r;
        return IOREG_RETURN_SUCCESS;
}

static ioreg_return_t pipe_check(LibUsb *u, uint8_t pipe, const LibUsbPipe **ret) {
        if (pipe == 0 || pipe >= u->n_pipes)
                return IOREG_RETURN_BAD_ARGUMENT;
        if (u->pipes[pipe].type == IOREG_USB_ISOC)
                return IOREG_RETURN_UNSUPPORTED;
        *ret = &u->pipes[pipe];
        return IOREG_RETURN_SUCCESS;
}

ioreg_return_t lib_usb_transfer(LibUsb *u, uint8_t pipe, void *buf, uint32_t *size, uint32_t timeout_ms) {
        struct usbdevfs_bulktransfer b;
        const LibUsbPipe *p;
        ioreg_return_t ret;
        int r;

        if (!size || (*size > 0 && !buf))
                return IOREG_RETURN_BAD_ARGUMENT;
        ret = pipe_check(u, pipe, &p);
        if (ret != IOREG_RETURN_SUCCESS)
                return ret;
        if (!u->open || u->fd < 0)
                return IOREG_RETURN_NOT_OPEN;
        /* USBDEVFS_BULK serves interrupt endpoints too (usb_bulk_msg switches the pipe). */
        b = (struct usbdevfs_bulktransfer) { .ep = p->address, .len = *size, .timeout = timeout_ms, .data = buf };
        r = ioctl(u->fd, USBDEVFS_BULK, &b);
        if (r < 0)
                return lib_usb_return_from_errno(errno);
        *size = (uint32_t) r;
        return IOREG_RETURN_SUCCESS;
}

/* ---- asynchronous: libusb transfers, completed on the port ---- */

static void unlink_pending(LibUsb *u, LibUsbAsync *a) {
        pthread_mutex_lock(&u->lock);
        for (LibUsbAsync **p = &u->pending; *p; p = &(*p)->next)
                if (*p == a) {
                        *p = a->next;
                        break;
                }
        pthread_mutex_unlock(&u->lock);
}

static void LIBUSB_CALL on_transfer(struct libusb_transfer *t) {
        LibUsbAsync *a = t->user_data;
        ioreg_async_callback1 callback = a->callback;
        void *refcon = a->refcon;
        ioreg_return_t result = return_from_status(t->status);
        uint32_t n = t->actual_length > 0 ? (uint32_t) t->actual_length : 0;

        unlink_pending(a->usb, a);
        if (a->control_buf) {
                /* Data after the setup packet: copied back for an IN request. */
                if ((a->control_buf[0] & LIBUSB_ENDPOINT_IN) && n > 0 && a->user_buf)
                        memcpy(a->user_buf, a->control_buf + LIBUSB_CONTROL_SETUP_SIZE, n);
                if (a->req)
                        a->req->wLenDone = n;
        }
        libusb_free_transfer(t);
        free(a->control_buf);
        free(a);
        if (callback)
                callback(refcon, result, (void *) (uintptr_t) n);
}

ioreg_return_t lib_usb_submit(LibUsb *u, uint8_t pipe, ioreg_usb_dev_request *req, void *buf, uint32_t size,
                              uint32_t timeout_ms, ioreg_async_callback1 callback, void *refcon) {
        const LibUsbPipe *p = NULL;
        LibUsbAsync *a;
        ioreg_return_t ret;
        int r;

        if (!callback)
                return IOREG_RETURN_BAD_ARGUMENT;
        if (pipe == 0) {
                if (!req || (req->wLength > 0 && !req->pData))
                        return IOREG_RETURN_BAD_ARGUMENT;
        } else {
                ret = pipe_check(u, pipe, &p);
                if (ret != IOREG_RETURN_SUCCESS)
                        return ret;
                if (size > INT32_MAX || (size > 0 && !buf))
                        return IOREG_RETURN_BAD_ARGUMENT;
        }
        a = calloc(1, sizeof(*a));
        if (!a)
                return IOREG_RETURN_NO_MEMORY;
        *a = (LibUsbAsync) { .usb = u, .pipe = pipe, .req = req, .callback = callback, .refcon = refcon };
        a->transfer = libusb_alloc_transfer(0);
        if (!a->transfer) {
                free(a);
                return IOREG_RETURN_NO_MEMORY;
        }
        pthread_mutex_lock(&u->lock);
        if (!u->open) {
                ret = IOREG_RETURN_NOT_OPEN;
                goto fail;
        }
        if (!u->port) {
                ret = IOREG_RETURN_NOT_READY; /* no async event source yet: nothing would deliver it */
                goto fail;
        }
        if (pipe == 0) {
                a->user_buf = req->pData;
                a->control_buf = malloc(LIBUSB_CONTROL_SETUP_SIZE + req->wLength);
                if (!a->control_buf) {
                        ret = IOREG_RETURN_NO_MEMORY;
                        goto fail;
                }
                libusb_fill_control_setup(a->control_buf, req->bmRequestType, req->bRequest, req->wValue,
                                          req->wIndex, req->wLength);
                if (!(req->bmRequestType & LIBUSB_ENDPOINT_IN) && req->wLength > 0)
                        memcpy(a->control_buf + LIBUSB_CONTROL_SETUP_SIZE, req->pData, req->wLength);
                libusb_fill_control_transfer(a->transfer, u->handle, a->control_buf, on_transfer, a, timeout_ms);
        } else if (p->type == IOREG_USB_BULK)
                libusb_fill_bulk_transfer(a->transfer, u->handle, p->address, buf, (int) size, on_transfer, a,
                                          timeout_ms);
        else
                libusb_fill_interrupt_transfer(a->transfer, u->handle, p->address, buf, (int) size, on_transfer, a,
                                               timeout_ms);
        r = libusb_submit_transfer(a->transfer);
        if (r < 0) {
                ret = return_from_libusb(r);
                goto fail;
        }
        a->next = u->pending;
        u->pending = a;
        pthread_mutex_unlock(&u->lock);
        return IOREG_RETURN_SUCCESS;
fail:
        pthread_mutex_unlock(&u->lock);
        libusb_free_transfer(a->transfer);
        free(a->control_buf);
        free(a);
        return ret;
}

ioreg_return_t lib_usb_abort(LibUsb *u, uint8_t pipe) {
        pthread_mutex_lock(&u->lock);
        if (!u->open) {
                pthread_mutex_unlock(&u->lock);
                return IOREG_RETURN_NOT_OPEN;
        }
        for (LibUsbAsync *a = u->pending; a; a = a->next)
                if (pipe == 0xff || a->pipe == pipe)
                        (void) libusb_cancel_transfer(a->transfer);
        pthread_mutex_unlock(&u->lock);
        return IOREG_RETURN_SUCCESS;
}

void lib_usb_teardown_io(LibUsb *u) {
        if (u->open)
                (void) lib_usb_close(u);
        if (u->port) {
                /* A completion may have dropped the last reference from inside the port's dispatch. */
                lib_port_destroy_soon(u->port);
                u->port = NULL;
        }
}

/* --- the methods both faces share --- */

ioreg_return_t lib_usb_face_create_source(void *self, ioreg_notification_port_t *source) {
        OUT_CHECK(source);
        return lib_usb_create_port(lib_usb_from_face(self), source);
}

ioreg_notification_port_t lib_usb_face_get_source(void *self) {
        return lib_usb_from_face(self)->port;
}

ioreg_return_t lib_usb_face_open(void *self) {
        return lib_usb_open(lib_usb_from_face(self), false);
}

ioreg_return_t lib_usb_face_open_seize(void *self) {
        return lib_usb_open(lib_usb_from_face(self), true);
}

ioreg_return_t lib_usb_face_close(void *self) {
        return lib_usb_close(lib_usb_from_face(self));
}
