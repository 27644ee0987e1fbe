/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bench-match.c: the matching benchmark (issue "matching"). A catalogue of
 * one personality per vendor/product pair of hwdata's usb.ids and pci.ids
 * (about 38,000) plus every real kext Info.plist of tests/data/plists,
 * against a catalogue of 100; a generated 10,000-device machine
 * (bench-testbed.h) applied through the real device tree and families;
 * every nub registered with the matcher (passive filter, probe and start of
 * codeless personalities, which is all of them here) and timed.
 *
 * Both catalogues do the same work on the machine, so that the ratio of the
 * per-nub costs is the cost of the catalogue's size: the machine's USB
 * devices and PCI functions carry either IDs of the 50 generated
 * personalities of the small catalogue or IDs that no ids file lists, and
 * the small catalogue also holds every plist personality that passes on
 * some nub (found by a calibration pass with matcher_explain()), then other
 * plist personalities up to 100. The row checks that both start the same
 * number of drivers. A second machine, whose every USB device and PCI
 * function is listed in the ids files, is matched against the large
 * catalogue for comparison.
 *
 * Each repetition builds a fresh registry (untimed) and times only the
 * matcher_register_service() calls; the catalogues are built once and
 * shared. Repetitions interleave the catalogues; the median is reported.
 * catalogue_find_drivers() and match_passive() are also timed alone, on
 * one machine, to show where a nub's time goes.
 *
 *     bench-match [--devices N] [--quick] [--runs N] [--usb-ids FILE] [--pci-ids FILE] [--plists DIR]
 */

#include <errno.h>
#include <getopt.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench-ids.h"
#include "bench-match-catalogue.h"
#include "bench-match-machine.h"
#include "bench-plists.h"
#include "bench-testbed.h"
#include "bench-util.h"
#include "catalogue.h"
#include "device-tree.h"
#include "family.h"
#include "match-passive.h"
#include "matcher.h"

#define DEFAULT_DEVICES 10000u
#define QUICK_DEVICES 2000u
#define MAX_DEVICES 200000u
#define DEFAULT_RUNS 5u
#define QUICK_RUNS 3u
#define SMALL_SIZE 100u
#define SMALL_USB 25u /* generated personalities in the small catalogue, Linux's root hub included */
#define SMALL_PCI 25u
#define HIT_PERCENT 50u
#define TARGET_RATIO 1.2 /* issue 21; 2× before */

static unsigned arg_devices = DEFAULT_DEVICES;
static unsigned arg_runs = DEFAULT_RUNS;
static const char *arg_usb_ids = NULL;
static const char *arg_pci_ids = NULL;
static const char *arg_plists = NULL;

static const char *const usb_ids_paths[] = {
        "/usr/share/misc/usb.ids", "/var/lib/usbutils/usb.ids", "/usr/share/hwdata/usb.ids", "/usr/share/usb.ids", NULL,
};
static const char *const pci_ids_paths[] = {
        "/usr/share/misc/pci.ids", "/usr/share/hwdata/pci.ids", "/usr/share/pci.ids", NULL,
};
/* The project's copies first, then the shared test data beside the clone. */
static const char *const plists_dirs[] = { BENCH_PLISTS_DIR, BENCH_SHARED_PLISTS_DIR, NULL };

static size_t heap_in_use(void) {
        struct mallinfo2 mi = mallinfo2();

        return mi.uordblks + mi.hblkhd;
}

static int u64_compare(const void *a, const void *b) {
        uint64_t x = *(const uint64_t *) a, y = *(const uint64_t *) b;

        return x < y ? -1 : x > y;
}

