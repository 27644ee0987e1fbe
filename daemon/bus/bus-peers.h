/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bus-peers.h: what the daemon knows of each client connection (a unique
 * name) that calls it: its UID, the bytes sent to it that it has not been
 * seen to read, its subscriptions, and its end.
 *
 * Ends: one match on the bus driver's NameOwnerChanged with an empty new
 * owner (arg2='') serves every client. A match rule per client
 * (sd_bus_track) ran into dbus-daemon's 512 match rules per connection, and
 * sd-bus closes the connection when an install fails; this one is installed
 * with a callback of its own, and retried when the bus refuses it. A peer
 * is made on its first call and its UID asked of the bus
 * (GetConnectionUnixUser, asynchronously); a peer already gone by then
 * (its calls were parked, bus-flow.h) is ended by that answer.
 *
 * Unread bytes (dbus-daemon charges what a client has not read to the
 * sender, and stops reading the sender at 127 MB: one client that never
 * reads would stall every other). A client reads its messages in order, so
 * its answer to org.freedesktop.DBus.Peer.Ping (every D-Bus library
 * answers it by itself, from its dispatch loop) proves that it read all
 * that was sent before the ping; so does a call that carries the cursor of
 * the page before (GetPlanePage). The daemon pings a peer once it has
 * BUS_PEER_PING_BYTES unconfirmed, or any when it is refused for its UID's
 * or everyone's limit (many peers can reach those each under the
 * threshold), and asks the bus too: dbus-daemon's
 * GetConnectionStats (Debug.Stats) tells how many bytes it holds for the
 * peer, so what was sent before the question and is not held any more was
 * read; that covers clients that call synchronously and dispatch nothing
 * (sd_bus_call() reads the socket but does not answer the ping).
 * dbus-broker has no GetConnectionStats (Failed); its GetStats has
 * the same figure for every peer at once (bus-peer-accounting.h), asked
 * instead, one in flight for all the peers that wait. A bus with neither
 * (or a policy that denies them) leaves the pings. A peer over BUS_PEER_MAX_UNREAD, one
 * whose UID is over BUS_UID_MAX_UNREAD, and any peer with unread bytes
 * while all together are over BUS_ALL_MAX_UNREAD, is sent nothing more
 * until it reads: its calls are answered LimitsExceeded (bus-flow.c), its
 * notifications wait in their queues (notify-hub.h). A slow start (issue 23:
 * every byte sent goes through the one connection to the bus, and answers
 * to the others wait behind it): a peer that has not yet been seen to read
 * anything is sent at most BUS_PEER_MAX_UNPROVEN (its ping goes out there),
 * and such peers of one UID together BUS_UID_MAX_UNPROVEN; its first receipt
 * lifts it to the budgets above. Clients that never read cost the daemon
 * and the bus 1 MiB each, 4 MiB per user, instead of 16 and 32. A client that calls
 * synchronously and never runs its dispatch loop, on a bus that tells
 * nothing, meets BUS_PEER_MAX_UNPROVEN on one connection
 * (libioreg dispatches).
 *
 * Platform identity (issue 23, M): for a peer whose UID is not 0, polkit is
 * asked (CheckAuthorization, its bus name the subject, no interaction, at
 * most BUS_PEER_POLKIT_TIMEOUT_USEC) whether it may see the DMI serial number
 * and UUID (bus-restricted.h); the peer counts as identified, and its calls
 * run (bus-flow.h), once polkit answered: no polkit on the bus, an error or
 * a timeout is a no. One question per connection, its answer kept.
 *
 * Quotas per UID (dbus-broker's model: a user's connections share one):
 * BUS_UID_MAX_SUBSCRIPTIONS notifiers (subscriptions and interest); per
 * connection NOTIFY_MAX_PER_OWNER. Calls in flight, the daemon holding the
 * call (parked by bus-flow.h, a WaitQuiet waiting, a user client's open
 * waiting for its driver server): BUS_PEER_MAX_CALLS per connection,
 * BUS_UID_MAX_CALLS per user; a call over them is answered LimitsExceeded
 * at once (one user's connections cannot fill the daemon's global park). Each replaying subscription holds the
 * registry's matching entries in its queue until they are sent: the quota
 * bounds that memory.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#define BUS_PEER_PING_BYTES (1u << 20)
#define BUS_PEER_MAX_UNREAD (16u << 20)
#define BUS_UID_MAX_UNREAD (32u << 20)
#define BUS_ALL_MAX_UNREAD (64u << 20)   /* below dbus-daemon's max_incoming_bytes, 127 MB */
#define BUS_PEER_MAX_UNPROVEN BUS_PEER_PING_BYTES /* the slow start: until its first read receipt */
#define BUS_UID_MAX_UNPROVEN (4u << 20)
#define BUS_UID_MAX_SUBSCRIPTIONS 2048u
#define BUS_PEER_MAX_SUBSCRIPTIONS_UNKNOWN_UID 64u /* until the bus told its UID */
#define BUS_PEER_MAX_CALLS 256u  /* twice dbus-daemon's pending replies per connection (128) */
#define BUS_UID_MAX_CALLS 1024u
#define BUS_PEER_POLKIT_TIMEOUT_USEC (5ULL * 1000 * 1000) /* polkit's answer about the platform identity */

