/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* notify-hub.c: see notify-hub.h. */

#include <assert.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "match-passive.h"
#include "notify-hub.h"
#include "log.h"

typedef enum NotifierKind {
        NOTIFIER_MATCHING,
        NOTIFIER_INTEREST,
} NotifierKind;

typedef struct Notifier Notifier;

/* The owner's notifiers are a list of their own, so that its end costs what it held. */
typedef struct Owner {
        char *name;       /* owned; the key in hub->owners */
        unsigned n;       /* notifiers held */
        Notifier *head;   /* borrowed (hub->notifiers owns them), linked by owner_prev/owner_next, */
        Notifier *tail;   /* oldest first: what waited for the owner resumes in subscription order */
} Owner;

/* One event waiting for the window. */
typedef struct QueueItem {
        Entry *entry;     /* owned reference: a terminated entry can still be described */
        uint32_t message; /* interest only */
        uint64_t argument;
} QueueItem;

struct Notifier {
        uint64_t id;            /* the key in hub->notifiers */
        NotifierKind kind;
        Owner *owner;           /* borrowed from hub->owners */
        MatchNotification type; /* matching */
        Value *matching;        /* owned, matching only */
        InterestType interest;  /* interest */
        uint64_t entry_id;      /* interest: the entry */
        uint64_t sent, acked;   /* sequences */
        bool overflowed;
        uint64_t dropped;
        QueueItem *queue;       /* owned ring buffer of live events */
        unsigned q_head, q_len, q_cap;
        bool replaying;         /* the replay's cursor has not passed replay_max yet */
        uint64_t cursor;        /* replay: the next ID to look at */
        uint64_t replay_max;    /* replay: the registry's last ID when it began */
        bool replay_end_due;    /* the replay's end is still to be told (send_replay_end) */
        Hashmap queued;         /* entry id → entry (borrowed; the queue holds it): publish-like merging */
        bool on_run;            /* in the hub's run list: has work a later turn does */
        Notifier *run_prev, *run_next; /* weak: in that list */
        bool linked;            /* in its NotifierList (an index list or interests) */
        bool index_decides;     /* matching only: its dictionary is its index key alone (see decided_by_index()) */
        struct NotifierList *list; /* borrowed: the index list it is in (matching only) */
        Notifier *prev, *next;  /* weak: in that list */
        Notifier *owner_prev, *owner_next; /* weak: in its Owner's list */
};

/*
 * The notifiers of one kind of event, in subscription order: a doubly linked
 * list, so that a removal costs the same with 10 or 100,000 subscribers.
 */
typedef struct NotifierList {
        uint64_t key;           /* entry id (interest lists), Class pointer (class lists) */
        char *name;             /* owned: the key of a name list */
        Hashmap *map;           /* borrowed: the index map holding it, NULL for `any` and interests */
        uint64_t stamp;         /* the last event that collected it (no list twice per event) */
        Notifier *head, *tail;  /* borrowed */
        unsigned n;
} NotifierList;

/*
 * The matching notifiers of one type, indexed so that an event evaluates only the dictionaries
 * that can match its entry: a dictionary whose IONameMatch is one exact name sits in by_name
 * (it can match only an entry that has that name, match_name_candidates()); else one whose
 * IOProviderClass names a known class sits in by_class (only entries of that class or a
 * subclass); else in any. Every list is in subscription order (IDs ascend), and an event's
 * candidates are merged back into that order, so delivery order is as without the index.
 */
typedef struct NotifierIndex {
        NotifierList any;
        Hashmap by_name;        /* exact name → NotifierList * (owned) */
        Hashmap by_class;       /* Class pointer (uint64_t key) → NotifierList * (owned) */
} NotifierIndex;

struct NotifyHub {
        Registry *registry;     /* borrowed */
        const NotifyHubOps *ops;
        void *userdata;         /* borrowed */
        unsigned limit;
        uint64_t last_id;
        Hashmap notifiers;      /* id → Notifier * (owned) */
        Hashmap owners;         /* name → Owner * (owned) */
        NotifierIndex by_type[_MATCH_NOTIFY_MAX];
        Hashmap interests;      /* entry id → NotifierList * (owned) */
        Notifier **cands;       /* owned scratch: one event's candidates */
        unsigned cap_cands;
        uint64_t stamp;         /* events collected so far */
        Notifier *run_head, *run_tail; /* borrowed: notifiers with work left for notify_hub_run() */
        /*
         * The registry's IDs in ascending order, the replays' cursors walk it (one for every
         * replay: no per-subscription copy). Rebuilt when the registry's last ID or size changed
         * since; a removed entry's ID just fails its lookup.
         */
        uint64_t *ids;          /* owned */
        unsigned n_ids, cap_ids;
        uint64_t ids_last_id;
        unsigned ids_n_entries;
};