static uint64_t median(uint64_t *v, unsigned n) {
        qsort(v, n, sizeof(*v), u64_compare);
        return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

typedef struct Config {
        const char *label;
        Catalogue *catalogue; /* owned, NULL when skipped */
        const char *skip;     /* why it is skipped */
        uint64_t *match_nsec; /* owned: one per run */
        uint64_t *match_cpu;  /* owned: one per run, the thread's CPU time */
        uint64_t *find_nsec;  /* owned: one per run */
        uint64_t *passive_nsec; /* owned: one per run */
        uint64_t tried, passed;
        unsigned drivers;
        uint64_t candidates;
        uint64_t match_median, match_cpu_median, find_median, passive_median;
} Config;

static void configs_done(Config (*configs)[2]) {
        for (size_t i = 0; i < ELEMENTSOF(*configs); i++) {
                Config *c = &(*configs)[i];

                c->catalogue = catalogue_free(c->catalogue);
                free(c->match_nsec);
                free(c->match_cpu);
                free(c->find_nsec);
                free(c->passive_nsec);
        }
}

typedef struct Inputs {
        IdList usb, pci;             /* everything listed (or synthetic stand-ins) */
        IdList small_usb, small_pci; /* the pairs of the 100-personality catalogue */
        bool have_ids;               /* both ids files were read */
        PersonalityList generated;   /* one per listed pair, USB then PCI */
        PersonalityList small;       /* the generated part of the small catalogue: small_usb, small_pci */
        PersonalityList plists;
        PersonalityLoadStats plist_stats;
        const char *plists_dir;      /* NULL when no directory was found */
        uint64_t generate_nsec, plists_nsec;
        size_t generated_heap;
} Inputs;

static void inputs_done(Inputs *in) {
        id_list_done(&in->usb);
        id_list_done(&in->pci);
        id_list_done(&in->small_usb);
        id_list_done(&in->small_pci);
        personality_list_done(&in->generated);
        personality_list_done(&in->small);
        personality_list_done(&in->plists);
}

static int load_ids(IdList *l, const char *arg, const char *const *paths, const char *what) {
        const char *path = arg ?: ids_find_file(paths);
        int r;

        if (!path) {
                fprintf(stderr, "bench-match: no %s found (Debian package %s); its rows are skipped\n", what, what);
                return synthetic_ids(l, 400);
        }
        r = id_list_load(l, path);
        if (r < 0) {
                fprintf(stderr, "bench-match: cannot read %s: %s; its rows are skipped\n", path, strerror(-r));
                id_list_done(l);
                return r == -ENOMEM ? r : synthetic_ids(l, 400);
        }
        return 0;
}

static int load_inputs(Inputs *in) {
        size_t heap;
        uint64_t start;
        int r;

        r = load_ids(&in->usb, arg_usb_ids, usb_ids_paths, "usb.ids");
        if (r >= 0)
                r = load_ids(&in->pci, arg_pci_ids, pci_ids_paths, "pci.ids");
        if (r < 0)
                return r;
        in->have_ids = in->usb.path && in->pci.path;
        if (id_list_index(&in->usb) < 0 || id_list_index(&in->pci) < 0)
                return -ENOMEM;

        /* The small catalogue: Linux's root hub (every machine has one), then pairs spread over the files. */
        if (id_list_add(&in->small_usb, 0x1d6b, 0x0002) < 0 ||
            pick_evenly(&in->usb, SMALL_USB - 1, &in->small_usb) < 0 ||
            pick_evenly(&in->pci, SMALL_PCI, &in->small_pci) < 0)
                return -ENOMEM;

        heap = heap_in_use();
        start = bench_now_nsec();
        if (in->have_ids) {
                r = personalities_from_ids(BUS_USB, &in->usb, &in->generated);
                if (r >= 0)
                        r = personalities_from_ids(BUS_PCI, &in->pci, &in->generated);
                if (r < 0)
                        return r;
        }
        in->generate_nsec = bench_now_nsec() - start;
        in->generated_heap = heap_in_use() - heap;

        r = personalities_from_ids(BUS_USB, &in->small_usb, &in->small);
        if (r >= 0)
                r = personalities_from_ids(BUS_PCI, &in->small_pci, &in->small);
        if (r < 0)
                return r;

        in->plists_dir = arg_plists ?: ids_find_file(plists_dirs);
        if (!in->plists_dir) {
                fprintf(stderr, "bench-match: no plist directory (%s or %s); no plists in the catalogue\n",
                        BENCH_PLISTS_DIR, BENCH_SHARED_PLISTS_DIR);
                return 0;
        }
        start = bench_now_nsec();
        r = bench_plists_load_dir(in->plists_dir, &in->plists, &in->plist_stats);
        in->plists_nsec = bench_now_nsec() - start;
        if (r < 0)
                fprintf(stderr, "bench-match: cannot read %s: %s\n", in->plists_dir, strerror(-r));
        return r == -ENOMEM ? r : 0;
}

typedef struct Catalogues {
        Catalogue *calibration;    /* owned: the small catalogue's generated part + every plist */
        PersonalityList in_play;   /* the plists' personalities that pass on some nub */
        unsigned n_small_plists;   /* plist personalities in the small catalogue, in play or not */
} Catalogues;

static void catalogues_done(Catalogues *c) {
        c->calibration = catalogue_free(c->calibration);
        personality_list_done(&c->in_play);
}

/*
 * The small catalogue: the generated pairs the machine's hits come from, every plist personality
 * that passes on some nub (so that both catalogues start, merge and probe the same drivers), then
 * other plist personalities up to SMALL_SIZE.
 */
static int small_catalogue_build(const ClassTable *classes, const Testbed *bed, Inputs *in, Catalogues *cs,
                                 Catalogue **ret) {
        _cleanup_(catalogue_freep) Catalogue *c = NULL;
        int r;

        r = catalogue_build(classes, (const PersonalityList *[]) { &in->small, &in->plists }, 2, &cs->calibration,
                            NULL);
        if (r >= 0)
                r = plists_in_play(bed, cs->calibration, &cs->in_play);
        if (r >= 0)
                r = catalogue_build(classes, (const PersonalityList *[]) { &in->small, &cs->in_play }, 2, &c, NULL);
        for (unsigned i = 0; r >= 0 && i < in->plists.n && catalogue_size(c) < SMALL_SIZE; i++) {
                if (in_list(&cs->in_play, in->plists.items[i]))
                        continue;
                r = catalogue_add(c, in->plists.items[i]);
                if (r == -EINVAL)
                        r = 0; /* no IOProviderClass */
        }
        if (r < 0)
                return r;
        cs->n_small_plists = catalogue_size(c) - in->small.n;
        *ret = TAKE_PTR(c);
        return 0;
}

static int run(void) {
        _cleanup_(inputs_done) Inputs in = {};
        _cleanup_(class_table_freep) ClassTable *classes = NULL;
        _cleanup_(testbed_done) Testbed bed = TESTBED_INIT, listed_bed = TESTBED_INIT;
        _cleanup_(catalogues_done) Catalogues cs = {};
        _cleanup_(configs_done) Config configs[2] = {};
        Config *small = &configs[0], *full = &configs[1];
        _cleanup_free_ uint64_t *build_nsec = NULL, *listed_nsec = NULL;
        const PersonalityList *lists[2];
        unsigned n_full = 0, skipped = 0, listed_drivers = 0;
        size_t heap = 0;
        int r;

        r = load_inputs(&in);
        if (r < 0)
                return r;
        r = class_table_new(&classes);
        if (r >= 0)
                r = define_machine_classes(classes);
        if (r < 0)
                return r;

        /* The machines: hits from the small catalogue's generated pairs; one listed everywhere. */
        r = testbed_generate(&bed, arg_devices, &(TestbedIds) { &in.small_usb, &in.usb, HIT_PERCENT },
                             &(TestbedIds) { &in.small_pci, &in.pci, HIT_PERCENT });
        if (r >= 0 && in.have_ids)
                r = testbed_generate(&listed_bed, arg_devices, &(TestbedIds) { &in.usb, &in.usb, 100 },
                                     &(TestbedIds) { &in.pci, &in.pci, 100 });
        if (r < 0)
                return r;

        build_nsec = calloc(arg_runs, sizeof(uint64_t));
        listed_nsec = calloc(arg_runs, sizeof(uint64_t));
        if (!build_nsec || !listed_nsec)
                return -ENOMEM;
        for (size_t c = 0; c < ELEMENTSOF(configs); c++) {
                configs[c].match_nsec = calloc(arg_runs, sizeof(uint64_t));
                configs[c].match_cpu = calloc(arg_runs, sizeof(uint64_t));
                configs[c].find_nsec = calloc(arg_runs, sizeof(uint64_t));
                configs[c].passive_nsec = calloc(arg_runs, sizeof(uint64_t));
                if (!configs[c].match_nsec || !configs[c].match_cpu || !configs[c].find_nsec || !configs[c].passive_nsec)
                        return -ENOMEM;
        }

        /* The catalogues: the small one, and every personality (built arg_runs times, timed). */
        r = small_catalogue_build(classes, &bed, &in, &cs, &small->catalogue);
        if (r < 0)
                return r;
        lists[0] = &in.generated;
        lists[1] = &in.plists;
        if (in.have_ids) {
                for (unsigned i = 0; i < arg_runs; i++) {
                        _cleanup_(catalogue_freep) Catalogue *c = NULL;
                        size_t before = heap_in_use();
                        uint64_t start = bench_now_nsec();

                        r = catalogue_build(classes, lists, 2, &c, &skipped);
                        if (r < 0)
                                return r;
                        build_nsec[i] = bench_now_nsec() - start;
                        heap = heap_in_use() - before;
                        if (i + 1 == arg_runs)
                                full->catalogue = TAKE_PTR(c);
                }
                n_full = catalogue_size(full->catalogue);
        } else
                full->skip = "SKIP: usb.ids or pci.ids not found (Debian packages usb.ids, pci.ids)";

        /* Index lookups alone, on one machine. */
        {
                _cleanup_(machine_done) Machine m = {};

                r = machine_build(&m, &bed);
                if (r < 0)
                        return r;
                for (unsigned i = 0; i < arg_runs; i++)
                        for (size_t c = 0; c < ELEMENTSOF(configs); c++) {
                                if (!configs[c].catalogue)
                                        continue;
                                r = find_all(&m, configs[c].catalogue, &configs[c].find_nsec[i], &configs[c].candidates);
                                if (r < 0)
                                        return r;
                                r = passive_all(&m, configs[c].catalogue, &configs[c].passive_nsec[i],
                                                &configs[c].tried, &configs[c].passed);
                                if (r < 0)
                                        return r;
                        }
        }

        /* Full passes, the catalogues interleaved. */
        for (unsigned i = 0; i < arg_runs; i++) {
                fprintf(stderr, "bench-match: run %u of %u\n", i + 1, arg_runs);
                for (size_t c = 0; c < ELEMENTSOF(configs); c++) {
                        MatchRun mr;

                        if (!configs[c].catalogue)
                                continue;
                        r = match_all(&bed, configs[c].catalogue, &mr);
                        if (r < 0)
                                return r;
                        configs[c].match_nsec[i] = mr.nsec;
                        configs[c].match_cpu[i] = mr.cpu_nsec;
                        configs[c].drivers = mr.drivers;
                }
                if (full->catalogue) {
                        MatchRun mr;

                        r = match_all(&listed_bed, full->catalogue, &mr);
                        if (r < 0)
                                return r;
                        listed_nsec[i] = mr.nsec;
                        listed_drivers = mr.drivers;
                }
        }
        for (size_t c = 0; c < ELEMENTSOF(configs); c++)
                if (configs[c].catalogue) {
                        configs[c].match_median = median(configs[c].match_nsec, arg_runs);
                        configs[c].match_cpu_median = median(configs[c].match_cpu, arg_runs);
                        configs[c].find_median = median(configs[c].find_nsec, arg_runs);
                        configs[c].passive_median = median(configs[c].passive_nsec, arg_runs);
                }

        /* --- the table --- */
        printf("| metric | value | unit | target | verdict |\n");
        printf("| --- | ---: | --- | --- | --- |\n");

        if (in.have_ids)
                bench_row("matching: personalities generated from usb.ids + pci.ids",
                          bench_fmt("%u", in.generated.n), "personalities", "-",
                          bench_fmt("%u USB (%s) + %u PCI (%s); made in %.1f ms, %.0f bytes of heap each",
                                    in.usb.n, in.usb.path, in.pci.n, in.pci.path, in.generate_nsec / 1e6,
                                    (double) in.generated_heap / in.generated.n));
        else
                bench_row("matching: personalities generated from usb.ids + pci.ids", "n/a", "personalities", "-",
                          full->skip);
        if (in.plists_dir)
                bench_row("matching: personalities from real Info.plist files", bench_fmt("%u", in.plists.n),
                          "personalities", "-",
                          bench_fmt("%u files of %s, read with personality_file_load() in %.1f ms; errors: %u",
                                    in.plist_stats.n_files, in.plists_dir, in.plists_nsec / 1e6,
                                    in.plist_stats.n_errors));
        else
                bench_row("matching: personalities from real Info.plist files", "n/a", "personalities", "-",
                          "SKIP: no plist directory");
        if (full->catalogue)
                bench_row(bench_fmt("catalogue: catalogue_add() of all %u (median of %u)", n_full + skipped, arg_runs),
                          bench_fmt("%.1f", median(build_nsec, arg_runs) / 1e6), "ms", "-",
                          bench_fmt("%u held, %u dropped (duplicates, no IOProviderClass); %.2f µs and %.0f bytes "
                                    "of heap (item + index) per personality",
                                    n_full, skipped, median(build_nsec, arg_runs) / 1e3 / (n_full + skipped),
                                    (double) heap / n_full));
        else
                bench_row("catalogue: catalogue_add() of every personality", "n/a", "ms", "-", full->skip);

        bench_row("matching testbed: nubs (device tree + families, generated records)", bench_fmt("%u", bed.n),
                  "nubs", "-",
                  bench_fmt("%u PCI functions, %u USB devices, %u USB interfaces, %u others; %u USB devices and PCI "
                            "functions carry IDs of the small catalogue, the rest IDs no file lists",
                            bed.n_pci, bed.n_usb_devices, bed.n_usb_interfaces, bed.n_other, bed.n_hits));
        bench_row("matching: the small catalogue", bench_fmt("%u", catalogue_size(small->catalogue)), "personalities",
                  "-",
                  bench_fmt("%u generated (the testbed's listed IDs), the %u plist personalities that pass on some "
                            "nub, %u other plist personalities",
                            in.small.n, cs.in_play.n, cs.n_small_plists - cs.in_play.n));

        for (size_t c = 0; c < ELEMENTSOF(configs); c++) {
                Config *cf = &configs[c];
                const char *metric = bench_fmt("match all nubs: %s personalities (median of %u)",
                                               cf == small ? bench_fmt("%u", catalogue_size(small->catalogue)) :
                                                             bench_fmt("%u", n_full),
                                               arg_runs);

                if (!cf->catalogue) {
                        bench_row(metric, "n/a", "ms", "-", cf->skip);
                        continue;
                }
                bench_row(metric, bench_fmt("%.1f", cf->match_median / 1e6), "ms", "-",
                          bench_fmt("%.2f µs/nub (CPU %.2f); %u drivers started; catalogue_find_drivers() %.0f ns/nub, "
                                    "%.2f candidates/nub; match_passive() %.0f ns/candidate, %.2f pass/nub",
                                    cf->match_median / 1e3 / bed.n, cf->match_cpu_median / 1e3 / bed.n, cf->drivers,
                                    (double) cf->find_median / bed.n,
                                    (double) cf->candidates / bed.n, (double) cf->passive_median / cf->tried,
                                    (double) cf->passed / bed.n));
        }
        if (full->catalogue) {
                /* CPU time: on a shared machine the wall clock also counts the others' time slices. */
                double ratio = (double) full->match_cpu_median / small->match_cpu_median;
                double wall = (double) full->match_median / small->match_median;
                bool same = full->drivers == small->drivers;

                bench_row(bench_fmt("match: per-nub cost, %u ÷ %u personalities", n_full, catalogue_size(small->catalogue)),
                          bench_fmt("%.2f", ratio), "×", "≤ 1.2×",
                          !same ? bench_fmt("FAIL (not comparable: %u and %u drivers started)", full->drivers,
                                            small->drivers) :
                          bench_fmt("%s (CPU time; wall clock %.2f×)", ratio <= TARGET_RATIO ? "PASS" : "FAIL", wall));
                bench_row(bench_fmt("match all nubs of a machine whose every USB device and PCI function is listed, "
                                    "%u personalities (median of %u)", n_full, arg_runs),
                          bench_fmt("%.1f", median(listed_nsec, arg_runs) / 1e6), "ms", "-",
                          bench_fmt("%.2f µs/nub; %u drivers started", median(listed_nsec, arg_runs) / 1e3 / listed_bed.n,
                                    listed_drivers));
        } else
                bench_row("match: per-nub cost, 38,000 ÷ 100 personalities", "n/a", "×", "≤ 1.2×", full->skip);
        return 0;
}

static void help(void) {
        printf("Usage: bench-match [OPTIONS]\n"
               "Matches a generated machine against catalogues of 100 and of ~38,000 personalities; prints a\n"
               "markdown table.\n\n"
               "  --devices N     devices in the generated machine (default %u)\n"
               "  --quick         %u devices, %u runs\n"
               "  --runs N        repetitions, the median is kept (default %u)\n"
               "  --usb-ids FILE  hwdata's usb.ids (default: the first of /usr/share/misc, /var/lib/usbutils,\n"
               "                  /usr/share/hwdata)\n"
               "  --pci-ids FILE  hwdata's pci.ids (likewise)\n"
               "  --plists DIR    Info.plist files (default %s, else %s)\n"
               "  -h --help       this text\n"
               "The other benchmarks' options are accepted and ignored (./bench passes its\n"
               "arguments to every benchmark).\n",
               DEFAULT_DEVICES, QUICK_DEVICES, QUICK_RUNS, DEFAULT_RUNS, BENCH_PLISTS_DIR, BENCH_SHARED_PLISTS_DIR);
}

static int parse_argv(int argc, char *argv[]) {
        enum { ARG_DEVICES = 0x100, ARG_QUICK, ARG_RUNS, ARG_USB_IDS, ARG_PCI_IDS, ARG_PLISTS, ARG_IGNORED };
        static const struct option options[] = {
                { "devices", required_argument, NULL, ARG_DEVICES },
                { "quick", no_argument, NULL, ARG_QUICK },
                { "runs", required_argument, NULL, ARG_RUNS },
                { "usb-ids", required_argument, NULL, ARG_USB_IDS },
                { "pci-ids", required_argument, NULL, ARG_PCI_IDS },
                { "plists", required_argument, NULL, ARG_PLISTS },
                BENCH_FOREIGN_OPTIONS(ARG_IGNORED),
                { "help", no_argument, NULL, 'h' },
                {},
        };
        bool devices_set = false, runs_set = false;
        int c;

        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0)
                switch (c) {
                case ARG_DEVICES:
                        if (bench_option_unsigned("devices", optarg, 100, MAX_DEVICES, &arg_devices) < 0)
                                return -EINVAL;
                        devices_set = true;
                        break;
                case ARG_QUICK:
                        if (!devices_set)
                                arg_devices = QUICK_DEVICES;
                        if (!runs_set)
                                arg_runs = QUICK_RUNS;
                        break;
                case ARG_RUNS:
                        if (bench_option_unsigned("runs", optarg, 1, BENCH_NO_MAX, &arg_runs) < 0)
                                return -EINVAL;
                        runs_set = true;
                        break;
                case ARG_USB_IDS:
                        arg_usb_ids = optarg;
                        break;
                case ARG_PCI_IDS:
                        arg_pci_ids = optarg;
                        break;
                case ARG_PLISTS:
                        arg_plists = optarg;
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
        r = run();
        if (r < 0)
                fprintf(stderr, "bench-match: %s\n", strerror(-r));
        return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
