/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-matcher.c: active matching (matcher.c, reference §1.6, §1.7): the
 * notification order around probe and start, probe scores, start failure
 * falling through, match categories, resources, codeless and merge-only
 * personalities, asynchronous hosts, termination, catalogue reloads and
 * explain. The driver host is a test double that logs what it is asked.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "json-value.h"
#include "match-fixture.h"
#include "registry-iterator.h"

typedef struct PendingCall {
        MatcherDone done;
        void *token;
        int r;
        int32_t score;
} PendingCall;

typedef struct TestHost {
        const char *refuse;     /* its probe refuses */
        const char *fail_start; /* its start fails */
        const char *boost;      /* its probe adds 1000 */
        bool async;             /* completions wait for host_flush() */
        PendingCall pending[32];
        unsigned n_pending;
        char log[4096];
} TestHost;

static TestHost host;

/* Appends "what:name" to the log. */
static void log_add(const char *what, const char *name) {
        char buf[256];

        snprintf(buf, sizeof(buf), "%s:%s", what, name);
        if (host.log[0])
                strncat(host.log, " ", sizeof(host.log) - strlen(host.log) - 1);
        strncat(host.log, buf, sizeof(host.log) - strlen(host.log) - 1);
}

static void complete(MatcherDone done, void *token, int r, int32_t score) {
        if (!host.async) {
                done(token, r, score);
                return;
        }
        assert_true(host.n_pending < ELEMENTSOF(host.pending));
        host.pending[host.n_pending++] = (PendingCall) { done, token, r, score };
}

/* Completes what is pending, including what the completions start. */
static void host_flush(void) {
        while (host.n_pending > 0) {
                PendingCall c = host.pending[0];

                memmove(host.pending, host.pending + 1, --host.n_pending * sizeof(PendingCall));
                c.done(c.token, c.r, c.score);
        }
}

static bool host_wants(void *h, const Personality *p) {
        return personality_get_string(p, "IOUserServerName") != NULL;
}

static void host_probe(void *h, Entry *nub, const Personality *p, const Value *table, int32_t score, MatcherDone done,
                       void *token) {
        log_add("probe", p->name);
        if (host.refuse && streq(p->name, host.refuse))
                complete(done, token, -ENODEV, score);
        else
                complete(done, token, 0, score + (host.boost && streq(p->name, host.boost) ? 1000 : 0));
}

static void host_start(void *h, Entry *nub, MatcherDriver *driver, MatcherDone done, void *token) {
        const Personality *p = driver->personality;

        log_add("start", p->name);
        /* The driver entry is attached under its nub before start, as in startCandidate. */
        assert_ptr_equal(entry_get_parent(driver->entry, driver->entry->registry->service_plane), nub);
        assert_int_equal(driver->nub_id, nub->id);
        assert_false(driver->started);
        complete(done, token, host.fail_start && streq(p->name, host.fail_start) ? -EIO : 0, 0);
}

static void host_stop(void *h, MatcherDriver *driver) {
        assert_true(driver->started);
        log_add("stop", entry_get_name(driver->entry, NULL));
}

static const DriverHostOps test_host_ops = {
        .wants = host_wants,
        .probe = host_probe,
        .start = host_start,
        .stop = host_stop,
};

static void on_notify(void *userdata, Entry *e, MatchNotification type) {
        static const char *const short_names[] = { "publish", "first-publish", "matched", "first-match", "terminated",
                                                     "will-terminate" };
        log_add(short_names[type], entry_get_name(e, NULL));
}

static const RegistryObserver notify_observer = { .service_notification = on_notify };

static int setup(void **state) {
        MatchFixture *f;

        if (match_fixture_setup(state) < 0)
                return -1;
        f = *state;
        host = (TestHost) {};
        matcher_set_host(f->matcher, &test_host_ops, NULL);
        if (registry_add_observer(f->registry, &notify_observer, NULL) < 0)
                return -1;
        return 0;
}

