/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* bus-flow.c: see bus-flow.h. */

#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/socket.h>
#include <time.h>

#include "bus-errors.h"
#include "bus-flow.h"
#include "bus-peers.h"
#include "hashmap.h"
#include "log.h"

/* Released calls travel through sd-bus's read queue and this filter once more; they are let through by pointer. */
#define MAX_RELEASED BUS_FLOW_WQUEUE_LOW

typedef struct FlowSender FlowSender;
struct FlowSender {
        char *name;              /* owned; the key in BusFlow.senders */
        sd_bus_message **calls;  /* owned ring of owned references */
        unsigned head, n, cap;
        FlowSender *next;        /* in the round-robin list, while it has parked calls */
};

struct BusFlow {
        sd_bus *bus;             /* borrowed */
        sd_event *event;         /* borrowed */
        BusPeers *peers;         /* borrowed, may be NULL: unread bytes per client */
        sd_bus_slot *filter;     /* owned */
        sd_event_source *post;   /* owned: releases after each loop iteration while anything is parked */
        sd_event_source *kick;   /* owned: one more iteration (post sources run only after another source) */
        Hashmap senders;         /* name → FlowSender (owned, only those with parked calls) */
        FlowSender *rr_head, *rr_tail; /* senders with parked calls, next to serve first */
        unsigned n_parked;
        sd_bus_message *released[MAX_RELEASED]; /* weak: let through once by the filter */
        unsigned n_released;
        uint64_t last_release;   /* usec of on_post's last round */
        BusFlowStats stats;
};

static FlowSender *flow_sender_free(FlowSender *s) {
        if (!s)
                return NULL;
        for (unsigned i = 0; i < s->n; i++)
                sd_bus_message_unref(s->calls[(s->head + i) % s->cap]);
        free(s->calls);
        free(s->name);
        free(s);
        return NULL;
}

unsigned bus_flow_parked(const BusFlow *f) {
        return f ? f->n_parked : 0;
}

BusFlow *bus_flow_free(BusFlow *f) {
        if (!f)
                return NULL;
        sd_bus_slot_unref(f->filter);
        sd_event_source_disable_unref(f->post);
        sd_event_source_disable_unref(f->kick);
        while (f->rr_head) {
                FlowSender *s = f->rr_head;

                f->rr_head = s->next;
                flow_sender_free(s);
        }
        hashmap_done(&f->senders);
        free(f);
        return NULL;
}

static uint64_t now_usec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000 + (uint64_t) ts.tv_nsec / 1000;
}

static uint64_t queued_writes(BusFlow *f) {
        uint64_t n = 0;

        (void) sd_bus_get_n_queued_write(f->bus, &n);
        return n;
}

static bool take_released(BusFlow *f, sd_bus_message *m) {
        for (unsigned i = 0; i < f->n_released; i++)
                if (f->released[i] == m) {
                        f->released[i] = f->released[--f->n_released];
                        return true;
                }
        return false;
}

/* Over the limits: a small error while it can still be written, else nothing. */
static int refuse(BusFlow *f, sd_bus_message *m, const char *sender, int reason) {
        if (queued_writes(f) < BUS_FLOW_WQUEUE_HARD && sd_bus_message_get_expect_reply(m)) {
                f->stats.n_refused++;
                if (reason == -EDQUOT) {
                        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;

                        (void) bus_peers_error_calls(&e, reason);
                        (void) sd_bus_reply_method_error(m, &e);
                } else
                        (void) sd_bus_reply_method_errorf(m, IOREG_ERROR_LIMITS_EXCEEDED,
                                                          "Too many calls waiting from %s: read the answers "
                                                          "first.",
                                                          sender);
        } else
                f->stats.n_dropped++;
        if ((f->stats.n_refused + f->stats.n_dropped) % 1000 == 1)
                log_warning("Client %s sends calls faster than it reads the answers: refusing some "
                            "(%" PRIu64 " refused, %" PRIu64 " dropped so far).",
                            sender, f->stats.n_refused, f->stats.n_dropped);
        return 1;
}

/*
 * Calls whose answers are a few bytes: let through even over the client's budget. The
 * notifications' own traffic (a subscription's replay) waits in the hub instead (notify-hub.h's
 * may_send), so a client may subscribe several times before it reads the first replay.
 */
