/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* bus-usb.c: see bus-usb.h. */

#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bus-errors.h"
#include "bus-peers.h"
#include "bus-polkit.h"
#include "bus-usb.h"
#include "driver-host.h"
#include "log.h"
#include "protocol.h"
#include "usb-access.h"

typedef struct UsbHold UsbHold;
struct UsbHold {
        BusUsb *owner;       /* weak: the list owns the hold */
        Entry *nub;          /* owned reference */
        char *sender;        /* owned: the application's unique bus name */
        int fd;              /* owned: ioregd's copy of the application's open file */
        int interface;       /* claimed on fd; -1 for a device */
        bool seized;         /* a kernel driver was detached: bind it again at the end */
        UsbHold *next;
};

struct BusUsb {
        UsbHold *holds; /* owned list */
};

static void hold_free(UsbHold *h) {
        if (!h)
                return;
        log_debug("USB hold of entry 0x%" PRIx64 " by %s ends%s.", h->nub->id, h->sender,
                  h->seized ? ", kernel driver bound again" : "");
        usb_access_release(h->nub, h->fd, h->interface, h->seized);
        entry_unref(h->nub);
        free(h->sender);
        free(h);
}

static void hold_unlink(BusUsb *u, UsbHold *h) {
        for (UsbHold **p = &u->holds; *p; p = &(*p)->next)
                if (*p == h) {
                        *p = h->next;
                        return;
                }
}

BusUsb *bus_usb_free(BusUsb *u) {
        if (!u)
                return NULL;
        while (u->holds) {
                UsbHold *h = u->holds;

                u->holds = h->next;
                hold_free(h);
        }
        free(u);
        return NULL;
}

/* A client left the bus (bus-peers.h: one match serves every client): its holds end. */
static void on_peer_gone(void *userdata, const char *name) {
        BusUsb *u = userdata;

        for (UsbHold **p = &u->holds; *p;) {
                UsbHold *h = *p;

                if (!streq(h->sender, name)) {
                        p = &h->next;
                        continue;
                }
                *p = h->next;
                hold_free(h);
        }
}

static const BusPeersHooks usb_peer_hooks = {
        .gone = on_peer_gone,
};

/* Holds of nubs that went (the device was unplugged) end now: their fds name nothing. */
static void prune(BusUsb *u) {
        for (UsbHold **p = &u->holds; *p;) {
                UsbHold *h = *p;

                if (h->nub->registry && !(h->nub->state & ENTRY_STATE_INACTIVE)) {
                        p = &h->next;
                        continue;
                }
                *p = h->next;
                hold_free(h);
        }
}

