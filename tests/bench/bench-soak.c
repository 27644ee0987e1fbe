/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bench-soak.c: the soak (issue 10): the qualification cycle Apple asks of
 * drivers, attach and detach of one USB device many times, against the
 * real ioregd on a private dbus-daemon and a umockdev testbed built from a
 * real recording. Not a CI test: it runs for minutes. By default the device
 * is the Sony Xperia of the recordings, which the shipped USB driver server
 * (examples/driver-usb-serial) drives: each attach launches the server and
 * starts the driver (which publishes a serial nub, matched in turn), each
 * detach stops it and the server exits.
 *
 * - Attach/detach: the device's subtree of the recording (the device and
 *   every device below it) is removed, children first, with a "remove"
 *   uevent each, then added back from the recording's text (umockdev sends
 *   "add" uevents, parents first). Each half waits for the daemon's
 *   Notification: Terminated, then Matched, of the entries of class
 *   --match (a user-space driver's class when its personality is loaded).
 *   The daemon's RSS (VmRSS) and open fds are read from /proc after
 *   --warmup cycles and at the end: both must grow by at most 1 %. The
 *   daemon's child processes (driver servers) are counted after each
 *   detach settles: none may be left once its device is gone.
 * - Subscribe/disconnect: --subscribe-cycles clients each connect,
 *   Subscribe and leave without Unsubscribe; then the daemon's
 *   Subscriptions property must come back to what it was.
 * Runs under libumockdev-preload.so (meson's env gives it; by hand:
 * LD_PRELOAD=libumockdev-preload.so.0 bench-soak), which this process needs
 * for umockdev's uevents; the bus and the clients run without it.
 * - Re-arm: --clients libioreg notification ports (each its own connection)
 *   hold Matched and Terminated notifications of --match; the daemon is
 *   stopped, the device detached while it is down, the daemon started
 *   again. Every port must reconnect by itself and report the device
 *   terminated, then report it matched when it is attached again.
 * - --leak-check: the same attach/detach cycle, --cycles of them (100 by
 *   default in this mode), with ioregd under valgrind --leak-check=full;
 *   valgrind's "definitely lost", "indirectly lost" and its error count are
 *   the rows; the log stays in /tmp (its name is in the row). RSS under
 *   valgrind is valgrind's own and says nothing.
 *
 *     bench-soak [--cycles N] [--warmup N] [--subscribe-cycles N]
 *                [--recording FILE] [--device DEVPATH] [--match CLASS]
 *                [--personalities DIR] [--clients N] [--leak-check] [--quick]
 */

#include <dirent.h>
#include <stddef.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <systemd/sd-bus.h>
#include <umockdev.h>

#include <ioreg/ioreg.h>

#include "bench-soak-daemon.h"
#include "bench-soak-rearm.h"
#include "bench-util.h"
#include "test-bus.h"
#include "macro.h"

#define DEFAULT_CYCLES 1000u
#define LEAK_CHECK_CYCLES 100u
#define DEFAULT_WARMUP 100u
#define DEFAULT_SUBSCRIBE_CYCLES 1000u
#define MAX_GROWTH 0.01

static unsigned arg_cycles = DEFAULT_CYCLES;
static unsigned arg_warmup = DEFAULT_WARMUP;
static unsigned arg_subscribe_cycles = DEFAULT_SUBSCRIBE_CYCLES;
static unsigned arg_clients = 50;
static bool arg_cycles_set = false;
static bool arg_leak_check = false;
/* The shipped USB driver server's device (personalities/org.ioreg.driver-usb-serial.json) and its class. */
static const char *arg_recording = SOURCE_DIR "/tests/data/umockdev/umockdev-mobiles-sony-xperia-mini-pro.umockdev";
static const char *arg_device = "/devices/pci0000:00/0000:00:1a.0/usb1/1-1/1-1.5/1-1.5.2/1-1.5.2.4";
static const char *arg_match = "IORegUSBSerialDriver";
static const char *arg_personalities = SOURCE_DIR "/personalities";

typedef struct Client {
        sd_bus *bus;              /* owned */
        uint64_t sub_matched, sub_terminated;
        unsigned n_matched, n_terminated;
} Client;

static int on_notification(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        Client *c = userdata;
        uint64_t sub, seq;
        int r;

        r = sd_bus_message_read(m, "tt", &sub, &seq);
        if (r < 0)
                return 0;
        if (sub == c->sub_matched)
                c->n_matched++;
        else if (sub == c->sub_terminated)
                c->n_terminated++;
        else
                return 0;
        (void) sd_bus_call_method_async(c->bus, NULL, "org.ioreg.Registry1", "/org/ioreg/Registry1",
                                        "org.ioreg.Notifications1", "Ack", NULL, NULL, "tt", sub, seq);
        return 0;
}

static int subscribe(sd_bus *bus, const char *type, const char *class, uint64_t *ret) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        int r;

        r = sd_bus_call_method(bus, "org.ioreg.Registry1", "/org/ioreg/Registry1", "org.ioreg.Notifications1",
                               "Subscribe", &error, &reply, "sa{sv}", type, 1, "IOProviderClass", "s", class);
        if (r < 0) {
                fprintf(stderr, "bench-soak: Subscribe %s: %s\n", type, error.message ?: strerror(-r));
                return r;
        }
        return sd_bus_message_read(reply, "t", ret);
}

