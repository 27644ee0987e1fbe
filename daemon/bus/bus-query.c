/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* bus-query.c: see bus-query.h. */

#include <assert.h>
#include <stdlib.h>

#include "bus-errors.h"
#include "bus-query.h"
#include "bus-context.h"
#include "match-passive.h"
#include "registry-path.h"

int bus_method_get_root_entry(sd_bus_message *call, void *userdata, sd_bus_error *error) {
        BusContext *m = userdata;

        return sd_bus_reply_method_return(call, "t", m->registry->root->id);
}

int bus_method_entry_from_path(sd_bus_message *call, void *userdata, sd_bus_error *error) {
        BusContext *m = userdata;
        const char *path;
        Entry *e;
        int r;

        r = sd_bus_message_read(call, "s", &path);
        if (r < 0)
                return r;
        r = bus_check_string("path", path, REGISTRY_PATH_MAX, error);
        if (r < 0)
                return r;
        /* No default plane: IORegistryEntryFromPath wants "Plane:/..." too. */
        r = registry_entry_from_path(m->registry, path, NULL, &e);
        if (r == -EINVAL)
                return sd_bus_error_setf(error, IOREG_ERROR_INVALID_ARGUMENT,
                                         "The path '%s' does not start with a plane ('IOService:/...').", path);
        if (r == -ENXIO)
                return sd_bus_error_setf(error, IOREG_ERROR_NO_SUCH_PLANE, "The path '%s' names no known plane.", path);
        if (r == -ENOENT)
                return sd_bus_error_setf(error, IOREG_ERROR_NOT_FOUND, "No entry at '%s'.", path);
        if (r < 0)
                return bus_error_set_errno(error, r, "Cannot resolve the path");
        return sd_bus_reply_method_return(call, "t", e->id);
}

static int cmp_u64(const void *a, const void *b) {
        uint64_t x = *(const uint64_t *) a, y = *(const uint64_t *) b;

        return x < y ? -1 : x > y;
}

int bus_method_get_matching_services(sd_bus_message *call, void *userdata, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_value_ Value *table = NULL;
        _cleanup_free_ uint64_t *ids = NULL;
        unsigned n = 0, cap = 0;
        BusContext *m = userdata;
        void *v;
        int r;

        r = bus_read_dict_checked(call, &bus_limits_matching, &table, error);
        if (r < 0)
                return r;
        for (unsigned i = 0; hashmap_next(&m->registry->by_id, &i, NULL, &v);) {
                Entry *e = v;
                MatchResult res;

                /* getMatchingServices: services in the Matched state only; still probing is not yet. */
                if ((e->state & (ENTRY_STATE_MATCHED | ENTRY_STATE_INACTIVE)) != ENTRY_STATE_MATCHED ||
                    !entry_is_service(e))
                        continue;
                match_result_init(&res, table);
                if (!match_passive(m->registry, e, table, 0, &res))
                        continue;
                r = GROW(ids, cap, n + 1);
                if (r < 0)
                        return r;
                ids[n++] = e->id;
        }
        /* The kernel's answer is an unordered set; by ID (= publication order) is stable for clients. */
        if (n > 1)
                qsort(ids, n, sizeof(uint64_t), cmp_u64);
        r = sd_bus_message_new_method_return(call, &reply);
        if (r >= 0)
                r = sd_bus_message_append_array(reply, 't', ids, n * sizeof(uint64_t));
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

int bus_method_get_class_hierarchy(sd_bus_message *call, void *userdata, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        const ClassTable *t = ((BusContext *) userdata)->registry->classes;
        int r;

        r = sd_bus_message_new_method_return(call, &reply);
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'a', "(ss)");
        for (unsigned i = 0; r >= 0 && i < t->n_classes; i++) {
                const Class *c = t->classes[i];

                r = sd_bus_message_append(reply, "(ss)", c->name, c->super ? c->super->name : "");
        }
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}
