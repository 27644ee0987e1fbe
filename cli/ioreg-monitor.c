/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ioreg-monitor.c: see ioreg-monitor.h. Everything goes through a libioreg
 * notification port, which subscribes, acknowledges and resynchronizes. A
 * terminated service's properties and name come from its notification
 * (libioreg keeps them); the monitor also remembers names from the plane it
 * read at start and from each publication.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include <ioreg/ioreg.h>

#include "ioreg-monitor.h"
#include "ioreg-output.h"
#include "ioreg-tree.h"
#include "linux-facts.h"
#include "macro.h"

/* One event of a dispatch, held until the dispatch ends so that the batch prints in order. */
typedef struct Event {
        unsigned rank;         /* 0 publish, 1 matched, 2 terminated */
        size_t arrival;        /* its place in the batch */
        size_t group;          /* the arrival of its entry's first event in the batch */
        uint64_t id;
        ioreg_name_t name, klass;
        json_t *properties;    /* owned, NULL when they could not be read */
        struct timeval time;
} Event;

typedef struct Monitor {
        bool json;
        const IoregPrintOptions *o; /* borrowed */
        uint64_t known_max;   /* entries up to this ID existed at start: their replay is not news */
        json_t *names;        /* owned: "0x<id>" → [name, class] of every service seen */
        uint64_t seq;         /* the last sequence number printed */
        unsigned max_events;
        bool done;
        Event *batch;         /* owned */
        struct timeval batch_time; /* when its first event arrived */
        size_t n_batch;
        unsigned cap_batch;
} Monitor;

