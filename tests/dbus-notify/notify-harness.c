/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* notify-harness.c: see notify-harness.h. */

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "notify-harness.h"
#include "macro.h"

static uint64_t now_msec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int harness_start_bus(Harness *h) {
        char tmpl[] = "/tmp/ioreg-notify-XXXXXX", conf[512], line[4096], buf[512];
        _cleanup_fclose_ FILE *in = NULL, *out = NULL;
        int pipefd[2];
        ssize_t n;
        size_t len = 0;

        if (!mkdtemp(tmpl))
                return -errno;
        h->dir = strdup(tmpl);
        if (!h->dir)
                return -ENOMEM;
        snprintf(conf, sizeof(conf), "%s/bus.conf", h->dir);
        in = fopen(SOURCE_ROOT "/tests/data/private-bus.conf.in", "re");
        out = fopen(conf, "we");
        if (!in || !out)
                return -errno;
        while (fgets(line, sizeof(line), in)) {
                char *at = strstr(line, "@DIR@");

                if (at) {
                        *at = '\0';
                        fprintf(out, "%s%s%s", line, h->dir, at + strlen("@DIR@"));
                } else
                        fputs(line, out);
        }
        if (fclose(TAKE_PTR(out)) != 0)
                return -errno;
        if (pipe2(pipefd, O_CLOEXEC) < 0)
                return -errno;
        h->bus_pid = fork();
        if (h->bus_pid < 0)
                return -errno;
        if (h->bus_pid == 0) {
                char fdarg[32];

                (void) prctl(PR_SET_PDEATHSIG, SIGTERM);
                unsetenv("LD_PRELOAD"); /* the testbed is ioregd's business */
                if (dup2(pipefd[1], 3) < 0)
                        _exit(127);
                snprintf(fdarg, sizeof(fdarg), "--print-address=3");
                execlp("dbus-daemon", "dbus-daemon", "--nofork", fdarg, "--config-file", conf, (char *) NULL);
                _exit(127);
        }
        close(pipefd[1]);
        /* The address ends with a newline. */
        while (len < sizeof(buf) - 1 && (n = read(pipefd[0], buf + len, sizeof(buf) - 1 - len)) > 0) {
                len += n;
                if (memchr(buf, '\n', len))
                        break;
        }
        close(pipefd[0]);
        buf[len] = '\0';
        if (!strchr(buf, '\n'))
                return -EIO;
        *strchr(buf, '\n') = '\0';
        h->address = strdup(buf);
        return h->address ? 0 : -ENOMEM;
}

int harness_connect(const Harness *h, sd_bus **ret) {
        sd_bus *bus = NULL;
        int r;

        r = sd_bus_new(&bus);
        if (r >= 0)
                r = sd_bus_set_address(bus, h->address);
        if (r >= 0)
                r = sd_bus_set_bus_client(bus, true);
        if (r >= 0)
                r = sd_bus_start(bus);
        if (r < 0) {
                sd_bus_unref(bus);
                return r;
        }
        *ret = bus;
        return 0;
}

int harness_start_daemon(Harness *h, const char *const *args) {
        char addr_arg[600];
        const char *argv[32];
        unsigned n = 0;
        sd_bus *bus = NULL;
        int r = -ETIMEDOUT;

        snprintf(addr_arg, sizeof(addr_arg), "--bus-address=%s", h->address);
        argv[n++] = BUILD_ROOT "/daemon/ioregd";
        argv[n++] = addr_arg;
        argv[n++] = "--sysfs-root=" SOURCE_ROOT "/tests/data/sysfs-empty";
        for (; args && *args && n < ELEMENTSOF(argv) - 1; args++)
                argv[n++] = *args;
        argv[n] = NULL;
        h->daemon_pid = fork();
        if (h->daemon_pid < 0)
                return -errno;
        if (h->daemon_pid == 0) {
                (void) prctl(PR_SET_PDEATHSIG, SIGTERM);
                execv(argv[0], (char *const *) argv);
                _exit(127);
        }
        if (harness_connect(h, &bus) < 0)
                return -EIO;
        for (uint64_t end = now_msec() + 10000; now_msec() < end;) {
                if (sd_bus_get_name_creds(bus, BUS_NAME, 0, NULL) >= 0) {
                        r = wait_quiet(bus, 10 * 1000 * 1000);
                        break;
                }
                if (waitpid(h->daemon_pid, NULL, WNOHANG) == h->daemon_pid) {
                        h->daemon_pid = 0;
                        r = -ECHILD;
                        break;
                }
                usleep(20 * 1000);
        }
        sd_bus_flush_close_unref(bus);
        return r;
}

