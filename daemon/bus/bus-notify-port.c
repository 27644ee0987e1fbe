/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* bus-notify-port.c: see bus-notify-port.h. */

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <systemd/sd-id128.h>

#include "bus-notify-port.h"
#include "bus-notify-wire.h"
#include "hashmap.h"
#include "log.h"
#include "macro.h"

typedef struct BusNotifyPort {
        NotifyEndpoint endpoint;  /* the vtable's userdata; endpoint.owner points at owner */
        BusNotifyPorts *ports;    /* weak: owns us */
        char *owner;              /* owned: also the map's key */
        uid_t uid;
        sd_bus *bus;              /* owned: we are its server */
        sd_event_source *io;      /* owned: its socket in our loop (not sd_bus_attach_event(), below) */
        bool ending;              /* ended from the client's side: the reaper frees it */
        bool more;                /* its turn's budget ran out with messages left: the pump goes on */
        /*
         * Signals written by hand (bus_notify_ports_write()) that the socket did not take yet. While
         * there are any, sd-bus writes nothing: its queue is empty (written by hand only then) and its
         * calls wait (port_turn()), so the two writers never cut into each other's messages.
         */
        uint8_t *out;             /* owned */
        size_t out_len, out_done, out_cap;
        unsigned out_messages;    /* messages in out since it was last empty: the queue's length */
        uint32_t serial;          /* the last serial written by hand */
        BusNotifyWireHeader header; /* owned: its Notifications' header, kept for the next */
} Port;

struct BusNotifyPorts {
        sd_event *event;                 /* borrowed */
        const sd_bus_vtable *vtable;     /* static */
        const char *path, *interface;    /* static */
        struct BusNotify *notify;        /* weak: the vtable's owner */
        const BusNotifyPortsHooks *hooks; /* static */
        void *userdata;                  /* weak */
        Hashmap ports;                   /* owner → Port, owned */
        sd_event_source *reaper;         /* owned: frees ending ports outside their own dispatch */
        sd_event_source *pump;           /* owned: goes on with ports that had more than a turn's messages */
};

_hot_ static Port *live_port(BusNotifyPorts *p, const char *owner) {
        return p ? hashmap_get(&p->ports, owner) : NULL;
}

/* Messages read from one port per turn of the loop: a client that writes fast does not hold it. */
#define PORT_TURN_MESSAGES 64u

static Port *port_free(Port *port) {
        if (!port)
                return NULL;
        sd_event_source_disable_unref(port->io);
        if (port->bus) {
                /* No flush: a client that does not read must not hold the daemon. */
                port->bus = sd_bus_close_unref(port->bus);
        }
        free(port->out);
        bus_notify_wire_header_done(&port->header);
        free(port->owner);
        free(port);
        return NULL;
}
DEFINE_HASHMAP_FREE_FUNC(port_free_void, Port, port_free);
static const HashmapOps port_ops = HASHMAP_OPS_STRING(port_free_void);

static void port_end(Port *port, const char *why) {
        if (port->ending)
                return;
        log_debug("notify: the port of %s ended: %s", port->owner, why);
        port->ending = true;
        (void) sd_event_source_set_enabled(port->ports->reaper, SD_EVENT_ONESHOT);
}

static int on_disconnected(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        port_end(userdata, "closed by the client");
        return 0;
}

/* Before any call is dispatched: one that floods us with calls and reads no answer is cut off. */
static int on_incoming(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        Port *port = userdata;
        uint64_t n = 0;

        if (port->ending)
                return 1; /* dropped: it is over */
        (void) sd_bus_get_n_queued_write(port->bus, &n);
        if (n < NOTIFY_PORT_MAX_QUEUED)
                return 0;
        log_warning("notify: %s does not read its port (%" PRIu64 " messages wait); closing it", port->owner, n);
        port_end(port, "not read");
        return 1;
}

