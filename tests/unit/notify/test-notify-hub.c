/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-notify-hub.c: the notification hub (notify-hub.c, reference §1.8,
 * §1.11) fed by the real matcher: replay then live events with no gap and
 * no duplicate, registry order, the acknowledgement window, overflow at
 * Apple's 1024 with every dropped event counted, resync, interest messages,
 * owners and their limits; the replay in slices (issue 23). The sender is a
 * recorder.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "json-value.h"
#include "match-fixture.h"
#include "match-passive.h"
#include "notify-hub.h"

typedef enum SentKind { SENT_MATCHING, SENT_INTEREST, SENT_OVERFLOW, SENT_REPLAY_END } SentKind;

typedef struct Sent {
        SentKind kind;
        char owner[16];
        uint64_t id, seq, entry;
        MatchNotification type;
        uint32_t message;
        uint64_t argument;
        char name[32];
} Sent;

static Sent *sent;
static unsigned n_sent, cap_sent;
static int fail_sends; /* the next n sends fail with -ENOBUFS */
static unsigned n_wakes; /* the hub said it has work for notify_hub_run() */

static Sent *record(SentKind kind, const char *owner, uint64_t id, uint64_t seq) {
        Sent *s;

        assert_int_equal(GROW(sent, cap_sent, n_sent + 1), 0);
        s = &sent[n_sent++];
        *s = (Sent) { .kind = kind, .id = id, .seq = seq };
        snprintf(s->owner, sizeof(s->owner), "%s", owner);
        return s;
}

static int send_matching(void *userdata, const char *owner, uint64_t id, uint64_t seq, MatchNotification type,
                         Entry *e) {
        Sent *s;

        if (fail_sends > 0) {
                fail_sends--;
                return -ENOBUFS;
        }
        s = record(SENT_MATCHING, owner, id, seq);
        s->type = type;
        s->entry = e->id;
        /* The entry can still be described, also when it is being terminated. */
        snprintf(s->name, sizeof(s->name), "%s", entry_get_name(e, NULL));
        return 0;
}

static int send_interest(void *userdata, const char *owner, uint64_t id, uint64_t seq, Entry *e, uint32_t message,
                         uint64_t argument) {
        Sent *s = record(SENT_INTEREST, owner, id, seq);

        s->entry = e->id;
        s->message = message;
        s->argument = argument;
        return 0;
}

static int send_overflow(void *userdata, const char *owner, uint64_t id, uint64_t last_seq) {
        record(SENT_OVERFLOW, owner, id, last_seq);
        return 0;
}

static const NotifyHubOps ops = {
        .send_matching = send_matching,
        .send_interest = send_interest,
        .send_overflow = send_overflow,
};

static int send_replay_end(void *userdata, const char *owner, uint64_t id, uint64_t last_seq) {
        record(SENT_REPLAY_END, owner, id, last_seq);
        return 0;
}

static void wake(void *userdata) {
        n_wakes++;
}

/* The same, telling where each replay ends (the other tests count without the marker). */
static const NotifyHubOps ops_replay_end = {
        .send_matching = send_matching,
        .send_interest = send_interest,
        .send_overflow = send_overflow,
        .send_replay_end = send_replay_end,
        .wake = wake,
};

static bool owner_blocked; /* may_send() says no, as bus-peers does for an owner that has not read */

static bool may_send(void *userdata, const char *owner) {
        return !owner_blocked;
}

/* With an owner that can be stopped and resumed. */
static const NotifyHubOps ops_may_send = {
        .send_matching = send_matching,
        .send_interest = send_interest,
        .send_overflow = send_overflow,
        .may_send = may_send,
};

typedef struct HubFixture {
        MatchFixture *m;
        NotifyHub *hub;
} HubFixture;

static void on_notify(void *userdata, Entry *e, MatchNotification type) {
        notify_hub_matching_event(userdata, e, type);
}

static void on_busy(void *userdata, Entry *e, bool busy) {
        notify_hub_busy_changed(userdata, e, busy);
}

/* What the manager subscribes the hub to. */
static const RegistryObserver hub_observer = { .busy_changed = on_busy, .service_notification = on_notify };

static int setup_with_ops(void **state, unsigned limit, const NotifyHubOps *hub_ops) {
        HubFixture *f = calloc(1, sizeof(*f));
        void *m;

        if (!f || match_fixture_setup(&m) < 0)
                return -1;
        f->m = m;
        if (notify_hub_new(f->m->registry, hub_ops, NULL, limit, &f->hub) < 0)
                return -1;
        if (registry_add_observer(f->m->registry, &hub_observer, f->hub) < 0)
                return -1;
        n_sent = 0;
        fail_sends = 0;
        n_wakes = 0;
        *state = f;
        return 0;
}

static int setup_with_limit(void **state, unsigned limit) {
        return setup_with_ops(state, limit, &ops);
}

static int setup(void **state) {
        return setup_with_limit(state, 0);
}

static int setup_replay_end_limit4(void **state) {
        return setup_with_ops(state, 4, &ops_replay_end);
}

static int setup_may_send(void **state) {
        owner_blocked = false;
        return setup_with_ops(state, 64, &ops_may_send);
}

static int setup_limit4(void **state) {
        return setup_with_limit(state, 4);
}

