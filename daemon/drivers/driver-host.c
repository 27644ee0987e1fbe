/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * driver-host.c: the instances and the matcher seam (driver-host-internal.h).
 * An instance is the matcher's MatcherDriver record with its host slot set
 * to the server running it; the specs come from the personalities when they
 * load; the server calls (check-in, properties, providers, nubs) land here.
 */

#include <assert.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "device-access.h"
#include "driver-host-internal.h"
#include "kernel-driver.h"
#include "log.h"

/* -------------------------------------------------------------------------- */
/* Specs: validated when the personalities load. */

static SpecRecord *spec_record_free(SpecRecord *r) {
        if (!r)
                return NULL;
        driver_spec_done(&r->spec);
        personality_unref(r->personality);
        free(r);
        return NULL;
}

DEFINE_HASHMAP_FREE_FUNC(spec_record_free_void, SpecRecord, spec_record_free);
DEFINE_HASHMAP_FREE_FUNC(server_free_void, DriverServer, driver_server_free);
static const HashmapOps specs_ops = HASHMAP_OPS_STRING(spec_record_free_void);
static const HashmapOps servers_ops = HASHMAP_OPS_STRING(server_free_void);
static const HashmapOps opens_ops = HASHMAP_OPS_U64(driver_open_record_free);

/*
 * Adds p's spec to specs: 1 added or the same as the one there, 0 refused
 * (logged with the file and the personality), -ENOMEM.
 */
static int spec_add(DriverHost *h, Hashmap *specs, Personality *p) {
        _cleanup_(driver_spec_done) DriverSpec spec = {};
        const char *why = NULL;
        SpecRecord *rec;
        int r;

        r = driver_spec_from_personality(p, h->path, &spec, &why);
        if (r == -ENOMEM)
                return r;
        if (r < 0) {
                log_warning("%s: personality %s: cannot run driver server %s: %s, ignoring.", p->source ?: "?",
                            p->name, personality_get_string(p, "IOUserServerName") ?: "?", why ?: strerror(-r));
                return 0;
        }
        rec = hashmap_get(specs, spec.server_name);
        if (rec) {
                if (driver_spec_equal(&rec->spec, &spec))
                        return 1;
                log_warning("%s: personality %s: driver server %s is already defined differently by %s "
                            "(personality %s), ignoring.", p->source ?: "?", p->name, spec.server_name,
                            rec->personality->source ?: "?", rec->personality->name);
                return 0;
        }
        rec = calloc(1, sizeof(*rec));
        if (!rec)
                return -ENOMEM;
        rec->spec = spec;
        spec = (DriverSpec) {};
        rec->personality = personality_ref(p);
        if (hashmap_put(specs, rec->spec.server_name, rec) < 0) {
                spec_record_free(rec);
                return -ENOMEM;
        }
        return 1;
}

int driver_host_load_specs(DriverHost *h, PersonalityList *list) {
        _cleanup_(personality_list_done) PersonalityList kept = PERSONALITY_LIST_INIT;
        _cleanup_(hashmap_donep) Hashmap specs = HASHMAP_INIT(&specs_ops);
        int r;

        for (unsigned i = 0; i < list->n; i++) {
                Personality *p = list->items[i];

                r = driver_spec_wanted(p) ? spec_add(h, &specs, p) : 1;
                if (r > 0)
                        r = personality_list_append_take(&kept, personality_ref(p));
                if (r < 0)
                        return r;
        }
        hashmap_done(&h->specs);
        h->specs = specs;
        specs = HASHMAP_INIT(&specs_ops);
        personality_list_done(list);
        *list = kept;
        kept = PERSONALITY_LIST_INIT;
        return 0;
}

/* -------------------------------------------------------------------------- */
/* The matcher's seam. */