/* Wants to write (sd-bus holds what the socket did not take) or only to read. */
static void port_update_events(Port *port) {
        uint32_t events = EPOLLIN;

        /* Calls are not read while signals written by hand wait: the client reads first. */
        if (port->out_done < port->out_len)
                events = EPOLLOUT;
        else if (sd_bus_get_events(port->bus) & POLLOUT)
                events |= EPOLLOUT;
        (void) sd_event_source_set_io_events(port->io, events);
}

/*
 * A turn: what the socket has, PORT_TURN_MESSAGES at most. Not sd_bus_attach_event(): it gives
 * every connection a prepare callback, run on every turn of the loop, so that 100 open ports cost
 * each of the daemon's turns 100 calls (its round trip went from 95 to 158 µs); here a port costs
 * nothing until its socket is ready.
 */
static int flush_out(Port *port);

static void port_turn(Port *port) {
        int r = 0;

        /* What was written by hand goes first; until it is all out, sd-bus may neither write nor answer. */
        if (flush_out(port) < 0)
                port_end(port, "broken");
        if (port->ending)
                return;
        if (port->out_done < port->out_len) {
                port_update_events(port);
                return;
        }
        port->more = false;
        for (unsigned i = 0; i < PORT_TURN_MESSAGES && !port->ending; i++) {
                r = sd_bus_process(port->bus, NULL);
                if (r <= 0)
                        break;
        }
        if (r < 0)
                port_end(port, "broken");
        if (port->ending)
                return;
        /* sd-bus may hold read messages the socket no longer shows: the pump comes back for them. */
        if (r > 0) {
                port->more = true;
                (void) sd_event_source_set_enabled(port->ports->pump, SD_EVENT_ONESHOT);
        }
        port_update_events(port);
}

static int on_port_io(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        port_turn(userdata);
        return 0;
}

static int on_pump(sd_event_source *s, void *userdata) {
        BusNotifyPorts *p = userdata;
        void *v;

        for (unsigned i = 0; hashmap_next(&p->ports, &i, NULL, &v);) {
                Port *port = v;

                if (port->more && !port->ending)
                        port_turn(port);
        }
        return 0;
}

/* Writes what the socket takes of out: 0, or a negative errno when the connection is broken. */
static int flush_out(Port *port) {
        while (port->out_done < port->out_len) {
                ssize_t n = send(sd_bus_get_fd(port->bus), port->out + port->out_done, port->out_len - port->out_done,
                                 MSG_DONTWAIT | MSG_NOSIGNAL);

                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return errno == EAGAIN ? 0 : -errno;
                port->out_done += (size_t) n;
        }
        port->out_len = port->out_done = 0;
        port->out_messages = 0;
        return 0;
}

static int keep_out(Port *port, const uint8_t *data, size_t len) {
        if (port->out_done > 0 && port->out_done == port->out_len)
                port->out_len = port->out_done = 0;
        if (port->out_len + len > port->out_cap) {
                size_t cap = port->out_cap ? port->out_cap : 4096;
                uint8_t *p;

                while (cap < port->out_len + len)
                        cap *= 2;
                p = realloc(port->out, cap);
                if (!p)
                        return -ENOMEM;
                port->out = p;
                port->out_cap = cap;
        }
        memcpy(port->out + port->out_len, data, len);
        port->out_len += len;
        port->out_messages++;
        return 0;
}

_hot_ int bus_notify_ports_by_hand(BusNotifyPorts *p, const char *owner, BusNotifyPort **ret_port,
                                   uint32_t *ret_serial) {
        Port *port = live_port(p, owner);
        uint64_t n = 0;

        if (!port)
                return 0;
        if (port->ending)
                return -ESHUTDOWN;
        /* sd-bus holds messages that were before this one: it must write this one after them. */
        if (port->out_done == port->out_len && (sd_bus_get_n_queued_write(port->bus, &n) < 0 || n > 0))
                return 0;
        /* Not 0, and apart from sd-bus's (which count up from 1): nobody answers a signal. */
        port->serial = port->serial < UINT32_C(0x80000000) || port->serial == UINT32_MAX ? UINT32_C(0x80000000)
                                                                                          : port->serial + 1;
        *ret_port = port;
        *ret_serial = port->serial;
        return 1;
}

