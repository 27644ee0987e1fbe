/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-registry-busy.c: the registry core (registry.c): busy counts and busy
 * time (reference §1.10).
 *
 * The per-test registry and the link checks are in registry-check.c.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "registry-check.h"

typedef struct BusyEvent {
        Entry *entry;
        bool busy;
} BusyEvent;

typedef struct BusyLog {
        BusyEvent events[64];
        unsigned n;
} BusyLog;

static void on_busy(void *userdata, Entry *e, bool busy) {
        BusyLog *log = userdata;

        assert_true(log->n < ELEMENTSOF(log->events));
        /* Told after the count changed. */
        assert_int_equal(e->busy > 0, busy);
        log->events[log->n++] = (BusyEvent) { e, busy };
}

static void assert_busy(Entry *const *entries, const uint32_t *counts, unsigned n) {
        for (unsigned i = 0; i < n; i++)
                if (entries[i]->busy != counts[i])
                        fail_msg("%s: busy %u, expected %u", entry_get_name(entries[i], NULL),
                                 entries[i]->busy, counts[i]);
}

static const RegistryObserver busy_observer = { .busy_changed = on_busy };

static void assert_events(const BusyLog *log, const BusyEvent *expected, unsigned n) {
        assert_int_equal(log->n, n);
        for (unsigned i = 0; i < n; i++) {
                assert_ptr_equal(log->events[i].entry, expected[i].entry);
                assert_int_equal(log->events[i].busy, expected[i].busy);
        }
}

static void test_busy_transitions_only(void **state) {
        Registry *reg = *state;
        Entry *p = new_service(reg, reg->root, "P"), *c = new_service(reg, p, "C"),
              *g = new_service(reg, c, "G"), *sibling = new_service(reg, p, "S");
        Entry *const chain[] = { g, c, p, reg->root, sibling };
        BusyLog log = {};

        assert_int_equal(registry_add_observer(reg, &busy_observer, &log), 0);

        /* 0 → 1: every provider up to Root gets one. */
        assert_int_equal(entry_adjust_busy(g, +1), 1);
        assert_busy(chain, (const uint32_t[]) { 1, 1, 1, 1, 0 }, 5);
        /* The deepest provider is told first (the callback runs after propagation). */
        assert_events(&log,
                      (const BusyEvent[]) { { reg->root, true }, { p, true }, { c, true }, { g, true } }, 4);

        /* 1 → 2 is no transition: nothing propagates, nobody is told. */
        assert_int_equal(entry_adjust_busy(g, +1), 2);
        assert_busy(chain, (const uint32_t[]) { 2, 1, 1, 1, 0 }, 5);
        assert_int_equal(log.n, 4);

        /* C busy by itself as well: C 1 → 2, no transition. */
        assert_int_equal(entry_adjust_busy(c, +1), 2);
        assert_busy(chain, (const uint32_t[]) { 2, 2, 1, 1, 0 }, 5);
        assert_int_equal(log.n, 4);

        /* A sibling's transition reaches P, which is busy already. */
        assert_int_equal(entry_adjust_busy(sibling, +3), 3);
        assert_busy(chain, (const uint32_t[]) { 2, 2, 2, 1, 3 }, 5);
        assert_int_equal(log.n, 5);

        /* G back to 0: C loses G's share only. */
        assert_int_equal(entry_adjust_busy(g, -1), 1);
        assert_int_equal(entry_adjust_busy(g, -1), 0);
        assert_busy(chain, (const uint32_t[]) { 0, 1, 2, 1, 3 }, 5);
        assert_int_equal(log.n, 6);
        assert_ptr_equal(log.events[5].entry, g);
        assert_false(log.events[5].busy);

        /* C back to 0: P loses C's share, stays busy for S. */
        assert_int_equal(entry_adjust_busy(c, -1), 0);
        assert_busy(chain, (const uint32_t[]) { 0, 0, 1, 1, 3 }, 5);
        assert_int_equal(entry_adjust_busy(sibling, -3), 0);
        assert_busy(chain, (const uint32_t[]) { 0, 0, 0, 0, 0 }, 5);
        assert_events(&log,
                      (const BusyEvent[]) {
                              { reg->root, true },
                              { p, true },
                              { c, true },
                              { g, true },
                              { sibling, true },
                              { g, false },
                              { c, false },
                              { reg->root, false },
                              { p, false },
                              { sibling, false },
                      },
                      10);

        /* A zero adjustment is no change. */
        assert_int_equal(entry_adjust_busy(g, 0), 0);
        assert_int_equal(log.n, 10);
}

