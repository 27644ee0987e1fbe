/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* driver-host.c: see driver-host.h. */

#include <assert.h>
#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bus-value.h"
#include "driver-backoff.h"
#include "driver-host.h"
#include "driver-launch.h"
#include "driver-spec.h"
#include "notify-hub.h"
#include "trust.h"
#include "log.h"
#include "protocol.h"

#define LINE_MAX_LEN 1024

typedef enum ServerState {
        SERVER_IDLE,      /* no process; calls may be queued (the bus is not there yet) */
        SERVER_LAUNCHING, /* forked, waiting for its check-in */
        SERVER_RUNNING,   /* checked in */
        SERVER_WAITING,   /* crashed, in back-off */
        SERVER_FAILED,    /* given up on (crash loop, restart "no", cannot launch) */
} ServerState;

typedef enum CallKind {
        CALL_PROBE,
        CALL_START,
        CALL_STOP,
        CALL_MESSAGE,
} CallKind;

typedef struct DriverServer DriverServer;

typedef struct HostCall {
        struct HostCall *next;      /* in the server's queued or sent list */
        DriverServer *server;       /* weak */
        CallKind kind;
        Entry *nub;                 /* owned reference (probe, start) */
        Entry *driver;              /* owned reference (start, stop, message) */
        uint64_t driver_id;
        Value *table;               /* owned (probe: the personality's copy) */
        int32_t score;
        uint32_t message;
        MatcherDone done;           /* probe and start: told exactly once */
        void *token;                /* borrowed */
        sd_bus_slot *slot;          /* owned while sent */
} HostCall;

typedef struct LineBuffer {
        char buf[LINE_MAX_LEN];
        size_t len;
} LineBuffer;

struct DriverServer {
        DriverHost *host;           /* weak */
        char *name;                 /* owned; the servers map key */
        DriverSpec spec;
        ServerState state;
        pid_t pid;
        uid_t uid;
        char *unique_name;          /* owned: the checked-in connection */
        sd_event_source *child;     /* owned */
        sd_event_source *out_io, *err_io; /* owned */
        LineBuffer out_line, err_line;
        sd_event_source *timer;     /* owned: check-in, idle, stop and kill timeouts */
        sd_event_source *backoff_timer; /* owned */
        HostCall *queued;           /* owned list, in order */
        HostCall *sent;             /* owned list */
        unsigned n_instances;       /* instances started or starting */
        bool retiring;              /* its last instance stopped: it exits by itself */
        bool signalled;             /* we sent it SIGTERM or SIGKILL */
        DriverBackoff backoff;
        uint64_t *rematch;          /* owned: nub IDs to match again after the back-off */
        unsigned n_rematch, cap_rematch;
};

typedef struct Instance {
        uint64_t id;                /* the driver entry's ID; the map key */
        Entry *driver;              /* owned reference */
        DriverServer *server;       /* weak */
        uint64_t nub_id;
        bool started;               /* Start replied */
} Instance;

typedef struct OpenRecord {
        uint64_t nub_id;            /* the map key */
        uint64_t driver_id;         /* who opened it */
} OpenRecord;

struct DriverHost {
        sd_event *event;            /* borrowed */
        Registry *registry;         /* borrowed */
        Matcher *matcher;           /* borrowed */
        DriverHostHooks hooks;
        sd_bus *bus;                /* owned reference, NULL before driver_host_attach_bus() */
        char **path;                /* owned strv: the driver path */
        Hashmap servers;            /* name → DriverServer * (owned) */
        Hashmap instances;          /* driver entry ID → Instance * (owned) */
        Hashmap opens;              /* nub ID → OpenRecord * (owned) */
};

static uint64_t now_usec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void call_free(HostCall *c) {
        if (!c)
                return;
        sd_bus_slot_unref(c->slot);
        entry_unref(c->nub);
        entry_unref(c->driver);
        value_unref(c->table);
        free(c);
}

static void list_append(HostCall **list, HostCall *c) {
        while (*list)
                list = &(*list)->next;
        c->next = NULL;
        *list = c;
}

static bool list_unlink(HostCall **list, HostCall *c) {
        for (; *list; list = &(*list)->next)
                if (*list == c) {
                        *list = c->next;
                        c->next = NULL;
                        return true;
                }
        return false;
}