_hot_ int bus_notify_ports_write(BusNotifyPort *port, const void *data, size_t len) {
        ssize_t n = 0;
        int r;

        if (port->ending)
                return -ESHUTDOWN;
        if (port->out_done == port->out_len) {
                n = send(sd_bus_get_fd(port->bus), data, len, MSG_DONTWAIT | MSG_NOSIGNAL);
                if (n < 0 && errno != EAGAIN && errno != EINTR) {
                        r = -errno;
                        port_end(port, "broken");
                        return r;
                }
                if (n < 0)
                        n = 0;
                if ((size_t) n == len)
                        return 0;
        }
        /* The rest waits for the socket, before anything else: the port's turn writes it. */
        r = keep_out(port, (const uint8_t *) data + n, len - (size_t) n);
        if (r < 0) {
                /* Half a message cannot be taken back: the stream is lost. */
                port_end(port, "out of memory");
                return r;
        }
        port_update_events(port);
        return 0;
}

_hot_ BusNotifyWireHeader *bus_notify_ports_header(BusNotifyPort *port) {
        return &port->header;
}

_hot_ uint64_t bus_notify_ports_queued(BusNotifyPorts *p, const char *owner) {
        Port *port = live_port(p, owner);
        uint64_t n = 0;

        if (!port || !port->bus)
                return 0;
        (void) sd_bus_get_n_queued_write(port->bus, &n);
        return n + (port->out_done < port->out_len ? port->out_messages : 0);
}

void bus_notify_ports_sent(BusNotifyPorts *p, const char *owner) {
        Port *port = live_port(p, owner);

        if (port && !port->ending)
                port_update_events(port);
}

static int on_reap(sd_event_source *s, void *userdata) {
        BusNotifyPorts *p = userdata;
        void *v;

        for (unsigned i = 0; hashmap_next(&p->ports, &i, NULL, &v);) {
                Port *port = v;

                if (!port->ending)
                        continue;
                hashmap_remove_current(&p->ports, i);
                if (p->hooks && p->hooks->closed)
                        p->hooks->closed(p->userdata, port->owner);
                port_free(port);
        }
        return 0;
}

int bus_notify_ports_new(sd_event *event, const sd_bus_vtable *vtable, const char *path, const char *interface,
                         struct BusNotify *notify, const BusNotifyPortsHooks *hooks, void *userdata,
                         BusNotifyPorts **ret) {
        _cleanup_free_ BusNotifyPorts *p = NULL;
        int r;

        p = calloc(1, sizeof(*p));
        if (!p)
                return -ENOMEM;
        *p = (BusNotifyPorts) { .event = event, .vtable = vtable, .path = path, .interface = interface,
                                .notify = notify, .hooks = hooks, .userdata = userdata,
                                .ports = HASHMAP_INIT(&port_ops) };
        r = sd_event_add_defer(event, &p->reaper, on_reap, p);
        if (r >= 0)
                r = sd_event_source_set_enabled(p->reaper, SD_EVENT_OFF);
        if (r >= 0)
                r = sd_event_add_defer(event, &p->pump, on_pump, p);
        if (r >= 0)
                r = sd_event_source_set_enabled(p->pump, SD_EVENT_OFF);
        if (r < 0) {
                sd_event_source_disable_unref(p->reaper);
                sd_event_source_disable_unref(p->pump);
                return r;
        }
        *ret = TAKE_PTR(p);
        return 0;
}

BusNotifyPorts *bus_notify_ports_free(BusNotifyPorts *p) {
        if (!p)
                return NULL;
        hashmap_done(&p->ports);
        sd_event_source_disable_unref(p->reaper);
        sd_event_source_disable_unref(p->pump);
        free(p);
        return NULL;
}

