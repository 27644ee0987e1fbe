/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-libioreg-notify.c: libioreg's notifications from the real ioregd:
 * devices plugged and unplugged through umockdev for matching and interest
 * notifications, a port that overflows, and the daemon killed and started
 * again; the same over the daemon's notification port (issue 21, the
 * default) and over the bus (IOREG_NOTIFY_PORT=0), and that port dropped
 * alone.
 *
 * The testbed, the bus and the daemon are set up by libioreg-testbed.c.
 */

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <dirent.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <systemd/sd-event.h>
#include <unistd.h>
#include <umockdev.h>

#include <ioreg/ioreg.h>

#include "macro.h"
#include "registry-query.h"
#include "test-bus.h"
#include "test-daemon.h"
#include "libioreg-testbed.h"

typedef struct Seen {
        unsigned callbacks, services;
        ioreg_object_t last; /* owned */
        int drain;           /* drain in the callback */
} Seen;

static void matched_cb(void *refcon, ioreg_iterator_t it) {
        Seen *s = refcon;
        ioreg_object_t o;

        s->callbacks++;
        while (s->drain && (o = ioreg_iterator_next(it))) {
                s->services++;
                if (s->last)
                        ioreg_object_release(s->last);
                s->last = o;
        }
}

/* The integer property key of o (a created property: released here). */
static json_int_t int_property(ioreg_object_t o, const char *key) {
        json_t *v = ioreg_registry_entry_create_property(o, key, 0);
        json_int_t i = json_integer_value(v);

        json_decref(v);
        return i;
}

static unsigned drain(ioreg_iterator_t it) {
        ioreg_object_t o;
        unsigned n = 0;

        while ((o = ioreg_iterator_next(it))) {
                n++;
                ioreg_object_release(o);
        }
        return n;
}

/* Publish and terminated notifications of mice on port, each iterator drained (armed). */
static void watch_mice(ioreg_notification_port_t port, Seen *pub, ioreg_iterator_t *ret_pub, Seen *term,
                       ioreg_iterator_t *ret_term) {
        assert_int_equal(ioreg_service_add_matching_notification(port, IOREG_PUBLISH_NOTIFICATION, mouse_matching(),
                                                                 matched_cb, pub, ret_pub),
                         IOREG_RETURN_SUCCESS);
        assert_int_equal(ioreg_service_add_matching_notification(port, IOREG_TERMINATED_NOTIFICATION,
                                                                 mouse_matching(), matched_cb, term, ret_term),
                         IOREG_RETURN_SUCCESS);
        assert_int_equal(drain(*ret_pub), 0);
        assert_int_equal(drain(*ret_term), 0);
}

/* The daemon's Notifications1.Ports (the notification ports open now), once it is want or after 10 s. */
static unsigned wait_ports(unsigned want) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        uint32_t n = UINT32_MAX;

        assert_int_equal(test_bus_connect(&test_bus, &bus), 0);
        for (unsigned i = 0; i < 1000; i++) {
                assert_true(sd_bus_get_property_trivial(bus, "org.ioreg.Registry1", "/org/ioreg/Registry1",
                                                        "org.ioreg.Notifications1", "Ports", NULL, 'u', &n) >= 0);
                if (n == want)
                        break;
                usleep(10 * 1000);
        }
        return n;
}

