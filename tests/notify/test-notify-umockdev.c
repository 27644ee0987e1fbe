/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-notify-umockdev.c: notifications from live devices. The real ioregd
 * runs on a umockdev testbed built from a real recording (a USB keyboard
 * behind three hubs; libumockdev-preload.so in LD_PRELOAD, inherited from
 * meson) on a private dbus-daemon; this process adds, changes and removes
 * devices on the testbed and subscribes through sd-bus:
 * - replay without gap: subscribers that arrive while devices are being
 *   added get every device exactly once, sequences without a gap;
 * - terminated after a remove: Terminated then WillTerminate for each
 *   removed device, described by its last properties, and
 *   ServiceIsTerminated to general interest after them;
 * - overflow (ioregd --notify-limit=2): one Overflow signal, nothing more,
 *   the exact number dropped from Resync, sequences going on after it; a
 *   replay bigger than the limit paced by Ack, not dropped;
 * - PropertyChange and BusyStateChange interest messages.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <umockdev.h>

#include "macro.h"
#include "notify-client.h"
#include "protocol.h"
#include "registry-query.h"
#include "test-bus.h"
#include "test-daemon.h"
#include "testbed-service.h"
#include "testbed.h"

#define KBD_ROOT "/sys/devices/pci0000:00/0000:00:1a.0/usb1"
#define KBD_HUB1 KBD_ROOT "/1-1"
#define KBD_HUB2 KBD_HUB1 "/1-1.5"
#define KBD_HUB3 KBD_HUB2 "/1-1.5.4"
#define KBD_DEV KBD_HUB3 "/1-1.5.4.2"
#define ROOT_ID UINT64_C(0x100000100)
#define STATE_REGISTERED 0x2u


static int start(void **state, const char *limit_arg) {
        const char *args[] = { limit_arg, NULL };

        TestbedService *t = NULL;
        int r = testbed_service_start("umockdev-input-usbkbd.umockdev", args, &t);

        *state = t; /* also on failure: the teardown stops what started */
        return r;
}

static int setup(void **state) {
        return start(state, NULL);
}

static int setup_limit2(void **state) {
        return start(state, "--notify-limit=2");
}

static int teardown(void **state) {
        return testbed_service_stop(*state);
}

static char *add_usb_device(TestbedService *t, unsigned port) {
        char name[16], devnum[8];
        char *syspath;

        snprintf(name, sizeof(name), "1-1.%u", port);
        snprintf(devnum, sizeof(devnum), "%u", 20 + port);
        syspath = umockdev_testbed_add_device(t->testbed, "usb", name, KBD_HUB1, "idVendor", "046d", "idProduct",
                                              "c077", "bcdDevice", "7200", "product", "USB Optical Mouse",
                                              "manufacturer", "Logitech", "busnum", "1", "devnum", devnum, "speed",
                                              "1.5", NULL, "DEVTYPE", "usb_device", NULL);
        assert_non_null(syspath);
        return syspath;
}

/* Waits until the IOService plane holds n registered entries of class_name. */
static void wait_for_count(TestbedService *t, const char *class_name, unsigned n) {
        for (unsigned i = 0; i < 500; i++) {
                _cleanup_free_ uint64_t *ids = NULL;
                unsigned got;

                assert_int_equal(plane_ids(t->bus, class_name, STATE_REGISTERED, &ids, &got), 0);
                if (got == n && wait_quiet(t->bus, 5 * 1000 * 1000) >= 0)
                        return;
                usleep(10 * 1000);
        }
        fail_msg("the registry never held %u %s entries", n, class_name);
}

static unsigned count_class(TestbedService *t, const char *class_name) {
        _cleanup_free_ uint64_t *ids = NULL;
        unsigned n;

        assert_int_equal(plane_ids(t->bus, class_name, STATE_REGISTERED, &ids, &n), 0);
        return n;
}

typedef struct Want {
        uint64_t subscription;
        EventKind kind;
        unsigned n;
} Want;

static bool has(Client *c, const void *arg) {
        const Want *w = arg;

        return client_count(c, w->subscription, w->kind) >= w->n;
}

static bool has_reply(Client *c, const void *arg) {
        for (unsigned i = 0; i < c->n_events; i++)
                if (c->events[i].kind == EVENT_REPLY)
                        return true;
        return false;
}

static uint64_t reply_id(const Client *c) {
        for (unsigned i = 0; i < c->n_events; i++)
                if (c->events[i].kind == EVENT_REPLY)
                        return c->events[i].subscription;
        return 0;
}

