/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bench-bus.c: the D-Bus export (issue 5's benchmark row). A private
 * dbus-daemon; a child process runs the daemon's Manager with a registry of
 * 10,000 entries (a tree in the IOService plane, fan-out 4 below the
 * platform expert, each entry with a name, a hexadecimal location and 16
 * properties of mixed types) on that bus; this process is the client. It
 * measures, through dbus-daemon:
 *
 * - a bare round trip: Properties.Get of Registry1.Version (the peer);
 * - GetPlane("IOService"), the bulk dump ioreg -l makes: time, and the bytes
 *   of the reply's body (computed from the message with the D-Bus marshalling
 *   rules: sd-bus has no call that gives a message's size);
 * - GetPlaneBlob, the same records as one byte array (what ioreg -l reads since issue 21),
 *   asked for in one page, and the time to read it into libioreg's JSON records;
 * - GetManagedObjects, the ObjectManager's view of the same entries.
 *
 * Times are the best of --runs (default 5) calls, CLOCK_MONOTONIC around
 * sd_bus_call() (send, the daemon's work, transfer through dbus-daemon,
 * receive); the round trip is the mean of 2,000 calls, best of the runs.
 *
 *     bench-bus [--quick] [--runs N]
 */

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wire-blob.h"
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench-util.h"
#include "test-bus.h"
#include "manager.h"
#include "log.h"

#define N_ENTRIES 10000u
#define DEFAULT_RUNS 5u
#define QUICK_RUNS 2u
#define ROUND_TRIPS 2000u
#define QUICK_ROUND_TRIPS 500u

static unsigned arg_runs = DEFAULT_RUNS;
static unsigned arg_round_trips = ROUND_TRIPS;

/* --- the registry the server serves --- */

static int add_properties(Entry *e, unsigned i) {
        static const uint8_t blob[45] = "pci8086,a36d\0pciclass,0c0330\0usb-xhci";
        Value *pm = value_new_dictionary();
        char serial[32];
        int r = 0;

        snprintf(serial, sizeof(serial), "SN%08u", i);
        r |= entry_set_property_take(e, "USB Product Name", value_new_string("FT232R USB UART"));
        r |= entry_set_property_take(e, "USB Vendor Name", value_new_string("Future Technology Devices International"));
        r |= entry_set_property_take(e, "USB Serial Number", value_new_string(serial));
        r |= entry_set_property_take(e, "IOUserClientClass", value_new_string("IOUSBHostDeviceUserClient"));
        r |= entry_set_property_take(e, "bDeviceClass", value_new_unsigned(0, 8));
        r |= entry_set_property_take(e, "bDeviceSubClass", value_new_unsigned(0, 8));
        r |= entry_set_property_take(e, "idVendor", value_new_unsigned(0x0403, 16));
        r |= entry_set_property_take(e, "idProduct", value_new_unsigned(0x6001, 16));
        r |= entry_set_property_take(e, "bcdDevice", value_new_unsigned(0x0600, 16));
        r |= entry_set_property_take(e, "locationID", value_new_unsigned(0x14100000u + i, 32));
        r |= entry_set_property_take(e, "sessionID", value_new_unsigned(UINT64_C(0x1b2c3d4e5f) + i, 64));
        r |= entry_set_property_take(e, "IOProbeScore", value_new_signed(-1000, 32));
        r |= entry_set_property_take(e, "Built-In", value_new_boolean(false));
        r |= entry_set_property_take(e, "compatible", value_new_data(blob, sizeof(blob)));
        r |= value_dict_set_take(pm, "DevicePowerState", value_new_unsigned(2, 32));
        r |= value_dict_set_take(pm, "CurrentPowerState", value_new_unsigned(2, 32));
        r |= value_dict_set_take(pm, "CapabilityFlags", value_new_unsigned(0x8000, 32));
        r |= value_dict_set_take(pm, "MaxPowerState", value_new_unsigned(2, 32));
        r |= entry_set_property_take(e, "IOPowerManagement", pm);
        r |= entry_set_property_take(e, "kUSBProductString", value_new_string("FT232R USB UART"));
        return r < 0 ? -ENOMEM : 0;
}

/* N entries breadth first below the platform expert, 4 children each. */
static int build_tree(Manager *m, unsigned n) {
        _cleanup_free_ Entry **queue = calloc(n + 1, sizeof(Entry *));
        unsigned head = 0, tail = 0;
        int r;

        if (!queue)
                return -ENOMEM;
        queue[tail++] = m->platform;
        for (unsigned i = 0; i < n; i++) {
                Entry *parent = queue[head], *e;
                char loc[16];

                if ((i + 1) % 4 == 0)
                        head++;
                r = registry_create_entry(m->registry, "IOService", &e);
                if (r < 0)
                        return r;
                snprintf(loc, sizeof(loc), "%x", 0x14000000u + i);
                r = entry_set_name(e, NULL, "FT232R USB UART");
                if (r >= 0)
                        r = entry_set_location(e, NULL, loc);
                if (r >= 0)
                        r = entry_attach(e, parent, m->registry->service_plane);
                if (r >= 0)
                        r = add_properties(e, i);
                if (r < 0)
                        return r;
                e->state |= ENTRY_STATE_REGISTERED | ENTRY_STATE_MATCHED;
                queue[tail++] = e;
        }
        return 0;
}

/* The child: the daemon's Manager on the bus, until SIGTERM. */
static _Noreturn void serve(const char *address) {
        ManagerConfig config = { .sysfs_root = SOURCE_DIR "/tests/data/sysfs-empty", .no_udev = true };
        Manager *m = NULL;

        (void) prctl(PR_SET_PDEATHSIG, SIGTERM);
        log_set_max_level(LOG_WARNING);
        if (manager_new(&config, &m) < 0 || manager_build_registry(m) < 0 || build_tree(m, N_ENTRIES) < 0 ||
            manager_connect_bus(m, address) < 0 || manager_run(m) < 0)
                _exit(EXIT_FAILURE);
        manager_free(m);
        _exit(EXIT_SUCCESS);
}

/* --- the size of a message body, by the D-Bus marshalling rules --- */

static size_t align_to(size_t off, size_t a) {
        return (off + a - 1) & ~(a - 1);
}

static size_t alignment_of(char type) {
        switch (type) {
        case 'y': case 'g': case 'v':
                return 1;
        case 'n': case 'q':
                return 2;
        case 'x': case 't': case 'd': case '(': case '{': case 'r': case 'e':
                return 8;
        default:
                return 4;
        }
}

static int measure(sd_bus_message *m, size_t *off);

/* One complete item at the read position, of the type peeked. */
static int measure_item(sd_bus_message *m, char type, const char *contents, size_t *off) {
        const char *s;
        int r;

        switch (type) {
        case 'y': case 'b': case 'n': case 'q': case 'i': case 'u': case 'x': case 't': case 'd': case 'h': {
                uint64_t scratch;
                static const struct { char t; size_t n; } sizes[] = {
                        { 'y', 1 }, { 'b', 4 }, { 'n', 2 }, { 'q', 2 }, { 'i', 4 }, { 'u', 4 },
                        { 'x', 8 }, { 't', 8 }, { 'd', 8 }, { 'h', 4 },
                };
                size_t n = 0;

                for (size_t i = 0; i < ELEMENTSOF(sizes); i++)
                        if (sizes[i].t == type)
                                n = sizes[i].n;
                r = sd_bus_message_read_basic(m, type, &scratch);
                if (r < 0)
                        return r;
                *off = align_to(*off, n) + n;
                return 0;
        }
        case 's': case 'o':
                r = sd_bus_message_read_basic(m, type, &s);
                if (r < 0)
                        return r;
                *off = align_to(*off, 4) + 4 + strlen(s) + 1;
                return 0;
        case 'g':
                r = sd_bus_message_read_basic(m, type, &s);
                if (r < 0)
                        return r;
                *off += 1 + strlen(s) + 1;
                return 0;
        case 'a':
                *off = align_to(*off, 4) + 4;
                *off = align_to(*off, alignment_of(contents[0]));
                if (streq(contents, "y")) {
                        const void *p;
                        size_t n;

                        r = sd_bus_message_read_array(m, 'y', &p, &n);
                        if (r < 0)
                                return r;
                        *off += n;
                        return 0;
                }
                break;
        case 'v':
                *off += 1 + strlen(contents) + 1; /* the signature */
                break;
        case 'r': case 'e':
                *off = align_to(*off, 8);
                break;
        default:
                return -EINVAL;
        }
        r = sd_bus_message_enter_container(m, type, contents);
        if (r < 0)
                return r;
        r = measure(m, off);
        if (r < 0)
                return r;
        return sd_bus_message_exit_container(m);
}

/* Every item from the read position to the end of the current container. */
static int measure(sd_bus_message *m, size_t *off) {
        const char *contents;
        char type;
        int r;

        while ((r = sd_bus_message_peek_type(m, &type, &contents)) > 0) {
                r = measure_item(m, type, contents, off);
                if (r < 0)
                        return r;
        }
        return r;
}

static size_t body_size(sd_bus_message *m) {
        size_t off = 0;

        if (sd_bus_message_rewind(m, true) < 0 || measure(m, &off) < 0)
                return 0;
        return off;
}

/* --- the client --- */

static int call_timed(sd_bus *bus, const char *path, const char *interface, const char *member, uint64_t *ret_nsec,
                      sd_bus_message **ret_reply, const char *types, ...) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        uint64_t t0;
        va_list ap;
        int r;

        r = sd_bus_message_new_method_call(bus, &m, IOREG_BUS_NAME, path, interface, member);
        if (r < 0)
                return r;
        if (types) {
                va_start(ap, types);
                r = sd_bus_message_appendv(m, types, ap);
                va_end(ap);
                if (r < 0)
                        return r;
        }
        t0 = bench_now_nsec();
        r = sd_bus_call(bus, m, 60 * 1000000ULL, &error, ret_reply);
        *ret_nsec = bench_now_nsec() - t0;
        if (r < 0)
                fprintf(stderr, "%s: %s\n", member, error.message ?: strerror(-r));
        return r;
}