/* Processes the client's bus until *counter reaches want, for at most WAIT_USEC. */
static int client_wait(Client *c, unsigned *counter, unsigned want) {
        uint64_t deadline = bench_now_nsec() + WAIT_USEC * 1000;

        while (*counter < want) {
                int r = sd_bus_process(c->bus, NULL);

                if (r < 0)
                        return r;
                if (r > 0)
                        continue;
                if (bench_now_nsec() > deadline)
                        return -ETIMEDOUT;
                r = sd_bus_wait(c->bus, 100 * 1000);
                if (r < 0 && r != -EINTR)
                        return r;
        }
        return 0;
}

static int get_subscriptions(sd_bus *bus, uint32_t *ret) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;

        return sd_bus_get_property_trivial(bus, "org.ioreg.Registry1", "/org/ioreg/Registry1",
                                           "org.ioreg.Notifications1", "Subscriptions", &error, 'u', ret);
}

static double growth(unsigned long before, unsigned long after) {
        return before == 0 ? 0 : ((double) after - (double) before) / (double) before;
}

static const char *verdict(double g) {
        return g <= MAX_GROWTH ? "PASS" : "FAIL";
}

/*
 * Valgrind's summary: "definitely lost: 1,234 bytes in 5 blocks" per kind, or "All heap blocks
 * were freed -- no leaks are possible"; and "ERROR SUMMARY: N errors". A log without either
 * means valgrind did not finish (the daemon did not exit).
 */
static unsigned long long summary_number(const char *p) {
        char digits[64] = "";
        size_t j = 0;

        for (; *p == ' ' || *p == ',' || (*p >= '0' && *p <= '9'); p++)
                if (*p >= '0' && *p <= '9' && j < sizeof(digits) - 1)
                        digits[j++] = *p;
        return strtoull(digits, NULL, 10);
}

static void leak_rows(const char *log) {
        static const char *const kinds[] = { "definitely lost:", "indirectly lost:" };
        _cleanup_fclose_ FILE *f = fopen(log, "re");
        _cleanup_free_ char *line = NULL;
        unsigned long long lost[ELEMENTSOF(kinds)] = {}, errors = 0;
        bool summary = false, error_summary = false;
        size_t cap = 0;

        while (f && getline(&line, &cap, f) >= 0) {
                char *p;

                if (strstr(line, "no leaks are possible"))
                        summary = true;
                for (size_t k = 0; k < ELEMENTSOF(kinds); k++)
                        if ((p = strstr(line, kinds[k]))) {
                                summary = true;
                                lost[k] = summary_number(p + strlen(kinds[k]));
                        }
                if ((p = strstr(line, "ERROR SUMMARY:"))) {
                        error_summary = true;
                        errors = summary_number(p + strlen("ERROR SUMMARY:"));
                }
        }
        if (!summary || !error_summary) {
                bench_row("soak under valgrind: leak summary", "none", "-", "0 bytes lost",
                          bench_fmt("FAIL: no summary in %s (the daemon did not exit?)", log));
                return;
        }
        for (size_t k = 0; k < ELEMENTSOF(kinds); k++)
                bench_row(bench_fmt("soak under valgrind: %.*s", (int) strlen(kinds[k]) - 1, kinds[k]),
                          bench_fmt("%llu", lost[k]), "bytes", "0", lost[k] == 0 ? "PASS" : "FAIL");
        bench_row("soak under valgrind: memory errors", bench_fmt("%llu", errors), "errors", "0",
                  errors == 0 ? "PASS" : bench_fmt("FAIL: see %s", log));
}

