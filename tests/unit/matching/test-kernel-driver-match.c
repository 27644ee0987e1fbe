/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-kernel-driver-match.c: arbitration with kernel drivers (matcher.h,
 * issue 17): a bound kernel driver (an IOLinuxKernelDriver entry below its
 * nub) holds the nub's IODefaultMatchCategory with KERNEL_DRIVER_PROBE_SCORE;
 * a personality without IOUserServerReplacesKernelDriver never takes the nub
 * from it whatever its score, one with the key does when it scores above it;
 * the USB core's "usb" device driver holds nothing; explain shows the kernel
 * driver as a candidate. The driver host is a test double that logs.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "match-fixture.h"

static struct {
        const char *refuse; /* its probe refuses */
        int32_t probe_add;  /* added to every probe score */
        char log[2048];
} host;

static void log_add(const char *what, const char *name) {
        size_t len = strlen(host.log);

        snprintf(host.log + len, sizeof(host.log) - len, "%s%s:%s", len ? " " : "", what, name);
}

static bool host_wants(void *h, const Personality *p) {
        return personality_get_string(p, "IOUserServerName") != NULL;
}

static void host_probe(void *h, Entry *nub, const Personality *p, const Value *table, int32_t score, MatcherDone done,
                       void *token) {
        log_add("probe", p->name);
        done(token, host.refuse && streq(host.refuse, p->name) ? -ENODEV : 0, score + host.probe_add);
}

static void host_start(void *h, Entry *nub, MatcherDriver *driver, MatcherDone done, void *token) {
        log_add("start", driver->personality->name);
        if (driver->kernel_driver)
                log_add("detach", driver->kernel_driver); /* what the real host does before Start */
        done(token, 0, 0);
}

static void host_stop(void *h, MatcherDriver *driver) {
        log_add("stop", driver->personality->name);
}

static const DriverHostOps test_host_ops = {
        .wants = host_wants,
        .probe = host_probe,
        .start = host_start,
        .stop = host_stop,
};

static int setup(void **state) {
        MatchFixture *f;

        if (match_fixture_setup(state) < 0)
                return -1;
        f = *state;
        memset(&host, 0, sizeof(host));
        matcher_set_host(f->matcher, &test_host_ops, NULL);
        return 0;
}

/* FT232R's interface 0, as family-usb.c describes it. */
#define FTDI_IFACE                                                                                                    \
        "{\"idVendor\":1027,\"idProduct\":24577,\"bcdDevice\":1536,\"bConfigurationValue\":1,"                       \
        "\"bInterfaceNumber\":0,\"bInterfaceClass\":255,\"bInterfaceSubClass\":255,\"bInterfaceProtocol\":255}"
#define IFACE_KEYS ",\"idVendor\":1027,\"idProduct\":24577,\"bConfigurationValue\":1,\"bInterfaceNumber\":0" /* 90000 */
#define HOSTED(name, extra)                                                                                           \
        "{\"IOProviderClass\":\"IOUSBHostInterface\",\"IOClass\":\"IOUserService\",\"IOUserClass\":\"" name          \
        "\",\"IOUserServerName\":\"org.test." name "\"" extra "}"
#define REPLACES ",\"IOUserServerReplacesKernelDriver\":true"