static unsigned count_array(sd_bus_message *m, const char *element) {
        unsigned n = 0;

        if (sd_bus_message_rewind(m, true) < 0 || sd_bus_message_enter_container(m, 'a', element) <= 0)
                return 0;
        while (sd_bus_message_skip(m, element) > 0)
                n++;
        return n;
}

static int run(void) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *plane = NULL, *managed = NULL;
        uint64_t rtt = UINT64_MAX, plane_ns = UINT64_MAX, managed_ns = UINT64_MAX, blob_ns = UINT64_MAX,
                 decode_ns = UINT64_MAX, t;
        TestBus f;
        unsigned n_plane, n_managed, n_blob = 0;
        size_t blob_bytes = 0;
        size_t plane_bytes, managed_bytes;
        pid_t server;
        int r;

        r = test_bus_start(&f);
        if (r < 0) {
                fprintf(stderr, "Cannot start dbus-daemon: %s\n", strerror(-r));
                return r;
        }
        fprintf(stderr, "bench-bus: serving %u entries...\n", N_ENTRIES);
        server = fork();
        if (server < 0)
                return -errno;
        if (server == 0)
                serve(f.address);
        r = test_bus_connect(&f, &bus);
        /* Up once it answers (building 10,000 entries takes a moment). */
        for (unsigned i = 0; r >= 0 && i < 400; i++) {
                _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;

                r = sd_bus_call_method(bus, IOREG_BUS_NAME, IOREG_OBJECT_PATH, IOREG_INTERFACE, "WaitQuiet", &error,
                                       NULL, "t", UINT64_C(0));
                if (r >= 0)
                        break;
                r = i < 399 ? 0 : r;
                usleep(50000);
        }
        if (r < 0)
                goto out;

        for (unsigned run_i = 0; run_i < arg_runs; run_i++) {
                uint64_t t0 = bench_now_nsec();

                for (unsigned i = 0; i < arg_round_trips; i++) {
                        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
                        _cleanup_free_ char *v = NULL;

                        r = sd_bus_get_property_string(bus, IOREG_BUS_NAME, IOREG_OBJECT_PATH, IOREG_INTERFACE,
                                                       "Version", &error, &v);
                        if (r < 0)
                                goto out;
                }
                t = (bench_now_nsec() - t0) / arg_round_trips;
                if (t < rtt)
                        rtt = t;
        }
        for (unsigned run_i = 0; run_i < arg_runs; run_i++) {
                _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;

                r = call_timed(bus, IOREG_OBJECT_PATH, IOREG_INTERFACE, "GetPlane", &t, &reply, "s", "IOService");
                if (r < 0)
                        goto out;
                if (t < plane_ns)
                        plane_ns = t;
                sd_bus_message_unref(plane);
                plane = TAKE_PTR(reply);
        }
        for (unsigned run_i = 0; run_i < arg_runs; run_i++) {
                _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
                json_auto_t *records = json_array();
                uint64_t generation, t0;
                const void *p;

                /* One page as large as a message may be: the whole plane, as GetPlane. */
                r = call_timed(bus, IOREG_OBJECT_PATH, IOREG_INTERFACE, "GetPlaneBlob", &t, &reply, "stu", "IOService",
                               UINT64_C(0), UINT32_MAX);
                if (r >= 0)
                        r = sd_bus_message_read(reply, "t", &generation);
                if (r >= 0)
                        r = sd_bus_message_read_array(reply, 'y', &p, &blob_bytes);
                if (r < 0)
                        goto out;
                if (t < blob_ns)
                        blob_ns = t;
                t0 = bench_now_nsec();
                r = records ? wire_blob_read_records(p, blob_bytes, records) : -ENOMEM;
                t = bench_now_nsec() - t0;
                if (r < 0)
                        goto out;
                if (t < decode_ns)
                        decode_ns = t;
                n_blob = json_array_size(records);
        }
        for (unsigned run_i = 0; run_i < arg_runs; run_i++) {
                _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;

                r = call_timed(bus, IOREG_OBJECT_PATH, "org.freedesktop.DBus.ObjectManager", "GetManagedObjects", &t,
                               &reply, NULL);
                if (r < 0)
                        goto out;
                if (t < managed_ns)
                        managed_ns = t;
                sd_bus_message_unref(managed);
                managed = TAKE_PTR(reply);
        }
        n_plane = count_array(plane, "(tussasuutua{sv})");
        n_managed = count_array(managed, "{oa{sa{sv}}}");
        plane_bytes = body_size(plane);
        managed_bytes = body_size(managed);

        printf("| metric | value | unit | target | verdict |\n| --- | ---: | --- | --- | --- |\n");
        bench_row("D-Bus peer: round trip (Properties.Get Registry1.Version, through dbus-daemon)",
                  bench_fmt("%.1f", rtt / 1000.0), "µs/call", "-",
                  bench_fmt("mean of %u calls, best of %u", arg_round_trips, arg_runs));
        bench_row(bench_fmt("GetPlane IOService, bulk dump of %u entries (ioreg -l)", N_ENTRIES),
                  bench_fmt("%.1f", plane_ns / 1e6), "ms", "-",
                  bench_fmt("%u records, %.2f MiB body (%zu bytes, %zu per entry); %.0f× a round trip; best of %u",
                            n_plane, plane_bytes / 1048576.0, plane_bytes, plane_bytes / (n_plane ?: 1),
                            (double) plane_ns / (double) rtt, arg_runs));
        bench_row(bench_fmt("GetPlaneBlob IOService, the same %u entries as one byte array (ioreg -l)", N_ENTRIES),
                  bench_fmt("%.1f", blob_ns / 1e6), "ms", "-",
                  bench_fmt("%u records, %.2f MiB (%zu bytes, %zu per entry); %.2f× GetPlane; read into JSON "
                            "records in %.1f ms; best of %u",
                            n_blob, blob_bytes / 1048576.0, blob_bytes, blob_bytes / (n_blob ?: 1),
                            (double) blob_ns / (double) plane_ns, decode_ns / 1e6, arg_runs));
        bench_row(bench_fmt("GetManagedObjects, the same %u entries as objects", N_ENTRIES),
                  bench_fmt("%.1f", managed_ns / 1e6), "ms", "-",
                  bench_fmt("%u objects, %.2f MiB body (%zu bytes); %.1f× GetPlane; best of %u", n_managed,
                            managed_bytes / 1048576.0, managed_bytes, (double) managed_ns / (double) plane_ns,
                            arg_runs));
        r = 0;