void harness_stop_daemon(Harness *h) {
        if (h->daemon_pid > 0) {
                kill(h->daemon_pid, SIGTERM);
                waitpid(h->daemon_pid, NULL, 0);
        }
        h->daemon_pid = 0;
}

void harness_stop(Harness *h) {
        harness_stop_daemon(h);
        if (h->bus_pid > 0) {
                kill(h->bus_pid, SIGTERM);
                waitpid(h->bus_pid, NULL, 0);
        }
        h->bus_pid = 0;
        if (h->dir) {
                char path[600];

                snprintf(path, sizeof(path), "rm -rf '%s'", h->dir);
                (void) !system(path);
        }
        free(h->dir);
        free(h->address);
        h->dir = h->address = NULL;
}

/* --- clients --- */

static Event *add_event(Client *c, EventKind kind) {
        Event *e;

        if (GROW(c->events, c->cap_events, c->n_events + 1) < 0)
                abort();
        e = &c->events[c->n_events++];
        *e = (Event) { .kind = kind };
        return e;
}

static unsigned count_dict(sd_bus_message *m) {
        unsigned n = 0;

        if (sd_bus_message_enter_container(m, 'a', "{sv}") < 0)
                return 0;
        while (sd_bus_message_skip(m, "{sv}") > 0)
                n++;
        (void) sd_bus_message_exit_container(m);
        return n;
}

static int on_signal(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        Client *c = userdata;
        const char *member = sd_bus_message_get_member(m), *type, *name, *cls;
        Event *e;
        int r = 0;

        if (streq_ptr(member, "Notification")) {
                e = add_event(c, EVENT_NOTIFICATION);
                r = sd_bus_message_read(m, "ttstss", &e->subscription, &e->sequence, &type, &e->entry, &name, &cls);
                if (r >= 0) {
                        snprintf(e->type, sizeof(e->type), "%s", type);
                        snprintf(e->name, sizeof(e->name), "%s", name);
                        snprintf(e->class_name, sizeof(e->class_name), "%s", cls);
                        e->n_properties = count_dict(m);
                }
        } else if (streq_ptr(member, "Interest")) {
                e = add_event(c, EVENT_INTEREST);
                r = sd_bus_message_read(m, "tttut", &e->subscription, &e->sequence, &e->entry, &e->message,
                                        &e->argument);
                if (r >= 0)
                        e->n_properties = count_dict(m);
        } else if (streq_ptr(member, "Overflow")) {
                e = add_event(c, EVENT_OVERFLOW);
                r = sd_bus_message_read(m, "tt", &e->subscription, &e->sequence);
                return 0;
        } else
                return 0;
        if (r < 0) {
                fprintf(stderr, "bad %s signal: %s\n", member, strerror(-r));
                abort();
        }
        if (c->auto_ack) {
                /* As libioreg does: no reply wanted, no round trip. */
                _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = NULL;

                r = sd_bus_message_new_method_call(c->bus, &call, BUS_NAME, NOTIFY_PATH, NOTIFY_IFACE, "Ack");
                if (r >= 0)
                        r = sd_bus_message_append(call, "tt", e->subscription, e->sequence);
                if (r >= 0)
                        r = sd_bus_message_set_expect_reply(call, 0);
                if (r >= 0)
                        r = sd_bus_send(c->bus, call, NULL);
                if (r < 0)
                        abort();
        }
        return 0;
}

