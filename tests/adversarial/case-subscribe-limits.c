/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * case-subscribe-limits (issue 23 B3/C): Subscribe and RegisterInterest go
 * through the same argument limits and quotas as every dictionary the daemon
 * takes. As uid 65534:
 *  - Subscribe with 100,000 keys: refused (before the fix it held the loop
 *    7 s; a million, 81 s), answered within 2 s;
 *  - Subscribe with a 4 MB string, 5 times: refused, and the memory given
 *    back (20 of 20 MB took 415 MB; 4 MB: any larger message holds every
 *    other client behind its own transfer through the bus, whatever the
 *    daemon does, for longer than the probe allows on 2 cores);
 *  - RegisterInterest on Root until refused: the user's quota
 *    (BUS_UID_MAX_SUBSCRIPTIONS, 2048) ends it, not memory.
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

static int call_subscribe(sd_bus *bus, sd_bus_message *m, const char *what) {
        sd_bus_error error = SD_BUS_ERROR_NULL;
        uint64_t t = now_msec();
        int r = sd_bus_call(bus, m, 30 * 1000000ULL, &error, NULL);

        printf("%s: %s in %" PRIu64 " ms\n", what, r < 0 ? error.name : "accepted", now_msec() - t);
        r = r < 0 && (sd_bus_error_has_name(&error, IOREG_ERROR_LIMITS_EXCEEDED) ||
                      sd_bus_error_has_name(&error, IOREG_ERROR_INVALID_ARGUMENT)) &&
            now_msec() - t < 2000;
        sd_bus_error_free(&error);
        return r ? 0 : 1;
}

static int new_subscribe(sd_bus *bus, sd_bus_message **ret) {
        int r = sd_bus_message_new_method_call(bus, ret, IOREG_BUS_NAME, IOREG_OBJECT_PATH, IOREG_NOTIFY_INTERFACE,
                                               "Subscribe");

        if (r >= 0)
                r = sd_bus_message_append(*ret, "s", "IOServicePublish");
        return r;
}

static int attack_many_keys(const char *address, int argc, char **argv) {
        sd_bus *bus = adv_connect(address);
        sd_bus_message *m = NULL;
        int r;

        r = new_subscribe(bus, &m);
        if (r >= 0)
                r = sd_bus_message_open_container(m, 'a', "{sv}");
        for (unsigned i = 0; r >= 0 && i < 100000; i++) {
                char key[32];

                snprintf(key, sizeof(key), "k%u", i);
                r = sd_bus_message_append(m, "{sv}", key, "u", i);
        }
        if (r >= 0)
                r = sd_bus_message_close_container(m);
        if (r < 0)
                return 2;
        return call_subscribe(bus, m, "100,000 keys");
}

static int attack_big_strings(const char *address, int argc, char **argv) {
        sd_bus *bus = adv_connect(address);
        size_t len = 4u << 20;
        char *big = malloc(len + 1);
        int fails = 0;

        if (!big)
                return 2;
        memset(big, 'a', len);
        big[len] = '\0';
        for (unsigned i = 0; i < 5; i++) {
                sd_bus_message *m = NULL;

                if (new_subscribe(bus, &m) < 0 || sd_bus_message_append(m, "a{sv}", 1, "IOProviderClass", "s", big) < 0)
                        return 2;
                fails += call_subscribe(bus, m, "a 4 MB string");
                sd_bus_message_unref(m);
        }
        free(big);
        return fails ? 1 : 0;
}

static int attack_interest(const char *address, int argc, char **argv) {
        sd_bus *bus = adv_connect(address);
        unsigned n = 0;
        uint64_t root;

        if (sd_bus_call_method(bus, IOREG_BUS_NAME, IOREG_OBJECT_PATH, IOREG_INTERFACE, "GetRootEntry", NULL, NULL,
                               "") < 0)
                return 2;
        {
                sd_bus_message *reply = NULL;

                if (sd_bus_call_method(bus, IOREG_BUS_NAME, IOREG_OBJECT_PATH, IOREG_INTERFACE, "GetRootEntry", NULL,
                                       &reply, "") < 0 ||
                    sd_bus_message_read(reply, "t", &root) < 0)
                        return 2;
                sd_bus_message_unref(reply);
        }
        usleep(200 * 1000); /* the daemon has asked the bus for our UID by now */
        for (;; n++) {
                sd_bus_error error = SD_BUS_ERROR_NULL;
                int r = sd_bus_call_method(bus, IOREG_BUS_NAME, IOREG_OBJECT_PATH, IOREG_NOTIFY_INTERFACE,
                                           "RegisterInterest", &error, NULL, "ts", root, "IOGeneralInterest");

                if (r < 0) {
                        printf("RegisterInterest: %u accepted, then %s\n", n, error.name);
                        r = sd_bus_error_has_name(&error, IOREG_ERROR_LIMITS_EXCEEDED) && n == (unsigned) atoi(argv[0]);
                        sd_bus_error_free(&error);
                        return r ? 0 : 1;
                }
                if (n > 100000)
                        return 1;
        }
}

static const AdvAttacker attackers[] = {
        { "many-keys", attack_many_keys },
        { "big-strings", attack_big_strings },
        { "interest", attack_interest },
        {}
};

static int run(Adv *adv) {
        unsigned n = UINT32_MAX;
        pid_t pid;
        int r;

        r = adv_attacker_start(adv, "many-keys", NULL, false, &pid);
        if (r >= 0)
                adv_check(adv, adv_attacker_wait(adv, pid, 30000) == 0, "100,000 keys refused within 2 s");
        r = adv_attacker_start(adv, "big-strings", NULL, false, &pid);
        if (r >= 0)
                adv_check(adv, adv_attacker_wait(adv, pid, 60000) == 0, "4 MB strings refused within 2 s each");
        r = adv_attacker_start(adv, "interest", (const char *const[]) { "2048", NULL }, false, &pid);
        if (r >= 0)
                adv_check(adv, adv_attacker_wait(adv, pid, 60000) == 0, "RegisterInterest stopped at the user's 2048");
        for (uint64_t end = now_msec() + 3000; now_msec() < end; usleep(50 * 1000))
                if (read_subscriptions(adv_bus(adv), &n) >= 0 && n == 0)
                        break;
        adv_check(adv, n == 0, "the interest registrations ended with their owner (%u left)", n);
        return r < 0 ? r : 0;
}

static const AdvCase the_case = {
        .name = "subscribe-limits",
        .summary = "huge Subscribe dictionaries and an interest flood (B3/C)",
        .attackers = attackers,
        .run = run,
};

int main(int argc, char *argv[]) {
        return adv_main(&the_case, argc, argv);
}