static void test_matching_notification_contract(void **state) {
        ioreg_notification_port_t port = ioreg_notification_port_create();
        Seen s = { .drain = 1 }, t = { .drain = 1 };
        ioreg_iterator_t it, term;
        char *mouse;
        ioreg_name_t name;
        json_t *props = NULL;

        assert_non_null(port);
        assert_true(ioreg_notification_port_get_fd(port) >= 0);
        /* Primed with the existing devices, and no callback for them. */
        assert_int_equal(ioreg_service_add_matching_notification(port, IOREG_FIRST_MATCH_NOTIFICATION,
                                                                 ioreg_service_matching("IOUSBHostDevice"), matched_cb,
                                                                 &s, &it),
                         IOREG_RETURN_SUCCESS);
        assert_int_equal(ioreg_service_add_matching_notification(port, IOREG_TERMINATED_NOTIFICATION,
                                                                 mouse_matching(), matched_cb, &t, &term),
                         IOREG_RETURN_SUCCESS);
        assert_int_equal(ioreg_object_get_class(it, name), IOREG_RETURN_SUCCESS);
        assert_string_equal(name, "IOServiceUserNotification");
        assert_int_equal(drain(term), 0); /* terminate types replay nothing */
        /* The daemon's ReplayEnd: the replay of each is over (it fits the window: it came with the priming). */
        for (unsigned i = 0; i < 50 && !(ioreg_notification_replay_ended(it) && ioreg_notification_replay_ended(term));
             i++)
                (void) ioreg_notification_port_run(port, 20 * 1000);
        assert_int_equal(ioreg_notification_replay_ended(it), 1);
        assert_int_equal(ioreg_notification_replay_ended(term), 1);
        assert_int_equal(ioreg_notification_replay_ended(NULL), 0);
        /* Not drained yet: a new device is queued but makes no callback. */
        mouse = add_mouse(7);
        wait_for_count(mouse_matching(), 1);
        for (unsigned i = 0; i < 10; i++)
                (void) ioreg_notification_port_run(port, 20 * 1000);
        assert_int_equal(s.callbacks, 0);
        assert_int_equal(drain(it), 7); /* six at the start, the mouse */
        /* Armed now: the next device calls back. */
        remove_device(mouse);
        g_free(mouse);
        run_until(port, &t.callbacks, 1);
        assert_int_equal(t.services, 1);
        /* A terminated service keeps its last properties for the callback's owner. */
        assert_int_equal(ioreg_registry_entry_create_properties(t.last, &props, 0), IOREG_RETURN_SUCCESS);
        assert_string_equal(json_string_value(json_object_get(props, "USB Product Name")), "USB Optical Mouse");
        json_decref(props);
        mouse = add_mouse(8);
        run_until(port, &s.services, 1);
        assert_int_equal(s.callbacks, 1);
        assert_int_equal(int_property(s.last, "idVendor"), 0x046d);
        /* Releasing the iterator cancels: the removal reaches nobody. */
        ioreg_object_release(term);
        remove_device(mouse);
        g_free(mouse);
        wait_for_count(mouse_matching(), 0);
        for (unsigned i = 0; i < 10; i++)
                (void) ioreg_notification_port_run(port, 20 * 1000);
        assert_int_equal(t.callbacks, 1);
        ioreg_object_release(s.last);
        ioreg_object_release(t.last);
        ioreg_object_release(it);
        ioreg_notification_port_destroy(port);
        assert_int_equal(ioreg_service_add_matching_notification(NULL, IOREG_FIRST_MATCH_NOTIFICATION,
                                                                 ioreg_service_matching("X"), matched_cb, &s, &it),
                         IOREG_RETURN_BAD_ARGUMENT);
}

/* What an entry answered for its name, location and path in one plane (NULL: its global ones). */
typedef struct Place {
        const char *plane;
        ioreg_return_t name_r, location_r, path_r;
        ioreg_name_t name, location;
        ioreg_string_t path;
        char *copied_path; /* owned: ioreg_registry_entry_copy_path() */
} Place;

static void place_read(ioreg_object_t o, Place *p) {
        p->name_r = p->plane ? ioreg_registry_entry_get_name_in_plane(o, p->plane, p->name)
                             : ioreg_registry_entry_get_name(o, p->name);
        p->location_r = ioreg_registry_entry_get_location_in_plane(o, p->plane, p->location);
        /* No plane: a path is always in one. */
        p->path_r = ioreg_registry_entry_get_path(o, p->plane ?: "", p->path);
        p->copied_path = ioreg_registry_entry_copy_path(o, p->plane ?: "");
}

static void place_assert_equal(const Place *want, const Place *got) {
        assert_int_equal(got->name_r, want->name_r);
        assert_int_equal(got->location_r, want->location_r);
        assert_int_equal(got->path_r, want->path_r);
        if (want->name_r == IOREG_RETURN_SUCCESS)
                assert_string_equal(got->name, want->name);
        if (want->location_r == IOREG_RETURN_SUCCESS)
                assert_string_equal(got->location, want->location);
        if (want->path_r == IOREG_RETURN_SUCCESS)
                assert_string_equal(got->path, want->path);
        if (want->copied_path)
                assert_string_equal(got->copied_path, want->copied_path);
        else
                assert_null(got->copied_path);
}