static DriverServer *server_for(DriverHost *h, const Personality *p, int *ret_error) {
        const char *name = personality_get_string(p, "IOUserServerName");
        const SpecRecord *rec;
        DriverServer *s;

        /* A reload that changed the server's spec (program, environment, user): its next launch takes it. */
        s = name ? hashmap_get(&h->servers, name) : NULL;
        rec = name ? hashmap_get(&h->specs, name) : NULL;
        if (s)
                return s;
        if (!rec) {
                /* driver_host_load_specs() refused it, or never saw it. */
                log_warning("%s: personality %s: driver server %s has no valid spec loaded.", p->source ?: "?",
                            p->name, name ?: "?");
                *ret_error = -ENOENT;
                return NULL;
        }
        s = driver_server_new(h, &rec->spec);
        if (!s || hashmap_put(&h->servers, s->name, s) < 0) {
                driver_server_free(s); /* not in the map */
                *ret_error = -ENOMEM;
                return NULL;
        }
        return s;
}

static bool host_wants(void *userdata, const Personality *p) {
        return driver_spec_wanted(p);
}

static void host_probe(void *userdata, Entry *nub, const Personality *p, const Value *table, int32_t score,
                       MatcherDone done, void *token) {
        DriverHost *h = userdata;
        DriverServer *s;
        HostCall *c;
        int r = 0;

        s = server_for(h, p, &r);
        if (!s) {
                done(token, r, score);
                return;
        }
        if (s->state == SERVER_FAILED) {
                done(token, -ELOOP, score);
                return;
        }
        c = calloc(1, sizeof(*c));
        if (!c) {
                done(token, -ENOMEM, score);
                return;
        }
        *c = (HostCall) {
                .kind = CALL_PROBE,
                .nub = entry_ref(nub),
                .table = value_ref((Value *) table),
                .score = score,
                .done = done,
                .token = token,
        };
        driver_server_submit(s, c);
}

/*
 * Detaches the nub's kernel driver for driver, before its Start (kernel-driver.h): a USB interface through
 * the driver's access fd (USBDEVFS_DISCONNECT_CLAIM: detached and claimed for it in one step), any other
 * nub through sysfs. The driver has its provider open from then on; the open record binds the kernel
 * driver again when it goes (driver_open_record_free()).
 */
static int take_from_kernel_driver(DriverHost *h, Entry *nub, MatcherDriver *driver) {
        bool usbfs = kernel_driver_by_usbfs(nub);
        OpenRecord *o;
        int r;

        if (usbfs)
                r = driver_host_prepare_access(h, driver->entry, DEVICE_ACCESS_DETACH_KERNEL_DRIVER);
        else
                r = driver_host_open_provider(h, driver->entry);
        o = r >= 0 ? hashmap_get(&h->opens, &nub->id) : NULL;
        if (r >= 0 && !usbfs) {
                r = kernel_driver_detach(nub);
                if (r < 0)
                        (void) driver_host_close_provider(h, driver->entry);
        }
        if (r < 0)
                return log_warning_errno(r, "Cannot detach kernel driver %s from %s for %s: %m", driver->kernel_driver,
                                         entry_get_name(nub, NULL), driver->personality->name);
        assert(o && o->driver_id == driver->id);
        o->kernel_nub = entry_ref(nub);
        o->kernel_driver = strdup(driver->kernel_driver); /* for the log only: NULL says "?" */
        o->matcher = h->matcher;
        log_info("Detached kernel driver %s from %s: %s replaces it.", driver->kernel_driver, entry_get_name(nub, NULL),
                 driver->personality->name);
        return 0;
}

