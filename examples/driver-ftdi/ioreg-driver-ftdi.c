/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ioreg-driver-ftdi: a user-space driver for FTDI FT232 USB serial
 * adapters (the chip QEMU's usb-serial emulates), in place of the kernel's
 * ftdi_sio. Its personality (personalities/org.ioreg.driver-ftdi.json)
 * matches the adapter's interface 0 with IOUserServerReplacesKernelDriver,
 * so ioregd detaches ftdi_sio before Start; Start takes the device's usbfs
 * fd from ioregd (the server runs as nobody and can open no device node),
 * makes a pseudo-terminal and publishes it as an IOSerialBSDClient nub
 * below the driver; ftdi-engine.c moves the bytes.
 *
 *   ioreg-driver-ftdi                   a driver server, launched by ioregd
 *   ioreg-driver-ftdi --device PATH     standalone, as root: opens the usbfs node PATH itself
 *                                       (/dev/bus/usb/BBB/DDD), detaches ftdi_sio, prints the pty
 *
 * Test hooks (set through the personality's IOUserServerEnvironment, tests/vm/scenarios/ftdi.py):
 * IOREG_FTDI_TRY_OPEN=PATH[:PATH...] tries to open each at Start and reports the outcome in the
 * driver's IORegFTDITryOpen property; IOREG_FTDI_CRASH_AFTER_START=1 aborts once Start has returned.
 * IOREG_FTDI_BENCH=OUT[,IN] (tests/vm/scenarios/ftdibench.py): SIGUSR1 sends OUT bytes from memory to
 * the adapter, SIGUSR2 takes the next IN bytes from it into memory, through the engine's own
 * transfers on ioregd's fd (ftdi_engine_bench); each ends with "bench out|in BYTES USEC" on the pty
 * ("bench in armed" first for in). SIGHUP times BENCH_HANDOFF_PAIRS CopyProviderFD calls against as
 * many OpenProvider calls (the same route to ioregd without the fd) in turns, and reports the medians
 * as "bench fd COPY_USEC OPEN_USEC" on the pty.
 */

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <ioreg/ioreg.h>

#include "ftdi-engine.h"

#define KIO_MESSAGE_SERVICE_IS_TERMINATED 0xe0000010u
#define DEFAULT_BAUD 115200
#define BENCH_HANDOFF_PAIRS 31

typedef struct Port {
        ioreg_driver *driver;   /* borrowed: NULL when standalone */
        sd_event *event;        /* borrowed */
        FtdiPty pty;            /* owned */
        FtdiEngine *engine;     /* owned */
        sd_event_source *bench[3];      /* owned: SIGUSR1, SIGUSR2, SIGHUP under IOREG_FTDI_BENCH */
        uint64_t bench_size[2];         /* out, in */
        bool standalone;
} Port;

static Port *port_free(Port *p) {
        if (!p)
                return NULL;
        for (size_t i = 0; i < 3; i++)
                p->bench[i] = sd_event_source_disable_unref(p->bench[i]);
        p->engine = ftdi_engine_free(p->engine);
        ftdi_pty_close(&p->pty);
        free(p);
        return NULL;
}

static void on_gone(FtdiEngine *e, int error, void *userdata) {
        Port *p = userdata;

        /* Under ioregd the nub's termination follows and stops us; alone, nothing else will. */
        printf("the adapter is gone (%s); %s\n", strerror(-error),
               p->standalone ? "exiting" : "waiting for Stop");
        fflush(stdout);
        if (p->standalone)
                (void) sd_event_exit(p->event, 0);
}

static void on_line_coding(FtdiEngine *e, const FtdiLineCoding *lc, void *userdata) {
        Port *p = userdata;
        char text[64];
        json_t *props;

        ftdi_line_coding_format(lc, text, sizeof(text));
        printf("line coding %s\n", text);
        fflush(stdout);
        if (!p->driver)
                return;
        props = json_pack("{s:s}", "IORegFTDILineCoding", text);
        if (props)
                (void) ioreg_driver_set_properties(p->driver, props);
        json_decref(props);
}

/* The report goes to the port's reader, the benchmark: the pty is the one channel it already holds. */
static void on_bench_done(FtdiEngine *e, bool in, uint64_t bytes, uint64_t usec, void *userdata) {
        Port *p = userdata;
        char line[80];
        int n = snprintf(line, sizeof(line), "bench %s %llu %llu\n", in ? "in" : "out",
                         (unsigned long long) bytes, (unsigned long long) usec);

        printf("%s", line);
        fflush(stdout);
        if (write(p->pty.master, line, (size_t) n) != n)
                fprintf(stderr, "cannot report the benchmark on the pty: %m\n");
}

static const FtdiEngineCallbacks engine_callbacks = {
        .gone = on_gone,
        .line_coding = on_line_coding,
        .bench_done = on_bench_done,
};

static int on_bench_signal(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata) {
        Port *p = userdata;
        bool in = si->ssi_signo == SIGUSR2;
        int r = ftdi_engine_bench(p->engine, in, p->bench_size[in]);

        if (r < 0)
                fprintf(stderr, "benchmark %s: %s\n", in ? "in" : "out", strerror(-r));
        /* In: bytes that come before this are the pty's; the benchmark sends its own after this line. */
        else if (in && write(p->pty.master, "bench in armed\n", 15) != 15)
                fprintf(stderr, "cannot report the benchmark on the pty: %m\n");
        return 0;
}

static long long usec_since(const struct timespec *t0) {
        struct timespec t1;

        (void) clock_gettime(CLOCK_MONOTONIC, &t1);
        return (long long) (t1.tv_sec - t0->tv_sec) * 1000000 + (t1.tv_nsec - t0->tv_nsec) / 1000;
}

static int cmp_ll(const void *a, const void *b) {
        long long x = *(const long long *) a, y = *(const long long *) b;

        return (x > y) - (x < y);
}

/* The added latency of the fd handoff (the benchmark row), in this server on its own provider:
 * each CopyProviderFD (a new descriptor, closed at once) beside an OpenProvider (already open: fine). */
static int on_bench_handoff(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata) {
        Port *p = userdata;
        long long copy[BENCH_HANDOFF_PAIRS], plain[BENCH_HANDOFF_PAIRS];
        char line[80];
        int n;

        if (!p->driver)
                return 0;
        for (int i = 0; i < BENCH_HANDOFF_PAIRS; i++) {
                struct timespec t0;
                int fd = -1;

                (void) clock_gettime(CLOCK_MONOTONIC, &t0);
                if (ioreg_driver_copy_provider_fd(p->driver, &fd) != IOREG_RETURN_SUCCESS)
                        return 0;
                copy[i] = usec_since(&t0);
                close(fd);
                (void) clock_gettime(CLOCK_MONOTONIC, &t0);
                if (ioreg_driver_open_provider(p->driver) != IOREG_RETURN_SUCCESS)
                        return 0;
                plain[i] = usec_since(&t0);
        }
        qsort(copy, BENCH_HANDOFF_PAIRS, sizeof(copy[0]), cmp_ll);
        qsort(plain, BENCH_HANDOFF_PAIRS, sizeof(plain[0]), cmp_ll);
        n = snprintf(line, sizeof(line), "bench fd %lld %lld\n", copy[BENCH_HANDOFF_PAIRS / 2],
                     plain[BENCH_HANDOFF_PAIRS / 2]);
        if (write(p->pty.master, line, (size_t) n) != n)
                fprintf(stderr, "cannot report the benchmark on the pty: %m\n");
        return 0;
}

/* IOREG_FTDI_BENCH=OUT[,IN]: the benchmark's signals (blocked first: sd-event reads them from a signalfd). */
static int bench_setup(Port *p) {
        const char *size = getenv("IOREG_FTDI_BENCH");
        char *end;
        sigset_t mask;
        int r;

        if (!size || !*size)
                return 0;
        p->bench_size[0] = strtoull(size, &end, 0);
        p->bench_size[1] = *end == ',' ? strtoull(end + 1, NULL, 0) : p->bench_size[0];
        sigemptyset(&mask);
        sigaddset(&mask, SIGUSR1);
        sigaddset(&mask, SIGUSR2);
        sigaddset(&mask, SIGHUP);
        if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
                return -errno;
        r = sd_event_add_signal(p->event, &p->bench[0], SIGUSR1, on_bench_signal, p);
        if (r < 0)
                return r;
        r = sd_event_add_signal(p->event, &p->bench[1], SIGUSR2, on_bench_signal, p);
        if (r < 0)
                return r;
        return sd_event_add_signal(p->event, &p->bench[2], SIGHUP, on_bench_handoff, p);
}

/* IOREG_FTDI_TRY_OPEN: what opening other device nodes gives this process ("EACCES", or "opened"). */
static void try_open_others(ioreg_driver *driver) {
        const char *list = getenv("IOREG_FTDI_TRY_OPEN");
        json_t *results, *props;
        char *copy, *save = NULL;

        if (!list || !*list || !(copy = strdup(list)))
                return;
        results = json_object();
        for (char *path = strtok_r(copy, ":", &save); path && results; path = strtok_r(NULL, ":", &save)) {
                int fd = open(path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
                const char *outcome = fd >= 0 ? "opened" : strerrorname_np(errno);

                printf("open %s: %s\n", path, fd >= 0 ? "opened" : strerror(errno));
                if (fd >= 0)
                        close(fd);
                json_object_set_new(results, path, json_string(outcome ? outcome : "?"));
        }
        fflush(stdout);
        props = results ? json_pack("{s:O}", "IORegFTDITryOpen", results) : NULL;
        if (props)
                (void) ioreg_driver_set_properties(driver, props);
        json_decref(props);
        json_decref(results);
        free(copy);
}

/* Apple's FTDI driver names its port usbserial-SERIAL; the pty's number stands in for a missing serial. */
static json_t *nub_properties(const FtdiPty *pty) {
        const char *num = strrchr(pty->path, '/');

        num = num ? num + 1 : pty->path;
        return json_pack("{s:s, s:s, s:s+, s:s, s:s, s:s}",
                         "IOTTYBaseName", "usbserial-pts",
                         "IOTTYSuffix", num,
                         "IOTTYDevice", "usbserial-pts", num,
                         "IOCalloutDevice", pty->path,
                         "IODialinDevice", pty->path,
                         "IOSerialBSDClientType", "IORS232SerialStream");
}

static int port_start(Port *p, int usb_fd, int interface, unsigned flags) {
        int r;

        r = ftdi_pty_open(&p->pty, DEFAULT_BAUD);
        if (r < 0) {
                close(usb_fd);
                fprintf(stderr, "cannot make a pseudo-terminal: %s\n", strerror(-r));
                return r;
        }
        r = ftdi_engine_new(&p->engine, p->event, usb_fd, interface, &p->pty, flags, &engine_callbacks, p);
        if (r < 0) {
                fprintf(stderr, "cannot drive the adapter: %s\n", strerror(-r));
                return r;
        }
        r = bench_setup(p);
        if (r < 0)
                fprintf(stderr, "cannot set the benchmark up: %s\n", strerror(-r));
        return r;
}

static int crash_now(sd_event_source *s, uint64_t usec, void *userdata) {
        abort();
}

static ioreg_return_t ftdi_start(ioreg_driver *driver, void *userdata) {
        json_t *interface_number = json_object_get(ioreg_driver_get_properties(driver), "bInterfaceNumber");
        json_t *nub;
        uint64_t nub_id = 0;
        ioreg_return_t ret;
        Port *p;
        int fd = -1, r;

        try_open_others(driver);
        ret = ioreg_driver_copy_provider_fd(driver, &fd);
        if (ret != IOREG_RETURN_SUCCESS) {
                fprintf(stderr, "cannot get my adapter's device: %s\n", ioreg_return_string(ret));
                return ret;
        }
        p = calloc(1, sizeof(*p));
        if (!p) {
                close(fd);
                return IOREG_RETURN_NO_MEMORY;
        }
        p->driver = driver;
        p->event = ioreg_driver_get_event(driver);
        p->pty = FTDI_PTY_NULL;
        r = port_start(p, fd, json_is_integer(interface_number) ? (int) json_integer_value(interface_number) : 0, 0);
        if (r < 0) {
                port_free(p);
                (void) ioreg_driver_close_provider(driver);
                return r == -ENODEV ? IOREG_RETURN_NO_DEVICE : IOREG_RETURN_ERROR;
        }
        ioreg_driver_set_context(driver, p);
        nub = nub_properties(&p->pty);
        ret = nub ? ioreg_driver_register_nub(driver, "IOSerialBSDClient", "IOSerialBSDClient", nub, &nub_id)
                  : IOREG_RETURN_NO_MEMORY;
        json_decref(nub);
        if (ret != IOREG_RETURN_SUCCESS) {
                fprintf(stderr, "cannot publish my serial port: %s\n", ioreg_return_string(ret));
                ioreg_driver_set_context(driver, NULL);
                port_free(p);
                (void) ioreg_driver_close_provider(driver);
                return ret;
        }
        printf("driving interface 0x%llx: %s, serial nub 0x%llx\n",
               (unsigned long long) ioreg_driver_get_provider_id(driver), p->pty.path, (unsigned long long) nub_id);
        fflush(stdout);
        if (getenv("IOREG_FTDI_CRASH_AFTER_START"))
                /* The crash-loop test: a crash of a started driver (one inside Start is a failed start). */
                (void) sd_event_add_time_relative(p->event, NULL, CLOCK_MONOTONIC, 100 * 1000, 0, crash_now, NULL);
        return IOREG_RETURN_SUCCESS;
}

static void ftdi_message(ioreg_driver *driver, uint32_t type, uint64_t argument, void *userdata) {
        if (type == KIO_MESSAGE_SERVICE_IS_TERMINATED) {
                printf("my adapter is going\n");
                fflush(stdout);
        }
}

static void ftdi_stop(ioreg_driver *driver, void *userdata) {
        Port *p = ioreg_driver_get_context(driver);
        FtdiEngineCounters n = {};

        if (p && p->engine)
                ftdi_engine_counters(p->engine, &n);
        ioreg_driver_set_context(driver, NULL);
        port_free(p);
        (void) ioreg_driver_close_provider(driver);
        printf("stopped after %llu bytes in (%llu transfers, %llu pty writes), %llu out\n",
               (unsigned long long) n.in, (unsigned long long) n.in_transfers, (unsigned long long) n.pty_writes,
               (unsigned long long) n.out);
        fflush(stdout);
}

static int on_signal(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata) {
        return sd_event_exit(sd_event_source_get_event(s), 0);
}

static int run_standalone(const char *path, int interface) {
        sd_event *event = NULL;
        sigset_t mask;
        Port *p;
        int fd, r;

        fd = open(path, O_RDWR | O_CLOEXEC);
        if (fd < 0) {
                fprintf(stderr, "%s: %s\n", path, strerror(errno));
                return 1;
        }
        p = calloc(1, sizeof(*p));
        if (!p || sd_event_default(&event) < 0) {
                close(fd);
                free(p);
                return 1;
        }
        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        sigprocmask(SIG_BLOCK, &mask, NULL);
        (void) sd_event_add_signal(event, NULL, SIGTERM, on_signal, NULL);
        (void) sd_event_add_signal(event, NULL, SIGINT, on_signal, NULL);
        p->event = event;
        p->pty = FTDI_PTY_NULL;
        p->standalone = true;
        r = port_start(p, fd, interface, FTDI_ENGINE_DETACH_KERNEL_DRIVER);
        if (r >= 0) {
                printf("pty %s\n", p->pty.path);
                fflush(stdout);
                r = sd_event_loop(event);
        }
        port_free(p);
        sd_event_unref(event);
        return r < 0 ? 1 : 0;
}

int main(int argc, char **argv) {
        static const ioreg_driver_class classes[] = {
                { .name = "IORegFTDISerialDriver", .start = ftdi_start, .stop = ftdi_stop, .message = ftdi_message },
        };
        static const struct option options[] = {
                { "device", required_argument, NULL, 'd' },
                { "interface", required_argument, NULL, 'i' },
                {}
        };
        const char *device = NULL;
        int interface = 0, c;

        while ((c = getopt_long(argc, argv, "", options, NULL)) >= 0)
                switch (c) {
                case 'd':
                        device = optarg;
                        break;
                case 'i':
                        interface = atoi(optarg);
                        break;
                default:
                        fprintf(stderr, "usage: %s [--device /dev/bus/usb/BBB/DDD [--interface N]]\n", argv[0]);
                        return 2;
                }
        if (device)
                return run_standalone(device, interface);
        return ioreg_driver_server_run(classes, 1, NULL);
}
