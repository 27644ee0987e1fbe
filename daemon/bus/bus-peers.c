/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* bus-peers.c: see bus-peers.h. */

#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>

#include "bus-peer-accounting.h"
#include "bus-peers.h"
#include "hashmap.h"
#include "log.h"
#include "macro.h"
#include "protocol.h"

#define MATCH_RETRY_USEC (5ULL * 1000 * 1000)
#define TRIM_DELAY_USEC (1000ULL * 1000)
#define NAME_OWNER_CHANGED_MATCH                                                                          \
        "type='signal',sender='org.freedesktop.DBus',path='/org/freedesktop/DBus',"                    \
        "interface='org.freedesktop.DBus',member='NameOwnerChanged',arg2=''"

typedef struct UidUsage {
        uint64_t uid;             /* the key in BusPeers.uids */
        unsigned n_peers;         /* peers with this UID known */
        uint64_t unread;
        uint64_t unproven;        /* of unread, what its peers that never read anything hold */
        unsigned subscriptions;
        unsigned calls;           /* calls in flight */
} UidUsage;

typedef struct Peer {
        char *name;               /* owned; the key in BusPeers.peers */
        BusPeers *peers;          /* weak: it frees its peers */
        UidUsage *usage;          /* borrowed from BusPeers.uids; NULL until the UID is known */
        sd_bus_slot *uid_query;   /* owned: GetConnectionUnixUser in flight */
        sd_bus_slot *ping;        /* owned: Peer.Ping in flight */
        sd_bus_slot *stats;       /* owned: the bus's GetConnectionStats in flight */
        uint64_t stats_gen;       /* dbus-broker: the GetStats that answers for it (BusPeers.stats_gen), 0: none */
        sd_bus_slot *polkit;      /* owned: polkit's CheckAuthorization in flight */
        uint64_t charged;         /* bytes sent, all told */
        uint64_t confirmed;       /* of those, proven read */
        uint64_t ping_mark;       /* charged when the ping in flight was sent */
        uint64_t stats_mark;      /* charged when the stats query in flight was sent */
        unsigned subscriptions;
        unsigned calls;           /* calls in flight: parked, or to be answered later */
        bool identified;          /* the UID question was answered (or cannot be asked) */
        bool proven;              /* a read receipt came: it reads (out of the slow start) */
        bool identity_allowed;    /* polkit allows it IOREG_ACTION_READ_PLATFORM_IDENTITY */
        uint64_t window_start;    /* usec: bus_peers_note_call()'s window */
        unsigned window_calls;
} Peer;

struct BusPeers {
        sd_bus *bus;              /* borrowed */
        sd_event *event;          /* borrowed */
        sd_bus_slot *match;       /* owned */
        sd_event_source *retry;   /* owned: re-installs a refused match */
        sd_event_source *trim;    /* owned: gives the heap back a while after a client left */
        unsigned trims_left;      /* trims still to come after the last client left */
        Hashmap peers;            /* name → Peer (owned) */
        Hashmap uids;             /* uid → UidUsage (owned, while it has peers) */
        uint64_t unread;          /* all peers together */
        struct {
                const BusPeersHooks *hooks;
                void *userdata;
        } listeners[BUS_PEERS_MAX_HOOKS];
        unsigned n_listeners;
        BusPeersStats stats;
        bool ping_denied_logged;
        bool no_stats;            /* the bus tells nothing of what it holds for a peer: pings alone */
        bool stats_all;           /* dbus-broker: GetStats (every peer at once) for GetConnectionStats */
        bool stats_all_tried;
        bool stats_next;          /* peers wait for the GetStats after the one in flight */
        sd_bus_slot *stats_query; /* owned: GetStats in flight */
        uint64_t stats_gen;       /* the number of the last GetStats sent */
};

static uint64_t peer_unread(const Peer *p) {
        return p->charged - p->confirmed;
}

static void usage_free(void *v) {
        free(v);
}

static Peer *peer_free(Peer *p) {
        if (!p)
                return NULL;
        sd_bus_slot_unref(p->uid_query);
        sd_bus_slot_unref(p->ping);
        sd_bus_slot_unref(p->stats);
        sd_bus_slot_unref(p->polkit);
        free(p->name);
        free(p);
        return NULL;
}

