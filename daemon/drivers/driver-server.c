/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * driver-server.c: supervision of one driver server process
 * (driver-host-internal.h): launch, its output in the log, the check-in,
 * idle, stop and kill timeouts, its exit, the back-off and the crash loop.
 */

#include <assert.h>
#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "driver-host-internal.h"
#include "driver-launch.h"
#include "driver-user.h"
#include "trust.h"
#include "log.h"

static uint64_t now_usec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

DriverServer *driver_server_new(DriverHost *h, const DriverSpec *spec) {
        DriverServer *s = calloc(1, sizeof(*s));

        if (!s)
                return NULL;
        if (driver_spec_copy(spec, &s->spec) < 0 || !(s->name = strdup(spec->server_name))) {
                driver_spec_done(&s->spec);
                free(s);
                return NULL;
        }
        s->host = h;
        driver_backoff_init(&s->backoff);
        s->output_lines = RATELIMIT_INIT(DRIVER_OUTPUT_INTERVAL_USEC, DRIVER_OUTPUT_LINES);
        return s;
}

static void server_stop_sources(DriverServer *s) {
        s->child = sd_event_source_disable_unref(s->child);
        s->out_io = sd_event_source_disable_unref(s->out_io);
        s->err_io = sd_event_source_disable_unref(s->err_io);
        s->timer = sd_event_source_disable_unref(s->timer);
        s->output_resume = sd_event_source_disable_unref(s->output_resume);
}

DriverServer *driver_server_free(DriverServer *s) {
        HostCall *c;

        if (!s)
                return NULL;
        if (s->pid > 0 && s->child) {
                /* The daemon goes: so do its servers and what they forked (PDEATHSIG reaches the servers only). */
                driver_launch_kill_tree(s->pid, s->uid, s->dynamic_uid, SIGTERM);
                if (s->dynamic_uid)
                        driver_user_release(s->uid);
        }
        server_stop_sources(s);
        s->backoff_timer = sd_event_source_disable_unref(s->backoff_timer);
        /* The matcher is torn down with us and abandons its jobs: nobody is told, no entry let go. */
        while ((c = s->queued)) {
                s->queued = c->next;
                c->holds_entry = false;
                driver_call_free(c);
        }
        while ((c = s->sent)) {
                s->sent = c->next;
                c->ends_access = c->holds_entry = false;
                driver_call_free(c);
        }
        driver_spec_done(&s->spec);
        free(s->unique_name);
        free(s->rematch);
        free(s->name);
        free(s);
        return NULL;
}

static void rematch_add(DriverServer *s, uint64_t nub_id) {
        for (unsigned i = 0; i < s->n_rematch; i++)
                if (s->rematch[i] == nub_id)
                        return;
        if (GROW(s->rematch, s->cap_rematch, s->n_rematch + 1) >= 0)
                s->rematch[s->n_rematch++] = nub_id;
}

/* -------------------------------------------------------------------------- */
/* Timeouts and signals. */

/* The server and its process group (the leader, right after fork(), may not have made it yet). */
static void signal_tree(pid_t pid, int sig) {
        (void) kill(pid, sig);
        (void) kill(-pid, sig);
}

static int on_kill_timer(sd_event_source *src, uint64_t usec, void *userdata) {
        DriverServer *s = userdata;

        s->timer = sd_event_source_disable_unref(s->timer);
        if (s->pid <= 0)
                return 0;
        if (s->state == SERVER_LAUNCHING) {
                log_warning("Driver server %s (PID %d) did not check in, sending SIGKILL.", s->name, (int) s->pid);
                s->signalled = true;
                signal_tree(s->pid, SIGKILL);
        } else if (!s->signalled) {
                if (s->n_instances == 0 && !s->retiring)
                        log_info("Driver server %s (PID %d) holds no driver, sending SIGTERM.", s->name, (int) s->pid);
                else
                        log_warning("Driver server %s (PID %d) did not exit, sending SIGTERM.", s->name, (int) s->pid);
                driver_server_kill(s, SIGTERM);
        } else {
                log_warning("Driver server %s (PID %d) did not exit after SIGTERM, sending SIGKILL.", s->name,
                            (int) s->pid);
                signal_tree(s->pid, SIGKILL);
        }
        return 0;
}

void driver_server_arm_timer(DriverServer *s, uint64_t usec) {
        s->timer = sd_event_source_disable_unref(s->timer);
        if (sd_event_add_time_relative(s->host->event, &s->timer, CLOCK_MONOTONIC, usec, 0, on_kill_timer, s) < 0)
                log_warning("Cannot arm a timer for driver server %s, ignoring.", s->name);
}

