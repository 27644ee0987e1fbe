/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* adv-bus.c: the system-like bus of a case, and the registry's fingerprint. */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "adv-internal.h"
#include "macro.h"
#include "process.h"
#include "protocol.h"

/* The template with @DIR@ and @SRC@ replaced, limits after <auth>EXTERNAL</auth>. */
static int write_config(const char *dir, const char *limits, char **ret_path) {
        _cleanup_fclose_ FILE *in = NULL, *out = NULL;
        _cleanup_free_ char *path = NULL;
        char line[4096];

        in = fopen(SOURCE_ROOT "/tests/system/system-bus.conf.in", "re");
        if (!in)
                return -errno;
        if (asprintf(&path, "%s/bus.conf", dir) < 0)
                return -ENOMEM;
        out = fopen(path, "we");
        if (!out)
                return -errno;
        while (fgets(line, sizeof(line), in)) {
                char *at;

                for (char *p = line; *p;) {
                        if ((at = strstr(p, "@DIR@")) == p) {
                                fputs(dir, out);
                                p += strlen("@DIR@");
                        } else if ((at = strstr(p, "@SRC@")) == p) {
                                fputs(SOURCE_ROOT, out);
                                p += strlen("@SRC@");
                        } else
                                fputc(*p++, out);
                }
                if (limits && strstr(line, "<auth>EXTERNAL</auth>"))
                        fprintf(out, "%s\n", limits);
        }
        if (fclose(TAKE_PTR(out)) != 0)
                return -errno;
        *ret_path = TAKE_PTR(path);
        return 0;
}

int adv_bus_start(TestBus *b, const char *dir, const char *limits) {
        _cleanup_free_ char *config = NULL;
        int r;

        *b = (TestBus) {};
        r = write_config(dir, limits, &config);
        if (r < 0)
                return r;
        /* IOREG_TEST_BUS=dbus-broker: the same config on dbus-broker, its socket in the workdir. */
        r = test_bus_want_broker() ? test_bus_spawn_broker(b, config, dir) : test_bus_spawn_daemon(b, config);
        if (r < 0) {
                fprintf(stderr, "cannot start the bus: %s\n", strerror(-r));
                (void) process_stop(&b->pid, "dbus-daemon");
        }
        /* b->dir stays NULL: the case's workdir holds the socket and is removed with it. */
        return r;
}

/* One record: "depth id name@location class state nkeys". */
static int append_record(sd_bus_message *reply, FILE *out) {
        const char *name, *loc, *cls = NULL;
        uint32_t depth, state, busy, retain;
        uint64_t id, busy_ns;
        unsigned nkeys = 0;
        int r;

        r = sd_bus_message_read(reply, "tuss", &id, &depth, &name, &loc);
        if (r < 0)
                return r;
        r = sd_bus_message_enter_container(reply, 'a', "s");
        if (r < 0)
                return r;
        r = sd_bus_message_read(reply, "s", &cls);
        if (r < 0)
                return r;
        while ((r = sd_bus_message_skip(reply, "s")) > 0)
                ;
        r = sd_bus_message_exit_container(reply);
        if (r < 0)
                return r;
        r = sd_bus_message_read(reply, "uutu", &state, &busy, &busy_ns, &retain);
        if (r < 0)
                return r;
        r = sd_bus_message_enter_container(reply, 'a', "{sv}");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_skip(reply, "{sv}")) > 0)
                nkeys++;
        if (r < 0)
                return r;
        r = sd_bus_message_exit_container(reply);
        if (r < 0)
                return r;
        fprintf(out, "%u %016" PRIx64 " %s@%s %s %x %u\n", depth, id, name, loc, cls ?: "", state, nkeys);
        return 0;
}

/* The IOService plane page by page (GetPlanePage): any size of registry, as libioreg reads it. */
int adv_registry_fingerprint(sd_bus *bus, char **ret) {
        _cleanup_free_ char *text = NULL;
        uint64_t cursor = 0;
        size_t size = 0;
        FILE *out;
        int r = 0;

        out = open_memstream(&text, &size);
        if (!out)
                return -errno;
        do {
                _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
                _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
                uint64_t generation;

                r = sd_bus_call_method(bus, IOREG_BUS_NAME, IOREG_OBJECT_PATH, IOREG_INTERFACE, "GetPlanePage",
                                       &error, &reply, "stu", "IOService", cursor, (uint32_t) 0);
                if (r < 0) {
                        fprintf(stderr, "GetPlanePage: %s: %s\n", error.name ?: "", error.message ?: strerror(-r));
                        break;
                }
                r = sd_bus_message_read(reply, "t", &generation);
                if (r >= 0)
                        r = sd_bus_message_enter_container(reply, 'a', "(tussasuutua{sv})");
                while (r >= 0 && (r = sd_bus_message_enter_container(reply, 'r', "tussasuutua{sv}")) > 0) {
                        r = append_record(reply, out);
                        if (r >= 0)
                                r = sd_bus_message_exit_container(reply);
                }
                if (r >= 0)
                        r = sd_bus_message_exit_container(reply);
                if (r >= 0)
                        r = sd_bus_message_read(reply, "t", &cursor);
        } while (r >= 0 && cursor != 0);
        if (fclose(out) != 0 && r >= 0)
                r = -errno;
        if (r < 0)
                return r;
        *ret = TAKE_PTR(text);
        return 0;
}

int adv_registry_entries(Adv *adv, unsigned *ret) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        uint32_t n;
        int r;

        r = sd_bus_get_property_trivial(adv_bus(adv), IOREG_BUS_NAME, IOREG_OBJECT_PATH, IOREG_INTERFACE, "Entries",
                                        &error, 'u', &n);
        if (r < 0)
                return r;
        *ret = n;
        return 0;
}