static void peer_free_void(void *v) {
        peer_free(v);
}

static const HashmapOps peers_ops = HASHMAP_OPS_STRING(peer_free_void);
static const HashmapOps uids_ops = HASHMAP_OPS_U64(usage_free);

/* Takes p's figures off its UID and the total, and frees it (it left). */
static void peer_forget(BusPeers *ps, Peer *p) {
        uint64_t unread = peer_unread(p);

        ps->unread -= unread;
        if (p->usage) {
                p->usage->unread -= unread;
                if (!p->proven)
                        p->usage->unproven -= unread;
                p->usage->subscriptions -= p->subscriptions;
                p->usage->calls -= p->calls;
                if (--p->usage->n_peers == 0)
                        hashmap_delete(&ps->uids, &p->usage->uid);
        }
        hashmap_delete(&ps->peers, p->name);
}

static int on_trim(sd_event_source *s, uint64_t usec, void *userdata) {
        BusPeers *ps = userdata;

        ps->trim = sd_event_source_disable_unref(ps->trim);
        (void) malloc_trim(0);
        /* Once more later: what was queued for it (signals, answers) is freed as the bus reads it. */
        if (ps->trims_left > 0 && --ps->trims_left > 0 &&
            sd_event_add_time_relative(ps->event, &ps->trim, CLOCK_MONOTONIC, 2 * TRIM_DELAY_USEC, 0, on_trim,
                                       ps) < 0)
                ps->trims_left = 0;
        return 0;
}

static void peer_gone(BusPeers *ps, const char *name) {
        _cleanup_free_ char *copy = strdup(name);
        Peer *p = hashmap_get(&ps->peers, name);

        if (!p || !copy)
                return;
        peer_forget(ps, p);
        for (unsigned i = 0; i < ps->n_listeners; i++)
                if (ps->listeners[i].hooks->gone)
                        ps->listeners[i].hooks->gone(ps->listeners[i].userdata, copy);
        /*
         * A client that held much (subscriptions, queued events) leaves holes in the heap, and
         * what was queued for it is freed once written: give the pages back a little later.
         */
        ps->trims_left = 2;
        if (!ps->trim &&
            sd_event_add_time_relative(ps->event, &ps->trim, CLOCK_MONOTONIC, TRIM_DELAY_USEC, 0, on_trim, ps) < 0)
                (void) malloc_trim(0);
}

static void peer_confirm_upto(BusPeers *ps, Peer *p, uint64_t mark) {
        uint64_t delta;

        if (mark <= p->confirmed)
                return;
        delta = mark - p->confirmed;
        if (!p->proven && p->usage)
                p->usage->unproven -= peer_unread(p); /* all of it counts as a reader's now */
        p->proven = true;
        p->confirmed = mark;
        ps->unread -= delta;
        if (p->usage)
                p->usage->unread -= delta;
        ps->stats.n_receipts++;
        for (unsigned i = 0; i < ps->n_listeners; i++)
                if (ps->listeners[i].hooks->readable)
                        ps->listeners[i].hooks->readable(ps->listeners[i].userdata, p->name);
}

/* --- the bus's answers --- */

static int on_name_owner_changed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        BusPeers *ps = userdata;
        const char *name, *old_owner, *new_owner;

        if (sd_bus_message_read(m, "sss", &name, &old_owner, &new_owner) < 0)
                return 0;
        if (name[0] == ':' && new_owner[0] == '\0')
                peer_gone(ps, name);
        return 0;
}

static int install_match(BusPeers *ps);

static int on_retry(sd_event_source *s, uint64_t usec, void *userdata) {
        BusPeers *ps = userdata;

        ps->retry = sd_event_source_disable_unref(ps->retry);
        (void) install_match(ps);
        return 0;
}

/* A refused match is not the end of the connection (sd-bus's default): log, try again later. */
static int on_match_installed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        BusPeers *ps = userdata;
        const sd_bus_error *e = sd_bus_message_get_error(m);
        int r;

        if (!e)
                return 0;
        log_warning("The bus refused the match on clients leaving (%s: %s); clients' subscriptions are "
                    "not ended when they leave until it is installed; trying again in %llu s.",
                    e->name, e->message, MATCH_RETRY_USEC / 1000000);
        ps->match = sd_bus_slot_unref(ps->match);
        r = sd_event_add_time_relative(ps->event, &ps->retry, CLOCK_MONOTONIC, MATCH_RETRY_USEC, 0, on_retry,
                                       ps);
        if (r < 0)
                log_warning_errno(r, "Cannot arm the retry of the match, ignoring: %m");
        return 0;
}