/*
 * A terminated service keeps answering its name, location and path in every plane it was in, as
 * it did live (an io_object_t of a terminated service on a Mac answers from its last state): the
 * object the terminated notification delivered, and the one the publish notification delivered.
 */
static void test_terminated_service_keeps_its_places(void **state) {
        static const char *const planes[] = { NULL, "IOService", "IOUSB", "IOPower", "IODeviceTree", "IOBogus" };
        ioreg_notification_port_t port = ioreg_notification_port_create();
        Seen pub = { .drain = 1 }, term = { .drain = 1 };
        Place live[ELEMENTSOF(planes)] = {}, gone[ELEMENTSOF(planes)] = {}, published[ELEMENTSOF(planes)] = {};
        ioreg_iterator_t pub_it, term_it;
        char *mouse;

        assert_non_null(port);
        watch_mice(port, &pub, &pub_it, &term, &term_it);
        mouse = add_mouse(6);
        run_until(port, &pub.services, 1);
        for (size_t i = 0; i < ELEMENTSOF(planes); i++) {
                live[i].plane = planes[i];
                place_read(pub.last, &live[i]);
        }
        /* Live: the mouse on port 6 of the keyboard's first hub, in the service and USB planes only. */
        for (size_t i = 0; i < 5; i++) {
                assert_int_equal(live[i].name_r, IOREG_RETURN_SUCCESS);
                assert_string_equal(live[i].name, "USB Optical Mouse");
                assert_int_equal(live[i].location_r, IOREG_RETURN_SUCCESS);
                assert_string_equal(live[i].location, "1160000");
        }
        assert_int_equal(live[1].path_r, IOREG_RETURN_SUCCESS);
        assert_string_equal(live[1].path, "IOService:/pci0000:00/pci8086,3b3c@1A/ehci-pci/EHCI Host Controller@1000000"
                                          "/usb/IOUSBHostDevice@1100000/usb/USB Optical Mouse@1160000");
        assert_int_equal(live[2].path_r, IOREG_RETURN_SUCCESS);
        assert_string_equal(live[2].path, "IOUSB:/IOUSBHostDevice@1100000/USB Optical Mouse@1160000");
        assert_string_equal(live[2].copied_path, live[2].path);
        assert_int_equal(live[3].path_r, IOREG_RETURN_NOT_FOUND);
        assert_int_equal(live[4].path_r, IOREG_RETURN_NOT_FOUND);
        assert_int_equal(live[0].path_r, IOREG_RETURN_BAD_ARGUMENT);
        /* No such plane. */
        assert_int_equal(live[5].name_r, IOREG_RETURN_BAD_ARGUMENT);
        assert_int_equal(live[5].location_r, IOREG_RETURN_BAD_ARGUMENT);
        assert_int_equal(live[5].path_r, IOREG_RETURN_BAD_ARGUMENT);

        remove_device(mouse);
        g_free(mouse);
        run_until(port, &term.services, 1);
        assert_int_equal(ioreg_object_is_equal_to(term.last, pub.last), 1);
        /* The daemon has forgotten it: its calls answer no such entry. */
        assert_int_equal(ioreg_registry_entry_in_plane(pub.last, "IOService"), 0);
        for (size_t i = 0; i < ELEMENTSOF(planes); i++) {
                gone[i].plane = published[i].plane = planes[i];
                place_read(term.last, &gone[i]);
                place_assert_equal(&live[i], &gone[i]);
                place_read(pub.last, &published[i]);
                place_assert_equal(&live[i], &published[i]);
        }
        for (size_t i = 0; i < ELEMENTSOF(planes); i++) {
                free(live[i].copied_path);
                free(gone[i].copied_path);
                free(published[i].copied_path);
        }
        ioreg_object_release(pub.last);
        ioreg_object_release(term.last);
        ioreg_object_release(pub_it);
        ioreg_object_release(term_it);
        ioreg_notification_port_destroy(port);
}

static void test_matching_notification_errors(void **state) {
        ioreg_notification_port_t port = ioreg_notification_port_create();
        ioreg_iterator_t it = NULL;

        assert_int_equal(ioreg_service_add_matching_notification(port, "IOServiceNoSuchType",
                                                                 ioreg_service_matching("IOService"), matched_cb, NULL,
                                                                 &it),
                         IOREG_RETURN_BAD_ARGUMENT);
        assert_null(it);
        ioreg_notification_port_destroy(port);
}