static unsigned ports_of_uid(const BusNotifyPorts *p, uid_t uid) {
        unsigned n = 0;
        void *v;

        for (unsigned i = 0; hashmap_next(&p->ports, &i, NULL, &v);)
                n += ((Port *) v)->uid == uid;
        return n;
}

/* The server end: the port's connection, served on our loop. *fd is the connection's once it took it. */
static int port_start(BusNotifyPorts *p, Port *port, int *fd) {
        sd_id128_t id;
        int r;

        r = sd_bus_new(&port->bus);
        if (r < 0)
                return r;
        r = sd_bus_set_fd(port->bus, *fd, *fd);
        if (r < 0)
                return r;
        *fd = -EBADF; /* closed with the connection */
        r = sd_id128_randomize(&id);
        if (r >= 0)
                r = sd_bus_set_server(port->bus, 1, id);
        /* The socket's peer credentials are our own (we made the pair): the owner's are the bus's. */
        if (r >= 0)
                r = sd_bus_set_anonymous(port->bus, 1);
        if (r >= 0)
                r = sd_bus_add_filter(port->bus, NULL, on_incoming, port);
        if (r >= 0)
                r = sd_bus_add_object_vtable(port->bus, NULL, p->path, p->interface, p->vtable, &port->endpoint);
        if (r >= 0)
                r = sd_bus_match_signal(port->bus, NULL, "org.freedesktop.DBus.Local", "/org/freedesktop/DBus/Local",
                                        "org.freedesktop.DBus.Local", "Disconnected", on_disconnected, port);
        if (r >= 0)
                r = sd_bus_start(port->bus);
        if (r >= 0)
                r = sd_event_add_io(p->event, &port->io, sd_bus_get_fd(port->bus), EPOLLIN, on_port_io, port);
        if (r >= 0)
                port_update_events(port);
        return r;
}

int bus_notify_ports_open(BusNotifyPorts *p, const char *owner, uid_t uid, int *ret_fd) {
        _cleanup_close_ int ours = -EBADF, theirs = -EBADF;
        Port *port;
        int fds[2], r;

        if (hashmap_get(&p->ports, owner))
                return -EEXIST;
        if (hashmap_size(&p->ports) >= NOTIFY_PORTS_MAX ||
            (uid != (uid_t) -1 && ports_of_uid(p, uid) >= NOTIFY_PORTS_MAX_PER_UID))
                return -EUSERS;
        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, fds) < 0)
                return -errno;
        ours = fds[0];
        theirs = fds[1];
        port = calloc(1, sizeof(*port));
        if (!port)
                return -ENOMEM;
        port->ports = p;
        port->uid = uid;
        port->owner = strdup(owner);
        if (!port->owner) {
                port_free(port);
                return -ENOMEM;
        }
        port->endpoint = (NotifyEndpoint) { .notify = p->notify, .owner = port->owner };
        r = port_start(p, port, &ours);
        if (r >= 0)
                r = hashmap_put(&p->ports, port->owner, port);
        if (r < 0) {
                port_free(port);
                return r;
        }
        *ret_fd = TAKE_FD(theirs);
        return 0;
}

void bus_notify_ports_close(BusNotifyPorts *p, const char *owner) {
        Port *port = p ? hashmap_remove(&p->ports, owner) : NULL;

        port_free(port);
}

_hot_ int bus_notify_ports_lookup(BusNotifyPorts *p, const char *owner, sd_bus **ret) {
        Port *port = live_port(p, owner);

        *ret = NULL;
        if (!port)
                return 0;
        if (port->ending)
                return -ESHUTDOWN;
        *ret = port->bus;
        return 1;
}

unsigned bus_notify_ports_count(const BusNotifyPorts *p) {
        return p ? hashmap_size(&p->ports) : 0;
}
