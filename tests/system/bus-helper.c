/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bus-helper: the other parties of the system tests, as real bus clients.
 *
 *   bus-helper polkit ADDRESS [ACTION...]
 *       A polkit stand-in: owns org.freedesktop.PolicyKit1 and serves
 *       org.freedesktop.PolicyKit1.Authority.CheckAuthorization with polkit's
 *       signature, (sa{sv})sa{ss}us → (bba{ss}). Grants the ACTIONs named,
 *       refuses the others (a refusal with is_challenge when the caller
 *       allowed interaction). Prints "ready" once it owns the name, then one
 *       line per question: "check ACTION SUBJECT_KIND NAME FLAGS uid=UID" (the
 *       EUID of the subject's connection, from the bus).
 *   bus-helper own ADDRESS NAME
 *       Tries to own NAME. Exit 0 owned, 3 AccessDenied, 1 anything else.
 *   bus-helper flood ADDRESS N [--no-b]
 *       Client A sends N GetPlane("IOService") calls and never reads an
 *       answer, while client B calls GetRootEntry and Introspect in turn
 *       (each waits for its answer) until A's sends are all written. Prints
 *       "flood sent=N b_calls=K b_errors=E" and exits 0 when B was answered
 *       throughout: at least 20 answers, all of them while A was still sending.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

static char **allowed;

static int connect_to(const char *address, sd_bus **ret) {
        sd_bus *bus = NULL;
        int r;

        r = sd_bus_new(&bus);
        if (r >= 0)
                r = sd_bus_set_address(bus, address);
        if (r >= 0)
                r = sd_bus_set_bus_client(bus, 1);
        if (r >= 0)
                r = sd_bus_start(bus);
        if (r < 0) {
                fprintf(stderr, "connect %s: %s\n", address, strerror(-r));
                sd_bus_unref(bus);
                return r;
        }
        *ret = bus;
        return 0;
}

static int method_check_authorization(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        const char *kind, *action, *cancel, *name = "", *key;
        uint32_t flags;
        int authorized = 0, r;

        r = sd_bus_message_enter_container(m, 'r', "sa{sv}");
        if (r < 0)
                return r;
        r = sd_bus_message_read(m, "s", &kind);
        if (r < 0)
                return r;
        r = sd_bus_message_enter_container(m, 'a', "{sv}");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_enter_container(m, 'e', "sv")) > 0) {
                r = sd_bus_message_read(m, "s", &key);
                if (r < 0)
                        return r;
                if (strcmp(key, "name") == 0)
                        r = sd_bus_message_read(m, "v", "s", &name);
                else
                        r = sd_bus_message_skip(m, "v");
                if (r < 0)
                        return r;
                r = sd_bus_message_exit_container(m);
                if (r < 0)
                        return r;
        }
        if (r < 0)
                return r;
        r = sd_bus_message_exit_container(m);
        if (r >= 0)
                r = sd_bus_message_exit_container(m);
        if (r >= 0)
                r = sd_bus_message_read(m, "s", &action);
        if (r >= 0)
                r = sd_bus_message_skip(m, "a{ss}");
        if (r >= 0)
                r = sd_bus_message_read(m, "us", &flags, &cancel);
        if (r < 0)
                return r;
        for (char **a = allowed; *a; a++)
                if (strcmp(*a, action) == 0)
                        authorized = 1;
        /* Whose name is it? Asked while the caller still waits, so the name is live. */
        {
                sd_bus_creds *creds = NULL;
                uid_t uid = (uid_t) -1;

                if (name[0] && sd_bus_get_name_creds(sd_bus_message_get_bus(m), name, SD_BUS_CREDS_EUID, &creds) >= 0)
                        (void) sd_bus_creds_get_euid(creds, &uid);
                sd_bus_creds_unref(creds);
                printf("check %s %s %s %u uid=%d\n", action, kind, name, flags, (int) uid);
        }
        fflush(stdout);
        return sd_bus_reply_method_return(m, "(bba{ss})", authorized, !authorized && (flags & 1), 0);
}

static const sd_bus_vtable authority_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_METHOD("CheckAuthorization", "(sa{sv})sa{ss}us", "(bba{ss})", method_check_authorization,
                      SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_VTABLE_END,
};

