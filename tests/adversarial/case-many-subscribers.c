/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * case-many-subscribers (issue 23 B2 and E). 600 connections subscribe once
 * each (Terminated, no replay) and one more holds 1,400 subscriptions; all
 * of them leave at once. Before the fix each subscriber cost one match rule
 * on the daemon's connection (dbus-daemon allows 512, and sd-bus closed the
 * connection when an install failed: the daemon left the bus at the 506th),
 * and a client's leaving restarted a scan of every subscription after each
 * removal (147 s for 131,072). Now one NameOwnerChanged match serves them
 * all: the daemon stays, every subscription ends within a second of its
 * owner's leaving, and the probe does not notice.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "adv.h"
#include "process.h"
#include "protocol.h"
#include "registry-query.h"

#define N_CONNECTIONS 600
#define N_HEAVY 1400

/* One Subscribe; LimitsExceeded while the daemon does not know our UID yet is retried. */
static int subscribe(sd_bus *bus) {
        for (unsigned attempt = 0; attempt < 100; attempt++) {
                sd_bus_error error = SD_BUS_ERROR_NULL;
                int r = sd_bus_call_method(bus, IOREG_BUS_NAME, IOREG_OBJECT_PATH, IOREG_NOTIFY_INTERFACE,
                                           "Subscribe", &error, NULL, "sa{sv}", "IOServiceTerminate", 1,
                                           "IOProviderClass", "s", "IOUSBHostDevice");
                bool again = r < 0 && sd_bus_error_has_name(&error, IOREG_ERROR_LIMITS_EXCEEDED);

                if (r < 0 && !again)
                        fprintf(stderr, "Subscribe: %s: %s\n", error.name, error.message);
                sd_bus_error_free(&error);
                if (!again)
                        return r;
                usleep(20 * 1000);
        }
        return -EUSERS;
}

/* many N: N connections with one subscription each, and one with N_HEAVY; held until killed. */
static int attack_many(const char *address, int argc, char **argv) {
        unsigned n = (unsigned) atoi(argv[0]), ok = 0;
        sd_bus *heavy = adv_connect(address);

        for (unsigned i = 0; i < n; i++) {
                sd_bus *bus = adv_connect(address);

                ok += subscribe(bus) >= 0;
        }
        for (unsigned i = 0; i < N_HEAVY; i++)
                ok += subscribe(heavy) >= 0;
        printf("many: %u subscriptions made\n", ok);
        fflush(stdout);
        adv_attacker_ready();
        pause();
        return 0;
}

static const AdvAttacker attackers[] = {
        { "many", attack_many },
        {}
};

static int run(Adv *adv) {
        char n_arg[16];
        unsigned n = 0;
        uint64_t t;
        pid_t pid;
        int r;

        snprintf(n_arg, sizeof(n_arg), "%u", N_CONNECTIONS);
        r = adv_attacker_start(adv, "many", (const char *const[]) { n_arg, NULL }, true, &pid);
        if (r < 0)
                return r;
        r = read_subscriptions(adv_bus(adv), &n);
        adv_check(adv, r >= 0 && n == N_CONNECTIONS + N_HEAVY, "%u subscriptions held by %u + 1 connections", n,
                  N_CONNECTIONS);
        sleep(2);
        t = now_msec();
        adv_attacker_kill(adv, pid);
        for (uint64_t end = now_msec() + 5000; now_msec() < end; usleep(20 * 1000))
                if (read_subscriptions(adv_bus(adv), &n) >= 0 && n == 0)
                        break;
        adv_check(adv, n == 0 && now_msec() - t < 2000, "all ended %" PRIu64 " ms after their owners left (%u left)",
                  now_msec() - t, n);
        return 0;
}

static const AdvCase the_case = {
        .name = "many-subscribers",
        .summary = "600 subscribers and one with 1,400 subscriptions, leaving at once (B2, E)",
        .attackers = attackers,
        /*
         * dbus-daemon's system bus allows 256 connections per user. 1000, not more: dbus-broker's
         * launcher will not start from 1024 on (a user's byte quota, this times 4 MiB, overflows).
         */
        .bus_limits = "<limit name=\"max_connections_per_user\">1000</limit>"
                      "<limit name=\"max_completed_connections\">4096</limit>",
        .run = run,
};

int main(int argc, char *argv[]) {
        return adv_main(&the_case, argc, argv);
}
