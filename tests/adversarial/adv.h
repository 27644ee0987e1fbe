/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * adv.h: the adversarial suite's harness (issue 23). One program per case
 * (case-*.c), each a table AdvCase handed to adv_main(), which:
 *
 *  1. starts (with the unit's GLIBC_TUNABLES) a system-like private dbus-daemon (tests/system/system-bus.conf.in:
 *     the shipped policy, dbus-daemon's system limits, plus the case's
 *     bus_limits XML; dbus-broker on the same config with
 *     IOREG_TEST_BUS=dbus-broker) and the real ioregd on it (the case's daemon_args; by
 *     default a saved Mac registry of 813 entries);
 *  2. warms the daemon up (what its usual clients ask: a few GetPlane calls,
 *     a subscriber that reads its replay) and takes the baselines:
 *     RssAnon, the registry's fingerprint (IOService by GetPlanePage: ID, depth, name,
 *     location, class and state of every record), the daemon's PID on the name;
 *  3. starts the probe: a well-behaved client on a thread of its own that
 *     calls the daemon every 20 ms (GetRootEntry, Get Entries) with a 2 s
 *     timeout and records each latency;
 *  4. runs the case's run(): it starts attackers with adv_attacker_start()
 *     (this same program re-executed as uid/gid 65534 with --attacker NAME,
 *     running the case's attacker function), waits for them or kills them,
 *     and checks what is special to the case with adv_check();
 *  5. stops the probe and checks the invariants: ioregd still runs and still
 *     owns org.ioreg.Registry1 (same PID), every probe call answered, probe
 *     p99 < ADV_P99_MAX_MSEC (over 200 calls at least: the probe goes on, up
 *     to 5 s, after a short attack), RssAnon back within 10 % of the baseline (at
 *     least 256 KiB; waited for up to 10 s after the attackers left: the
 *     anonymous part, as pages of shared libraries that an attack touches
 *     for the first time stay counted in VmRSS) and the registry's
 *     fingerprint equal to the baseline.
 *
 * Exit 0 pass, 1 fail, 77 skip (not root: the attackers must change uid).
 * Each check prints one line with the figures. Keep a case inside
 * ADV_CASE_BUDGET_SEC on 2 cores (meson's timeout is above that).
 *
 * Adding a case: a case-NAME.c with attacker functions, a run() and a
 * main() that returns adv_main(&the_case, argc, argv); one line in
 * meson.build's table.
 */
#pragma once

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <systemd/sd-bus.h>

#define ADV_P99_MAX_MSEC 250.0
#define ADV_RSS_SLACK_PERCENT 10
#define ADV_CASE_BUDGET_SEC 60
#define ADV_UID 65534 /* nobody */
/* What the shipped unit sets (Environment= in systemd/ioregd.service.in): no malloc tcache. */
#define ADV_DAEMON_GLIBC_TUNABLES "glibc.malloc.tcache_count=0"
#define ADV_DEFAULT_SNAPSHOT TEST_DATA "/ioreg/hackintosh-MacBookPro15,2-ioreg-tree.txt"

typedef struct Adv Adv;

/*
 * An attacker: runs in the child as uid ADV_UID with the bus's address and
 * the arguments given to adv_attacker_start(). Returns the exit status.
 * adv_attacker_ready() tells the parent it has set up (see below).
 */
typedef int (*AdvAttackFn)(const char *address, int argc, char **argv);

typedef struct AdvAttacker {
        const char *name;
        AdvAttackFn fn;
} AdvAttacker;

typedef struct AdvCase {
        const char *name;
        const char *summary;            /* one line: what the attack is and what must hold */
        const AdvAttacker *attackers;   /* NULL-terminated table (name NULL) */
        /* Extra <limit> elements for the bus (dbus-daemon's syntax), or NULL. */
        const char *bus_limits;
        /* ioregd's arguments besides --bus-address (NULL-terminated), NULL: the default snapshot. */
        const char *const *daemon_args;
        /* Before the daemon starts: may write files into workdir and set *ret_daemon_args (else daemon_args). */
        int (*setup)(const char *workdir, const char *const **ret_daemon_args);
        /* The attack. 0, or negative: the case failed to run (not the same as a failed check). */
        int (*run)(Adv *adv);
        /* Skip the RSS check (a case that grows the registry on purpose). ADV_PAUSE=SECONDS in the
         * environment keeps the daemon running that long after the checks, for a look at it. */
        bool no_rss_check;
        /* Skip the registry comparison (a case that changes the registry on purpose). */
        bool no_registry_check;
} AdvCase;

int adv_main(const AdvCase *c, int argc, char **argv);

/* --- for run() --- */

const char *adv_address(const Adv *adv);
const char *adv_workdir(const Adv *adv);
pid_t adv_daemon_pid(const Adv *adv);
/* A connection of the test's own (root), not attached to a loop. Owned by adv. */
sd_bus *adv_bus(Adv *adv);

/*
 * Starts attacker NAME (from the case's table) as uid ADV_UID with args
 * (NULL-terminated, may be NULL). With wait_ready, waits up to 30 s for its
 * adv_attacker_ready(). 0 or negative errno.
 */
int adv_attacker_start(Adv *adv, const char *name, const char *const *args, bool wait_ready, pid_t *ret_pid);
/* Waits up to timeout_msec for it to exit: its exit status, or -ETIMEDOUT (then it is killed). */
int adv_attacker_wait(Adv *adv, pid_t pid, uint64_t timeout_msec);
/* SIGKILL, and reaped. */
void adv_attacker_kill(Adv *adv, pid_t pid);

/* The Entries property of the registry. */
int adv_registry_entries(Adv *adv, unsigned *ret);

/* Records a check: prints "ok: ..." or "FAIL: ...". Returns cond. */
bool adv_check(Adv *adv, bool cond, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* A line of the case's own figures. */
void adv_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The daemon's VmRSS, and its RssAnon (heap and stacks: what it holds), in KiB (0 when unreadable). */
uint64_t adv_daemon_rss_kib(const Adv *adv);
uint64_t adv_daemon_anon_kib(const Adv *adv);
/* The probe's figures so far: calls, failures, p99 and max latency (ms). */
void adv_probe_figures(Adv *adv, unsigned *ret_calls, unsigned *ret_failed, double *ret_p99, double *ret_max);

/* --- for attackers (in the child) --- */

/* A client connection to address, started. Exits the attacker (status 2) on failure. */
sd_bus *adv_connect(const char *address);
/* Tells the parent the attacker is set up (once; no-op when the parent does not wait). */
void adv_attacker_ready(void);