/* Work units of notify_hub_run() and of one call's slice: an ID looked at costs 1, a signal sent this. */
#define COST_SEND 8u

static const char *const interest_names[_INTEREST_MAX] = {
        [INTEREST_GENERAL] = "IOGeneralInterest",
        [INTEREST_BUSY] = "IOBusyInterest",
        [INTEREST_APP_POWER] = "IOAppPowerStateInterest",
        [INTEREST_PRIORITY_POWER] = "IOPriorityPowerStateInterest",
};

static const char *const short_names[_MATCH_NOTIFY_MAX] = {
        [MATCH_NOTIFY_PUBLISH] = "publish",
        [MATCH_NOTIFY_FIRST_PUBLISH] = "first-publish",
        [MATCH_NOTIFY_MATCHED] = "matched",
        [MATCH_NOTIFY_FIRST_MATCH] = "first-match",
        [MATCH_NOTIFY_TERMINATED] = "terminated",
        [MATCH_NOTIFY_WILL_TERMINATE] = "will-terminate",
};

/* The state bit an entry must have to be replayed, and to be sent when its turn comes. */
static const uint32_t required_state[_MATCH_NOTIFY_MAX] = {
        [MATCH_NOTIFY_PUBLISH] = ENTRY_STATE_REGISTERED,
        [MATCH_NOTIFY_FIRST_PUBLISH] = ENTRY_STATE_FIRST_PUBLISH,
        [MATCH_NOTIFY_MATCHED] = ENTRY_STATE_MATCHED,
        [MATCH_NOTIFY_FIRST_MATCH] = ENTRY_STATE_FIRST_MATCH,
};

const char *interest_type_to_string(InterestType t) {
        return t >= 0 && t < _INTEREST_MAX ? interest_names[t] : NULL;
}

InterestType interest_type_from_string(const char *s) {
        for (InterestType t = 0; t < _INTEREST_MAX; t++)
                if (streq_ptr(s, interest_names[t]))
                        return t;
        return _INTEREST_INVALID;
}

int match_notification_from_string(const char *s, MatchNotification *ret) {
        for (MatchNotification n = 0; n < _MATCH_NOTIFY_MAX; n++)
                if (streq_ptr(s, match_notification_to_string(n)) || streq_ptr(s, short_names[n])) {
                        *ret = n;
                        return 0;
                }
        return -EINVAL;
}

bool match_notification_has_replay(MatchNotification type) {
        return type < _MATCH_NOTIFY_MAX && required_state[type] != 0;
}

static bool in_required_state(const Entry *e, MatchNotification type) {
        return e->registry && !(e->state & ENTRY_STATE_INACTIVE) && (e->state & required_state[type]);
}

/* --- lists --- */

static void list_add(NotifierList *l, Notifier *n) {
        n->prev = l->tail;
        n->next = NULL;
        if (l->tail)
                l->tail->next = n;
        else
                l->head = n;
        l->tail = n;
        l->n++;
}

/* Keeps the order: delivery follows subscription order. */
static void list_remove(NotifierList *l, Notifier *n) {
        if (n->prev)
                n->prev->next = n->next;
        else
                l->head = n->next;
        if (n->next)
                n->next->prev = n->prev;
        else
                l->tail = n->prev;
        n->prev = n->next = NULL;
        l->n--;
}

static void owner_link(Owner *o, Notifier *n) {
        n->owner_next = NULL;
        n->owner_prev = o->tail;
        if (o->tail)
                o->tail->owner_next = n;
        else
                o->head = n;
        o->tail = n;
        o->n++;
}

static void owner_unlink(Owner *o, Notifier *n) {
        if (n->owner_prev)
                n->owner_prev->owner_next = n->owner_next;
        else
                o->head = n->owner_next;
        if (n->owner_next)
                n->owner_next->owner_prev = n->owner_prev;
        else
                o->tail = n->owner_prev;
        n->owner_prev = n->owner_next = NULL;
        o->n--;
}

static void interest_list_free(void *v) {
        free(v);
}

static void index_list_free(void *v) {
        NotifierList *l = v;

        free(l->name);
        free(l);
}

static void owner_free(void *v) {
        Owner *o = v;

        free(o->name);
        free(o);
}

static const HashmapOps owners_ops = HASHMAP_OPS_STRING(owner_free);
static const HashmapOps interests_ops = HASHMAP_OPS_U64(interest_list_free);
static const HashmapOps by_name_ops = HASHMAP_OPS_STRING(index_list_free);
static const HashmapOps by_class_ops = HASHMAP_OPS_U64(index_list_free);

/* --- the index --- */

