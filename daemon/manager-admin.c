/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* manager-admin.c: the privileged operations of manager.h (terminate, set properties). */

#include <assert.h>

#include "driver-host.h"
#include "manager.h"
#include "platform-expert.h"

/* Keys the matcher and the driver host read from a driver's table: changing them would lie about the match. */
static const char *const matcher_keys[] = {
        "IOClass",   "IOProviderClass",  "IOMatchCategory",    "IOProbeScore",
        "IOUserClass", "IOUserServerName", "CFBundleIdentifier", "IOResourceMatch",
};

/* The entries the daemon publishes itself and points at for its whole life. */
static bool is_daemon_entry(const Manager *m, const Entry *e) {
        return e == m->registry->root || e == m->platform || e == m->resources ||
               e == registry_find_root_domain(m->registry);
}

static void terminate_visit(void *userdata, Entry *e) {
        matcher_service_terminated(userdata, e);
}

int manager_terminate_entry(Manager *m, Entry *e) {
        assert(m && e);
        if (!e->registry)
                return -ESTALE;
        if (is_daemon_entry(m, e))
                return -EPERM;
        if (!entry_is_service(e))
                return -EOPNOTSUPP; /* only IOService has terminate() */
        if (m->devices_ready)
                /* Tells the matcher (on_terminate) and forgets the device nodes. */
                return (int) device_tree_terminate(&m->devices, e);
        /* A snapshot: no devices; the matcher, when there is one, is told. */
        return (int) registry_terminate_entry(m->registry, e, m->matcher ? terminate_visit : NULL, m->matcher);
}

bool manager_entry_accepts_properties(const Manager *m, const Entry *e) {
        /* A hosted driver sets its own properties from its start routine, before the matcher counts it as started. */
        return m->matcher && e->registry &&
               (matcher_driver_personality(m->matcher, e) ||
                (m->driver_host && driver_host_server_of(m->driver_host, e)));
}

int manager_set_entry_properties(Manager *m, Entry *e, Value *dict, const char **ret_bad_key) {
        _cleanup_value_ Value *merged = NULL;
        int r;

        assert(m && e && dict);
        if (!e->registry)
                return -ESTALE;
        if (!manager_entry_accepts_properties(m, e))
                return -EOPNOTSUPP;
        for (size_t i = 0; i < value_dict_size(dict); i++)
                for (size_t k = 0; k < ELEMENTSOF(matcher_keys); k++)
                        if (streq(value_dict_key_at(dict, i), matcher_keys[k])) {
                                if (ret_bad_key)
                                        *ret_bad_key = matcher_keys[k];
                                return -EPERM;
                        }
        /* What the bus carries (value.h), whoever sends it. */
        if (value_nesting(dict, VALUE_MAX_NESTING + 1) > VALUE_MAX_NESTING + 1)
                return -ELOOP;
        /*
         * Into a copy, swapped in whole: all keys or none, and the table the
         * entry shares with the matcher's record of the match stays as it was.
         */
        merged = value_copy(e->properties);
        if (!merged)
                return -ENOMEM;
        for (size_t i = 0; i < value_dict_size(dict); i++) {
                r = value_dict_set(merged, value_dict_key_at(dict, i), value_dict_value_at(dict, i));
                if (r < 0)
                        return r;
        }
        /* One entry cannot grow without end, call by call (issue 23, H). */
        if (value_memory_size(merged) > ENTRY_MAX_PROPERTY_BYTES)
                return -E2BIG;
        return entry_set_properties(e, merged);
}
