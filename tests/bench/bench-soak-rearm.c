/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bench-soak-rearm.c: see bench-soak-rearm.h. Each port is its own
 * connection, holding Matched and Terminated notifications of one class.
 */

#include <dirent.h>
#include <stddef.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <ioreg/ioreg.h>

#include "bench-soak-rearm.h"
#include "bench-util.h"
#include "macro.h"

typedef struct Port {
        ioreg_notification_port_t port;        /* owned */
        ioreg_iterator_t matched, terminated;  /* owned: the notifications' iterators */
        unsigned n_matched, n_terminated;
} Port;

/* Drains the iterator (which re-arms it) and counts what it held. */
static unsigned drain(ioreg_iterator_t it) {
        unsigned n = 0;
        ioreg_object_t o;

        while ((o = ioreg_iterator_next(it))) {
                ioreg_object_release(o);
                n++;
        }
        return n;
}

static void on_port_matched(void *refcon, ioreg_iterator_t it) {
        ((Port *) refcon)->n_matched += drain(it);
}

static void on_port_terminated(void *refcon, ioreg_iterator_t it) {
        ((Port *) refcon)->n_terminated += drain(it);
}

static void port_done(Port *p) {
        if (p->matched)
                ioreg_object_release(p->matched);
        if (p->terminated)
                ioreg_object_release(p->terminated);
        ioreg_notification_port_destroy(p->port);
        *p = (Port) {};
}

static int port_start(Port *p, const char *match) {
        json_t *m = ioreg_service_matching(match);
        ioreg_return_t r;

        p->port = ioreg_notification_port_create();
        if (!p->port || !m) {
                json_decref(m);
                return -ENOMEM;
        }
        r = ioreg_service_add_matching_notification(p->port, IOREG_MATCHED_NOTIFICATION, m, on_port_matched, p,
                                                    &p->matched);
        if (r == IOREG_RETURN_SUCCESS) {
                drain(p->matched);
                m = ioreg_service_matching(match);
                r = ioreg_service_add_matching_notification(p->port, IOREG_TERMINATED_NOTIFICATION, m,
                                                            on_port_terminated, p, &p->terminated);
        }
        if (r == IOREG_RETURN_SUCCESS)
                drain(p->terminated);
        if (r != IOREG_RETURN_SUCCESS) {
                fprintf(stderr, "bench-soak: a libioreg port: %s\n", ioreg_return_string(r));
                return -EIO;
        }
        return 0;
}

/* Dispatches every port until each one's counter (at offset) is at least want[i], for at most WAIT_USEC. */
static unsigned ports_wait(Port *ports, unsigned n, size_t offset, const unsigned *want) {
        uint64_t deadline = bench_now_nsec() + WAIT_USEC * 1000;
        unsigned done = 0;

        for (;;) {
                struct timespec ts = { .tv_nsec = 5 * 1000 * 1000 };

                done = 0;
                for (unsigned i = 0; i < n; i++) {
                        (void) ioreg_notification_port_dispatch(ports[i].port);
                        if (*(unsigned *) ((char *) &ports[i] + offset) >= want[i])
                                done++;
                }
                if (done == n || bench_now_nsec() > deadline)
                        return done;
                nanosleep(&ts, NULL);
        }
}

/* The daemon is stopped and started again (*pid changes); returns the ports that re-armed. */
int rearm(TestBus *f, UMockdevTestbed *tb, const Subtree *sub, sd_bus *bus, pid_t *pid,
          const char *personalities, const char *match, unsigned n_clients, unsigned *ret_terminated,
          unsigned *ret_matched) {
        _cleanup_free_ Port *ports = calloc(n_clients, sizeof(Port));
        _cleanup_free_ unsigned *want = calloc(n_clients, sizeof(unsigned));
        int r = 0;

        if (!ports || !want)
                return -ENOMEM;
        (void) setenv("IOREG_BUS_ADDRESS", f->address, 1);
        for (unsigned i = 0; r >= 0 && i < n_clients; i++)
                r = port_start(&ports[i], match);
        if (r < 0)
                goto out;

        (void) kill(*pid, SIGTERM);
        (void) waitpid(*pid, NULL, 0);
        *pid = 0;
        detach(tb, sub); /* while the daemon is down: only the restart can tell the ports */
        r = spawn_ioregd(f, personalities, false, NULL, pid);
        if (r >= 0)
                r = wait_quiet(bus, *pid);
        if (r < 0)
                goto out;
        for (unsigned i = 0; i < n_clients; i++)
                want[i] = ports[i].n_terminated + 1;
        *ret_terminated = ports_wait(ports, n_clients, offsetof(Port, n_terminated), want);

        /* Live again: the device comes back, and every port must hear of it. */
        for (unsigned i = 0; i < n_clients; i++)
                want[i] = ports[i].n_matched + 1;
        r = attach(tb, sub);
        if (r < 0)
                goto out;
        *ret_matched = ports_wait(ports, n_clients, offsetof(Port, n_matched), want);
out:
        for (unsigned i = 0; i < n_clients; i++)
                port_done(&ports[i]);
        return r;
}