/* Tells the matcher once and frees c (c is out of every list). */
static void call_complete(HostCall *c, int r, int32_t score) {
        MatcherDone done = c->done;
        void *token = c->token;

        c->done = NULL;
        call_free(c);
        if (done)
                done(token, r, score);
}

static void rematch_add(DriverServer *s, uint64_t nub_id) {
        for (unsigned i = 0; i < s->n_rematch; i++)
                if (s->rematch[i] == nub_id)
                        return;
        if (GROW(s->rematch, s->cap_rematch, s->n_rematch + 1) >= 0)
                s->rematch[s->n_rematch++] = nub_id;
}

static void release_opens(DriverHost *h, uint64_t driver_id) {
        void *v;

        for (unsigned i = 0; hashmap_next(&h->opens, &i, NULL, &v);) {
                OpenRecord *o = v;

                if (o->driver_id == driver_id) {
                        free(hashmap_remove(&h->opens, &o->nub_id));
                        return; /* one provider per driver */
                }
        }
}

static void instance_drop(DriverHost *h, Instance *inst) {
        hashmap_remove(&h->instances, &inst->id);
        release_opens(h, inst->id);
        if (inst->server->n_instances > 0)
                inst->server->n_instances--;
        entry_unref(inst->driver);
        free(inst);
}

static void server_stop_sources(DriverServer *s) {
        s->child = sd_event_source_disable_unref(s->child);
        s->out_io = sd_event_source_disable_unref(s->out_io);
        s->err_io = sd_event_source_disable_unref(s->err_io);
        s->timer = sd_event_source_disable_unref(s->timer);
}

static DriverServer *server_free(DriverServer *s) {
        HostCall *c;

        if (!s)
                return NULL;
        if (s->pid > 0 && s->child) {
                /* The daemon goes: so do its servers (they would die with it anyway, PDEATHSIG). */
                (void) kill(s->pid, SIGTERM);
        }
        server_stop_sources(s);
        s->backoff_timer = sd_event_source_disable_unref(s->backoff_timer);
        /* The matcher is torn down with us and abandons its jobs: nobody is told. */
        while ((c = s->queued)) {
                s->queued = c->next;
                call_free(c);
        }
        while ((c = s->sent)) {
                s->sent = c->next;
                call_free(c);
        }
        driver_spec_done(&s->spec);
        free(s->unique_name);
        free(s->rematch);
        free(s->name);
        free(s);
        return NULL;
}

static int server_launch(DriverServer *s);
static void server_send_queued(DriverServer *s);
static void server_check_idle(DriverServer *s);

/* -------------------------------------------------------------------------- */
/* Calls to the server. */

static int on_call_reply(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error);

static int call_send(HostCall *c) {
        DriverServer *s = c->server;
        DriverHost *h = s->host;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        static const char *const methods[] = {
                [CALL_PROBE] = "Probe", [CALL_START] = "Start", [CALL_STOP] = "Stop", [CALL_MESSAGE] = "Message",
        };
        uint64_t timeout = DRIVER_CALL_TIMEOUT_USEC;
        int r;

        r = sd_bus_message_new_method_call(h->bus, &m, s->unique_name, IOREG_DRIVER_SERVER_PATH, IOREG_DRIVER_SERVER_INTERFACE,
                                           methods[c->kind]);
        if (r < 0)
                return r;
        switch (c->kind) {
        case CALL_PROBE:
                r = sd_bus_message_append(m, "t", c->nub->id);
                if (r >= 0)
                        r = bus_message_append_dict(m, c->table);
                if (r >= 0)
                        r = sd_bus_message_append(m, "i", c->score);
                break;
        case CALL_START:
                r = sd_bus_message_append(m, "tt", c->driver_id, c->nub->id);
                if (r >= 0)
                        r = bus_message_append_dict(m, c->driver->properties);
                break;
        case CALL_STOP:
                r = sd_bus_message_append(m, "t", c->driver_id);
                timeout = DRIVER_STOP_TIMEOUT_USEC;
                break;
        case CALL_MESSAGE:
                r = sd_bus_message_append(m, "tut", c->driver_id, c->message, (uint64_t) 0);
                break;
        }
        if (r < 0)
                return r;
        return sd_bus_call_async(h->bus, &c->slot, m, on_call_reply, c, timeout);
}