static int run_polkit(const char *address, char **actions) {
        sd_bus *bus = NULL;
        sd_event *event = NULL;
        int r;

        allowed = actions;
        r = connect_to(address, &bus);
        if (r < 0)
                return 1;
        r = sd_bus_add_object_vtable(bus, NULL, "/org/freedesktop/PolicyKit1/Authority",
                                     "org.freedesktop.PolicyKit1.Authority", authority_vtable, NULL);
        if (r >= 0)
                r = sd_bus_request_name(bus, "org.freedesktop.PolicyKit1", 0);
        if (r >= 0)
                r = sd_event_default(&event);
        if (r >= 0)
                r = sd_bus_attach_event(bus, event, 0);
        if (r < 0) {
                fprintf(stderr, "polkit stand-in: %s\n", strerror(-r));
                return 1;
        }
        printf("ready\n");
        fflush(stdout);
        r = sd_event_loop(event);
        return r < 0 ? 1 : 0;
}

static int run_own(const char *address, const char *name) {
        sd_bus_error error = SD_BUS_ERROR_NULL;
        sd_bus *bus = NULL;
        uint32_t reply;
        int r;

        if (connect_to(address, &bus) < 0)
                return 1;
        /* The raw call, to see the bus's own error name. */
        r = sd_bus_call_method(bus, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
                               "RequestName", &error, NULL, "su", name, 0u);
        if (r < 0) {
                printf("own %s: %s\n", name, error.name);
                return sd_bus_error_has_name(&error, "org.freedesktop.DBus.Error.AccessDenied") ? 3 : 1;
        }
        (void) reply;
        printf("own %s: owned\n", name);
        return 0;
}

static int run_flood(const char *address, unsigned n, bool with_b) {
        sd_bus *a = NULL, *b = NULL;
        unsigned sent = 0, b_calls = 0, b_errors = 0;
        uint64_t cookie;
        int r;

        if (connect_to(address, &a) < 0 || connect_to(address, &b) < 0)
                return 1;
        while (sent < n) {
                sd_bus_message *m = NULL;
                sd_bus_error error = SD_BUS_ERROR_NULL;
                sd_bus_message *reply = NULL;

                /* A burst of A's calls, written out without reading anything. */
                for (unsigned k = 0; k < 500 && sent < n; k++, sent++) {
                        r = sd_bus_message_new_method_call(a, &m, "org.ioreg.Registry1", "/org/ioreg/Registry1",
                                                           "org.ioreg.Registry1", "GetPlane");
                        if (r >= 0)
                                r = sd_bus_message_append(m, "s", "IOService");
                        if (r >= 0)
                                r = sd_bus_send(a, m, &cookie);
                        sd_bus_message_unref(m);
                        if (r < 0) {
                                fprintf(stderr, "flood: send %u: %s\n", sent, strerror(-r));
                                return 1;
                        }
                }
                r = sd_bus_flush(a);
                if (r < 0) {
                        fprintf(stderr, "flood: flush: %s\n", strerror(-r));
                        return 1;
                }
                if (!with_b)
                        continue;
                /* B, meanwhile: answered, with A's calls in front of it at the bus and the daemon. */
                r = sd_bus_call_method(b, "org.ioreg.Registry1", "/org/ioreg/Registry1",
                                       b_calls % 2 ? "org.freedesktop.DBus.Introspectable" : "org.ioreg.Registry1",
                                       b_calls % 2 ? "Introspect" : "GetRootEntry", &error, &reply, "");
                if (r < 0) {
                        fprintf(stderr, "flood: B's call %u: %s: %s\n", b_calls, error.name, error.message);
                        b_errors++;
                }
                b_calls++;
                sd_bus_error_free(&error);
                sd_bus_message_unref(reply);
        }
        printf("flood sent=%u b_calls=%u b_errors=%u\n", sent, b_calls, b_errors);
        fflush(stdout);
        /* A leaves without reading: the bus and the daemon drop what was for it. */
        sd_bus_close_unref(a);
        sd_bus_close_unref(b);
        return !with_b || (b_errors == 0 && b_calls == (n + 499) / 500) ? 0 : 1;
}

int main(int argc, char *argv[]) {
        if (argc >= 3 && strcmp(argv[1], "polkit") == 0)
                return run_polkit(argv[2], argv + 3);
        if (argc == 4 && strcmp(argv[1], "own") == 0)
                return run_own(argv[2], argv[3]);
        if ((argc == 4 || argc == 5) && strcmp(argv[1], "flood") == 0)
                return run_flood(argv[2], (unsigned) strtoul(argv[3], NULL, 10),
                                 argc == 4 || strcmp(argv[4], "--no-b") != 0);
        fprintf(stderr, "usage: bus-helper polkit ADDRESS [ACTION...] | own ADDRESS NAME | flood ADDRESS N [--no-b]\n");
        return 2;
}
