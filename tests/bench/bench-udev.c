/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bench-udev.c: the udev source benchmark (issue 3, "Benchmark rows"), on a
 * generated umockdev testbed of 10,000 devices: PCI functions with xHCI
 * controllers, trees of USB hubs down to USB devices with their interfaces
 * and the class devices below them (tty, net, SCSI disks with partitions,
 * HID with hidraw and input nodes, video), an NVMe disk, platform, virtual
 * and misc devices, each with the attributes, uevent properties and driver
 * links a real machine has.
 *
 * - Coldplug: the time udev_source_new() takes (the coldplug pass is
 *   synchronous in it: when it returns the registry is quiet), against a
 *   plain libudev enumeration that reads what the families read for each
 *   device, in the same run on the same testbed. Best of 3 each, the two
 *   interleaved. Target: ≤ 1.0× the peer (issue 21; 1.25× before).
 * - Storm: add and remove events on a set of leaf devices (each removed from
 *   or added back to the testbed, so that sysfs matches), through the real
 *   path: the UdevSource monitor and the DeviceTree, driven by sd_event_run()
 *   until every event is consumed. Then the registry must equal sysfs: the
 *   device tree's syspaths equal a fresh libudev enumeration, and a fresh
 *   coldplug into a second registry gives the same entries.
 *
 * Runs in-process under libumockdev-preload.so (meson sets LD_PRELOAD and
 * IOREG_UDEV_MODE=kernel). The result is one markdown table on stdout,
 * `| metric | value | unit | target | verdict |`; progress goes to stderr.
 * The testbed generator uses GLib, as umockdev does: it aborts when out of
 * memory instead of returning -ENOMEM.
 *
 *     bench-udev [--devices N] [--events N] [--quick] [--runs N]
 */

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <libudev.h>
#include <umockdev.h>

#include "bench-udev-peer.h"
#include "bench-udevbed.h"
#include "bench-util.h"
#include "device-tree.h"
#include "platform-expert.h"
#include "registry-path.h"
#include "log.h"
#include "udev-source.h"

#define DEFAULT_DEVICES 10000u
#define QUICK_DEVICES 1000u
#define DEFAULT_EVENTS 50000u
#define QUICK_EVENTS 5000u
#define DEFAULT_RUNS 3u
#define MAX_DEVICES 200000u    /* about 700 devices per USB bus: bus numbers stay below 300 */
#define MAX_STORM_LEAVES 1200u /* not a divisor of the event count: some leaves end up removed */

#define TARGET_COLDPLUG_RATIO 1.0

static unsigned arg_devices = DEFAULT_DEVICES;
static unsigned arg_events = DEFAULT_EVENTS;
static unsigned arg_runs = DEFAULT_RUNS;

/* What ioregd runs: a registry with its platform expert, the device tree and the udev source. */
typedef struct Instance {
        sd_event *event;      /* owned */
        Registry *registry;   /* owned */
        Entry *platform;      /* borrowed */
        DeviceTree tree;
        bool tree_ready;
        UdevSource *source;   /* owned */
} Instance;

static void instance_done(Instance *in) {
        in->source = udev_source_free(in->source);
        if (in->tree_ready)
                device_tree_done(&in->tree);
        in->registry = registry_free(in->registry);
        in->event = sd_event_unref(in->event);
        *in = (Instance) {};
}

/* Sets up everything but the source, then times udev_source_new(): monitor, coldplug, quiet. */
static int instance_start(Instance *in, uint64_t *ret_nsec, uint64_t *ret_cpu_nsec) {
        PlatformInfo info = {};
        uint64_t start, cpu_start;
        int r;

        r = sd_event_new(&in->event);
        if (r >= 0)
                r = registry_new(&in->registry);
        if (r >= 0)
                r = registry_publish_platform(in->registry, &info, &in->platform, NULL);
        if (r >= 0)
                r = device_tree_init(&in->tree, in->registry, in->platform);
        if (r < 0)
                return r;
        in->tree_ready = true;

        start = bench_now_nsec();
        cpu_start = bench_cpu_nsec();
        r = udev_source_new(in->event, &in->tree, &in->source);
        if (ret_cpu_nsec)
                *ret_cpu_nsec = bench_cpu_nsec() - cpu_start;
        if (ret_nsec)
                *ret_nsec = bench_now_nsec() - start;
        return r;
}

