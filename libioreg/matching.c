/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* matching.c: matching dictionaries, IOServiceGetMatchingServices, busy state and quiet. */

#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "lib-internal.h"
#include "protocol.h"
#include "wire-json.h"

static json_t *one_key(const char *key, json_t *value) {
        json_t *d;

        if (!value)
                return NULL;
        d = json_object();
        if (!d || json_object_set_new(d, key, value) < 0) {
                json_decref(d);
                return NULL;
        }
        return d;
}

json_t *ioreg_service_matching(const char *name) {
        return name ? one_key(IOREG_PROVIDER_CLASS_KEY, json_string(name)) : NULL;
}

json_t *ioreg_service_name_matching(const char *name) {
        return name ? one_key(IOREG_NAME_MATCH_KEY, json_string(name)) : NULL;
}

json_t *ioreg_bsd_name_matching(const char *bsd_name) {
        return bsd_name ? one_key(IOREG_BSD_NAME_KEY, json_string(bsd_name)) : NULL;
}

json_t *ioreg_registry_entry_id_matching(uint64_t entry_id) {
        /* {"$unsigned": ...} above INT64_MAX */
        return one_key(IOREG_REGISTRY_ENTRY_ID_KEY, json_form_unsigned(entry_id));
}

/* GetMatchingServices(matching): the IDs and the run they belong to. Does not consume matching. */
static ioreg_return_t matching_ids(json_t *matching, uint64_t **ret_ids, size_t *ret_n, uint64_t *ret_run) {
        _cleanup_bus_unlock_ sd_bus *bus = NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL, *reply = NULL;
        ioreg_return_t rr;
        int r;

        rr = lib_matching_check(matching);
        if (rr != IOREG_RETURN_SUCCESS)
                return rr;
        rr = lib_bus_lock(&bus);
        if (rr != IOREG_RETURN_SUCCESS)
                return rr;
        r = sd_bus_message_new_method_call(bus, &m, IOREG_BUS_NAME, IOREG_OBJECT_PATH, IOREG_INTERFACE,
                                           "GetMatchingServices");
        if (r >= 0)
                r = wire_json_append_dict(m, matching);
        if (r < 0)
                return lib_return_from_errno(r);
        rr = lib_call_message(bus, m, &reply, ret_run);
        if (rr != IOREG_RETURN_SUCCESS)
                return rr;
        r = lib_read_ids(reply, ret_ids, ret_n);
        return r < 0 ? lib_return_from_errno(r) : IOREG_RETURN_SUCCESS;
}

ioreg_return_t ioreg_service_get_matching_services(json_t *matching, ioreg_iterator_t *existing) {
        json_auto_t *consumed = matching; /* IOKitLib's rule: the reference is ours, whatever happens */
        uint64_t *ids, run;
        size_t n;
        ioreg_return_t rr;
        LibIterator *it;

        if (!existing)
                return IOREG_RETURN_BAD_ARGUMENT;
        *existing = NULL;
        rr = matching_ids(consumed, &ids, &n, &run);
        if (rr != IOREG_RETURN_SUCCESS)
                return rr;
        if (n == 0) {
                free(ids);
                return IOREG_RETURN_SUCCESS; /* no iterator: nothing matched */
        }
        it = lib_iterator_new(ids, n, run);
        if (!it)
                return IOREG_RETURN_NO_MEMORY;
        *existing = &it->base;
        return IOREG_RETURN_SUCCESS;
}

ioreg_service_t ioreg_service_get_matching_service(json_t *matching) {
        json_auto_t *consumed = matching;
        _cleanup_free_ uint64_t *ids = NULL;
        uint64_t run;
        size_t n;
        LibEntry *e;

        if (matching_ids(consumed, &ids, &n, &run) != IOREG_RETURN_SUCCESS || n == 0)
                return NULL;
        e = lib_entry_new(ids[0], run);
        return e ? &e->base : NULL;
}

ioreg_return_t ioreg_service_match_property_table(ioreg_service_t service, json_t *matching, int *matches) {
        LibEntry *e = lib_entry_cast(service);
        json_auto_t *copy = NULL;
        _cleanup_free_ uint64_t *ids = NULL;
        uint64_t run;
        size_t n;
        ioreg_return_t rr;

        if (!e || !json_is_object(matching) || !matches)
                return IOREG_RETURN_BAD_ARGUMENT;
        /* The daemon's passive match of this one service: the table plus its ID. */
        copy = json_deep_copy(matching);
        if (!copy || json_object_set_new(copy, IOREG_REGISTRY_ENTRY_ID_KEY, json_integer((json_int_t) e->id)) < 0)
                return IOREG_RETURN_NO_MEMORY;
        rr = matching_ids(copy, &ids, &n, &run);
        if (rr != IOREG_RETURN_SUCCESS)
                return rr;
        if (run != atomic_load(&e->run))
                return IOREG_RETURN_NO_DEVICE;
        *matches = n > 0;
        return IOREG_RETURN_SUCCESS;
}

