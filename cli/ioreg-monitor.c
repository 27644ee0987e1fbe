/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ioreg-monitor.c: see ioreg-monitor.h. Everything goes through a libioreg
 * notification port, which subscribes, acknowledges and resynchronizes. The
 * names of a terminated service can no longer be asked for: the monitor
 * remembers them from the plane it read at start and from each publication.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <ioreg/ioreg.h>

#include "ioreg-monitor.h"
#include "ioreg-tree.h"
#include "macro.h"

typedef struct Monitor {
        bool json;
        uint64_t known_max;   /* entries up to this ID existed at start: their replay is not news */
        json_t *names;        /* owned: "0x<id>" → [name, class] of every service seen */
        unsigned n_events, max_events;
        bool done;
} Monitor;

/* One matching notification of the monitor. */
typedef struct Watch {
        Monitor *monitor;      /* borrowed */
        const char *type;      /* static: IOREG_*_NOTIFICATION */
        ioreg_iterator_t iterator; /* owned */
} Watch;

static const char *short_type(const char *type) {
        if (streq(type, IOREG_PUBLISH_NOTIFICATION))
                return "PUBLISH";
        if (streq(type, IOREG_MATCHED_NOTIFICATION))
                return "MATCHED";
        if (streq(type, IOREG_TERMINATED_NOTIFICATION))
                return "TERMINATED";
        return type;
}

static void remember(Monitor *mon, uint64_t id, const char *name, const char *klass) {
        char key[24];

        snprintf(key, sizeof(key), "0x%" PRIx64, id);
        (void) json_object_set_new(mon->names, key, json_pack("[ss]", name, klass));
}

/* The names remembered for id, or asked for (and remembered) when the service is still there. */
static void names_of(Monitor *mon, ioreg_object_t service, uint64_t id, ioreg_name_t name, ioreg_name_t klass) {
        json_t *known; /* borrowed */
        char key[24];

        snprintf(key, sizeof(key), "0x%" PRIx64, id);
        known = json_object_get(mon->names, key);
        if (known) {
                snprintf(name, sizeof(ioreg_name_t), "%s", json_string_value(json_array_get(known, 0)));
                snprintf(klass, sizeof(ioreg_name_t), "%s", json_string_value(json_array_get(known, 1)));
                return;
        }
        if (ioreg_registry_entry_get_name(service, name) != IOREG_RETURN_SUCCESS)
                snprintf(name, sizeof(ioreg_name_t), "?");
        if (ioreg_object_get_class(service, klass) != IOREG_RETURN_SUCCESS)
                snprintf(klass, sizeof(ioreg_name_t), "?");
        remember(mon, id, name, klass);
}

static void print_json(json_t *event) {
        json_auto_t *e = event;

        if (e)
                (void) json_dumpf(e, stdout, JSON_COMPACT | JSON_PRESERVE_ORDER);
        fputc('\n', stdout);
}

static void count_event(Monitor *mon) {
        fflush(stdout);
        if (mon->max_events > 0 && ++mon->n_events >= mon->max_events)
                mon->done = true;
}

static void print_service(Monitor *mon, const char *type, ioreg_object_t service) {
        ioreg_name_t name, klass;
        char id_hex[24];
        uint64_t id;

        if (ioreg_registry_entry_get_registry_entry_id(service, &id) != IOREG_RETURN_SUCCESS)
                return;
        if (!streq(type, IOREG_TERMINATED_NOTIFICATION) && id <= mon->known_max)
                return; /* the replay of what was there already */
        names_of(mon, service, id, name, klass);
        snprintf(id_hex, sizeof(id_hex), "0x%" PRIx64, id);
        if (mon->json)
                print_json(json_pack("{s:s, s:s, s:s, s:s}", "event", type, "id", id_hex, "name", name, "class",
                                     klass));
        else
                printf("%-11s %s  %-28s %s\n", short_type(type), id_hex, klass, name);
        count_event(mon);
}

static void on_services(void *refcon, ioreg_iterator_t iterator) {
        Watch *w = refcon;
        ioreg_object_t o;

        if (!ioreg_iterator_is_valid(iterator)) {
                /* The daemon dropped events for us: start over, the replay of known entries is filtered out. */
                fprintf(stderr, "ioreg: monitor fell behind: %s events dropped\n", w->type);
                ioreg_iterator_reset(iterator);
        }
        while ((o = ioreg_iterator_next(iterator))) {
                if (!w->monitor->done)
                        print_service(w->monitor, w->type, o);
                ioreg_object_release(o);
        }
}