/* One matching notification of the monitor. */
typedef struct Watch {
        Monitor *monitor;      /* borrowed */
        const char *type;      /* static: IOREG_*_NOTIFICATION */
        unsigned rank;
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

static const char *const rank_types[] = { IOREG_PUBLISH_NOTIFICATION, IOREG_MATCHED_NOTIFICATION,
                                          IOREG_TERMINATED_NOTIFICATION };

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

/* -k and -n, on what the event carries (-c was the subscriptions' IOProviderClass). */
static bool event_selected(const Monitor *mon, const Event *e) {
        if (mon->o->key && !json_object_get(e->properties, mon->o->key))
                return false;
        if (mon->o->name && !streq(mon->o->name, e->name))
                return false;
        return true;
}

static void format_time(const struct timeval *tv, bool iso, char *buf, size_t size) {
        struct tm tm;

        if (iso) {
                gmtime_r(&tv->tv_sec, &tm);
                strftime(buf, size, "%Y-%m-%dT%H:%M:%S", &tm);
                snprintf(buf + strlen(buf), size - strlen(buf), ".%06ldZ", (long) tv->tv_usec);
        } else {
                localtime_r(&tv->tv_sec, &tm);
                strftime(buf, size, "%H:%M:%S", &tm);
                snprintf(buf + strlen(buf), size - strlen(buf), ".%03ld", (long) tv->tv_usec / 1000);
        }
}

static void count_event(Monitor *mon) {
        fflush(stdout);
        if (mon->max_events > 0 && mon->seq >= mon->max_events)
                mon->done = true;
}

/* -l in the text form: the properties as ioreg prints them, indented below the event's line. */
static void print_properties(Monitor *mon, json_t *properties) {
        _cleanup_free_ Printer *p = calloc(1, sizeof(Printer));
        const char *key;
        json_t *v; /* borrowed */

        if (!p)
                return;
        *p = (Printer) { .f = stdout, .o = mon->o, .left = 0, .bold_on = "", .bold_off = "" };
        out_puts(p, "    {");
        out_endl(p);
        json_object_foreach(properties, key, v) {
                out_puts(p, "      ");
                out_string(p, key);
                out_puts(p, " = ");
                out_value(p, v);
                out_endl(p);
        }
        out_puts(p, "    }");
        out_endl(p);
        out_flush(p);
}

static void print_event(Monitor *mon, const Event *e) {
        const char *type = rank_types[e->rank];
        LinuxFacts facts;
        char id_hex[24], when[64];

        if (!event_selected(mon, e))
                return;
        mon->seq++;
        snprintf(id_hex, sizeof(id_hex), "0x%" PRIx64, e->id);
        linux_facts_read(e->properties, false, &facts);
        format_time(&e->time, mon->json, when, sizeof(when));
        if (mon->json) {
                json_auto_t *j = json_pack("{s:s, s:s, s:s, s:s, s:I, s:s}", "event", type, "id", id_hex, "name",
                                           e->name, "class", e->klass, "seq", (json_int_t) mon->seq, "time", when);
                json_auto_t *linux_j = linux_facts_to_json(&facts);

                if (j && linux_j)
                        (void) json_object_update(j, linux_j);
                if (j && mon->o->all_properties && e->properties)
                        (void) json_object_set(j, "properties", e->properties);
                if (j)
                        (void) json_dumpf(j, stdout, JSON_COMPACT | JSON_PRESERVE_ORDER);
                fputc('\n', stdout);
        } else {
                printf("%s %-10s %s  %-28s %s", when, short_type(type), id_hex, e->klass, e->name);
                if (facts.ids[0])
                        printf("  %s", facts.ids);
                if (facts.devnode)
                        printf("  %s", facts.devnode);
                if (facts.pci_address)
                        printf("  pci %s", facts.pci_address);
                if (facts.driver)
                        printf("  driver %s", facts.driver);
                fputc('\n', stdout);
                if (mon->o->all_properties && e->properties)
                        print_properties(mon, e->properties);
        }
        linux_facts_done(&facts);
        count_event(mon);
}

static int compare_events(const void *a, const void *b) {
        const Event *x = a, *y = b;

        if (x->group != y->group)
                return x->group < y->group ? -1 : 1;
        if (x->rank != y->rank)
                return x->rank < y->rank ? -1 : 1;
        return x->arrival < y->arrival ? -1 : x->arrival > y->arrival;
}

/* The batch of one dispatch, in order: entries by their first event, each entry's events by kind. */
static void flush_batch(Monitor *mon) {
        qsort(mon->batch, mon->n_batch, sizeof(Event), compare_events);
        for (size_t i = 0; i < mon->n_batch; i++) {
                if (!mon->done)
                        print_event(mon, &mon->batch[i]);
                json_decref(mon->batch[i].properties);
        }
        mon->n_batch = 0;
}

static void queue_service(Monitor *mon, unsigned rank, ioreg_object_t service) {
        Event *e;
        uint64_t id;

        if (ioreg_registry_entry_get_registry_entry_id(service, &id) != IOREG_RETURN_SUCCESS)
                return;
        if (rank != 2 && id <= mon->known_max)
                return; /* the replay of what was there already */
        if (GROW(mon->batch, mon->cap_batch, mon->n_batch + 1) < 0)
                return;
        e = &mon->batch[mon->n_batch];
        *e = (Event) { .rank = rank, .arrival = mon->n_batch, .group = mon->n_batch, .id = id };
        for (size_t i = 0; i < mon->n_batch; i++)
                if (mon->batch[i].id == id) {
                        e->group = mon->batch[i].group;
                        break;
                }
        /* One stamp for a batch: its events arrived together, and print in order. */
        if (mon->n_batch == 0)
                (void) gettimeofday(&mon->batch_time, NULL);
        e->time = mon->batch_time;
        names_of(mon, service, id, e->name, e->klass);
        /* As the event had them: the entry may be gone already when the batch prints. */
        e->properties = ioreg_registry_entry_copy_notification_properties(service);
        mon->n_batch++;
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
                queue_service(w->monitor, w->rank, o);
                ioreg_object_release(o);
        }
}