typedef struct BusPeers BusPeers;

typedef struct BusPeersHooks {
        void (*gone)(void *userdata, const char *name);     /* left the bus: forget what it held */
        void (*readable)(void *userdata, const char *name); /* read what it had: may be sent more */
        void (*identified)(void *userdata, const char *name); /* the bus told its UID (or could not) */
        void (*receipt)(void *userdata, const char *name);  /* the bus answered what it read (either way) */
} BusPeersHooks;

/* bus and event are borrowed and must outlive it. Installs the match (asynchronously). */
int bus_peers_new(sd_bus *bus, sd_event *event, BusPeers **ret);
BusPeers *bus_peers_free(BusPeers *p);
/* Adds a listener (at most BUS_PEERS_MAX_HOOKS); hooks is static, userdata borrowed. */
#define BUS_PEERS_MAX_HOOKS 4
int bus_peers_listen(BusPeers *p, const BusPeersHooks *hooks, void *userdata);

/* Starts tracking name (no-op when tracked). 0 or -ENOMEM. */
int bus_peers_track(BusPeers *p, const char *name);
/* bytes were sent to name (tracked or not: untracked names are ignored). */
void bus_peers_charge(BusPeers *p, const char *name, uint64_t bytes);
/* name has read everything sent to it so far (it proved it: a page cursor). */
void bus_peers_confirm(BusPeers *p, const char *name);
/* 0 when name may be sent more; -ENOBUFS over its own budget, -EDQUOT over its UID's, -EBUSY over all. */
int bus_peers_check_send(BusPeers *p, const char *name);
/*
 * A call of name's would be refused now, but the bus's answer on what it read is on its way
 * (GetConnectionStats or dbus-broker's GetStats, one round trip to the bus): hold the call
 * until the receipt hook, then check again (bus-flow.h). False when nothing is asked.
 */
bool bus_peers_awaiting_receipt(BusPeers *p, const char *name);
/* Counts a call of name's: how many it made in the current window of BUS_PEER_CALL_WINDOW_USEC. */
#define BUS_PEER_CALL_WINDOW_USEC (20ULL * 1000)
unsigned bus_peers_note_call(BusPeers *p, const char *name, uint64_t now_usec);
/*
 * Its UID: 0 and *ret_uid when the bus told it, -ENODATA when not yet (or never: the bus would
 * not say), -ENOENT when untracked. bus_peers_identified(): the bus has answered (either way).
 */
int bus_peers_uid(BusPeers *p, const char *name, uid_t *ret_uid);
bool bus_peers_identified(BusPeers *p, const char *name);
/*
 * May name see what Linux keeps root-only (bus-restricted.h)? Its UID is 0, or polkit allowed it
 * IOREG_ACTION_READ_PLATFORM_IDENTITY (asked once, when its UID came, before its first call ran:
 * bus_peers_identified() waits for the answer). False while unknown and for untracked names.
 */
bool bus_peers_may_see_restricted(BusPeers *p, const char *name);
/* Its unread bytes (0 when untracked). */
uint64_t bus_peers_unread(BusPeers *p, const char *name);

/* Subscriptions of name's UID: delta added to name's count. */
void bus_peers_add_subscriptions(BusPeers *p, const char *name, int delta);
/* True when name's UID holds BUS_UID_MAX_SUBSCRIPTIONS, or, while its UID is not known yet, name holds
 * BUS_PEER_MAX_SUBSCRIPTIONS_UNKNOWN_UID. */
bool bus_peers_subscriptions_full(BusPeers *p, const char *name);

/*
 * A call of name's is held (answered later): 0, -EMFILE over the connection's BUS_PEER_MAX_CALLS,
 * -EDQUOT over its user's BUS_UID_MAX_CALLS (untracked names: 0, not counted). Each 0 is paired
 * with one bus_peers_call_end() when the call is answered, dropped or run.
 */
int bus_peers_call_begin(BusPeers *p, const char *name);
void bus_peers_call_end(BusPeers *p, const char *name);
/* bus_peers_call_begin()'s refusal as org.ioreg.Error.LimitsExceeded in error (other r: returned as is). */
int bus_peers_error_calls(sd_bus_error *error, int r);

/* Figures for logs and tests. */
typedef struct BusPeersStats {
        unsigned n_peers;
        uint64_t unread;          /* all together */
        uint64_t n_pings, n_receipts;
        uint64_t n_refused;       /* check_send said no */
} BusPeersStats;
void bus_peers_stats(BusPeers *p, BusPeersStats *ret);