void driver_server_kill(DriverServer *s, int sig) {
        if (s->pid <= 0)
                return;
        s->signalled = true;
        signal_tree(s->pid, sig); /* it and what it forked */
        driver_server_arm_timer(s, DRIVER_KILL_TIMEOUT_USEC);
}

void driver_server_check_idle(DriverServer *s) {
        if (s->state != SERVER_RUNNING || s->n_instances > 0 || s->sent || s->queued || s->retiring || s->signalled)
                return;
        /* Probed, holds nothing: it goes unless something comes for it soon. */
        driver_server_arm_timer(s, DRIVER_IDLE_USEC);
}

/* -------------------------------------------------------------------------- */
/* Its output, line by line in the log under its name. */

static void log_line(DriverServer *s, int level, const char *line, size_t len) {
        unsigned suppressed = ratelimit_take_suppressed(&s->output_lines);

        if (suppressed > 0)
                log_warning("%s[%d]: %u lines of its output not logged (more than %u a second).", s->name,
                            (int) s->pid, suppressed, DRIVER_OUTPUT_LINES);
        if (ratelimit_below(&s->output_lines))
                log_full_errno(level, 0, "%s[%d]: %.*s", s->name, (int) s->pid, (int) len, line);
}

static void log_lines(DriverServer *s, LineBuffer *b, bool flush, int level) {
        size_t start = 0;

        for (size_t i = 0; i < b->len; i++)
                if (b->buf[i] == '\n') {
                        log_line(s, level, b->buf + start, i - start);
                        start = i + 1;
                }
        if (start == 0 && (flush || b->len == sizeof(b->buf)) && b->len > 0) {
                log_line(s, level, b->buf, b->len);
                start = b->len;
        }
        memmove(b->buf, b->buf + start, b->len - start);
        b->len -= start;
}

/* Bytes it may still write in this interval (a new interval starts when the last is over). */
static size_t output_budget(DriverServer *s) {
        uint64_t now = ratelimit_now_usec();

        if (s->output_begin == 0 || now - s->output_begin >= DRIVER_OUTPUT_INTERVAL_USEC) {
                s->output_begin = now;
                s->output_bytes = 0;
        }
        return s->output_bytes < DRIVER_OUTPUT_BYTES ? DRIVER_OUTPUT_BYTES - s->output_bytes : 0;
}

static int on_output_resume(sd_event_source *src, uint64_t usec, void *userdata) {
        DriverServer *s = userdata;

        s->output_resume = sd_event_source_disable_unref(s->output_resume);
        if (s->out_io)
                (void) sd_event_source_set_enabled(s->out_io, SD_EVENT_ON);
        if (s->err_io)
                (void) sd_event_source_set_enabled(s->err_io, SD_EVENT_ON);
        return 0;
}

/* Its budget is spent: no reading until the interval is over (its pipes fill, its writes block). */
static void pause_output(DriverServer *s) {
        if (s->output_resume)
                return;
        if (sd_event_add_time(s->host->event, &s->output_resume, CLOCK_MONOTONIC,
                              s->output_begin + DRIVER_OUTPUT_INTERVAL_USEC, 0, on_output_resume, s) < 0)
                return; /* no timer: reading goes on, bounded per wake-up still */
        if (s->out_io)
                (void) sd_event_source_set_enabled(s->out_io, SD_EVENT_OFF);
        if (s->err_io)
                (void) sd_event_source_set_enabled(s->err_io, SD_EVENT_OFF);
}

