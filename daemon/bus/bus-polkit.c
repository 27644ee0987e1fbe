/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* bus-polkit.c: see bus-polkit.h. */

#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bus-errors.h"
#include "bus-polkit.h"
#include "log.h"

#define POLKIT_NAME "org.freedesktop.PolicyKit1"
#define POLKIT_PATH "/org/freedesktop/PolicyKit1/Authority"
#define POLKIT_INTERFACE "org.freedesktop.PolicyKit1.Authority"
#define POLKIT_FLAG_ALLOW_USER_INTERACTION 1u

typedef struct PolkitQuery PolkitQuery;
struct PolkitQuery {
        BusPolkit *registry;     /* weak: the registry owns the query */
        sd_bus_message *call;    /* owned reference: the call waiting for the answer */
        sd_bus_slot *slot;       /* owned: CheckAuthorization in flight, NULL once answered */
        char *action;            /* owned */
        bool done;               /* answered: authorized/error below are final */
        bool authorized;
        sd_bus_error error;      /* owned: the denial to send, when set */
        PolkitQuery *next;       /* owned by the list */
};

struct BusPolkit {
        PolkitQuery *queries;    /* owned list */
        unsigned n_queries;
};

static PolkitQuery *polkit_query_free(PolkitQuery *q) {
        if (!q)
                return NULL;
        sd_bus_slot_unref(q->slot);
        sd_bus_message_unref(q->call);
        sd_bus_error_free(&q->error);
        free(q->action);
        free(q);
        return NULL;
}

static void polkit_query_unlink(BusPolkit *reg, PolkitQuery *q) {
        for (PolkitQuery **i = &reg->queries; *i; i = &(*i)->next)
                if (*i == q) {
                        *i = q->next;
                        reg->n_queries--;
                        return;
                }
}

BusPolkit *bus_polkit_free(BusPolkit *reg) {
        if (!reg)
                return NULL;
        while (reg->queries) {
                PolkitQuery *q = reg->queries;

                reg->queries = q->next;
                polkit_query_free(q);
        }
        free(reg);
        return NULL;
}

static int deny(sd_bus_error *error, const char *action, const char *why) {
        return sd_bus_error_setf(error, IOREG_ERROR_ACCESS_DENIED, "Not authorized to do %s: %s.", action, why);
}

/* The answer: (bba{ss}) is_authorized, is_challenge, details. */
static int on_check_reply(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        PolkitQuery *q = userdata;
        const sd_bus_error *e;
        int authorized = 0, challenge = 0, r;

        q->slot = sd_bus_slot_unref(q->slot);
        q->done = true;
        e = sd_bus_message_get_error(reply);
        if (e) {
                /* No polkit on the bus, or it failed: nobody but root. */
                log_debug("polkit did not answer for %s (%s), denying.", q->action, e->name);
                (void) deny(&q->error, q->action, "polkit is not available");
        } else {
                r = sd_bus_message_enter_container(reply, 'r', "bba{ss}");
                if (r >= 0)
                        r = sd_bus_message_read(reply, "bb", &authorized, &challenge);
                if (r < 0)
                        (void) deny(&q->error, q->action, "polkit's answer was malformed");
                else if (authorized)
                        q->authorized = true;
                else if (challenge)
                        (void) deny(&q->error, q->action, "authentication is required");
                else
                        (void) deny(&q->error, q->action, "polkit says no");
        }
        /* Run the handler again; bus_polkit_check() finds the answer this time. */
        r = sd_bus_enqueue_for_read(sd_bus_message_get_bus(q->call), q->call);
        if (r < 0) {
                log_warning_errno(r, "Cannot resume a call after polkit's answer, dropping it: %m");
                polkit_query_unlink(q->registry, q);
                polkit_query_free(q);
        }
        return 0;
}

static int start_query(sd_bus_message *call, const char *action, BusPolkit *reg, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        const char *sender = sd_bus_message_get_sender(call);
        unsigned n_sender = 0;
        PolkitQuery *q;
        int r;

        if (!sender)
                return deny(error, action, "the caller has no bus name");
        for (PolkitQuery *i = reg->queries; i; i = i->next)
                if (streq(sd_bus_message_get_sender(i->call), sender))
                        n_sender++;
        if (n_sender >= BUS_POLKIT_MAX_PENDING_PER_SENDER || reg->n_queries >= BUS_POLKIT_MAX_PENDING)
                return sd_bus_error_setf(error, IOREG_ERROR_LIMITS_EXCEEDED,
                                         "Too many authorization checks in flight; retry later.");

        r = sd_bus_message_new_method_call(sd_bus_message_get_bus(call), &m, POLKIT_NAME, POLKIT_PATH,
                                           POLKIT_INTERFACE, "CheckAuthorization");
        if (r >= 0)
                r = sd_bus_message_append(m, "(sa{sv})sa{ss}us", "system-bus-name", 1, "name", "s", sender,
                                          action, 0,
                                          sd_bus_message_get_allow_interactive_authorization(call) ?
                                                  POLKIT_FLAG_ALLOW_USER_INTERACTION : 0u,
                                          "");
        if (r < 0)
                return r;

        q = calloc(1, sizeof(*q));
        if (!q)
                return -ENOMEM;
        q->registry = reg;
        q->call = sd_bus_message_ref(call);
        q->action = strdup(action);
        if (!q->action) {
                polkit_query_free(q);
                return -ENOMEM;
        }
        /* polkit may wait for a password: no timeout of ours beyond sd-bus's default. */
        r = sd_bus_call_async(sd_bus_message_get_bus(call), &q->slot, m, on_check_reply, q, 0);
        if (r < 0) {
                polkit_query_free(q);
                return deny(error, action, "polkit cannot be asked");
        }
        q->next = reg->queries;
        reg->queries = q;
        reg->n_queries++;
        return 0;
}

int bus_polkit_check(sd_bus_message *call, const char *action, BusPolkit **registry, sd_bus_error *error) {
        _cleanup_(sd_bus_creds_unrefp) sd_bus_creds *creds = NULL;
        uid_t uid;
        int r;

        assert(call && action && registry);

        /* Back from polkit? */
        if (*registry)
                for (PolkitQuery *q = (*registry)->queries; q; q = q->next) {
                        if (q->call != call || !q->done)
                                continue;
                        polkit_query_unlink(*registry, q);
                        if (q->authorized) {
                                polkit_query_free(q);
                                return 1;
                        }
                        r = sd_bus_error_copy(error, &q->error);
                        polkit_query_free(q);
                        return r < 0 ? r : -EACCES;
                }

        /* Root may, as with systemd: asking polkit would only say yes (or hang without polkit). */
        r = sd_bus_query_sender_creds(call, SD_BUS_CREDS_EUID, &creds);
        if (r >= 0)
                r = sd_bus_creds_get_euid(creds, &uid);
        if (r < 0)
                return deny(error, action, "the caller's credentials are unknown");
        if (uid == 0)
                return 1;

        if (!*registry) {
                *registry = calloc(1, sizeof(BusPolkit));
                if (!*registry)
                        return -ENOMEM;
        }
        r = start_query(call, action, *registry, error);
        return r < 0 ? r : 0;
}