static int install_match(BusPeers *ps) {
        int r = sd_bus_add_match_async(ps->bus, &ps->match, NAME_OWNER_CHANGED_MATCH, on_name_owner_changed,
                                       on_match_installed, ps);

        if (r < 0)
                log_warning_errno(r, "Cannot watch clients leaving, ignoring: %m");
        return r;
}

static void peer_identified(BusPeers *ps, Peer *p) {
        p->identified = true;
        for (unsigned i = 0; i < ps->n_listeners; i++)
                if (ps->listeners[i].hooks->identified)
                        ps->listeners[i].hooks->identified(ps->listeners[i].userdata, p->name);
}

/* polkit's answer, (bba{ss}): only an unconditional yes; no polkit, an error or a timeout is a no. */
static int on_polkit(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        Peer *p = userdata;
        int authorized = 0, challenge = 0;

        p->polkit = sd_bus_slot_unref(p->polkit);
        if (sd_bus_message_is_method_error(m, NULL))
                log_debug("bus-peers: polkit did not answer for %s (%s): no platform identity",
                          p->name, sd_bus_message_get_error(m)->name);
        else if (sd_bus_message_enter_container(m, 'r', "bba{ss}") >= 0 &&
                 sd_bus_message_read(m, "bb", &authorized, &challenge) >= 0)
                p->identity_allowed = authorized;
        peer_identified(p->peers, p);
        return 0;
}

/*
 * Asks polkit whether p may see what Linux keeps root-only (bus-restricted.h), once per
 * connection, before its first call runs: every answer it gets then shows the same. Subject: its
 * bus name (no PID reuse race); no interaction. 0 when asked (identified on the answer).
 */
static int ask_polkit(BusPeers *ps, Peer *p) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        int r;

        r = sd_bus_message_new_method_call(ps->bus, &m, "org.freedesktop.PolicyKit1",
                                           "/org/freedesktop/PolicyKit1/Authority",
                                           "org.freedesktop.PolicyKit1.Authority", "CheckAuthorization");
        if (r >= 0)
                r = sd_bus_message_append(m, "(sa{sv})sa{ss}us", "system-bus-name", 1, "name", "s", p->name,
                                          IOREG_ACTION_READ_PLATFORM_IDENTITY, 0, 0u, "");
        /* Without polkit activation on the bus, the bus answers at once; a stuck polkit costs this. */
        if (r >= 0)
                r = sd_bus_call_async(ps->bus, &p->polkit, m, on_polkit, p, BUS_PEER_POLKIT_TIMEOUT_USEC);
        if (r < 0)
                log_debug("bus-peers: cannot ask polkit about %s: %s", p->name, strerror(-r));
        return r;
}

static int on_uid(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        Peer *p = userdata;
        BusPeers *ps = p->peers;
        UidUsage *u;
        uint32_t uid;
        uint64_t key;

        p->uid_query = sd_bus_slot_unref(p->uid_query);
        if (sd_bus_message_is_method_error(m, "org.freedesktop.DBus.Error.NameHasNoOwner")) {
                /* Gone before we asked: its NameOwnerChanged came before it was tracked. */
                peer_gone(ps, p->name);
                return 0;
        }
        if (sd_bus_message_is_method_error(m, NULL) || sd_bus_message_read(m, "u", &uid) < 0) {
                peer_identified(ps, p); /* no UID: only its own budget applies */
                return 0;
        }
        key = uid;
        u = hashmap_get(&ps->uids, &key);
        if (!u) {
                u = calloc(1, sizeof(*u));
                if (u)
                        u->uid = key; /* the map keeps a pointer to it */
                if (!u || hashmap_put(&ps->uids, &u->uid, u) < 0) {
                        free(u);
                        peer_identified(ps, p); /* out of memory: as if the bus had not said */
                        return 0;
                }
        }
        u->n_peers++;
        u->unread += peer_unread(p);
        if (!p->proven)
                u->unproven += peer_unread(p);
        u->subscriptions += p->subscriptions;
        u->calls += p->calls;
        p->usage = u;
        if (uid != 0 && ask_polkit(ps, p) >= 0)
                return 0; /* identified once polkit answered */
        peer_identified(ps, p);
        return 0;
}