static int teardown(void **state) {
        HubFixture *f = *state;
        void *m = f->m;

        notify_hub_free(f->hub);
        match_fixture_teardown(&m);
        free(f);
        free(sent);
        sent = NULL;
        n_sent = cap_sent = 0;
        return 0;
}

static Value *dict_class(const char *class_name) {
        Value *d = value_new_dictionary();

        assert_non_null(d);
        assert_int_equal(value_dict_set_take(d, "IOProviderClass", value_new_string(class_name)), 0);
        return d;
}

/* What the daemon's loop does in its later turns: the work the calls left. */
static void settle(HubFixture *f) {
        for (unsigned turns = 0; notify_hub_run(f->hub, 1024); turns++)
                assert_true(turns < 100000);
}

static uint64_t subscribe(HubFixture *f, const char *owner, MatchNotification type, const char *class_name) {
        Value *d = dict_class(class_name);
        uint64_t id = 0;

        assert_int_equal(notify_hub_subscribe(f->hub, owner, type, d, &id), 0);
        value_unref(d);
        return id;
}

/* A registered USB device nub, named name, through the matcher (Publish, then Matched). */
static Entry *add_device(HubFixture *f, const char *name) {
        Entry *e = fixture_nub(f->m, NULL, "IOUSBHostDevice", name, NULL);

        assert_int_equal(matcher_register_service(f->m->matcher, e), 0);
        return e;
}

static void terminate_visit(void *userdata, Entry *e) {
        matcher_service_terminated(userdata, e);
}

static void terminate(HubFixture *f, Entry *e) {
        registry_terminate_entry(f->m->registry, e, terminate_visit, f->m->matcher);
}

/* The entries sent to id, in order; checks that sequences run 1, 2, 3... */
static unsigned sent_to(uint64_t id, uint64_t *entries, unsigned max) {
        unsigned n = 0;

        for (unsigned i = 0; i < n_sent; i++)
                if (sent[i].id == id && sent[i].kind != SENT_OVERFLOW && sent[i].kind != SENT_REPLAY_END) {
                        assert_true(n < max);
                        entries[n] = sent[i].entry;
                        n++;
                        assert_int_equal(sent[i].seq, n);
                }
        return n;
}

static void test_replay_then_live_no_gap_no_duplicate(void **state) {
        HubFixture *f = *state;
        Entry *a = add_device(f, "a"), *b = add_device(f, "b"), *c = add_device(f, "c"), *d, *e;
        uint64_t got[16], id;
        unsigned n;

        n_sent = 0;
        id = subscribe(f, ":1.1", MATCH_NOTIFY_PUBLISH, "IOUSBHostDevice");
        /* The replay is queued until the owner has its ID (the method reply goes first). */
        assert_int_equal(n_sent, 0);

        /* Between the reply and the flush: a new device, and a device already queued published again. */
        d = add_device(f, "d");
        assert_int_equal(matcher_register_service(f->m->matcher, b), 0);
        assert_int_equal(n_sent, 0);

        notify_hub_flush(f->hub, id);
        e = add_device(f, "e");
        n = sent_to(id, got, ELEMENTSOF(got));
        assert_int_equal(n, 5);
        assert_int_equal(got[0], a->id);
        assert_int_equal(got[1], b->id); /* once: the second publish merged with the queued one */
        assert_int_equal(got[2], c->id);
        assert_int_equal(got[3], d->id);
        assert_int_equal(got[4], e->id);
        for (unsigned i = 0; i < n_sent; i++)
                assert_int_equal(sent[i].type, MATCH_NOTIFY_PUBLISH);

        /* Once the queue is empty, a publish again is a new event. */
        assert_int_equal(matcher_register_service(f->m->matcher, a), 0);
        n = sent_to(id, got, ELEMENTSOF(got));
        assert_int_equal(n, 6);
        assert_int_equal(got[5], a->id);
}

static void test_replay_states(void **state) {
        HubFixture *f = *state;
        Entry *registered = fixture_nub(f->m, NULL, "IOUSBHostDevice", "registered-only", NULL);
        Entry *matched = add_device(f, "matched");
        uint64_t got[8], pub, mat, fm, term;

        /* Registered but not matched yet (a pass under way): published, not matched. */
        registered->state |= ENTRY_STATE_REGISTERED | ENTRY_STATE_FIRST_PUBLISH;
        n_sent = 0;
        pub = subscribe(f, ":1.1", MATCH_NOTIFY_PUBLISH, "IOUSBHostDevice");
        mat = subscribe(f, ":1.1", MATCH_NOTIFY_MATCHED, "IOUSBHostDevice");
        fm = subscribe(f, ":1.1", MATCH_NOTIFY_FIRST_MATCH, "IOUSBHostDevice");
        term = subscribe(f, ":1.1", MATCH_NOTIFY_TERMINATED, "IOUSBHostDevice");
        notify_hub_flush(f->hub, pub);
        notify_hub_flush(f->hub, mat);
        notify_hub_flush(f->hub, fm);
        notify_hub_flush(f->hub, term);
        assert_int_equal(sent_to(pub, got, 8), 2);
        assert_int_equal(got[0], registered->id);
        assert_int_equal(got[1], matched->id);
        assert_int_equal(sent_to(mat, got, 8), 1);
        assert_int_equal(got[0], matched->id);
        assert_int_equal(sent_to(fm, got, 8), 1);
        assert_int_equal(sent_to(term, got, 8), 0); /* terminate types replay nothing */
}

