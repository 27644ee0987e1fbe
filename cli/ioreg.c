/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* ioreg.c: show the I/O Registry, with Apple's options and output format. */

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <time.h>
#include <systemd/sd-bus.h>
#include <unistd.h>

#include "ioreg-print.h"
#include "ioreg-tree.h"

static const char *arg_plane = "IOService";
static IoregPrintOptions arg_print = {};
static unsigned arg_wait_quiet_sec; /* 0: do not wait */

static void usage(FILE *f) {
        fprintf(f,
                "usage: ioreg [-ilsSx] [-d depth] [-p plane] [-w width]\n"
                "where options are:\n"
                "\t-d limit tree to the specified depth\n"
                "\t-i show object inheritance\n"
                "\t-l list properties of all objects\n"
                "\t-p traverse registry over the specified plane (default is IOService)\n"
                "\t-s accepted for compatibility: state is always shown\n"
                "\t-S accepted for compatibility: busy time is always shown\n"
                "\t-w clip output to the specified line length (0 = no clipping)\n"
                "\t-x show data and numbers as hexadecimal\n"
                "\t--wait-quiet[=SEC] first wait up to SEC seconds (default 30) for the daemon\n"
                "\t                   to be on the bus and the registry to be quiet\n"
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
        enum { ARG_WAIT_QUIET = 0x100 };
        static const struct option options[] = {
                { "wait-quiet", optional_argument, NULL, ARG_WAIT_QUIET },
                {},
        };
        bool width_set = false;
        int c;

        /* Apple's option string; the ones this version lacks are refused by name below. */
        while ((c = getopt_long(argc, argv, ":abc:d:fik:ln:p:rsStw:xy", options, NULL)) >= 0)
                switch (c) {
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
                        fprintf(stderr, "ioreg: illegal option -- %c\n", optopt);
                        usage(stderr);
                        return -EINVAL;
                default:
                        fprintf(stderr, "ioreg: option -%c is not available in this version of ioreg\n", c);
                        return -EOPNOTSUPP;
                }
        if (optind < argc) {
                usage(stderr);
                return -EINVAL;
        }
        if (!width_set && isatty(STDOUT_FILENO)) {
                struct winsize ws;

                /* As Apple: clip to the terminal, never a pipe. */
                if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
                        arg_print.width = ws.ws_col;
        }
        return 1;
}

static int connect_bus(sd_bus **ret) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        const char *address = getenv("IOREG_BUS_ADDRESS");
        int r;

        if (!address)
                return sd_bus_open_system(ret);
        r = sd_bus_new(&bus);
        if (r < 0)
                return r;
        r = sd_bus_set_address(bus, address);
        if (r < 0)
                return r;
        r = sd_bus_set_bus_client(bus, true);
        if (r < 0)
                return r;
        r = sd_bus_start(bus);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(bus);
        return 0;
}

static uint64_t now_usec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000 + (uint64_t) ts.tv_nsec / 1000;
}

/* Waits for the daemon to appear on the bus and for its registry to be quiet. */
static int wait_quiet(sd_bus *bus, unsigned seconds) {
        uint64_t deadline = now_usec() + (uint64_t) seconds * 1000000;

        for (;;) {
                _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
                uint64_t now = now_usec();
                int r;

                if (now >= deadline) {
                        fprintf(stderr, "ioreg: the registry did not become quiet within %u s\n", seconds);
                        return -ETIMEDOUT;
                }
                r = sd_bus_call_method(bus, "org.ioreg.Registry1", "/org/ioreg/Registry1", "org.ioreg.Registry1",
                                       "WaitQuiet", &error, NULL, "t", deadline - now);
                if (r >= 0)
                        return 0;
                /* Not on the bus yet: the daemon is starting. Anything else is an answer. */
                if (!sd_bus_error_has_names(&error, SD_BUS_ERROR_SERVICE_UNKNOWN, SD_BUS_ERROR_NAME_HAS_NO_OWNER)) {
                        fprintf(stderr, "ioreg: waiting for the registry failed: %s\n",
                                error.message ?: strerror(-r));
                        return r;
                }
                (void) usleep(50 * 1000);
        }
}

int main(int argc, char *argv[]) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_free_ char *error = NULL;
        IoregTree tree = {};
        int r;

        r = parse_argv(argc, argv);
        if (r <= 0)
                return EXIT_FAILURE;
        r = connect_bus(&bus);
        if (r < 0) {
                fprintf(stderr, "ioreg: cannot connect to the bus: %s\n", strerror(-r));
                return EXIT_FAILURE;
        }
        if (arg_wait_quiet_sec > 0) {
                r = wait_quiet(bus, arg_wait_quiet_sec);
                if (r < 0)
                        return EXIT_FAILURE;
        }
        r = ioreg_tree_fetch(bus, arg_plane, &tree, &error);
        if (r == -ENXIO) {
                fprintf(stderr, "ioreg: invalid plane '%s'\n", arg_plane);
                return EXIT_FAILURE;
        }
        if (r < 0) {
                fprintf(stderr, "ioreg: cannot read the registry: %s\n", error ?: strerror(-r));
                return EXIT_FAILURE;
        }
        r = ioreg_print_tree(stdout, &tree, &arg_print);
        ioreg_tree_done(&tree);
        return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