/* Queues c; sends it at once when the server is up, launches the server when it is not. */
static void server_submit(DriverServer *s, HostCall *c) {
        c->server = s;
        list_append(&s->queued, c);
        if (s->state == SERVER_RUNNING && !s->retiring && !s->signalled) {
                s->timer = sd_event_source_disable_unref(s->timer); /* the idle timeout */
                server_send_queued(s);
        } else if (s->state == SERVER_IDLE)
                (void) server_launch(s);
}

static void server_kill(DriverServer *s, int sig);

static int on_kill_timer(sd_event_source *src, uint64_t usec, void *userdata) {
        DriverServer *s = userdata;

        s->timer = sd_event_source_disable_unref(s->timer);
        if (s->pid <= 0)
                return 0;
        if (s->state == SERVER_LAUNCHING) {
                log_warning("Driver server %s (PID %d) did not check in, sending SIGKILL.", s->name, (int) s->pid);
                s->signalled = true;
                (void) kill(s->pid, SIGKILL);
        } else if (!s->signalled) {
                if (s->n_instances == 0 && !s->retiring)
                        log_info("Driver server %s (PID %d) holds no driver, sending SIGTERM.", s->name, (int) s->pid);
                else
                        log_warning("Driver server %s (PID %d) did not exit, sending SIGTERM.", s->name, (int) s->pid);
                server_kill(s, SIGTERM);
        } else {
                log_warning("Driver server %s (PID %d) did not exit after SIGTERM, sending SIGKILL.", s->name,
                            (int) s->pid);
                (void) kill(s->pid, SIGKILL);
        }
        return 0;
}

static void server_arm_timer(DriverServer *s, uint64_t usec) {
        s->timer = sd_event_source_disable_unref(s->timer);
        if (sd_event_add_time_relative(s->host->event, &s->timer, CLOCK_MONOTONIC, usec, 0, on_kill_timer, s) < 0)
                log_warning("Cannot arm a timer for driver server %s, ignoring.", s->name);
}

/* SIGTERM now, SIGKILL after DRIVER_KILL_TIMEOUT_USEC. */
static void server_kill(DriverServer *s, int sig) {
        if (s->pid <= 0)
                return;
        s->signalled = true;
        (void) kill(s->pid, sig);
        server_arm_timer(s, DRIVER_KILL_TIMEOUT_USEC);
}

static void server_check_idle(DriverServer *s) {
        if (s->state != SERVER_RUNNING || s->n_instances > 0 || s->sent || s->queued || s->retiring || s->signalled)
                return;
        /* Probed, holds nothing: it goes unless something comes for it soon. */
        server_arm_timer(s, DRIVER_IDLE_USEC);
}

static void server_send_queued(DriverServer *s) {
        HostCall *c;

        while ((c = s->queued)) {
                int r;

                s->queued = c->next;
                c->next = NULL;
                /* Its nub or driver went while it waited: nothing to ask. */
                if ((c->kind == CALL_START && (c->driver->state & ENTRY_STATE_INACTIVE)) ||
                    ((c->kind == CALL_PROBE || c->kind == CALL_START) && (c->nub->state & ENTRY_STATE_INACTIVE))) {
                        if (c->kind == CALL_START) {
                                Instance *inst = hashmap_get(&s->host->instances, &c->driver_id);

                                if (inst)
                                        instance_drop(s->host, inst);
                        }
                        call_complete(c, -ESTALE, c->score);
                        continue;
                }
                r = call_send(c);
                if (r < 0) {
                        log_warning_errno(r, "Cannot call driver server %s: %m", s->name);
                        if (c->kind == CALL_START) {
                                Instance *inst = hashmap_get(&s->host->instances, &c->driver_id);

                                if (inst)
                                        instance_drop(s->host, inst);
                        }
                        call_complete(c, r, c->score);
                        continue;
                }
                list_append(&s->sent, c);
        }
        server_check_idle(s);
}

/*
 * ServiceIsTerminated, then Stop, for driver: sent at once to the process
 * that holds the instance (even while it retires), not queued behind calls
 * meant for its successor.
 */
static void send_termination(DriverServer *s, Entry *driver) {
        static const CallKind kinds[] = { CALL_MESSAGE, CALL_STOP };

        if (s->state != SERVER_RUNNING)
                return; /* not checked in: it never ran the instance */
        for (size_t i = 0; i < ELEMENTSOF(kinds); i++) {
                HostCall *c = calloc(1, sizeof(*c));

                if (c)
                        *c = (HostCall) {
                                .kind = kinds[i],
                                .server = s,
                                .driver = entry_ref(driver),
                                .driver_id = driver->id,
                                .message = IO_MESSAGE_SERVICE_IS_TERMINATED,
                        };
                if (!c || call_send(c) < 0) {
                        call_free(c);
                        log_warning("Driver server %s: cannot send it Stop, sending SIGTERM.", s->name);
                        server_kill(s, SIGTERM);
                        return;
                }
                list_append(&s->sent, c);
        }
}

