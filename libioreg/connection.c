/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * connection.c: the process's one synchronous connection to the daemon,
 * guarded by a mutex, and the runs of the daemon seen on any connection.
 */

#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bus-client.h"
#include "lib-internal.h"
#include "protocol.h"

static pthread_mutex_t bus_mutex = PTHREAD_MUTEX_INITIALIZER;
static sd_bus *shared_bus; /* owned, guarded by bus_mutex */

/* Unique names of the daemon's runs, in the order seen; a run is its index + 1. */
static pthread_mutex_t run_mutex = PTHREAD_MUTEX_INITIALIZER;
static char **run_owners; /* owned, guarded by run_mutex */
static unsigned n_run_owners, cap_run_owners;

uint64_t lib_run_for_owner(const char *owner) {
        uint64_t run = 0;
        char *copy;

        if (!owner || !*owner)
                return 0;
        pthread_mutex_lock(&run_mutex);
        /* Newest first: a lookup is nearly always for the current run. */
        for (unsigned i = n_run_owners; i > 0; i--)
                if (streq(run_owners[i - 1], owner)) {
                        run = i;
                        goto out;
                }
        copy = strdup(owner);
        if (copy && GROW(run_owners, cap_run_owners, n_run_owners + 1) >= 0) {
                run_owners[n_run_owners++] = copy;
                run = n_run_owners;
        } else
                free(copy);
out:
        pthread_mutex_unlock(&run_mutex);
        return run;
}

ioreg_return_t lib_bus_lock(sd_bus **ret) {
        int r;

        pthread_mutex_lock(&bus_mutex);
        /* A connection the bus closed (dbus-daemon restarted) is replaced. */
        if (shared_bus && sd_bus_is_open(shared_bus) <= 0)
                shared_bus = sd_bus_flush_close_unref(shared_bus);
        if (!shared_bus) {
                r = bus_client_connect(&shared_bus);
                if (r < 0) {
                        shared_bus = NULL;
                        pthread_mutex_unlock(&bus_mutex);
                        return IOREG_RETURN_NO_DEVICE;
                }
        }
        *ret = shared_bus;
        return IOREG_RETURN_SUCCESS;
}

void lib_bus_unlock(sd_bus **bus) {
        if (*bus) {
                *bus = NULL;
                pthread_mutex_unlock(&bus_mutex);
        }
}

/* Frees the shared connection when the library is unloaded, so leak checkers see nothing. */
static void __attribute__((destructor)) connection_fini(void) {
        pthread_mutex_lock(&bus_mutex);
        shared_bus = sd_bus_flush_close_unref(shared_bus);
        pthread_mutex_unlock(&bus_mutex);
        pthread_mutex_lock(&run_mutex);
        for (unsigned i = 0; i < n_run_owners; i++)
                free(run_owners[i]);
        free(run_owners);
        run_owners = NULL;
        n_run_owners = cap_run_owners = 0;
        pthread_mutex_unlock(&run_mutex);
}

ioreg_return_t lib_call_message(sd_bus *bus, sd_bus_message *m, sd_bus_message **ret_reply, uint64_t *ret_run) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        sd_bus_message *reply = NULL;
        int r;

        r = sd_bus_call(bus, m, 0, &error, &reply);
        if (r < 0)
                return lib_return_from_bus_error(&error, r);
        if (ret_run)
                *ret_run = lib_run_for_owner(sd_bus_message_get_sender(reply));
        if (ret_reply)
                *ret_reply = reply;
        else
                sd_bus_message_unref(reply);
        return IOREG_RETURN_SUCCESS;
}

static ioreg_return_t call_va(sd_bus *bus, sd_bus_message **ret_reply, uint64_t *ret_run, const char *path,
                              const char *interface, const char *member, const char *types, va_list ap) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        int r;

        r = sd_bus_message_new_method_call(bus, &m, IOREG_BUS_NAME, path, interface, member);
        if (r >= 0 && types)
                r = sd_bus_message_appendv(m, types, ap);
        if (r < 0)
                return lib_return_from_errno(r);
        return lib_call_message(bus, m, ret_reply, ret_run);
}

ioreg_return_t lib_call(sd_bus *bus, sd_bus_message **ret_reply, uint64_t *ret_run, const char *path,
                        const char *interface, const char *member, const char *types, ...) {
        ioreg_return_t ret;
        va_list ap;

        va_start(ap, types);
        ret = call_va(bus, ret_reply, ret_run, path, interface, member, types, ap);
        va_end(ap);
        return ret;
}

char *lib_entry_path(uint64_t id, char buf[static LIB_ENTRY_PATH_MAX]) {
        (void) snprintf(buf, LIB_ENTRY_PATH_MAX, IOREG_OBJECT_PATH "/entry/%016" PRIx64, id);
        return buf;
}

ioreg_return_t lib_entry_call(sd_bus *bus, LibEntry *e, sd_bus_message **ret_reply, const char *member,
                              const char *types, ...) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        char path[LIB_ENTRY_PATH_MAX];
        ioreg_return_t ret;
        uint64_t run;
        va_list ap;

        va_start(ap, types);
        ret = call_va(bus, &reply, &run, lib_entry_path(e->id, path), IOREG_ENTRY_INTERFACE, member, types, ap);
        va_end(ap);
        /* An error from another run says nothing about e either. */
        if (ret == IOREG_RETURN_SUCCESS && run != atomic_load(&e->run))
                return IOREG_RETURN_NO_DEVICE;
        if (ret != IOREG_RETURN_SUCCESS)
                return ret;
        if (ret_reply)
                *ret_reply = TAKE_PTR(reply);
        return IOREG_RETURN_SUCCESS;
}

ioreg_return_t lib_entry_get_property(sd_bus *bus, LibEntry *e, const char *property, const char *contents,
                                      sd_bus_message **ret_reply) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        char path[LIB_ENTRY_PATH_MAX];
        ioreg_return_t ret;
        uint64_t run;
        int r;

        ret = lib_call(bus, &reply, &run, lib_entry_path(e->id, path), "org.freedesktop.DBus.Properties", "Get",
                       "ss", IOREG_ENTRY_INTERFACE, property);
        if (ret != IOREG_RETURN_SUCCESS)
                return ret;
        if (run != atomic_load(&e->run))
                return IOREG_RETURN_NO_DEVICE;
        r = sd_bus_message_enter_container(reply, 'v', contents);
        if (r < 0)
                return lib_return_from_errno(r);
        *ret_reply = TAKE_PTR(reply);
        return IOREG_RETURN_SUCCESS;
}

int lib_read_ids(sd_bus_message *m, uint64_t **ret, size_t *ret_n) {
        const void *p;
        size_t size;
        uint64_t *ids;
        int r;

        r = sd_bus_message_read_array(m, 't', &p, &size);
        if (r < 0)
                return r;
        ids = malloc(size ? size : 1);
        if (!ids)
                return -ENOMEM;
        if (size)
                memcpy(ids, p, size);
        *ret = ids;
        *ret_n = size / sizeof(uint64_t);
        return 0;
}

void lib_strlcpy(char *dst, const char *s, size_t n) {
        size_t len = strlen(s);

        if (len >= n) {
                len = n - 1;
                /* Not in the middle of a UTF-8 sequence. */
                while (len > 0 && ((unsigned char) s[len] & 0xc0) == 0x80)
                        len--;
        }
        memcpy(dst, s, len);
        dst[len] = '\0';
}
