/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * adv-probe.c: the well-behaved client. A thread with a connection of its
 * own calls the daemon every PROBE_INTERVAL_MSEC, one call at a time with a
 * PROBE_TIMEOUT_USEC timeout, and records how long each answer took (a
 * failed call counts as failed and with its full time).
 */

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "adv-internal.h"
#include "macro.h"
#include "process.h"
#include "protocol.h"

#define PROBE_INTERVAL_MSEC 20
#define PROBE_TIMEOUT_USEC (2 * 1000 * 1000)

static uint64_t now_usec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000 + (uint64_t) ts.tv_nsec / 1000;
}

/* Alternately a method call and a property read: both paths through the daemon. */
static uint64_t probe_start_usec;

static uint64_t now_usec(void);

static int probe_call(sd_bus *bus, unsigned i) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = NULL, *reply = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        int r;

        if (i % 2 == 0)
                r = sd_bus_message_new_method_call(bus, &call, IOREG_BUS_NAME, IOREG_OBJECT_PATH, IOREG_INTERFACE,
                                                   "GetRootEntry");
        else {
                r = sd_bus_message_new_method_call(bus, &call, IOREG_BUS_NAME, IOREG_OBJECT_PATH,
                                                   "org.freedesktop.DBus.Properties", "Get");
                if (r >= 0)
                        r = sd_bus_message_append(call, "ss", IOREG_INTERFACE, "Entries");
        }
        if (r < 0)
                return r;
        r = sd_bus_call(bus, call, PROBE_TIMEOUT_USEC, &error, &reply);
        if (r < 0)
                fprintf(stderr, "probe: call %u failed at +%.1f s: %s\n", i, (now_usec() - probe_start_usec) / 1e6,
                        error.name ?: strerror(-r));
        return r;
}

static void *probe_thread(void *userdata) {
        AdvProbe *p = userdata;
        sd_bus *bus = NULL;
        int r;

        probe_start_usec = now_usec();
        r = test_bus_connect_address(p->address, &bus);
        for (unsigned i = 0;; i++) {
                uint64_t t0 = now_usec();
                double msec;
                bool stop;

                if (r >= 0)
                        r = probe_call(bus, i);
                msec = (now_usec() - t0) / 1000.0;
                /* ADV_PROBE_SLOW=MSEC: when the slow calls came, to match them with what the daemon did. */
                if (getenv("ADV_PROBE_SLOW") && msec >= atof(getenv("ADV_PROBE_SLOW")))
                        fprintf(stderr, "probe: call %u took %.1f ms, from +%.3f s\n", i, msec,
                                (t0 - probe_start_usec) / 1e6);
                pthread_mutex_lock(&p->lock);
                if (p->n == p->cap) {
                        unsigned cap = p->cap ? p->cap * 2 : 1024;
                        double *l = realloc(p->latencies_msec, cap * sizeof(double));

                        if (l) {
                                p->latencies_msec = l;
                                p->cap = cap;
                        }
                }
                if (p->n < p->cap)
                        p->latencies_msec[p->n++] = msec;
                if (r < 0)
                        p->failed++;
                stop = p->stop;
                pthread_mutex_unlock(&p->lock);
                if (stop)
                        break;
                /* A lost connection stays lost: each later round counts as a failure. */
                if (r < 0 && (!bus || !sd_bus_is_open(bus)))
                        r = -ENOTCONN;
                else if (r < 0)
                        r = 0;
                usleep(PROBE_INTERVAL_MSEC * 1000);
        }
        sd_bus_flush_close_unref(bus);
        return NULL;
}

int adv_probe_start(Adv *adv) {
        AdvProbe *p = &adv->probe;
        int r;

        pthread_mutex_init(&p->lock, NULL);
        p->address = strdup(adv_address(adv));
        if (!p->address)
                return -ENOMEM;
        r = pthread_create(&p->thread, NULL, probe_thread, p);
        if (r != 0)
                return -r;
        p->running = true;
        return 0;
}

void adv_probe_stop(Adv *adv) {
        AdvProbe *p = &adv->probe;

        if (p->running) {
                pthread_mutex_lock(&p->lock);
                p->stop = true;
                pthread_mutex_unlock(&p->lock);
                pthread_join(p->thread, NULL);
                p->running = false;
        }
        free(p->latencies_msec);
        free(p->address);
        p->latencies_msec = NULL;
        p->address = NULL;
}

static int cmp_double(const void *a, const void *b) {
        double x = *(const double *) a, y = *(const double *) b;

        return x < y ? -1 : x > y;
}

void adv_probe_figures(Adv *adv, unsigned *ret_calls, unsigned *ret_failed, double *ret_p99, double *ret_max) {
        AdvProbe *p = &adv->probe;
        double *sorted = NULL;
        unsigned n;

        pthread_mutex_lock(&p->lock);
        n = p->n;
        *ret_failed = p->failed;
        if (n > 0) {
                sorted = malloc(n * sizeof(double));
                if (sorted)
                        memcpy(sorted, p->latencies_msec, n * sizeof(double));
        }
        pthread_mutex_unlock(&p->lock);
        *ret_calls = n;
        *ret_p99 = *ret_max = sorted ? 0 : INFINITY;
        if (!sorted)
                return;
        qsort(sorted, n, sizeof(double), cmp_double);
        /* The nearest-rank percentile. */
        *ret_p99 = sorted[(unsigned) ceil(0.99 * n) - 1];
        *ret_max = sorted[n - 1];
        free(sorted);
}