int client_new(const Harness *h, bool auto_ack, Client **ret) {
        Client *c = calloc(1, sizeof(*c));
        int r;

        if (!c)
                return -ENOMEM;
        c->auto_ack = auto_ack;
        r = harness_connect(h, &c->bus);
        if (r >= 0)
                /* Unicast signals reach us without a bus match; this routes them to on_signal(). */
                r = sd_bus_match_signal(c->bus, &c->match, NULL, NOTIFY_PATH, NOTIFY_IFACE, NULL, on_signal, c);
        if (r < 0) {
                client_free(c);
                return r;
        }
        *ret = c;
        return 0;
}

Client *client_free(Client *c) {
        if (!c)
                return NULL;
        sd_bus_slot_unref(c->match);
        sd_bus_flush_close_unref(c->bus);
        free(c->events);
        free(c);
        return NULL;
}

static int append_matching(sd_bus_message *m, const char *type, const char *key, const char *value) {
        if (key)
                return sd_bus_message_append(m, "sa{sv}", type, 1, key, "s", value);
        return sd_bus_message_append(m, "sa{sv}", type, 0);
}

int client_subscribe(Client *c, const char *type, const char *key, const char *value, uint64_t *ret_id,
                     sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = NULL, *reply = NULL;
        int r;

        r = sd_bus_message_new_method_call(c->bus, &call, BUS_NAME, NOTIFY_PATH, NOTIFY_IFACE, "Subscribe");
        if (r >= 0)
                r = append_matching(call, type, key, value);
        if (r >= 0)
                r = sd_bus_call(c->bus, call, 0, error, &reply);
        if (r >= 0)
                r = sd_bus_message_read(reply, "t", ret_id);
        return r < 0 ? r : 0;
}

static int on_subscribe_reply(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        Client *c = userdata;
        Event *e = add_event(c, EVENT_REPLY);

        if (sd_bus_message_is_method_error(m, NULL) || sd_bus_message_read(m, "t", &e->subscription) < 0)
                e->subscription = 0;
        return 0;
}

int client_subscribe_async(Client *c, const char *type, const char *key, const char *value) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = NULL;
        int r;

        r = sd_bus_message_new_method_call(c->bus, &call, BUS_NAME, NOTIFY_PATH, NOTIFY_IFACE, "Subscribe");
        if (r >= 0)
                r = append_matching(call, type, key, value);
        if (r >= 0)
                r = sd_bus_call_async(c->bus, NULL, call, on_subscribe_reply, c, 0);
        return r < 0 ? r : 0;
}

int client_register_interest(Client *c, uint64_t entry, const char *type, uint64_t *ret_id, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        int r;

        r = sd_bus_call_method(c->bus, BUS_NAME, NOTIFY_PATH, NOTIFY_IFACE, "RegisterInterest", error, &reply, "ts",
                               entry, type);
        if (r >= 0)
                r = sd_bus_message_read(reply, "t", ret_id);
        return r < 0 ? r : 0;
}

int client_call_tt(Client *c, const char *method, uint64_t a, uint64_t b, sd_bus_error *error) {
        if (streq(method, "Ack"))
                return sd_bus_call_method(c->bus, BUS_NAME, NOTIFY_PATH, NOTIFY_IFACE, method, error, NULL, "tt", a, b);
        return sd_bus_call_method(c->bus, BUS_NAME, NOTIFY_PATH, NOTIFY_IFACE, method, error, NULL, "t", a);
}

int client_resync(Client *c, uint64_t id, uint64_t *ret_dropped, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        int r;

        r = sd_bus_call_method(c->bus, BUS_NAME, NOTIFY_PATH, NOTIFY_IFACE, "Resync", error, &reply, "t", id);
        if (r >= 0)
                r = sd_bus_message_read(reply, "t", ret_dropped);
        return r < 0 ? r : 0;
}