typedef struct Messages {
        unsigned n, terminated, busy;
        uint32_t last;
} Messages;

static void interest_cb(void *refcon, ioreg_service_t service, uint32_t type, void *arg) {
        Messages *m = refcon;

        assert_non_null(service);
        m->n++;
        m->last = type;
        if (type == IOREG_MESSAGE_SERVICE_IS_TERMINATED)
                m->terminated++;
        if (type == IOREG_MESSAGE_SERVICE_BUSY_STATE_CHANGE)
                m->busy++;
}

static void test_interest_notification(void **state) {
        ioreg_notification_port_t port = ioreg_notification_port_create();
        _cleanup_(sd_event_unrefp) sd_event *loop = NULL;
        ioreg_notification_t general = NULL, busy = NULL, refused = NULL;
        Messages m = {};
        ioreg_service_t dev;
        char *mouse = add_mouse(9);

        wait_for_count(mouse_matching(), 1);
        dev = ioreg_service_get_matching_service(mouse_matching());
        assert_non_null(dev);
        assert_int_equal(ioreg_service_add_interest_notification(port, dev, IOREG_GENERAL_INTEREST, interest_cb, &m,
                                                                 &general),
                         IOREG_RETURN_SUCCESS);
        assert_int_equal(ioreg_service_add_interest_notification(port, dev, IOREG_BUSY_INTEREST, interest_cb, &m,
                                                                 &busy),
                         IOREG_RETURN_SUCCESS);
        assert_int_equal(ioreg_service_add_interest_notification(port, dev, "NoSuchInterest", interest_cb, &m,
                                                                 &refused),
                         IOREG_RETURN_BAD_ARGUMENT);
        assert_null(refused);
        /* On an sd-event loop this time. */
        assert_int_equal(sd_event_new(&loop), 0);
        assert_int_equal(ioreg_notification_port_attach_event(port, loop, 0), IOREG_RETURN_SUCCESS);
        assert_int_equal(ioreg_notification_port_attach_event(port, loop, 0), IOREG_RETURN_BAD_ARGUMENT);
        remove_device(mouse);
        g_free(mouse);
        for (unsigned i = 0; i < 500 && !m.terminated; i++)
                assert_true(sd_event_run(loop, 20 * 1000) >= 0);
        assert_int_equal(m.terminated, 1);
        assert_int_equal(m.last, IOREG_MESSAGE_SERVICE_IS_TERMINATED); /* nothing after it */
        /* The service is gone. */
        assert_int_equal(ioreg_service_add_interest_notification(port, dev, IOREG_GENERAL_INTEREST, interest_cb, &m,
                                                                 &refused) == IOREG_RETURN_SUCCESS,
                         0);
        assert_null(refused);
        assert_int_equal(ioreg_notification_port_detach_event(port), IOREG_RETURN_SUCCESS);
        ioreg_object_release(general);
        ioreg_object_release(busy);
        ioreg_object_release(dev);
        ioreg_notification_port_destroy(port);
}