static int on_pong(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        Peer *p = userdata;
        BusPeers *ps = p->peers;
        uint64_t mark = p->ping_mark;
        const char *sender = sd_bus_message_get_sender(m);

        p->ping = sd_bus_slot_unref(p->ping);
        /* Any answer from the peer itself, an error too, comes after it read what came before. */
        if (sender && streq(sender, p->name)) {
                peer_confirm_upto(ps, p, mark);
                return 0;
        }
        if (sd_bus_message_is_method_error(m, "org.freedesktop.DBus.Error.AccessDenied") &&
            !ps->ping_denied_logged) {
                ps->ping_denied_logged = true;
                log_warning("The bus policy does not let ioregd ping its clients (org.freedesktop.DBus.Peer): "
                            "clients that do not read their answers are refused for good.");
        }
        return 0;
}

/* Calls held for this answer (bus_peers_awaiting_receipt()) may be looked at again. */
static void peer_stats_answered(BusPeers *ps, Peer *p) {
        for (unsigned i = 0; i < ps->n_listeners; i++)
                if (ps->listeners[i].hooks->receipt)
                        ps->listeners[i].hooks->receipt(ps->listeners[i].userdata, p->name);
}

static int ask_stats_all(BusPeers *ps, Peer *p);

/* Settles the peers that GetStats number gen answered for (or would have). */
static void settle_stats_gen(BusPeers *ps, uint64_t gen) {
        unsigned state = 0;
        void *v;

        /* The hook only arms an event source: it removes no peer while we iterate. */
        while (hashmap_next(&ps->peers, &state, NULL, &v)) {
                Peer *p = v;

                if (p->stats_gen == gen) {
                        p->stats_gen = 0;
                        peer_stats_answered(ps, p);
                }
        }
}

typedef struct StatsAnswer {
        BusPeers *ps;
        uint64_t gen;
} StatsAnswer;

static void on_peer_accounting(void *userdata, const char *name, uint32_t outgoing) {
        StatsAnswer *a = userdata;
        Peer *p = hashmap_get(&a->ps->peers, name);

        if (p && p->stats_gen == a->gen && p->stats_mark > outgoing)
                peer_confirm_upto(a->ps, p, p->stats_mark - outgoing);
}

static int send_stats_all(BusPeers *ps);

/*
 * dbus-broker's figures of every peer (bus-peer-accounting.h): each peer that asked before it
 * was sent gets its receipt; those that asked meanwhile get the next GetStats.
 */
static int on_stats_all(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        BusPeers *ps = userdata;
        StatsAnswer a = { .ps = ps, .gen = ps->stats_gen };
        int r = -EIO;

        ps->stats_query = sd_bus_slot_unref(ps->stats_query);
        if (!sd_bus_message_is_method_error(m, NULL))
                r = bus_peer_accounting_parse(m, on_peer_accounting, &a);
        if (r < 0 && !sd_bus_message_is_method_error(m, "org.freedesktop.DBus.Error.NoReply") &&
            !sd_bus_message_is_method_error(m, "org.freedesktop.DBus.Error.Timeout")) {
                log_debug("bus-peers: no peer accounting from the bus's GetStats (%s), pings only",
                          sd_bus_message_is_method_error(m, NULL) ? sd_bus_message_get_error(m)->name :
                                                                    strerror(-r));
                ps->stats_all = false;
                ps->no_stats = true;
        }
        settle_stats_gen(ps, a.gen);
        if (ps->stats_next) {
                ps->stats_next = false;
                if (ps->no_stats || send_stats_all(ps) < 0)
                        settle_stats_gen(ps, a.gen + 1);
        }
        return 0;
}

static int send_stats_all(BusPeers *ps) {
        int r = sd_bus_call_method_async(ps->bus, &ps->stats_query, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                         "org.freedesktop.DBus.Debug.Stats", "GetStats", on_stats_all, ps, "");

        if (r >= 0)
                ps->stats_gen++;
        return r;
}

