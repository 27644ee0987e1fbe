/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bench-userclient.c: user client calls (issue 18, "Benchmark"):
 * IOConnectCallMethod from an application to a driver server, peer to peer
 * over the socketpair ioregd brokered, against (a) a bare round trip over a
 * socketpair to another process (the floor: one write and one read each
 * way) and (b) a D-Bus method call through the bus daemon (Peer.Ping to
 * ioregd), all in the same run.
 *
 * The real ioregd on a private dbus-daemon launches the tests' driver
 * server (tests/userclient/test-uc-server.c); this process opens its
 * UCTestUserClient with libioreg. Rows (p50 / p99 over N calls each, after
 * 200 warm-up calls):
 * - no-argument call (selector UC_NOTHING) and the bare 1-byte round trip;
 * - 4 KiB struct call (UC_INVERT_PAGE: 4096 bytes in, 4096 out) and the
 *   bare 4096-byte round trip (4096 bytes each way);
 * - 64 KiB struct call (UC_ECHO, 65536 bytes each way: the call socket's
 *   largest) and the bare 64 KiB round trip (no target);
 * - the D-Bus method call through dbus-daemon;
 * - ratios of the calls' p50 to the bare round trips' (target ≤ 2×), and
 *   to the D-Bus call's.
 * The kinds take turns in blocks of 50 calls (--block) over one
 * connection, one echo child and one bus connection, so that load from
 * elsewhere on a shared machine falls on all of them alike.
 *
 *     bench-userclient [--samples N] [--quick] [--block N]
 */

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <ioreg/ioreg.h>

#include "driver-test.h"
#include "uc-test.h"
#include "bench-util.h"
#include "protocol.h"

#define DEFAULT_SAMPLES 20000u
#define QUICK_SAMPLES 2000u
#define WARMUP 200u
#define DEFAULT_BLOCK 50u
#define TARGET_RATIO 2.0
#define UC_SERVER BUILD_ROOT "/tests/userclient/test-uc-server"
#define BIG (64u * 1024) /* the large structure: the call socket's largest */

static unsigned arg_samples = DEFAULT_SAMPLES;
static unsigned arg_block = DEFAULT_BLOCK;

static int cmp_u64(const void *a, const void *b) {
        uint64_t x = *(const uint64_t *) a, y = *(const uint64_t *) b;

        return x < y ? -1 : x > y;
}

static uint64_t percentile(uint64_t *v, unsigned n, unsigned p) {
        qsort(v, n, sizeof(*v), cmp_u64);
        return v[(size_t) (n - 1) * p / 100];
}

static uint64_t row(const char *metric, uint64_t *v, unsigned n) {
        uint64_t p50 = percentile(v, n, 50), p99 = percentile(v, n, 99);

        bench_row(metric, bench_fmt("%.1f / %.1f", p50 / 1000.0, p99 / 1000.0), "µs p50 / p99", "", "");
        return p50;
}

static void ratio_row(const char *metric, uint64_t a, uint64_t b) {
        double r = b ? (double) a / (double) b : 0;

        bench_row(metric, bench_fmt("%.2f", r), "×", bench_fmt("≤ %.0f×", TARGET_RATIO),
                  r <= TARGET_RATIO ? "PASS" : "FAIL");
}

/* The bare round trip: a child process echoes what it reads. */
static int echo_child(int fd) {
        static char buf[65536];

        for (;;) {
                ssize_t n = read(fd, buf, sizeof(buf)), off = 0;

                if (n <= 0)
                        return 0;
                while (off < n) {
                        ssize_t w = write(fd, buf + off, n - off);

                        if (w <= 0)
                                return 1;
                        off += w;
                }
        }
}

/* One bare round trip of size bytes (at most BIG) each way to the echo child on fd. */
static int bare_round_trip(int fd, size_t size) {
        static char out[BIG], in[BIG];
        size_t got = 0;

        if (write(fd, out, size) != (ssize_t) size)
                return -EIO;
        while (got < size) {
                ssize_t r = read(fd, in + got, size - got);

                if (r <= 0)
                        return -EIO;
                got += (size_t) r;
        }
        return 0;
}

enum { KIND_NOTHING, KIND_BARE1, KIND_PAGE, KIND_BARE4K, KIND_BIG, KIND_BARE64K, KIND_DBUS, _KIND_MAX };

