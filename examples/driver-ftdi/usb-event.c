/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * usb-event.c: libusb's pollfds as sd-event I/O sources (usb-event.h).
 * libusb adds and removes descriptors as devices open and close (a gone
 * device's usbfs fd is removed on POLLHUP), and says so through its pollfd
 * notifiers; each has one source here.
 */

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/time.h>

#include "usb-event.h"

#define USB_EVENT_MAX_FDS 16

struct UsbEvent {
        libusb_context *ctx;                    /* borrowed */
        sd_event *event;                        /* referenced */
        struct {
                int fd;
                sd_event_source *source;        /* owned */
        } fds[USB_EVENT_MAX_FDS];
};

static int on_usb_io(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        UsbEvent *u = userdata;
        struct timeval zero = { 0, 0 };

        /* Completes what is ready, calling the transfers' callbacks; never blocks. */
        (void) libusb_handle_events_timeout_completed(u->ctx, &zero, NULL);
        return 0;
}

static void on_added(int fd, short events, void *userdata) {
        UsbEvent *u = userdata;
        uint32_t ev = ((events & POLLIN) ? EPOLLIN : 0) | ((events & POLLOUT) ? EPOLLOUT : 0);

        for (size_t i = 0; i < USB_EVENT_MAX_FDS; i++)
                if (!u->fds[i].source) {
                        if (sd_event_add_io(u->event, &u->fds[i].source, fd, ev, on_usb_io, u) >= 0)
                                u->fds[i].fd = fd;
                        return;
                }
        /* More descriptors than one context opens for one device and its timer: cannot happen. */
}

static void on_removed(int fd, void *userdata) {
        UsbEvent *u = userdata;

        for (size_t i = 0; i < USB_EVENT_MAX_FDS; i++)
                if (u->fds[i].source && u->fds[i].fd == fd) {
                        u->fds[i].source = sd_event_source_disable_unref(u->fds[i].source);
                        u->fds[i].fd = -1;
                }
}

int usb_event_attach(UsbEvent **ret, libusb_context *ctx, sd_event *event) {
        const struct libusb_pollfd **list;
        UsbEvent *u;

        u = calloc(1, sizeof(*u));
        if (!u)
                return -ENOMEM;
        u->ctx = ctx;
        u->event = sd_event_ref(event);
        for (size_t i = 0; i < USB_EVENT_MAX_FDS; i++)
                u->fds[i].fd = -1;
        list = libusb_get_pollfds(ctx);
        if (!list) {
                usb_event_detach(u);
                return -ENOMEM;
        }
        for (size_t i = 0; list[i]; i++)
                on_added(list[i]->fd, list[i]->events, u);
        libusb_free_pollfds(list);
        libusb_set_pollfd_notifiers(ctx, on_added, on_removed, u);
        *ret = u;
        return 0;
}

UsbEvent *usb_event_detach(UsbEvent *u) {
        if (!u)
                return NULL;
        libusb_set_pollfd_notifiers(u->ctx, NULL, NULL, NULL);
        for (size_t i = 0; i < USB_EVENT_MAX_FDS; i++)
                sd_event_source_disable_unref(u->fds[i].source);
        sd_event_unref(u->event);
        free(u);
        return NULL;
}
