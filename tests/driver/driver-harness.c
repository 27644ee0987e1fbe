/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* driver-harness.c: see driver-harness.h. */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bus-value.h"
#include "driver-harness.h"
#include "macro.h"

static char *replace(const char *s, const char *from, const char *to) {
        size_t n = 0, lf = strlen(from), lt = strlen(to);
        char *out, *o;

        for (const char *p = strstr(s, from); p; p = strstr(p + lf, from))
                n++;
        out = malloc(strlen(s) + n * lt + 1);
        if (!out)
                return NULL;
        for (o = out; *s;) {
                if (strncmp(s, from, lf) == 0) {
                        memcpy(o, to, lt);
                        o += lt;
                        s += lf;
                } else
                        *o++ = *s++;
        }
        *o = '\0';
        return out;
}

int driver_test_start(DriverTest *t, const char *personalities, const char *const *extra_args) {
        char pdir[] = "/tmp/ioreg-driver-p-XXXXXX", sdir[] = "/tmp/ioreg-driver-s-XXXXXX", path[256], arg[300];
        _cleanup_free_ char *a = NULL, *b = NULL;
        const char *args[16];
        unsigned n = 0;
        FILE *f;
        int r;

        if (!mkdtemp(pdir) || !mkdtemp(sdir))
                return -errno;
        /* The servers run as nobody when the tests run as root: they must reach the bus and the stop folder. */
        (void) chmod(pdir, 0755);
        (void) chmod(sdir, 0777);
        t->pdir = strdup(pdir);
        t->stop_dir = strdup(sdir);
        a = replace(personalities, "@SERVER@", TEST_SERVER);
        b = a ? replace(a, "@STOPDIR@", sdir) : NULL;
        if (!t->pdir || !t->stop_dir || !b)
                return -ENOMEM;
        snprintf(path, sizeof(path), "%s/test.json", pdir);
        f = fopen(path, "we");
        if (!f)
                return -errno;
        fprintf(f, "{ \"CFBundleIdentifier\": \"org.ioreg.test.drivers\", \"IOKitPersonalities\": { %s } }\n", b);
        if (fclose(f) != 0)
                return -errno;
        r = harness_start_bus(&t->h);
        if (r < 0)
                return r;
        (void) chmod(t->h.dir, 0755);
        snprintf(arg, sizeof(arg), "--personalities=%s", pdir);
        args[n++] = arg;
        for (; extra_args && *extra_args && n < ELEMENTSOF(args) - 1; extra_args++)
                args[n++] = *extra_args;
        args[n] = NULL;
        r = harness_start_daemon(&t->h, args);
        if (r < 0)
                return r;
        return harness_connect(&t->h, &t->bus);
}

void driver_test_stop(DriverTest *t) {
        char cmd[700];

        sd_bus_flush_close_unref(t->bus);
        t->bus = NULL;
        harness_stop(&t->h);
        if (t->pdir) {
                snprintf(cmd, sizeof(cmd), "rm -rf '%s' '%s'", t->pdir, t->stop_dir ?: "");
                (void) !system(cmd);
        }
        free(t->pdir);
        free(t->stop_dir);
        t->pdir = t->stop_dir = NULL;
}

int driver_test_find(DriverTest *t, const char *class_name, uint64_t **ret, unsigned *ret_n) {
        return plane_ids(t->bus, class_name, 0x2 /* registered */, ret, ret_n);
}

int driver_test_find_one(DriverTest *t, const char *class_name, uint64_t *ret_id) {
        _cleanup_free_ uint64_t *ids = NULL;
        unsigned n = 0;
        int r;

        r = driver_test_find(t, class_name, &ids, &n);
        if (r < 0)
                return r;
        if (n > 1)
                return -ENOTUNIQ;
        if (n == 1)
                *ret_id = ids[0];
        return (int) n;
}

static void entry_path(char *buf, size_t len, uint64_t id) {
        snprintf(buf, len, "/org/ioreg/Registry1/entry/%016" PRIx64, id);
}

int driver_test_properties(DriverTest *t, uint64_t id, Value **ret) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        sd_bus_error error = SD_BUS_ERROR_NULL;
        char path[64];
        int r;

        entry_path(path, sizeof(path), id);
        r = sd_bus_get_property(t->bus, BUS_NAME, path, "org.ioreg.Entry1", "Properties", &error, &reply, "a{sv}");
        sd_bus_error_free(&error);
        if (r < 0)
                return r;
        return bus_message_read_dict(reply, ret);
}

int64_t driver_test_number(DriverTest *t, uint64_t id, const char *key) {
        _cleanup_value_ Value *props = NULL;
        Value *v;

        if (driver_test_properties(t, id, &props) < 0)
                return -1;
        v = value_dict_get(props, key);
        if (!v || value_type(v) != VALUE_NUMBER)
                return -1;
        return (int64_t) value_unsigned(v);
}

uint64_t driver_test_parent(DriverTest *t, uint64_t id) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        sd_bus_error error = SD_BUS_ERROR_NULL;
        const uint64_t *ids;
        size_t size;
        char path[64];
        int r;

        entry_path(path, sizeof(path), id);
        r = sd_bus_call_method(t->bus, BUS_NAME, path, "org.ioreg.Entry1", "GetParents", &error, &reply, "s",
                               "IOService");
        sd_bus_error_free(&error);
        if (r < 0)
                return 0;
        r = sd_bus_message_read_array(reply, 't', (const void **) &ids, &size);
        return r >= 0 && size >= sizeof(uint64_t) ? ids[0] : 0;
}

bool driver_test_wait(DriverTest *t, bool (*cond)(DriverTest *t, const void *arg), const void *arg,
                      unsigned timeout_ms) {
        for (unsigned waited = 0;; waited += 20) {
                if (cond(t, arg))
                        return true;
                if (waited >= timeout_ms)
                        return false;
                usleep(20 * 1000);
        }
}

bool pid_alive(pid_t pid) {
        char path[64], state = 0;
        FILE *f;

        snprintf(path, sizeof(path), "/proc/%d/stat", (int) pid);
        f = fopen(path, "re");
        if (!f)
                return false;
        /* "PID (comm) S ...": a zombie has exited already. */
        if (fscanf(f, "%*d (%*[^)]) %c", &state) != 1)
                state = 0;
        fclose(f);
        return state != 0 && state != 'Z' && state != 'X';
}

bool driver_test_stop_file(DriverTest *t, const char *name, uint64_t id) {
        char path[512];

        snprintf(path, sizeof(path), "%s/%s-%" PRIx64, t->stop_dir, name, id);
        return access(path, F_OK) == 0;
}