static int run(void) {
        _cleanup_(subtree_done) Subtree sub = {};
        _cleanup_free_ char *valgrind_log = NULL;
        UMockdevTestbed *tb = NULL;
        GError *gerror = NULL;
        Client c = {};
        TestBus f = {};
        Usage warm = {}, end = {}, u;
        unsigned max_children = 0, cycles = arg_cycles;
        uint32_t subs_before = 0, subs_after = 0;
        unsigned rearmed_terminated = 0, rearmed_matched = 0;
        uint64_t t0, cycle_nsec = 0;
        pid_t pid = 0;
        int r;

        if (arg_leak_check && !arg_cycles_set)
                cycles = LEAK_CHECK_CYCLES;
        r = subtree_load(&sub, arg_recording, arg_device);
        if (r < 0) {
                fprintf(stderr, "bench-soak: %s holds no device %s: %s\n", arg_recording, arg_device, strerror(-r));
                return r;
        }

        (void) unsetenv("LD_PRELOAD");
        (void) setenv("IOREG_UDEV_MODE", "kernel", 1);
        tb = umockdev_testbed_new(); /* sets UMOCKDEV_DIR, which ioregd inherits */
        if (!umockdev_testbed_add_from_file(tb, arg_recording, &gerror)) {
                fprintf(stderr, "bench-soak: cannot load %s: %s\n", arg_recording, gerror->message);
                g_error_free(gerror);
                g_object_unref(tb);
                return -EIO;
        }
        r = test_bus_start(&f);
        if (r < 0)
                goto out;
        if (arg_leak_check && asprintf(&valgrind_log, "/tmp/bench-soak-valgrind-%d.log", (int) getpid()) < 0) {
                r = -ENOMEM;
                goto out;
        }
        r = spawn_ioregd(&f, arg_personalities, arg_leak_check, valgrind_log, &pid);
        if (r < 0)
                goto out;
        r = test_bus_connect(&f, &c.bus);
        if (r < 0)
                goto out;
        r = wait_quiet(c.bus, pid);
        if (r < 0) {
                fprintf(stderr, "bench-soak: ioregd did not come up: %s\n", strerror(-r));
                goto out;
        }
        r = sd_bus_match_signal(c.bus, NULL, "org.ioreg.Registry1", "/org/ioreg/Registry1",
                                "org.ioreg.Notifications1", "Notification", on_notification, &c);
        if (r >= 0)
                r = subscribe(c.bus, "matched", arg_match, &c.sub_matched);
        if (r >= 0)
                r = subscribe(c.bus, "terminated", arg_match, &c.sub_terminated);
        if (r < 0)
                goto out;
        /* The replay: the device is there, matched, once. */
        r = client_wait(&c, &c.n_matched, 1);
        if (r < 0) {
                fprintf(stderr, "bench-soak: no entry of class %s is matched at the start\n", arg_match);
                goto out;
        }

        fprintf(stderr, "bench-soak: %u attach/detach cycles of %s (%u devices)%s\n", cycles, arg_device, sub.n,
                arg_leak_check ? " under valgrind" : "");
        t0 = bench_now_nsec();
        for (unsigned i = 1; i <= cycles; i++) {
                unsigned want_t = c.n_terminated + 1, want_m = c.n_matched + 1;

                detach(tb, &sub);
                r = client_wait(&c, &c.n_terminated, want_t);
                if (r < 0) {
                        fprintf(stderr, "bench-soak: cycle %u: no Terminated: %s\n", i, strerror(-r));
                        goto out;
                }
                /* The server's exit follows its Stop: give it up to 5 s, then count what is left. */
                r = wait_quiet(c.bus, pid);
                for (unsigned k = 0; r >= 0 && k < 500; k++) {
                        struct timespec ts = { .tv_nsec = 10 * 1000 * 1000 };

                        r = usage_read(pid, &u);
                        if (r < 0 || u.children == 0)
                                break;
                        nanosleep(&ts, NULL);
                }
                if (r < 0)
                        goto out;
                max_children = MAX(max_children, u.children);
                r = attach(tb, &sub);
                if (r >= 0)
                        r = client_wait(&c, &c.n_matched, want_m);
                if (r < 0) {
                        fprintf(stderr, "bench-soak: cycle %u: no Matched: %s\n", i, strerror(-r));
                        goto out;
                }
                if (i == MIN(arg_warmup, cycles) && (r = usage_read(pid, &warm)) < 0)
                        goto out;
        }
        cycle_nsec = (bench_now_nsec() - t0) / MAX(cycles, 1u);
        r = wait_quiet(c.bus, pid);
        if (r >= 0)
                r = usage_read(pid, &end);
        if (r < 0)
                goto out;

        /* Subscribe and leave, many times; sd_bus_track must free each. */
        r = get_subscriptions(c.bus, &subs_before);
        for (unsigned i = 0; r >= 0 && i < arg_subscribe_cycles; i++) {
                _cleanup_(sd_bus_flush_close_unrefp) sd_bus *b = NULL;
                uint64_t id;

                r = test_bus_connect(&f, &b);
                if (r >= 0)
                        r = subscribe(b, "publish", arg_match, &id);
        }
        if (r < 0)
                goto out;
        for (unsigned i = 0; i < 100; i++) {
                struct timespec ts = { .tv_nsec = 20 * 1000 * 1000 };

                r = get_subscriptions(c.bus, &subs_after);
                if (r < 0 || subs_after == subs_before)
                        break;
                nanosleep(&ts, NULL);
        }
        if (r < 0)
                goto out;

        if (!arg_leak_check && arg_clients > 0) {
                fprintf(stderr, "bench-soak: restarting the daemon under %u libioreg clients\n", arg_clients);
                r = rearm(&f, tb, &sub, c.bus, &pid, arg_personalities, arg_match, arg_clients, &rearmed_terminated,
                          &rearmed_matched);
                if (r < 0)
                        goto out;
        }

        bench_row("metric", "value", "unit", "target", "verdict");
        bench_row("---", "---:", "---", "---", "---");
        bench_row("soak: attach/detach cycles", bench_fmt("%u", cycles), "cycles", "-",
                  bench_fmt("%s, %u devices each; %.1f ms per cycle", arg_device, sub.n, (double) cycle_nsec / 1e6));
        bench_row(bench_fmt("soak: daemon RSS after cycle %u → %u", MIN(arg_warmup, cycles), cycles),
                  bench_fmt("%lu → %lu", warm.rss_kib, end.rss_kib), "KiB", "≤ +1 %",
                  bench_fmt("%s (%+.2f %%)", verdict(growth(warm.rss_kib, end.rss_kib)),
                            100 * growth(warm.rss_kib, end.rss_kib)));
        bench_row(bench_fmt("soak: daemon open fds after cycle %u → %u", MIN(arg_warmup, cycles), cycles),
                  bench_fmt("%u → %u", warm.fds, end.fds), "fds", "≤ +1 %",
                  verdict(growth(warm.fds, end.fds)));
        bench_row(bench_fmt("soak: %s entries matched / terminated over the cycles", arg_match),
                  bench_fmt("%u / %u", c.n_matched - 1, c.n_terminated), "entries",
                  bench_fmt("%u / %u", cycles, cycles),
                  c.n_matched - 1 >= cycles && c.n_terminated >= cycles ? "PASS" : "FAIL");
        bench_row("soak: daemon children left 5 s after a detach (driver servers)", bench_fmt("%u", max_children),
                  "processes", "0", max_children == 0 ? "PASS" : "FAIL");
        bench_row(bench_fmt("soak: subscriptions after %u subscribe/disconnect cycles", arg_subscribe_cycles),
                  bench_fmt("%u → %u", subs_before, subs_after), "subscriptions", "unchanged",
                  subs_after == subs_before ? "PASS" : "FAIL");
        if (!arg_leak_check && arg_clients > 0) {
                bench_row("soak: libioreg clients told of the device detached while ioregd was down",
                          bench_fmt("%u / %u", rearmed_terminated, arg_clients), "clients", "all",
                          rearmed_terminated == arg_clients ? "PASS" : "FAIL");
                bench_row("soak: libioreg clients told of the device attached after the restart",
                          bench_fmt("%u / %u", rearmed_matched, arg_clients), "clients", "all",
                          rearmed_matched == arg_clients ? "PASS" : "FAIL");
        }
        fflush(stdout);
out:
        sd_bus_flush_close_unref(c.bus);
        if (pid > 0) {
                (void) kill(pid, SIGTERM);
                (void) waitpid(pid, NULL, 0);
        }
        if (r >= 0 && arg_leak_check) {
                leak_rows(valgrind_log);
                fflush(stdout);
        }
        (void) test_bus_stop(&f);
        if (tb) {
                umockdev_testbed_clear(tb);
                g_object_unref(tb);
        }
        if (r < 0)
                fprintf(stderr, "bench-soak: failed: %s\n", strerror(-r));
        return r;
}

