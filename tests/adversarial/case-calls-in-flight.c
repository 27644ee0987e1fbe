/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * case-calls-in-flight (issue 23, quotas): calls the daemon holds (parked
 * by bus-flow, a WaitQuiet, a user client's open) count per connection and
 * per user (bus-peers.h: BUS_PEER_MAX_CALLS, BUS_UID_MAX_CALLS = 1024). As
 * uid 65534, 16 connections send 128 GetRootEntry calls each at once (128
 * is dbus-daemon's pending replies per connection): the daemon reads and
 * parks them faster than it runs them, so the user has more than 1,024 in
 * flight and the rest are answered LimitsExceeded naming the user's quota
 * at once; every call gets an answer, and the probe (root) is served
 * throughout. Without the per-user quota, one user's connections could
 * fill the daemon's global park (BUS_FLOW_MAX_PARKED) and have every other
 * client's calls refused.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "adv.h"
#include "process.h"
#include "protocol.h"

#define N_CONNECTIONS 16
#define N_CALLS 128

typedef struct Tally {
        unsigned answered, refused_user, refused_other, failed;
} Tally;

static int on_reply(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        Tally *t = userdata;
        const sd_bus_error *e = sd_bus_message_get_error(m);

        if (!e)
                t->answered++;
        else if (sd_bus_error_has_name(e, IOREG_ERROR_LIMITS_EXCEEDED) && e->message &&
                 strstr(e->message, "your user"))
                t->refused_user++;
        else if (sd_bus_error_has_name(e, IOREG_ERROR_LIMITS_EXCEEDED))
                t->refused_other++;
        else {
                if (t->failed++ == 0)
                        fprintf(stderr, "calls-in-flight: %s: %s\n", e->name, e->message);
        }
        return 0;
}

static int attack_burst(const char *address, int argc, char **argv) {
        sd_bus *conns[N_CONNECTIONS];
        Tally t = {};
        unsigned total = N_CONNECTIONS * N_CALLS;

        for (unsigned c = 0; c < N_CONNECTIONS; c++) {
                conns[c] = adv_connect(address);
                /* One call first: the daemon asks the bus for its UID (its calls wait for it otherwise). */
                if (sd_bus_call_method(conns[c], IOREG_BUS_NAME, IOREG_OBJECT_PATH, IOREG_INTERFACE, "GetRootEntry",
                                       NULL, NULL, "") < 0)
                        return 2;
        }
        usleep(200 * 1000);
        for (unsigned c = 0; c < N_CONNECTIONS; c++)
                for (unsigned i = 0; i < N_CALLS; i++)
                        if (sd_bus_call_method_async(conns[c], NULL, IOREG_BUS_NAME, IOREG_OBJECT_PATH, IOREG_INTERFACE,
                                                     "GetRootEntry", on_reply, &t, "") < 0)
                                return 2;
        for (unsigned c = 0; c < N_CONNECTIONS; c++)
                (void) sd_bus_flush(conns[c]);
        for (uint64_t end = now_msec() + 30000;
             t.answered + t.refused_user + t.refused_other + t.failed < total && now_msec() < end;) {
                for (unsigned c = 0; c < N_CONNECTIONS; c++)
                        while (sd_bus_process(conns[c], NULL) > 0)
                                ;
                usleep(1000);
        }
        printf("calls-in-flight: %u calls: %u answered, %u refused for the user's quota, %u refused otherwise, "
               "%u failed\n",
               total, t.answered, t.refused_user, t.refused_other, t.failed);
        if (t.answered + t.refused_user + t.refused_other != total)
                return 1; /* every call answered, with a result or LimitsExceeded */
        return t.refused_user > 0 && t.answered >= 1024 ? 0 : 1;
}

static const AdvAttacker attackers[] = {
        { "burst", attack_burst },
        {}
};

static int run(Adv *adv) {
        pid_t pid;
        int r;

        r = adv_attacker_start(adv, "burst", NULL, false, &pid);
        if (r < 0)
                return r;
        adv_check(adv, adv_attacker_wait(adv, pid, 60000) == 0,
                  "one user's calls in flight stopped at its quota, every call answered");
        return 0;
}

static const AdvCase the_case = {
        .name = "calls-in-flight",
        .summary = "16 x 128 calls of one user at once: its quota of calls in flight",
        .attackers = attackers,
        .run = run,
};

int main(int argc, char *argv[]) {
        return adv_main(&the_case, argc, argv);
}