/* The daemon's window is 2 (--notify-limit=2): an undrained notification overflows, and says so. */
static void test_overflow(void **state) {
        ioreg_notification_port_t port;
        Seen s = { .drain = 0 };
        ioreg_iterator_t it;
        char *mice[6];
        unsigned n;

        assert_int_equal(test_daemon_stop(&daemon_), 0);
        start_daemon("--notify-limit=2");
        port = ioreg_notification_port_create();
        assert_int_equal(ioreg_service_add_matching_notification(port, IOREG_PUBLISH_NOTIFICATION, mouse_matching(),
                                                                 matched_cb, &s, &it),
                         IOREG_RETURN_SUCCESS);
        assert_int_equal(drain(it), 0);
        assert_true(ioreg_iterator_is_valid(it));
        for (unsigned i = 0; i < 6; i++)
                mice[i] = add_mouse(10 + i);
        wait_for_count(mouse_matching(), 6);
        /* The callback does not drain: 2 pending, 2 waiting in the daemon, then the overflow. */
        for (unsigned i = 0; i < 500 && ioreg_iterator_is_valid(it); i++)
                (void) ioreg_notification_port_run(port, 20 * 1000);
        assert_false(ioreg_iterator_is_valid(it));
        assert_true(s.callbacks >= 1);
        n = drain(it);
        assert_true(n >= 1 && n < 6);
        assert_false(ioreg_iterator_is_valid(it));
        /* Reset starts over: every mouse again (paced by the window as the iterator is drained). */
        ioreg_iterator_reset(it);
        assert_true(ioreg_iterator_is_valid(it));
        n = drain(it);
        for (unsigned i = 0; i < 100 && n < 6; i++) {
                (void) ioreg_notification_port_run(port, 20 * 1000);
                n += drain(it);
        }
        assert_int_equal(n, 6);
        for (unsigned i = 0; i < 6; i++) {
                remove_device(mice[i]);
                g_free(mice[i]);
        }
        wait_for_count(mouse_matching(), 0);
        ioreg_object_release(it);
        ioreg_notification_port_destroy(port);
        assert_int_equal(test_daemon_stop(&daemon_), 0);
        start_daemon(NULL);
}

/* Counts IOREG_MESSAGE_SERVICE_IS_TERMINATED into *(unsigned *) refcon. */
static void terminated_cb(void *refcon, ioreg_service_t service, uint32_t type, void *arg) {
        if (type == IOREG_MESSAGE_SERVICE_IS_TERMINATED)
                (*(unsigned *) refcon)++;
}

/*
 * A mouse published, its interest notification and its termination, on a port made with
 * IOREG_NOTIFY_PORT set to env (NULL: unset); the daemon's Ports while it is open, and after.
 */
static void port_round(const char *env, unsigned want_ports) {
        ioreg_notification_port_t port;
        Seen pub = { .drain = 1 }, term = { .drain = 1 };
        ioreg_iterator_t pit, tit;
        ioreg_notification_t general = NULL;
        unsigned terminated = 0;
        char *mouse;

        assert_int_equal(wait_ports(0), 0); /* the earlier tests' ports are closed */
        if (env)
                assert_int_equal(setenv("IOREG_NOTIFY_PORT", env, 1), 0);
        port = ioreg_notification_port_create();
        assert_int_equal(unsetenv("IOREG_NOTIFY_PORT"), 0);
        assert_non_null(port);
        assert_int_equal(wait_ports(want_ports), want_ports);
        watch_mice(port, &pub, &pit, &term, &tit);
        mouse = add_mouse(40);
        run_until(port, &pub.services, 1);
        assert_int_equal(int_property(pub.last, "idProduct"), 0xc077);
        assert_int_equal(ioreg_service_add_interest_notification(port, pub.last, IOREG_GENERAL_INTEREST,
                                                                 terminated_cb, &terminated, &general),
                         IOREG_RETURN_SUCCESS);
        remove_device(mouse);
        g_free(mouse);
        run_until(port, &term.services, 1);
        run_until(port, &terminated, 1);
        assert_int_equal(ioreg_object_is_equal_to(term.last, pub.last), 1);
        /* Still the one port (or none) after all that went over it. */
        assert_int_equal(wait_ports(want_ports), want_ports);
        ioreg_object_release(general);
        ioreg_object_release(pub.last);
        ioreg_object_release(term.last);
        ioreg_object_release(pit);
        ioreg_object_release(tit);
        ioreg_notification_port_destroy(port);
        /* Closing the port closes the daemon's end. */
        assert_int_equal(wait_ports(0), 0);
}

/*
 * The client's end of the daemon's notification port in this process: the socket whose peer is
 * ioregd itself (it made the pair; the bus connections' peer is the bus). Its fd, and its inode
 * in *ret_ino; -1 when there is none.
 */
static int port_socket(ino_t *ret_ino) {
        DIR *d = opendir("/proc/self/fd");
        struct dirent *de;
        int found = -1;

        assert_non_null(d);
        while ((de = readdir(d))) {
                int fd = atoi(de->d_name);
                struct ucred cred;
                socklen_t len = sizeof(cred);
                struct stat st;

                if (de->d_name[0] == '.' || fd == dirfd(d) || fstat(fd, &st) < 0 || !S_ISSOCK(st.st_mode))
                        continue;
                if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0 || cred.pid != daemon_.pid)
                        continue;
                assert_int_equal(found, -1); /* one port: one such socket */
                found = fd;
                *ret_ino = st.st_ino;
        }
        closedir(d);
        return found;
}

