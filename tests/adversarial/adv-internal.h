/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* adv-internal.h: what the harness's files share (adv.h is the cases' API). */
#pragma once

#include <inttypes.h>
#include <pthread.h>

#include "adv.h"
#include "test-bus.h"
#include "test-daemon.h"

#define ADV_MAX_ATTACKERS 64

typedef struct AdvProbe {
        pthread_t thread;
        bool running;
        pthread_mutex_t lock;
        bool stop;                /* under lock */
        double *latencies_msec;   /* owned, under lock */
        unsigned n, cap;          /* under lock */
        unsigned failed;          /* under lock */
        char *address;            /* owned */
} AdvProbe;

struct Adv {
        const AdvCase *the_case;  /* static */
        char *workdir;            /* owned: removed at the end */
        TestBus bus;              /* the system-like dbus-daemon */
        TestDaemon daemon;        /* ioregd */
        sd_bus *client;           /* owned: the harness's own connection (root) */
        uint64_t rss_baseline_kib;
        char *fingerprint;        /* owned: the registry before the attack */
        AdvProbe probe;
        pid_t attackers[ADV_MAX_ATTACKERS]; /* still running, 0 when free */
};

/* adv-bus.c: the system-like bus (tests/system/system-bus.conf.in) in dir, extra limits added. */
int adv_bus_start(TestBus *b, const char *dir, const char *limits);
/* adv-bus.c: the IOService plane as text, one line per record (not properties' values). */
int adv_registry_fingerprint(sd_bus *bus, char **ret);

/* adv-probe.c */
int adv_probe_start(Adv *adv);
void adv_probe_stop(Adv *adv);

/* adv-attacker.c */
int adv_attacker_main(const AdvCase *c, int argc, char **argv);
void adv_attacker_kill_all(Adv *adv);