static void test_terminated_children_first_with_properties(void **state) {
        HubFixture *f = *state;
        Entry *hub_dev = add_device(f, "hub");
        Entry *child = fixture_nub(f->m, hub_dev, "IOUSBHostDevice", "child", NULL);
        uint64_t term, will;

        uint64_t child_id = child->id, hub_id = hub_dev->id; /* the entries are freed with the termination */

        assert_int_equal(matcher_register_service(f->m->matcher, child), 0);
        term = subscribe(f, ":1.1", MATCH_NOTIFY_TERMINATED, "IOUSBHostDevice");
        will = subscribe(f, ":1.1", MATCH_NOTIFY_WILL_TERMINATE, "IOUSBHostDevice");
        n_sent = 0;
        terminate(f, hub_dev);
        /* Children first; per entry Terminated, then WillTerminate; named at that moment. */
        assert_int_equal(n_sent, 4);
        assert_true(sent[0].id == term && sent[0].entry == child_id && streq(sent[0].name, "child"));
        assert_true(sent[1].id == will && sent[1].entry == child_id);
        assert_true(sent[2].id == term && sent[2].entry == hub_id && streq(sent[2].name, "hub"));
        assert_true(sent[3].id == will && sent[3].entry == hub_id);
        assert_int_equal(sent[2].type, MATCH_NOTIFY_TERMINATED);
        assert_int_equal(sent[3].type, MATCH_NOTIFY_WILL_TERMINATE);
}

static void test_window_and_ack(void **state) {
        HubFixture *f = *state; /* limit 4 */
        uint64_t id = subscribe(f, ":1.1", MATCH_NOTIFY_PUBLISH, "IOUSBHostDevice"), got[16];
        NotifyStats st;
        char name[8];

        notify_hub_flush(f->hub, id);
        for (unsigned i = 0; i < 7; i++) {
                snprintf(name, sizeof(name), "d%u", i);
                add_device(f, name);
        }
        assert_int_equal(sent_to(id, got, 16), 4);
        assert_int_equal(notify_hub_stats(f->hub, id, &st), 0);
        assert_int_equal(st.queued, 3);
        assert_false(st.overflowed);

        assert_int_equal(notify_hub_ack(f->hub, ":1.1", id, 5), -ERANGE); /* never sent */
        assert_int_equal(notify_hub_ack(f->hub, ":1.2", id, 1), -ENOENT); /* not that owner's */
        assert_int_equal(notify_hub_ack(f->hub, ":1.1", id, 2), 0);
        assert_int_equal(sent_to(id, got, 16), 6);
        assert_int_equal(notify_hub_ack(f->hub, ":1.1", id, 1), 0); /* old: nothing happens */
        assert_int_equal(sent_to(id, got, 16), 6);
        assert_int_equal(notify_hub_ack(f->hub, ":1.1", id, 6), 0);
        assert_int_equal(sent_to(id, got, 16), 7);
        assert_int_equal(notify_hub_stats(f->hub, id, &st), 0);
        assert_int_equal(st.queued, 0);
        assert_int_equal(st.sent, 7);
}

/* A replay larger than the window is sent as the owner acknowledges: never an overflow. */
static void test_big_replay_is_paced(void **state) {
        HubFixture *f = *state; /* limit 4 */
        uint64_t id, got[32], doomed = 0;
        char name[8];

        for (unsigned i = 0; i < 20; i++) {
                Entry *e;

                snprintf(name, sizeof(name), "d%u", i);
                e = add_device(f, name);
                if (i == 10)
                        doomed = e->id;
        }
        n_sent = 0;
        id = subscribe(f, ":1.1", MATCH_NOTIFY_MATCHED, "IOUSBHostDevice");
        notify_hub_flush(f->hub, id);
        terminate(f, registry_get_entry(f->m->registry, doomed)); /* leaves the state before its turn: skipped, not sent late */
        for (uint64_t acked = 4;; acked += 4) {
                unsigned n = sent_to(id, got, 32);

                if (n < acked)
                        break;
                assert_int_equal(notify_hub_ack(f->hub, ":1.1", id, acked), 0);
                settle(f);
        }
        assert_int_equal(sent_to(id, got, 32), 19);
        for (unsigned i = 0; i < 19; i++) {
                assert_int_not_equal(got[i], doomed);
                if (i > 0)
                        assert_true(got[i] > got[i - 1]); /* registry order */
        }
        for (unsigned i = 0; i < n_sent; i++)
                assert_int_not_equal(sent[i].kind, SENT_OVERFLOW);
}

/* The index in sent[] of id's replay end, or -1. */
static int replay_end_at(uint64_t id) {
        int at = -1;

        for (unsigned i = 0; i < n_sent; i++)
                if (sent[i].id == id && sent[i].kind == SENT_REPLAY_END) {
                        assert_int_equal(at, -1); /* once */
                        at = (int) i;
                }
        return at;
}

/*
 * The replay's end (issue 20): after the last replayed entry, paced by the window like the replay,
 * before the live events queued behind it; at once for a type that replays nothing; again after a
 * Resync's replay.
 */