/*
 * c's notifications for id: the reply first (when it was asynchronous, and so recorded), sequences
 * 1..n, each of ids exactly once and nothing else.
 */
static void assert_exactly(const Client *c, uint64_t id, const uint64_t *ids, unsigned n_ids, bool async) {
        unsigned seq = 0;
        bool replied = !async;

        for (unsigned i = 0; i < c->n_events; i++) {
                const Event *e = &c->events[i];

                if (e->kind == EVENT_REPLY && e->subscription == id)
                        replied = true;
                if (e->subscription != id || e->kind == EVENT_REPLY)
                        continue;
                assert_int_equal(e->kind, EVENT_NOTIFICATION);
                assert_true(replied);
                assert_int_equal(e->sequence, ++seq);
                for (unsigned j = 0; j < i; j++)
                        if (c->events[j].subscription == id && c->events[j].kind == EVENT_NOTIFICATION)
                                assert_int_not_equal(c->events[j].entry, e->entry); /* no duplicate */
                bool known = false;
                for (unsigned j = 0; j < n_ids; j++)
                        known = known || ids[j] == e->entry;
                assert_true(known);
        }
        assert_int_equal(seq, n_ids); /* no gap */
}

static void test_replay_without_gap_during_hotplug(void **state) {
        TestbedService *t = *state;
        _cleanup_free_ uint64_t *ids = NULL;
        unsigned base = count_class(t, "IOUSBHostDevice"), n_ids;
        Client *c[3] = {};
        char *added[8];

        assert_true(base >= 4);
        for (unsigned i = 0; i < 3; i++)
                assert_int_equal(client_new(&t->test_bus, true, &c[i]), 0);
        assert_int_equal(client_subscribe_async(c[0], "IOServicePublish", "IOProviderClass", "IOUSBHostDevice"), 0);
        assert_true(sd_bus_flush(c[0]->bus) >= 0);
        /* The other two subscribe while uevents are on their way to the daemon. */
        for (unsigned i = 0; i < 8; i++) {
                added[i] = add_usb_device(t, 6 + i);
                if (i == 3 || i == 7) {
                        Client *late = c[i == 3 ? 1 : 2];

                        assert_int_equal(client_subscribe_async(late, "publish", "IOProviderClass",
                                                                "IOUSBHostDevice"), 0);
                        assert_true(sd_bus_flush(late->bus) >= 0);
                }
        }
        wait_for_count(t, "IOUSBHostDevice", base + 8);
        assert_int_equal(plane_ids(t->bus, "IOUSBHostDevice", STATE_REGISTERED, &ids, &n_ids), 0);
        for (unsigned i = 0; i < 3; i++) {
                Want w;

                assert_true(client_run_until(c[i], has_reply, NULL, 5000));
                w = (Want) { reply_id(c[i]), EVENT_NOTIFICATION, n_ids };
                assert_true(client_run_until(c[i], has, &w, 5000));
                client_run_for(c[i], 100);
                assert_exactly(c[i], w.subscription, ids, n_ids, true);
                client_free(c[i]);
        }
        for (unsigned i = 0; i < 8; i++)
                g_free(added[i]);
}

static bool contains(const uint64_t *ids, unsigned n, uint64_t id) {
        for (unsigned i = 0; i < n; i++)
                if (ids[i] == id)
                        return true;
        return false;
}

