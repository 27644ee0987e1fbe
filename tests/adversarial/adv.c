/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* adv.c: see adv.h. The run of one case: bus, daemon, baselines, probe, checks. */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "adv-internal.h"
#include "macro.h"
#include "process.h"
#include "protocol.h"

#define RSS_SETTLE_MSEC 10000
#define PROBE_MIN_CALLS 200
#define PROBE_MIN_WAIT_MSEC 5000
#define RSS_SLACK_MIN_KIB 256 /* the allocator's own granularity, whatever the baseline */
#define WARMUP_CALLS 3

static unsigned n_failed_checks;

bool adv_check(Adv *adv, bool cond, const char *fmt, ...) {
        va_list ap;

        printf("%s: ", cond ? "ok" : "FAIL");
        va_start(ap, fmt);
        vprintf(fmt, ap);
        va_end(ap);
        printf("\n");
        fflush(stdout);
        if (!cond)
                n_failed_checks++;
        return cond;
}

void adv_log(const char *fmt, ...) {
        va_list ap;

        printf("   ");
        va_start(ap, fmt);
        vprintf(fmt, ap);
        va_end(ap);
        printf("\n");
        fflush(stdout);
}

const char *adv_address(const Adv *adv) {
        return adv->bus.address;
}

const char *adv_workdir(const Adv *adv) {
        return adv->workdir;
}

pid_t adv_daemon_pid(const Adv *adv) {
        return adv->daemon.pid;
}

sd_bus *adv_bus(Adv *adv) {
        return adv->client;
}

static uint64_t status_kib(const Adv *adv, const char *field) {
        char path[64], line[256];
        size_t len = strlen(field);
        uint64_t kib = 0;
        FILE *f;

        snprintf(path, sizeof(path), "/proc/%d/status", (int) adv->daemon.pid);
        f = fopen(path, "re");
        if (!f)
                return 0;
        while (fgets(line, sizeof(line), f))
                if (strncmp(line, field, len) == 0 && line[len] == ':' &&
                    sscanf(line + len + 1, "%" SCNu64, &kib) == 1)
                        break;
        fclose(f);
        return kib;
}

uint64_t adv_daemon_rss_kib(const Adv *adv) {
        return status_kib(adv, "VmRSS");
}

uint64_t adv_daemon_anon_kib(const Adv *adv) {
        return status_kib(adv, "RssAnon");
}

/* The owner of the daemon's name, as a PID; 0 when nobody owns it (or the bus is gone). */
static pid_t name_owner_pid(Adv *adv) {
        _cleanup_(sd_bus_creds_unrefp) sd_bus_creds *creds = NULL;
        pid_t pid = 0;

        if (sd_bus_get_name_creds(adv->client, IOREG_BUS_NAME, SD_BUS_CREDS_PID, &creds) < 0)
                return 0;
        (void) sd_bus_creds_get_pid(creds, &pid);
        return pid;
}

static int count_signal(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        (*(unsigned *) userdata)++;
        return 0;
}

/*
 * A well-behaved subscriber: Subscribe(IOServicePublish, {}), every replayed notification read
 * (the daemon's window is larger than the registry), Unsubscribe.
 */
static int warm_up_subscriber(Adv *adv) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(sd_bus_slot_unrefp) sd_bus_slot *slot = NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        unsigned n = 0, last = UINT_MAX;
        uint64_t id;
        int r;

        r = test_bus_connect(&adv->bus, &bus);
        if (r < 0)
                return r;
        r = sd_bus_match_signal(bus, &slot, IOREG_BUS_NAME, IOREG_OBJECT_PATH, IOREG_NOTIFY_INTERFACE,
                                "Notification", count_signal, &n);
        if (r >= 0)
                r = sd_bus_call_method(bus, IOREG_BUS_NAME, IOREG_OBJECT_PATH, IOREG_NOTIFY_INTERFACE, "Subscribe",
                                       &error, &reply, "sa{sv}", "IOServicePublish", 0);
        if (r >= 0)
                r = sd_bus_message_read(reply, "t", &id);
        if (r < 0)
                return r;
        /* Until no more come for 200 ms. */
        for (uint64_t quiet = now_msec() + 200; now_msec() < quiet;) {
                r = sd_bus_process(bus, NULL);
                if (r < 0)
                        return r;
                if (n != last) {
                        last = n;
                        quiet = now_msec() + 200;
                }
                if (r == 0)
                        (void) sd_bus_wait(bus, 50 * 1000);
        }
        sd_bus_error_free(&error);
        return sd_bus_call_method(bus, IOREG_BUS_NAME, IOREG_OBJECT_PATH, IOREG_NOTIFY_INTERFACE, "Unsubscribe",
                                  &error, NULL, "t", id);
}