#define USB_DEVICE "{\"idVendor\":1452,\"idProduct\":4660,\"bcdDevice\":256,\"bDeviceClass\":0,\"bDeviceSubClass\":0,\"bDeviceProtocol\":0}"
#define HOSTED(name, extra) \
        "{\"IOProviderClass\":\"IOUSBDevice\",\"IOClass\":\"IOUserService\",\"IOUserClass\":\"" name "\",\"IOUserServerName\":\"org.test." name "\"" extra "}"

/* The drivers started under nub, by name, comma-separated in attach order. */
static const char *drivers_of(MatchFixture *f, Entry *nub) {
        static char buf[512];
        Entry *const *children;
        unsigned n;

        buf[0] = '\0';
        children = entry_get_children(nub, f->registry->service_plane, &n);
        for (unsigned i = 0; i < n; i++) {
                if (buf[0])
                        strcat(buf, ",");
                strcat(buf, entry_get_name(children[i], NULL));
        }
        return buf;
}

static void test_codeless_start_and_notification_order(void **state) {
        MatchFixture *f = *state;
        Entry *nub = fixture_nub(f, NULL, "IOUSBHostDevice", "Dev", USB_DEVICE);
        Entry *drv;
        Value *v;

        fixture_add(f, "Codeless", "{\"IOProviderClass\":\"IOUSBDevice\",\"IOClass\":\"MyDriver\",\"idVendor\":1452,\"idProduct\":4660}");
        assert_int_equal(matcher_register_service(f->matcher, nub), 0);

        /* The driver is published and matched as it starts, then the nub is matched. */
        assert_string_equal(host.log, "first-publish:Dev publish:Dev first-publish:MyDriver publish:MyDriver "
                                      "matched:MyDriver first-match:MyDriver matched:Dev first-match:Dev");
        assert_string_equal(drivers_of(f, nub), "MyDriver");
        drv = entry_get_children(nub, f->registry->service_plane, &(unsigned) { 0 })[0];
        assert_true(entry_conforms_to(drv, "MyDriver"));
        assert_true(entry_conforms_to(drv, "IOService"));
        assert_int_equal(drv->state & (ENTRY_STATE_REGISTERED | ENTRY_STATE_MATCHED),
                         ENTRY_STATE_REGISTERED | ENTRY_STATE_MATCHED);
        v = entry_get_property(drv, "IOProbeScore");
        assert_non_null(v);
        assert_int_equal(value_signed(v), 90000); /* the USB family's implied score */
        assert_string_equal(value_string(entry_get_property(drv, "IOMatchCategory"), NULL), "IODefaultMatchCategory");
        assert_string_equal(value_string(entry_get_property(drv, "CFBundleIdentifier"), NULL), "org.ioreg.test");
        assert_int_equal(nub->state & 0x1f, ENTRY_STATE_REGISTERED | ENTRY_STATE_MATCHED | ENTRY_STATE_FIRST_PUBLISH |
                                                    ENTRY_STATE_FIRST_MATCH);
        assert_int_equal(nub->busy, 0);
        assert_int_equal(f->registry->root->busy, 0);
        assert_int_equal(matcher_n_pending(f->matcher), 0);
}

static void test_publish_before_probe_matched_after_start(void **state) {
        MatchFixture *f = *state;
        Entry *nub = fixture_nub(f, NULL, "IOUSBHostDevice", "Dev", USB_DEVICE);

        fixture_add(f, "A", HOSTED("A", ",\"idVendor\":1452,\"idProduct\":4660"));
        assert_int_equal(matcher_register_service(f->matcher, nub), 0);
        assert_string_equal(host.log, "first-publish:Dev publish:Dev probe:A start:A first-publish:A publish:A matched:A "
                                      "first-match:A matched:Dev first-match:Dev");
        assert_string_equal(drivers_of(f, nub), "A");
}