static int parse_argv(int argc, char *argv[]) {
        enum { ARG_IGNORED = 0x100, ARG_WARMUP, ARG_SUBSCRIBE, ARG_RECORDING, ARG_DEVICE, ARG_MATCH,
               ARG_PERSONALITIES, ARG_CLIENTS, ARG_LEAK, ARG_QUICK };
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "cycles", required_argument, NULL, 'c' },
                { "warmup", required_argument, NULL, ARG_WARMUP },
                { "subscribe-cycles", required_argument, NULL, ARG_SUBSCRIBE },
                { "recording", required_argument, NULL, ARG_RECORDING },
                { "device", required_argument, NULL, ARG_DEVICE },
                { "match", required_argument, NULL, ARG_MATCH },
                { "personalities", required_argument, NULL, ARG_PERSONALITIES },
                { "clients", required_argument, NULL, ARG_CLIENTS },
                { "leak-check", no_argument, NULL, ARG_LEAK },
                { "quick", no_argument, NULL, ARG_QUICK },
                BENCH_FOREIGN_OPTIONS(ARG_IGNORED),
                {}
        };
        int c;

        while ((c = getopt_long(argc, argv, "hc:", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        printf("%s [--cycles N] [--warmup N] [--subscribe-cycles N] [--recording FILE]\n"
                               "   [--device DEVPATH] [--match CLASS] [--personalities DIR] [--clients N] [--leak-check] [--quick]\n",
                               program_invocation_short_name);
                        return 0;
                case 'c':
                        if (bench_parse_unsigned(optarg, 1, &arg_cycles) < 0)
                                return -EINVAL;
                        arg_cycles_set = true;
                        break;
                case ARG_WARMUP:
                        if (bench_parse_unsigned(optarg, 1, &arg_warmup) < 0)
                                return -EINVAL;
                        break;
                case ARG_SUBSCRIBE:
                        if (bench_parse_unsigned(optarg, 0, &arg_subscribe_cycles) < 0)
                                return -EINVAL;
                        break;
                case ARG_RECORDING:
                        arg_recording = optarg;
                        break;
                case ARG_DEVICE:
                        arg_device = optarg;
                        break;
                case ARG_MATCH:
                        arg_match = optarg;
                        break;
                case ARG_PERSONALITIES:
                        arg_personalities = optarg;
                        break;
                case ARG_CLIENTS:
                        if (bench_parse_unsigned(optarg, 0, &arg_clients) < 0)
                                return -EINVAL;
                        break;
                case ARG_LEAK:
                        arg_leak_check = true;
                        break;
                case ARG_QUICK:
                        arg_cycles = 100;
                        arg_warmup = 20;
                        arg_subscribe_cycles = 100;
                        arg_cycles_set = true;
                        break;
                case ARG_IGNORED:
                        break;
                default:
                        return -EINVAL;
                }
        return 1;
}

int main(int argc, char *argv[]) {
        int r = parse_argv(argc, argv);

        if (r <= 0)
                return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
        return run() < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
