/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* driver-server.c: ioreg_driver_server_run(), the server side of org.ioreg.DriverServer1. */

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>

#include "driver-internal.h"
#include "protocol.h"
#include "wire-json.h"


static const ioreg_driver_class *find_class(const LibDriverServer *s, json_t *personality) {
        const char *name = json_string_value(json_object_get(personality, "IOUserClass"));

        for (unsigned i = 0; name && i < s->n_classes; i++)
                if (s->classes[i].name && streq(s->classes[i].name, name))
                        return &s->classes[i];
        return NULL;
}

ioreg_driver *lib_driver_find(const LibDriverServer *s, uint64_t id) {
        for (ioreg_driver *d = s->drivers; d; d = d->next)
                if (d->id == id)
                        return d;
        return NULL;
}

static void driver_free(ioreg_driver *d) {
        if (!d)
                return;
        json_decref(d->properties);
        free(d);
}

static void unlink_driver(LibDriverServer *s, ioreg_driver *d) {
        for (ioreg_driver **p = &s->drivers; *p; p = &(*p)->next)
                if (*p == d) {
                        *p = d->next;
                        return;
                }
}

/* Only ioregd may call us: the connection that answered our check-in. */
int lib_driver_check_caller(LibDriverServer *s, sd_bus_message *call, sd_bus_error *error) {
        const char *sender = sd_bus_message_get_sender(call);

        if (!s->daemon || !sender || !streq(sender, s->daemon))
                return sd_bus_error_set(error, SD_BUS_ERROR_ACCESS_DENIED, "Only ioregd calls a driver server.");
        return 0;
}

static int method_probe(sd_bus_message *call, void *userdata, sd_bus_error *error) {
        LibDriverServer *s = userdata;
        const ioreg_driver_class *klass;
        json_t *personality = NULL;
        uint64_t provider;
        int32_t score;
        int accept = 1, r;

        r = lib_driver_check_caller(s, call, error);
        if (r < 0)
                return r;
        r = sd_bus_message_read(call, "t", &provider);
        if (r >= 0)
                r = wire_json_read_dict(call, &personality);
        if (r >= 0)
                r = sd_bus_message_read(call, "i", &score);
        if (r < 0) {
                json_decref(personality);
                return r;
        }
        klass = find_class(s, personality);
        if (!klass)
                accept = 0;
        else if (klass->probe && klass->probe(provider, personality, &score, s->userdata) != 0)
                accept = 0;
        json_decref(personality);
        return sd_bus_reply_method_return(call, "bi", accept, score);
}

static int method_start(sd_bus_message *call, void *userdata, sd_bus_error *error) {
        LibDriverServer *s = userdata;
        ioreg_driver *d;
        ioreg_return_t ret;
        int r;

        r = lib_driver_check_caller(s, call, error);
        if (r < 0)
                return r;
        d = calloc(1, sizeof(*d));
        if (!d)
                return -ENOMEM;
        d->server = s;
        r = sd_bus_message_read(call, "tt", &d->id, &d->provider_id);
        if (r >= 0)
                r = wire_json_read_dict(call, &d->properties);
        if (r < 0) {
                driver_free(d);
                return r;
        }
        d->klass = find_class(s, d->properties);
        if (!d->klass || !d->klass->start) {
                driver_free(d);
                return sd_bus_error_set(error, IOREG_ERROR_NOT_SUPPORTED, "This server has no such IOUserClass.");
        }
        if (lib_driver_find(s, d->id)) {
                driver_free(d);
                return sd_bus_error_set(error, IOREG_ERROR_BUSY, "This instance is started already.");
        }
        /* In the list during start: the driver's calls name it. */
        d->next = s->drivers;
        s->drivers = d;
        ret = d->klass->start(d, s->userdata);
        if (ret != IOREG_RETURN_SUCCESS) {
                unlink_driver(s, d);
                driver_free(d);
                return sd_bus_error_setf(error, IOREG_ERROR_FAILED, "start failed: %s",
                                         ioreg_return_string(ret));
        }
        s->n_started++;
        return sd_bus_reply_method_return(call, NULL);
}

static void stop_driver(LibDriverServer *s, ioreg_driver *d) {
        unlink_driver(s, d);
        lib_user_clients_drop(d); /* their applications' calls fail from now on */
        if (d->klass->stop)
                d->klass->stop(d, s->userdata);
        driver_free(d);
}

static int method_stop(sd_bus_message *call, void *userdata, sd_bus_error *error) {
        LibDriverServer *s = userdata;
        ioreg_driver *d;
        uint64_t id;
        int r;

        r = lib_driver_check_caller(s, call, error);
        if (r < 0)
                return r;
        r = sd_bus_message_read(call, "t", &id);
        if (r < 0)
                return r;
        d = lib_driver_find(s, id);
        if (!d)
                return sd_bus_error_set(error, IOREG_ERROR_NO_SUCH_ENTRY, "No such instance here.");
        stop_driver(s, d);
        r = sd_bus_reply_method_return(call, NULL);
        /* The last instance stopped: the server's work is done. */
        if (!s->drivers)
                (void) sd_event_exit(s->event, 0);
        return r;
}