static void test_probe_order_refusal_and_score(void **state) {
        MatchFixture *f = *state;
        Entry *nub = fixture_nub(f, NULL, "IOUSBHostDevice", "Dev", USB_DEVICE);

        fixture_add(f, "Low", HOSTED("Low", ",\"bDeviceClass\":0,\"bDeviceSubClass\":0"));                  /* 50000 */
        fixture_add(f, "Best", HOSTED("Best", ",\"idVendor\":1452,\"idProduct\":4660,\"bcdDevice\":256")); /* 100000 */
        fixture_add(f, "Mid", HOSTED("Mid", ",\"idVendor\":1452,\"idProduct\":4660"));                      /* 90000 */
        fixture_add(f, "Mid2", HOSTED("Mid2", ",\"idVendor\":1452,\"idProduct\":4660,\"IOProbeScore\":0"));  /* 90000, later */
        host.refuse = "Best";
        assert_int_equal(matcher_register_service(f->matcher, nub), 0);
        /* Probed in family-score order (ties in catalogue order), then the best left is started. */
        assert_non_null(strstr(host.log, "probe:Best probe:Mid probe:Mid2 probe:Low start:Mid first-publish:Mid"));
        assert_string_equal(drivers_of(f, nub), "Mid");
}

static void test_probe_raises_score(void **state) {
        MatchFixture *f = *state;
        Entry *nub = fixture_nub(f, NULL, "IOUSBHostDevice", "Dev", USB_DEVICE);

        fixture_add(f, "Mid", HOSTED("Mid", ",\"idVendor\":1452,\"idProduct\":4660"));
        fixture_add(f, "Low", HOSTED("Low", ",\"idVendor\":1452,\"idProduct\":4660,\"IOProbeScore\":-10"));
        host.boost = "Low";
        assert_int_equal(matcher_register_service(f->matcher, nub), 0);
        assert_string_equal(drivers_of(f, nub), "Low");
        Entry *drv = entry_get_children(nub, f->registry->service_plane, &(unsigned) { 0 })[0];
        assert_int_equal(value_signed(entry_get_property(drv, "IOProbeScore")), 90990);
}

static void test_start_failure_falls_through(void **state) {
        MatchFixture *f = *state;
        Entry *nub = fixture_nub(f, NULL, "IOUSBHostDevice", "Dev", USB_DEVICE);
        unsigned before;

        fixture_add(f, "Best", HOSTED("Best", ",\"idVendor\":1452,\"idProduct\":4660,\"bcdDevice\":256"));
        fixture_add(f, "Next", HOSTED("Next", ",\"idVendor\":1452,\"idProduct\":4660"));
        host.fail_start = "Best";
        before = registry_n_entries(f->registry);
        assert_int_equal(matcher_register_service(f->matcher, nub), 0);
        assert_non_null(strstr(host.log, "start:Best start:Next first-publish:Next"));
        assert_string_equal(drivers_of(f, nub), "Next");
        /* The failed instance left the registry. */
        assert_int_equal(registry_n_entries(f->registry), before + 1);
}

static void test_two_categories_and_held_category(void **state) {
        MatchFixture *f = *state;
        Entry *nub = fixture_nub(f, NULL, "IOUSBHostDevice", "Dev", USB_DEVICE);

        fixture_add(f, "Default", HOSTED("Default", ",\"idVendor\":1452,\"idProduct\":4660"));
        fixture_add(f, "DefaultToo", HOSTED("DefaultToo", ",\"idVendor\":1452,\"idProduct\":4660"));
        fixture_add(f, "Audio", HOSTED("Audio", ",\"idVendor\":1452,\"idProduct\":4660,\"IOMatchCategory\":\"Audio\""));
        assert_int_equal(matcher_register_service(f->matcher, nub), 0);
        assert_string_equal(drivers_of(f, nub), "Default,Audio");

        /* Registered again: every category is held, nothing is probed or started. */
        host.log[0] = '\0';
        assert_int_equal(matcher_register_service(f->matcher, nub), 0);
        assert_string_equal(host.log, "publish:Dev matched:Dev"); /* no first-publish, no first-match */
        assert_string_equal(drivers_of(f, nub), "Default,Audio");
}

