/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-power-umockdev.c: the IOPower plane of the real ioregd on a umockdev
 * testbed built from a real recording (a USB HID device behind a hub on an
 * xHCI controller, each with power/runtime_status and power/control;
 * libumockdev-preload.so in LD_PRELOAD, inherited from meson), read over a
 * private dbus-daemon and through ioreg -p IOPower:
 * - parents: IOPMrootDomain below Root, each device below its sysfs parent;
 * - IOPowerManagement: states, DevicePowerState from power/control, the
 *   PowerStates array once on IOPMrootDomain;
 * - a device link (devlink with supplier and consumer) as a further power
 *   parent, gone with the link;
 * - a runtime_status change without a uevent (polling), and one with a
 *   change uevent (polling off): the new properties, PropertyChange, and
 *   the will/has power interest messages, priority interest first.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <umockdev.h>

#include "bus-value.h"
#include "macro.h"
#include "notify-client.h"
#include "protocol.h"
#include "registry-query.h"
#include "test-bus.h"
#include "test-daemon.h"
#include "testbed-service.h"
#include "testbed.h"
#include "value.h"

#define XHCI "/sys/devices/pci0000:00/0000:00:14.0"
#define ROOT_HUB XHCI "/usb1"
#define HUB1 ROOT_HUB "/1-1"
#define HUB2 HUB1 "/1-1.3"
#define HID HUB2 "/1-1.3.5"
#define ROOT_ID UINT64_C(0x100000100)

#define WILL_POWER_OFF 0xe0000210u
#define WILL_POWER_ON 0xe0000215u
#define HAS_POWERED_OFF 0xe0000225u
#define HAS_POWERED_ON 0xe0000230u
#define PROPERTY_CHANGE 0xe0000130u

/* One record of GetPlane("IOPower"): an entry under one of its parents. */
typedef struct PowerRecord {
        uint64_t id, parent;
        char name[128], class_name[64];
        Value *properties;        /* owned */
} PowerRecord;

typedef struct PowerPlaneView {
        PowerRecord *records;     /* owned */
        unsigned n;
} PowerPlaneView;

static int start(void **state, const char *poll_arg) {
        const char *args[] = { poll_arg, NULL };

        TestbedService *t = NULL;
        int r = testbed_service_start("umockdev-hid-001.038.umockdev", args, &t);

        *state = t; /* also on failure: the teardown stops what started */
        return r;
}

static int setup(void **state) {
        return start(state, "--power-poll=20");
}

static int setup_no_poll(void **state) {
        return start(state, "--power-poll=0");
}

static int teardown(void **state) {
        return testbed_service_stop(*state);
}

static void view_done(PowerPlaneView *v) {
        for (unsigned i = 0; i < v->n; i++)
                value_unref(v->records[i].properties);
        free(v->records);
        *v = (PowerPlaneView) {};
}

static void load_plane(TestbedService *t, PowerPlaneView *v) {
        sd_bus_message *reply = NULL;
        sd_bus_error error = SD_BUS_ERROR_NULL;
        uint64_t stack[64];
        unsigned cap = 0;

        *v = (PowerPlaneView) {};
        assert_true(sd_bus_call_method(t->bus, IOREG_BUS_NAME, IOREG_OBJECT_PATH, IOREG_INTERFACE,
                                       "GetPlane", &error, &reply, "s", "IOPower") >= 0);
        assert_true(sd_bus_message_enter_container(reply, 'a', "(tussasuutua{sv})") > 0);
        while (sd_bus_message_enter_container(reply, 'r', "tussasuutua{sv}") > 0) {
                PowerRecord rec = {};
                const char *name, *loc, *cls;
                uint64_t busy_time;
                uint32_t depth, state, busy, retain;

                assert_true(sd_bus_message_read(reply, "tuss", &rec.id, &depth, &name, &loc) > 0);
                assert_true(sd_bus_message_enter_container(reply, 'a', "s") > 0);
                assert_true(sd_bus_message_read(reply, "s", &cls) > 0);
                while (sd_bus_message_skip(reply, "s") > 0)
                        ;
                assert_true(sd_bus_message_exit_container(reply) >= 0);
                assert_true(sd_bus_message_read(reply, "uutu", &state, &busy, &busy_time, &retain) > 0);
                assert_true(bus_message_read_dict(reply, &rec.properties) >= 0);
                assert_true(sd_bus_message_exit_container(reply) >= 0);
                assert_true(depth < ELEMENTSOF(stack));
                stack[depth] = rec.id;
                rec.parent = depth > 0 ? stack[depth - 1] : 0;
                snprintf(rec.name, sizeof(rec.name), "%s", name);
                snprintf(rec.class_name, sizeof(rec.class_name), "%s", cls);
                if (v->n == cap) {
                        cap = cap ? cap * 2 : 64;
                        v->records = realloc(v->records, cap * sizeof(*v->records));
                        assert_non_null(v->records);
                }
                v->records[v->n++] = rec;
        }
        sd_bus_message_unref(reply);
}