/*
 * The port's connection drops while the daemon and the bus stay (as when ioregd cuts off a
 * client that does not read): the daemon ends its subscriptions, the library opens another port
 * after its back-off and subscribes again; the services it delivered are kept, not delivered again.
 */
static void test_notification_port_dropped(void **state) {
        ioreg_notification_port_t port;
        Seen pub = { .drain = 1 };
        ioreg_iterator_t pit;
        ino_t first = 0, now = 0;
        char *mouse;
        int fd;

        assert_int_equal(wait_ports(0), 0);
        port = ioreg_notification_port_create();
        assert_non_null(port);
        assert_int_equal(ioreg_service_add_matching_notification(port, IOREG_PUBLISH_NOTIFICATION,
                                                                 ioreg_service_matching("IOUSBHostDevice"), matched_cb,
                                                                 &pub, &pit),
                         IOREG_RETURN_SUCCESS);
        assert_int_equal(drain(pit), 6);
        /* The port's first work done (its connection's own resubscription), so that only the drop is left. */
        for (unsigned i = 0; i < 5; i++)
                (void) ioreg_notification_port_run(port, 10 * 1000);
        fd = port_socket(&first);
        assert_true(fd >= 0);
        assert_int_equal(shutdown(fd, SHUT_RDWR), 0);
        /* A new socket (the old fd may be reused: its inode tells), the daemon's only port. */
        for (unsigned i = 0; i < 200; i++) {
                (void) ioreg_notification_port_run(port, 20 * 1000);
                if (port_socket(&now) >= 0 && now != first)
                        break;
        }
        assert_true(now != first);
        assert_int_equal(wait_ports(1), 1);
        /* The replay of the new subscription showed the same six: nothing delivered again. */
        for (unsigned i = 0; i < 10; i++)
                (void) ioreg_notification_port_run(port, 10 * 1000);
        assert_int_equal(pub.callbacks, 0);
        /* And it goes on over the new port. */
        mouse = add_mouse(41);
        run_until(port, &pub.services, 1);
        assert_int_equal(int_property(pub.last, "idProduct"), 0xc077);
        remove_device(mouse);
        g_free(mouse);
        wait_for_count(mouse_matching(), 0);
        ioreg_object_release(pub.last);
        ioreg_object_release(pit);
        ioreg_notification_port_destroy(port);
        assert_int_equal(wait_ports(0), 0);
}

/* By default the notifications come over the daemon's notification port, one per ioreg_notification_port. */
static void test_notification_port_direct(void **state) {
        port_round(NULL, 1);
        port_round("1", 1);
}

/* IOREG_NOTIFY_PORT=0: the same notifications over the bus, and no port on the daemon. */
static void test_notification_port_bus(void **state) {
        port_round("0", 0);
}