static void test_merge_nub_holds_no_category(void **state) {
        MatchFixture *f = *state;
        Entry *nub = fixture_nub(f, NULL, "IOUSBHostDevice", "Reader", USB_DEVICE);

        /* As AppleUSBMergeNub's personalities: merge, and let the composite driver still start. */
        fixture_add(f, "Kensington", "{\"IOProviderClass\":\"IOUSBDevice\",\"IOClass\":\"AppleUSBMergeNub\","
                                     "\"IOProviderMergeProperties\":{\"ExpressCardCantWake\":true},"
                                     "\"idVendor\":1452,\"idProduct\":4660}");
        fixture_add(f, "Composite", "{\"IOProviderClass\":\"IOUSBDevice\",\"IOClass\":\"IOUSBCompositeDriver\","
                                    "\"bDeviceClass\":0,\"bDeviceSubClass\":0}");
        assert_int_equal(matcher_register_service(f->matcher, nub), 0);
        assert_true(value_boolean(entry_get_property(nub, "ExpressCardCantWake")));
        assert_string_equal(drivers_of(f, nub), "IOUSBCompositeDriver");
}

static void test_merge_with_a_class(void **state) {
        MatchFixture *f = *state;
        Entry *nub = fixture_nub(f, NULL, "IOUSBHostDevice", "Dev", USB_DEVICE);

        fixture_add(f, "UserClient", "{\"IOProviderClass\":\"IOUSBDevice\",\"IOClass\":\"IOService\","
                                     "\"IOMatchCategory\":\"IOUSBUserClientInit\","
                                     "\"IOProviderMergeProperties\":{\"IOUserClientClass\":\"IOUSBDeviceUserClientV2\"}}");
        assert_int_equal(matcher_register_service(f->matcher, nub), 0);
        assert_string_equal(value_string(entry_get_property(nub, "IOUserClientClass"), NULL), "IOUSBDeviceUserClientV2");
        assert_string_equal(drivers_of(f, nub), ""); /* merged, and gone, as IOUSBUserClientInit */
}

static void test_name_matched_written_back(void **state) {
        MatchFixture *f = *state;
        Entry *nub = fixture_nub(f, NULL, "IOService", "PNP0303", "{}");
        Entry *drv;

        fixture_add(f, "Keyboard", "{\"IOProviderClass\":\"IOService\",\"IOClass\":\"PS2Keyboard\","
                                   "\"IONameMatch\":[\"PNP0F13\",\"PNP0303\"]}");
        assert_int_equal(matcher_register_service(f->matcher, nub), 0);
        drv = entry_get_children(nub, f->registry->service_plane, &(unsigned) { 0 })[0];
        assert_string_equal(value_string(entry_get_property(drv, "IONameMatched"), NULL), "PNP0303");
}

static void test_async_host_and_busy(void **state) {
        MatchFixture *f = *state;
        Entry *nub = fixture_nub(f, NULL, "IOUSBHostDevice", "Dev", USB_DEVICE);

        host.async = true;
        fixture_add(f, "A", HOSTED("A", ",\"idVendor\":1452,\"idProduct\":4660"));
        assert_int_equal(matcher_register_service(f->matcher, nub), 0);
        assert_int_equal(matcher_n_pending(f->matcher), 1);
        assert_int_equal(nub->busy, 1);
        assert_int_equal(f->registry->root->busy, 1); /* busy propagates to the root */
        assert_false(nub->state & ENTRY_STATE_MATCHED);
        assert_string_equal(host.log, "first-publish:Dev publish:Dev probe:A");
        host_flush();
        assert_string_equal(host.log, "first-publish:Dev publish:Dev probe:A start:A first-publish:A publish:A matched:A "
                                      "first-match:A matched:Dev first-match:Dev");
        assert_int_equal(nub->busy, 0);
        assert_int_equal(f->registry->root->busy, 0);
        assert_int_equal(matcher_n_pending(f->matcher), 0);
        assert_string_equal(drivers_of(f, nub), "A");
}