static void test_replay_end_marker(void **state) {
        HubFixture *f = *state; /* limit 4, with send_replay_end */
        uint64_t id, term, got[32], dropped;
        Entry *live;
        char name[8];
        int at;

        for (unsigned i = 0; i < 10; i++) {
                snprintf(name, sizeof(name), "d%u", i);
                (void) add_device(f, name);
        }
        n_sent = 0;
        id = subscribe(f, ":1.1", MATCH_NOTIFY_MATCHED, "IOUSBHostDevice");
        term = subscribe(f, ":1.1", MATCH_NOTIFY_TERMINATED, "IOUSBHostDevice");
        assert_int_equal(n_sent, 0); /* nothing before the flush, not even the marker */
        notify_hub_flush(f->hub, term);
        assert_int_equal(replay_end_at(term), 0);
        assert_int_equal(sent[0].seq, 0); /* nothing replayed */

        notify_hub_flush(f->hub, id);
        live = add_device(f, "live"); /* queued behind the replay */
        assert_int_equal(replay_end_at(id), -1); /* 4 of 10 out: the window is shut */
        for (uint64_t acked = 4; replay_end_at(id) < 0; acked += 4) {
                assert_true(acked <= 12);
                assert_int_equal(notify_hub_ack(f->hub, ":1.1", id, acked), 0);
                settle(f);
        }
        at = replay_end_at(id);
        assert_int_equal(sent[at].seq, 10); /* after the tenth, the last replayed */
        assert_int_equal(sent_to(id, got, 32), 11);
        assert_int_equal(got[10], live->id);
        /* The live event after the marker, in what was sent. */
        for (unsigned i = 0; i < n_sent; i++)
                if (sent[i].kind == SENT_MATCHING && sent[i].entry == live->id)
                        assert_true((int) i > at);

        /* A resync replays again and ends again: one more marker, after its replay. */
        n_sent = 0;
        assert_int_equal(notify_hub_resync(f->hub, ":1.1", id, &dropped), 0);
        notify_hub_flush(f->hub, id);
        assert_int_equal(replay_end_at(id), -1);
        for (uint64_t acked = 15; replay_end_at(id) < 0; acked += 4) {
                assert_int_equal(notify_hub_ack(f->hub, ":1.1", id, acked), 0);
                settle(f);
        }
        assert_int_equal(sent[replay_end_at(id)].seq, 22); /* 11 more after the 11 before */
}

/* Apple's 1024: sent and not acknowledged, plus 1024 live events waiting; then one overflow. */
static void test_overflow_at_1024_counts_every_drop(void **state) {
        HubFixture *f = *state; /* default limit */
        const unsigned total = 3000;
        uint64_t id, dropped = 0, *got;
        unsigned n_overflow = 0, n;
        NotifyStats st;
        char name[16];

        id = subscribe(f, ":1.1", MATCH_NOTIFY_PUBLISH, "IOUSBHostDevice");
        notify_hub_flush(f->hub, id);
        for (unsigned i = 0; i < total; i++) {
                snprintf(name, sizeof(name), "d%u", i);
                add_device(f, name);
        }
        got = calloc(total, sizeof(*got));
        assert_non_null(got);
        n = sent_to(id, got, total);
        assert_int_equal(n, NOTIFY_DEFAULT_LIMIT);
        for (unsigned i = 0; i < n_sent; i++)
                if (sent[i].kind == SENT_OVERFLOW) {
                        n_overflow++;
                        assert_int_equal(sent[i].seq, NOTIFY_DEFAULT_LIMIT); /* the last sequence sent */
                }
        assert_int_equal(n_overflow, 1);
        assert_int_equal(notify_hub_stats(f->hub, id, &st), 0);
        assert_true(st.overflowed);
        assert_int_equal(st.queued, 0);
        /* Every event is either sent or counted. */
        assert_int_equal(st.dropped, total - NOTIFY_DEFAULT_LIMIT);
        /* Acknowledging does not end an overflow: only a resync does. */
        assert_int_equal(notify_hub_ack(f->hub, ":1.1", id, NOTIFY_DEFAULT_LIMIT), 0);
        assert_int_equal(sent_to(id, got, total), NOTIFY_DEFAULT_LIMIT);

        assert_int_equal(notify_hub_resync(f->hub, ":1.1", id, &dropped), 0);
        assert_int_equal(dropped, total - NOTIFY_DEFAULT_LIMIT);
        assert_int_equal(notify_hub_stats(f->hub, id, &st), 0);
        assert_false(st.overflowed);
        assert_true(st.replaying); /* the whole state again */
        assert_int_equal(st.queued, 0);
        notify_hub_flush(f->hub, id);
        settle(f);
        assert_int_equal(sent_to(id, got, total), 2 * NOTIFY_DEFAULT_LIMIT);
        free(got);
}

static void test_overflow_on_send_failure(void **state) {
        HubFixture *f = *state;
        uint64_t id = subscribe(f, ":1.1", MATCH_NOTIFY_PUBLISH, "IOUSBHostDevice"), dropped = 0;
        NotifyStats st;

        notify_hub_flush(f->hub, id);
        fail_sends = 1;
        add_device(f, "lost");
        add_device(f, "after");
        assert_int_equal(notify_hub_stats(f->hub, id, &st), 0);
        assert_true(st.overflowed);
        assert_int_equal(st.dropped, 2);
        assert_int_equal(n_sent, 1);
        assert_int_equal(sent[0].kind, SENT_OVERFLOW);
        assert_int_equal(notify_hub_resync(f->hub, ":1.1", id, &dropped), 0);
        assert_int_equal(dropped, 2);
        notify_hub_flush(f->hub, id);
        assert_int_equal(n_sent, 3); /* both devices, replayed */
}

