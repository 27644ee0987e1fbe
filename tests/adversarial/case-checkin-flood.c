/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * case-checkin-flood (issue 23 N): any local user may call CheckIn on
 * DriverHost1, posing as a driver server ioregd never launched. Two
 * connections send 1,500 such calls each, one after the other:
 * every one is AccessDenied, the probe is served throughout, and the log
 * is not flooded (bus-driver.c logs ten refusals per ten seconds; the line
 * count is checked in tests/robust/test-robust-drivers.c).
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "adv.h"
#include "protocol.h"

#define N_CALLS 1500

/* checkin-flood: N_CALLS CheckIn calls one after the other; exit 0 when every one was refused. */
static int attack_checkin(const char *address, int argc, char **argv) {
        sd_bus *b = adv_connect(address);
        unsigned refused = 0, other = 0;

        adv_attacker_ready();
        for (unsigned i = 0; i < N_CALLS; i++) {
                sd_bus_error error = SD_BUS_ERROR_NULL;
                int r = sd_bus_call_method(b, IOREG_BUS_NAME, IOREG_DRIVER_HOST_PATH, IOREG_DRIVER_HOST_INTERFACE,
                                           "CheckIn", &error, NULL, "s", "org.ioreg.posing");

                if (r < 0 && sd_bus_error_has_name(&error, IOREG_ERROR_ACCESS_DENIED))
                        refused++;
                else if (other++ == 0)
                        fprintf(stderr, "checkin-flood: answered %d %s\n", r, error.name ?: "(no error)");
                sd_bus_error_free(&error);
                /* Answers the daemon's pings: it sees that this client reads (bus-peers.h). */
                while (sd_bus_process(b, NULL) > 0)
                        ;
        }
        fprintf(stderr, "checkin-flood: %u refused, %u other answers\n", refused, other);
        return other == 0 ? 0 : 6;
}

static const AdvAttacker attackers[] = {
        { "checkin-flood", attack_checkin },
        {}
};

static int run(Adv *adv) {
        pid_t a, b;
        int ra, rb, r;

        r = adv_attacker_start(adv, "checkin-flood", NULL, true, &a);
        if (r < 0)
                return r;
        r = adv_attacker_start(adv, "checkin-flood", NULL, true, &b);
        if (r < 0)
                return r;
        ra = adv_attacker_wait(adv, a, 50 * 1000);
        rb = adv_attacker_wait(adv, b, 50 * 1000);
        adv_check(adv, ra == 0 && rb == 0, "every one of 2 x %d posing check-ins refused (attackers exited %d, %d)",
                  N_CALLS, ra, rb);
        return 0;
}

/* Not a snapshot: the driver host serves DriverHost1 only on a live registry. */
static const char *const daemon_args[] = { "--sysfs-root=" TEST_DATA "/sysfs-empty", NULL };

static const AdvCase the_case = {
        .name = "checkin-flood",
        .daemon_args = daemon_args,
        .summary = "2 x 1500 check-ins posing as a driver server (N)",
        .attackers = attackers,
        .run = run,
};

int main(int argc, char *argv[]) {
        return adv_main(&the_case, argc, argv);
}