static ioreg_return_t entry_u32_property(ioreg_service_t service, const char *property, const char *sig,
                                         uint64_t *ret) {
        _cleanup_bus_unlock_ sd_bus *bus = NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        LibEntry *e = lib_entry_cast(service);
        ioreg_return_t rr;
        uint32_t u = 0;
        int r;

        if (!e || !ret)
                return IOREG_RETURN_BAD_ARGUMENT;
        rr = lib_bus_lock(&bus);
        if (rr != IOREG_RETURN_SUCCESS)
                return rr;
        rr = lib_entry_get_property(bus, e, property, sig, &reply);
        if (rr != IOREG_RETURN_SUCCESS)
                return rr;
        r = sd_bus_message_read_basic(reply, 'u', &u);
        if (r < 0)
                return lib_return_from_errno(r);
        *ret = u;
        return IOREG_RETURN_SUCCESS;
}

ioreg_return_t ioreg_service_get_busy_state(ioreg_service_t service, uint32_t *busy_state) {
        uint64_t v;
        ioreg_return_t rr;

        if (!busy_state)
                return IOREG_RETURN_BAD_ARGUMENT;
        rr = entry_u32_property(service, "Busy", "u", &v);
        if (rr == IOREG_RETURN_SUCCESS)
                *busy_state = (uint32_t) v;
        return rr;
}

ioreg_return_t ioreg_service_get_state(ioreg_service_t service, uint64_t *state) {
        return entry_u32_property(service, "State", "u", state);
}

/* WaitQuiet(timeout_usec); *ret_absent tells whether the daemon was not on the bus (yet). */
static ioreg_return_t wait_quiet(uint64_t timeout_usec, bool *ret_absent) {
        _cleanup_bus_unlock_ sd_bus *bus = NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        ioreg_return_t rr;
        int r;

        *ret_absent = false;
        rr = lib_bus_lock(&bus);
        if (rr != IOREG_RETURN_SUCCESS)
                return rr;
        r = sd_bus_message_new_method_call(bus, &m, IOREG_BUS_NAME, IOREG_OBJECT_PATH, IOREG_INTERFACE,
                                           "WaitQuiet");
        if (r >= 0)
                r = sd_bus_message_append_basic(m, 't', &timeout_usec);
        if (r < 0)
                return lib_return_from_errno(r);
        /* The daemon times out, not the bus: sd-bus waits without limit for its answer. */
        r = sd_bus_message_set_expect_reply(m, true);
        if (r < 0)
                return lib_return_from_errno(r);
        r = sd_bus_call(bus, m, UINT64_MAX, &error, NULL);
        if (r < 0) {
                *ret_absent = sd_bus_error_has_names(&error, SD_BUS_ERROR_SERVICE_UNKNOWN,
                                                     SD_BUS_ERROR_NAME_HAS_NO_OWNER);
                return lib_return_from_bus_error(&error, r);
        }
        return IOREG_RETURN_SUCCESS;
}

ioreg_return_t ioreg_kit_wait_quiet(uint64_t timeout_usec) {
        bool absent;

        return wait_quiet(timeout_usec, &absent);
}

static uint64_t now_usec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000 + (uint64_t) ts.tv_nsec / 1000;
}

ioreg_return_t ioreg_kit_wait_for_daemon_quiet(uint64_t timeout_usec) {
        uint64_t start = now_usec(), deadline = timeout_usec > UINT64_MAX - start ? UINT64_MAX : start + timeout_usec;

        for (;;) {
                uint64_t now = now_usec();
                ioreg_return_t rr;
                bool absent;

                if (now >= deadline)
                        return IOREG_RETURN_TIMEOUT;
                rr = wait_quiet(deadline == UINT64_MAX ? UINT64_MAX : deadline - now, &absent);
                if (!absent)
                        return rr;
                /* Not on the bus yet: the daemon is starting. */
                (void) usleep(50 * 1000);
        }
}

ioreg_return_t ioreg_kit_check_daemon(void) {
        _cleanup_bus_unlock_ sd_bus *bus = NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        int r, has_owner = 0;

        if (lib_bus_lock(&bus) != IOREG_RETURN_SUCCESS)
                return IOREG_RETURN_IPC_ERROR;
        r = sd_bus_call_method(bus, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
                               "NameHasOwner", NULL, &reply, "s", IOREG_BUS_NAME);
        if (r >= 0)
                r = sd_bus_message_read_basic(reply, 'b', &has_owner);
        if (r < 0)
                return IOREG_RETURN_IPC_ERROR;
        return has_owner ? IOREG_RETURN_SUCCESS : IOREG_RETURN_NO_DEVICE;
}

ioreg_return_t ioreg_service_wait_quiet(ioreg_service_t service, uint64_t timeout_usec) {
        if (!lib_entry_cast(service))
                return IOREG_RETURN_BAD_ARGUMENT;
        return ioreg_kit_wait_quiet(timeout_usec);
}

ioreg_return_t ioreg_kit_get_busy_state(uint32_t *busy_state) {
        ioreg_registry_entry_t root = ioreg_registry_get_root_entry();
        ioreg_return_t rr;

        if (!root)
                return IOREG_RETURN_NO_DEVICE;
        rr = ioreg_service_get_busy_state(root, busy_state);
        ioreg_object_release(root);
        return rr;
}