/*
 * How many datagrams the emulated uevent socket holds. umockdev replaces
 * the netlink socket with an AF_UNIX datagram socket, whose queue is
 * net.unix.max_dgram_qlen (+1) deep, and its sender exits the process when
 * a send would block: each burst must fit.
 */
static unsigned socket_queue_length(void) {
        _cleanup_fclose_ FILE *f = fopen("/proc/sys/net/unix/max_dgram_qlen", "re");
        unsigned n = 0;

        if (!f || fscanf(f, "%u", &n) != 1 || n == 0)
                return 1;
        return n;
}

typedef struct StormResult {
        unsigned events;         /* sent */
        unsigned consumed;       /* events the source applied or dropped */
        unsigned burst;          /* events per burst */
        unsigned leaves;
        uint64_t daemon_nsec;    /* inside sd_event_run() */
        uint64_t total_nsec;     /* with umockdev generating the events */
        uint64_t resyncs, bad_events;
        /* Bursts of adds only and of removes only: their events and time in sd_event_run(). */
        unsigned adds, removes;
        uint64_t add_nsec, remove_nsec;
} StormResult;

/* Dispatches until nothing is pending. */
static int drain(Instance *in) {
        for (;;) {
                int r = sd_event_run(in->event, 0);

                if (r <= 0)
                        return r;
        }
}

/*
 * Toggles the leaves in turn (present: remove uevent, then out of the
 * testbed; absent: back into the testbed, whose add sends the uevent), in
 * bursts that fit the socket, each burst followed by sd_event_run() until
 * the source has taken everything.
 */
static int storm(Instance *in, Bed *b, unsigned n_events, StormResult *ret) {
        const UdevSourceStats *st = udev_source_stats(in->source);
        uint64_t base = st->events + st->bad_events, resyncs = st->resyncs, bad = st->bad_events;
        uint64_t start = bench_now_nsec(), daemon_nsec = 0, add_nsec = 0, remove_nsec = 0;
        unsigned burst = socket_queue_length(), sent = 0, cursor = 0, adds = 0, removes = 0;
        int r;

        if (b->n_leaves == 0)
                return -ENOENT;
        while (sent < n_events) {
                unsigned n_add = 0, n_remove = 0;
                uint64_t t;

                for (unsigned k = 0; k < burst && sent < n_events; k++, sent++) {
                        Leaf *l = &b->leaves[cursor];

                        cursor = (cursor + 1) % b->n_leaves;
                        if (l->present) {
                                bed_remove(b, l);
                                n_remove++;
                        } else {
                                g_free(bed_add_spec(b, l->spec));
                                n_add++;
                        }
                        l->present = !l->present;
                }
                t = bench_now_nsec();
                r = drain(in);
                t = bench_now_nsec() - t;
                if (r < 0)
                        return r;
                daemon_nsec += t;
                if (n_remove == 0) {
                        adds += n_add;
                        add_nsec += t;
                } else if (n_add == 0) {
                        removes += n_remove;
                        remove_nsec += t;
                }
        }
        *ret = (StormResult) {
                .events = sent,
                .consumed = (unsigned) (st->events + st->bad_events - base),
                .burst = burst,
                .leaves = b->n_leaves,
                .daemon_nsec = daemon_nsec,
                .total_nsec = bench_now_nsec() - start,
                .resyncs = st->resyncs - resyncs,
                .bad_events = st->bad_events - bad,
                .adds = adds,
                .removes = removes,
                .add_nsec = add_nsec,
                .remove_nsec = remove_nsec,
        };
        return 0;
}