bool client_run_until(Client *c, bool (*cond)(Client *c, const void *arg), const void *arg, unsigned timeout_ms) {
        uint64_t end = now_msec() + timeout_ms;

        while (!cond(c, arg)) {
                int r = sd_bus_process(c->bus, NULL);

                if (r < 0)
                        return false;
                if (r > 0)
                        continue;
                if (now_msec() >= end)
                        return cond(c, arg);
                (void) sd_bus_wait(c->bus, 20 * 1000);
        }
        return true;
}

static bool never(Client *c, const void *arg) {
        return false;
}

void client_run_for(Client *c, unsigned ms) {
        (void) client_run_until(c, never, NULL, ms);
}

unsigned client_count(const Client *c, uint64_t subscription, EventKind kind) {
        unsigned n = 0;

        for (unsigned i = 0; i < c->n_events; i++)
                if (c->events[i].subscription == subscription && c->events[i].kind == kind)
                        n++;
        return n;
}

int read_subscriptions(sd_bus *bus, unsigned *ret) {
        sd_bus_error error = SD_BUS_ERROR_NULL;
        uint32_t n;
        int r;

        r = sd_bus_get_property_trivial(bus, BUS_NAME, NOTIFY_PATH, NOTIFY_IFACE, "Subscriptions", &error, 'u', &n);
        sd_bus_error_free(&error);
        if (r < 0)
                return r;
        *ret = n;
        return 0;
}

int wait_quiet(sd_bus *bus, uint64_t timeout_usec) {
        sd_bus_error error = SD_BUS_ERROR_NULL;
        int r;

        r = sd_bus_call_method(bus, BUS_NAME, NOTIFY_PATH, REGISTRY_IFACE, "WaitQuiet", &error, NULL, "t",
                               timeout_usec);
        sd_bus_error_free(&error);
        return r < 0 ? r : 0;
}

int plane_ids(sd_bus *bus, const char *class_name, uint32_t state_bit, uint64_t **ret, unsigned *ret_n) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        sd_bus_error error = SD_BUS_ERROR_NULL;
        uint64_t *ids = NULL;
        unsigned n = 0, cap = 0;
        int r;

        r = sd_bus_call_method(bus, BUS_NAME, NOTIFY_PATH, REGISTRY_IFACE, "GetPlane", &error, &reply, "s",
                               "IOService");
        sd_bus_error_free(&error);
        if (r < 0)
                return r;
        r = sd_bus_message_enter_container(reply, 'a', "(tussasuutua{sv})");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_enter_container(reply, 'r', "tussasuutua{sv}")) > 0) {
                const char *cls = NULL, *name, *loc;
                uint64_t id, busy_time;
                uint32_t depth, state, busy, retain;
                bool dup = false;

                r = sd_bus_message_read(reply, "tuss", &id, &depth, &name, &loc);
                if (r >= 0)
                        r = sd_bus_message_enter_container(reply, 'a', "s");
                if (r >= 0)
                        r = sd_bus_message_read(reply, "s", &cls); /* the class itself comes first */
                if (r >= 0)
                        while ((r = sd_bus_message_skip(reply, "s")) > 0)
                                ;
                if (r >= 0)
                        r = sd_bus_message_exit_container(reply);
                if (r >= 0)
                        r = sd_bus_message_read(reply, "uutu", &state, &busy, &busy_time, &retain);
                if (r >= 0)
                        r = sd_bus_message_skip(reply, "a{sv}");
                if (r >= 0)
                        r = sd_bus_message_exit_container(reply);
                if (r < 0)
                        break;
                for (unsigned i = 0; i < n; i++)
                        dup = dup || ids[i] == id;
                if (dup || (class_name && !streq(cls, class_name)) || (state_bit && !(state & state_bit)))
                        continue;
                if (GROW(ids, cap, n + 1) < 0) {
                        r = -ENOMEM;
                        break;
                }
                ids[n++] = id;
        }
        if (r < 0) {
                free(ids);
                return r;
        }
        *ret = ids;
        *ret_n = n;
        return 0;
}