static void host_start(void *userdata, Entry *nub, MatcherDriver *driver, MatcherDone done, void *token) {
        DriverHost *h = userdata;
        DriverServer *s;
        HostCall *c;
        int r = 0;

        s = server_for(h, driver->personality, &r);
        if (!s) {
                done(token, r, 0);
                return;
        }
        if (s->state == SERVER_FAILED) {
                done(token, -ELOOP, 0);
                return;
        }
        c = calloc(1, sizeof(*c));
        if (!c) {
                done(token, -ENOMEM, 0);
                return;
        }
        /* It replaces the nub's kernel driver (matcher.h): detached before Start. */
        if (driver->kernel_driver) {
                r = take_from_kernel_driver(h, nub, driver);
                if (r < 0) {
                        free(c);
                        done(token, r, 0);
                        return;
                }
        }
        /* The instance: the record's host slot from now on, and the start call's until it replies. */
        driver->host = s;
        s->n_instances++;
        *c = (HostCall) {
                .kind = CALL_START,
                .nub = entry_ref(nub),
                .driver = entry_ref(driver->entry),
                .driver_id = driver->id,
                .instance = true,
                .done = done,
                .token = token,
                .holds_entry = true,
        };
        /* A nub that goes during Start waits for the Stop that follows it (on_start_reply()). */
        entry_hold_removal(driver->entry);
        driver_server_submit(s, c);
}

static void host_stop(void *userdata, MatcherDriver *driver) {
        DriverHost *h = userdata;
        DriverServer *s = driver->host;

        if (!s)
                return; /* its server crashed, or its start never completed */
        if (s->state == SERVER_RUNNING)
                /* Its access ends when Stop does (driver_server_send_termination()), not before. */
                driver_host_forget_instance(h, s, driver->id);
        else
                driver_host_release_instance(h, s, driver->id);
        if (s->n_instances == 0)
                s->retiring = true; /* it exits by itself after this Stop */
        /* Phase 1 reaches the driver as a message from its provider, then stop (reference §1.10). */
        driver_server_send_termination(s, driver->entry);
}

const DriverHostOps driver_host_ops = {
        .wants = host_wants,
        .probe = host_probe,
        .start = host_start,
        .stop = host_stop,
};

/* -------------------------------------------------------------------------- */

int driver_host_new(sd_event *event, Registry *reg, Matcher *matcher, const DriverHostHooks *hooks,
                    const char *installed_dir, DriverHost **ret) {
        DriverHost *h;
        sigset_t mask;

        /* sd-event's child sources want SIGCHLD blocked. */
        sigemptyset(&mask);
        sigaddset(&mask, SIGCHLD);
        if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
                return -errno;
        h = calloc(1, sizeof(*h));
        if (!h)
                return -ENOMEM;
        h->event = event;
        h->registry = reg;
        h->matcher = matcher;
        if (hooks)
                h->hooks = *hooks;
        h->specs = HASHMAP_INIT(&specs_ops);
        h->servers = HASHMAP_INIT(&servers_ops);
        h->opens = HASHMAP_INIT(&opens_ops);
        h->path = driver_spec_default_path(installed_dir);
        if (!h->path) {
                free(h);
                return -ENOMEM;
        }
        *ret = h;
        return 0;
}

DriverHost *driver_host_free(DriverHost *h) {
        MatcherDriver *d;

        if (!h)
                return NULL;
        /* The matcher outlives us: its records forget their server. */
        for (unsigned i = 0; h->matcher && matcher_next_driver(h->matcher, &i, &d);)
                d->host = NULL;
        hashmap_done(&h->specs);
        hashmap_done(&h->opens);
        hashmap_done(&h->servers);
        sd_bus_unref(h->bus);
        strv_free(h->path);
        free(h);
        return NULL;
}

int driver_host_attach_bus(DriverHost *h, sd_bus *bus) {
        void *v;

        sd_bus_unref(h->bus);
        h->bus = sd_bus_ref(bus);
        for (unsigned i = 0; hashmap_next(&h->servers, &i, NULL, &v);) {
                DriverServer *s = v;

                if (s->state == SERVER_IDLE && s->queued)
                        (void) driver_server_launch(s);
        }
        return 0;
}