/* --- registry == sysfs --- */

static int strcmp_ptr(const void *a, const void *b) {
        return strcmp(*(char *const *) a, *(char *const *) b);
}

typedef struct Check {
        unsigned tree_devices, sysfs_devices, fresh_devices;
        unsigned missing, extra;     /* syspaths sysfs has and the tree lacks, and the reverse */
        unsigned differ;             /* devices whose entries differ from the fresh coldplug's */
        unsigned entries, fresh_entries;
        char first[512];             /* the first difference */
} Check;

_printf_(2, 3) static void check_note(Check *c, const char *format, ...) {
        va_list ap;

        if (c->first[0])
                return;
        va_start(ap, format);
        vsnprintf(c->first, sizeof(c->first), format, ap);
        va_end(ap);
}

/* The sorted syspaths a fresh enumeration lists. */
static int sysfs_syspaths(char ***ret, unsigned *ret_n) {
        struct udev *udev = udev_new();
        struct udev_enumerate *en = udev ? udev_enumerate_new(udev) : NULL;
        struct udev_list_entry *item;
        char **paths = NULL;
        unsigned n = 0, cap = 0;
        int r = -ENOMEM;

        if (!en)
                goto out;
        r = udev_enumerate_scan_devices(en);
        if (r < 0)
                goto out;
        udev_list_entry_foreach(item, udev_enumerate_get_list_entry(en)) {
                r = GROW(paths, cap, n + 1);
                if (r < 0)
                        goto out;
                paths[n] = strdup(udev_list_entry_get_name(item));
                if (!paths[n]) {
                        r = -ENOMEM;
                        goto out;
                }
                n++;
        }
        qsort(paths, n, sizeof(char *), strcmp_ptr);
        *ret = TAKE_PTR(paths);
        *ret_n = n;
        r = 0;
out:
        for (unsigned i = 0; paths && i < n; i++)
                free(paths[i]);
        free(paths);
        udev_enumerate_unref(en);
        udev_unref(udev);
        return r;
}

/* Compares one device's nub in the two registries: class, name, location, properties, IOService path. */
static void compare_entry(Check *c, const char *syspath, Instance *a, Entry *x, Instance *b, Entry *y) {
        _cleanup_free_ char *path_x = NULL, *path_y = NULL;

        if (!x) {
                c->differ++;
                check_note(c, "%s: not in the registry after the storm", syspath);
                return;
        }
        (void) registry_entry_get_path(a->registry, x, a->registry->service_plane, &path_x);
        (void) registry_entry_get_path(b->registry, y, b->registry->service_plane, &path_y);
        if (!streq(x->klass->name, y->klass->name) ||
            !streq(entry_get_name(x, NULL), entry_get_name(y, NULL))) {
                c->differ++;
                check_note(c, "%s: %s \"%s\" after the storm, %s \"%s\" after a coldplug", syspath,
                           x->klass->name, entry_get_name(x, NULL), y->klass->name, entry_get_name(y, NULL));
        } else if (!streq_ptr(entry_get_location(x, NULL), entry_get_location(y, NULL))) {
                c->differ++;
                check_note(c, "%s: location %s after the storm, %s after a coldplug", syspath,
                           entry_get_location(x, NULL) ?: "none", entry_get_location(y, NULL) ?: "none");
        } else if (!value_equal(x->properties, y->properties)) {
                c->differ++;
                check_note(c, "%s: properties differ from a coldplug's", syspath);
        } else if (!streq_ptr(path_x, path_y)) {
                c->differ++;
                check_note(c, "%s: IOService path %s after the storm, %s after a coldplug", syspath,
                           path_x ?: "?", path_y ?: "?");
        }
}