/*
 * A replay larger than a slice (issue 23): one slice when the call flushes, the rest by
 * notify_hub_run() in later turns, round-robin with another replay; in registry order, its end
 * before the live events, which wait behind it; an entry published again before the cursor
 * reached it comes once; an owner that leaves mid-replay takes its cursor with it.
 */
static void test_replay_in_slices(void **state) {
        HubFixture *f = *state; /* limit 4096, with send_replay_end and wake */
        const unsigned total = 200;
        uint64_t id, other, *got, again = 0;
        Entry *live;
        char name[16];
        unsigned n, turns, mark, dropped_at;
        int at;

        for (unsigned i = 0; i < total; i++) {
                Entry *e;

                snprintf(name, sizeof(name), "d%u", i);
                e = add_device(f, name);
                if (i == total - 10)
                        again = e->id;
        }
        got = calloc(total + 1, sizeof(*got));
        assert_non_null(got);
        n_sent = 0;
        id = subscribe(f, ":1.1", MATCH_NOTIFY_PUBLISH, "IOUSBHostDevice");
        other = subscribe(f, ":1.2", MATCH_NOTIFY_PUBLISH, "IOUSBHostDevice");
        notify_hub_flush(f->hub, id);
        notify_hub_flush(f->hub, other);
        n = sent_to(id, got, total + 1);
        assert_true(n > 0 && n <= NOTIFY_SLICE / 8); /* a slice, not the whole replay */
        assert_int_equal(n_wakes, 1);                /* the rest is left to the loop's turns */

        /* Meanwhile: a new device (after the replay's end), and one the cursor has yet to reach published again. */
        live = add_device(f, "live");
        assert_int_equal(matcher_register_service(f->m->matcher, registry_get_entry(f->m->registry, again)), 0);
        assert_int_equal(sent_to(id, got, total + 1), n); /* nothing overtakes the replay */

        /* Turns of a slice: the replays take turns (round-robin), neither waits for the other's end. */
        assert_int_equal(sent_to(other, got, total + 1), n);
        assert_true(notify_hub_run(f->hub, NOTIFY_SLICE));
        assert_int_equal(sent_to(id, got, total + 1), 2 * n);
        assert_int_equal(sent_to(other, got, total + 1), n);
        assert_true(notify_hub_run(f->hub, NOTIFY_SLICE));
        assert_int_equal(sent_to(other, got, total + 1), 2 * n);
        for (turns = 2; notify_hub_run(f->hub, NOTIFY_SLICE); turns++)
                assert_true(turns < 100);
        assert_true(turns > 10); /* 2 × 200 signals at 32 a turn */

        n = sent_to(id, got, total + 1);
        assert_int_equal(n, total + 1); /* every device once, the one published again too, then live */
        for (unsigned i = 1; i < total; i++)
                assert_true(got[i] > got[i - 1]);
        assert_int_equal(got[total], live->id);
        at = replay_end_at(id);
        assert_true(at >= 0);
        assert_int_equal(sent[at].seq, total);
        for (unsigned i = 0; i < n_sent; i++)
                if (sent[i].id == id && sent[i].kind == SENT_MATCHING && sent[i].entry == live->id)
                        assert_true((int) i > at);
        assert_int_equal(sent_to(other, got, total + 1), total + 1);

        /* An owner that leaves mid-replay: its cursor goes with it, the other replay goes on. */
        mark = n_sent;
        assert_int_equal(notify_hub_resync(f->hub, ":1.1", id, NULL), 0);
        assert_int_equal(notify_hub_resync(f->hub, ":1.2", other, NULL), 0);
        notify_hub_flush(f->hub, id);
        notify_hub_flush(f->hub, other);
        dropped_at = n_sent;
        assert_int_equal(notify_hub_drop_owner(f->hub, ":1.1"), 1);
        settle(f);
        n = 0;
        for (unsigned i = mark; i < n_sent; i++) {
                if (i >= dropped_at)
                        assert_int_not_equal(sent[i].id, id);
                n += sent[i].id == other && sent[i].kind == SENT_MATCHING;
        }
        assert_int_equal(n, total + 1); /* other's whole replay, the live device included */
        assert_false(notify_hub_run(f->hub, NOTIFY_SLICE));
        free(got);
}

static int setup_replay_end(void **state) {
        return setup_with_ops(state, 4096, &ops_replay_end);
}

