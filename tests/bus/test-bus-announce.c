/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-bus-announce.c: the daemon's Manager in this process, on a private
 * dbus-daemon, with a client in the same thread: InterfacesAdded and
 * InterfacesRemoved for entries that come and go (coalesced, flushed before
 * any later reply, a storm in one batch), and the privileged calls on
 * entries that accept them (a driver the matcher started; a device nub and
 * its kernel driver entry through the device tree; a catalogue reload that
 * starts a driver). Being in-process, it
 * runs under the sanitizers too.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>

#include "bus-announce.h"
#include "bus-entry.h"
#include "bus-errors.h"
#include "bus-assert.h"
#include "test-bus.h"
#include "manager.h"
#include "log.h"

typedef enum RecordKind {
        RECORD_ADDED,
        RECORD_REMOVED,
        RECORD_CHANGED, /* PropertiesChanged of Registry1 */
        RECORD_REPLY,
} RecordKind;

typedef struct Record {
        RecordKind kind;
        uint64_t id;
        char name[64];  /* InterfacesAdded: the entry's Name */
        bool entry_interface; /* InterfacesRemoved lists org.ioreg.Entry1 */
        char error[128]; /* RECORD_REPLY: the error name, "" on success */
} Record;

typedef struct Test {
        TestBus bus;     /* the private dbus-daemon */
        Manager *manager; /* owned */
        sd_bus *client;   /* owned */
        char *personalities; /* owned: the --personalities directory */
        Record records[4096];
        unsigned n_records;
} Test;

static void record(Test *t, Record r) {
        if (t->n_records < ELEMENTSOF(t->records))
                t->records[t->n_records++] = r;
}

static int on_added(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        Record r = { .kind = RECORD_ADDED };
        const char *path, *iface, *prop, *name;

        assert_true(sd_bus_message_read(m, "o", &path) > 0);
        assert_int_equal(bus_entry_id_from_path(path, &r.id), 0);
        assert_true(sd_bus_message_enter_container(m, 'a', "{sa{sv}}") > 0);
        while (sd_bus_message_enter_container(m, 'e', "sa{sv}") > 0) {
                assert_true(sd_bus_message_read(m, "s", &iface) > 0);
                assert_true(sd_bus_message_enter_container(m, 'a', "{sv}") > 0);
                while (sd_bus_message_enter_container(m, 'e', "sv") > 0) {
                        assert_true(sd_bus_message_read(m, "s", &prop) > 0);
                        if (streq(iface, IOREG_ENTRY_INTERFACE) && streq(prop, "Name")) {
                                assert_true(sd_bus_message_read(m, "v", "s", &name) > 0);
                                snprintf(r.name, sizeof(r.name), "%s", name);
                        } else
                                assert_true(sd_bus_message_skip(m, "v") > 0);
                        assert_true(sd_bus_message_exit_container(m) > 0);
                }
                assert_true(sd_bus_message_exit_container(m) > 0);
                assert_true(sd_bus_message_exit_container(m) > 0);
        }
        record(userdata, r);
        return 0;
}

static int on_removed(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        Record r = { .kind = RECORD_REMOVED };
        const char *path, *iface;

        assert_true(sd_bus_message_read(m, "o", &path) > 0);
        assert_int_equal(bus_entry_id_from_path(path, &r.id), 0);
        assert_true(sd_bus_message_enter_container(m, 'a', "s") > 0);
        while (sd_bus_message_read(m, "s", &iface) > 0)
                r.entry_interface |= streq(iface, IOREG_ENTRY_INTERFACE);
        record(userdata, r);
        return 0;
}

static int on_changed(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        record(userdata, (Record) { .kind = RECORD_CHANGED });
        return 0;
}

static int on_reply(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        Record r = { .kind = RECORD_REPLY };
        const sd_bus_error *e = sd_bus_message_get_error(m);

        if (e)
                snprintf(r.error, sizeof(r.error), "%s", e->name);
        record(userdata, r);
        return 0;
}