static void test_busy_follows_provider_changes(void **state) {
        Registry *reg = *state;
        const Plane *svc = reg->service_plane;
        Entry *p1 = new_service(reg, reg->root, "P1"), *p2 = new_service(reg, reg->root, "P2"),
              *c = new_service(reg, p1, "C"), *loose = new_entry(reg, "IOService", "Loose");
        Entry *const all[] = { p1, p2, c, reg->root };

        /* Only the provider (first parent) carries the child's busy state. */
        assert_int_equal(entry_attach(c, p2, svc), 0);
        assert_int_equal(entry_adjust_busy(c, +1), 1);
        assert_busy(all, (const uint32_t[]) { 1, 0, 1, 1 }, 4);

        /* Detaching the provider hands the share to the next parent. */
        assert_int_equal(entry_detach(c, p1, svc), 1);
        assert_busy(all, (const uint32_t[]) { 0, 1, 1, 1 }, 4);

        /* Detaching the last parent releases it; attaching a busy entry charges its new provider. */
        assert_int_equal(entry_detach(c, p2, svc), 1);
        assert_busy(all, (const uint32_t[]) { 0, 0, 1, 0 }, 4);
        assert_int_equal(entry_attach(c, p1, svc), 0);
        assert_busy(all, (const uint32_t[]) { 1, 0, 1, 1 }, 4);
        /* A second parent is not charged. */
        assert_int_equal(entry_attach(c, p2, svc), 0);
        assert_busy(all, (const uint32_t[]) { 1, 0, 1, 1 }, 4);

        /* Other planes carry no busy state. */
        assert_int_equal(entry_attach(c, p2, reg->usb_plane), 0);
        assert_int_equal(entry_detach(c, p2, reg->usb_plane), 1);
        assert_busy(all, (const uint32_t[]) { 1, 0, 1, 1 }, 4);

        /* Removing a busy entry releases its provider. */
        registry_remove_entry(reg, c);
        assert_int_equal(p1->busy, 0);
        assert_int_equal(p2->busy, 0);
        assert_int_equal(reg->root->busy, 0);

        /* An entry outside the service plane is busy by itself. */
        assert_int_equal(entry_adjust_busy(loose, +1), 1);
        assert_int_equal(reg->root->busy, 0);
}

static void test_busy_removal_of_busy_subtree(void **state) {
        Registry *reg = *state;
        Entry *p = new_service(reg, reg->root, "P"), *c = new_service(reg, p, "C"),
              *g = new_service(reg, c, "G");

        assert_int_equal(entry_adjust_busy(g, +1), 1);
        assert_int_equal(reg->root->busy, 1);
        /* Terminating the busy subtree leaves nothing busy behind. */
        assert_int_equal(registry_terminate_entry(reg, c, NULL, NULL), 2);
        assert_int_equal(p->busy, 0);
        assert_int_equal(reg->root->busy, 0);
}

static void test_busy_clamps(void **state) {
        Registry *reg = *state;
        Entry *p = new_service(reg, reg->root, "P"), *c = new_service(reg, p, "C");
        BusyLog log = {};

        assert_int_equal(registry_add_observer(reg, &busy_observer, &log), 0);

        assert_int_equal(entry_adjust_busy(c, ENTRY_BUSY_MAX), ENTRY_BUSY_MAX);
        assert_int_equal(ENTRY_BUSY_MAX, 0x3ff);
        assert_int_equal(p->busy, 1);
        assert_int_equal(entry_adjust_busy(c, +1), -ERANGE);
        assert_int_equal(c->busy, 0x3ff);
        assert_int_equal(entry_adjust_busy(c, +5000), -ERANGE);
        assert_int_equal(c->busy, 0x3ff);
        assert_int_equal(p->busy, 1);
        assert_int_equal(log.n, 3); /* root, p, c: once */

        assert_int_equal(entry_adjust_busy(c, -0x3ff), 0);
        assert_int_equal(p->busy, 0);
        assert_int_equal(log.n, 6);
        assert_int_equal(entry_adjust_busy(c, -1), -ERANGE);
        assert_int_equal(c->busy, 0);
        assert_int_equal(p->busy, 0);
        assert_int_equal(log.n, 6);

        /* Clamped from above while a transition happens: still told, still -ERANGE. */
        assert_int_equal(entry_adjust_busy(c, 0x400), -ERANGE);
        assert_int_equal(c->busy, 0x3ff);
        assert_int_equal(p->busy, 1);
        assert_int_equal(entry_adjust_busy(c, -0x1000), -ERANGE);
        assert_int_equal(c->busy, 0);
        assert_int_equal(p->busy, 0);
        assert_int_equal(reg->root->busy, 0);
        assert_int_equal(log.n, 12);
}