static void test_interest(void **state) {
        HubFixture *f = *state;
        Entry *dev = add_device(f, "dev"), *other = add_device(f, "other");
        uint64_t general, busy, power, id, dev_id = dev->id;

        assert_int_equal(notify_hub_register_interest(f->hub, ":1.1", dev->id, INTEREST_GENERAL, &general), 0);
        assert_int_equal(notify_hub_register_interest(f->hub, ":1.1", dev->id, INTEREST_BUSY, &busy), 0);
        assert_int_equal(notify_hub_register_interest(f->hub, ":1.1", dev->id, INTEREST_APP_POWER, &power), 0);
        assert_int_equal(notify_hub_register_interest(f->hub, ":1.1", 0x7fffffff, INTEREST_GENERAL, &id), -ENOENT);
        assert_int_equal(notify_hub_register_interest(f->hub, ":1.1", dev->id, _INTEREST_MAX, &id), -EINVAL);
        n_sent = 0;

        notify_hub_properties_changed(f->hub, other); /* not registered for */
        assert_int_equal(n_sent, 0);
        notify_hub_properties_changed(f->hub, dev);
        assert_int_equal(n_sent, 1);
        assert_true(sent[0].kind == SENT_INTEREST && sent[0].id == general && sent[0].seq == 1);
        assert_int_equal(sent[0].message, IO_MESSAGE_SERVICE_PROPERTY_CHANGE);

        /* A match pass makes the device busy and quiet again: BusyStateChange with the now-busy flag. */
        assert_int_equal(matcher_register_service(f->m->matcher, dev), 0);
        assert_int_equal(n_sent, 3);
        assert_true(sent[1].id == busy && sent[1].message == IO_MESSAGE_SERVICE_BUSY_STATE_CHANGE);
        assert_int_equal(sent[1].argument, 1);
        assert_int_equal(sent[2].argument, 0);

        terminate(f, dev);
        assert_true(n_sent >= 4);
        assert_true(sent[n_sent - 1].id == general && sent[n_sent - 1].seq == 2);
        assert_int_equal(sent[n_sent - 1].message, IO_MESSAGE_SERVICE_IS_TERMINATED);
        /* kIOReturnNotReady on an inactive service. */
        assert_int_equal(notify_hub_register_interest(f->hub, ":1.1", dev_id, INTEREST_GENERAL, &id), -ENOENT);
        for (unsigned i = 0; i < n_sent; i++)
                assert_int_not_equal(sent[i].id, power);
        assert_int_equal(notify_hub_count(f->hub, ":1.1"), 3);
}

static void test_interest_on_inactive_entry(void **state) {
        HubFixture *f = *state;
        Entry *dev = add_device(f, "dev");
        uint64_t id;

        dev->state |= ENTRY_STATE_INACTIVE; /* terminated, not yet removed */
        assert_int_equal(notify_hub_register_interest(f->hub, ":1.1", dev->id, INTEREST_GENERAL, &id), -ESTALE);
        assert_int_equal(notify_hub_count(f->hub, NULL), 0);
}

static void test_owners(void **state) {
        HubFixture *f = *state;
        Entry *dev = add_device(f, "dev");
        uint64_t a, b, c, id;
        Value *d;

        a = subscribe(f, ":1.1", MATCH_NOTIFY_PUBLISH, "IOService");
        b = subscribe(f, ":1.1", MATCH_NOTIFY_TERMINATED, "IOService");
        c = subscribe(f, ":1.2", MATCH_NOTIFY_TERMINATED, "IOService");
        assert_int_equal(notify_hub_register_interest(f->hub, ":1.1", dev->id, INTEREST_GENERAL, &id), 0);
        assert_int_equal(notify_hub_count(f->hub, NULL), 4);
        assert_int_equal(notify_hub_count(f->hub, ":1.1"), 3);

        assert_int_equal(notify_hub_unsubscribe(f->hub, ":1.2", a), -ENOENT);
        assert_int_equal(notify_hub_resync(f->hub, ":1.2", a, NULL), -ENOENT);
        assert_int_equal(notify_hub_unsubscribe(f->hub, ":1.1", b), 0);
        assert_int_equal(notify_hub_unsubscribe(f->hub, ":1.1", b), -ENOENT);
        assert_int_equal(notify_hub_drop_owner(f->hub, ":1.1"), 2);
        assert_int_equal(notify_hub_count(f->hub, ":1.1"), 0);
        assert_int_equal(notify_hub_count(f->hub, NULL), 1);
        assert_int_equal(notify_hub_drop_owner(f->hub, ":1.9"), 0);

        /* Events after the owner left go to nobody. */
        n_sent = 0;
        terminate(f, dev);
        assert_int_equal(n_sent, 1);
        assert_int_equal(sent[0].id, c);

        /* Bad input. */
        d = value_new_string("not a dictionary");
        assert_int_equal(notify_hub_subscribe(f->hub, ":1.1", MATCH_NOTIFY_PUBLISH, d, &id), -EINVAL);
        value_unref(d);
}

static void test_owner_limit(void **state) {
        HubFixture *f = *state;
        Value *d = dict_class("IOService");
        uint64_t id;

        for (unsigned i = 0; i < NOTIFY_MAX_PER_OWNER; i++)
                assert_int_equal(notify_hub_subscribe(f->hub, ":1.1", MATCH_NOTIFY_TERMINATED, d, &id), 0);
        assert_int_equal(notify_hub_subscribe(f->hub, ":1.1", MATCH_NOTIFY_TERMINATED, d, &id), -EUSERS);
        assert_int_equal(notify_hub_subscribe(f->hub, ":1.2", MATCH_NOTIFY_TERMINATED, d, &id), 0);
        assert_int_equal(notify_hub_drop_owner(f->hub, ":1.1"), NOTIFY_MAX_PER_OWNER);
        value_unref(d);
}