static int setup(void **state) {
        ManagerConfig config = {
                .sysfs_root = TEST_DATA "/sysfs-empty",
                .no_udev = true,
        };
        Test *t = calloc(1, sizeof(Test));
        char *dirs[2] = {};

        if (!t || test_bus_start(&t->bus) < 0)
                return -1;
        /* Empty at start; test_reload_catalogue writes a personality there. */
        if (asprintf(&t->personalities, "%s/personalities", t->bus.dir) < 0 ||
            mkdir(t->personalities, 0755) < 0)
                return -1;
        dirs[0] = t->personalities;
        config.personality_dirs = dirs;
        log_set_max_level(LOG_WARNING);
        if (manager_new(&config, &t->manager) < 0 || manager_build_registry(t->manager) < 0 ||
            manager_connect_bus(t->manager, t->bus.address) < 0)
                return -1;
        if (test_bus_connect(&t->bus, &t->client) < 0)
                return -1;
        if (sd_bus_match_signal(t->client, NULL, NULL, NULL, "org.freedesktop.DBus.ObjectManager", "InterfacesAdded",
                                on_added, t) < 0 ||
            sd_bus_match_signal(t->client, NULL, NULL, NULL, "org.freedesktop.DBus.ObjectManager",
                                "InterfacesRemoved", on_removed, t) < 0 ||
            sd_bus_match_signal(t->client, NULL, NULL, IOREG_OBJECT_PATH, "org.freedesktop.DBus.Properties",
                                "PropertiesChanged", on_changed, t) < 0)
                return -1;
        *state = t;
        return 0;
}

static int teardown(void **state) {
        Test *t = *state;
        int r;

        sd_bus_flush_close_unref(t->client);
        manager_free(t->manager);
        r = test_bus_stop(&t->bus);
        free(t->personalities);
        free(t);
        return r < 0 ? -1 : 0;
}

/* Runs the daemon's loop and the client until n records arrived or usec passed; returns the count. */
static unsigned pump(Test *t, unsigned n, uint64_t usec) {
        struct timespec ts;
        uint64_t start, now;

        /* Not sd_event_now(): that is when the loop last ran, maybe long ago. */
        (void) clock_gettime(CLOCK_MONOTONIC, &ts);
        start = (uint64_t) ts.tv_sec * 1000000 + (uint64_t) ts.tv_nsec / 1000;
        for (;;) {
                while (sd_bus_process(t->client, NULL) > 0)
                        ;
                if (t->n_records >= n)
                        break;
                (void) sd_event_run(t->manager->event, 2000);
                (void) sd_event_now(t->manager->event, CLOCK_MONOTONIC, &now);
                if (now - start > usec)
                        break;
        }
        return t->n_records;
}

static void reset(Test *t) {
        /*
         * Let anything queued go out, then forget it. Until the announcer holds nothing first: on a
         * loaded machine its timer may fire later than any fixed wait here.
         */
        for (unsigned i = 0; i < 1000 && bus_announce_n_pending(t->manager->ctx.announce) > 0; i++)
                (void) pump(t, UINT_MAX, BUS_ANNOUNCE_DELAY_USEC);
        assert_int_equal(bus_announce_n_pending(t->manager->ctx.announce), 0);
        (void) pump(t, UINT_MAX, 3 * BUS_ANNOUNCE_DELAY_USEC);
        t->n_records = 0;
}

static Entry *new_service(Test *t, Entry *parent, const char *name) {
        Entry *e;

        assert_int_equal(registry_create_entry(t->manager->registry, "IOService", &e), 0);
        assert_int_equal(entry_set_name(e, NULL, name), 0);
        assert_int_equal(entry_attach(e, parent ?: t->manager->platform, t->manager->registry->service_plane), 0);
        e->state |= ENTRY_STATE_REGISTERED | ENTRY_STATE_MATCHED;
        return e;
}

