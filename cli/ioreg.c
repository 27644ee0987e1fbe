/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* ioreg.c: show the I/O Registry, with Apple's options and output format. */

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <string.h>
#include <unistd.h>

#include <ioreg/registry.h>
#include <ioreg/service.h>

#include "cli-bus.h"
#include "ioreg-explain.h"
#include "ioreg-monitor.h"
#include "ioreg-predict.h"
#include "ioreg-print.h"
#include "ioreg-tree.h"
#include "registry.h"
#include "snapshot.h"

static const char *arg_plane = "IOService";
static IoregPrintOptions arg_print = {};
static unsigned arg_wait_quiet_sec; /* 0: do not wait */
static const char *arg_from;        /* a saved registry instead of the daemon */
static bool arg_archive, arg_json;
static bool arg_explain;              /* the matcher's verdicts instead of the tree */
static char **arg_personalities;      /* --personalities=DIR (owned strv): with --from, predict */
static size_t n_personalities;
static bool arg_keep_mac_drivers = true;
static bool arg_monitor;              /* live events instead of the tree */
static unsigned arg_monitor_count;    /* stop after this many events; 0: never */

static void usage(FILE *f) {
        fprintf(f,
                "usage: ioreg [-abfijlLrsStxy] [-c class] [-d depth] [-k key] [-n name] [-p plane] [-w width]\n"
                "where options are:\n"
                "\t-a archive output\n"
                "\t-b show object name in bold\n"
                "\t-c list properties of objects with the specified class\n"
                "\t-d limit tree to the specified depth\n"
                "\t-f enable smart formatting\n"
                "\t-i show object inheritance\n"
                "\t-j JSON output (schema: " IOREG_DOC_DIR "/ioreg-json.md)\n"
                "\t-k list properties of objects with the specified key\n"
                "\t-l list properties of all objects\n"
                "\t-n list properties of objects with the specified name\n"
                "\t-p traverse registry over the specified plane (default is IOService)\n"
                "\t-r show subtrees rooted by objects that match the specified criteria\n"
                "\t-s accepted for compatibility: state is always shown\n"
                "\t-S accepted for compatibility: busy time is always shown\n"
                "\t-t show location of each subtree\n"
                "\t-w clip output to the specified line length (0 = no clipping)\n"
                "\t-x show data and numbers as hexadecimal\n"
                "\t-y do not consider DriverKit classes with -c\n"
                "\t--from=FILE        read a saved registry (ioreg text dump or -a archive; - = stdin)\n"
                "\t                   into the -p plane instead of asking the daemon\n"
                "\t--explain          the matcher's verdict on each candidate personality of the\n"
                "\t                   entries -c/-k/-n select (default: every service with one)\n"
                "\t--personalities=DIR with --from and --explain: what would match on that Mac,\n"
                "\t                   with the personalities of DIR (repeatable), without a daemon\n"
                "\t--mac-drivers=keep|aside  the saved registry's own drivers hold their match\n"
                "\t                   categories (keep, the default), or are set aside to see who\n"
                "\t                   would win in their place\n"
                "\t--monitor[=COUNT]  print services published, matched and terminated, and the\n"
                "\t                   registry going busy and quiet, as they happen (-j: JSON);\n"
                "\t                   stop after COUNT events\n"
                "\t--wait-quiet[=SEC] first wait up to SEC seconds (default 30) for the daemon\n"
                "\t                   to be on the bus and the registry to be quiet\n"
                "\t-L, --linux        Linux's names after each object: vendor:product in hex with\n"
                "\t                   the hwdb's names, PCI address, device node, kernel driver\n"
                "\t                   (-j: a \"linux\" object in each entry)\n"
                "\t-H, --host=[USER@]HOST[:PORT]\n"
                "\t                   ask ioregd on HOST, over ssh (as busctl -H)\n"
                "\t-h, --help         show this help\n"
                "\t--version          show the version\n"
                "\n"
                "The registry is read from the ioregd daemon on $IOREG_BUS_ADDRESS, else the system bus.\n");
}

static int parse_unsigned(const char *s, unsigned *ret) {
        char *end;
        unsigned long v;

        errno = 0;
        v = strtoul(s, &end, 0);
        if (errno || end == s || *end || v > UINT32_MAX || s[0] == '-')
                return -EINVAL;
        *ret = (unsigned) v;
        return 0;
}