/* The list n belongs in, made when missing. */
static int index_list_for(NotifyHub *hub, NotifierIndex *idx, const Value *matching, NotifierList **ret) {
        const char *name = match_exact_name(matching);
        Value *cls = name ? NULL : value_dict_get(matching, "IOProviderClass");
        const Class *c = cls && value_type(cls) == VALUE_STRING ?
                                 class_table_find(hub->registry->classes, value_string(cls, NULL)) : NULL;
        uint64_t key = (uintptr_t) c;
        Hashmap *map = name ? &idx->by_name : c ? &idx->by_class : NULL;
        NotifierList *l;

        if (!map) {
                *ret = &idx->any;
                return 0;
        }
        l = name ? hashmap_get(map, name) : hashmap_get(map, &key);
        if (!l) {
                l = calloc(1, sizeof(*l));
                if (!l)
                        return -ENOMEM;
                l->map = map;
                l->key = key;
                if (name && !(l->name = strdup(name))) {
                        free(l);
                        return -ENOMEM;
                }
                if (hashmap_put(map, name ? (const void *) l->name : &l->key, l) < 0) {
                        index_list_free(l);
                        return -ENOMEM;
                }
        }
        *ret = l;
        return 0;
}

static void index_list_remove(NotifierList *l, Notifier *n) {
        list_remove(l, n);
        if (l->n == 0 && l->map)
                hashmap_delete(l->map, l->name ? (const void *) l->name : &l->key);
}

typedef struct Collect {
        NotifyHub *hub;
        NotifierIndex *idx;
        unsigned n;
        unsigned lists;         /* lists that gave candidates */
        int error;
} Collect;

_hot_ static void collect_list(Collect *c, NotifierList *l) {
        if (!l || l->n == 0 || l->stamp == c->hub->stamp)
                return;
        l->stamp = c->hub->stamp;
        if (GROW(c->hub->cands, c->hub->cap_cands, c->n + l->n) < 0) {
                c->error = -ENOMEM;
                return;
        }
        for (Notifier *n = l->head; n; n = n->next)
                c->hub->cands[c->n++] = n;
        c->lists++;
}

_hot_ static bool collect_name(const char *name, void *userdata) {
        Collect *c = userdata;

        collect_list(c, hashmap_get(&c->idx->by_name, name));
        return c->error < 0;
}

static int notifier_id_compare(const void *a, const void *b) {
        const Notifier *x = *(Notifier *const *) a, *y = *(Notifier *const *) b;

        return x->id < y->id ? -1 : x->id > y->id;
}

/*
 * The notifiers of idx whose dictionaries can match e, in subscription order, in hub->cands.
 * Returns how many, or -ENOMEM (the caller then tries every notifier).
 */
static int collect_candidates(NotifyHub *hub, NotifierIndex *idx, Entry *e) {
        Collect c = { .hub = hub, .idx = idx };
        int r;

        hub->stamp++;
        collect_list(&c, &idx->any);
        for (const Class *k = e->klass; k && c.error >= 0 && hashmap_size(&idx->by_class) > 0; k = k->super) {
                uint64_t key = (uintptr_t) k;

                collect_list(&c, hashmap_get(&idx->by_class, &key));
        }
        if (c.error >= 0 && hashmap_size(&idx->by_name) > 0) {
                r = match_name_candidates(hub->registry, e, collect_name, &c);
                if (r < 0)
                        c.error = r;
        }
        if (c.error < 0)
                return c.error;
        if (c.lists > 1)
                qsort(hub->cands, c.n, sizeof(*hub->cands), notifier_id_compare);
        return c.n > INT_MAX ? -E2BIG : (int) c.n;
}

/* --- the queue --- */

static void queue_clear(Notifier *n) {
        for (unsigned i = 0; i < n->q_len; i++)
                entry_unref(n->queue[(n->q_head + i) % n->q_cap].entry);
        n->q_head = n->q_len = 0;
        hashmap_done(&n->queued);
        n->queued = HASHMAP_INIT(&u64_hash_ops);
}

static int queue_push(Notifier *n, Entry *e, uint32_t message, uint64_t argument) {
        QueueItem *item;

        if (n->q_len == n->q_cap) {
                unsigned cap = n->q_cap ? n->q_cap * 2 : 16;
                QueueItem *q = malloc(cap * sizeof(*q));

                if (!q)
                        return -ENOMEM;
                /* Unwrap the ring into the new array. */
                for (unsigned i = 0; i < n->q_len; i++)
                        q[i] = n->queue[(n->q_head + i) % n->q_cap];
                free(n->queue);
                n->queue = q;
                n->q_cap = cap;
                n->q_head = 0;
        }
        if (n->kind == NOTIFIER_MATCHING && match_notification_has_replay(n->type) &&
            hashmap_put(&n->queued, &e->id, e) < 0)
                return -ENOMEM;
        item = &n->queue[(n->q_head + n->q_len) % n->q_cap];
        *item = (QueueItem) {
                .entry = entry_ref(e),
                .message = message,
                .argument = argument,
        };
        n->q_len++;
        return 0;
}