static int method_message(sd_bus_message *call, void *userdata, sd_bus_error *error) {
        LibDriverServer *s = userdata;
        uint64_t id, argument;
        uint32_t type;
        ioreg_driver *d;
        int r;

        r = lib_driver_check_caller(s, call, error);
        if (r < 0)
                return r;
        r = sd_bus_message_read(call, "tut", &id, &type, &argument);
        if (r < 0)
                return r;
        d = lib_driver_find(s, id);
        if (d && d->klass->message)
                d->klass->message(d, type, argument, s->userdata);
        return sd_bus_reply_method_return(call, NULL);
}

static const sd_bus_vtable server_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_METHOD_WITH_ARGS("Probe", SD_BUS_ARGS("t", provider, "a{sv}", personality, "i", score),
                                SD_BUS_RESULT("b", accept, "i", score), method_probe, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("Start", SD_BUS_ARGS("t", driver, "t", provider, "a{sv}", properties),
                                SD_BUS_NO_RESULT, method_start, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("Stop", SD_BUS_ARGS("t", driver), SD_BUS_NO_RESULT, method_stop,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("Message", SD_BUS_ARGS("t", driver, "u", message, "t", argument), SD_BUS_NO_RESULT,
                                method_message, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("NewUserClient",
                                SD_BUS_ARGS("t", driver, "u", type, "u", uid, "b", administrator, "h", connection),
                                SD_BUS_RESULT("s", class_name, "t", handle), lib_user_client_method_new,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_VTABLE_END,
};

static int on_sigterm(sd_event_source *src, const struct signalfd_siginfo *si, void *userdata) {
        LibDriverServer *s = userdata;

        /* Told to go: every instance stops first, as it would on termination. */
        while (s->drivers)
                stop_driver(s, s->drivers);
        return sd_event_exit(s->event, 0);
}

static int check_in(LibDriverServer *s, const char *name) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        sd_bus_error error = SD_BUS_ERROR_NULL;
        const char *daemon;
        int r;

        r = sd_bus_call_method(s->bus, IOREG_BUS_NAME, IOREG_DRIVER_HOST_PATH, IOREG_DRIVER_HOST_INTERFACE,
                               "CheckIn", &error, &reply, "s", name);
        sd_bus_error_free(&error);
        if (r < 0)
                return r;
        daemon = sd_bus_message_get_sender(reply);
        s->daemon = daemon ? strdup(daemon) : NULL;
        return s->daemon ? 0 : -ENOMEM;
}

int ioreg_driver_server_run(const ioreg_driver_class *classes, unsigned n_classes, void *userdata) {
        LibDriverServer s = { .classes = classes, .n_classes = n_classes, .userdata = userdata };
        const char *address = getenv(IOREG_BUS_ADDRESS_ENV), *name = getenv(IOREG_SERVER_NAME_ENV);
        sigset_t mask;
        int r;

        if (!classes || n_classes == 0 || !address || !name)
                return 1; /* not launched by ioregd */
        /*
         * Non-dumpable first: no other process of its user may ptrace it or read its memory, and it
         * leaves no core with a driver's secrets. The launcher cannot set this for it: execve()
         * resets the flag for a readable executable (docs/drivers.md).
         */
        if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
                return 1;
        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
                return 1;
        r = sd_event_new(&s.event);
        if (r >= 0)
                r = sd_event_add_signal(s.event, NULL, SIGTERM, on_sigterm, &s);
        if (r >= 0)
                r = sd_event_add_signal(s.event, NULL, SIGINT, on_sigterm, &s);
        if (r >= 0)
                r = sd_bus_new(&s.bus);
        if (r >= 0)
                r = sd_bus_set_address(s.bus, address);
        if (r >= 0)
                r = sd_bus_set_bus_client(s.bus, true);
        if (r >= 0)
                r = sd_bus_start(s.bus);
        /* Exported before the check-in: the daemon calls as soon as it has answered. */
        if (r >= 0)
                r = sd_bus_add_object_vtable(s.bus, NULL, IOREG_DRIVER_SERVER_PATH, IOREG_DRIVER_SERVER_INTERFACE,
                                             server_vtable, &s);
        if (r >= 0)
                r = check_in(&s, name);
        if (r >= 0)
                r = sd_bus_attach_event(s.bus, s.event, SD_EVENT_PRIORITY_NORMAL);
        if (r >= 0)
                r = sd_bus_set_exit_on_disconnect(s.bus, true);
        if (r >= 0)
                r = sd_event_loop(s.event);
        if (s.bus)
                (void) sd_bus_flush(s.bus);
        /* Lost the bus with instances running: they stop here, the daemon saw us go. */
        while (s.drivers)
                stop_driver(&s, s.drivers);
        sd_bus_flush_close_unref(s.bus);
        sd_event_unref(s.event);
        free(s.daemon);
        return r < 0 ? 1 : r;
}