/* One sample of kind; -EIO when a call failed. */
static int one(int kind, ioreg_connect_t c, int echo_fd, sd_bus *bus) {
        static uint8_t in[BIG], out[BIG];
        size_t size = UC_PAGE;

        switch (kind) {
        case KIND_NOTHING:
                return ioreg_connect_call_scalar_method(c, UC_NOTHING, NULL, 0, NULL, NULL) == IOREG_RETURN_SUCCESS
                               ? 0 : -EIO;
        case KIND_BARE1:
                return bare_round_trip(echo_fd, 1);
        case KIND_PAGE:
                return ioreg_connect_call_struct_method(c, UC_INVERT_PAGE, in, UC_PAGE, out, &size) ==
                                               IOREG_RETURN_SUCCESS && size == UC_PAGE
                               ? 0 : -EIO;
        case KIND_BARE4K:
                return bare_round_trip(echo_fd, UC_PAGE);
        case KIND_BIG:
                size = BIG;
                return ioreg_connect_call_struct_method(c, UC_ECHO, in, BIG, out, &size) == IOREG_RETURN_SUCCESS &&
                                               size == BIG
                               ? 0 : -EIO;
        case KIND_BARE64K:
                return bare_round_trip(echo_fd, BIG);
        default:
                return sd_bus_call_method(bus, IOREG_BUS_NAME, IOREG_OBJECT_PATH, "org.freedesktop.DBus.Peer", "Ping",
                                          NULL, NULL, NULL) < 0 ? -EIO : 0;
        }
}

/*
 * The kinds take turns in blocks of arg_block samples (the first kind of a
 * round rotating), so that on a shared machine every kind sees the same
 * load and the ratios compare like with like: ours and the bare round trip
 * are timed the same way, interleaved. Blocks of 50 time calls made back
 * to back; --block 1 times each call after one of every other kind (both
 * sides colder).
 */

static int measure(DriverTest *t) {
        uint64_t *v[_KIND_MAX] = {}, p50[_KIND_MAX];
        unsigned n[_KIND_MAX] = {};
        ioreg_service_t service;
        ioreg_connect_t c;
        ioreg_return_t r;
        int sv[2], status, ret = 0;
        pid_t pid;

        for (int k = 0; k < _KIND_MAX; k++)
                if (!(v[k] = calloc(arg_samples, sizeof(uint64_t))))
                        ret = -ENOMEM;
        service = ioreg_service_get_matching_service(ioreg_service_matching("UCTestDriver"));
        if (ret < 0 || !service)
                return ret < 0 ? ret : -ENODEV;
        r = ioreg_service_open(service, 0, &c);
        ioreg_object_release(service);
        if (r != IOREG_RETURN_SUCCESS) {
                fprintf(stderr, "bench-userclient: IOServiceOpen: %s\n", ioreg_return_string(r));
                return -EIO;
        }
        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
                return -errno;
        pid = fork();
        if (pid < 0)
                return -errno;
        if (pid == 0) {
                close(sv[0]);
                _exit(echo_child(sv[1]));
        }
        close(sv[1]);
        for (int k = 0; k < _KIND_MAX && ret >= 0; k++)
                for (unsigned i = 0; i < WARMUP && ret >= 0; i++)
                        ret = one(k, c, sv[0], t->bus);
        for (unsigned round = 0; ret >= 0 && n[0] < arg_samples; round++)
                for (unsigned j = 0; j < _KIND_MAX && ret >= 0; j++) {
                        int k = (int) ((round + j) % _KIND_MAX);

                        for (unsigned i = 0; i < arg_block && n[k] < arg_samples && ret >= 0; i++) {
                                uint64_t t0 = bench_now_nsec();

                                ret = one(k, c, sv[0], t->bus);
                                v[k][n[k]++] = bench_now_nsec() - t0;
                        }
                }
        close(sv[0]);
        waitpid(pid, &status, 0);
        ioreg_service_close(c);
        if (ret >= 0) {
                p50[KIND_NOTHING] = row("user client call, no arguments", v[KIND_NOTHING], arg_samples);
                p50[KIND_BARE1] = row("bare socketpair round trip, 1 byte", v[KIND_BARE1], arg_samples);
                p50[KIND_PAGE] = row("user client call, 4 KiB struct in and out", v[KIND_PAGE], arg_samples);
                p50[KIND_BARE4K] = row("bare socketpair round trip, 4 KiB each way", v[KIND_BARE4K], arg_samples);
                p50[KIND_BIG] = row("user client call, 64 KiB struct in and out", v[KIND_BIG], arg_samples);
                p50[KIND_BARE64K] = row("bare socketpair round trip, 64 KiB each way", v[KIND_BARE64K], arg_samples);
                p50[KIND_DBUS] = row("D-Bus method call through dbus-daemon (Peer.Ping)", v[KIND_DBUS], arg_samples);
                ratio_row("no-argument call p50 / bare 1-byte round trip p50", p50[KIND_NOTHING], p50[KIND_BARE1]);
                ratio_row("4 KiB call p50 / bare 4 KiB round trip p50", p50[KIND_PAGE], p50[KIND_BARE4K]);
                bench_row("64 KiB call p50 / bare 64 KiB round trip p50",
                          bench_fmt("%.2f", (double) p50[KIND_BIG] / (double) p50[KIND_BARE64K]), "×", "", "");
                bench_row("no-argument call p50 / D-Bus call p50",
                          bench_fmt("%.2f", (double) p50[KIND_NOTHING] / (double) p50[KIND_DBUS]), "×", "", "");
        }
        for (int k = 0; k < _KIND_MAX; k++)
                free(v[k]);
        return ret;
}