static void on_busy(void *refcon, ioreg_service_t service, uint32_t message, void *argument) {
        Monitor *mon = refcon;
        char id_hex[24];
        uint64_t id = 0;

        if (message != IOREG_MESSAGE_SERVICE_BUSY_STATE_CHANGE || mon->done)
                return;
        (void) ioreg_registry_entry_get_registry_entry_id(service, &id);
        snprintf(id_hex, sizeof(id_hex), "0x%" PRIx64, id);
        if (mon->json)
                print_json(json_pack("{s:s, s:s, s:b}", "event", IOREG_BUSY_INTEREST, "id", id_hex, "busy",
                                     argument != NULL));
        else
                printf("%-11s %s  %s\n", argument ? "BUSY" : "QUIET", id_hex, "registry");
        count_event(mon);
}

/* The services there now: the highest ID, and every name for a later termination. */
static int learn_registry(Monitor *mon) {
        _cleanup_(ioreg_tree_done) IoregTree tree = {};
        int error = 0, r;

        r = ioreg_tree_fetch("IOService", &error, &tree);
        if (r < 0) {
                fprintf(stderr, "ioreg: cannot read the registry: %s\n",
                        error ? ioreg_return_string(error) : strerror(-r));
                return r;
        }
        for (size_t i = 0; i < tree.n_nodes; i++) {
                const IoregNode *n = &tree.nodes[i];

                if (n->id > mon->known_max)
                        mon->known_max = n->id;
                remember(mon, n->id, n->name, n->classes && n->classes[0] ? n->classes[0] : "?");
        }
        return 0;
}

static void port_destroyp(ioreg_notification_port_t *p) {
        if (*p)
                ioreg_notification_port_destroy(*p);
}

static void object_releasep(ioreg_object_t *o) {
        if (*o)
                ioreg_object_release(*o);
}

int ioreg_monitor(bool json, unsigned max_events) {
        json_auto_t *names = json_object();
        Monitor mon = { .json = json, .max_events = max_events, .names = names };
        Watch watches[] = {
                { &mon, IOREG_PUBLISH_NOTIFICATION, NULL },
                { &mon, IOREG_MATCHED_NOTIFICATION, NULL },
                { &mon, IOREG_TERMINATED_NOTIFICATION, NULL },
        };
        _cleanup_(port_destroyp) ioreg_notification_port_t port = NULL;
        _cleanup_(object_releasep) ioreg_object_t root = NULL, busy = NULL;
        ioreg_return_t rr;
        int r = 0;

        if (!names)
                return -ENOMEM;
        port = ioreg_notification_port_create();
        if (!port) {
                fprintf(stderr, "ioreg: cannot create a notification port\n");
                return -ENOMEM;
        }
        r = learn_registry(&mon);
        if (r < 0)
                return r;
        for (size_t i = 0; i < ELEMENTSOF(watches); i++) {
                rr = ioreg_service_add_matching_notification(port, watches[i].type, json_object(), on_services,
                                                             &watches[i], &watches[i].iterator);
                if (rr != IOREG_RETURN_SUCCESS) {
                        fprintf(stderr, "ioreg: cannot subscribe to %s: %s\n", watches[i].type,
                                ioreg_return_string(rr));
                        r = -EIO;
                        goto out;
                }
                /* Arms it: what came between reading the plane and now is news. */
                on_services(&watches[i], watches[i].iterator);
        }
        root = ioreg_registry_get_root_entry();
        rr = root ? ioreg_service_add_interest_notification(port, root, IOREG_BUSY_INTEREST, on_busy, &mon, &busy)
                  : IOREG_RETURN_NO_DEVICE;
        if (rr != IOREG_RETURN_SUCCESS)
                fprintf(stderr, "ioreg: no busy interest on Root: %s\n", ioreg_return_string(rr));
        if (!json)
                fprintf(stderr, "monitoring the registry; press Ctrl-C to stop\n");

        while (!mon.done) {
                rr = ioreg_notification_port_run(port, UINT64_MAX);
                if (rr != IOREG_RETURN_SUCCESS && rr != IOREG_RETURN_TIMEOUT) {
                        fprintf(stderr, "ioreg: the notification port failed: %s\n", ioreg_return_string(rr));
                        r = -EIO;
                        break;
                }
        }
out:
        for (size_t i = 0; i < ELEMENTSOF(watches); i++)
                if (watches[i].iterator)
                        ioreg_object_release(watches[i].iterator);
        return r;
}