static void test_terminated_after_remove(void **state) {
        TestbedService *t = *state;
        _cleanup_free_ uint64_t *before = NULL, *after = NULL, *interests = NULL;
        uint64_t term, will;
        unsigned n_before, n_after, n_gone, n_interest = 0;
        Client *c = NULL;

        assert_int_equal(client_new(&t->test_bus, true, &c), 0);
        assert_int_equal(plane_ids(t->bus, "IOUSBHostDevice", STATE_REGISTERED, &before, &n_before), 0);
        assert_int_equal(client_subscribe(c, "IOServiceTerminate", "IOProviderClass", "IOUSBHostDevice", &term, NULL),
                         0);
        assert_int_equal(client_subscribe(c, "will-terminate", "IOProviderClass", "IOUSBHostDevice", &will, NULL), 0);
        interests = calloc(n_before, sizeof(*interests));
        assert_non_null(interests);
        for (unsigned i = 0; i < n_before; i++)
                assert_int_equal(client_register_interest(c, before[i], "IOGeneralInterest", &interests[i], NULL), 0);

        /* Hub 2 goes with hub 3 and the keyboard below it. */
        umockdev_testbed_uevent(t->testbed, KBD_HUB2, "remove");
        umockdev_testbed_remove_device(t->testbed, KBD_HUB2);
        wait_for_count(t, "IOUSBHostDevice", n_before - 3);
        assert_int_equal(plane_ids(t->bus, "IOUSBHostDevice", STATE_REGISTERED, &after, &n_after), 0);
        n_gone = n_before - n_after;
        assert_int_equal(n_gone, 3);
        assert_true(client_run_until(c, has, &(Want) { will, EVENT_NOTIFICATION, n_gone }, 5000));
        client_run_for(c, 200);
        assert_int_equal(client_count(c, term, EVENT_NOTIFICATION), n_gone);
        assert_int_equal(client_count(c, will, EVENT_NOTIFICATION), n_gone);

        for (unsigned i = 0; i < c->n_events; i++) {
                const Event *e = &c->events[i];

                if (e->kind == EVENT_NOTIFICATION) {
                        /* Gone from the registry, yet described: name, class, its last properties. */
                        assert_true(contains(before, n_before, e->entry) && !contains(after, n_after, e->entry));
                        assert_string_equal(e->class_name, "IOUSBHostDevice");
                        assert_true(e->name[0] != '\0');
                        assert_true(e->n_properties >= 5);
                        if (e->subscription == will) {
                                /* Terminated came first for this entry. */
                                bool seen = false;
                                for (unsigned j = 0; j < i; j++)
                                        seen = seen || (c->events[j].subscription == term && c->events[j].entry == e->entry);
                                assert_true(seen);
                        } else
                                assert_string_equal(e->type, "IOServiceTerminate");
                }
                if (e->kind == EVENT_INTEREST) {
                        assert_int_equal(e->message, IO_MESSAGE_SERVICE_IS_TERMINATED);
                        assert_true(!contains(after, n_after, e->entry));
                        /* After the entry's WillTerminate (phase 3 comes last). */
                        bool seen = false;
                        for (unsigned j = 0; j < i; j++)
                                seen = seen || (c->events[j].subscription == will && c->events[j].entry == e->entry);
                        assert_true(seen);
                        n_interest++;
                }
        }
        assert_int_equal(n_interest, n_gone);
        /* Children first: the hub (the first of the three to be found, nearest the root) goes last. */
        for (unsigned i = c->n_events; i > 0; i--)
                if (c->events[i - 1].subscription == term) {
                        for (unsigned j = 0; j < i - 1; j++)
                                if (c->events[j].subscription == term)
                                        assert_true(c->events[j].entry > c->events[i - 1].entry);
                        break;
                }
        client_free(c);
}

static void test_overflow_and_resync(void **state) {
        TestbedService *t = *state; /* --notify-limit=2 */
        _cleanup_free_ uint64_t *ids = NULL, *all_before = NULL, *all_after = NULL;
        Client *slow = NULL, *pacer = NULL;
        uint64_t s_id, p_id, dropped = 0, total;
        unsigned n_ids, n_all_before, n_all_after;

        assert_int_equal(client_new(&t->test_bus, false, &slow), 0);
        assert_int_equal(client_new(&t->test_bus, false, &pacer), 0);

        /* A replay bigger than the limit is paced by Ack, never dropped. */
        assert_int_equal(plane_ids(t->bus, "IOUSBHostDevice", STATE_REGISTERED, &ids, &n_ids), 0);
        assert_true(n_ids > 2);
        assert_int_equal(client_subscribe(pacer, "publish", "IOProviderClass", "IOUSBHostDevice", &p_id, NULL), 0);
        for (unsigned acked = 0; acked < n_ids;) {
                unsigned got;

                (void) client_run_until(pacer, has, &(Want) { p_id, EVENT_NOTIFICATION, acked + 2 }, 300);
                got = client_count(pacer, p_id, EVENT_NOTIFICATION);
                assert_true(got <= acked + 2); /* the window holds */
                assert_true(got > acked);
                acked = got;
                assert_true(client_call_tt(pacer, "Ack", p_id, acked, NULL) >= 0);
        }
        assert_int_equal(client_count(pacer, p_id, EVENT_OVERFLOW), 0);
        assert_exactly(pacer, p_id, ids, n_ids, false);

        /*
         * What the removal terminates: every entry that leaves the IOService plane (all are
         * IOServices). A reference client cannot count them: a burst bigger than twice the limit
         * overflows any client, since acknowledgements are read after the burst.
         */
        assert_int_equal(plane_ids(t->bus, NULL, 0, &all_before, &n_all_before), 0);
        assert_int_equal(client_subscribe(slow, "terminated", "IOProviderClass", "IOService", &s_id, NULL), 0);
        umockdev_testbed_uevent(t->testbed, KBD_HUB1, "remove");
        umockdev_testbed_remove_device(t->testbed, KBD_HUB1);
        wait_for_count(t, "IOUSBHostDevice", 1); /* the root hub */
        assert_int_equal(plane_ids(t->bus, NULL, 0, &all_after, &n_all_after), 0);
        total = n_all_before - n_all_after;
        assert_true(total > 4); /* devices, interfaces, kernel drivers, input nodes */

        assert_true(client_run_until(slow, has, &(Want) { s_id, EVENT_OVERFLOW, 1 }, 5000));
        client_run_for(slow, 300);
        assert_int_equal(client_count(slow, s_id, EVENT_NOTIFICATION), 2);
        assert_int_equal(client_count(slow, s_id, EVENT_OVERFLOW), 1);
        assert_int_equal(slow->events[slow->n_events - 1].kind, EVENT_OVERFLOW);
        assert_int_equal(slow->events[slow->n_events - 1].sequence, 2);
        for (unsigned i = 0; i < 2; i++)
                assert_true(contains(all_before, n_all_before, slow->events[i].entry) &&
                            !contains(all_after, n_all_after, slow->events[i].entry));

        assert_int_equal(client_resync(slow, s_id, &dropped, NULL), 0);
        assert_int_equal(dropped, total - 2); /* every one counted */

        /* Sequences go on after the resync. */
        umockdev_testbed_uevent(t->testbed, KBD_ROOT, "remove");
        umockdev_testbed_remove_device(t->testbed, KBD_ROOT);
        assert_true(client_run_until(slow, has, &(Want) { s_id, EVENT_NOTIFICATION, 3 }, 5000));
        assert_int_equal(slow->events[slow->n_events - 1].sequence, 3);
        client_free(slow);
        client_free(pacer);
}