static void test_added_after_delay(void **state) {
        Test *t = *state;
        Entry *e;

        reset(t);
        e = new_service(t, NULL, "TestNub");
        assert_int_equal(bus_announce_n_pending(t->manager->ctx.announce), 1);
        assert_int_equal(pump(t, 2, 2000000), 2);
        assert_int_equal(t->records[0].kind, RECORD_ADDED);
        assert_int_equal(t->records[0].id, e->id);
        /* As the creator finished it, not as it was born. */
        assert_string_equal(t->records[0].name, "TestNub");
        assert_int_equal(t->records[1].kind, RECORD_CHANGED);
        assert_int_equal(bus_announce_n_pending(t->manager->ctx.announce), 0);
}

static void test_came_and_went(void **state) {
        Test *t = *state;
        Entry *e;

        reset(t);
        e = new_service(t, NULL, "Flapping");
        registry_remove_entry(t->manager->registry, e);
        assert_int_equal(bus_announce_n_pending(t->manager->ctx.announce), 0);
        assert_int_equal(pump(t, 1, 5 * BUS_ANNOUNCE_DELAY_USEC), 0);
}

static void test_removed(void **state) {
        Test *t = *state;
        uint64_t id;
        Entry *e;

        e = new_service(t, NULL, "Leaving");
        id = e->id;
        reset(t);
        registry_remove_entry(t->manager->registry, e);
        assert_int_equal(pump(t, 2, 2000000), 2);
        assert_int_equal(t->records[0].kind, RECORD_REMOVED);
        assert_int_equal(t->records[0].id, id);
        assert_true(t->records[0].entry_interface);
}

/* A change is announced before the reply to any call the daemon reads after it, timer or not. */
static void test_flushed_before_reply(void **state) {
        Test *t = *state;
        Entry *e;

        reset(t);
        e = new_service(t, NULL, "JustNow");
        assert_true(sd_bus_call_method_async(t->client, NULL, IOREG_BUS_NAME, IOREG_OBJECT_PATH, IOREG_INTERFACE,
                                             "GetRootEntry", on_reply, t, NULL) >= 0);
        assert_int_equal(pump(t, 3, 2000000), 3);
        assert_int_equal(t->records[0].kind, RECORD_ADDED);
        assert_int_equal(t->records[0].id, e->id);
        assert_int_equal(t->records[2].kind, RECORD_REPLY);
}

static void test_storm_one_batch(void **state) {
        Test *t = *state;
        Entry *hub;
        unsigned added = 0, changed = 0;

        reset(t);
        hub = new_service(t, NULL, "StormHub");
        for (unsigned i = 0; i < 1000; i++) {
                Entry *e = new_service(t, hub, "StormLeaf");

                /* Every other one goes again at once: never announced. */
                if (i % 2)
                        registry_remove_entry(t->manager->registry, e);
        }
        assert_int_equal(bus_announce_n_pending(t->manager->ctx.announce), 501);
        (void) pump(t, 502, 5000000);
        for (unsigned i = 0; i < t->n_records; i++) {
                added += t->records[i].kind == RECORD_ADDED;
                changed += t->records[i].kind == RECORD_CHANGED;
        }
        assert_int_equal(added, 501);
        assert_int_equal(changed, 1);
}

/* Calls a Registry1 method from the client and pumps until its reply; returns the error name or "". */
static const char *call(Test *t, const char *member, const char *types, ...) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        va_list ap;

        t->n_records = 0;
        assert_true(sd_bus_message_new_method_call(t->client, &m, IOREG_BUS_NAME, IOREG_OBJECT_PATH, IOREG_INTERFACE,
                                                   member) >= 0);
        va_start(ap, types);
        assert_true(sd_bus_message_appendv(m, types, ap) >= 0);
        va_end(ap);
        assert_true(sd_bus_call_async(t->client, NULL, m, on_reply, t, 0) >= 0);
        for (unsigned i = 0; i < 1000; i++) {
                (void) pump(t, t->n_records + 1, 100000);
                for (unsigned k = 0; k < t->n_records; k++)
                        if (t->records[k].kind == RECORD_REPLY)
                                return t->records[k].error;
        }
        fail_msg("no reply to %s", member);
        return NULL;
}