/* The children a failed instance registered go with it (a removed entry leaves its children behind). */
static void terminate_children(DriverHost *h, Entry *driver) {
        for (;;) {
                Entry *const *children;
                unsigned n;

                children = entry_get_children(driver, h->registry->service_plane, &n);
                if (n == 0 || !h->hooks.terminate)
                        return;
                h->hooks.terminate(h->hooks.userdata, children[0]);
        }
}

static int on_call_reply(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        HostCall *c = userdata;
        DriverServer *s = c->server;
        DriverHost *h = s->host;
        const sd_bus_error *e = sd_bus_message_get_error(reply);
        Instance *inst;
        int r = 0;

        list_unlink(&s->sent, c);
        c->slot = sd_bus_slot_unref(c->slot);
        if (e)
                r = -sd_bus_error_get_errno(e) ?: -EIO;

        switch (c->kind) {
        case CALL_PROBE: {
                int accept = 0;
                int32_t score = c->score;

                if (r >= 0)
                        r = sd_bus_message_read(reply, "bi", &accept, &score);
                if (r < 0)
                        log_info("Driver server %s: Probe on %s failed: %s", s->name, entry_get_name(c->nub, NULL),
                                 e ? e->message : strerror(-r));
                call_complete(c, r < 0 ? r : accept ? 0 : -ENODEV, r < 0 ? c->score : score);
                break;
        }
        case CALL_START:
                inst = hashmap_get(&h->instances, &c->driver_id);
                if (r >= 0 && (!inst || (c->driver->state & ENTRY_STATE_INACTIVE))) {
                        /* Started, but its nub went meanwhile: stop it again. */
                        if (inst) {
                                instance_drop(h, inst);
                                if (s->n_instances == 0)
                                        s->retiring = true;
                                send_termination(s, c->driver);
                        }
                        call_complete(c, -ESTALE, 0);
                        break;
                }
                if (r < 0) {
                        log_info("Driver server %s: Start of %s on %s failed: %s", s->name,
                                 entry_get_name(c->driver, NULL), entry_get_name(c->nub, NULL),
                                 e ? e->message : strerror(-r));
                        if (inst)
                                instance_drop(h, inst);
                        terminate_children(h, c->driver);
                        call_complete(c, r, 0);
                        break;
                }
                inst->started = true;
                log_info("Driver server %s: started %s (0x%" PRIx64 ") on %s.", s->name,
                         entry_get_name(c->driver, NULL), c->driver_id, entry_get_name(c->nub, NULL));
                call_complete(c, 0, 0);
                break;
        case CALL_STOP:
                if (r < 0 && s->pid > 0 && !s->signalled) {
                        log_warning("Driver server %s: Stop of 0x%" PRIx64 " failed (%s), sending SIGTERM.", s->name,
                                    c->driver_id, e ? e->message : strerror(-r));
                        server_kill(s, SIGTERM);
                } else if (s->retiring && s->pid > 0 && !s->signalled)
                        /* It exits by itself now; if it does not, it is made to. */
                        server_arm_timer(s, DRIVER_STOP_TIMEOUT_USEC);
                call_free(c);
                break;
        case CALL_MESSAGE:
                call_free(c);
                break;
        }
        server_check_idle(s);
        return 0;
}

/* -------------------------------------------------------------------------- */
/* The process. */

static void log_lines(DriverServer *s, LineBuffer *b, bool flush, int level) {
        size_t start = 0;

        for (size_t i = 0; i < b->len; i++)
                if (b->buf[i] == '\n') {
                        log_full_errno(level, 0, "%s[%d]: %.*s", s->name, (int) s->pid, (int) (i - start),
                                       b->buf + start);
                        start = i + 1;
                }
        if (start == 0 && (flush || b->len == sizeof(b->buf)) && b->len > 0) {
                log_full_errno(level, 0, "%s[%d]: %.*s", s->name, (int) s->pid, (int) b->len, b->buf);
                start = b->len;
        }
        memmove(b->buf, b->buf + start, b->len - start);
        b->len -= start;
}

