/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bus-flow.h: fairness and a memory bound when the bus stops reading our
 * replies. The daemon has one connection to the bus, and its write queue is
 * first in, first out: a client that sends thousands of calls and never
 * reads the answers (the bus then refuses or holds them) fills that queue
 * with its big replies (a GetPlane answer is 100 KiB and more), and every
 * other client's answer waits behind them; sd-bus would let the queue grow
 * to 384k messages. So, while more than BUS_FLOW_WQUEUE_LOW messages wait
 * to be written, incoming method calls are parked instead of run, one
 * queue per sender, and released round-robin across senders whenever the
 * write queue is short again. A client that floods waits behind its own
 * calls; others get their turn after at most one call of each busy sender.
 * The same happens to a sender that makes more than BUS_FLOW_BURST calls in
 * BUS_PEER_CALL_WINDOW_USEC, whatever the write queue: the bus hands us
 * calls in the order they came, and thousands of one client's calls would
 * otherwise run before the next client's. A client's first calls wait (a
 * bus round trip) until the bus has told its UID (bus-peers.h): answers
 * that carry properties depend on it (bus-restricted.h), and it is never
 * asked synchronously, which would hold the loop behind a busy bus.
 *
 * Bounds: at most BUS_FLOW_MAX_PARKED_PER_SENDER parked calls per sender,
 * bus-peers.h's calls in flight per sender and per user (BUS_UID_MAX_CALLS),
 * and BUS_FLOW_MAX_PARKED in all; a call beyond them is answered at once
 * with org.ioreg.Error.LimitsExceeded (a small error), or, when even small
 * answers cannot be written (BUS_FLOW_WQUEUE_HARD), dropped unanswered
 * (the caller's bus library times out). The order of one sender's calls is
 * kept. Nothing changes while the bus keeps up: the filter only counts.
 *
 * The filter also keeps bus-peers.h's budgets: every caller is tracked, and
 * a call from a client that has not read what it was sent is refused with
 * LimitsExceeded (up to BUS_FLOW_UNREAD_ERRORS bytes of such errors), then
 * dropped; Notifications1, SystemPower1 and Peer calls (small answers)
 * always go through. A parked call is checked when it arrives and again when
 * its turn comes: the answers to the calls parked before it may have used
 * the budget up (dbus-broker, unlike dbus-daemon's system bus, does not cap
 * a client's pending calls at 128). While the bus's answer on what that
 * client read is on its way (bus_peers_awaiting_receipt(): a client that
 * calls synchronously reads without answering pings), its call is parked
 * instead of refused: one bus round trip.
 */
#pragma once

#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#define BUS_FLOW_WQUEUE_LOW 16                /* park while more messages than this wait to be written */
#define BUS_FLOW_WQUEUE_HARD 4096             /* above this, calls over the limits are dropped, not refused */
#define BUS_FLOW_MAX_PARKED_PER_SENDER 256    /* twice dbus-daemon's default pending replies per connection */
#define BUS_FLOW_MAX_PARKED 16384
#define BUS_FLOW_READ_FIRST_USEC (50ULL * 1000) /* parked calls wait at most this for reading to end */
#define BUS_FLOW_BURST 16                     /* calls of one sender run at once per window (bus-peers.h) */
#define BUS_FLOW_ERROR_BYTES 256              /* what one LimitsExceeded error costs, counted */
#define BUS_FLOW_UNREAD_ERRORS (256u << 10)   /* errors sent to a client over its budget, at most */
#define BUS_FLOW_SNDBUF (64 << 10)            /* the bus socket's send buffer (the kernel doubles it) */

typedef struct BusFlow BusFlow;
typedef struct BusPeers BusPeers;

typedef struct BusFlowStats {
        uint64_t n_parked;    /* calls parked so far */
        uint64_t n_refused;   /* answered LimitsExceeded */
        uint64_t n_dropped;   /* dropped unanswered */
        unsigned max_parked;  /* most calls parked at once */
} BusFlowStats;

/* Installs the filter on bus (borrowed; must outlive the BusFlow); peers (borrowed) may be NULL. */
int bus_flow_new(sd_bus *bus, sd_event *event, BusPeers *peers, BusFlow **ret);
/* Calls parked now (0 for NULL). */
unsigned bus_flow_parked(const BusFlow *f);
/* Forgets the parked calls (unanswered). NULL-safe. */
BusFlow *bus_flow_free(BusFlow *f);