out:
        (void) kill(server, SIGTERM);
        (void) waitpid(server, NULL, 0);
        (void) test_bus_stop(&f);
        if (r < 0)
                fprintf(stderr, "bench-bus: %s\n", strerror(-r));
        return r;
}

static void help(void) {
        printf("bench-bus [--quick] [--runs N]\n"
               "  GetPlane over %u entries and a bare D-Bus round trip, through a private dbus-daemon.\n"
               "  --quick   %u runs of %u round trips instead of %u of %u\n"
               "  --runs N  best of N (default %u)\n"
               "  (--entries, --calls, --devices, --events, --subscribers, --samples, --usb-ids, --pci-ids\n"
               "  and --plists belong to the other benchmarks and are ignored)\n",
               N_ENTRIES, QUICK_RUNS, QUICK_ROUND_TRIPS, DEFAULT_RUNS, ROUND_TRIPS, DEFAULT_RUNS);
}

static int parse_argv(int argc, char *argv[]) {
        enum { ARG_QUICK = 0x100, ARG_RUNS, ARG_IGNORED };
        static const struct option options[] = {
                { "quick", no_argument, NULL, ARG_QUICK },
                { "runs", required_argument, NULL, ARG_RUNS },
                BENCH_FOREIGN_OPTIONS(ARG_IGNORED),
                { "help", no_argument, NULL, 'h' },
                {},
        };
        bool runs_set = false;
        int c;

        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0)
                switch (c) {
                case ARG_QUICK:
                        if (!runs_set)
                                arg_runs = QUICK_RUNS;
                        arg_round_trips = QUICK_ROUND_TRIPS;
                        break;
                case ARG_RUNS:
                        if (bench_option_unsigned("runs", optarg, 1, BENCH_NO_MAX, &arg_runs) < 0)
                                return -EINVAL;
                        runs_set = true;
                        break;
                case ARG_IGNORED:
                        break;
                case 'h':
                        help();
                        return 0;
                default:
                        return -EINVAL;
                }
        if (bench_no_arguments(argc, argv) < 0)
                return -EINVAL;
        return 1;
}

int main(int argc, char *argv[]) {
        int r;

        r = parse_argv(argc, argv);
        if (r <= 0)
                return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
        return run() < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