static int on_output(sd_event_source *src, int fd, uint32_t revents, void *userdata) {
        DriverServer *s = userdata;
        bool err = src == s->err_io;
        LineBuffer *b = err ? &s->err_line : &s->out_line;
        int level = err ? LOG_NOTICE : LOG_INFO;

        for (;;) {
                ssize_t n = read(fd, b->buf + b->len, sizeof(b->buf) - b->len);

                if (n > 0) {
                        b->len += n;
                        log_lines(s, b, false, level);
                        continue;
                }
                if (n < 0 && (errno == EAGAIN || errno == EINTR))
                        return 0;
                /* EOF or error: the process closed it (it exits, or it closed its stdout). */
                log_lines(s, b, true, level);
                if (err)
                        s->err_io = sd_event_source_disable_unref(s->err_io);
                else
                        s->out_io = sd_event_source_disable_unref(s->out_io);
                return 0;
        }
}

/* Whatever the process wrote before it exited (its exit may be seen before its last output). */
static void drain(DriverServer *s, sd_event_source *src) {
        if (src)
                (void) on_output(src, sd_event_source_get_io_fd(src), EPOLLIN, s);
}

static int on_backoff_done(sd_event_source *src, uint64_t usec, void *userdata) {
        DriverServer *s = userdata;
        DriverHost *h = s->host;
        _cleanup_free_ uint64_t *nubs = TAKE_PTR(s->rematch);
        unsigned n = s->n_rematch;

        s->backoff_timer = sd_event_source_disable_unref(s->backoff_timer);
        s->n_rematch = s->cap_rematch = 0;
        if (s->state == SERVER_WAITING)
                s->state = SERVER_IDLE;
        if (s->state == SERVER_IDLE && s->queued)
                (void) server_launch(s);
        for (unsigned i = 0; i < n; i++) {
                Entry *nub = registry_get_entry(h->registry, nubs[i]);

                if (nub && !(nub->state & ENTRY_STATE_INACTIVE))
                        (void) matcher_register_service(h->matcher, nub);
        }
        return 0;
}

static void mark_crash_loop(DriverServer *s) {
        DriverHost *h = s->host;

        for (unsigned i = 0; i < s->n_rematch; i++) {
                Entry *nub = registry_get_entry(h->registry, s->rematch[i]);

                if (!nub)
                        continue;
                if (entry_set_property_take(nub, "IOUserServerCrashLoop", value_new_string(s->name)) >= 0 &&
                    h->hooks.properties_changed)
                        h->hooks.properties_changed(h->hooks.userdata, nub);
        }
}