/* The entries below nub in the IOService plane, by name, comma-separated in attach order. */
static const char *children_of(MatchFixture *f, Entry *nub) {
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

/* The interface nub with its bound kernel driver below it, as the device tree makes them. */
static Entry *bound_interface(MatchFixture *f, const char *driver, Entry **ret_kernel) {
        Entry *nub = fixture_nub(f, NULL, "IOUSBHostInterface", "FT232R USB UART@0", FTDI_IFACE);
        Entry *k = fixture_nub(f, nub, KERNEL_DRIVER_CLASS, driver, "{}");

        if (ret_kernel)
                *ret_kernel = k;
        return nub;
}

static MatcherDriver *record_of(MatchFixture *f, Entry *nub, const char *name) {
        Entry *const *children;
        unsigned n;

        children = entry_get_children(nub, f->registry->service_plane, &n);
        for (unsigned i = 0; i < n; i++)
                if (streq(entry_get_name(children[i], NULL), name))
                        return matcher_find_driver(f->matcher, children[i]->id);
        return NULL;
}

static void test_without_key_never_replaces(void **state) {
        MatchFixture *f = *state;
        Entry *k, *nub = bound_interface(f, "ftdi_sio", &k);

        /* The best score there is, the family's and IOProbeScore's, and a probe that raises it further. */
        fixture_add(f, "NoKey", HOSTED("NoKey", IFACE_KEYS ",\"bcdDevice\":1536,\"IOProbeScore\":9000"));
        fixture_add(f, "KeyFalse", HOSTED("KeyFalse", IFACE_KEYS ",\"IOUserServerReplacesKernelDriver\":false"));
        fixture_add(f, "Codeless", "{\"IOProviderClass\":\"IOUSBHostInterface\",\"IOClass\":\"AppleUSBFTDI\"" IFACE_KEYS "}");
        host.probe_add = 1000000;
        assert_int_equal(matcher_register_service(f->matcher, nub), 0);
        /* Not even probed: the category is held, as by any started driver. */
        assert_string_equal(host.log, "");
        assert_string_equal(children_of(f, nub), "ftdi_sio");
        assert_true(matcher_kernel_driver_holds(k));
}

static void test_without_key_other_category_matches(void **state) {
        MatchFixture *f = *state;
        Entry *nub = bound_interface(f, "ftdi_sio", NULL);

        /* Apple allows a driver beside the system one in a category of its own; nothing is detached. */
        fixture_add(f, "Beside", HOSTED("Beside", IFACE_KEYS ",\"IOMatchCategory\":\"Beside\""));
        assert_int_equal(matcher_register_service(f->matcher, nub), 0);
        assert_string_equal(host.log, "probe:Beside start:Beside");
        assert_string_equal(children_of(f, nub), "ftdi_sio,Beside");
        assert_null(record_of(f, nub, "Beside")->kernel_driver);
}

static void test_with_key_replaces(void **state) {
        MatchFixture *f = *state;
        Entry *k, *nub = bound_interface(f, "ftdi_sio", &k);
        MatcherDriver *d;

        fixture_add(f, "NoKey", HOSTED("NoKey", IFACE_KEYS ",\"bcdDevice\":1536"));
        fixture_add(f, "Keyed", HOSTED("Keyed", IFACE_KEYS REPLACES));
        assert_int_equal(matcher_register_service(f->matcher, nub), 0);
        assert_string_equal(host.log, "probe:Keyed start:Keyed detach:ftdi_sio");
        assert_string_equal(children_of(f, nub), "ftdi_sio,Keyed");
        d = record_of(f, nub, "Keyed");
        assert_non_null(d);
        assert_true(d->started);
        assert_string_equal(d->kernel_driver, "ftdi_sio");
        assert_string_equal(d->category, "IODefaultMatchCategory");

        /* Registered again before the unbind uevent took the kernel driver's entry: the new driver holds it. */
        host.log[0] = '\0';
        assert_int_equal(matcher_register_service(f->matcher, nub), 0);
        assert_string_equal(host.log, "");

        /* The unbind uevent: the kernel driver's entry goes; the replacement stays. */
        registry_terminate_entry(f->registry, k, NULL, NULL);
        assert_string_equal(children_of(f, nub), "Keyed");
        assert_int_equal(matcher_register_service(f->matcher, nub), 0);
        assert_string_equal(host.log, "");
}

static void test_key_must_outscore(void **state) {
        MatchFixture *f = *state;
        Entry *k, *nub = fixture_nub(f, NULL, "IOPCIDevice", "pci8086,1234", "{}");
        MatcherDriver *d;

        k = fixture_nub(f, nub, KERNEL_DRIVER_CLASS, "e1000e", "{}");
        /* No family score: IOProbeScore alone, 0, ties with the kernel driver, which was there first. */
        fixture_add(f, "Tie", "{\"IOProviderClass\":\"IOPCIDevice\",\"IOClass\":\"IOUserService\","
                              "\"IOUserServerName\":\"org.test.Tie\"" REPLACES "}");
        assert_int_equal(matcher_register_service(f->matcher, nub), 0);
        assert_string_equal(host.log, "probe:Tie");
        assert_string_equal(children_of(f, nub), "e1000e");

        /* A probe that lowers the score below the kernel driver's leaves it the device too. */
        host.log[0] = '\0';
        fixture_add(f, "Above", "{\"IOProviderClass\":\"IOPCIDevice\",\"IOClass\":\"IOUserService\","
                                "\"IOUserServerName\":\"org.test.Above\",\"IOProbeScore\":1" REPLACES "}");
        host.probe_add = -1;
        assert_int_equal(matcher_register_service(f->matcher, nub), 0);
        assert_string_equal(host.log, "probe:Above probe:Tie");
        assert_string_equal(children_of(f, nub), "e1000e");

        /* Scoring 1, above it: replaces it. */
        host.log[0] = '\0';
        host.probe_add = 0;
        assert_int_equal(matcher_register_service(f->matcher, nub), 0);
        assert_string_equal(host.log, "probe:Above probe:Tie start:Above detach:e1000e");
        d = record_of(f, nub, "IOUserService");
        assert_non_null(d);
        assert_string_equal(d->kernel_driver, "e1000e");
        assert_int_equal(value_signed(entry_get_property(d->entry, "IOProbeScore")), 1);
        (void) k;
}

static void test_codeless_with_key_does_not_replace(void **state) {
        MatchFixture *f = *state;
        Entry *nub = bound_interface(f, "ftdi_sio", NULL);

        /* No driver server: nothing would drive the device once the kernel's driver is gone. */
        fixture_add(f, "Codeless", "{\"IOProviderClass\":\"IOUSBHostInterface\",\"IOClass\":\"AppleUSBFTDI\"" IFACE_KEYS
                                   REPLACES "}");
        assert_int_equal(matcher_register_service(f->matcher, nub), 0);
        assert_string_equal(children_of(f, nub), "ftdi_sio");
}

static void test_usbfs_never_replaced(void **state) {
        MatchFixture *f = *state;
        Entry *k, *nub = bound_interface(f, "usbfs", &k);

        /* Another program claimed the interface through /dev/bus/usb: the key does not take it from it. */
        fixture_add(f, "Keyed", HOSTED("Keyed", IFACE_KEYS REPLACES));
        assert_true(matcher_kernel_driver_holds(k));
        assert_false(matcher_kernel_driver_replaceable(k));
        assert_int_equal(matcher_register_service(f->matcher, nub), 0);
        assert_string_equal(host.log, "");
        assert_string_equal(children_of(f, nub), "usbfs");
}

static void test_usb_generic_holds_nothing(void **state) {
        MatchFixture *f = *state;
        Entry *nub = fixture_nub(f, NULL, "IOUSBHostDevice", "FT232R USB UART",
                                 "{\"idVendor\":1027,\"idProduct\":24577,\"bcdDevice\":1536,\"bDeviceClass\":0,"
                                 "\"bDeviceSubClass\":0,\"bDeviceProtocol\":0}");
        Entry *k = fixture_nub(f, nub, KERNEL_DRIVER_CLASS, "usb", "{}");

        /* usbfs users run beside usb_generic on Linux: a device driver starts without the key, detaching nothing. */
        fixture_add(f, "Device", "{\"IOProviderClass\":\"IOUSBHostDevice\",\"IOClass\":\"IOUserService\","
                                 "\"IOUserServerName\":\"org.test.Device\",\"idVendor\":1027,\"idProduct\":24577}");
        assert_false(matcher_kernel_driver_holds(k));
        assert_int_equal(matcher_register_service(f->matcher, nub), 0);
        assert_string_equal(host.log, "probe:Device start:Device");
        assert_string_equal(children_of(f, nub), "usb,IOUserService");
}

static void test_reload_gives_nub_back(void **state) {
        MatchFixture *f = *state;
        Entry *k, *nub = bound_interface(f, "ftdi_sio", &k);
        _cleanup_(personality_list_done) PersonalityList list = PERSONALITY_LIST_INIT;

        fixture_add(f, "Other", HOSTED("Other", IFACE_KEYS));
        fixture_add(f, "Keyed", HOSTED("Keyed", IFACE_KEYS REPLACES));
        assert_int_equal(matcher_register_service(f->matcher, nub), 0);
        assert_string_equal(host.log, "probe:Keyed start:Keyed detach:ftdi_sio");
        registry_terminate_entry(f->registry, k, NULL, NULL); /* the unbind uevent */

        /* Keyed removed: stopped; the nub is left for ftdi_sio's bind uevent, not matched again meanwhile. */
        host.log[0] = '\0';
        assert_int_equal(personality_list_append_take(&list, personality_ref(catalogue_item(f->catalogue, 0)->personality)), 0);
        assert_int_equal(matcher_reload(f->matcher, &list), 1);
        assert_string_equal(host.log, "stop:Keyed");
        assert_string_equal(children_of(f, nub), "");
}

static const ExplainItem *explain_find(const ExplainItem *x, unsigned n, const char *name) {
        for (unsigned i = 0; i < n; i++)
                if (streq(x[i].personality ? x[i].personality->name : x[i].kernel_driver, name))
                        return &x[i];
        fail_msg("no explain item for %s", name);
        return NULL;
}

static void test_explain(void **state) {
        MatchFixture *f = *state;
        Entry *k, *nub = bound_interface(f, "ftdi_sio", &k);
        const ExplainItem *item;
        ExplainItem *x;
        unsigned n;

        fixture_add(f, "NoKey", HOSTED("NoKey", IFACE_KEYS ",\"bcdDevice\":1536"));
        fixture_add(f, "Keyed", HOSTED("Keyed", IFACE_KEYS REPLACES));
        host.refuse = "Keyed";
        assert_int_equal(matcher_register_service(f->matcher, nub), 0);
        assert_string_equal(children_of(f, nub), "ftdi_sio");

        /* The kernel driver first, winning with its score; NoKey held off and told which key it lacks. */
        assert_int_equal(matcher_explain(f->matcher, nub, &x, &n), 0);
        assert_int_equal(n, 3);
        assert_null(x[0].personality);
        assert_string_equal(x[0].kernel_driver, "ftdi_sio");
        assert_int_equal(x[0].outcome, EXPLAIN_WINNER);
        assert_int_equal(x[0].probe_score, KERNEL_DRIVER_PROBE_SCORE);
        assert_string_equal(x[0].category, "IODefaultMatchCategory");
        assert_int_equal(x[0].driver_id, k->id);
        item = explain_find(x, n, "NoKey");
        assert_int_equal(item->outcome, EXPLAIN_CATEGORY_HELD);
        assert_int_equal(item->driver_id, k->id);
        assert_string_equal(item->failed_key, KERNEL_DRIVER_REPLACE_KEY);
        assert_int_equal(explain_find(x, n, "Keyed")->outcome, EXPLAIN_PROBE_REFUSED);
        explain_items_free(x, n);

        /* Keyed probes now: it replaces the kernel driver, which is then shown lost to it. */
        host.refuse = NULL;
        assert_int_equal(matcher_register_service(f->matcher, nub), 0);
        registry_terminate_entry(f->registry, k, NULL, NULL); /* the unbind uevent */
        assert_int_equal(matcher_explain(f->matcher, nub, &x, &n), 0);
        assert_int_equal(n, 3);
        assert_string_equal(x[0].kernel_driver, "ftdi_sio");
        assert_int_equal(x[0].outcome, EXPLAIN_LOST);
        item = explain_find(x, n, "Keyed");
        assert_int_equal(item->outcome, EXPLAIN_WINNER);
        assert_int_equal(x[0].driver_id, item->driver_id);
        assert_int_equal(explain_find(x, n, "NoKey")->outcome, EXPLAIN_CATEGORY_HELD);
        assert_null(explain_find(x, n, "NoKey")->failed_key); /* held by a driver, not a kernel driver */
        explain_items_free(x, n);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_without_key_never_replaces, setup, match_fixture_teardown),
                cmocka_unit_test_setup_teardown(test_without_key_other_category_matches, setup, match_fixture_teardown),
                cmocka_unit_test_setup_teardown(test_with_key_replaces, setup, match_fixture_teardown),
                cmocka_unit_test_setup_teardown(test_key_must_outscore, setup, match_fixture_teardown),
                cmocka_unit_test_setup_teardown(test_codeless_with_key_does_not_replace, setup, match_fixture_teardown),
                cmocka_unit_test_setup_teardown(test_usbfs_never_replaced, setup, match_fixture_teardown),
                cmocka_unit_test_setup_teardown(test_usb_generic_holds_nothing, setup, match_fixture_teardown),
                cmocka_unit_test_setup_teardown(test_reload_gives_nub_back, setup, match_fixture_teardown),
                cmocka_unit_test_setup_teardown(test_explain, setup, match_fixture_teardown),
        };

        return cmocka_run_group_tests_name("kernel driver arbitration", tests, NULL, NULL);
}
