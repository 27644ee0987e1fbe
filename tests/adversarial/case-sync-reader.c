/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * case-sync-reader (issue 23, the other side of slow-readers): a client that
 * calls synchronously and never runs its dispatch loop reads every answer
 * (sd_bus_call() reads the socket) but answers no Peer.Ping, so pings never
 * prove that it read. It must be served, not refused for unread bytes. As
 * uid 65534, one connection makes N_CALLS GetPlane("IOService") calls in a
 * row (~175 KiB each, 34 MiB: over its BUS_PEER_MAX_UNREAD and its user's
 * BUS_UID_MAX_UNREAD), every one answered. Then, the reader still connected,
 * a second connection of the same user subscribes and must get its whole
 * replay and ReplayEnd: the reader's answers must not hold its user's
 * notifications. ioregd learns what the reader read from the bus:
 * dbus-daemon's GetConnectionStats, dbus-broker's GetStats (bus-peers.h);
 * its calls wait for that answer rather than be refused (bus-flow.h).
 * Without the bus's figure the reader is refused after its first MiB (the
 * slow start). Run it on both (IOREG_TEST_BUS=dbus-broker).
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adv.h"
#include "process.h"
#include "protocol.h"

#define N_CALLS 200
#define REPLAY_TIMEOUT_MSEC 10000

typedef struct Replay {
        unsigned notifications;
        bool ended;
} Replay;

static int on_notification(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        ((Replay *) userdata)->notifications++;
        return 0;
}

static int on_replay_end(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        ((Replay *) userdata)->ended = true;
        return 0;
}

/* A well-behaved subscriber of the reader's user: its replay, to the end. */
static int subscribe(const char *address) {
        sd_bus *bus = adv_connect(address);
        sd_bus_error error = SD_BUS_ERROR_NULL;
        Replay replay = {};
        uint64_t start = now_msec();

        if (sd_bus_match_signal(bus, NULL, IOREG_BUS_NAME, IOREG_OBJECT_PATH, IOREG_NOTIFY_INTERFACE, "Notification",
                                on_notification, &replay) < 0 ||
            sd_bus_match_signal(bus, NULL, IOREG_BUS_NAME, IOREG_OBJECT_PATH, IOREG_NOTIFY_INTERFACE, "ReplayEnd",
                                on_replay_end, &replay) < 0)
                return 2;
        if (sd_bus_call_method(bus, IOREG_BUS_NAME, IOREG_OBJECT_PATH, IOREG_NOTIFY_INTERFACE, "Subscribe", &error,
                               NULL, "sa{sv}", "IOServicePublish", 0) < 0) {
                fprintf(stderr, "sync-reader: Subscribe: %s: %s\n", error.name, error.message);
                return 1;
        }
        while (!replay.ended && now_msec() - start < REPLAY_TIMEOUT_MSEC)
                if (sd_bus_process(bus, NULL) == 0)
                        (void) sd_bus_wait(bus, 100 * 1000);
        printf("sync-reader: the subscriber of the same user got %u notifications%s in %.1f s\n",
               replay.notifications, replay.ended ? " and ReplayEnd" : ", no ReplayEnd",
               (now_msec() - start) / 1000.0);
        return replay.ended && replay.notifications > 0 ? 0 : 1;
}

static int attack_sync_reader(const char *address, int argc, char **argv) {
        sd_bus *bus = adv_connect(address);
        unsigned answered = 0, refused = 0;
        uint64_t start = now_msec();

        for (unsigned i = 0; i < N_CALLS; i++) {
                sd_bus_error error = SD_BUS_ERROR_NULL;
                sd_bus_message *reply = NULL;

                if (sd_bus_call_method(bus, IOREG_BUS_NAME, IOREG_OBJECT_PATH, IOREG_INTERFACE, "GetPlane", &error,
                                       &reply, "s", "IOService") >= 0)
                        answered++;
                else if (refused++ == 0)
                        fprintf(stderr, "sync-reader: call %u: %s: %s\n", i, error.name, error.message);
                sd_bus_error_free(&error);
                sd_bus_message_unref(reply);
        }
        printf("sync-reader: %u GetPlane calls in %.1f s: %u answered, %u refused or failed\n", N_CALLS,
               (now_msec() - start) / 1000.0, answered, refused);
        if (answered != N_CALLS)
                return 1;
        return subscribe(address);
}

static const AdvAttacker attackers[] = {
        { "sync-reader", attack_sync_reader },
        {}
};

static int run(Adv *adv) {
        pid_t pid;
        int r;

        r = adv_attacker_start(adv, "sync-reader", NULL, false, &pid);
        if (r < 0)
                return r;
        adv_check(adv, adv_attacker_wait(adv, pid, 50000) == 0,
                  "the synchronous reader was served %u GetPlane, its user's subscriber its replay", N_CALLS);
        return 0;
}

static const AdvCase the_case = {
        .name = "sync-reader",
        .summary = "a client that reads its answers but never dispatches is served (D, dbus-broker)",
        .attackers = attackers,
        .run = run,
};

int main(int argc, char *argv[]) {
        return adv_main(&the_case, argc, argv);
}
