/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * vm-watch LABEL TYPE MATCHING [LABEL TYPE MATCHING...]: the rig's libioreg
 * client. Adds one matching notification per triple (TYPE: IOServicePublish,
 * IOServiceMatched, IOServiceTerminate, ...; MATCHING: a JSON dictionary) and
 * prints each service delivered as one JSON line: the label, the type, ID,
 * class, name, Linux SYSPATH, for the terminate types the properties (the
 * last ones the service had; not with $VM_WATCH_LIGHT set)
 * and whether it came from the initial iterator ("replay"). After the
 * initial iterators are drained it prints {"ready": true}. Runs until
 * SIGTERM; exits 1 when a notification's queue overflowed.
 */

#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ioreg/ioreg.h>

typedef struct Watch {
        const char *label, *type;   /* borrowed from argv */
        ioreg_iterator_t iterator;  /* owned */
        bool replay;                /* draining the initial iterator */
} Watch;

static volatile sig_atomic_t stop;

static void on_signal(int sig) {
        stop = 1;
}

static void print_service(const Watch *w, ioreg_service_t s) {
        json_t *line = json_object(), *props = NULL;
        ioreg_name_t name = "", class_name = "";
        uint64_t id = 0;
        char idbuf[32];
        char *text;

        (void) ioreg_registry_entry_get_name(s, name);
        (void) ioreg_object_get_class(s, class_name);
        (void) ioreg_registry_entry_get_registry_entry_id(s, &id);
        json_t *linux_dict = ioreg_registry_entry_create_property(s, "Linux", 0);

        /* Properties for the terminate types only: what a terminated entry still carries is the point. */
        if (!strstr(w->type, "Terminate") || getenv("VM_WATCH_LIGHT") ||
            ioreg_registry_entry_create_properties(s, &props, 0) != IOREG_RETURN_SUCCESS)
                props = json_null();
        json_object_set(line, "syspath", json_object_get(linux_dict, "SYSPATH") ?: json_null());
        json_decref(linux_dict);
        snprintf(idbuf, sizeof(idbuf), "0x%llx", (unsigned long long) id);
        json_object_set_new(line, "sub", json_string(w->label));
        json_object_set_new(line, "type", json_string(w->type));
        json_object_set_new(line, "id", json_string(idbuf));
        json_object_set_new(line, "class", json_string(class_name));
        json_object_set_new(line, "name", json_string(name));
        json_object_set_new(line, "replay", json_boolean(w->replay));
        json_object_set_new(line, "props", props);
        text = json_dumps(line, JSON_COMPACT);
        if (text)
                printf("%s\n", text);
        fflush(stdout);
        free(text);
        json_decref(line);
}

static void drain(void *refcon, ioreg_iterator_t iterator) {
        Watch *w = refcon;
        ioreg_object_t s;

        while ((s = ioreg_iterator_next(iterator))) {
                print_service(w, s);
                ioreg_object_release(s);
        }
        if (!ioreg_iterator_is_valid(iterator)) {
                printf("{\"sub\": \"%s\", \"overflow\": true}\n", w->label);
                fflush(stdout);
                stop = 2;
        }
}

int main(int argc, char *argv[]) {
        ioreg_notification_port_t port;
        unsigned n = (unsigned) (argc - 1) / 3;
        Watch *watches;

        if (argc < 4 || (argc - 1) % 3 != 0) {
                fprintf(stderr, "usage: vm-watch LABEL TYPE MATCHING [LABEL TYPE MATCHING...]\n");
                return 2;
        }
        signal(SIGTERM, on_signal);
        signal(SIGINT, on_signal);
        port = ioreg_notification_port_create();
        watches = calloc(n, sizeof(*watches));
        if (!port || !watches) {
                fprintf(stderr, "vm-watch: no notification port (is ioregd on the bus?)\n");
                return 1;
        }
        for (unsigned i = 0; i < n; i++) {
                Watch *w = &watches[i];
                json_error_t error;
                json_t *matching = json_loads(argv[1 + 3 * i + 2], 0, &error);
                ioreg_return_t kr;

                w->label = argv[1 + 3 * i];
                w->type = argv[1 + 3 * i + 1];
                if (!json_is_object(matching)) {
                        fprintf(stderr, "vm-watch: %s: not a JSON object: %s\n", w->label, error.text);
                        return 2;
                }
                kr = ioreg_service_add_matching_notification(port, w->type, matching, drain, w, &w->iterator);
                if (kr != IOREG_RETURN_SUCCESS) {
                        fprintf(stderr, "vm-watch: %s: %s\n", w->label, ioreg_return_string(kr));
                        return 1;
                }
                w->replay = true;
                drain(w, w->iterator);
                w->replay = false;
        }
        printf("{\"ready\": true}\n");
        fflush(stdout);
        while (!stop)
                (void) ioreg_notification_port_run(port, 200 * 1000);
        for (unsigned i = 0; i < n; i++)
                ioreg_object_release(watches[i].iterator);
        ioreg_notification_port_destroy(port);
        free(watches);
        return stop == 2;
}