static const char *syspath_of(const PowerRecord *r) {
        Value *l = value_dict_get(r->properties, "Linux"), *s = l ? value_dict_get(l, "SYSPATH") : NULL;

        return s ? value_string(s, NULL) : NULL;
}

/* The first record of the device at syspath (fails the test when it is not in the plane). */
static const PowerRecord *find_device(const PowerPlaneView *v, const char *syspath) {
        for (unsigned i = 0; i < v->n; i++)
                if (streq_ptr(syspath_of(&v->records[i]), syspath))
                        return &v->records[i];
        fail_msg("%s is not in IOPower", syspath);
        return NULL;
}

/* The parents of id in the plane (each record is one), in order. */
static unsigned parents_of(const PowerPlaneView *v, uint64_t id, uint64_t *ret, unsigned max) {
        unsigned n = 0;

        for (unsigned i = 0; i < v->n; i++)
                if (v->records[i].id == id) {
                        bool seen = false;

                        for (unsigned j = 0; j < n; j++)
                                seen = seen || ret[j] == v->records[i].parent;
                        if (!seen && n < max)
                                ret[n++] = v->records[i].parent;
                }
        return n;
}

static uint64_t pm_number(const PowerRecord *r, const char *key) {
        Value *pm = value_dict_get(r->properties, "IOPowerManagement"), *n;

        assert_non_null(pm);
        n = value_dict_get(pm, key);
        if (!n)
                fail_msg("IOPowerManagement of %s has no %s", r->name, key);
        return value_unsigned(n);
}

static const char *pm_string(const PowerRecord *r, const char *key) {
        Value *pm = value_dict_get(r->properties, "IOPowerManagement"), *s;

        assert_non_null(pm);
        s = value_dict_get(pm, key);
        return s ? value_string(s, NULL) : NULL;
}

static void test_plane(void **state) {
        TestbedService *t = *state;
        PowerPlaneView v;
        const PowerRecord *root_domain = NULL, *xhci, *root_hub, *hub1, *hub2, *hid;
        uint64_t parents[4];
        Value *states = NULL;
        FILE *p;
        char line[1024];
        bool saw_root_domain = false, saw_states = false, saw_pm_states = false;

        load_plane(t, &v);
        for (unsigned i = 0; i < v.n; i++)
                if (streq(v.records[i].class_name, "IOPMrootDomain"))
                        root_domain = &v.records[i];
        assert_non_null(root_domain);
        assert_int_equal(root_domain->parent, ROOT_ID);

        /* Each device below its sysfs parent; the controller's parent is not recorded: the root domain. */
        xhci = find_device(&v, XHCI);
        root_hub = find_device(&v, ROOT_HUB);
        hub1 = find_device(&v, HUB1);
        hub2 = find_device(&v, HUB2);
        hid = find_device(&v, HID);
        assert_int_equal(parents_of(&v, xhci->id, parents, 4), 1);
        assert_int_equal(parents[0], root_domain->id);
        assert_int_equal(parents_of(&v, root_hub->id, parents, 4), 1);
        assert_int_equal(parents[0], xhci->id);
        assert_int_equal(parents_of(&v, hub1->id, parents, 4), 1);
        assert_int_equal(parents[0], root_hub->id);
        assert_int_equal(parents_of(&v, hub2->id, parents, 4), 1);
        assert_int_equal(parents[0], hub1->id);
        assert_int_equal(parents_of(&v, hid->id, parents, 4), 1);
        assert_int_equal(parents[0], hub2->id);

        /* States: all active; power/control "on" holds the HID device on (DevicePowerState 2). */
        assert_int_equal(pm_number(hid, "CurrentPowerState"), 2);
        assert_int_equal(pm_number(hid, "MaxPowerState"), 2);
        assert_int_equal(pm_number(hid, "DevicePowerState"), 2);
        assert_int_equal(pm_number(hid, "CapabilityFlags"), 0x8002);
        assert_int_equal(pm_number(hub2, "DevicePowerState"), 0);
        assert_string_equal(pm_string(hub2, "RuntimeStatus"), "active");

        /* The state array, lowest first, Apple's IOPMPowerState fields. */
        /* Once, on IOPMrootDomain (not in each IOPowerManagement, which keeps what a Mac shows). */
        assert_null(value_dict_get(value_dict_get(hid->properties, "IOPowerManagement"), "PowerStates"));
        for (unsigned i = 0; i < v.n; i++)
                if (streq(v.records[i].class_name, "IOPMrootDomain"))
                        states = value_dict_get(v.records[i].properties, "PowerStates");
        assert_non_null(states);
        assert_int_equal(value_array_size(states), 3);
        assert_int_equal(value_unsigned(value_dict_get(value_array_get(states, 0), "capabilityFlags")), 0);
        assert_int_equal(value_unsigned(value_dict_get(value_array_get(states, 1), "capabilityFlags")), 0x10000);
        assert_int_equal(value_unsigned(value_dict_get(value_array_get(states, 2), "capabilityFlags")), 0x8002);
        assert_int_equal(value_unsigned(value_dict_get(value_array_get(states, 2), "outputPowerCharacter")), 2);
        assert_int_equal(value_unsigned(value_dict_get(value_array_get(states, 2), "inputPowerRequirement")), 2);
        for (unsigned i = 0; i < 3; i++) {
                assert_int_equal(value_unsigned(value_dict_get(value_array_get(states, i), "version")), 1);
                assert_non_null(value_dict_get(value_array_get(states, i), "settleUpTime"));
        }
        view_done(&v);

        /* ioreg -p IOPower shows the plane and the properties. */
        setenv("IOREG_BUS_ADDRESS", t->test_bus.address, 1);
        p = popen(BUILD_ROOT "/cli/ioreg -p IOPower -l -w0", "re");
        assert_non_null(p);
        while (fgets(line, sizeof(line), p)) {
                saw_root_domain = saw_root_domain || (strstr(line, "+-o IOPMrootDomain") != NULL);
                saw_states = saw_states || (strstr(line, "\"PowerStates\" = (") && strstr(line, "\"capabilityFlags\"=32770"));
                saw_pm_states = saw_pm_states || (strstr(line, "\"IOPowerManagement\"") && strstr(line, "PowerStates"));
        }
        assert_int_equal(pclose(p), 0);
        assert_true(saw_root_domain);
        assert_true(saw_states);
        assert_false(saw_pm_states);
}

