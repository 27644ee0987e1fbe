/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * case-slow-readers (issue 23 D): clients that send many calls and never
 * read the answers must not stall the others. Two connections send 128
 * GetPlane("IOService") calls each (dbus-daemon's system limit is 128
 * pending replies per connection; each answer is ~300 KiB), then sit for
 * HOLD_SEC without reading. Before the fix they made every other client's
 * calls fail for as long as they stayed. The probe must be served
 * throughout; the daemon sends them no more than their budget of unread
 * bytes (bus-peers.h) and refuses the rest.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "adv.h"
#include "process.h"
#include "protocol.h"

#define HOLD_SEC 8

/* slow-getplane N_CONNECTIONS N_CALLS: GetPlane calls, never read; holds until killed. */
static int attack_getplane(const char *address, int argc, char **argv) {
        unsigned n_conn = argc > 0 ? (unsigned) atoi(argv[0]) : 2, n_calls = argc > 1 ? (unsigned) atoi(argv[1]) : 128;
        sd_bus *conns[64];

        for (unsigned c = 0; c < n_conn && c < 64; c++) {
                conns[c] = adv_connect(address);
                for (unsigned i = 0; i < n_calls; i++) {
                        sd_bus_message *m = NULL;

                        if (sd_bus_message_new_method_call(conns[c], &m, IOREG_BUS_NAME, IOREG_OBJECT_PATH,
                                                           IOREG_INTERFACE, "GetPlane") < 0 ||
                            sd_bus_message_append(m, "s", "IOService") < 0 || sd_bus_send(conns[c], m, NULL) < 0)
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
        { "slow-getplane", attack_getplane },
        {}
};

static int run_once(Adv *adv) {
        pid_t getplane;
        int r;

        uint64_t t0 = now_msec();

        r = adv_attacker_start(adv, "slow-getplane", (const char *const[]) { "2", "128", NULL }, true, &getplane);
        if (r < 0)
                return r;
        adv_log("attackers set up at +%.1f s; holding %d s; daemon VmRSS %" PRIu64 " KiB", (now_msec() - t0) / 1000.0, HOLD_SEC, adv_daemon_rss_kib(adv));
        sleep(HOLD_SEC);
        adv_log("daemon VmRSS %" PRIu64 " KiB before the attackers leave", adv_daemon_rss_kib(adv));
        adv_attacker_kill(adv, getplane);
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
        .name = "slow-readers",
        .summary = "2 x 128 GetPlane never read (D)",
        .attackers = attackers,
        .run = run,
};

int main(int argc, char *argv[]) {
        return adv_main(&the_case, argc, argv);
}