static void on_busy(void *refcon, ioreg_service_t service, uint32_t message, void *argument) {
        Monitor *mon = refcon;
        struct timeval now;
        char id_hex[24], when[64];
        uint64_t id = 0;

        /* Busy and quiet are the registry's, not an entry's: not shown when -k/-n/-c select entries. */
        if (message != IOREG_MESSAGE_SERVICE_BUSY_STATE_CHANGE || mon->done || mon->o->class_name ||
            mon->o->key || mon->o->name)
                return;
        flush_batch(mon); /* what came before it */
        (void) gettimeofday(&now, NULL);
        format_time(&now, mon->json, when, sizeof(when));
        (void) ioreg_registry_entry_get_registry_entry_id(service, &id);
        snprintf(id_hex, sizeof(id_hex), "0x%" PRIx64, id);
        mon->seq++;
        if (mon->json) {
                json_auto_t *j = json_pack("{s:s, s:s, s:b, s:I, s:s}", "event", IOREG_BUSY_INTEREST, "id", id_hex,
                                           "busy", argument != NULL, "seq", (json_int_t) mon->seq, "time", when);

                if (j)
                        (void) json_dumpf(j, stdout, JSON_COMPACT | JSON_PRESERVE_ORDER);
                fputc('\n', stdout);
        } else
                printf("%s %-10s %s  %s\n", when, argument ? "BUSY" : "QUIET", id_hex, "registry");
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

int ioreg_monitor(bool json, unsigned max_events, const IoregPrintOptions *o) {
        json_auto_t *names = json_object();
        Monitor mon = { .json = json, .o = o, .max_events = max_events, .names = names };
        Watch watches[] = {
                { &mon, IOREG_PUBLISH_NOTIFICATION, 0, NULL },
                { &mon, IOREG_MATCHED_NOTIFICATION, 1, NULL },
                { &mon, IOREG_TERMINATED_NOTIFICATION, 2, NULL },
        };
        _cleanup_(port_destroyp) ioreg_notification_port_t port = NULL;
        _cleanup_(object_releasep) ioreg_object_t root = NULL, busy = NULL;
        ioreg_return_t rr;
        int r = 0;

        if (!names)
                return -ENOMEM;
        port = ioreg_notification_port_create();
        if (!port) {
                fprintf(stderr, "ioreg: cannot create a notification port: %s\n", strerror(errno));
                return -EIO;
        }
        r = learn_registry(&mon);
        if (r < 0)
                return r;
        for (size_t i = 0; i < ELEMENTSOF(watches); i++) {
                /* -c in the daemon: conformance is the registry's to judge, for terminated entries too. */
                json_t *matching = o->class_name ? ioreg_service_matching(o->class_name) : json_object();

                rr = ioreg_service_add_matching_notification(port, watches[i].type, matching, on_services,
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
        flush_batch(&mon);
        root = ioreg_registry_get_root_entry();
        rr = root ? ioreg_service_add_interest_notification(port, root, IOREG_BUSY_INTEREST, on_busy, &mon, &busy)
                  : IOREG_RETURN_NO_DEVICE;
        if (rr != IOREG_RETURN_SUCCESS)
                fprintf(stderr, "ioreg: no busy interest on Root: %s\n", ioreg_return_string(rr));
        if (!json)
                fprintf(stderr, "monitoring the registry; press Ctrl-C to stop\n");

        while (!mon.done) {
                rr = ioreg_notification_port_run(port, UINT64_MAX);
                flush_batch(&mon);
                if (rr != IOREG_RETURN_SUCCESS && rr != IOREG_RETURN_TIMEOUT) {
                        fprintf(stderr, "ioreg: the notification port failed: %s\n", ioreg_return_string(rr));
                        r = -EIO;
                        break;
                }
        }
out:
        flush_batch(&mon);
        free(mon.batch);
        for (size_t i = 0; i < ELEMENTSOF(watches); i++)
                if (watches[i].iterator)
                        ioreg_object_release(watches[i].iterator);
        return r;
}