/* A codeless driver the matcher starts on IOResources once IOBSD is published. */
static Entry *start_driver(Test *t) {
        _cleanup_(personality_list_done) PersonalityList list = PERSONALITY_LIST_INIT;
        Value *dict = value_new_dictionary();
        Personality *p = NULL;
        Entry *const *children;
        unsigned n;

        assert_non_null(dict);
        assert_int_equal(value_dict_set_take(dict, "IOProviderClass", value_new_string("IOResources")), 0);
        assert_int_equal(value_dict_set_take(dict, "IOResourceMatch", value_new_string("IOBSD")), 0);
        assert_int_equal(value_dict_set_take(dict, "IOClass", value_new_string("TestBusDriver")), 0);
        assert_int_equal(value_dict_set_take(dict, "IOMatchCategory", value_new_string("TestBus")), 0);
        assert_int_equal(personality_new("TestBusDriver", "org.ioreg.test", "test", dict, &p), 0);
        assert_int_equal(personality_list_append_take(&list, p), 0);
        assert_true(matcher_reload(t->manager->matcher, &list) >= 0);
        children = entry_get_children(t->manager->resources, t->manager->registry->service_plane, &n);
        for (unsigned i = 0; i < n; i++)
                if (entry_conforms_to(children[i], "TestBusDriver"))
                        return children[i];
        fail_msg("the matcher started no driver on IOResources");
        return NULL;
}

static void test_set_properties(void **state) {
        Test *t = *state;
        Entry *drv = start_driver(t);
        Value *v;

        assert_true(manager_entry_accepts_properties(t->manager, drv));
        assert_string_equal(call(t, "SetProperties", "ta{sv}", drv->id, 2, "Mode", "s", "fast", "Level", "u", 7), "");
        v = entry_get_property(drv, "Mode");
        assert_non_null(v);
        assert_string_equal(value_string(v, NULL), "fast");
        v = entry_get_property(drv, "Level");
        assert_non_null(v);
        assert_int_equal(value_unsigned(v), 7);
        /* All or none: a key the matcher owns refuses the lot. */
        assert_string_equal(call(t, "SetProperties", "ta{sv}", drv->id, 2, "Other", "s", "x", "IOProbeScore", "i",
                                 5), IOREG_ERROR_NOT_PERMITTED);
        assert_null(entry_get_property(drv, "Other"));
        /* Entries that do not accept. */
        assert_string_equal(call(t, "SetProperties", "ta{sv}", t->manager->platform->id, 1, "Mode", "s", "x"),
                            IOREG_ERROR_NOT_SUPPORTED);
        assert_string_equal(call(t, "SetProperties", "ta{sv}", REGISTRY_ROOT_ID, 1, "Mode", "s", "x"),
                            IOREG_ERROR_NOT_SUPPORTED);
}

static void test_terminate_driver(void **state) {
        Test *t = *state;
        Entry *drv = start_driver(t);
        uint64_t id = drv->id;

        reset(t);
        assert_string_equal(call(t, "TerminateEntry", "t", id), "");
        assert_null(registry_get_entry(t->manager->registry, id));
        /* Announced before the reply: a client sees the removal, then the answer. */
        assert_int_equal(t->n_records, 3);
        assert_int_equal(t->records[0].kind, RECORD_REMOVED);
        assert_int_equal(t->records[0].id, id);
        assert_int_equal(t->records[1].kind, RECORD_CHANGED);
        assert_int_equal(t->records[2].kind, RECORD_REPLY);
        /* The daemon's own entries stay; non-services do not terminate. */
        assert_string_equal(call(t, "TerminateEntry", "t", t->manager->platform->id), IOREG_ERROR_NOT_PERMITTED);
        assert_string_equal(call(t, "TerminateEntry", "t", t->manager->resources->id), IOREG_ERROR_NOT_PERMITTED);
        assert_string_equal(call(t, "TerminateEntry", "t", REGISTRY_ROOT_ID), IOREG_ERROR_NOT_PERMITTED);
}