static int on_output(sd_event_source *src, int fd, uint32_t revents, void *userdata) {
        DriverServer *s = userdata;
        bool err = src == s->err_io;
        LineBuffer *b = err ? &s->err_line : &s->out_line;
        int level = err ? LOG_NOTICE : LOG_INFO;

        for (;;) {
                size_t want = sizeof(b->buf) - b->len, budget = output_budget(s);
                ssize_t n;

                if (budget == 0) {
                        pause_output(s);
                        return 0;
                }
                n = read(fd, b->buf + b->len, want < budget ? want : budget);
                if (n > 0) {
                        s->output_bytes += (size_t) n;
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

/* -------------------------------------------------------------------------- */
/* Exit, back-off, crash loop. */

bool driver_exit_is_crash(ServerState state, bool retiring, bool signalled, unsigned n_instances) {
        /* Instances left behind count as a crash too (a Stop that failed got it SIGTERM). */
        return !(retiring || signalled) || state == SERVER_LAUNCHING || n_instances > 0;
}

int driver_exit_plan(DriverBackoff *b, DriverRestart restart, uint64_t now, uint64_t *ret_delay_usec) {
        if (restart == DRIVER_RESTART_NO)
                return -ELOOP;
        return driver_backoff_crashed(b, now, ret_delay_usec);
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
                (void) driver_server_launch(s);
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
                if (entry_set_property_take(nub, "IOUserServerCrashLoop", value_new_string(s->name)) >= 0)
                        entry_announce_properties(nub);
        }
}

/* After a crash: the back-off, or giving up; either way its nubs are matched again when the timer fires. */
static void server_crashed(DriverServer *s, HostCall *failed) {
        uint64_t delay = 0;
        int r = driver_exit_plan(&s->backoff, s->spec.restart, now_usec(), &delay);

        for (HostCall *c = failed; c; c = c->next)
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
        if (sd_event_add_time_relative(s->host->event, &s->backoff_timer, CLOCK_MONOTONIC, delay, 0, on_backoff_done,
                                       s) < 0)
                log_warning("Driver server %s: cannot arm the back-off timer, its nubs stay unmatched.", s->name);
}

/* The process is gone: expected (retiring, signalled by us) or a crash. */
static void server_exited(DriverServer *s, const siginfo_t *si) {
        DriverHost *h = s->host;
        bool crashed = driver_exit_is_crash(s->state, s->retiring, s->signalled, s->n_instances);
        _cleanup_free_ Entry **drivers = NULL;
        unsigned n_drivers = 0, cap_drivers = 0;
        HostCall *failed = NULL, *c;
        MatcherDriver *d;

        if (si->si_code == CLD_EXITED)
                log_full_errno(crashed ? LOG_WARNING : LOG_INFO, 0, "Driver server %s (PID %d) exited with status %d%s.",
                               s->name, (int) s->pid, si->si_status, crashed ? ": it crashed" : "");
        else
                log_full_errno(crashed ? LOG_WARNING : LOG_INFO, 0, "Driver server %s (PID %d) was killed by signal %d%s.",
                               s->name, (int) s->pid, si->si_status, crashed ? ": it crashed" : "");
        /*
         * What it forked ends with it, whether it crashed or stopped (issue 23, J): its process group,
         * and with a UID of its own every process of that UID. It is a zombie until this returns, so
         * its group's ID is not reused.
         */
        driver_launch_kill_tree(s->pid, s->uid, s->dynamic_uid, SIGKILL);
        if (s->dynamic_uid)
                driver_user_release(s->uid);
        s->dynamic_uid = false;
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

        /* Its instances (the records whose host slot is s): their entries go, their nubs are matched again. */
        for (unsigned i = 0; matcher_next_driver(h->matcher, &i, &d);) {
                if (d->host != s)
                        continue;
                rematch_add(s, d->nub_id);
                if (d->started && GROW(drivers, cap_drivers, n_drivers + 1) >= 0)
                        drivers[n_drivers++] = entry_ref(d->entry);
                driver_host_release_instance(h, s, d->id);
        }
        s->n_instances = 0;
        /* Calls under way fail; queued ones fail too after a crash, wait for the new process otherwise. */
        while ((c = s->sent)) {
                s->sent = c->next;
                driver_call_list_append(&failed, c);
        }
        if (crashed)
                while ((c = s->queued)) {
                        s->queued = c->next;
                        driver_call_list_append(&failed, c);
                }
        for (c = failed; c; c = c->next)
                driver_host_release_call_instance(h, c); /* a start whose record went: its provider is closed */

        if (crashed)
                server_crashed(s, failed);
        else
                s->state = SERVER_IDLE;

        /* Entries first (their stop finds no instance and does nothing), then the matcher hears of the calls. */
        for (unsigned i = 0; i < n_drivers; i++) {
                if (drivers[i]->registry)
                        driver_host_terminate(h, drivers[i]);
                entry_unref(drivers[i]);
        }
        while ((c = failed)) {
                failed = c->next;
                c->next = NULL;
                if (c->kind == CALL_START)
                        driver_host_terminate_children(h, c->driver);
                driver_call_complete(c, -ECONNRESET, c->score);
        }
        /* A clean exit with work waiting: the next process. */
        if (s->state == SERVER_IDLE && s->queued)
                (void) driver_server_launch(s);
}

static int on_child(sd_event_source *src, const siginfo_t *si, void *userdata) {
        server_exited(userdata, si);
        return 0;
}

/* Fails every queued call with r (the server cannot be launched). */
static void fail_queued(DriverServer *s, int r) {
        HostCall *c;

        while ((c = s->queued)) {
                s->queued = c->next;
                c->next = NULL;
                driver_host_release_call_instance(s->host, c);
                driver_call_complete(c, r, c->score);
        }
}

/* -------------------------------------------------------------------------- */
/* Launch. */

static int watch_process(DriverServer *s, DriverProcess *proc) {
        sd_event *event = s->host->event;
        int r;

        r = sd_event_add_child(event, &s->child, proc->pid, WEXITED, on_child, s);
        if (r >= 0)
                r = sd_event_add_io(event, &s->out_io, proc->out_fd, EPOLLIN, on_output, s);
        if (r >= 0)
                r = sd_event_source_set_io_fd_own(s->out_io, true);
        if (r >= 0)
                proc->out_fd = -1;
        if (r >= 0)
                r = sd_event_add_io(event, &s->err_io, proc->err_fd, EPOLLIN, on_output, s);
        if (r >= 0)
                r = sd_event_source_set_io_fd_own(s->err_io, true);
        if (r >= 0)
                proc->err_fd = -1;
        if (proc->out_fd >= 0)
                close(proc->out_fd);
        if (proc->err_fd >= 0)
                close(proc->err_fd);
        return r;
}

/* Another server of this daemon runs as uid, its own. */
static bool uid_taken(uid_t uid, void *userdata) {
        DriverHost *h = userdata;
        void *v;

        for (unsigned i = 0; hashmap_next(&h->servers, &i, NULL, &v);) {
                DriverServer *o = v;

                if (o->pid > 0 && o->dynamic_uid && o->uid == uid)
                        return true;
        }
        return false;
}

/*
 * The spec the personalities loaded last, for a launch: a reload that changed it (program, environment,
 * user) takes effect at the next process, also when the old one was still exiting as its new work came.
 */
static void refresh_spec(DriverServer *s) {
        const SpecRecord *rec = hashmap_get(&s->host->specs, s->name);
        DriverSpec copy;

        if (!rec || driver_spec_equal(&s->spec, &rec->spec) || driver_spec_copy(&rec->spec, &copy) < 0)
                return;
        driver_spec_done(&s->spec);
        s->spec = copy;
}

int driver_server_launch(DriverServer *s) {
        DriverHost *h = s->host;
        DriverProcess proc;
        const char *address = NULL;
        uid_t dynamic_uid;
        int r;

        if (!h->bus)
                return 0; /* driver_host_attach_bus() launches it */
        refresh_spec(s);
        r = sd_bus_get_address(h->bus, &address);
        if (r < 0)
                goto fail;
        /* On the system bus only root's executables run as driver servers (trust.h; 0 when not enforced). */
        r = trust_check_path(s->spec.executable);
        if (r < 0)
                goto fail;
        /* Root and no IOUserServerUser: a user of its own (driver-user.h). */
        dynamic_uid = DRIVER_UID_INVALID;
        if (!s->spec.user && geteuid() == 0) {
                r = driver_user_allocate(s->name, uid_taken, h, &dynamic_uid);
                if (r == -ENXIO || r == -EROFS || r == -EACCES || r == -EPERM) {
                        /* The system cannot know such a user: the shared one, as before (docs/drivers.md). */
                        log_warning_errno(r, "Driver server %s: no user of its own (%s), running it as %s: %m",
                                          s->name, r == -ENXIO ? "no nss-systemd to serve " DRIVER_USERDB_DIR :
                                                                 DRIVER_USERDB_DIR " is not writable",
                                          DRIVER_FALLBACK_USER);
                        dynamic_uid = DRIVER_UID_INVALID;
                } else if (r < 0)
                        goto fail;
        }
        r = driver_launch(&s->spec, address, dynamic_uid, &proc);
        if (r < 0) {
                if (dynamic_uid != DRIVER_UID_INVALID)
                        driver_user_release(dynamic_uid);
                goto fail;
        }
        s->pid = proc.pid;
        s->uid = proc.uid;
        s->dynamic_uid = proc.dynamic;
        s->state = SERVER_LAUNCHING;
        s->retiring = s->signalled = false;
        s->out_line.len = s->err_line.len = 0;
        r = watch_process(s, &proc);
        if (r < 0) {
                log_error_errno(r, "Cannot watch driver server %s (PID %d): %m", s->name, (int) proc.pid);
                signal_tree(proc.pid, SIGKILL);
                if (!s->child) {
                        (void) waitpid(proc.pid, NULL, 0);
                        s->pid = 0;
                        goto fail;
                }
                return r; /* the child source reports the exit */
        }
        driver_server_arm_timer(s, DRIVER_CHECKIN_TIMEOUT_USEC);
        log_info("Launched driver server %s (PID %d, UID %u%s): %s", s->name, (int) s->pid, (unsigned) s->uid,
                 s->dynamic_uid ? ", its own" : "", s->spec.executable);
        return 0;

fail:
        log_error_errno(r, "Cannot launch driver server %s (%s): %m", s->name, s->spec.executable);
        server_stop_sources(s);
        s->state = SERVER_FAILED;
        fail_queued(s, r);
        return r;
}