static int check_registry(Instance *in, Check *c) {
        _cleanup_(instance_done) Instance fresh = {};
        char **tree = NULL, **sysfs = NULL;
        unsigned n_tree = 0, n_sysfs = 0, i, j;
        const void *key;
        void *value;
        int r;

        *c = (Check) {};
        /* 1. The tree's syspaths against a fresh enumeration. */
        tree = calloc(device_tree_size(&in->tree) + 1, sizeof(char *));
        if (!tree)
                return -ENOMEM;
        for (unsigned k = 0; hashmap_next(&in->tree.by_syspath, &k, &key, &value);)
                tree[n_tree++] = (char *) key;
        qsort(tree, n_tree, sizeof(char *), strcmp_ptr);
        r = sysfs_syspaths(&sysfs, &n_sysfs);
        if (r < 0) {
                free(tree);
                return r;
        }
        for (i = 0, j = 0; i < n_tree || j < n_sysfs;) {
                int d = i == n_tree ? 1 : j == n_sysfs ? -1 : strcmp(tree[i], sysfs[j]);

                if (d < 0) {
                        c->extra++;
                        check_note(c, "%s: in the registry, gone from sysfs", tree[i]);
                        i++;
                } else if (d > 0) {
                        c->missing++;
                        check_note(c, "%s: in sysfs, missing from the registry", sysfs[j]);
                        j++;
                } else
                        i++, j++;
        }
        c->tree_devices = n_tree;
        c->sysfs_devices = n_sysfs;
        free(tree);
        for (unsigned k = 0; k < n_sysfs; k++)
                free(sysfs[k]);
        free(sysfs);

        /* 2. A second registry, coldplugged now, entry by entry. */
        r = instance_start(&fresh, NULL, NULL);
        if (r < 0)
                return r;
        c->fresh_devices = device_tree_size(&fresh.tree);
        for (unsigned k = 0; hashmap_next(&fresh.tree.by_syspath, &k, &key, &value);)
                compare_entry(c, key, in, device_tree_find(&in->tree, key), &fresh,
                              device_tree_find(&fresh.tree, key));
        c->entries = registry_n_entries(in->registry);
        c->fresh_entries = registry_n_entries(fresh.registry);
        if (c->entries != c->fresh_entries)
                check_note(c, "%u registry entries after the storm, %u after a coldplug", c->entries,
                           c->fresh_entries);
        return 0;
}

static bool check_passed(const Check *c) {
        return c->missing == 0 && c->extra == 0 && c->differ == 0 && c->tree_devices == c->sysfs_devices &&
               c->fresh_devices == c->tree_devices && c->entries == c->fresh_entries;
}

static void help(void) {
        printf("Usage: bench-udev [OPTIONS]\n"
               "Coldplug and an event storm on a generated umockdev testbed; prints a markdown table.\n"
               "Run it with LD_PRELOAD=libumockdev-preload.so.0 (meson and ./bench do).\n\n"
               "  --devices N   devices in the testbed (default %u)\n"
               "  --events N    add and remove events in the storm (default %u)\n"
               "  --quick       %u devices, %u events\n"
               "  --runs N      coldplug runs, the best is kept (default %u)\n"
               "  -h --help     this text\n"
               "The other benchmarks' options are accepted and ignored (./bench passes its\n"
               "arguments to every benchmark).\n",
               DEFAULT_DEVICES, DEFAULT_EVENTS, QUICK_DEVICES, QUICK_EVENTS, DEFAULT_RUNS);
}