static const char *record_attr(const DeviceRecord *d, const char *name) {
        return NULL;
}

/* A device with a bound kernel driver: its driver entry alone, then the nub, through the device tree. */
static void test_terminate_device(void **state) {
        Test *t = *state;
        DeviceRecord d = {
                .action = DEVICE_ACTION_ADD,
                .syspath = "/sys/devices/platform/test-device.0",
                .devpath = "/devices/platform/test-device.0",
                .sysname = "test-device.0",
                .subsystem = "platform",
                .driver = "test-driver",
                .get_attr = record_attr,
        };
        Entry *nub, *drv, *const *children;
        unsigned n;

        assert_true(device_tree_apply(&t->manager->devices, &d) > 0);
        nub = device_tree_find(&t->manager->devices, d.syspath);
        assert_non_null(nub);
        children = entry_get_children(nub, t->manager->registry->service_plane, &n);
        assert_int_equal(n, 1);
        drv = children[0];
        assert_true(entry_conforms_to(drv, "IOLinuxKernelDriver"));

        /* The driver entry alone: the nub stays, driverless; its next event brings the driver back. */
        assert_string_equal(call(t, "TerminateEntry", "t", drv->id), "");
        assert_ptr_equal(device_tree_find(&t->manager->devices, d.syspath), nub);
        (void) entry_get_children(nub, t->manager->registry->service_plane, &n);
        assert_int_equal(n, 0);
        d.action = DEVICE_ACTION_CHANGE;
        assert_true(device_tree_apply(&t->manager->devices, &d) > 0);
        (void) entry_get_children(nub, t->manager->registry->service_plane, &n);
        assert_int_equal(n, 1);

        /* The nub: the device is forgotten until it comes again. */
        assert_string_equal(call(t, "TerminateEntry", "t", nub->id), "");
        assert_null(device_tree_find(&t->manager->devices, d.syspath));
        d.action = DEVICE_ACTION_ADD;
        assert_true(device_tree_apply(&t->manager->devices, &d) > 0);
        assert_non_null(device_tree_find(&t->manager->devices, d.syspath));
}

static void test_reload_catalogue(void **state) {
        Test *t = *state;
        _cleanup_free_ char *path = NULL;
        _cleanup_fclose_ FILE *f = NULL;
        int added = -1, reply = -1;

        assert_true(asprintf(&path, "%s/test-reload.json", t->personalities) > 0);
        f = fopen(path, "we");
        assert_non_null(f);
        fputs("{ \"CFBundleIdentifier\": \"org.ioreg.test.reload\",\n"
              "  \"IOKitPersonalities\": { \"Reload\": {\n"
              "    \"IOProviderClass\": \"IOResources\", \"IOResourceMatch\": \"IOBSD\",\n"
              "    \"IOClass\": \"TestReloadDriver\", \"IOMatchCategory\": \"TestReload\" } } }\n", f);
        assert_int_equal(fflush(f), 0);
        reset(t);
        assert_string_equal(call(t, "ReloadCatalogue", ""), "");
        /* The driver the reload started is announced before the answer. */
        for (unsigned i = 0; i < t->n_records; i++) {
                if (t->records[i].kind == RECORD_ADDED && streq(t->records[i].name, "TestReloadDriver"))
                        added = (int) i;
                if (t->records[i].kind == RECORD_REPLY)
                        reply = (int) i;
        }
        assert_true(added >= 0);
        assert_true(added < reply);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_added_after_delay),
                cmocka_unit_test(test_came_and_went),
                cmocka_unit_test(test_removed),
                cmocka_unit_test(test_flushed_before_reply),
                cmocka_unit_test(test_storm_one_batch),
                cmocka_unit_test(test_set_properties),
                cmocka_unit_test(test_terminate_driver),
                cmocka_unit_test(test_terminate_device),
                cmocka_unit_test(test_reload_catalogue),
        };

        return cmocka_run_group_tests_name("bus-announce", tests, setup, teardown);
}