static int method_copy_descriptors(sd_bus_message *call, void *userdata, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_free_ uint8_t *bytes = NULL;
        BusContext *m = userdata;
        uint64_t id;
        size_t n = 0;
        Entry *nub;
        int r;

        r = sd_bus_message_read(call, "t", &id);
        if (r < 0)
                return r;
        r = bus_find_entry(m->registry, id, &nub, error);
        if (r < 0)
                return r;
        if (usb_access_kind(nub) < 0)
                return sd_bus_error_setf(error, IOREG_ERROR_NOT_SUPPORTED,
                                         "Entry 0x%" PRIx64 " is no USB device or interface.", id);
        r = usb_access_copy_descriptors(nub, &bytes, &n);
        if (r < 0)
                return bus_error_set_errno(error, r == -ENODEV ? -ENOENT : r, "Cannot read the descriptors");
        r = sd_bus_message_new_method_return(call, &reply);
        if (r >= 0)
                r = sd_bus_message_append_array(reply, 'y', bytes, n);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

static int method_open(sd_bus_message *call, void *userdata, sd_bus_error *error) {
        BusContext *m = userdata;
        _cleanup_free_ char *driver = NULL;
        const char *sender = sd_bus_message_get_sender(call);
        unsigned n_sender = 0;
        uint32_t options;
        uint64_t id;
        UsbHold *h;
        Entry *nub;
        bool seize;
        int fd = -1, interface = -1, r;

        /* polkit may dispatch the call a second time: read it from the start. */
        r = sd_bus_message_rewind(call, true);
        if (r >= 0)
                r = sd_bus_message_read(call, "tu", &id, &options);
        if (r < 0)
                return r;
        if (options & ~IOREG_USB_OPEN_SEIZE)
                return sd_bus_error_setf(error, IOREG_ERROR_INVALID_ARGUMENT, "Unknown options 0x%" PRIx32 ".",
                                         options);
        if (!sender)
                return sd_bus_error_set(error, IOREG_ERROR_ACCESS_DENIED, "The caller has no bus name.");
        r = bus_find_entry(m->registry, id, &nub, error);
        if (r < 0)
                return r;
        if (usb_access_kind(nub) < 0)
                return sd_bus_error_setf(error, IOREG_ERROR_NOT_SUPPORTED,
                                         "Entry 0x%" PRIx64 " is no USB device or interface.", id);
        r = usb_access_kernel_driver(nub, &driver);
        if (r < 0)
                return bus_error_set_errno(error, r, "Cannot read the kernel driver");
        seize = driver && (options & IOREG_USB_OPEN_SEIZE);

        /* One question to polkit per call (bus-polkit.h): seizing includes opening. */
        r = bus_polkit_check(call, seize ? IOREG_ACTION_USB_DEVICE_SEIZE : IOREG_ACTION_USB_DEVICE_OPEN, &m->polkit,
                             error);
        if (r < 0)
                return r;
        if (r == 0)
                return 1; /* polkit was asked; the call comes back */
        /* The nub may have gone while polkit thought. */
        r = bus_find_entry(m->registry, id, &nub, error);
        if (r < 0)
                return r;

        prune(m->usb);
        for (h = m->usb->holds; h; h = h->next) {
                if (h->nub == nub)
                        return sd_bus_error_setf(error, IOREG_ERROR_EXCLUSIVE_ACCESS,
                                                 "Entry 0x%" PRIx64 " is open by %s.", id,
                                                 streq(h->sender, sender) ? "this application already" : "another application");
                if (streq(h->sender, sender))
                        n_sender++;
        }
        if (n_sender >= BUS_USB_MAX_HOLDS_PER_SENDER)
                return sd_bus_error_setf(error, IOREG_ERROR_LIMITS_EXCEEDED, "Too many USB devices open.");
        if (driver_host_provider_is_open(m->driver_host, nub))
                return sd_bus_error_setf(error, IOREG_ERROR_EXCLUSIVE_ACCESS,
                                         "Entry 0x%" PRIx64 " is open by a driver server.", id);
        if (driver && !seize)
                return sd_bus_error_setf(error, IOREG_ERROR_EXCLUSIVE_ACCESS,
                                         "Entry 0x%" PRIx64 " is held by the kernel driver %s.", id, driver);

        r = usb_access_open(nub, seize, &fd, &interface);
        if (r == -EBUSY)
                return sd_bus_error_setf(error, IOREG_ERROR_EXCLUSIVE_ACCESS,
                                         "Entry 0x%" PRIx64 " is claimed by another program.", id);
        if (r == -EACCES || r == -EPERM)
                return sd_bus_error_setf(error, IOREG_ERROR_ACCESS_DENIED, "ioregd may not open the device: %s.",
                                         strerror(-r));
        if (r == -ENOENT || r == -ENXIO || r == -ENODEV)
                return sd_bus_error_setf(error, IOREG_ERROR_NO_DEVICE, "Entry 0x%" PRIx64 " has no device now.", id);
        if (r < 0)
                return bus_error_set_errno(error, r, "Cannot open the device");

        h = calloc(1, sizeof(*h));
        if (!h) {
                usb_access_release(nub, fd, interface, seize);
                return -ENOMEM;
        }
        *h = (UsbHold) { .owner = m->usb, .nub = entry_ref(nub), .fd = fd, .interface = interface, .seized = seize };
        h->sender = strdup(sender);
        /* Tracked already by the flow control of every call; again here in case it was out of memory then. */
        r = !h->sender ? -ENOMEM : m->peers ? bus_peers_track(m->peers, sender) : 0;
        if (r < 0) {
                hold_free(h);
                return r;
        }
        h->next = m->usb->holds;
        m->usb->holds = h;
        log_debug("USB entry 0x%" PRIx64 " opened by %s%s%s.", id, sender, seize ? ", detaching " : "",
                  seize ? driver : "");
        /* The reply carries its own copy of the fd; ours stays for the release. */
        return sd_bus_reply_method_return(call, "h", fd);
}

static int method_close(sd_bus_message *call, void *userdata, sd_bus_error *error) {
        BusContext *m = userdata;
        const char *sender = sd_bus_message_get_sender(call);
        uint64_t id;
        int r;

        r = sd_bus_message_read(call, "t", &id);
        if (r < 0)
                return r;
        for (UsbHold *h = m->usb ? m->usb->holds : NULL; h && sender; h = h->next)
                if (h->nub->id == id && streq(h->sender, sender)) {
                        hold_unlink(m->usb, h);
                        hold_free(h);
                        return sd_bus_reply_method_return(call, NULL);
                }
        return sd_bus_error_setf(error, IOREG_ERROR_NOT_OPEN, "Entry 0x%" PRIx64 " is not open by the caller.", id);
}

static const sd_bus_vtable usb_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_METHOD_WITH_ARGS(IOREG_USB_COPY_DESCRIPTORS, SD_BUS_ARGS("t", entry), SD_BUS_RESULT("ay", descriptors),
                                method_copy_descriptors, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS(IOREG_USB_OPEN, SD_BUS_ARGS("t", entry, "u", options), SD_BUS_RESULT("h", fd),
                                method_open, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS(IOREG_USB_CLOSE, SD_BUS_ARGS("t", entry), SD_BUS_NO_RESULT, method_close,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_VTABLE_END,
};

int bus_usb_register(BusContext *m) {
        int r;

        assert(m && m->bus && !m->usb);
        m->usb = calloc(1, sizeof(BusUsb));
        if (!m->usb)
                return log_error_errno(ENOMEM, "Out of memory.");
        if (m->peers) {
                r = bus_peers_listen(m->peers, &usb_peer_hooks, m->usb);
                if (r < 0)
                        return log_error_errno(r, "Failed to watch clients leaving: %m");
        }
        r = sd_bus_add_object_vtable(m->bus, NULL, IOREG_OBJECT_PATH, IOREG_USB_INTERFACE, usb_vtable, m);
        if (r < 0)
                return log_error_errno(r, "Failed to export %s: %m", IOREG_USB_INTERFACE);
        return 0;
}
