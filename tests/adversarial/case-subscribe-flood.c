/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * case-subscribe-flood (issue 23 D and B3): 4 connections send 256
 * Subscribe("IOServicePublish", {}) calls each, every one replaying the
 * whole registry (813 entries) as notifications, and never read; then they
 * sit for HOLD_SEC and leave. Their subscriptions must end with them (one
 * NameOwnerChanged match for all), the probe must be served throughout,
 * and the daemon must give back what they cost.
 *
 * What makes it pass (issue 23): each replay is a cursor sent in slices
 * (notify-hub.h), below the bus's reading and calls in the loop's order
 * (bus-notify.c), so the 1,024 Subscribe calls are read, parked and
 * answered without waiting for replays; the bus socket's send buffer is
 * small (bus-flow.h), so an answer waits behind tens of signals, not
 * hundreds; clients that never read are sent 1 MiB each, 4 MiB per user
 * (bus-peers.h's slow start); and the daemon runs without malloc's tcache
 * (the unit's GLIBC_TUNABLES), whose cached blocks otherwise kept ~300 KiB
 * of the heap's pages after the attackers left. Measured on 2 busy cores
 * (load 5 to 15): probe p99 10 to 40 ms (max under 250 ms), RssAnon back
 * under the baseline. ADV_PROBE_SLOW=MSEC prints the slow probe calls.
 */

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "adv.h"
#include "process.h"
#include "registry-query.h"
#include "protocol.h"

#define HOLD_SEC 8

/* slow-subscribe N_CONNECTIONS N_CALLS: Subscribe("IOServicePublish", {}) calls, never read. */
static int attack_subscribe(const char *address, int argc, char **argv) {
        unsigned n_conn = argc > 0 ? (unsigned) atoi(argv[0]) : 4, n_calls = argc > 1 ? (unsigned) atoi(argv[1]) : 1024;
        sd_bus *conns[64];

        for (unsigned c = 0; c < n_conn && c < 64; c++) {
                conns[c] = adv_connect(address);
                for (unsigned i = 0; i < n_calls; i++) {
                        sd_bus_message *m = NULL;

                        if (sd_bus_message_new_method_call(conns[c], &m, IOREG_BUS_NAME, IOREG_OBJECT_PATH,
                                                           IOREG_NOTIFY_INTERFACE, "Subscribe") < 0 ||
                            (argc > 2 ? sd_bus_message_append(m, "sa{sv}", "IOServicePublish", 1, "IOProviderClass",
                                                              "s", argv[2]) :
                                        sd_bus_message_append(m, "sa{sv}", "IOServicePublish", 0)) < 0 ||
                            sd_bus_send(conns[c], m, NULL) < 0)
                                return 3;
                        sd_bus_message_unref(m);
                }
                (void) sd_bus_flush(conns[c]);
        }
        adv_attacker_ready();
        pause();
        return 0;
}

static const AdvAttacker attackers[] = {
        { "slow-subscribe", attack_subscribe },
        {}
};

static int run_once(Adv *adv) {
        pid_t subscribe;
        unsigned n = UINT_MAX;
        int r;

        uint64_t t0 = now_msec();

        r = adv_attacker_start(adv, "slow-subscribe", (const char *const[]) { "4", "256", getenv("ADV_SUB_CLASS"), NULL }, true, &subscribe);
        if (r < 0)
                return r;
        adv_log("attackers set up at +%.1f s; holding %d s; daemon VmRSS %" PRIu64 " KiB", (now_msec() - t0) / 1000.0, HOLD_SEC, adv_daemon_rss_kib(adv));
        sleep(HOLD_SEC);
        adv_log("daemon VmRSS %" PRIu64 " KiB before the attackers leave", adv_daemon_rss_kib(adv));
        adv_attacker_kill(adv, subscribe);
        /* Their 4,096 subscriptions end with them (one NameOwnerChanged match for all). */
        for (uint64_t end = now_msec() + 5000; now_msec() < end; usleep(100 * 1000))
                if (read_subscriptions(adv_bus(adv), &n) >= 0 && n == 0)
                        break;
        adv_check(adv, n == 0, "the attackers' subscriptions ended with them (%u left)", n);
        for (unsigned i = 0; i < 5; i++) {
                adv_log("daemon VmRSS %" PRIu64 " KiB after they left", adv_daemon_rss_kib(adv));
                sleep(1);
        }
        return 0;
}

static int run(Adv *adv) {
        unsigned rounds = getenv("ADV_ROUNDS") ? (unsigned) atoi(getenv("ADV_ROUNDS")) : 1;
        int r = 0;

        for (unsigned i = 0; r >= 0 && i < rounds; i++)
                r = run_once(adv);
        return r;
}

static const AdvCase the_case = {
        .name = "subscribe-flood",
        .summary = "4 x 256 replaying Subscribe never read (D, B3)",
        .attackers = attackers,
        .run = run,
};

int main(int argc, char *argv[]) {
        return adv_main(&the_case, argc, argv);
}