/* p's receipt from the next GetStats: one in flight at a time, for every peer that waits. */
static int ask_stats_all(BusPeers *ps, Peer *p) {
        int r;

        p->stats_mark = p->charged; /* the mark before the question: at worst it confirms less */
        if (ps->stats_query) {
                p->stats_gen = ps->stats_gen + 1;
                ps->stats_next = true;
                return 0;
        }
        r = send_stats_all(ps);
        if (r < 0)
                return r;
        p->stats_gen = ps->stats_gen;
        return 0;
}

/*
 * The bus's own figure (dbus-daemon's Debug.Stats): OutgoingBytes is what it holds for the
 * peer, from every sender. What we had sent by the query and is not among them has been read.
 */
static int on_stats(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        Peer *p = userdata;
        BusPeers *ps = p->peers;
        uint64_t mark = p->stats_mark;
        uint32_t outgoing = UINT32_MAX;
        const char *key;
        int r;

        p->stats = sd_bus_slot_unref(p->stats);
        if (sd_bus_message_is_method_error(m, NULL)) {
                const sd_bus_error *e = sd_bus_message_get_error(m);

                /*
                 * Not this bus's (dbus-broker 33 answers Failed, "Unimplemented functionality": GetStats
                 * then), or its policy says no. A peer gone or a busy bus (no answer in time) says
                 * nothing of the bus: asked again next time.
                 */
                if (sd_bus_error_has_names(e, "org.freedesktop.DBus.Error.Failed",
                                           "org.freedesktop.DBus.Error.NotSupported",
                                           "org.freedesktop.DBus.Error.UnknownMethod",
                                           "org.freedesktop.DBus.Error.UnknownInterface") &&
                    !ps->stats_all_tried) {
                        log_debug("bus-peers: no GetConnectionStats from the bus (%s), trying GetStats", e->name);
                        ps->stats_all = ps->stats_all_tried = true;
                }
                if (ps->stats_all && ask_stats_all(ps, p) >= 0)
                        return 0;
                if (!sd_bus_error_has_names(e, "org.freedesktop.DBus.Error.NameHasNoOwner",
                                            "org.freedesktop.DBus.Error.NoReply",
                                            "org.freedesktop.DBus.Error.Timeout") &&
                    !ps->stats_all) {
                        log_debug("bus-peers: no GetConnectionStats from the bus (%s), pings only", e->name);
                        ps->no_stats = true;
                }
                peer_stats_answered(ps, p);
                return 0;
        }
        r = sd_bus_message_enter_container(m, 'a', "{sv}");
        while (r > 0 && (r = sd_bus_message_enter_container(m, 'e', "sv")) > 0) {
                r = sd_bus_message_read(m, "s", &key);
                if (r >= 0 && streq(key, "OutgoingBytes"))
                        r = sd_bus_message_read(m, "v", "u", &outgoing);
                else if (r >= 0)
                        r = sd_bus_message_skip(m, "v");
                if (r >= 0)
                        r = sd_bus_message_exit_container(m);
                if (r >= 0)
                        r = 1;
        }
        if (r >= 0 && outgoing != UINT32_MAX && mark > outgoing)
                peer_confirm_upto(ps, p, mark - outgoing);
        peer_stats_answered(ps, p);
        return 0;
}

static void ask_stats(BusPeers *ps, Peer *p) {
        int r;

        if (ps->no_stats || p->stats || p->stats_gen)
                return;
        if (ps->stats_all) {
                (void) ask_stats_all(ps, p);
                return;
        }
        r = sd_bus_call_method_async(ps->bus, &p->stats, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                     "org.freedesktop.DBus.Debug.Stats", "GetConnectionStats", on_stats, p, "s",
                                     p->name);
        if (r < 0)
                return;
        p->stats_mark = p->charged;
}

/*
 * any: ask whatever it has unconfirmed. A UID's or everyone's limit can be reached by many
 * peers each under BUS_PEER_PING_BYTES (100 subscribers of one user, 335 bytes a signal): no
 * one would ever be asked, and their notifications would wait for good.
 */
