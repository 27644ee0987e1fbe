/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * logind-stub.c: a stand-in for systemd-logind on a private bus, speaking
 * the part of its real interface that ioregd uses: the name
 * org.freedesktop.login1, the object /org/freedesktop/login1, and on
 * org.freedesktop.login1.Manager the method Inhibit(ssss) → h and the
 * signal PrepareForSleep(b). Inhibit returns a real file descriptor, the
 * write end of a pipe; the stand-in keeps the read end and sees the
 * inhibitor released when it hangs up, as logind sees its FIFO closed.
 *
 * The test drives it through org.ioreg.test.LogindStub on the same object:
 *   PrepareForSleep(b)   emits the signal
 *   Inhibits   u         Inhibit calls answered so far
 *   Held       u         inhibitors not released yet
 *   Released   u         inhibitors released (their fd closed)
 *   Last       (ssss)    what, who, why, mode of the last Inhibit call
 *
 * usage: logind-stub BUS_ADDRESS
 */

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#define PATH "/org/freedesktop/login1"
#define MANAGER "org.freedesktop.login1.Manager"
#define CONTROL "org.ioreg.test.LogindStub"

typedef struct Stub {
        sd_bus *bus;
        unsigned inhibits, held, released;
        char last[4][128];
} Stub;

static int on_hangup(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        Stub *stub = userdata;
        char buf[64];

        /* Nothing is ever written: readable means end of file, every write end closed. */
        if (!(revents & (EPOLLHUP | EPOLLERR)) && read(fd, buf, sizeof(buf)) > 0)
                return 0;
        stub->held--;
        stub->released++;
        fprintf(stderr, "logind-stub: inhibitor released (%u held)\n", stub->held);
        sd_event_source_disable_unref(s);
        close(fd);
        return 0;
}

static int method_inhibit(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        Stub *stub = userdata;
        const char *arg[4];
        int fds[2], r;

        r = sd_bus_message_read(m, "ssss", &arg[0], &arg[1], &arg[2], &arg[3]);
        if (r < 0)
                return r;
        /* logind's own checks for a delay lock. */
        if (strcmp(arg[3], "delay") != 0 && strcmp(arg[3], "block") != 0)
                return sd_bus_error_set(error, SD_BUS_ERROR_INVALID_ARGS, "Invalid mode specification");
        for (int i = 0; i < 4; i++)
                snprintf(stub->last[i], sizeof(stub->last[i]), "%s", arg[i]);
        if (pipe2(fds, O_CLOEXEC) < 0)
                return -errno;
        r = sd_event_add_io(sd_bus_get_event(stub->bus), NULL, fds[0], EPOLLIN, on_hangup, stub);
        if (r < 0) {
                close(fds[0]);
                close(fds[1]);
                return r;
        }
        stub->inhibits++;
        stub->held++;
        fprintf(stderr, "logind-stub: Inhibit(%s, %s, %s, %s)\n", arg[0], arg[1], arg[2], arg[3]);
        /* sd-bus sends a duplicate: ours is closed at once, so only the client's keeps the pipe open. */
        r = sd_bus_reply_method_return(m, "h", fds[1]);
        close(fds[1]);
        return r;
}

static int method_prepare(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        Stub *stub = userdata;
        int start, r;

        r = sd_bus_message_read(m, "b", &start);
        if (r < 0)
                return r;
        r = sd_bus_emit_signal(stub->bus, PATH, MANAGER, "PrepareForSleep", "b", start);
        if (r < 0)
                return r;
        return sd_bus_reply_method_return(m, NULL);
}

static int get_u(sd_bus *bus, const char *path, const char *interface, const char *property,
                 sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Stub *stub = userdata;

        return sd_bus_message_append(reply, "u",
                                     strcmp(property, "Inhibits") == 0 ? stub->inhibits :
                                     strcmp(property, "Held") == 0 ? stub->held : stub->released);
}

static int get_last(sd_bus *bus, const char *path, const char *interface, const char *property,
                    sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Stub *stub = userdata;

        return sd_bus_message_append(reply, "(ssss)", stub->last[0], stub->last[1], stub->last[2],
                                     stub->last[3]);
}

static const sd_bus_vtable manager_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_METHOD_WITH_ARGS("Inhibit", SD_BUS_ARGS("s", what, "s", who, "s", why, "s", mode),
                                SD_BUS_RESULT("h", pipe_fd), method_inhibit, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_SIGNAL_WITH_ARGS("PrepareForSleep", SD_BUS_ARGS("b", start), 0),
        SD_BUS_VTABLE_END,
};

static const sd_bus_vtable control_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("Inhibits", "u", get_u, 0, 0),
        SD_BUS_PROPERTY("Held", "u", get_u, 0, 0),
        SD_BUS_PROPERTY("Released", "u", get_u, 0, 0),
        SD_BUS_PROPERTY("Last", "(ssss)", get_last, 0, 0),
        SD_BUS_METHOD_WITH_ARGS("PrepareForSleep", SD_BUS_ARGS("b", start), SD_BUS_NO_RESULT, method_prepare,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_VTABLE_END,
};

int main(int argc, char *argv[]) {
        sd_event *event = NULL;
        Stub stub = {};
        int r;

        if (argc != 2) {
                fprintf(stderr, "usage: logind-stub BUS_ADDRESS\n");
                return 2;
        }
        r = sd_event_default(&event);
        if (r >= 0)
                r = sd_bus_new(&stub.bus);
        if (r >= 0)
                r = sd_bus_set_address(stub.bus, argv[1]);
        if (r >= 0)
                r = sd_bus_set_bus_client(stub.bus, true);
        if (r >= 0)
                r = sd_bus_negotiate_fds(stub.bus, true);
        if (r >= 0)
                r = sd_bus_start(stub.bus);
        if (r >= 0)
                r = sd_bus_add_object_vtable(stub.bus, NULL, PATH, MANAGER, manager_vtable, &stub);
        if (r >= 0)
                r = sd_bus_add_object_vtable(stub.bus, NULL, PATH, CONTROL, control_vtable, &stub);
        if (r >= 0)
                r = sd_bus_attach_event(stub.bus, event, 0);
        if (r >= 0)
                r = sd_bus_request_name(stub.bus, "org.freedesktop.login1", 0);
        if (r >= 0) {
                sigset_t mask;

                sigemptyset(&mask);
                sigaddset(&mask, SIGTERM);
                (void) sigprocmask(SIG_BLOCK, &mask, NULL);
                r = sd_event_add_signal(event, NULL, SIGTERM, NULL, NULL);
        }
        if (r < 0) {
                fprintf(stderr, "logind-stub: %s\n", strerror(-r));
                return 1;
        }
        r = sd_event_loop(event);
        sd_bus_flush_close_unref(stub.bus);
        sd_event_unref(event);
        return r < 0 ? 1 : 0;
}