static bool is_relief(sd_bus_message *m) {
        return sd_bus_message_is_method_call(m, IOREG_NOTIFY_INTERFACE, NULL) ||
               sd_bus_message_is_method_call(m, IOREG_SYSTEM_POWER_INTERFACE, NULL) ||
               sd_bus_message_is_method_call(m, "org.freedesktop.DBus.Peer", NULL);
}

/*
 * A client that has not read what it was sent (bus-peers.h): a small error while it is
 * little over, then nothing (each error is more for it to read; its call stays pending at
 * the bus, which counts it against the client's own limit of pending calls).
 */
static int refuse_unread(BusFlow *f, sd_bus_message *m, const char *sender, int reason) {
        if (bus_peers_unread(f->peers, sender) < BUS_PEER_MAX_UNREAD + BUS_FLOW_UNREAD_ERRORS &&
            sd_bus_message_get_expect_reply(m)) {
                f->stats.n_refused++;
                bus_peers_charge(f->peers, sender, BUS_FLOW_ERROR_BYTES);
                (void) sd_bus_reply_method_errorf(m, IOREG_ERROR_LIMITS_EXCEEDED,
                                                  "%s has not read what it was sent (%s): read first.", sender,
                                                  reason == -ENOBUFS ? "its own limit" :
                                                  reason == -EDQUOT  ? "its user's limit" :
                                                                       "the daemon's limit");
        } else
                f->stats.n_dropped++;
        if ((f->stats.n_refused + f->stats.n_dropped) % 1000 == 1)
                log_warning("Client %s does not read its answers: refusing its calls "
                            "(%" PRIu64 " refused, %" PRIu64 " dropped so far).",
                            sender, f->stats.n_refused, f->stats.n_dropped);
        return 1;
}

static int park_store(BusFlow *f, FlowSender *s, sd_bus_message *m, const char *sender) {
        if (!s) {
                s = calloc(1, sizeof(*s));
                if (!s)
                        return -ENOMEM;
                s->name = strdup(sender);
                if (!s->name || hashmap_put(&f->senders, s->name, s) < 0) {
                        flow_sender_free(s);
                        return -ENOMEM;
                }
                if (f->rr_tail)
                        f->rr_tail->next = s;
                else
                        f->rr_head = s;
                f->rr_tail = s;
        }
        if (s->n == s->cap) {
                unsigned cap = s->cap ? s->cap * 2 : 8;
                sd_bus_message **calls = calloc(cap, sizeof(*calls));

                if (!calls)
                        return -ENOMEM;
                for (unsigned i = 0; i < s->n; i++)
                        calls[i] = s->calls[(s->head + i) % s->cap];
                free(s->calls);
                s->calls = calls;
                s->cap = cap;
                s->head = 0;
        }
        s->calls[(s->head + s->n++) % s->cap] = sd_bus_message_ref(m);
        f->n_parked++;
        f->stats.n_parked++;
        if (f->n_parked > f->stats.max_parked)
                f->stats.max_parked = f->n_parked;
        /*
         * The post source runs after another source's dispatch: with a short write queue (a call
         * parked for its sender's burst) nothing else may come, so ask for one more iteration.
         */
        (void) sd_event_source_set_enabled(f->kick, SD_EVENT_ONESHOT);
        return sd_event_source_set_enabled(f->post, SD_EVENT_ON);
}

static int park(BusFlow *f, FlowSender *s, sd_bus_message *m, const char *sender) {
        int r;

        /* A parked call is in flight: counted against its connection's and its user's quota. */
        r = f->peers ? bus_peers_call_begin(f->peers, sender) : 0;
        if (r < 0)
                return r;
        r = park_store(f, s, m, sender);
        if (r < 0 && f->peers)
                bus_peers_call_end(f->peers, sender);
        return r;
}

/*
 * The first sender that may run: one whose UID the bus has told (a call that carries entries'
 * properties needs it, bus-restricted.h, and it is not asked synchronously) and that waits for
 * no read receipt. Others go to the tail. NULL when none may.
 */
static FlowSender *next_sender(BusFlow *f) {
        for (FlowSender *first = NULL; f->rr_head && f->rr_head != first;) {
                FlowSender *s = f->rr_head;

                if (!f->peers ||
                    (bus_peers_identified(f->peers, s->name) && !bus_peers_awaiting_receipt(f->peers, s->name)))
                        return s;
                if (!first)
                        first = s;
                if (s == f->rr_tail)
                        return NULL;
                f->rr_head = s->next;
                s->next = NULL;
                f->rr_tail->next = s;
                f->rr_tail = s;
        }
        return NULL;
}

