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

#include <ioreg/return.h>

#include "ioreg-tree.h"
#include "registry-diagnostics.h"
#include "registry.h"
#include "snapshot.h"

static const char *arg_from;

static void help(void) {
        printf("usage: ioclasscount [--from=FILE] [classname ...]\n"
               "\n"
               "Prints the number of instances of each class in the I/O Registry.\n"
               "\n"
               "  -h --help        Show this help\n"
               "     --from=FILE   Count the classes of a saved registry (ioreg -l text or -a archive)\n"
               "\n"
               "The registry is read from the ioregd daemon on $IOREG_BUS_ADDRESS, else the system bus.\n");
}

static int parse_argv(int argc, char *argv[]) {
        enum { ARG_FROM = 0x100 };
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "from", required_argument, NULL, ARG_FROM },
                {},
        };
        int c;

        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        help();
                        return 0;
                case ARG_FROM:
                        arg_from = optarg;
                        break;
                default:
                        fprintf(stderr, "usage: ioclasscount [--from=FILE] [classname ...]\n");
                        return -EINVAL;
                }
        return 1;
}

/* Root's Classes dictionary (a new reference), from the daemon or a saved registry. */
static int read_classes(Value **ret) {
        _cleanup_(ioreg_tree_done) IoregTree tree = {};
        Value *diag, *classes;
        int r;

        if (arg_from) {
                _cleanup_(registry_freep) Registry *reg = NULL;
                SnapshotError err = {};

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
                classes = diag && value_type(diag) == VALUE_DICTIONARY ? value_dict_get(diag, "Classes") : NULL;
                if (!classes || value_type(classes) != VALUE_DICTIONARY)
                        return -ENODATA;
                *ret = value_ref(classes);
                return 0;
        } else {
                int error = 0;

                r = ioreg_tree_fetch("IOService", &tree, &error);
                if (r < 0) {
                        fprintf(stderr, "ioclasscount: %s\n", error ? ioreg_return_string(error) : strerror(-r));
                        return r;
                }
        }
        if (tree.n_nodes == 0)
                return -ENODATA;
        diag = value_dict_get(tree.nodes[0].properties, "IOKitDiagnostics");
        classes = diag && value_type(diag) == VALUE_DICTIONARY ? value_dict_get(diag, "Classes") : NULL;
        if (!classes || value_type(classes) != VALUE_DICTIONARY)
                return -ENODATA;
        *ret = value_ref(classes);
        return 0;
}

static int compare_names(const void *a, const void *b) {
        return strcmp(*(const char *const *) a, *(const char *const *) b);
}

int main(int argc, char *argv[]) {
        _cleanup_value_ Value *classes = NULL;
        int r;

        r = parse_argv(argc, argv);
        if (r <= 0)
                return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
        r = read_classes(&classes);
        if (r == -ENODATA)
                fprintf(stderr, "ioclasscount: the registry has no IOKitDiagnostics class counts\n");
        if (r < 0)
                return EXIT_FAILURE;

        if (optind >= argc) {
                size_t n = value_dict_size(classes);
                _cleanup_free_ const char **names = malloc(sizeof(char *) * (n ? n : 1));

                if (!names)
                        return EXIT_FAILURE;
                for (size_t i = 0; i < n; i++)
                        names[i] = value_dict_key_at(classes, i);
                qsort(names, n, sizeof(*names), compare_names);
                for (size_t i = 0; i < n; i++)
                        printf("%s = %llu\n", names[i],
                               (unsigned long long) value_unsigned(value_dict_get(classes, names[i])));
                return EXIT_SUCCESS;
        }
        for (int i = optind; i < argc; i++) {
                Value *v = value_dict_get(classes, argv[i]);

                if (v && value_type(v) == VALUE_NUMBER)
                        printf("%s = %llu", argv[i], (unsigned long long) value_unsigned(v));
                else
                        printf("%s = <no such class>", argv[i]);
                if (i < argc - 1)
                        printf(", ");
        }
        printf("\n");
        return EXIT_SUCCESS;
}