/* Takes the first item; the caller owns its entry reference. */
static QueueItem queue_pop(Notifier *n) {
        QueueItem item = n->queue[n->q_head];

        n->q_head = (n->q_head + 1) % n->q_cap;
        n->q_len--;
        (void) hashmap_remove(&n->queued, &item.entry->id);
        return item;
}

/* --- sending --- */

static void overflow(NotifyHub *hub, Notifier *n, uint64_t dropped) {
        int r;

        /* What waited is dropped with the event that did not fit: all of it is counted. */
        n->dropped = dropped + n->q_len;
        queue_clear(n);
        n->overflowed = true;
        n->replaying = false; /* a resync starts it again */
        r = hub->ops->send_overflow(hub->userdata, n->owner->name, n->id, n->sent);
        if (r < 0)
                log_debug("notify: cannot send the overflow of %" PRIu64 " to %s: %s", n->id, n->owner->name,
                          strerror(-r));
}

_hot_ static bool window_open(const NotifyHub *hub, const Notifier *n) {
        return !n->overflowed && n->sent - n->acked < hub->limit &&
               (!hub->ops->may_send || hub->ops->may_send(hub->userdata, n->owner->name));
}

_hot_ static int send_one(NotifyHub *hub, Notifier *n, Entry *e, uint32_t message, uint64_t argument) {
        int r;

        if (n->kind == NOTIFIER_MATCHING)
                r = hub->ops->send_matching(hub->userdata, n->owner->name, n->id, n->sent + 1, n->type, e);
        else
                r = hub->ops->send_interest(hub->userdata, n->owner->name, n->id, n->sent + 1, e, message,
                                            argument);
        if (r < 0) {
                /* Could not be sent (out of memory, the bus's queue full): not silent either. */
                log_debug("notify: cannot send %" PRIu64 " to %s: %s", n->id, n->owner->name, strerror(-r));
                overflow(hub, n, 1);
                return r;
        }
        n->sent++;
        return 0;
}

/* The replay's marker, once its last item is out: before any live event, whatever the window. */
static void end_replay_if_done(NotifyHub *hub, Notifier *n) {
        int r;

        if (!n->replay_end_due || n->replaying || n->overflowed)
                return;
        n->replay_end_due = false;
        if (!hub->ops->send_replay_end)
                return;
        r = hub->ops->send_replay_end(hub->userdata, n->owner->name, n->id, n->sent);
        if (r < 0)
                log_debug("notify: cannot send the replay end of %" PRIu64 " to %s: %s", n->id, n->owner->name,
                          strerror(-r));
}

/* --- the replay's cursor --- */

static int id_compare(const void *a, const void *b) {
        uint64_t x = *(const uint64_t *) a, y = *(const uint64_t *) b;

        return x < y ? -1 : x > y;
}

/* The sorted IDs, up to date with the registry. Walks the registry once when it changed. */
static int ids_refresh(NotifyHub *hub) {
        const Registry *reg = hub->registry;
        void *v;

        if (hub->ids && hub->ids_last_id == reg->last_id && hub->ids_n_entries == registry_n_entries(reg))
                return 0;
        hub->n_ids = 0;
        if (GROW(hub->ids, hub->cap_ids, registry_n_entries(reg) + 1) < 0)
                return -ENOMEM;
        for (unsigned i = 0; hashmap_next(&reg->by_id, &i, NULL, &v);)
                hub->ids[hub->n_ids++] = ((const Entry *) v)->id;
        qsort(hub->ids, hub->n_ids, sizeof(*hub->ids), id_compare);
        hub->ids_last_id = reg->last_id;
        hub->ids_n_entries = registry_n_entries(reg);
        return 0;
}