void driver_host_reset_crash_loops(DriverHost *h) {
        void *v;

        for (unsigned i = 0; hashmap_next(&h->servers, &i, NULL, &v);) {
                DriverServer *s = v;

                driver_backoff_reset(&s->backoff);
                if (s->state == SERVER_FAILED) {
                        s->state = SERVER_IDLE;
                        s->retry = true;
                }
        }
}

unsigned driver_host_retry_crash_loops(DriverHost *h) {
        _cleanup_free_ Entry **nubs = NULL;
        unsigned n = 0, cap = 0;
        void *v;

        for (unsigned i = 0; hashmap_next(&h->registry->by_id, &i, NULL, &v);) {
                Entry *e = v;
                const char *name = value_string(entry_get_property(e, "IOUserServerCrashLoop"), NULL);
                DriverServer *s = name ? hashmap_get(&h->servers, name) : NULL;

                if (!s || !s->retry || (e->state & ENTRY_STATE_INACTIVE) || GROW(nubs, cap, n + 1) < 0)
                        continue;
                nubs[n++] = entry_ref(e);
        }
        for (unsigned i = 0; hashmap_next(&h->servers, &i, NULL, &v);)
                ((DriverServer *) v)->retry = false;
        /* Outside the walk: matching may add and remove entries. */
        for (unsigned i = 0; i < n; i++) {
                if (entry_remove_property(nubs[i], "IOUserServerCrashLoop") >= 0)
                        entry_announce_properties(nubs[i]);
                if (nubs[i]->registry && !(nubs[i]->state & ENTRY_STATE_INACTIVE))
                        (void) matcher_register_service(h->matcher, nubs[i]);
                entry_unref(nubs[i]);
        }
        return n;
}

int driver_host_check_in(DriverHost *h, const char *sender, pid_t pid, uid_t uid, const char *server_name) {
        DriverServer *s = hashmap_get(&h->servers, server_name);

        if (!s || s->state != SERVER_LAUNCHING || s->pid != pid || s->uid != uid)
                return -EACCES; /* logged by the caller, rate-limited */
        s->unique_name = strdup(sender);
        if (!s->unique_name)
                return -ENOMEM;
        s->state = SERVER_RUNNING;
        s->timer = sd_event_source_disable_unref(s->timer);
        log_debug("Driver server %s (PID %d) checked in as %s.", s->name, (int) pid, sender);
        return 0;
}

void driver_host_flush(DriverHost *h, const char *server_name) {
        DriverServer *s = hashmap_get(&h->servers, server_name);

        if (s && s->state == SERVER_RUNNING)
                driver_server_send_queued(s);
}

int driver_host_authorize(DriverHost *h, const char *sender, uint64_t driver_id, Entry **ret_driver) {
        const MatcherDriver *d = matcher_find_driver(h->matcher, driver_id);
        const DriverServer *s = d ? d->host : NULL;

        if (!s || !d->entry->registry)
                return -ESRCH;
        if (!s->unique_name || !streq(s->unique_name, sender))
                return -EACCES;
        *ret_driver = d->entry;
        return 0;
}

/* The open record of driver's provider, made when it has none: -EBUSY opened by another, -ESTALE gone. */
static int open_record(DriverHost *h, Entry *driver, OpenRecord **ret) {
        Entry *nub = entry_get_parent(driver, h->registry->service_plane);
        OpenRecord *o;

        if (!nub || (nub->state & ENTRY_STATE_INACTIVE))
                return -ESTALE;
        o = hashmap_get(&h->opens, &nub->id);
        if (o) {
                if (o->driver_id != driver->id)
                        return -EBUSY;
                *ret = o;
                return 0;
        }
        o = calloc(1, sizeof(*o));
        if (!o)
                return -ENOMEM;
        *o = (OpenRecord) { .nub_id = nub->id, .driver_id = driver->id, .access_fd = -EBADF };
        if (hashmap_put(&h->opens, &o->nub_id, o) < 0) {
                free(o);
                return -ENOMEM;
        }
        *ret = o;
        return 1;
}