static void test_property_change_and_busy(void **state) {
        TestbedService *t = *state;
        _cleanup_free_ uint64_t *ids = NULL;
        uint64_t busy, changed = 0;
        unsigned n_ids, n_changes = 0;
        Client *c = NULL;
        char *added;

        assert_int_equal(client_new(&t->test_bus, true, &c), 0);
        assert_int_equal(plane_ids(t->bus, "IOUSBHostDevice", STATE_REGISTERED, &ids, &n_ids), 0);
        for (unsigned i = 0; i < n_ids; i++) {
                uint64_t id;

                assert_int_equal(client_register_interest(c, ids[i], "IOGeneralInterest", &id, NULL), 0);
        }
        assert_int_equal(client_register_interest(c, ROOT_ID, "IOBusyInterest", &busy, NULL), 0);

        umockdev_testbed_set_attribute(t->testbed, KBD_DEV, "product", "Renamed Keyboard");
        umockdev_testbed_uevent(t->testbed, KBD_DEV, "change");
        client_run_for(c, 500);
        for (unsigned i = 0; i < c->n_events; i++)
                if (c->events[i].kind == EVENT_INTEREST && c->events[i].message == IO_MESSAGE_SERVICE_PROPERTY_CHANGE) {
                        n_changes++;
                        changed = c->events[i].entry;
                        assert_true(c->events[i].n_properties >= 5); /* the new properties come along */
                }
        assert_int_equal(n_changes, 1);
        assert_true(contains(ids, n_ids, changed));

        /* A new device: its match pass makes the whole provider chain busy, then quiet. */
        added = add_usb_device(t, 9);
        assert_true(client_run_until(c, has, &(Want) { busy, EVENT_INTEREST, 2 }, 5000));
        client_run_for(c, 200);
        assert_int_equal(client_count(c, busy, EVENT_INTEREST), 2);
        for (unsigned i = 0, k = 0; i < c->n_events; i++)
                if (c->events[i].subscription == busy) {
                        assert_int_equal(c->events[i].message, IO_MESSAGE_SERVICE_BUSY_STATE_CHANGE);
                        assert_int_equal(c->events[i].entry, ROOT_ID);
                        assert_int_equal(c->events[i].argument, k++ == 0 ? 1 : 0);
                }
        g_free(added);
        client_free(c);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_replay_without_gap_during_hotplug, setup, teardown),
                cmocka_unit_test_setup_teardown(test_terminated_after_remove, setup, teardown),
                cmocka_unit_test_setup_teardown(test_overflow_and_resync, setup_limit2, teardown),
                cmocka_unit_test_setup_teardown(test_property_change_and_busy, setup, teardown),
        };

        return cmocka_run_group_tests_name("notifications on a umockdev testbed", tests, NULL, NULL);
}
