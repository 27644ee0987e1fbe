/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * notify-hub.h: matching and interest notifications (reference §1.8, §1.11),
 * without D-Bus. The hub keeps every subscription ("notifier": a matching
 * notification or an interest registration), decides what each one receives
 * and when, and hands each event to a sender callback; bus-notify.c sends
 * them as unicast signals. Pure: no I/O, no logging above debug.
 *
 * Owners. Each notifier belongs to an owner (a bus client's unique name):
 * only the owner may acknowledge, resync or remove it, and
 * notify_hub_drop_owner() removes all of an owner's notifiers at once.
 *
 * Replay. A matching notifier of a publish-like type (Publish, FirstPublish,
 * Matched, FirstMatch) starts with the entries already in the required state
 * (Registered, FirstPublish, Matched, FirstMatch) that match its dictionary,
 * in ascending ID order. The replay is a cursor over the registry's IDs up
 * to the last ID given when it began (later entries come as live events),
 * not a copy: it costs a subscription nothing per entry, and it is sent in
 * slices (issue 23), so no Subscribe or Resync holds the daemon's loop
 * longer than NOTIFY_SLICE units (an ID looked at, or a signal sent) and
 * notify_hub_run() goes on with it in later turns, round-robin with the
 * other replays. An entry is sent when the cursor reaches it, if it is then
 * in the state and matches: one that left the state before its turn
 * (terminated) is skipped, and a live publish-like event for an entry the
 * cursor has yet to reach is merged into the replay (one delivery, no
 * duplicate); live events for others wait behind the replay. Terminated
 * and WillTerminate replay nothing. Once the replay is out (the cursor
 * through; at once for a replay of nothing, and for the terminate types),
 * the sender is told (send_replay_end, with the sequence of the last
 * replayed event, 0 when none), before any live event: a subscriber knows
 * where what existed ends and what happens begins. The marker takes no
 * sequence number and no room in the window; a resync's replay ends with
 * one too.
 *
 * Flow control (Apple's kMaxOutstanding is 1024 per notification). Each
 * event sent gets the notifier's next sequence number (1, 2, ...); the owner
 * acknowledges with notify_hub_ack(id, seq), which covers every sequence up
 * to seq. At most `limit` events are sent and not yet acknowledged; further
 * events wait in the notifier's queue, which holds at most `limit` live
 * events (the replay is not queued: it is the registry's state). When a live event finds that queue full, the notifier
 * overflows: the sender is told once (send_overflow), the queue is emptied,
 * and every event from then on is dropped and counted, until
 * notify_hub_resync() returns the count, forgets what was outstanding and,
 * for a publish-like notifier, replays the current state again. So nothing
 * is dropped silently, and one slow owner costs the daemon at most 2 ×
 * limit events per notifier, never a wait.
 *
 * Interest (reference §1.11). An interest registration names one active
 * entry and a type. General interest gets ServiceIsTerminated when the
 * entry terminates (after its WillTerminate notification) and
 * PropertyChange when the device tree updates its properties; busy interest
 * gets BusyStateChange with the now-busy flag as argument; the two power
 * types get DeviceWillPowerOff/HasPoweredOff or DeviceWillPowerOn/
 * HasPoweredOn when the entry's runtime power state changed
 * (notify_hub_power_message(): priority interest first, as Apple tells
 * its priority interested drivers first). A
 * registration outlives its entry until its owner removes it (as Apple's
 * notifier objects live until released); it gets nothing after
 * ServiceIsTerminated, since IDs are never reused.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "matcher.h"
#include "protocol.h" /* the IO_MESSAGE_* numbers */
#include "registry.h"

/* Apple's defaults (IOUserClient.cpp kMaxOutstanding); the hub takes any limit ≥ 1. */
#define NOTIFY_DEFAULT_LIMIT 1024u
/* Notifiers one owner may hold at a time (matching and interest together). */
#define NOTIFY_MAX_PER_OWNER 4096u
/* Work one call may do at once (an ID looked at costs 1, a signal 8): the rest goes to notify_hub_run(). */
#define NOTIFY_SLICE 256u

typedef enum InterestType {
        INTEREST_GENERAL,        /* IOGeneralInterest */
        INTEREST_BUSY,           /* IOBusyInterest */
        INTEREST_APP_POWER,      /* IOAppPowerStateInterest */
        INTEREST_PRIORITY_POWER, /* IOPriorityPowerStateInterest */
        _INTEREST_MAX,
        _INTEREST_INVALID = -EINVAL,
} InterestType;

const char *interest_type_to_string(InterestType t);
InterestType interest_type_from_string(const char *s);
/* Apple's type strings ("IOServicePublish", ...) and the short forms ("publish", "first-publish", ...). */
int match_notification_from_string(const char *s, MatchNotification *ret);
/* True for Publish, FirstPublish, Matched and FirstMatch: the types with a replay. */
bool match_notification_has_replay(MatchNotification type);

typedef struct NotifyHub NotifyHub;

/* What the sender gets. All pointers are borrowed for the duration of the call. */
typedef struct NotifyHubOps {
        /* A matching notification: sequence seq of notifier id, about entry e. */
        int (*send_matching)(void *userdata, const char *owner, uint64_t id, uint64_t seq,
                             MatchNotification type, Entry *e);
        /* An interest message about entry e (which may have left the registry). */
        int (*send_interest)(void *userdata, const char *owner, uint64_t id, uint64_t seq, Entry *e,
                             uint32_t message, uint64_t argument);
        /* Notifier id overflowed after its sequence last_seq. */
        int (*send_overflow)(void *userdata, const char *owner, uint64_t id, uint64_t last_seq);
        /* Optional: matching notifier id's replay is out; last_seq is its last replayed event's (0: none). */
        int (*send_replay_end)(void *userdata, const char *owner, uint64_t id, uint64_t last_seq);
        /*
         * Optional: false while owner must not be sent more (it has not read what it was sent);
         * its events wait in their queues, as behind a closed window, until notify_hub_owner_pump(),
         * which resumes its notifiers oldest first.
         */
        bool (*may_send)(void *userdata, const char *owner);
        /* Optional: the hub has work for notify_hub_run() (called when it had none). */
        void (*wake)(void *userdata);
} NotifyHubOps;

/* reg and ops are borrowed and must outlive the hub. limit 0 means NOTIFY_DEFAULT_LIMIT. */
int notify_hub_new(Registry *reg, const NotifyHubOps *ops, void *userdata, unsigned limit, NotifyHub **ret);
NotifyHub *notify_hub_free(NotifyHub *hub);
DEFINE_TRIVIAL_CLEANUP_FUNC(NotifyHub *, notify_hub_free);

/*
 * Adds a matching notifier. matching must be a dictionary (a new reference
 * is taken). The replay is queued, not sent: call notify_hub_flush() once
 * the owner has the ID (bus-notify.c sends the method reply first).
 * -EUSERS when the owner holds NOTIFY_MAX_PER_OWNER notifiers.
 */
int notify_hub_subscribe(NotifyHub *hub, const char *owner, MatchNotification type, Value *matching,
                         uint64_t *ret_id);
/* Adds an interest registration on entry_id: -ENOENT for an unknown entry, -ESTALE for an inactive one. */
int notify_hub_register_interest(NotifyHub *hub, const char *owner, uint64_t entry_id, InterestType type,
                                 uint64_t *ret_id);
/* -ENOENT when id is not a notifier of owner's. */
int notify_hub_unsubscribe(NotifyHub *hub, const char *owner, uint64_t id);
/* Acknowledges every sequence up to seq and sends what the window now allows. -ERANGE: seq was never sent. */
int notify_hub_ack(NotifyHub *hub, const char *owner, uint64_t id, uint64_t seq);
/*
 * Ends an overflow (or starts over without one): forgets what was sent and
 * queued, and queues the replay again. *ret_dropped: events dropped since the
 * overflow. Call notify_hub_flush() afterwards, as after subscribing.
 */
int notify_hub_resync(NotifyHub *hub, const char *owner, uint64_t id, uint64_t *ret_dropped);
/* Sends what notifier id's window allows (after subscribe or resync), one slice now, the rest by notify_hub_run(). */
void notify_hub_flush(NotifyHub *hub, uint64_t id);
/* Owner may be sent more again: its notifiers' windows are sent from by notify_hub_run(). */
void notify_hub_owner_pump(NotifyHub *hub, const char *owner);
/*
 * Does up to budget units of the work left (replays, queues), a slice per notifier in turn; call
 * it once per turn of the loop while it returns true (ops->wake says when there is work again).
 */
bool notify_hub_run(NotifyHub *hub, unsigned budget);
/* Removes every notifier of owner's (it left the bus), in time proportional to their number. Returns how many. */
unsigned notify_hub_drop_owner(NotifyHub *hub, const char *owner);

/* Notifiers held by owner (NULL: by everyone). */
unsigned notify_hub_count(const NotifyHub *hub, const char *owner);

/* Statistics of one notifier, for tests and debugging. -ENOENT for an unknown id. */
typedef struct NotifyStats {
        uint64_t sent;      /* last sequence sent */
        uint64_t acked;     /* last sequence acknowledged */
        unsigned queued;    /* live events waiting */
        bool replaying;     /* the replay is not through yet */
        bool overflowed;
        uint64_t dropped;   /* since the overflow */
} NotifyStats;
int notify_hub_stats(const NotifyHub *hub, uint64_t id, NotifyStats *ret);

/* Inputs: the matcher's notifications, busy changes, property changes. */
void notify_hub_matching_event(NotifyHub *hub, Entry *e, MatchNotification type);
void notify_hub_busy_changed(NotifyHub *hub, Entry *e, bool busy);
void notify_hub_properties_changed(NotifyHub *hub, Entry *e);
/* One device power message to IOPriorityPowerStateInterest, then to IOAppPowerStateInterest. */
void notify_hub_power_message(NotifyHub *hub, Entry *e, uint32_t message, uint64_t argument);
/* messageClients(): a driver's own message to e's general-interest clients (driver host). */
void notify_hub_message_clients(NotifyHub *hub, Entry *e, uint32_t message, uint64_t argument);