/* The process is gone: expected (retiring, signalled by us) or a crash. */
static void server_exited(DriverServer *s, const siginfo_t *si) {
        DriverHost *h = s->host;
        /* Instances left behind count as a crash too (a Stop that failed got it SIGTERM). */
        bool crashed = !(s->retiring || s->signalled) || s->state == SERVER_LAUNCHING || s->n_instances > 0;
        _cleanup_free_ Entry **drivers = NULL;
        unsigned n_drivers = 0, cap_drivers = 0;
        HostCall *failed = NULL, *c;
        void *v;

        if (si->si_code == CLD_EXITED)
                log_full_errno(crashed ? LOG_WARNING : LOG_INFO, 0, "Driver server %s (PID %d) exited with status %d%s.",
                               s->name, (int) s->pid, si->si_status, crashed ? ": it crashed" : "");
        else
                log_full_errno(crashed ? LOG_WARNING : LOG_INFO, 0, "Driver server %s (PID %d) was killed by signal %d%s.",
                               s->name, (int) s->pid, si->si_status, crashed ? ": it crashed" : "");
        /* What it had left to say. */
        drain(s, s->out_io);
        drain(s, s->err_io);
        log_lines(s, &s->out_line, true, LOG_INFO);
        log_lines(s, &s->err_line, true, LOG_NOTICE);
        server_stop_sources(s);
        s->pid = 0;
        free(s->unique_name);
        s->unique_name = NULL;
        s->retiring = s->signalled = false;

        /* Its instances: their entries go, their nubs are matched again. */
        for (bool again = true; again;) {
                again = false;
                for (unsigned i = 0; hashmap_next(&h->instances, &i, NULL, &v);) {
                        Instance *inst = v;

                        if (inst->server != s)
                                continue;
                        rematch_add(s, inst->nub_id);
                        if (inst->started && GROW(drivers, cap_drivers, n_drivers + 1) >= 0)
                                drivers[n_drivers++] = entry_ref(inst->driver);
                        instance_drop(h, inst);
                        again = true;
                        break;
                }
        }
        s->n_instances = 0;
        /* Calls under way fail; queued ones fail too after a crash, wait for the new process otherwise. */
        while ((c = s->sent)) {
                s->sent = c->next;
                list_append(&failed, c);
        }
        if (crashed)
                while ((c = s->queued)) {
                        s->queued = c->next;
                        list_append(&failed, c);
                }

        if (crashed) {
                uint64_t delay = 0;
                int r = s->spec.restart == DRIVER_RESTART_NO ? -ELOOP : driver_backoff_crashed(&s->backoff, now_usec(), &delay);

                for (c = failed; c; c = c->next)
                        if (c->kind == CALL_PROBE || c->kind == CALL_START)
                                rematch_add(s, c->nub->id);
                if (r < 0) {
                        s->state = SERVER_FAILED;
                        log_error("Driver server %s: %s; giving up until the catalogue is reloaded (%u nubs marked "
                                  "IOUserServerCrashLoop).",
                                  s->name,
                                  s->spec.restart == DRIVER_RESTART_NO ? "crashed and IOUserServerRestart is \"no\""
                                                                       : "crash loop",
                                  s->n_rematch);
                        mark_crash_loop(s);
                        delay = 0; /* other candidates may take the nubs now */
                } else {
                        s->state = SERVER_WAITING;
                        log_notice("Driver server %s: matching its %u nubs again in %" PRIu64 " ms (crash %u of %u).",
                                   s->name, s->n_rematch, delay / 1000, s->backoff.n_crashes, s->backoff.limit);
                }
                s->backoff_timer = sd_event_source_disable_unref(s->backoff_timer);
                if (sd_event_add_time_relative(h->event, &s->backoff_timer, CLOCK_MONOTONIC, delay, 0,
                                               on_backoff_done, s) < 0)
                        log_warning("Driver server %s: cannot arm the back-off timer, its nubs stay unmatched.",
                                    s->name);
        } else
                s->state = SERVER_IDLE;

        /* Entries first (their stop finds no instance and does nothing), then the matcher hears of the calls. */
        for (unsigned i = 0; i < n_drivers; i++) {
                if (drivers[i]->registry && h->hooks.terminate)
                        h->hooks.terminate(h->hooks.userdata, drivers[i]);
                entry_unref(drivers[i]);
        }
        while ((c = failed)) {
                failed = c->next;
                c->next = NULL;
                if (c->kind == CALL_START) {
                        terminate_children(h, c->driver);
                }
                call_complete(c, -ECONNRESET, c->score);
        }
        /* A clean exit with work waiting: the next process. */
        if (s->state == SERVER_IDLE && s->queued)
                (void) server_launch(s);
}

static int on_child(sd_event_source *src, const siginfo_t *si, void *userdata) {
        server_exited(userdata, si);
        return 0;
}

