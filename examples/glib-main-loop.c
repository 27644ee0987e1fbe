/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * glib-main-loop: docs/libioreg.md's GLib recipe, compiled when GLib's
 * headers are installed (libioreg does not depend on GLib). The port's fd
 * becomes a GSource with g_unix_fd_add(); each time it is readable the
 * source dispatches the port. Prints the USB devices that come and go
 * until interrupted, or until SECONDS (first argument) pass.
 */

#include <glib-unix.h>
#include <stdio.h>
#include <stdlib.h>

#include <ioreg/ioreg.h>

static gboolean on_port(gint fd, GIOCondition condition, gpointer user_data) {
        ioreg_notification_port_dispatch(user_data);
        return G_SOURCE_CONTINUE;
}

static void on_added(void *refcon, ioreg_iterator_t iterator) {
        ioreg_service_t s;

        while ((s = ioreg_iterator_next(iterator))) {
                ioreg_name_t name;

                if (ioreg_registry_entry_get_name(s, name) == IOREG_RETURN_SUCCESS)
                        printf("added %s\n", name);
                ioreg_object_release(s);
        }
        fflush(stdout);
}

static gboolean on_timeout(gpointer loop) {
        g_main_loop_quit(loop);
        return G_SOURCE_REMOVE;
}

int main(int argc, char **argv) {
        GMainLoop *loop = g_main_loop_new(NULL, FALSE);
        ioreg_notification_port_t port = ioreg_notification_port_create();
        ioreg_iterator_t added;
        guint source;

        if (!port)
                return 1;
        if (ioreg_service_add_matching_notification(port, IOREG_FIRST_MATCH_NOTIFICATION,
                                                    ioreg_service_matching("IOUSBHostDevice"), on_added, NULL,
                                                    &added) != IOREG_RETURN_SUCCESS)
                return 1;
        on_added(NULL, added); /* drain: arms it */
        source = g_unix_fd_add(ioreg_notification_port_get_fd(port), G_IO_IN, on_port, port);
        if (argc > 1)
                g_timeout_add_seconds(atoi(argv[1]), on_timeout, loop);
        g_main_loop_run(loop);
        g_source_remove(source);
        ioreg_object_release(added);
        ioreg_notification_port_destroy(port);
        g_main_loop_unref(loop);
        return 0;
}