static void maybe_ping(BusPeers *ps, Peer *p, bool any) {
        int r;

        if (p->charged - p->confirmed < (any ? 1 : BUS_PEER_PING_BYTES))
                return;
        /* A client that calls synchronously reads its socket but answers no ping: the bus knows. */
        ask_stats(ps, p);
        if (p->ping)
                return;
        r = sd_bus_call_method_async(ps->bus, &p->ping, p->name, "/", "org.freedesktop.DBus.Peer", "Ping",
                                     on_pong, p, NULL);
        if (r < 0) {
                log_debug("bus-peers: cannot ping %s: %s", p->name, strerror(-r));
                return;
        }
        p->ping_mark = p->charged;
        ps->stats.n_pings++;
}

/* --- the interface --- */

int bus_peers_new(sd_bus *bus, sd_event *event, BusPeers **ret) {
        BusPeers *ps;

        assert(bus && event && ret);
        ps = calloc(1, sizeof(*ps));
        if (!ps)
                return -ENOMEM;
        ps->bus = bus;
        ps->event = event;
        ps->peers = HASHMAP_INIT(&peers_ops);
        ps->uids = HASHMAP_INIT(&uids_ops);
        (void) install_match(ps); /* failures are logged and retried */
        *ret = ps;
        return 0;
}

BusPeers *bus_peers_free(BusPeers *ps) {
        if (!ps)
                return NULL;
        sd_bus_slot_unref(ps->match);
        sd_bus_slot_unref(ps->stats_query);
        sd_event_source_disable_unref(ps->retry);
        sd_event_source_disable_unref(ps->trim);
        hashmap_done(&ps->peers);
        hashmap_done(&ps->uids);
        free(ps);
        return NULL;
}

int bus_peers_listen(BusPeers *ps, const BusPeersHooks *hooks, void *userdata) {
        if (ps->n_listeners >= BUS_PEERS_MAX_HOOKS)
                return -ENOSPC;
        ps->listeners[ps->n_listeners].hooks = hooks;
        ps->listeners[ps->n_listeners].userdata = userdata;
        ps->n_listeners++;
        return 0;
}

int bus_peers_track(BusPeers *ps, const char *name) {
        Peer *p;
        int r;

        if (!name || name[0] != ':' || hashmap_get(&ps->peers, name))
                return 0;
        p = calloc(1, sizeof(*p));
        if (!p)
                return -ENOMEM;
        p->peers = ps;
        p->name = strdup(name);
        if (!p->name || hashmap_put(&ps->peers, p->name, p) < 0) {
                peer_free(p);
                return -ENOMEM;
        }
        r = sd_bus_call_method_async(ps->bus, &p->uid_query, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                     "org.freedesktop.DBus", "GetConnectionUnixUser", on_uid, p, "s", name);
        if (r < 0) {
                log_debug("bus-peers: cannot ask the UID of %s: %s", name, strerror(-r));
                p->identified = true; /* nothing to wait for */
        }
        return 0;
}

int bus_peers_uid(BusPeers *ps, const char *name, uid_t *ret_uid) {
        Peer *p = name ? hashmap_get(&ps->peers, name) : NULL;

        if (!p)
                return -ENOENT;
        if (!p->usage)
                return -ENODATA;
        *ret_uid = (uid_t) p->usage->uid;
        return 0;
}

bool bus_peers_identified(BusPeers *ps, const char *name) {
        Peer *p = name ? hashmap_get(&ps->peers, name) : NULL;

        return !p || p->identified;
}

void bus_peers_charge(BusPeers *ps, const char *name, uint64_t bytes) {
        Peer *p = name ? hashmap_get(&ps->peers, name) : NULL;

        if (!p)
                return;
        p->charged += bytes;
        ps->unread += bytes;
        if (p->usage) {
                p->usage->unread += bytes;
                if (!p->proven)
                        p->usage->unproven += bytes;
        }
        maybe_ping(ps, p, false);
}

void bus_peers_confirm(BusPeers *ps, const char *name) {
        Peer *p = name ? hashmap_get(&ps->peers, name) : NULL;

        if (p)
                peer_confirm_upto(ps, p, p->charged);
}