static uint64_t fake_now;

static uint64_t fake_clock(void) {
        return fake_now;
}

static void test_busy_time_accumulates(void **state) {
        Registry *reg = *state;
        Entry *p = new_service(reg, reg->root, "P"), *c = new_service(reg, p, "C");

        reg->now_nsec = fake_clock;
        fake_now = 1000;
        assert_int_equal(entry_busy_time_nsec(c), 0);
        assert_int_equal(entry_adjust_busy(c, +1), 1);
        fake_now = 1500;
        assert_int_equal(entry_busy_time_nsec(c), 500); /* the current period counts */
        assert_int_equal(entry_busy_time_nsec(p), 500);
        fake_now = 1700;
        assert_int_equal(entry_adjust_busy(c, +1), 2); /* no transition: the period goes on */
        fake_now = 2000;
        assert_int_equal(entry_adjust_busy(c, -2), 0);
        assert_int_equal(entry_busy_time_nsec(c), 1000);
        assert_int_equal(entry_busy_time_nsec(p), 1000);

        /* Idle time does not count. */
        fake_now = 5000;
        assert_int_equal(entry_busy_time_nsec(c), 1000);

        /* A second period, with P busy longer than C. */
        assert_int_equal(entry_adjust_busy(p, +1), 1);
        fake_now = 5100;
        assert_int_equal(entry_adjust_busy(c, +1), 1);
        fake_now = 5400;
        assert_int_equal(entry_adjust_busy(c, -1), 0);
        fake_now = 6000;
        assert_int_equal(entry_adjust_busy(p, -1), 0);
        fake_now = 9999;
        assert_int_equal(entry_busy_time_nsec(c), 1300);
        assert_int_equal(entry_busy_time_nsec(p), 2000);
        assert_int_equal(entry_busy_time_nsec(reg->root), 2000);

        /* Removal ends a busy period too. */
        {
                _cleanup_(entry_unrefp) _unused_ Entry *hold = entry_ref(c);

                assert_int_equal(entry_adjust_busy(c, +1), 1);
                fake_now = 10999;
                registry_remove_entry(reg, c);
                assert_int_equal(c->busy, 0);
                fake_now = 20000;
                assert_int_equal(entry_busy_time_nsec(c), 2300);
                assert_int_equal(entry_busy_time_nsec(p), 3000);
        }
}

static unsigned clock_reads;

static uint64_t counting_clock(void) {
        clock_reads++;
        return 4242;
}

/* A walk up the providers reads the clock once: every entry it makes busy starts at the same time. */
static void test_busy_walk_reads_clock_once(void **state) {
        Registry *reg = *state;
        Entry *p = new_service(reg, reg->root, "P"), *c = new_service(reg, p, "C");

        reg->now_nsec = counting_clock;
        assert_int_equal(entry_adjust_busy(c, +1), 1);
        assert_int_equal(clock_reads, 1);
        assert_int_equal(c->busy_since_nsec, 4242);
        assert_int_equal(p->busy_since_nsec, 4242);
        assert_int_equal(reg->root->busy_since_nsec, 4242);
        assert_int_equal(entry_adjust_busy(c, +1), 2); /* no transition: no clock */
        assert_int_equal(clock_reads, 1);
        assert_int_equal(entry_adjust_busy(c, -2), 0);
        assert_int_equal(clock_reads, 2);
        assert_int_equal(entry_busy_time_nsec(reg->root), 0);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                T(test_busy_transitions_only),
                T(test_busy_follows_provider_changes),
                T(test_busy_removal_of_busy_subtree),
                T(test_busy_clamps),
                T(test_busy_time_accumulates),
                T(test_busy_walk_reads_clock_once),
        };

        return cmocka_run_group_tests_name("registry-busy", tests, NULL, NULL);
}