static int server_launch(DriverServer *s) {
        DriverHost *h = s->host;
        DriverProcess proc;
        const char *address = NULL;
        HostCall *c;
        int r;

        if (!h->bus)
                return 0; /* driver_host_attach_bus() launches it */
        r = sd_bus_get_address(h->bus, &address);
        if (r < 0)
                goto fail;
        /* On the system bus only root's executables run as driver servers (trust.h; 0 when not enforced). */
        r = trust_check_path(s->spec.executable);
        if (r < 0)
                goto fail;
        r = driver_launch(&s->spec, address, &proc);
        if (r < 0)
                goto fail;
        s->pid = proc.pid;
        s->uid = proc.uid;
        s->state = SERVER_LAUNCHING;
        s->retiring = s->signalled = false;
        s->out_line.len = s->err_line.len = 0;
        r = sd_event_add_child(h->event, &s->child, proc.pid, WEXITED, on_child, s);
        if (r >= 0)
                r = sd_event_add_io(h->event, &s->out_io, proc.out_fd, EPOLLIN, on_output, s);
        if (r >= 0)
                r = sd_event_source_set_io_fd_own(s->out_io, true);
        if (r >= 0)
                proc.out_fd = -1;
        if (r >= 0)
                r = sd_event_add_io(h->event, &s->err_io, proc.err_fd, EPOLLIN, on_output, s);
        if (r >= 0)
                r = sd_event_source_set_io_fd_own(s->err_io, true);
        if (r >= 0)
                proc.err_fd = -1;
        if (proc.out_fd >= 0)
                close(proc.out_fd);
        if (proc.err_fd >= 0)
                close(proc.err_fd);
        if (r < 0) {
                log_error_errno(r, "Cannot watch driver server %s (PID %d): %m", s->name, (int) proc.pid);
                (void) kill(proc.pid, SIGKILL);
                if (!s->child) {
                        (void) waitpid(proc.pid, NULL, 0);
                        s->pid = 0;
                        goto fail;
                }
                return r; /* the child source reports the exit */
        }
        server_arm_timer(s, DRIVER_CHECKIN_TIMEOUT_USEC);
        log_info("Launched driver server %s (PID %d, UID %u): %s", s->name, (int) s->pid, (unsigned) s->uid,
                 s->spec.executable);
        return 0;

fail:
        log_error_errno(r, "Cannot launch driver server %s (%s): %m", s->name, s->spec.executable);
        server_stop_sources(s);
        s->state = SERVER_FAILED;
        while ((c = s->queued)) {
                s->queued = c->next;
                c->next = NULL;
                if (c->kind == CALL_START) {
                        Instance *inst = hashmap_get(&h->instances, &c->driver_id);

                        if (inst)
                                instance_drop(h, inst);
                }
                call_complete(c, r, c->score);
        }
        return r;
}

/* -------------------------------------------------------------------------- */
/* The matcher's seam. */

static DriverServer *server_for(DriverHost *h, const Personality *p, int *ret_error) {
        _cleanup_(driver_spec_done) DriverSpec spec = {};
        const char *name = personality_get_string(p, "IOUserServerName");
        const char *why = NULL;
        DriverServer *s;
        int r;

        s = name ? hashmap_get(&h->servers, name) : NULL;
        if (s)
                return s;
        r = driver_spec_from_personality(p, h->path, &spec, &why);
        if (r < 0) {
                if (r != -ENOMEM)
                        log_warning("%s: personality %s: cannot run driver server %s: %s.", p->source ?: "?", p->name,
                                    name ?: "?", why ?: strerror(-r));
                *ret_error = r;
                return NULL;
        }
        s = calloc(1, sizeof(*s));
        if (!s || !(s->name = strdup(spec.server_name))) {
                free(s);
                *ret_error = -ENOMEM;
                return NULL;
        }
        s->host = h;
        s->spec = spec;
        spec = (DriverSpec) {};
        driver_backoff_init(&s->backoff);
        if (hashmap_put(&h->servers, s->name, s) < 0) {
                server_free(s);
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
        server_submit(s, c);
}

static void host_start(void *userdata, Entry *nub, Entry *driver, const Personality *p, MatcherDone done,
                       void *token) {
        DriverHost *h = userdata;
        DriverServer *s;
        Instance *inst;
        HostCall *c;
        int r = 0;

        s = server_for(h, p, &r);
        if (!s) {
                done(token, r, 0);
                return;
        }
        if (s->state == SERVER_FAILED) {
                done(token, -ELOOP, 0);
                return;
        }
        c = calloc(1, sizeof(*c));
        inst = calloc(1, sizeof(*inst));
        if (!c || !inst) {
                free(c);
                free(inst);
                done(token, -ENOMEM, 0);
                return;
        }
        *inst = (Instance) { .id = driver->id, .driver = entry_ref(driver), .server = s, .nub_id = nub->id };
        if (hashmap_put(&h->instances, &inst->id, inst) < 0) {
                entry_unref(inst->driver);
                free(inst);
                free(c);
                done(token, -ENOMEM, 0);
                return;
        }
        s->n_instances++;
        *c = (HostCall) {
                .kind = CALL_START,
                .nub = entry_ref(nub),
                .driver = entry_ref(driver),
                .driver_id = driver->id,
                .done = done,
                .token = token,
        };
        server_submit(s, c);
}

static void host_stop(void *userdata, Entry *driver) {
        DriverHost *h = userdata;
        Instance *inst = hashmap_get(&h->instances, &driver->id);
        DriverServer *s;

        if (!inst)
                return; /* its server crashed, or its start never completed */
        s = inst->server;
        instance_drop(h, inst);
        if (s->n_instances == 0)
                s->retiring = true; /* it exits by itself after this Stop */
        /* Phase 1 reaches the driver as a message from its provider, then stop (reference §1.10). */
        send_termination(s, driver);
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
        h->servers = HASHMAP_INIT(&string_hash_ops);
        h->instances = HASHMAP_INIT(&u64_hash_ops);
        h->opens = HASHMAP_INIT(&u64_hash_ops);
        h->path = driver_spec_default_path(installed_dir);
        if (!h->path) {
                free(h);
                return -ENOMEM;
        }
        *ret = h;
        return 0;
}

DriverHost *driver_host_free(DriverHost *h) {
        void *v;

        if (!h)
                return NULL;
        for (unsigned i = 0; hashmap_next(&h->instances, &i, NULL, &v);) {
                Instance *inst = v;

                entry_unref(inst->driver);
                free(inst);
        }
        for (unsigned i = 0; hashmap_next(&h->opens, &i, NULL, &v);)
                free(v);
        for (unsigned i = 0; hashmap_next(&h->servers, &i, NULL, &v);)
                server_free(v);
        hashmap_done(&h->instances);
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
                        (void) server_launch(s);
        }
        return 0;
}