/* Which budget p is over (bus_peers_check_send()), without asking anything. */
static int peer_over(const BusPeers *ps, const Peer *p) {
        uint64_t unread = peer_unread(p);

        if (unread >= BUS_PEER_MAX_UNREAD || (!p->proven && unread >= BUS_PEER_MAX_UNPROVEN))
                return -ENOBUFS;
        if (p->usage && (p->usage->unread >= BUS_UID_MAX_UNREAD ||
                         (!p->proven && unread > 0 && p->usage->unproven >= BUS_UID_MAX_UNPROVEN)))
                return -EDQUOT;
        if (unread > 0 && ps->unread >= BUS_ALL_MAX_UNREAD)
                return -EBUSY;
        return 0;
}

int bus_peers_check_send(BusPeers *ps, const char *name) {
        Peer *p = name ? hashmap_get(&ps->peers, name) : NULL;
        int r;

        if (!p)
                return 0;
        r = peer_over(ps, p);
        if (r < 0) {
                ps->stats.n_refused++;
                maybe_ping(ps, p, r != -ENOBUFS);
        }
        return r;
}

bool bus_peers_awaiting_receipt(BusPeers *ps, const char *name) {
        Peer *p = name ? hashmap_get(&ps->peers, name) : NULL;

        return p && (p->stats || p->stats_gen) && peer_over(ps, p) < 0;
}

unsigned bus_peers_note_call(BusPeers *ps, const char *name, uint64_t now_usec) {
        Peer *p = name ? hashmap_get(&ps->peers, name) : NULL;

        if (!p)
                return 0;
        if (now_usec - p->window_start >= BUS_PEER_CALL_WINDOW_USEC) {
                p->window_start = now_usec;
                p->window_calls = 0;
        }
        return ++p->window_calls;
}

uint64_t bus_peers_unread(BusPeers *ps, const char *name) {
        Peer *p = name ? hashmap_get(&ps->peers, name) : NULL;

        return p ? peer_unread(p) : 0;
}

void bus_peers_add_subscriptions(BusPeers *ps, const char *name, int delta) {
        Peer *p = name ? hashmap_get(&ps->peers, name) : NULL;

        if (!p)
                return;
        p->subscriptions += delta;
        if (p->usage)
                p->usage->subscriptions += delta;
}

bool bus_peers_subscriptions_full(BusPeers *ps, const char *name) {
        Peer *p = name ? hashmap_get(&ps->peers, name) : NULL;

        if (!p)
                return false;
        return p->usage ? p->usage->subscriptions >= BUS_UID_MAX_SUBSCRIPTIONS :
                          p->subscriptions >= BUS_PEER_MAX_SUBSCRIPTIONS_UNKNOWN_UID;
}

bool bus_peers_may_see_restricted(BusPeers *ps, const char *name) {
        Peer *p = name ? hashmap_get(&ps->peers, name) : NULL;

        return p && p->usage && (p->usage->uid == 0 || p->identity_allowed);
}

int bus_peers_call_begin(BusPeers *ps, const char *name) {
        Peer *p = name ? hashmap_get(&ps->peers, name) : NULL;

        if (!p)
                return 0;
        if (p->calls >= BUS_PEER_MAX_CALLS)
                return -EMFILE;
        if (p->usage && p->usage->calls >= BUS_UID_MAX_CALLS)
                return -EDQUOT;
        p->calls++;
        if (p->usage)
                p->usage->calls++;
        return 0;
}

void bus_peers_call_end(BusPeers *ps, const char *name) {
        Peer *p = name ? hashmap_get(&ps->peers, name) : NULL;

        /* A peer that left was forgotten with its calls. */
        if (!p || p->calls == 0)
                return;
        p->calls--;
        if (p->usage)
                p->usage->calls--;
}

int bus_peers_error_calls(sd_bus_error *error, int r) {
        if (r == -EDQUOT)
                return sd_bus_error_setf(error, IOREG_ERROR_LIMITS_EXCEEDED,
                                         "Too many calls in flight from your user (at most %u over its "
                                         "connections).",
                                         BUS_UID_MAX_CALLS);
        if (r == -EMFILE)
                return sd_bus_error_setf(error, IOREG_ERROR_LIMITS_EXCEEDED,
                                         "Too many calls in flight from this connection (at most %u).",
                                         BUS_PEER_MAX_CALLS);
        return r;
}

void bus_peers_stats(BusPeers *ps, BusPeersStats *ret) {
        *ret = ps->stats;
        ret->n_peers = hashmap_size(&ps->peers);
        ret->unread = ps->unread;
}