static void visit_terminated(void *userdata, Entry *e) {
        matcher_service_terminated(userdata, e);
}

static void test_terminate_while_probing(void **state) {
        MatchFixture *f = *state;
        Entry *nub = fixture_nub(f, NULL, "IOUSBHostDevice", "Dev", USB_DEVICE);

        host.async = true;
        fixture_add(f, "A", HOSTED("A", ",\"idVendor\":1452,\"idProduct\":4660"));
        assert_int_equal(matcher_register_service(f->matcher, nub), 0);
        entry_ref(nub);
        assert_int_equal(registry_terminate_entry(f->registry, nub, visit_terminated, f->matcher), 1);
        assert_int_equal(matcher_n_pending(f->matcher), 0);
        assert_int_equal(f->registry->root->busy, 0);
        host_flush(); /* the late completion finds a cancelled pass and frees it */
        assert_null(strstr(host.log, "start:"));
        assert_non_null(strstr(host.log, "terminated:Dev"));
        entry_unref(nub);
}

static void test_terminate_stops_hosted_driver(void **state) {
        MatchFixture *f = *state;
        Entry *nub = fixture_nub(f, NULL, "IOUSBHostDevice", "Dev", USB_DEVICE);

        fixture_add(f, "A", HOSTED("A", ",\"idVendor\":1452,\"idProduct\":4660"));
        assert_int_equal(matcher_register_service(f->matcher, nub), 0);
        host.log[0] = '\0';
        assert_int_equal(registry_terminate_entry(f->registry, nub, visit_terminated, f->matcher), 2);
        /* Children first: the driver is told, stopped, then its nub goes. */
        assert_string_equal(host.log, "terminated:A will-terminate:A stop:A terminated:Dev will-terminate:Dev");
}

static void test_resource_wait(void **state) {
        MatchFixture *f = *state;
        Entry *nub = fixture_nub(f, NULL, "IOUSBHostDevice", "Dev", USB_DEVICE);

        fixture_add(f, "NeedsBSD", "{\"IOProviderClass\":\"IOUSBDevice\",\"IOClass\":\"Waiter\","
                                   "\"IOResourceMatch\":\"IOBSD\",\"idVendor\":1452,\"idProduct\":4660}");
        assert_int_equal(matcher_register_service(f->matcher, nub), 0);
        assert_string_equal(drivers_of(f, nub), "");
        assert_int_equal(nub->busy, 1); /* start waits for the resource */
        assert_int_equal(matcher_n_pending(f->matcher), 1);

        assert_int_equal(matcher_publish_resource(f->matcher, "IOBSD", value_new_string("IOService")), 0);
        assert_string_equal(drivers_of(f, nub), "Waiter");
        assert_int_equal(nub->busy, 0);
}

static void test_resources_personality(void **state) {
        MatchFixture *f = *state;
        Entry *res = f->resources;

        fixture_add(f, "OnIOKit", "{\"IOProviderClass\":\"IOResources\",\"IOClass\":\"KitUser\",\"IOResourceMatch\":\"IOKit\","
                                  "\"IOMatchCategory\":\"KitUser\"}");
        assert_int_equal(matcher_register_service(f->matcher, res), 0);
        assert_null(strstr(drivers_of(f, res), "KitUser"));
        assert_int_equal(matcher_publish_resource(f->matcher, "IOKit", value_new_string("IOService")), 0);
        assert_non_null(strstr(drivers_of(f, res), "KitUser"));
}