static int parse_argv(int argc, char *argv[]) {
        enum { ARG_WAIT_QUIET = 0x100, ARG_FROM, ARG_EXPLAIN, ARG_MONITOR, ARG_PERSONALITIES, ARG_MAC_DRIVERS,
               ARG_VERSION };
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, ARG_VERSION },
                { "host", required_argument, NULL, 'H' },
                { "linux", no_argument, NULL, 'L' },
                { "wait-quiet", optional_argument, NULL, ARG_WAIT_QUIET },
                { "explain", no_argument, NULL, ARG_EXPLAIN },
                { "monitor", optional_argument, NULL, ARG_MONITOR },
                { "from", required_argument, NULL, ARG_FROM },
                { "personalities", required_argument, NULL, ARG_PERSONALITIES },
                { "mac-drivers", required_argument, NULL, ARG_MAC_DRIVERS },
                {},
        };
        bool width_set = false;
        int c;

        /* Apple's option string, plus -j, -h, -H and -L. */
        while ((c = getopt_long(argc, argv, ":abc:d:fhH:ijk:lLn:p:rsStw:xy", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        usage(stdout);
                        return 0;
                case ARG_VERSION:
                        printf("ioreg (ioregd) %s\n", IOREG_VERSION);
                        return 0;
                case 'H':
                        if (cli_set_remote_host(optarg) < 0) {
                                fprintf(stderr, "ioreg: invalid host '%s' (expected [USER@]HOST[:PORT])\n", optarg);
                                return -EINVAL;
                        }
                        break;
                case ARG_EXPLAIN:
                        arg_explain = true;
                        break;
                case ARG_MONITOR:
                        arg_monitor = true;
                        if (optarg && parse_unsigned(optarg, &arg_monitor_count) < 0) {
                                fprintf(stderr, "ioreg: invalid event count '%s'\n", optarg);
                                return -EINVAL;
                        }
                        break;
                case ARG_FROM:
                        arg_from = optarg;
                        break;
                case ARG_PERSONALITIES: {
                        char **l = realloc(arg_personalities, (n_personalities + 2) * sizeof(char *));

                        if (!l)
                                return -ENOMEM;
                        arg_personalities = l;
                        l[n_personalities++] = optarg; /* borrowed from argv */
                        l[n_personalities] = NULL;
                        break;
                }
                case ARG_MAC_DRIVERS:
                        if (!streq(optarg, "keep") && !streq(optarg, "aside")) {
                                fprintf(stderr, "ioreg: --mac-drivers takes keep or aside, not '%s'\n", optarg);
                                return -EINVAL;
                        }
                        arg_keep_mac_drivers = streq(optarg, "keep");
                        break;
                case 'a':
                        arg_archive = true;
                        break;
                case 'b':
                        arg_print.bold = true;
                        break;
                case 'c':
                        arg_print.class_name = optarg;
                        break;
                case 'f':
                        arg_print.format = true;
                        break;
                case 'j':
                        arg_json = true;
                        break;
                case 'k':
                        arg_print.key = optarg;
                        break;
                case 'n':
                        arg_print.name = optarg;
                        break;
                case 'r':
                        arg_print.root = true;
                        break;
                case 't':
                        arg_print.tree = true;
                        break;
                case 'y':
                        arg_print.no_dext_classes = true;
                        break;
                case ARG_WAIT_QUIET:
                        arg_wait_quiet_sec = 30;
                        if (optarg && (parse_unsigned(optarg, &arg_wait_quiet_sec) < 0 || arg_wait_quiet_sec == 0)) {
                                fprintf(stderr, "ioreg: invalid --wait-quiet time '%s'\n", optarg);
                                return -EINVAL;
                        }
                        break;
                case 'd':
                        if (parse_unsigned(optarg, &arg_print.depth_limit) < 0) {
                                fprintf(stderr, "ioreg: invalid depth '%s'\n", optarg);
                                return -EINVAL;
                        }
                        break;
                case 'i':
                        arg_print.inheritance = true;
                        break;
                case 'l':
                        arg_print.all_properties = true;
                        break;
                case 'L':
                        arg_print.linux_view = true;
                        break;
                case 'p':
                        arg_plane = optarg;
                        break;
                case 's':
                case 'S':
                        break;
                case 'w':
                        if (parse_unsigned(optarg, &arg_print.width) < 0) {
                                fprintf(stderr, "ioreg: invalid width '%s'\n", optarg);
                                return -EINVAL;
                        }
                        width_set = true;
                        break;
                case 'x':
                        arg_print.hex = true;
                        break;
                case ':':
                        fprintf(stderr, "ioreg: option -%c requires an argument\n", optopt);
                        usage(stderr);
                        return -EINVAL;
                case '?':
                        if (optopt) /* a short option; a long one leaves optopt 0 */
                                fprintf(stderr, "ioreg: illegal option -- %c\n", optopt);
                        else
                                fprintf(stderr, "ioreg: unrecognized option '%s'\n", argv[optind - 1]);
                        usage(stderr);
                        return -EINVAL;
                default:
                        abort(); /* every option of the string is handled above */
                }
        if (optind < argc) {
                usage(stderr);
                return -EINVAL;
        }
        if (arg_personalities && !(arg_from && arg_explain)) {
                fprintf(stderr, "ioreg: --personalities goes with --from and --explain\n");
                return -EINVAL;
        }
        if (arg_archive && arg_json) {
                fprintf(stderr, "ioreg: -a and -j cannot be combined\n");
                return -EINVAL;
        }
        /* -r needs a criterion to root subtrees at; without one it changes nothing (ioreg.8). */
        if (!arg_print.class_name && !arg_print.key && !arg_print.name)
                arg_print.root = false;
        if (!width_set && isatty(STDOUT_FILENO)) {
                struct winsize ws;

                /* As Apple: clip to the terminal, never a pipe. */
                if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
                        arg_print.width = ws.ws_col;
        }
        return 1;
}

/* --wait-quiet: for the daemon to be on the bus and its registry to be quiet. */
static int wait_quiet(unsigned seconds) {
        ioreg_return_t rr = ioreg_kit_wait_for_daemon_quiet((uint64_t) seconds * 1000000);

        if (rr == IOREG_RETURN_TIMEOUT && ioreg_kit_check_daemon() == IOREG_RETURN_NO_DEVICE) {
                fprintf(stderr, "ioreg: ioregd did not appear on the bus within %u s\n", seconds);
                (void) cli_explain_unreachable("ioreg");
                return -ETIMEDOUT;
        }
        if (rr == IOREG_RETURN_TIMEOUT) {
                fprintf(stderr, "ioreg: the registry did not become quiet within %u s "
                                "(ioreg --monitor shows what keeps it busy)\n", seconds);
                return -ETIMEDOUT;
        }
        if (rr != IOREG_RETURN_SUCCESS) {
                if (cli_explain_unreachable("ioreg"))
                        return -EIO;
                fprintf(stderr, "ioreg: waiting for the registry failed: %s\n", ioreg_return_string(rr));
                return -EIO;
        }
        return 0;
}

/* -p with a plane the registry does not have: the planes it has, from Root's IORegistryPlanes. */
static void print_invalid_plane(const char *plane) {
        ioreg_registry_entry_t root = arg_from ? NULL : ioreg_registry_get_root_entry();
        json_auto_t *planes = root ? ioreg_registry_entry_create_property(root, "IORegistryPlanes", 0) : NULL;
        const char *name;
        json_t *v; /* borrowed */
        bool first = true;

        if (root)
                ioreg_object_release(root);
        fprintf(stderr, "ioreg: invalid plane '%s'", plane);
        if (!json_is_object(planes) || json_object_size(planes) == 0)
                fprintf(stderr, " (the planes are IOService, IOPower, IOUSB and IODeviceTree)");
        else {
                fprintf(stderr, " (the registry's planes:");
                json_object_foreach(planes, name, v) {
                        fprintf(stderr, "%s %s", first ? "" : ",", name);
                        first = false;
                }
                fprintf(stderr, ")");
        }
        fputc('\n', stderr);
}

/* ioreg --from: the saved registry, in memory, through the same walk as the daemon's GetPlane. */
static int load_snapshot(const char *plane, IoregTree *ret, IoregTree *ret_device_tree) {
        _cleanup_(registry_freep) Registry *reg = NULL;
        SnapshotError err = {};
        int r;

        r = registry_new(&reg);
        if (r < 0)
                return r;
        r = snapshot_load_file(reg, plane, arg_from, &err);
        if (r < 0) {
                if (err.line > 0)
                        fprintf(stderr, "ioreg: %s:%u: %s\n", arg_from, err.line, err.message);
                else
                        fprintf(stderr, "ioreg: %s: %s\n", arg_from, err.message);
                return r;
        }
        r = ioreg_tree_from_registry(reg, plane, ret);
        if (r >= 0 && ret_device_tree)
                r = ioreg_tree_from_registry(reg, PLANE_DEVICE_TREE, ret_device_tree);
        return r;
}

static int fetch(const char *plane, IoregTree *ret, IoregTree *ret_device_tree) {
        int error = 0, r;

        if (arg_wait_quiet_sec > 0) {
                r = wait_quiet(arg_wait_quiet_sec);
                if (r < 0)
                        return r;
        }
        r = ioreg_tree_fetch(plane, &error, ret);
        if (r == -ENXIO) {
                print_invalid_plane(plane);
                return r;
        }
        if (r < 0 && cli_explain_unreachable("ioreg"))
                return r;
        if (r < 0) {
                fprintf(stderr, "ioreg: cannot read the registry: %s\n",
                        error ? ioreg_return_string(error) : strerror(-r));
                return r;
        }
        /* -f decodes with the device tree: best effort, a daemon without it is fine. */
        if (ret_device_tree && ioreg_tree_fetch(PLANE_DEVICE_TREE, NULL, ret_device_tree) < 0)
                *ret_device_tree = (IoregTree) {};
        return 0;
}

/*
 * -c/-k/-n that select nothing: Apple's ioreg prints nothing and exits 0, and
 * scripts rely on that (`ioreg -rc X | grep`); a note on stderr says why.
 */
static void note_no_match(const IoregTree *t) {
        bool class_known = false;

        if (!arg_print.class_name && !arg_print.key && !arg_print.name)
                return;
        for (size_t i = 0; i < t->n_nodes; i++) {
                if (ioreg_node_matches(&t->nodes[i], &arg_print))
                        return;
                for (char **c = t->nodes[i].classes; arg_print.class_name && c && *c; c++)
                        class_known = class_known || streq(*c, arg_print.class_name);
        }
        fprintf(stderr, "ioreg: nothing in the %s plane matches", arg_plane);
        if (arg_print.class_name)
                fprintf(stderr, " -c %s", arg_print.class_name);
        if (arg_print.key)
                fprintf(stderr, " -k %s", arg_print.key);
        if (arg_print.name)
                fprintf(stderr, " -n %s", arg_print.name);
        if (arg_print.class_name && !class_known)
                fprintf(stderr, " (no entry of class %s in this plane; ioclasscount lists the classes)",
                        arg_print.class_name);
        fputc('\n', stderr);
}

static int run_monitor(void) {
        int r;

        if (arg_from) {
                fprintf(stderr, "ioreg: --monitor follows the daemon; a saved registry does not change\n");
                return -EINVAL;
        }
        if (arg_wait_quiet_sec > 0) {
                r = wait_quiet(arg_wait_quiet_sec);
                if (r < 0)
                        return r;
        }
        /* Before subscribing: a missing daemon is said plainly, not as a failed subscription. */
        if (cli_explain_unreachable("ioreg"))
                return -EIO;
        return ioreg_monitor(arg_json, arg_monitor_count, &arg_print);
}

static int run_explain(void) {
        _cleanup_(ioreg_tree_done) IoregTree tree = {};
        int r;

        if (arg_from) {
                _cleanup_(ioreg_predictor_freep) IoregPredictor *p = NULL;

                if (!arg_personalities) {
                        fprintf(stderr, "ioreg: --explain with --from needs --personalities=DIR\n");
                        return -EINVAL;
                }
                r = ioreg_predictor_new(arg_from, arg_plane, arg_personalities, arg_keep_mac_drivers, &p);
                if (r >= 0)
                        r = ioreg_predictor_tree(p, arg_plane, &tree);
                if (r < 0)
                        return r;
                return ioreg_explain(stdout, &tree, &arg_print, ioreg_predictor_explain, p, arg_json);
        }
        r = fetch(arg_plane, &tree, NULL);
        if (r < 0)
                return r;
        return ioreg_explain(stdout, &tree, &arg_print, ioreg_explain_from_daemon, NULL, arg_json);
}

/*
 * The trees main() prints are left to exit(): freeing their JSON objects one by one took
 * ioreg -l an eighth of its time (free() and malloc_consolidate() over every value). Held
 * here, they stay reachable to the end, so leak checkers do not count them.
 */
static IoregTree tree, device_tree;

int main(int argc, char *argv[]) {
        int r;

        r = parse_argv(argc, argv);
        if (r <= 0) {
                free(arg_personalities);
                return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
        }
        if (arg_explain) {
                r = run_explain();
                free(arg_personalities);
                return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
        }
        if (arg_monitor)
                return run_monitor() < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
        if (arg_from)
                r = load_snapshot(arg_plane, &tree, arg_print.format ? &device_tree : NULL);
        else
                r = fetch(arg_plane, &tree, arg_print.format ? &device_tree : NULL);
        if (r == -ENXIO && arg_from)
                print_invalid_plane(arg_plane);
        else if (r < 0 && arg_from && r != -EBADMSG)
                fprintf(stderr, "ioreg: cannot load %s: %s\n", arg_from, strerror(-r));
        if (r < 0)
                return EXIT_FAILURE;
        arg_print.device_tree = device_tree.n_nodes > 0 ? &device_tree : NULL;
        note_no_match(&tree);
        if (arg_archive)
                r = ioreg_print_archive(stdout, &tree, &arg_print);
        else if (arg_json)
                r = ioreg_print_json(stdout, &tree, arg_plane, &arg_print);
        else
                r = ioreg_print_tree(stdout, &tree, &arg_print);
        return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