void driver_host_reset_crash_loops(DriverHost *h) {
        void *v;

        for (unsigned i = 0; hashmap_next(&h->servers, &i, NULL, &v);) {
                DriverServer *s = v;

                driver_backoff_reset(&s->backoff);
                if (s->state == SERVER_FAILED)
                        s->state = SERVER_IDLE;
        }
}

int driver_host_check_in(DriverHost *h, const char *sender, pid_t pid, uid_t uid, const char *server_name) {
        DriverServer *s = hashmap_get(&h->servers, server_name);

        if (!s || s->state != SERVER_LAUNCHING || s->pid != pid || s->uid != uid) {
                log_warning("Refused a check-in as driver server %s from %s (PID %d, UID %u): not the process "
                            "ioregd launched.", server_name, sender, (int) pid, (unsigned) uid);
                return -EACCES;
        }
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
                server_send_queued(s);
}

int driver_host_authorize(DriverHost *h, const char *sender, uint64_t driver_id, Entry **ret_driver) {
        Instance *inst = hashmap_get(&h->instances, &driver_id);

        if (!inst || !inst->driver->registry)
                return -ESRCH;
        if (!inst->server->unique_name || !streq(inst->server->unique_name, sender))
                return -EACCES;
        *ret_driver = inst->driver;
        return 0;
}

int driver_host_open_provider(DriverHost *h, Entry *driver) {
        Entry *nub = entry_get_parent(driver, h->registry->service_plane);
        OpenRecord *o;

        if (!nub || (nub->state & ENTRY_STATE_INACTIVE))
                return -ESTALE;
        o = hashmap_get(&h->opens, &nub->id);
        if (o)
                return o->driver_id == driver->id ? 0 : -EBUSY;
        o = calloc(1, sizeof(*o));
        if (!o)
                return -ENOMEM;
        *o = (OpenRecord) { .nub_id = nub->id, .driver_id = driver->id };
        if (hashmap_put(&h->opens, &o->nub_id, o) < 0) {
                free(o);
                return -ENOMEM;
        }
        return 0;
}

int driver_host_close_provider(DriverHost *h, Entry *driver) {
        Entry *nub = entry_get_parent(driver, h->registry->service_plane);
        OpenRecord *o = nub ? hashmap_get(&h->opens, &nub->id) : NULL;

        if (!o || o->driver_id != driver->id)
                return -ENOTCONN;
        free(hashmap_remove(&h->opens, &o->nub_id));
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
        Instance *inst = hashmap_get(&h->instances, &driver->id);

        return inst ? inst->server->name : NULL;
}

const char *driver_host_server_bus_name(const DriverHost *h, const Entry *driver) {
        Instance *inst = hashmap_get(&h->instances, &driver->id);

        if (!inst || !inst->started || inst->server->state != SERVER_RUNNING || inst->server->signalled)
                return NULL;
        return inst->server->unique_name;
}

pid_t driver_host_server_pid(const DriverHost *h, const char *server_name) {
        DriverServer *s = hashmap_get(&h->servers, server_name);

        return s ? s->pid : 0;
}
