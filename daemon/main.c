/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* main.c: ioregd, the I/O Registry daemon. */

#include <getopt.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>

#include "manager.h"
#include "personality-dirs.h"
#include "log.h"

static const char *arg_bus_address;
static const char *arg_sysfs_root;
static bool arg_no_udev;
static char **arg_personality_dirs; /* owned strv */
static const char *arg_snapshot;
static const char *arg_snapshot_plane = "IOService";
static bool arg_snapshot_set_aside = false;
static unsigned arg_notify_limit;
static uint64_t arg_max_message; /* 0: the default */
static uint64_t arg_power_poll_usec; /* 0: the default; UINT64_MAX: never */
static const char *arg_logind_bus;
static uint64_t arg_sleep_timeout_usec; /* 0: the default */
static int arg_trust; /* 0: on the system bus only, 1: yes, -1: no */

static void help(void) {
        printf("Usage: ioregd [OPTIONS]\n"
               "\n"
               "The I/O Registry daemon: the machine's devices as one live tree on D-Bus.\n"
               "\n"
               "  -h --help                 Show this help\n"
               "     --version              Show the version\n"
               "     --bus-address=ADDRESS  Serve on this bus (default: $IOREG_BUS_ADDRESS,\n"
               "                            else the system bus)\n"
               "     --sysfs-root=DIR       Read the machine's identity below DIR (default: /sys)\n"
               "     --no-udev              No devices: only Root, the platform expert and\n"
               "                            IOResources\n"
               "     --personalities=DIR    Also read driver personalities from DIR, after\n"
               "                            %s and %s\n"
               "                            (repeatable; later directories override earlier ones)\n"
               "     --snapshot=FILE        Serve a saved macOS registry (ioreg text dump or\n"
               "                            -a archive) instead of this machine's devices\n"
               "     --snapshot-plane=PLANE The plane the dump shows (default: IOService)\n"
               "     --mac-drivers=keep|aside With --snapshot: the saved Mac's own drivers hold\n"
               "                            their match categories (keep, the default), or are\n"
               "                            set aside to see who would win in their place\n"
               "     --notify-limit=N       Events pending per subscription before it\n"
               "                            overflows (default: 1024, as Apple)\n"
               "     --max-message-size=BYTES  No answer or signal larger (default: 16 MiB;\n"
               "                            keep it under the bus's own limit)\n"
               "     --power-poll=MSEC      Read devices' runtime PM status every MSEC\n"
               "                            milliseconds (default: 1000; 0: never)\n"
               "     --logind-bus=ADDRESS   Where logind is: system, none, or a bus address\n"
               "                            (default: the bus ioregd serves on)\n"
               "     --sleep-timeout=MSEC   How long system sleep waits for clients to\n"
               "                            allow it (default: 30000, as Apple)\n"
               "     --trust=yes|no         Refuse personality files that are not owned by\n"
               "                            root or are writable by others (default: yes on\n"
               "                            the system bus, no on --bus-address)\n"
               "  -v --verbose              Log debug messages\n",
               PERSONALITY_DIR_VENDOR, PERSONALITY_DIR_ADMIN);
}

static int strv_extend(char ***l, const char *s) {
        size_t n = 0;
        char **nl;

        while (*l && (*l)[n])
                n++;
        nl = realloc(*l, (n + 2) * sizeof(char *));
        if (!nl)
                return -ENOMEM;
        *l = nl;
        nl[n] = strdup(s);
        nl[n + 1] = NULL;
        return nl[n] ? 0 : -ENOMEM;
}

