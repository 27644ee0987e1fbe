/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* user-client-broker.c: see user-client-broker.h. */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "user-client-broker.h"

typedef struct UserClientRecord {
        Entry *client;          /* owned reference: the user client's entry */
        uint64_t driver_id, handle;
        char *server;           /* owned: the server connection's unique bus name */
} UserClientRecord;

struct UserClientBroker {
        Registry *registry;     /* borrowed */
        UserClientRecord *records; /* owned */
        unsigned n_records, cap_records;
};

static void record_done(UserClientRecord *r) {
        entry_unref(r->client);
        free(r->server);
}

/* Entries that left with their driver are forgotten. */
static void prune(UserClientBroker *b) {
        for (unsigned i = 0; i < b->n_records;) {
                if (b->records[i].client->registry) {
                        i++;
                        continue;
                }
                record_done(&b->records[i]);
                b->records[i] = b->records[--b->n_records];
        }
}

int user_client_broker_new(Registry *reg, UserClientBroker **ret) {
        UserClientBroker *b = calloc(1, sizeof(*b));

        if (!b)
                return -ENOMEM;
        b->registry = reg;
        *ret = b;
        return 0;
}

UserClientBroker *user_client_broker_free(UserClientBroker *b) {
        if (!b)
                return NULL;
        for (unsigned i = 0; i < b->n_records; i++)
                record_done(&b->records[i]);
        free(b->records);
        free(b);
        return NULL;
}

/* class_name below IOUserClient (below IOService), defined when new. */
static int define_class(ClassTable *classes, const char *class_name) {
        const Class *c;
        int r;

        if (!class_table_find(classes, "IOUserClient")) {
                r = class_table_define(classes, "IOUserClient", "IOService", NULL);
                if (r < 0)
                        return r;
        }
        c = class_table_find(classes, class_name);
        if (!c)
                return class_table_define(classes, class_name, "IOUserClient", NULL);
        return class_table_conforms_to(classes, c, "IOUserClient") ? 0 : -EOPNOTSUPP;
}

int user_client_broker_add(UserClientBroker *b, Entry *driver, const char *class_name, const char *server,
                           uint64_t handle, uid_t uid, pid_t pid, Entry **ret) {
        UserClientRecord rec = {};
        char creator[64];
        Entry *e;
        int r;

        prune(b);
        r = define_class(b->registry->classes, class_name);
        if (r < 0)
                return r;
        if (GROW(b->records, b->cap_records, b->n_records + 1) < 0)
                return -ENOMEM;
        rec.server = strdup(server);
        if (!rec.server)
                return -ENOMEM;
        r = registry_create_entry(b->registry, class_name, &e);
        if (r < 0) {
                free(rec.server);
                return r;
        }
        /* Apple's IOUserClientCreator says "pid N, name"; the opener's uid is what matters here. */
        (void) snprintf(creator, sizeof(creator), "pid %d, uid %u", (int) pid, (unsigned) uid);
        r = entry_set_property_take(e, "IOUserClientCreator", value_new_string(creator));
        if (r >= 0)
                r = entry_attach(e, driver, b->registry->service_plane);
        if (r < 0) {
                registry_remove_entry(b->registry, e);
                free(rec.server);
                return r;
        }
        rec.client = entry_ref(e);
        rec.driver_id = driver->id;
        rec.handle = handle;
        b->records[b->n_records++] = rec;
        *ret = e;
        return 0;
}

Entry *user_client_broker_take(UserClientBroker *b, const char *server, uint64_t driver_id, uint64_t handle) {
        for (unsigned i = 0; i < b->n_records; i++) {
                UserClientRecord *rec = &b->records[i];
                Entry *e;

                if (rec->driver_id != driver_id || rec->handle != handle || !streq(rec->server, server))
                        continue;
                e = TAKE_PTR(rec->client);
                free(rec->server);
                b->records[i] = b->records[--b->n_records];
                return e;
        }
        return NULL;
}

unsigned user_client_broker_count(UserClientBroker *b) {
        prune(b);
        return b->n_records;
}