static uint64_t subscribe_json(HubFixture *f, const char *owner, const char *json) {
        _cleanup_(value_unrefp) Value *d = json_value(json);
        uint64_t id = 0;

        assert_non_null(d);
        assert_int_equal(notify_hub_subscribe(f->hub, owner, MATCH_NOTIFY_PUBLISH, d, &id), 0);
        return id;
}

/*
 * The hub's index (by exact IONameMatch, by IOProviderClass, the rest) evaluates only the
 * dictionaries that can match: each subscription receives exactly the entries that
 * match_passive() accepts, whichever list it sits in, and one entry's deliveries go out in
 * subscription order across the lists.
 */
static void test_index_delivers_as_a_scan(void **state) {
        HubFixture *f = *state;
        static const char *const dicts[] = {
                "{\"IONameMatch\": \"dev-a\"}",                                   /* by name */
                "{\"IOProviderClass\": \"IOUSBHostDevice\"}",                      /* by class */
                "{\"IOProviderClass\": \"IOService\"}",                            /* a superclass */
                "{}",                                                               /* any */
                "{\"IONameMatch\": \"dev-*\"}",                                   /* a pattern: any */
                "{\"IONameMatch\": \"compat-x\"}",                                /* by a compatible name */
                "{\"IONameMatch\": \"dev-b\"}",
                "{\"IOProviderClass\": \"NoSuchClass\"}",                          /* unknown: any */
                "{\"IONameMatch\": \"dev-a\", \"IOProviderClass\": \"IOPCIDevice\"}", /* name list, class fails */
                "{\"IONameMatch\": [\"dev-b\", \"compat-x\"]}",                   /* an array: any */
                "{\"IONameMatch\": \"dev-a\"}",                                   /* the same name, later */
        };
        uint64_t ids[ELEMENTSOF(dicts)];
        Entry *entries[3];

        for (size_t i = 0; i < ELEMENTSOF(dicts); i++)
                ids[i] = subscribe_json(f, i % 2 ? "a" : "b", dicts[i]);
        for (size_t i = 0; i < ELEMENTSOF(dicts); i++)
                notify_hub_flush(f->hub, ids[i]); /* the method replies went out: the replays may go */
        settle(f); /* the replays, done in later turns */
        n_sent = 0;
        entries[0] = add_device(f, "dev-a");
        entries[1] = add_device(f, "dev-b");
        /* A device-tree style list: the second name of "compatible". */
        entries[2] = fixture_nub(f->m, NULL, "IOUSBHostDevice", "nub", NULL);
        assert_int_equal(entry_set_property_take(entries[2], "compatible", value_new_data("other\0compat-x", 15)),
                         0);
        assert_int_equal(matcher_register_service(f->m->matcher, entries[2]), 0);
        settle(f);

        /* Per subscription: what a scan of every dictionary would have sent. */
        for (size_t i = 0; i < ELEMENTSOF(dicts); i++) {
                _cleanup_(value_unrefp) Value *d = json_value(dicts[i]);
                uint64_t got[8], want[8];
                unsigned n_got = sent_to(ids[i], got, ELEMENTSOF(got)), n_want = 0;

                assert_non_null(d);
                for (size_t k = 0; k < ELEMENTSOF(entries); k++) {
                        MatchResult res;

                        match_result_init(&res, d);
                        if (match_passive(f->m->registry, entries[k], d, 0, &res))
                                want[n_want++] = entries[k]->id;
                }
                assert_int_equal(n_got, n_want);
                for (unsigned k = 0; k < n_got; k++)
                        assert_int_equal(got[k], want[k]);
        }
        /* What the index must not have lost: name, class, superclass, compatible and pattern hits. */
        assert_int_equal(sent_to(ids[0], (uint64_t[8]) {}, 8), 1);
        assert_int_equal(sent_to(ids[2], (uint64_t[8]) {}, 8), 3);
        assert_int_equal(sent_to(ids[5], (uint64_t[8]) {}, 8), 1);
        assert_int_equal(sent_to(ids[8], (uint64_t[8]) {}, 8), 0);
        assert_int_equal(sent_to(ids[10], (uint64_t[8]) {}, 8), 1);
        /* Each entry's deliveries in subscription order. */
        for (unsigned i = 1; i < n_sent; i++)
                if (sent[i].kind == SENT_MATCHING && sent[i - 1].kind == SENT_MATCHING &&
                    sent[i].entry == sent[i - 1].entry && sent[i].type == sent[i - 1].type)
                        assert_true(sent[i].id > sent[i - 1].id);

        /* Unsubscribing empties and frees the keyed lists; the next event finds none of them. */
        for (size_t i = 0; i < ELEMENTSOF(dicts); i++)
                assert_int_equal(notify_hub_unsubscribe(f->hub, i % 2 ? "a" : "b", ids[i]), 0);
        n_sent = 0;
        (void) add_device(f, "dev-a");
        settle(f);
        assert_int_equal(n_sent, 0);
}

/*
 * A dictionary that is its index key alone ({IONameMatch: name}, {IOProviderClass: class}) is
 * decided by the index: still only for an active entry, as match_passive() would, except for the
 * terminate types, which are about entries already inactive.
 */
