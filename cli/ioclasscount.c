/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ioclasscount: instance counts of the registry's classes, as Apple's
 * IOKitTools ioclasscount prints them (reference §4.3): read from Root's
 * IOKitDiagnostics → Classes; with no argument every class, "Name = N" per
 * line sorted by name; with arguments one line "A = n, B = m" in argument
 * order, "<no such class>" for a class the registry does not know. A count
 * includes one per direct subclass that has instances, as the kernel's.
 */

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ioreg/ioreg.h>

#include "cli-bus.h"
#include "registry-diagnostics.h"
#include "registry.h"
#include "snapshot.h"
#include "value-json.h"
#include "json-form.h"

static const char *arg_from;
static bool arg_json;

static void help(void) {
        printf("usage: ioclasscount [-j] [-H HOST] [--from=FILE] [classname ...]\n"
               "\n"
               "Prints the number of instances of each class in the I/O Registry.\n"
               "\n"
               "  -h --help        Show this help\n"
               "     --version     Show the version\n"
               "  -j --json        One JSON object: {\"class\": count, ...}, null for an unknown class\n"
               "  -H --host=[USER@]HOST[:PORT]\n"
               "                   Ask ioregd on HOST, over ssh (as busctl -H)\n"
               "     --from=FILE   Count the classes of a saved registry (ioreg -l text or -a archive)\n"
               "\n"
               "The registry is read from the ioregd daemon on $IOREG_BUS_ADDRESS, else the system bus.\n"
               "Exit status: 0, or 1 when a class named is not in the registry or it cannot be read.\n");
}

static int parse_argv(int argc, char *argv[]) {
        enum { ARG_FROM = 0x100, ARG_VERSION };
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, ARG_VERSION },
                { "json", no_argument, NULL, 'j' },
                { "host", required_argument, NULL, 'H' },
                { "from", required_argument, NULL, ARG_FROM },
                {},
        };
        int c;

        while ((c = getopt_long(argc, argv, "hjH:", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        help();
                        return 0;
                case ARG_VERSION:
                        printf("ioclasscount (ioregd) %s\n", IOREG_VERSION);
                        return 0;
                case 'j':
                        arg_json = true;
                        break;
                case 'H':
                        if (cli_set_remote_host(optarg) < 0) {
                                fprintf(stderr, "ioclasscount: invalid host '%s' (expected [USER@]HOST[:PORT])\n",
                                        optarg);
                                return -EINVAL;
                        }
                        break;
                case ARG_FROM:
                        arg_from = optarg;
                        break;
                default:
                        fprintf(stderr, "usage: ioclasscount [-j] [-H HOST] [--from=FILE] [classname ...]\n");
                        return -EINVAL;
                }
        return 1;
}

/* The counts of a saved registry: Root's IOKitDiagnostics as the daemon would make it. */
static int read_diagnostics_from_file(json_t **ret) {
        _cleanup_(registry_freep) Registry *reg = NULL;
        SnapshotError err = {};
        Value *diag; /* borrowed */
        int r;

        r = registry_new(&reg);
        if (r < 0)
                return r;
        r = snapshot_load_file(reg, "IOService", arg_from, &err);
        if (r < 0) {
                fprintf(stderr, "ioclasscount: %s: %s\n", arg_from, err.message[0] ? err.message : strerror(-r));
                return r;
        }
        r = registry_update_diagnostics(reg); /* keeps the dump's own counts when it has them */
        if (r < 0)
                return r;
        diag = entry_get_property(reg->root, "IOKitDiagnostics");
        if (!diag)
                return -ENODATA;
        *ret = value_to_json(diag);
        return *ret ? 0 : -ENOMEM;
}

/* Root's IOKitDiagnostics from the daemon, through libioreg. */
static int read_diagnostics(json_t **ret) {
        ioreg_registry_entry_t root = ioreg_registry_get_root_entry();

        if (!root) {
                if (!cli_explain_unreachable("ioclasscount"))
                        fprintf(stderr, "ioclasscount: cannot read the registry's root entry\n");
                return -EIO;
        }
        *ret = ioreg_registry_entry_create_property(root, "IOKitDiagnostics", 0);
        ioreg_object_release(root);
        return *ret ? 0 : -ENODATA;
}

/* Root's Classes dictionary (a new reference), from the daemon or a saved registry. */
static int read_classes(json_t **ret) {
        json_auto_t *diag = NULL;
        json_t *classes; /* borrowed */
        int r;

        r = arg_from ? read_diagnostics_from_file(&diag) : read_diagnostics(&diag);
        if (r < 0)
                return r;
        classes = json_object_get(diag, "Classes");
        if (json_form_type(classes) != JSON_FORM_DICTIONARY)
                return -ENODATA;
        *ret = json_incref(classes);
        return 0;
}

static int compare_names(const void *a, const void *b) {
        return strcmp(*(const char *const *) a, *(const char *const *) b);
}

/* -j: every class, or the ones named (null when unknown), as one object in the JSON form. */
static int print_json(json_t *classes, char **names, int n_names) {
        json_auto_t *out = n_names > 0 ? json_object() : json_incref(classes);
        int unknown = 0;

        if (!out)
                return EXIT_FAILURE;
        for (int i = 0; i < n_names; i++) {
                json_t *v = json_object_get(classes, names[i]); /* borrowed */

                if (json_form_type(v) != JSON_FORM_NUMBER)
                        unknown++;
                if (json_object_set_new(out, names[i], json_form_type(v) == JSON_FORM_NUMBER ? json_incref(v)
                                                                                             : json_null()) < 0)
                        return EXIT_FAILURE;
        }
        if (json_dumpf(out, stdout, JSON_INDENT(2) | (n_names > 0 ? JSON_PRESERVE_ORDER : JSON_SORT_KEYS)) < 0)
                return EXIT_FAILURE;
        fputc('\n', stdout);
        return unknown > 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}

int main(int argc, char *argv[]) {
        json_auto_t *classes = NULL;
        int r, unknown = 0;

        r = parse_argv(argc, argv);
        if (r <= 0)
                return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
        r = read_classes(&classes);
        if (r == -ENODATA)
                fprintf(stderr, "ioclasscount: the registry has no IOKitDiagnostics class counts\n");
        if (r < 0)
                return EXIT_FAILURE;

        if (arg_json)
                return print_json(classes, argv + optind, argc - optind);
        if (optind >= argc) {
                _cleanup_free_ const char **names = malloc(sizeof(char *) * (json_object_size(classes) ?: 1));
                const char *key;
                json_t *count; /* borrowed */
                size_t n = 0;

                if (!names)
                        return EXIT_FAILURE;
                json_object_foreach(classes, key, count)
                        names[n++] = key;
                qsort(names, n, sizeof(*names), compare_names);
                for (size_t i = 0; i < n; i++)
                        printf("%s = %llu\n", names[i],
                               (unsigned long long) json_form_number(json_object_get(classes, names[i])));
                return EXIT_SUCCESS;
        }
        for (int i = optind; i < argc; i++) {
                json_t *v = json_object_get(classes, argv[i]); /* borrowed */

                if (json_form_type(v) == JSON_FORM_NUMBER)
                        printf("%s = %llu", argv[i], (unsigned long long) json_form_number(v));
                else {
                        printf("%s = <no such class>", argv[i]);
                        unknown++;
                }
                if (i < argc - 1)
                        printf(", ");
        }
        printf("\n");
        if (unknown > 0)
                fprintf(stderr, "ioclasscount: %d of the classes named %s not in the registry "
                                "(ioclasscount without arguments lists them)\n",
                        unknown, unknown == 1 ? "is" : "are");
        return unknown > 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