/* The daemon goes and comes back: gone entries terminated, new ones published, the same ones kept. */
static void test_daemon_restart(void **state) {
        ioreg_notification_port_t port = ioreg_notification_port_create();
        Seen pub = { .drain = 1 }, term = { .drain = 1 };
        Messages kept = {}, lost = {};
        ioreg_iterator_t pit, tit;
        ioreg_notification_t kept_n = NULL, lost_n = NULL;
        ioreg_service_t kbd, gone;
        char *m1 = add_mouse(90), *m2; /* 1-1.90 enumerates last: the others keep their IDs */
        ioreg_name_t name;
        uint64_t id;

        wait_for_count(mouse_matching(), 1);
        json_t *all = ioreg_service_matching("IOUSBHostDevice");
        assert_int_equal(ioreg_service_add_matching_notification(port, IOREG_PUBLISH_NOTIFICATION, all, matched_cb,
                                                                 &pub, &pit),
                         IOREG_RETURN_SUCCESS);
        assert_int_equal(drain(pit), 7);
        assert_int_equal(ioreg_service_add_matching_notification(port, IOREG_TERMINATED_NOTIFICATION,
                                                                 ioreg_service_matching("IOUSBHostDevice"), matched_cb,
                                                                 &term, &tit),
                         IOREG_RETURN_SUCCESS);
        assert_int_equal(drain(tit), 0);
        kbd = ioreg_service_get_matching_service(ioreg_registry_entry_id_matching(0)); /* none */
        assert_null(kbd);
        {
                json_t *k = ioreg_service_matching("IOUSBHostDevice");

                json_object_set_new(k, "idVendor", json_integer(0x05f3));
                json_object_set_new(k, "idProduct", json_integer(0x0007));
                kbd = ioreg_service_get_matching_service(k);
        }
        gone = ioreg_service_get_matching_service(mouse_matching());
        assert_non_null(kbd);
        assert_non_null(gone);
        assert_int_equal(ioreg_service_add_interest_notification(port, kbd, IOREG_GENERAL_INTEREST, interest_cb,
                                                                 &kept, &kept_n),
                         IOREG_RETURN_SUCCESS);
        assert_int_equal(ioreg_service_add_interest_notification(port, gone, IOREG_GENERAL_INTEREST, interest_cb,
                                                                 &lost, &lost_n),
                         IOREG_RETURN_SUCCESS);

        assert_int_equal(wait_ports(1), 1); /* all of it over the daemon's notification port */

        /* The daemon dies; meanwhile one mouse goes and another comes. */
        assert_int_equal(test_daemon_stop(&daemon_), 0);
        for (unsigned i = 0; i < 10; i++)
                (void) ioreg_notification_port_run(port, 10 * 1000);
        remove_device(m1);
        g_free(m1);
        m2 = add_mouse(91);
        start_daemon(NULL);
        wait_for_count(mouse_matching(), 1);
        run_until(port, &term.services, 1);
        run_until(port, &pub.services, 1);
        run_until(port, &lost.terminated, 1);
        for (unsigned i = 0; i < 10; i++)
                (void) ioreg_notification_port_run(port, 10 * 1000);
        /* Exactly the new mouse was published, exactly the old one terminated. */
        assert_int_equal(pub.services, 1);
        assert_int_equal(term.services, 1);
        assert_int_equal(kept.terminated, 0);
        {
                json_t *product = ioreg_registry_entry_create_property(pub.last, "USB Product Name", 0);

                assert_string_equal(json_string_value(product), "USB Optical Mouse");
                json_decref(product);
        }
        assert_int_equal(ioreg_registry_entry_get_registry_entry_id(term.last, &id), IOREG_RETURN_SUCCESS);
        {
                uint64_t gone_id;

                assert_int_equal(ioreg_registry_entry_get_registry_entry_id(gone, &gone_id), IOREG_RETURN_SUCCESS);
                assert_true(id == gone_id);
        }
        /* The old run's mouse answers NO_DEVICE; the keyboard, the same entry, was adopted by the port. */
        assert_int_equal(ioreg_registry_entry_get_name(gone, name), IOREG_RETURN_NO_DEVICE);
        assert_int_equal(ioreg_registry_entry_get_name(kbd, name), IOREG_RETURN_SUCCESS);
        /* The port subscribed again over a notification port of the new daemon. */
        assert_int_equal(wait_ports(1), 1);
        /* The notifications go on in the new run. */
        remove_device(m2);
        g_free(m2);
        run_until(port, &term.services, 2);

        ioreg_object_release(kept_n);
        ioreg_object_release(lost_n);
        ioreg_object_release(kbd);
        ioreg_object_release(gone);
        ioreg_object_release(pub.last);
        ioreg_object_release(term.last);
        ioreg_object_release(pit);
        ioreg_object_release(tit);
        ioreg_notification_port_destroy(port);
        assert_int_equal(wait_ports(0), 0);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_matching_notification_contract),
                cmocka_unit_test(test_matching_notification_errors),
                cmocka_unit_test(test_terminated_service_keeps_its_places),
                cmocka_unit_test(test_interest_notification),
                cmocka_unit_test(test_overflow),
                cmocka_unit_test(test_daemon_restart),
                /* After the restart: a device plugged and unplugged before it would change its IDs. */
                cmocka_unit_test(test_notification_port_direct),
                cmocka_unit_test(test_notification_port_bus),
                cmocka_unit_test(test_notification_port_dropped),
        };

        return cmocka_run_group_tests_name("libioreg-notify", tests, group_setup, group_teardown);
}