/* One call of the sender at the head, which then goes to the tail (or away, when it has no more). */
static int release_one(BusFlow *f) {
        FlowSender *s = f->rr_head;
        sd_bus_message *m = s->calls[s->head];
        int r;

        s->head = (s->head + 1) % s->cap;
        s->n--;
        f->n_parked--;
        f->rr_head = s->next;
        if (!f->rr_head)
                f->rr_tail = NULL;
        s->next = NULL;
        if (s->n > 0) {
                if (f->rr_tail)
                        f->rr_tail->next = s;
                else
                        f->rr_head = s;
                f->rr_tail = s;
        } else {
                hashmap_remove(&f->senders, s->name);
                flow_sender_free(s);
        }
        /* Its turn: no longer held here (a handler that answers later counts it again). */
        if (f->peers)
                bus_peers_call_end(f->peers, sd_bus_message_get_sender(m));
        f->released[f->n_released++] = m;
        r = sd_bus_enqueue_for_read(f->bus, m);
        if (r < 0) {
                take_released(f, m);
                log_warning_errno(r, "Cannot run a parked call, dropping it: %m");
        }
        sd_bus_message_unref(m);
        return 0;
}

/* Calls wait in the bus socket: reading them (and parking them, cheap) comes before running parked ones. */
static bool input_pending(BusFlow *f) {
        struct pollfd pfd = { .fd = sd_bus_get_fd(f->bus), .events = POLLIN };

        return pfd.fd >= 0 && poll(&pfd, 1, 0) > 0 && (pfd.revents & POLLIN);
}

static int on_post(sd_event_source *source, void *userdata) {
        BusFlow *f = userdata;
        uint64_t now = now_usec();

        /*
         * A client that sent thousands of calls at once has them in the socket ahead of other
         * clients' calls: read on (each is parked behind its sender's) until the others' are
         * parked too, then serve round-robin; but never hold parked calls longer than
         * BUS_FLOW_READ_FIRST_USEC for that.
         */
        if (input_pending(f) && now - f->last_release < BUS_FLOW_READ_FIRST_USEC)
                return 0; /* the bus's input source runs again, and this after it */
        f->last_release = now;

        while (f->rr_head && f->n_released < MAX_RELEASED &&
               queued_writes(f) + f->n_released < BUS_FLOW_WQUEUE_LOW && next_sender(f))
                (void) release_one(f);
        if (!f->rr_head)
                (void) sd_event_source_set_enabled(f->post, SD_EVENT_OFF);
        else if (queued_writes(f) + f->n_released < BUS_FLOW_WQUEUE_LOW && next_sender(f))
                (void) sd_event_source_set_enabled(f->kick, SD_EVENT_ONESHOT); /* more to release, nothing to wait for */
        return 0;
}

/*
 * Answers that keep a client's stream going: an Ack opens its notification window, a Peer
 * answer proves it reads, a power answer lets sleep go on. They cost a few bytes and no reply; parked behind the client's own
 * burst or dropped with the overflow, one lost Ack would stall its subscription for good.
 */
static bool is_answer(sd_bus_message *m) {
        return sd_bus_message_is_method_call(m, IOREG_NOTIFY_INTERFACE, "Ack") ||
               sd_bus_message_is_method_call(m, IOREG_SYSTEM_POWER_INTERFACE, "AllowPowerChange") ||
               sd_bus_message_is_method_call(m, IOREG_SYSTEM_POWER_INTERFACE, "CancelPowerChange") ||
               sd_bus_message_is_method_call(m, "org.freedesktop.DBus.Peer", NULL);
}

static int on_kick(sd_event_source *source, void *userdata) {
        return 0;
}

/* The bus told a client's UID, or what it read: its parked calls may run. */
static void on_identified(void *userdata, const char *name) {
        BusFlow *f = userdata;

        if (hashmap_get(&f->senders, name))
                (void) sd_event_source_set_enabled(f->kick, SD_EVENT_ONESHOT);
}

static const BusPeersHooks flow_peer_hooks = {
        .identified = on_identified,
        .receipt = on_identified, /* its held calls may run, or be refused */
};

