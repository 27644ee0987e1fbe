/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* bus-admin.c: see bus-admin.h. */

#include <inttypes.h>

#include "bus-admin.h"
#include "bus-announce.h"
#include "bus-errors.h"
#include "bus-polkit.h"
#include "bus-context.h"
#include "log.h"

int bus_method_set_properties(sd_bus_message *call, void *userdata, sd_bus_error *error) {
        _cleanup_value_ Value *dict = NULL;
        const char *bad_key = NULL;
        BusContext *m = userdata;
        uint64_t id;
        Entry *e;
        int r;

        /* Who first: a caller who may not gets the same answer whatever the arguments. */
        r = bus_polkit_check(call, IOREG_ACTION_SET_PROPERTIES, &m->polkit, error);
        if (r < 0)
                return r;
        if (r == 0)
                return 1; /* polkit was asked: the call comes back with its answer */
        r = sd_bus_message_read(call, "t", &id);
        if (r < 0)
                return r;
        r = bus_read_dict_checked(call, &bus_limits_properties, &dict, error);
        if (r < 0)
                return r;
        r = bus_find_entry(m->registry, id, &e, error);
        if (r < 0)
                return r;
        r = bus_context_set_entry_properties(m, e, dict, &bad_key);
        if (r == -EOPNOTSUPP)
                return sd_bus_error_setf(error, IOREG_ERROR_NOT_SUPPORTED,
                                         "Entry 0x%" PRIx64 " (%s) does not accept properties.", id, e->klass->name);
        if (r == -EPERM)
                return sd_bus_error_setf(error, IOREG_ERROR_NOT_PERMITTED,
                                         "The key '%s' belongs to the matcher and cannot be set.", bad_key);
        if (r < 0)
                return bus_error_set_errno(error, r, "Cannot set the properties");
        log_info("Set %zu properties on entry 0x%" PRIx64 " (%s).", value_dict_size(dict), id,
                 entry_get_name(e, NULL));
        return sd_bus_reply_method_return(call, NULL);
}

int bus_method_terminate_entry(sd_bus_message *call, void *userdata, sd_bus_error *error) {
        BusContext *m = userdata;
        uint64_t id;
        Entry *e;
        int r;

        r = bus_polkit_check(call, IOREG_ACTION_TERMINATE_ENTRY, &m->polkit, error);
        if (r < 0)
                return r;
        if (r == 0)
                return 1; /* polkit was asked: the call comes back with its answer */
        r = sd_bus_message_read(call, "t", &id);
        if (r < 0)
                return r;
        r = bus_find_entry(m->registry, id, &e, error);
        if (r < 0)
                return r;
        r = bus_context_terminate_entry(m, e);
        if (r == -EPERM)
                return sd_bus_error_setf(error, IOREG_ERROR_NOT_PERMITTED,
                                         "Entry 0x%" PRIx64 " (%s) belongs to the daemon and stays.", id,
                                         entry_get_name(e, NULL));
        if (r == -EOPNOTSUPP)
                return sd_bus_error_setf(error, IOREG_ERROR_NOT_SUPPORTED,
                                         "Entry 0x%" PRIx64 " (%s) is not a service: only services terminate.", id,
                                         e->klass->name);
        if (r < 0)
                return bus_error_set_errno(error, r, "Cannot terminate the entry");
        log_info("Terminated entry 0x%" PRIx64 " and %d below it at a client's request.", id, r - 1);
        /* The caller learns of the removals before the answer, as every later caller does. */
        (void) bus_announce_flush(m->announce);
        return sd_bus_reply_method_return(call, "u", (uint32_t) r);
}

int bus_method_reload_catalogue(sd_bus_message *call, void *userdata, sd_bus_error *error) {
        BusContext *m = userdata;
        int r;

        r = bus_polkit_check(call, IOREG_ACTION_RELOAD_CATALOGUE, &m->polkit, error);
        if (r < 0)
                return r;
        if (r == 0)
                return 1; /* polkit was asked: the call comes back with its answer */
        log_info("Reloading the personalities at a client's request.");
        r = bus_context_reload_catalogue(m);
        if (r < 0)
                return bus_error_set_errno(error, r, "Cannot reload the personalities");
        /* Drivers the reload started or terminated are announced before the answer. */
        (void) bus_announce_flush(m->announce);
        return sd_bus_reply_method_return(call, "u", m->catalogue ? catalogue_size(m->catalogue) : 0u);
}