int driver_host_open_provider(DriverHost *h, Entry *driver) {
        OpenRecord *o;
        int r;

        r = open_record(h, driver, &o);
        return r < 0 ? r : 0;
}

static int open_access(DriverHost *h, Entry *driver, unsigned flags, int *ret_fd) {
        Entry *nub = entry_get_parent(driver, h->registry->service_plane);
        OpenRecord *o;
        int r, created;

        created = r = open_record(h, driver, &o);
        if (r < 0)
                return r;
        if (o->access_fd < 0) {
                r = device_access_open(nub, flags, &o->access_fd);
                if (r < 0) {
                        if (created)
                                hashmap_delete(&h->opens, &o->nub_id);
                        return r;
                }
        }
        if (ret_fd)
                *ret_fd = o->access_fd;
        return 0;
}

int driver_host_prepare_access(DriverHost *h, Entry *driver, unsigned flags) {
        return open_access(h, driver, flags, NULL);
}

int driver_host_copy_provider_fd(DriverHost *h, Entry *driver, int *ret_fd) {
        return open_access(h, driver, 0, ret_fd);
}

int driver_host_close_provider(DriverHost *h, Entry *driver) {
        Entry *nub = entry_get_parent(driver, h->registry->service_plane);
        OpenRecord *o = nub ? hashmap_get(&h->opens, &nub->id) : NULL;

        if (!o || o->driver_id != driver->id)
                return -ENOTCONN;
        hashmap_delete(&h->opens, &o->nub_id);
        return 0;
}

int driver_host_register_nub(DriverHost *h, Entry *driver, const char *class_name, const char *name,
                             Value *props, uint64_t *ret_id) {
        Entry *nub;
        int r;

        if (!class_table_find(h->registry->classes, class_name)) {
                r = class_table_define(h->registry->classes, class_name, "IOService", NULL);
                if (r < 0)
                        return r;
        } else if (!class_table_conforms_to(h->registry->classes, class_table_find(h->registry->classes, class_name),
                                            "IOService"))
                return -EOPNOTSUPP; /* a nub is a service */
        r = registry_create_entry(h->registry, class_name, &nub);
        if (r < 0)
                return r;
        for (size_t i = 0; i < value_dict_size(props) && r >= 0; i++)
                r = entry_set_property(nub, value_dict_key_at(props, i), value_dict_value_at(props, i));
        if (r >= 0 && name)
                r = entry_set_name(nub, NULL, name);
        if (r >= 0)
                r = entry_attach(nub, driver, h->registry->service_plane);
        if (r < 0) {
                registry_remove_entry(h->registry, nub);
                return r;
        }
        *ret_id = nub->id;
        r = matcher_register_service(h->matcher, nub);
        if (r < 0)
                log_warning_errno(r, "Cannot match nub %s, ignoring: %m", entry_get_name(nub, NULL));
        return 0;
}

const char *driver_host_server_of(const DriverHost *h, const Entry *driver) {
        const MatcherDriver *d = matcher_find_driver(h->matcher, driver->id);
        const DriverServer *s = d ? d->host : NULL;

        return s ? s->name : NULL;
}

const char *driver_host_server_bus_name(const DriverHost *h, const Entry *driver) {
        const MatcherDriver *d = matcher_find_driver(h->matcher, driver->id);
        const DriverServer *s = d && d->started ? d->host : NULL;

        if (!s || s->state != SERVER_RUNNING || s->signalled)
                return NULL;
        return s->unique_name;
}

pid_t driver_host_server_pid(const DriverHost *h, const char *server_name) {
        DriverServer *s = hashmap_get(&h->servers, server_name);

        return s ? s->pid : 0;
}

bool driver_host_provider_is_open(const DriverHost *h, const Entry *nub) {
        return h && nub && hashmap_get(&h->opens, &nub->id) != NULL;
}