static int on_message(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        BusFlow *f = userdata;
        const char *sender;
        FlowSender *s;
        bool held = false;
        int r;

        if (!sd_bus_message_is_method_call(m, NULL, NULL))
                return 0;
        sender = sd_bus_message_get_sender(m);
        if (take_released(f, m)) {
                /*
                 * Its turn. Checked again: the calls parked with it passed the check on arrival,
                 * before any was answered (a bus without dbus-daemon's cap on pending replies, as
                 * dbus-broker, lets a client have thousands in flight, ~100 KiB of answer each), or it
                 * was held for a read receipt (bus_peers_awaiting_receipt()).
                 */
                if (f->peers && !is_relief(m) && (r = bus_peers_check_send(f->peers, sender)) < 0)
                        return refuse_unread(f, m, sender, r);
                return 0;
        }
        if (!sender)
                return 0; /* a direct connection: nobody to be fair to */
        if (is_answer(m))
                return 0; /* out of its sender's order: an Ack names a subscription already answered */
        if (f->peers) {
                (void) bus_peers_track(f->peers, sender); /* on ENOMEM: only its budget is not kept */
                r = is_relief(m) ? 0 : bus_peers_check_send(f->peers, sender);
                /* Over its budget, but the bus is telling what it read: held until then, checked at its turn. */
                held = r < 0 && bus_peers_awaiting_receipt(f->peers, sender);
                if (r < 0 && !held)
                        return refuse_unread(f, m, sender, r);
        }
        s = hashmap_get(&f->senders, sender);
        /*
         * Keep one sender's order: behind its parked calls. Others only while the queue is long,
         * or while this sender has made more than its burst of calls in the current window: a
         * client that sends thousands of calls at once must not keep others waiting behind them
         * in the bus's read order (they are read and parked, which is cheap, and run round-robin).
         */
        if (!held && !s && f->n_parked == 0 && queued_writes(f) <= BUS_FLOW_WQUEUE_LOW &&
            (!f->peers ||
             (bus_peers_identified(f->peers, sender) &&
              bus_peers_note_call(f->peers, sender, now_usec()) <= BUS_FLOW_BURST)))
                return 0;
        if ((s && s->n >= BUS_FLOW_MAX_PARKED_PER_SENDER) || f->n_parked >= BUS_FLOW_MAX_PARKED)
                return refuse(f, m, sender, -EMFILE);
        r = park(f, s, m, sender);
        if (r < 0) {
                if (r != -EMFILE && r != -EDQUOT)
                        log_warning_errno(r, "Cannot park a call, refusing it: %m");
                return refuse(f, m, sender, r);
        }
        return 1;
}

/*
 * The kernel's send buffer is a queue too, ahead of sd-bus's and out of our sight: 200 KiB by
 * default, hundreds of small signals that an answer would wait behind at the bus (issue 23 D).
 * A small one keeps what waits in sd-bus's queue, where calls and signals are ordered here.
 */
static void limit_socket_buffer(sd_bus *bus) {
        int fd = sd_bus_get_fd(bus), size = BUS_FLOW_SNDBUF;

        if (fd >= 0 && setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size)) < 0)
                log_debug_errno(errno, "bus-flow: cannot shrink the bus socket's send buffer, ignoring: %m");
}

int bus_flow_new(sd_bus *bus, sd_event *event, BusPeers *peers, BusFlow **ret) {
        BusFlow *f;
        int r;

        assert(bus && event && ret);
        f = calloc(1, sizeof(*f));
        if (!f)
                return -ENOMEM;
        f->bus = bus;
        f->event = event;
        f->peers = peers;
        f->senders = HASHMAP_INIT(&string_hash_ops);
        limit_socket_buffer(bus);
        r = sd_event_add_post(event, &f->post, on_post, f);
        if (r >= 0)
                r = sd_event_source_set_enabled(f->post, SD_EVENT_OFF);
        if (r >= 0)
                r = sd_event_add_defer(event, &f->kick, on_kick, f);
        if (r >= 0)
                r = sd_event_source_set_enabled(f->kick, SD_EVENT_OFF);
        if (r >= 0 && peers)
                r = bus_peers_listen(peers, &flow_peer_hooks, f);
        if (r >= 0)
                r = sd_bus_add_filter(bus, &f->filter, on_message, f);
        if (r < 0) {
                bus_flow_free(f);
                return r;
        }
        *ret = f;
        return 0;
}