static void test_reload(void **state) {
        MatchFixture *f = *state;
        Entry *dev = fixture_nub(f, NULL, "IOUSBHostDevice", "Dev", USB_DEVICE);
        Entry *other = fixture_nub(f, NULL, "IOService", "Other", "{}");
        _cleanup_(personality_list_done) PersonalityList list = PERSONALITY_LIST_INIT;
        const char *p1 = HOSTED("P1", ",\"idVendor\":1452,\"idProduct\":4660");
        const char *p3 = HOSTED("P3", ",\"bDeviceClass\":0,\"bDeviceSubClass\":0");
        uint64_t p1_id;

        fixture_add(f, "P1", p1);
        assert_int_equal(matcher_register_service(f->matcher, dev), 0);
        assert_int_equal(matcher_register_service(f->matcher, other), 0);
        p1_id = entry_get_children(dev, f->registry->service_plane, &(unsigned) { 0 })[0]->id;

        /* P1 unchanged (an equal copy), P2 new for Other, P3 a lower one for Dev. */
        assert_int_equal(personality_list_append_take(&list, fixture_personality("P1", p1)), 0);
        assert_int_equal(personality_list_append_take(&list, fixture_personality("P2", "{\"IOProviderClass\":\"IOService\",\"IOClass\":\"P2\",\"IONameMatch\":\"Other\"}")), 0);
        assert_int_equal(personality_list_append_take(&list, fixture_personality("P3", p3)), 0);
        host.log[0] = '\0';
        assert_int_equal(matcher_reload(f->matcher, &list), 2);
        assert_string_equal(drivers_of(f, other), "P2");
        assert_string_equal(drivers_of(f, dev), "P1"); /* left alone: P3's category is held */
        assert_int_equal(entry_get_children(dev, f->registry->service_plane, &(unsigned) { 0 })[0]->id, p1_id);
        assert_null(strstr(host.log, "stop:"));

        /* P1 removed: its instance is terminated and Dev takes the next best. */
        personality_list_done(&list);
        assert_int_equal(personality_list_append_take(&list, fixture_personality("P3", p3)), 0);
        assert_int_equal(personality_list_append_take(&list, fixture_personality("P2", "{\"IOProviderClass\":\"IOService\",\"IOClass\":\"P2\",\"IONameMatch\":\"Other\"}")), 0);
        host.log[0] = '\0';
        assert_int_equal(matcher_reload(f->matcher, &list), 1);
        assert_non_null(strstr(host.log, "stop:P1"));
        assert_null(registry_get_entry(f->registry, p1_id));
        assert_string_equal(drivers_of(f, dev), "P3");
        assert_string_equal(drivers_of(f, other), "P2");
}

static void test_catalogue_change_during_pass_reruns(void **state) {
        MatchFixture *f = *state;
        Entry *nub = fixture_nub(f, NULL, "IOUSBHostDevice", "Dev", USB_DEVICE);

        host.async = true;
        fixture_add(f, "Slow", HOSTED("Slow", ",\"bDeviceClass\":0,\"bDeviceSubClass\":0,\"IOMatchCategory\":\"S\""));
        assert_int_equal(matcher_register_service(f->matcher, nub), 0);
        fixture_add(f, "Late", "{\"IOProviderClass\":\"IOUSBDevice\",\"IOClass\":\"Late\",\"idVendor\":1452,\"idProduct\":4660}");
        host_flush();
        assert_string_equal(drivers_of(f, nub), "Slow,Late");
        assert_int_equal(nub->busy, 0);
}

static const ExplainItem *explain_find(const ExplainItem *x, unsigned n, const char *name) {
        for (unsigned i = 0; i < n; i++)
                if (streq(x[i].personality->name, name))
                        return &x[i];
        fail_msg("no explain item for %s", name);
        return NULL;
}