/*
 * What a normal day asks of the daemon, before RSS is measured: whole planes, and a
 * subscriber that reads its replay. The baseline is a daemon that has served its usual
 * clients, not one fresh from start.
 */
static int warm_up(Adv *adv) {
        int r;

        for (unsigned i = 0; i < WARMUP_CALLS; i++) {
                _cleanup_free_ char *fp = NULL;

                r = adv_registry_fingerprint(adv->client, &fp);
                if (r < 0)
                        return r;
                r = warm_up_subscriber(adv);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int start_all(Adv *adv, const AdvCase *c) {
        const char *const default_args[] = { "--snapshot=" ADV_DEFAULT_SNAPSHOT, NULL };
        const char *const *args = c->daemon_args ?: default_args;
        char tmpl[] = "/tmp/ioreg-adv-XXXXXX";
        int r;

        if (!mkdtemp(tmpl))
                return -errno;
        adv->workdir = strdup(tmpl);
        if (!adv->workdir)
                return -ENOMEM;
        (void) chmod(adv->workdir, 0755); /* the attackers (nobody) reach the bus socket inside */
        if (c->setup) {
                r = c->setup(adv->workdir, &args);
                if (r < 0) {
                        fprintf(stderr, "the case's setup failed: %s\n", strerror(-r));
                        return r;
                }
        }
        /* The daemon's malloc as systemd/ioregd.service.in sets it (inherited by test_daemon_start()). */
        if (setenv("GLIBC_TUNABLES", ADV_DAEMON_GLIBC_TUNABLES, 1) < 0)
                return -errno;
        r = adv_bus_start(&adv->bus, adv->workdir, c->bus_limits);
        if (r < 0)
                return r;
        r = test_daemon_start(&adv->daemon, &adv->bus, args);
        if (r < 0)
                return r;
        return test_bus_connect(&adv->bus, &adv->client);
}

static void check_invariants(Adv *adv, const AdvCase *c) {
        unsigned calls, failed;
        double p99, max;
        pid_t owner;

        owner = name_owner_pid(adv);
        adv_check(adv, pid_alive(adv->daemon.pid) && owner == adv->daemon.pid,
                  "ioregd (pid %d) still owns %s (owner pid %d)", (int) adv->daemon.pid, IOREG_BUS_NAME,
                  (int) owner);

        if (!c->no_rss_check) {
                uint64_t slack = adv->rss_baseline_kib * ADV_RSS_SLACK_PERCENT / 100, rss = 0, limit;
                uint64_t end = now_msec() + RSS_SETTLE_MSEC;

                limit = adv->rss_baseline_kib + (slack > RSS_SLACK_MIN_KIB ? slack : RSS_SLACK_MIN_KIB);

                /* The daemon frees on its own time (disconnect tracking, timers): wait a little. */
                do {
                        rss = adv_daemon_anon_kib(adv);
                        if (rss <= limit)
                                break;
                        usleep(200 * 1000);
                } while (now_msec() < end);
                adv_check(adv, rss > 0 && rss <= limit, "RssAnon %" PRIu64 " KiB after the attack, baseline %" PRIu64
                          " KiB (limit %" PRIu64 " KiB; VmRSS %" PRIu64 " KiB)", rss, adv->rss_baseline_kib, limit,
                          adv_daemon_rss_kib(adv));
        }
        if (!c->no_registry_check) {
                _cleanup_free_ char *fp = NULL;
                int r = adv_registry_fingerprint(adv->client, &fp);

                adv_check(adv, r >= 0 && streq(fp, adv->fingerprint),
                          "registry equal to the one before the attack (%zu bytes of fingerprint%s%s)",
                          fp ? strlen(fp) : 0, r < 0 ? ", error: " : "", r < 0 ? strerror(-r) : "");
        }
        /*
         * Last: the probe's figures cover the attack and the settling after it. A p99 needs a
         * hundred calls or more to be more than the maximum: the probe goes on (well-behaved
         * calls on a daemon the attackers have left) until it has made PROBE_MIN_CALLS.
         */
        for (uint64_t end = now_msec() + PROBE_MIN_WAIT_MSEC; now_msec() < end; usleep(50 * 1000)) {
                adv_probe_figures(adv, &calls, &failed, &p99, &max);
                if (calls >= PROBE_MIN_CALLS)
                        break;
        }
        adv_probe_figures(adv, &calls, &failed, &p99, &max);
        adv_check(adv, calls > 0 && failed == 0, "probe: %u calls, %u failed", calls, failed);
        adv_check(adv, p99 < ADV_P99_MAX_MSEC, "probe: p99 %.1f ms (max %.1f ms), under %.0f ms", p99, max,
                  ADV_P99_MAX_MSEC);
}

static void stop_all(Adv *adv) {
        adv_probe_stop(adv);
        adv->client = sd_bus_flush_close_unref(adv->client);
        if (adv->daemon.pid && test_daemon_stop(&adv->daemon) < 0)
                adv_check(adv, false, "ioregd exited cleanly on SIGTERM");
        if (adv->bus.pid)
                (void) test_bus_stop(&adv->bus);
        if (adv->workdir) {
                _cleanup_free_ char *cmd = NULL;

                if (asprintf(&cmd, "rm -rf '%s'", adv->workdir) >= 0)
                        (void) !system(cmd);
        }
        free(adv->fingerprint);
        free(adv->workdir);
}

int adv_main(const AdvCase *c, int argc, char **argv) {
        Adv adv = { .the_case = c };
        uint64_t start;
        int r;

        if (argc >= 4 && streq(argv[1], "--attacker"))
                return adv_attacker_main(c, argc, argv);
        if (geteuid() != 0) {
                printf("%s: needs root, to run the attackers as uid %d; skipping.\n", c->name, ADV_UID);
                return 77;
        }
        printf("case %s: %s\n", c->name, c->summary);
        fflush(stdout);
        start = now_msec();
        r = start_all(&adv, c);
        if (r >= 0)
                r = warm_up(&adv);
        if (r >= 0)
                r = adv_registry_fingerprint(adv.client, &adv.fingerprint);
        if (r < 0) {
                fprintf(stderr, "cannot set up the case: %s\n", strerror(-r));
                stop_all(&adv);
                return 1;
        }
        adv.rss_baseline_kib = adv_daemon_anon_kib(&adv);
        adv_log("baseline: ioregd pid %d, RssAnon %" PRIu64 " KiB (VmRSS %" PRIu64 " KiB), fingerprint %zu bytes",
                (int) adv.daemon.pid, adv.rss_baseline_kib, adv_daemon_rss_kib(&adv), strlen(adv.fingerprint));
        r = adv_probe_start(&adv);
        if (r < 0) {
                fprintf(stderr, "cannot start the probe: %s\n", strerror(-r));
                stop_all(&adv);
                return 1;
        }
        if (getenv("ADV_DELAY")) /* time to attach a tracer to the daemon */
                sleep((unsigned) atoi(getenv("ADV_DELAY")));
        r = c->run(&adv);
        adv_attacker_kill_all(&adv);
        if (r < 0)
                adv_check(&adv, false, "the attack ran (%s)", strerror(-r));
        /* The probe goes on while RSS settles: the daemon must serve throughout. */
        check_invariants(&adv, c);
        /* For a look at the daemon after the attack (gdb, /proc): ADV_PAUSE=SECONDS. */
        if (getenv("ADV_PAUSE")) {
                adv_log("pausing %s s; ioregd is pid %d", getenv("ADV_PAUSE"), (int) adv.daemon.pid);
                sleep((unsigned) atoi(getenv("ADV_PAUSE")));
        }
        stop_all(&adv);
        printf("case %s: %s in %.1f s (%u failed checks)\n", c->name, n_failed_checks ? "FAIL" : "PASS",
               (now_msec() - start) / 1000.0, n_failed_checks);
        return n_failed_checks ? 1 : 0;
}