/* The index of the first ID ≥ id. */
static unsigned ids_lower_bound(const NotifyHub *hub, uint64_t id) {
        unsigned lo = 0, hi = hub->n_ids;

        while (lo < hi) {
                unsigned mid = lo + (hi - lo) / 2;

                if (hub->ids[mid] < id)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        return lo;
}

static bool replay_wants(NotifyHub *hub, Notifier *n, Entry *e) {
        MatchResult res;

        if (!e || !in_required_state(e, n->type))
                return false;
        match_result_init(&res, n->matching);
        return match_passive(hub->registry, e, n->matching, 0, &res);
}

typedef enum StepResult {
        STEP_DONE,    /* nothing left to send */
        STEP_BLOCKED, /* the window (or the sender) is shut: an Ack or a pump resumes it */
        STEP_MORE,    /* the budget ran out first */
} StepResult;

/*
 * Moves the replay's cursor on: the entries that are in the required state and match when the
 * cursor reaches them, in ascending ID order, up to the registry's last ID when the replay began
 * (later entries come as live events). *budget is spent as it goes.
 */
static StepResult replay_step(NotifyHub *hub, Notifier *n, unsigned *budget) {
        unsigned pos;

        if (ids_refresh(hub) < 0) {
                overflow(hub, n, 0); /* out of memory: told, and a resync replays again */
                return STEP_DONE;
        }
        pos = ids_lower_bound(hub, n->cursor);
        for (;;) {
                Entry *e;

                if (pos >= hub->n_ids || hub->ids[pos] > n->replay_max) {
                        n->replaying = false;
                        return STEP_DONE;
                }
                if (*budget < 1 + COST_SEND)
                        return STEP_MORE;
                *budget -= 1;
                e = registry_get_entry(hub->registry, hub->ids[pos]);
                if (!replay_wants(hub, n, e)) {
                        n->cursor = hub->ids[pos++] + 1;
                        continue;
                }
                if (!window_open(hub, n))
                        return STEP_BLOCKED; /* the cursor stays on e: looked at again when it resumes */
                n->cursor = e->id + 1;
                pos++;
                *budget -= COST_SEND;
                if (send_one(hub, n, e, 0, 0) < 0)
                        return STEP_DONE; /* overflowed */
        }
}

/* Sends what the window allows, within *budget: the replay, its end, then the live events queued. */
static StepResult pump_some(NotifyHub *hub, Notifier *n, unsigned *budget) {
        if (n->replaying) {
                StepResult r = replay_step(hub, n, budget);

                if (r != STEP_DONE)
                        return r;
        }
        end_replay_if_done(hub, n);
        while (n->q_len > 0) {
                QueueItem item;

                if (*budget < COST_SEND)
                        return STEP_MORE;
                if (!window_open(hub, n))
                        return STEP_BLOCKED;
                item = queue_pop(n);
                *budget -= COST_SEND;
                if (n->kind == NOTIFIER_MATCHING && match_notification_has_replay(n->type) &&
                    !in_required_state(item.entry, n->type)) {
                        entry_unref(item.entry); /* left the state before its turn */
                        continue;
                }
                (void) send_one(hub, n, item.entry, item.message, item.argument);
                entry_unref(item.entry);
        }
        return STEP_DONE;
}

static bool has_work(const Notifier *n) {
        return !n->overflowed && (n->replaying || n->q_len > 0 || n->replay_end_due);
}

static void run_unlink(NotifyHub *hub, Notifier *n) {
        if (!n->on_run)
                return;
        if (n->run_prev)
                n->run_prev->run_next = n->run_next;
        else
                hub->run_head = n->run_next;
        if (n->run_next)
                n->run_next->run_prev = n->run_prev;
        else
                hub->run_tail = n->run_prev;
        n->run_prev = n->run_next = NULL;
        n->on_run = false;
}

/* Leaves n's work to notify_hub_run(), in a later turn of the loop. */
static void schedule(NotifyHub *hub, Notifier *n) {
        bool was_empty = !hub->run_head;

        if (n->on_run || !has_work(n))
                return;
        n->run_prev = hub->run_tail;
        n->run_next = NULL;
        if (hub->run_tail)
                hub->run_tail->run_next = n;
        else
                hub->run_head = n;
        hub->run_tail = n;
        n->on_run = true;
        if (was_empty && hub->ops->wake)
                hub->ops->wake(hub->userdata);
}

/* One slice now (a call's own: Subscribe, Ack), the rest in later turns. */
static void pump(NotifyHub *hub, Notifier *n) {
        unsigned budget = NOTIFY_SLICE;

        if (pump_some(hub, n, &budget) == STEP_MORE)
                schedule(hub, n);
}

/* One live event for n. */
_hot_ static void deliver(NotifyHub *hub, Notifier *n, Entry *e, uint32_t message, uint64_t argument) {
        if (n->overflowed) {
                n->dropped++;
                return;
        }
        /* Still queued: that one goes out, with the properties of its turn. */
        if (hashmap_get(&n->queued, &e->id))
                return;
        /* The replay has yet to reach it, and it is in the state now: it comes once, in the replay. */
        if (n->replaying && e->id >= n->cursor && e->id <= n->replay_max)
                return;
        if (n->q_len == 0 && !n->replaying && window_open(hub, n)) {
                (void) send_one(hub, n, e, message, argument);
                return;
        }
        if (n->q_len >= hub->limit) {
                overflow(hub, n, 1);
                return;
        }
        if (queue_push(n, e, message, argument) < 0)
                overflow(hub, n, 1);
}

/* --- notifiers --- */

/* Starts the replay (nothing is looked at yet: the cursor moves in slices, notify_hub_run()). */
static void start_replay(NotifyHub *hub, Notifier *n) {
        /* Told once the cursor is through, or at the next pump when nothing replays. */
        n->replay_end_due = true;
        n->replaying = match_notification_has_replay(n->type);
        n->cursor = 0;
        n->replay_max = hub->registry->last_id;
}

/* What a notifier owns, and the notifier (the notifiers map's destructor: no hub bookkeeping). */
static void notifier_release(void *v) {
        Notifier *n = v;

        queue_clear(n);
        hashmap_done(&n->queued);
        free(n->queue);
        value_unref(n->matching);
        free(n);
}

static const HashmapOps notifiers_ops = HASHMAP_OPS_U64(notifier_release);

static void notifier_free(NotifyHub *hub, Notifier *n) {
        if (!n)
                return;
        run_unlink(hub, n);
        if (n->linked) {
                if (n->kind == NOTIFIER_MATCHING)
                        index_list_remove(n->list, n);
                else {
                        NotifierList *l = hashmap_get(&hub->interests, &n->entry_id);

                        if (l) {
                                list_remove(l, n);
                                if (l->n == 0)
                                        hashmap_delete(&hub->interests, &l->key);
                        }
                }
        }
        if (n->owner) {
                owner_unlink(n->owner, n);
                if (n->owner->n == 0)
                        hashmap_delete(&hub->owners, n->owner->name);
        }
        notifier_release(n);
}

static void notifier_remove(NotifyHub *hub, Notifier *n) {
        (void) hashmap_remove(&hub->notifiers, &n->id);
        notifier_free(hub, n);
}

/* A new notifier for owner, in hub->notifiers; the caller links it into its list. */
static int notifier_new(NotifyHub *hub, const char *owner, NotifierKind kind, Notifier **ret) {
        Owner *o = hashmap_get(&hub->owners, owner);
        Notifier *n;

        if (o && o->n >= NOTIFY_MAX_PER_OWNER)
                return -EUSERS;
        n = calloc(1, sizeof(*n));
        if (!n)
                return -ENOMEM;
        *n = (Notifier) {
                .id = ++hub->last_id,
                .kind = kind,
                .queued = HASHMAP_INIT(&u64_hash_ops),
        };
        if (!o) {
                o = calloc(1, sizeof(*o));
                if (!o) {
                        free(n);
                        return -ENOMEM;
                }
                o->name = strdup(owner);
                if (!o->name || hashmap_put(&hub->owners, o->name, o) < 0) {
                        free(o->name);
                        free(o);
                        free(n);
                        return -ENOMEM;
                }
        }
        n->owner = o;
        owner_link(o, n);
        /* From here on notifier_free() undoes everything, the owner included. */
        if (hashmap_put(&hub->notifiers, &n->id, n) < 0) {
                notifier_free(hub, n);
                return -ENOMEM;
        }
        *ret = n;
        return 0;
}

static Notifier *find_owned(const NotifyHub *hub, const char *owner, uint64_t id) {
        Notifier *n = hashmap_get(&hub->notifiers, &id);

        return n && streq(n->owner->name, owner) ? n : NULL;
}

/* --- the hub --- */

int notify_hub_new(Registry *reg, const NotifyHubOps *ops, void *userdata, unsigned limit, NotifyHub **ret) {
        NotifyHub *hub;

        assert(reg && ops && ret);
        hub = calloc(1, sizeof(*hub));
        if (!hub)
                return -ENOMEM;
        hub->registry = reg;
        hub->ops = ops;
        hub->userdata = userdata;
        hub->limit = limit ?: NOTIFY_DEFAULT_LIMIT;
        hub->notifiers = HASHMAP_INIT(&notifiers_ops);
        hub->owners = HASHMAP_INIT(&owners_ops);
        hub->interests = HASHMAP_INIT(&interests_ops);
        for (unsigned t = 0; t < _MATCH_NOTIFY_MAX; t++) {
                hub->by_type[t].by_name = HASHMAP_INIT(&by_name_ops);
                hub->by_type[t].by_class = HASHMAP_INIT(&by_class_ops);
        }
        *ret = hub;
        return 0;
}

NotifyHub *notify_hub_free(NotifyHub *hub) {
        if (!hub)
                return NULL;
        hashmap_done(&hub->notifiers);
        hashmap_done(&hub->owners);
        hashmap_done(&hub->interests);
        for (unsigned t = 0; t < _MATCH_NOTIFY_MAX; t++) {
                hashmap_done(&hub->by_type[t].by_name);
                hashmap_done(&hub->by_type[t].by_class);
        }
        free(hub->cands);
        free(hub->ids);
        free(hub);
        return NULL;
}

int notify_hub_subscribe(NotifyHub *hub, const char *owner, MatchNotification type, Value *matching,
                         uint64_t *ret_id) {
        Notifier *n;
        int r;

        assert(hub && owner && ret_id);
        if (type >= _MATCH_NOTIFY_MAX || !matching || value_type(matching) != VALUE_DICTIONARY)
                return -EINVAL;
        r = notifier_new(hub, owner, NOTIFIER_MATCHING, &n);
        if (r < 0)
                return r;
        n->type = type;
        n->matching = value_ref(matching);
        r = index_list_for(hub, &hub->by_type[type], matching, &n->list);
        if (r < 0) {
                notifier_remove(hub, n);
                return r;
        }
        list_add(n->list, n);
        n->linked = true;
        /* A keyed list's key is IONameMatch or IOProviderClass: the whole dictionary when it is alone. */
        n->index_decides = n->list->map && value_dict_size(matching) == 1;
        start_replay(hub, n);
        *ret_id = n->id;
        return 0;
}

int notify_hub_register_interest(NotifyHub *hub, const char *owner, uint64_t entry_id, InterestType type,
                                 uint64_t *ret_id) {
        Entry *e = registry_get_entry(hub->registry, entry_id);
        NotifierList *l;
        Notifier *n;
        int r;

        assert(hub && owner && ret_id);
        if (type < 0 || type >= _INTEREST_MAX)
                return -EINVAL;
        if (!e)
                return -ENOENT;
        if (e->state & ENTRY_STATE_INACTIVE)
                return -ESTALE; /* kIOReturnNotReady */
        l = hashmap_get(&hub->interests, &entry_id);
        if (!l) {
                l = calloc(1, sizeof(*l));
                if (!l)
                        return -ENOMEM;
                l->key = entry_id;
                if (hashmap_put(&hub->interests, &l->key, l) < 0) {
                        interest_list_free(l);
                        return -ENOMEM;
                }
        }
        r = notifier_new(hub, owner, NOTIFIER_INTEREST, &n);
        if (r >= 0) {
                n->interest = type;
                n->entry_id = entry_id;
                list_add(l, n);
                n->linked = true;
        }
        if (r < 0) {
                if (l->n == 0)
                        hashmap_delete(&hub->interests, &l->key);
                return r;
        }
        *ret_id = n->id;
        return 0;
}

int notify_hub_unsubscribe(NotifyHub *hub, const char *owner, uint64_t id) {
        Notifier *n = find_owned(hub, owner, id);

        if (!n)
                return -ENOENT;
        notifier_remove(hub, n);
        return 0;
}

int notify_hub_ack(NotifyHub *hub, const char *owner, uint64_t id, uint64_t seq) {
        Notifier *n = find_owned(hub, owner, id);

        if (!n)
                return -ENOENT;
        if (seq > n->sent)
                return -ERANGE;
        if (seq > n->acked) {
                n->acked = seq;
                pump(hub, n);
        }
        return 0;
}

int notify_hub_resync(NotifyHub *hub, const char *owner, uint64_t id, uint64_t *ret_dropped) {
        Notifier *n = find_owned(hub, owner, id);
        uint64_t dropped;

        if (!n)
                return -ENOENT;
        dropped = n->dropped;
        queue_clear(n);
        n->overflowed = false;
        n->dropped = 0;
        n->acked = n->sent;
        if (n->kind == NOTIFIER_MATCHING)
                start_replay(hub, n);
        if (ret_dropped)
                *ret_dropped = dropped;
        return 0;
}

void notify_hub_flush(NotifyHub *hub, uint64_t id) {
        Notifier *n = hashmap_get(&hub->notifiers, &id);

        if (n)
                pump(hub, n);
}

void notify_hub_owner_pump(NotifyHub *hub, const char *owner) {
        Owner *o = hashmap_get(&hub->owners, owner);

        /* Sent in later turns (an owner may hold thousands of notifiers): notify_hub_run(), in
         * subscription order, so that what a publish and a terminate notifier held goes out in the
         * order it happened for the common case of the publish subscribed first. */
        for (Notifier *n = o ? o->head : NULL; n; n = n->owner_next)
                schedule(hub, n);
}

bool notify_hub_run(NotifyHub *hub, unsigned budget) {
        /* Round-robin: a slice each, so one big replay does not keep the others waiting. */
        while (hub->run_head && budget > COST_SEND) {
                Notifier *n = hub->run_head;
                unsigned slice = budget < NOTIFY_SLICE ? budget : NOTIFY_SLICE, left = slice;
                StepResult r = pump_some(hub, n, &left);

                budget -= slice - left;
                run_unlink(hub, n);
                if (r == STEP_MORE)
                        schedule(hub, n); /* to the tail */
                if (left == slice)
                        break; /* no progress within a whole slice: a later turn */
        }
        return hub->run_head != NULL;
}

unsigned notify_hub_drop_owner(NotifyHub *hub, const char *owner) {
        Owner *o = hashmap_get(&hub->owners, owner);
        unsigned removed = 0, n;

        if (!o)
                return 0;
        /* Its own list: each removal is O(1), and the last one frees the owner. */
        for (n = o->n; n > 0; n--) {
                notifier_remove(hub, o->head);
                removed++;
        }
        return removed;
}

unsigned notify_hub_count(const NotifyHub *hub, const char *owner) {
        Owner *o;

        if (!owner)
                return hashmap_size(&hub->notifiers);
        o = hashmap_get(&hub->owners, owner);
        return o ? o->n : 0;
}

int notify_hub_stats(const NotifyHub *hub, uint64_t id, NotifyStats *ret) {
        Notifier *n = hashmap_get(&hub->notifiers, &id);

        if (!n)
                return -ENOENT;
        *ret = (NotifyStats) {
                .sent = n->sent,
                .acked = n->acked,
                .queued = n->q_len,
                .replaying = n->replaying,
                .overflowed = n->overflowed,
                .dropped = n->dropped,
        };
        return 0;
}

/* --- inputs --- */

_hot_ static void deliver_interest(NotifyHub *hub, Entry *e, InterestType type, uint32_t message, uint64_t argument) {
        NotifierList *l = hashmap_get(&hub->interests, &e->id);

        if (!l)
                return;
        for (Notifier *n = l->head; n; n = n->next)
                if (n->interest == type)
                        deliver(hub, n, e, message, argument);
}

/*
 * n was collected for e from its keyed list and its dictionary holds that key alone: {IONameMatch:
 * name} (IOServiceNameMatching()), collected only when e has that name, or {IOProviderClass: class}
 * (IOServiceMatching()), only when e's class is it or a subclass. match_passive() would then
 * answer by e's state alone; skipping it spares an add the lookups of e's names and the table.
 */
static bool decided_by_index(const Notifier *n, const Entry *e, bool terminating) {
        return n->index_decides && e->registry && (terminating || !(e->state & ENTRY_STATE_INACTIVE));
}

/* collected: n is one of e's candidates from the index (collect_candidates()). */
_hot_ static void match_and_deliver(NotifyHub *hub, Notifier *n, Entry *e, bool terminating, bool collected) {
        MatchResult res;

        if (collected && decided_by_index(n, e, terminating)) {
                deliver(hub, n, e, 0, 0);
                return;
        }
        match_result_init(&res, n->matching);
        if (match_passive(hub->registry, e, n->matching, terminating ? MATCH_ALLOW_INACTIVE : 0, &res))
                deliver(hub, n, e, 0, 0); /* counted as dropped while overflowed */
}

_hot_ void notify_hub_matching_event(NotifyHub *hub, Entry *e, MatchNotification type) {
        bool terminating = type == MATCH_NOTIFY_TERMINATED || type == MATCH_NOTIFY_WILL_TERMINATE;
        NotifierIndex *idx;
        int n;

        assert(type < _MATCH_NOTIFY_MAX);
        idx = &hub->by_type[type];
        /* A sender callback never changes the lists (removals come from the bus later). */
        n = collect_candidates(hub, idx, e);
        if (n >= 0)
                for (int i = 0; i < n; i++)
                        match_and_deliver(hub, hub->cands[i], e, terminating, true);
        else {
                /*
                 * No memory for the candidates: every dictionary of the type, list by list (the
                 * order across lists is lost, each notifier's own sequence is not).
                 */
                Hashmap *maps[] = { &idx->by_name, &idx->by_class };
                void *v;

                for (Notifier *k = idx->any.head; k; k = k->next)
                        match_and_deliver(hub, k, e, terminating, false);
                for (size_t m = 0; m < ELEMENTSOF(maps); m++)
                        for (unsigned i = 0; hashmap_next(maps[m], &i, NULL, &v);)
                                for (Notifier *k = ((NotifierList *) v)->head; k; k = k->next)
                                        match_and_deliver(hub, k, e, terminating, false);
        }
        /*
         * Phase 3 on a Mac: ServiceIsTerminated to general interest, after WillTerminate. The
         * registrations stay until their owners remove them (Apple's notifier objects live until
         * released), but nothing more comes: IDs are never reused.
         */
        if (type == MATCH_NOTIFY_WILL_TERMINATE)
                deliver_interest(hub, e, INTEREST_GENERAL, IO_MESSAGE_SERVICE_IS_TERMINATED, 0);
}

_hot_ void notify_hub_busy_changed(NotifyHub *hub, Entry *e, bool busy) {
        deliver_interest(hub, e, INTEREST_BUSY, IO_MESSAGE_SERVICE_BUSY_STATE_CHANGE, busy);
}

void notify_hub_properties_changed(NotifyHub *hub, Entry *e) {
        deliver_interest(hub, e, INTEREST_GENERAL, IO_MESSAGE_SERVICE_PROPERTY_CHANGE, 0);
}

void notify_hub_power_message(NotifyHub *hub, Entry *e, uint32_t message, uint64_t argument) {
        deliver_interest(hub, e, INTEREST_PRIORITY_POWER, message, argument);
        deliver_interest(hub, e, INTEREST_APP_POWER, message, argument);
}

void notify_hub_message_clients(NotifyHub *hub, Entry *e, uint32_t message, uint64_t argument) {
        deliver_interest(hub, e, INTEREST_GENERAL, message, argument);
}