static int parse_argv(int argc, char *argv[]) {
        enum { ARG_DEVICES = 0x100, ARG_EVENTS, ARG_QUICK, ARG_RUNS, ARG_IGNORED };
        static const struct option options[] = {
                { "devices", required_argument, NULL, ARG_DEVICES },
                { "events", required_argument, NULL, ARG_EVENTS },
                { "quick", no_argument, NULL, ARG_QUICK },
                { "runs", required_argument, NULL, ARG_RUNS },
                BENCH_FOREIGN_OPTIONS(ARG_IGNORED),
                { "help", no_argument, NULL, 'h' },
                {},
        };
        bool devices_set = false, events_set = false;
        int c;

        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0)
                switch (c) {
                case ARG_DEVICES:
                        if (bench_option_unsigned("devices", optarg, 100, MAX_DEVICES, &arg_devices) < 0)
                                return -EINVAL;
                        devices_set = true;
                        break;
                case ARG_EVENTS:
                        if (bench_option_unsigned("events", optarg, 1, BENCH_NO_MAX, &arg_events) < 0)
                                return -EINVAL;
                        events_set = true;
                        break;
                case ARG_QUICK:
                        if (!devices_set)
                                arg_devices = QUICK_DEVICES;
                        if (!events_set)
                                arg_events = QUICK_EVENTS;
                        break;
                case ARG_RUNS:
                        if (bench_option_unsigned("runs", optarg, 1, BENCH_NO_MAX, &arg_runs) < 0)
                                return -EINVAL;
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

static int run(void) {
        _cleanup_(bed_done) Bed bed = {};
        _cleanup_(instance_done) Instance in = {};
        uint64_t build_nsec, ours = UINT64_MAX, peer = UINT64_MAX, ours_cpu = UINT64_MAX, peer_cpu = UINT64_MAX, start;
        unsigned ours_devices = 0, peer_devices = 0;
        double ours_per, peer_per, ratio;
        StormResult st = {};
        Check check = {};
        int r;

        if (!strstr(getenv("LD_PRELOAD") ?: "", "libumockdev-preload")) {
                fprintf(stderr, "bench-udev: run with LD_PRELOAD=libumockdev-preload.so.0 "
                                "(meson and ./bench set it)\n");
                return -ENOEXEC;
        }
        /* The kernel's event stream, its sequence numbers and no udev database, on every machine. */
        (void) setenv("IOREG_UDEV_MODE", "kernel", 1);
        /* The source logs each coldplug at info level; keep warnings and resync notices. */
        log_set_max_level(LOG_NOTICE);

        fprintf(stderr, "bench-udev: generating a testbed of %u devices...\n", arg_devices);
        start = bench_now_nsec();
        bed_build(&bed, arg_devices);
        build_nsec = bench_now_nsec() - start;
        bed_thin_leaves(&bed, MAX_STORM_LEAVES);

        /* Coldplug, best of runs, interleaved with the peer; the last instance stays for the storm. */
        fprintf(stderr, "bench-udev: coldplug against the libudev peer (best of %u runs)...\n", arg_runs);
        for (unsigned run_no = 0; run_no < arg_runs; run_no++) {
                uint64_t nsec, cpu;
                unsigned n;

                instance_done(&in);
                r = instance_start(&in, &nsec, &cpu);
                if (r < 0) {
                        fprintf(stderr, "Coldplug failed: %s\n", strerror(-r));
                        return r;
                }
                ours = nsec < ours ? nsec : ours;
                ours_cpu = cpu < ours_cpu ? cpu : ours_cpu;
                ours_devices = device_tree_size(&in.tree);
                r = time_peer(&nsec, &cpu, &n);
                if (r < 0) {
                        fprintf(stderr, "The libudev peer failed: %s\n", strerror(-r));
                        return r;
                }
                peer = nsec < peer ? nsec : peer;
                peer_cpu = cpu < peer_cpu ? cpu : peer_cpu;
                peer_devices = n;
        }
        ours_per = (double) ours / ours_devices;
        peer_per = (double) peer / peer_devices;
        ratio = (double) ours / peer;

        fprintf(stderr, "bench-udev: storm of %u events on %u leaf devices...\n", arg_events, bed.n_leaves);
        r = storm(&in, &bed, arg_events, &st);
        if (r < 0) {
                fprintf(stderr, "The storm failed: %s\n", strerror(-r));
                return r;
        }
        fprintf(stderr, "bench-udev: comparing the registry with sysfs and a fresh coldplug...\n");
        r = check_registry(&in, &check);
        if (r < 0) {
                fprintf(stderr, "The check failed: %s\n", strerror(-r));
                return r;
        }

        bench_row("metric", "value", "unit", "target", "verdict");
        bench_row("---", "---:", "---", "---", "---");
        bench_row("udev testbed: synthetic devices (umockdev, generated)", bench_fmt("%u", bed.n_devices), "devices",
            "-",
            bench_fmt("%u USB buses, %u hubs, %u USB devices, %u disks, %u ttyUSB, %u net, %u HID; "
                "built in %.1f s",
                bed.n_buses, bed.n_hubs, bed.n_usb, bed.n_disks, bed.n_ttys, bed.n_nets, bed.n_hids,
                (double) build_nsec / 1e9));
        bench_row(bench_fmt("coldplug: udev_source_new() until quiet (%u devices, best of %u)", ours_devices, arg_runs),
            bench_fmt("%.1f", (double) ours / 1e6), "ms", "-", bench_fmt("%.1f µs/device", ours_per / 1e3));
        bench_row(bench_fmt("coldplug peer: libudev enumerate + the families' attributes (%u devices, best of %u)",
                peer_devices, arg_runs),
            bench_fmt("%.1f", (double) peer / 1e6), "ms", "-", bench_fmt("%.1f µs/device", peer_per / 1e3));
        bench_row("coldplug: ioregd ÷ libudev peer", bench_fmt("%.2f", ratio), "×", "≤ 1.0×",
            ours_devices != peer_devices
                    ? bench_fmt("FAIL (%u devices, the peer saw %u)", ours_devices, peer_devices)
                    : bench_fmt("%s (wall clock, best of %u; CPU time %.2f×)",
                                ratio <= TARGET_COLDPLUG_RATIO ? "PASS" : "FAIL", arg_runs,
                                (double) ours_cpu / peer_cpu));
        bench_row(bench_fmt("storm: add/remove events processed (UdevSource + DeviceTree, %u leaves)", st.leaves),
            bench_fmt("%.0f", st.events / ((double) st.daemon_nsec / 1e9)), "events/s", "-",
            bench_fmt("%u events (%u consumed), %.1f µs/event in sd_event_run(): add %.1f µs, remove %.1f µs",
                st.events, st.consumed, (double) st.daemon_nsec / 1e3 / st.events,
                st.adds ? (double) st.add_nsec / 1e3 / st.adds : 0.0,
                st.removes ? (double) st.remove_nsec / 1e3 / st.removes : 0.0));
        bench_row("storm: end to end, with umockdev generating the events",
            bench_fmt("%.0f", st.events / ((double) st.total_nsec / 1e9)), "events/s", "-",
            bench_fmt("%.1f s; umockdev sends in bursts of %u (its socket queue, net.unix.max_dgram_qlen)",
                (double) st.total_nsec / 1e9, st.burst));
        bench_row("storm: resyncs (ENOBUFS or kernel seqnum gap)", bench_fmt("%" PRIu64, st.resyncs), "resyncs", "-",
            bench_fmt("%" PRIu64 " bad events", st.bad_events));
        bench_row("storm: registry equals sysfs afterwards", bench_fmt("%u", check.tree_devices), "devices",
            "= enumeration, = fresh coldplug",
            check_passed(&check)
                    ? bench_fmt("PASS (%u in sysfs, %u in a fresh coldplug, %u entries each)", check.sysfs_devices,
                          check.fresh_devices, check.entries)
                    : bench_fmt("FAIL (%u missing, %u extra, %u differ; %s)", check.missing, check.extra,
                          check.differ, check.first[0] ? check.first : "counts differ"));
        fflush(stdout);
        return 0;
}

int main(int argc, char *argv[]) {
        int r;

        r = parse_argv(argc, argv);
        if (r <= 0)
                return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
        return run() < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