static int parse_argv(int argc, char *argv[]) {
        enum { ARG_SAMPLES = 0x100, ARG_QUICK, ARG_BLOCK, ARG_IGNORED };
        static const struct option options[] = {
                { "samples", required_argument, NULL, ARG_SAMPLES },
                { "quick", no_argument, NULL, ARG_QUICK },
                { "block", required_argument, NULL, ARG_BLOCK },
                BENCH_FOREIGN_OPTIONS(ARG_IGNORED),
                { "help", no_argument, NULL, 'h' },
                {},
        };
        bool samples_set = false;
        int c;

        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0)
                switch (c) {
                case ARG_SAMPLES:
                        if (bench_parse_unsigned(optarg, 1, &arg_samples) < 0)
                                return -EINVAL;
                        samples_set = true;
                        break;
                case ARG_BLOCK:
                        if (bench_parse_unsigned(optarg, 1, &arg_block) < 0)
                                return -EINVAL;
                        break;
                case ARG_QUICK:
                        if (!samples_set)
                                arg_samples = QUICK_SAMPLES;
                        break;
                case ARG_IGNORED:
                        break;
                case 'h':
                        printf("bench-userclient [--samples N] [--quick] [--block N]\n"
                               "  user client calls (no arguments, 4 KiB struct) against a bare socketpair round\n"
                               "  trip and a D-Bus call through dbus-daemon, N calls each (default %u), the kinds\n"
                               "  taking turns in blocks of N calls (default %u; 1: call by call).\n",
                               DEFAULT_SAMPLES, DEFAULT_BLOCK);
                        return 0;
                default:
                        return -EINVAL;
                }
        return 1;
}

int main(int argc, char *argv[]) {
        static const char personality[] =
                "\"UCTestDriver\": { \"IOProviderClass\": \"IOResources\", \"IOClass\": \"IOUserService\", "
                "\"IOUserClass\": \"UCTestDriver\", \"IOUserServerName\": \"org.ioreg.bench.uc\", "
                "\"IOUserServerExecutable\": \"" UC_SERVER "\", \"IOMatchCategory\": \"UCTestDriver\" }";
        static const char *const args[] = { "--no-udev", NULL };
        DriverTest t = {};
        uint64_t id = 0;
        int r;

        r = parse_argv(argc, argv);
        if (r <= 0)
                return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
        fprintf(stderr, "bench-userclient: %u samples\n", arg_samples);
        r = driver_test_start(&t, personality, args);
        if (r < 0) {
                fprintf(stderr, "bench-userclient: cannot start dbus-daemon and ioregd: %s\n", strerror(-r));
                driver_test_stop(&t);
                return EXIT_FAILURE;
        }
        setenv("IOREG_BUS_ADDRESS", t.private_bus.address, 1);
        for (int i = 0; i < 500 && (driver_test_find_one(&t, "UCTestDriver", &id) != 1 ||
                                    driver_test_number(&t, id, "TestServerPID") <= 0); i++)
                usleep(20 * 1000);
        r = measure(&t);
        driver_test_stop(&t);
        if (r < 0) {
                fprintf(stderr, "bench-userclient: %s\n", strerror(-r));
                return EXIT_FAILURE;
        }
        return EXIT_SUCCESS;
}