static void test_index_alone_decides_by_state(void **state) {
        HubFixture *f = *state;
        uint64_t by_name = subscribe_json(f, "a", "{\"IONameMatch\": \"dev-x\"}");
        uint64_t by_class = subscribe(f, "a", MATCH_NOTIFY_PUBLISH, "IOUSBHostDevice");
        uint64_t term_name = 0, got[4];
        _cleanup_(value_unrefp) Value *d = json_value("{\"IONameMatch\": \"dev-x\"}");
        Entry *dev;

        assert_int_equal(notify_hub_subscribe(f->hub, "a", MATCH_NOTIFY_TERMINATED, d, &term_name), 0);
        notify_hub_flush(f->hub, by_name);
        notify_hub_flush(f->hub, by_class);
        notify_hub_flush(f->hub, term_name);
        settle(f);
        n_sent = 0;
        dev = fixture_nub(f->m, NULL, "IOUSBHostDevice", "dev-x", NULL);
        dev->state |= ENTRY_STATE_INACTIVE | ENTRY_STATE_REGISTERED; /* terminated before its publish went out */
        notify_hub_matching_event(f->hub, dev, MATCH_NOTIFY_PUBLISH);
        assert_int_equal(n_sent, 0);
        dev->state &= ~ENTRY_STATE_INACTIVE;
        notify_hub_matching_event(f->hub, dev, MATCH_NOTIFY_PUBLISH);
        assert_int_equal(sent_to(by_name, got, 4), 1);
        assert_int_equal(sent_to(by_class, got, 4), 1);
        terminate(f, dev);
        assert_int_equal(sent_to(term_name, got, 4), 1);
        assert_int_equal(got[0], sent[n_sent - 1].entry);
}

/*
 * An owner that was stopped (it had not read) gets what waited in the order it happened when its
 * publish notifier is older than its terminate notifier, though the events sit in two queues.
 */
static void test_owner_resumes_in_subscription_order(void **state) {
        HubFixture *f = *state;
        Entry *old = add_device(f, "old"), *arrived;
        uint64_t pub, term, old_id = old->id;

        pub = subscribe(f, ":1.1", MATCH_NOTIFY_PUBLISH, "IOUSBHostDevice");
        term = subscribe(f, ":1.1", MATCH_NOTIFY_TERMINATED, "IOUSBHostDevice");
        notify_hub_flush(f->hub, pub);
        notify_hub_flush(f->hub, term);
        settle(f);
        owner_blocked = true;
        n_sent = 0;
        arrived = add_device(f, "arrived");
        terminate(f, old);
        settle(f);
        assert_int_equal(n_sent, 0); /* both wait */
        owner_blocked = false;
        notify_hub_owner_pump(f->hub, ":1.1");
        settle(f);
        assert_int_equal(n_sent, 2);
        assert_true(sent[0].id == pub && sent[0].entry == arrived->id);
        assert_true(sent[1].id == term && sent[1].entry == old_id);
}

static void test_type_names(void **state) {
        MatchNotification n;

        assert_int_equal(match_notification_from_string("IOServiceFirstMatch", &n), 0);
        assert_int_equal(n, MATCH_NOTIFY_FIRST_MATCH);
        assert_int_equal(match_notification_from_string("will-terminate", &n), 0);
        assert_int_equal(n, MATCH_NOTIFY_WILL_TERMINATE);
        assert_int_equal(match_notification_from_string("IOServiceTerminated", &n), -EINVAL);
        assert_int_equal(match_notification_from_string(NULL, &n), -EINVAL);
        assert_int_equal(interest_type_from_string("IOBusyInterest"), INTEREST_BUSY);
        assert_int_equal(interest_type_from_string("IOConsoleSecurityInterest"), _INTEREST_INVALID);
        assert_string_equal(interest_type_to_string(INTEREST_PRIORITY_POWER), "IOPriorityPowerStateInterest");
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_replay_then_live_no_gap_no_duplicate, setup, teardown),
                cmocka_unit_test_setup_teardown(test_replay_states, setup, teardown),
                cmocka_unit_test_setup_teardown(test_terminated_children_first_with_properties, setup, teardown),
                cmocka_unit_test_setup_teardown(test_window_and_ack, setup_limit4, teardown),
                cmocka_unit_test_setup_teardown(test_big_replay_is_paced, setup_limit4, teardown),
                cmocka_unit_test_setup_teardown(test_replay_end_marker, setup_replay_end_limit4, teardown),
                cmocka_unit_test_setup_teardown(test_overflow_at_1024_counts_every_drop, setup, teardown),
                cmocka_unit_test_setup_teardown(test_overflow_on_send_failure, setup, teardown),
                cmocka_unit_test_setup_teardown(test_replay_in_slices, setup_replay_end, teardown),
                cmocka_unit_test_setup_teardown(test_interest, setup, teardown),
                cmocka_unit_test_setup_teardown(test_interest_on_inactive_entry, setup, teardown),
                cmocka_unit_test_setup_teardown(test_owners, setup, teardown),
                cmocka_unit_test_setup_teardown(test_owner_limit, setup, teardown),
                cmocka_unit_test_setup_teardown(test_index_delivers_as_a_scan, setup, teardown),
                cmocka_unit_test_setup_teardown(test_index_alone_decides_by_state, setup, teardown),
                cmocka_unit_test_setup_teardown(test_owner_resumes_in_subscription_order, setup_may_send, teardown),
                cmocka_unit_test(test_type_names),
        };

        return cmocka_run_group_tests_name("notify-hub", tests, NULL, NULL);
}