static int parse_argv(int argc, char *argv[]) {
        enum { ARG_VERSION = 0x100, ARG_BUS_ADDRESS, ARG_SYSFS_ROOT, ARG_NO_UDEV, ARG_PERSONALITIES, ARG_SNAPSHOT,
               ARG_SNAPSHOT_PLANE, ARG_MAC_DRIVERS, ARG_NOTIFY_LIMIT, ARG_POWER_POLL,
               ARG_LOGIND_BUS, ARG_SLEEP_TIMEOUT, ARG_TRUST, ARG_MAX_MESSAGE };
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, ARG_VERSION },
                { "bus-address", required_argument, NULL, ARG_BUS_ADDRESS },
                { "sysfs-root", required_argument, NULL, ARG_SYSFS_ROOT },
                { "no-udev", no_argument, NULL, ARG_NO_UDEV },
                { "personalities", required_argument, NULL, ARG_PERSONALITIES },
                { "snapshot", required_argument, NULL, ARG_SNAPSHOT },
                { "snapshot-plane", required_argument, NULL, ARG_SNAPSHOT_PLANE },
                { "mac-drivers", required_argument, NULL, ARG_MAC_DRIVERS },
                { "notify-limit", required_argument, NULL, ARG_NOTIFY_LIMIT },
                { "power-poll", required_argument, NULL, ARG_POWER_POLL },
                { "max-message-size", required_argument, NULL, ARG_MAX_MESSAGE },
                { "logind-bus", required_argument, NULL, ARG_LOGIND_BUS },
                { "sleep-timeout", required_argument, NULL, ARG_SLEEP_TIMEOUT },
                { "trust", required_argument, NULL, ARG_TRUST },
                { "verbose", no_argument, NULL, 'v' },
                {},
        };
        int c;

        while ((c = getopt_long(argc, argv, "hv", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        help();
                        return 0;
                case ARG_VERSION:
                        printf("ioregd %s\n", IOREG_VERSION);
                        return 0;
                case ARG_BUS_ADDRESS:
                        arg_bus_address = optarg;
                        break;
                case ARG_SYSFS_ROOT:
                        arg_sysfs_root = optarg;
                        break;
                case ARG_NO_UDEV:
                        arg_no_udev = true;
                        break;
                case ARG_PERSONALITIES:
                        if (strv_extend(&arg_personality_dirs, optarg) < 0)
                                return log_error_errno(ENOMEM, "Out of memory.");
                        break;
                case ARG_SNAPSHOT:
                        arg_snapshot = optarg;
                        break;
                case ARG_SNAPSHOT_PLANE:
                        arg_snapshot_plane = optarg;
                        break;
                case ARG_MAC_DRIVERS:
                        if (!streq(optarg, "keep") && !streq(optarg, "aside"))
                                return log_error_errno(EINVAL, "--mac-drivers takes keep or aside, not '%s'.", optarg);
                        arg_snapshot_set_aside = streq(optarg, "aside");
                        break;
                case ARG_NOTIFY_LIMIT: {
                        char *end;
                        unsigned long n;

                        errno = 0;
                        n = strtoul(optarg, &end, 10);
                        if (errno != 0 || end == optarg || *end || n < 1 || n > 1u << 20) {
                                log_error("Invalid --notify-limit '%s': a number from 1 to %u.", optarg, 1u << 20);
                                return -EINVAL;
                        }
                        arg_notify_limit = n;
                        break;
                }
                case ARG_MAX_MESSAGE: {
                        char *end;
                        unsigned long long n;

                        errno = 0;
                        n = strtoull(optarg, &end, 10);
                        /* Below 128 KiB a page would hold little; D-Bus allows 128 MiB at most. */
                        if (errno != 0 || end == optarg || *end || n < (128u << 10) || n > (128u << 20)) {
                                log_error("Invalid --max-message-size '%s': bytes from %u to %u.", optarg,
                                          128u << 10, 128u << 20);
                                return -EINVAL;
                        }
                        arg_max_message = n;
                        break;
                }
                case ARG_POWER_POLL: {
                        char *end;
                        unsigned long n;

                        errno = 0;
                        n = strtoul(optarg, &end, 10);
                        if (errno != 0 || end == optarg || *end || n > 3600u * 1000u) {
                                log_error("Invalid --power-poll '%s': milliseconds from 0 to %u.", optarg,
                                          3600u * 1000u);
                                return -EINVAL;
                        }
                        arg_power_poll_usec = n == 0 ? UINT64_MAX : n * 1000ULL;
                        break;
                }
                case ARG_LOGIND_BUS:
                        arg_logind_bus = optarg;
                        break;
                case ARG_SLEEP_TIMEOUT: {
                        char *end;
                        unsigned long n;

                        errno = 0;
                        n = strtoul(optarg, &end, 10);
                        if (errno != 0 || end == optarg || *end || n < 1 || n > 3600u * 1000u) {
                                log_error("Invalid --sleep-timeout '%s': milliseconds from 1 to %u.", optarg,
                                          3600u * 1000u);
                                return -EINVAL;
                        }
                        arg_sleep_timeout_usec = n * 1000ULL;
                        break;
                }
                case ARG_TRUST:
                        if (streq(optarg, "yes"))
                                arg_trust = 1;
                        else if (streq(optarg, "no"))
                                arg_trust = -1;
                        else {
                                log_error("Invalid --trust '%s': yes or no.", optarg);
                                return -EINVAL;
                        }
                        break;
                case 'v':
                        log_set_max_level(LOG_DEBUG);
                        break;
                default:
                        return -EINVAL;
                }
        if (optind < argc) {
                log_error("Unexpected argument '%s'.", argv[optind]);
                return -EINVAL;
        }
        return 1;
}

int main(int argc, char *argv[]) {
        _cleanup_strv_free_ char **personality_dirs = NULL;
        _cleanup_(manager_freep) Manager *m = NULL;
        ManagerConfig config = {};
        int r;

        /*
         * A fixed threshold: glibc raises it after each large free, and then a client's large
         * answers come from the heap, where they leave it fragmented after the client has gone.
         */
        (void) mallopt(M_MMAP_THRESHOLD, 4 * 1024);
        r = parse_argv(argc, argv);
        personality_dirs = arg_personality_dirs; /* freed on return */
        if (r <= 0)
                return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
        config.bus_address = arg_bus_address;
        config.sysfs_root = arg_sysfs_root;
        config.no_udev = arg_no_udev;
        config.personality_dirs = arg_personality_dirs;
        config.snapshot = arg_snapshot;
        config.snapshot_plane = arg_snapshot_plane;
        config.snapshot_set_aside = arg_snapshot_set_aside;
        config.notify_limit = arg_notify_limit;
        config.max_message_bytes = arg_max_message;
        config.power_poll_usec = arg_power_poll_usec;
        config.logind_bus = arg_logind_bus;
        config.sleep_timeout_usec = arg_sleep_timeout_usec;
        config.trust = arg_trust;

        r = manager_new(&config, &m);
        if (r < 0)
                return EXIT_FAILURE;
        r = manager_load_personalities(m);
        if (r < 0)
                return EXIT_FAILURE;
        r = manager_build_registry(m);
        if (r < 0)
                return EXIT_FAILURE;
        r = manager_connect_bus(m, arg_bus_address);
        if (r < 0)
                return EXIT_FAILURE;
        r = manager_run(m);
        return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