static bool consumer_has_parents(TestbedService *t, uint64_t consumer, unsigned want) {
        for (unsigned i = 0; i < 500; i++) {
                PowerPlaneView v;
                uint64_t parents[4];
                unsigned n;

                load_plane(t, &v);
                n = parents_of(&v, consumer, parents, 4);
                view_done(&v);
                if (n == want)
                        return true;
                usleep(10 * 1000);
        }
        return false;
}

static void test_device_link(void **state) {
        TestbedService *t = *state;
        PowerPlaneView v;
        uint64_t xhci, hid, parents[4];
        char *link;

        load_plane(t, &v);
        xhci = find_device(&v, XHCI)->id;
        hid = find_device(&v, HID)->id;
        view_done(&v);

        /* The controller supplies the HID device (as a devlink says; not its sysfs parent). */
        link = umockdev_testbed_add_device(t->testbed, "devlink", "pci:0000:00:14.0--usb:1-1.3.5", NULL, "status",
                                           "active", NULL, NULL);
        assert_non_null(link);
        umockdev_testbed_set_attribute_link(t->testbed, link, "supplier", "../pci0000:00/0000:00:14.0");
        umockdev_testbed_set_attribute_link(t->testbed, link, "consumer",
                                            "../pci0000:00/0000:00:14.0/usb1/1-1/1-1.3/1-1.3.5");
        umockdev_testbed_uevent(t->testbed, link, "change");
        assert_true(consumer_has_parents(t, hid, 2));
        load_plane(t, &v);
        assert_int_equal(parents_of(&v, hid, parents, 4), 2);
        assert_true(parents[0] == xhci || parents[1] == xhci);
        /* A link is an edge, no entry of its own. */
        for (unsigned i = 0; i < v.n; i++)
                assert_null(strstr(v.records[i].name, "--"));
        view_done(&v);

        umockdev_testbed_uevent(t->testbed, link, "remove");
        assert_true(consumer_has_parents(t, hid, 1));
        free(link);
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

/* The i-th interest event of subscription sub. */
static const Event *nth(const Client *c, uint64_t sub, unsigned i) {
        for (unsigned k = 0; k < c->n_events; k++)
                if (c->events[k].kind == EVENT_INTEREST && c->events[k].subscription == sub && i-- == 0)
                        return &c->events[k];
        fail_msg("subscription %" PRIu64 " has no interest event %u", sub, i);
        return NULL;
}

static unsigned position(const Client *c, const Event *e) {
        return (unsigned) (e - c->events);
}

/* Suspends then resumes HUB2, by the attribute alone or with a change uevent; checks what comes. */
static void check_transitions(TestbedService *t, bool uevent) {
        PowerPlaneView v;
        uint64_t hub2, app, prio, general;
        Client *c = NULL;
        const Event *e;

        load_plane(t, &v);
        hub2 = find_device(&v, HUB2)->id;
        view_done(&v);
        assert_int_equal(client_new(&t->test_bus, true, &c), 0);
        assert_int_equal(client_register_interest(c, hub2, "IOAppPowerStateInterest", &app, NULL), 0);
        assert_int_equal(client_register_interest(c, hub2, "IOPriorityPowerStateInterest", &prio, NULL), 0);
        assert_int_equal(client_register_interest(c, hub2, "IOGeneralInterest", &general, NULL), 0);

        umockdev_testbed_set_attribute(t->testbed, HUB2, "power/runtime_status", "suspended");
        if (uevent)
                umockdev_testbed_uevent(t->testbed, HUB2, "change");
        assert_true(client_run_until(c, has, &(Want) { app, EVENT_INTEREST, 2 }, 10000));
        assert_true(client_run_until(c, has, &(Want) { general, EVENT_INTEREST, 1 }, 10000));
        e = nth(c, prio, 0);
        assert_int_equal(e->message, WILL_POWER_OFF);
        assert_int_equal(e->entry, hub2);
        assert_int_equal(e->argument, (UINT64_C(0x10000) << 32) | 1);
        assert_int_equal(nth(c, prio, 1)->message, HAS_POWERED_OFF);
        assert_int_equal(nth(c, app, 0)->message, WILL_POWER_OFF);
        assert_int_equal(nth(c, app, 1)->message, HAS_POWERED_OFF);
        /* Priority interest first, then app interest; will before has. */
        assert_true(position(c, nth(c, prio, 0)) < position(c, nth(c, app, 0)));
        assert_true(position(c, nth(c, app, 0)) < position(c, nth(c, prio, 1)));
        /* PropertyChange comes before the power messages, with the new state in the properties. */
        assert_int_equal(nth(c, general, 0)->message, PROPERTY_CHANGE);
        assert_true(position(c, nth(c, general, 0)) < position(c, nth(c, prio, 0)));
        load_plane(t, &v);
        assert_int_equal(pm_number(find_device(&v, HUB2), "CurrentPowerState"), 1);
        assert_int_equal(pm_number(find_device(&v, HUB2), "CapabilityFlags"), 0x10000);
        assert_string_equal(pm_string(find_device(&v, HUB2), "RuntimeStatus"), "suspended");
        assert_string_equal(pm_string(find_device(&v, HUB2), "Control"), "auto");
        assert_int_equal(pm_number(find_device(&v, HID), "CurrentPowerState"), 2); /* others unchanged */
        view_done(&v);

        umockdev_testbed_set_attribute(t->testbed, HUB2, "power/runtime_status", "active");
        if (uevent)
                umockdev_testbed_uevent(t->testbed, HUB2, "change");
        assert_true(client_run_until(c, has, &(Want) { app, EVENT_INTEREST, 4 }, 10000));
        assert_int_equal(nth(c, prio, 2)->message, WILL_POWER_ON);
        assert_int_equal(nth(c, prio, 3)->message, HAS_POWERED_ON);
        assert_int_equal(nth(c, app, 2)->message, WILL_POWER_ON);
        assert_int_equal(nth(c, app, 3)->message, HAS_POWERED_ON);
        assert_int_equal(nth(c, app, 3)->argument, (UINT64_C(0x8002) << 32) | 2);
        load_plane(t, &v);
        assert_int_equal(pm_number(find_device(&v, HUB2), "CurrentPowerState"), 2);
        view_done(&v);

        /* A status that maps to the same state (suspending is still on) sends no power message. */
        umockdev_testbed_set_attribute(t->testbed, HUB2, "power/runtime_status", "suspending");
        if (uevent)
                umockdev_testbed_uevent(t->testbed, HUB2, "change");
        assert_true(client_run_until(c, has, &(Want) { general, EVENT_INTEREST, 3 }, 10000));
        client_run_for(c, 100);
        assert_int_equal(client_count(c, app, EVENT_INTEREST), 4);
        assert_int_equal(client_count(c, prio, EVENT_INTEREST), 4);
        client_free(c);
}

static void test_runtime_pm_polled(void **state) {
        check_transitions(*state, false);
}

static void test_runtime_pm_uevent(void **state) {
        check_transitions(*state, true);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_plane, setup, teardown),
                cmocka_unit_test_setup_teardown(test_device_link, setup, teardown),
                cmocka_unit_test_setup_teardown(test_runtime_pm_polled, setup, teardown),
                cmocka_unit_test_setup_teardown(test_runtime_pm_uevent, setup_no_poll, teardown),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