static void test_explain(void **state) {
        MatchFixture *f = *state;
        Entry *nub = fixture_nub(f, NULL, "IOUSBHostDevice", "Dev", USB_DEVICE);
        ExplainItem *x;
        unsigned n;

        fixture_add(f, "Winner", HOSTED("Winner", ",\"idVendor\":1452,\"idProduct\":4660"));
        fixture_add(f, "Loser", HOSTED("Loser", ",\"bDeviceClass\":0,\"bDeviceSubClass\":0"));
        fixture_add(f, "Refuser", HOSTED("Refuser", ",\"idVendor\":1452,\"idProduct\":4660,\"bcdDevice\":256,\"IOMatchCategory\":\"R\""));
        fixture_add(f, "Failer", HOSTED("Failer", ",\"idVendor\":1452,\"idProduct\":4660,\"IOMatchCategory\":\"F\""));
        fixture_add(f, "WrongProduct", HOSTED("WrongProduct", ",\"idVendor\":1452,\"idProduct\":1"));
        fixture_add(f, "NoProp", HOSTED("NoProp", ",\"IOPropertyMatch\":{\"idVendor\":1452,\"bcdDevice\":1}"));
        fixture_add(f, "Missing", HOSTED("Missing", ",\"IOPropertyMatch\":{\"Missing\":true}"));
        host.refuse = "Refuser";
        host.fail_start = "Failer";
        assert_int_equal(matcher_register_service(f->matcher, nub), 0);

        assert_int_equal(matcher_explain(f->matcher, nub, &x, &n), 0);
        /* WrongProduct is not filed under this nub's vendor/product, Missing under a property it has. */
        assert_int_equal(n, 5);
        assert_int_equal(explain_find(x, n, "Winner")->outcome, EXPLAIN_WINNER);
        assert_int_equal(explain_find(x, n, "Winner")->probe_score, 90000);
        assert_int_equal(explain_find(x, n, "Loser")->outcome, EXPLAIN_LOST);
        assert_int_equal(explain_find(x, n, "Loser")->passive_score, 50000);
        assert_int_equal(explain_find(x, n, "Loser")->driver_id, explain_find(x, n, "Winner")->driver_id);
        assert_int_equal(explain_find(x, n, "Refuser")->outcome, EXPLAIN_PROBE_REFUSED);
        assert_int_equal(explain_find(x, n, "Failer")->outcome, EXPLAIN_START_FAILED);
        assert_int_equal(explain_find(x, n, "NoProp")->outcome, EXPLAIN_NO_MATCH);
        assert_string_equal(explain_find(x, n, "NoProp")->failed_key, "IOPropertyMatch");
        assert_string_equal(explain_outcome_to_string(EXPLAIN_WINNER), "winner");
        explain_items_free(x, n);
}

static void test_user_class(void **state) {
        MatchFixture *f = *state;
        Entry *nub = fixture_nub(f, NULL, "IOUSBHostDevice", "Dev", USB_DEVICE);
        Entry *drv;

        fixture_add(f, "Dext", HOSTED("MyDext", ",\"idVendor\":1452,\"idProduct\":4660"));
        assert_int_equal(matcher_register_service(f->matcher, nub), 0);
        drv = entry_get_children(nub, f->registry->service_plane, &(unsigned) { 0 })[0];
        assert_string_equal(drv->klass->name, "MyDext");
        assert_true(entry_conforms_to(drv, "IOUserService"));
        assert_ptr_equal(matcher_driver_personality(f->matcher, drv), catalogue_item(f->catalogue, 0)->personality);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, match_fixture_teardown)

int main(void) {
        const struct CMUnitTest tests[] = {
                T(test_codeless_start_and_notification_order),
                T(test_publish_before_probe_matched_after_start),
                T(test_probe_order_refusal_and_score),
                T(test_probe_raises_score),
                T(test_start_failure_falls_through),
                T(test_two_categories_and_held_category),
                T(test_merge_nub_holds_no_category),
                T(test_merge_with_a_class),
                T(test_name_matched_written_back),
                T(test_async_host_and_busy),
                T(test_terminate_while_probing),
                T(test_terminate_stops_hosted_driver),
                T(test_resource_wait),
                T(test_resources_personality),
                T(test_reload),
                T(test_catalogue_change_during_pass_reruns),
                T(test_explain),
                T(test_user_class),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
