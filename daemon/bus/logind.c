/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* logind.c: see logind.h. */

#include <assert.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "logind.h"
#include "log.h"

struct Logind {
        sd_bus *bus;              /* owned reference */
        sd_bus_slot *prepare;     /* owned: the PrepareForSleep match */
        sd_bus_slot *owner;       /* owned: the NameOwnerChanged match */
        sd_bus_slot *call;        /* owned: the Inhibit call in flight, or NULL */
        int fd;                   /* owned: the delay inhibitor, -1 when none */
        bool warned;              /* said once that logind is not there */
        LogindPrepareForSleep on_prepare;
        void *userdata;           /* borrowed; on_prepare's */
};

static int on_inhibit_reply(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        Logind *l = userdata;
        const sd_bus_error *e;
        int fd, r;

        l->call = sd_bus_slot_unref(l->call);
        e = sd_bus_message_get_error(reply);
        if (e) {
                if (!l->warned)
                        log_info("No sleep inhibitor from logind (%s), running without system power "
                                 "notifications until it appears.", e->message ?: e->name);
                l->warned = true;
                return 0;
        }
        r = sd_bus_message_read(reply, "h", &fd);
        if (r >= 0) {
                /* The message owns fd: keep a copy of our own. */
                fd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
                r = fd < 0 ? -errno : 0;
        }
        if (r < 0) {
                log_warning_errno(r, "Bad Inhibit reply from logind, ignoring: %m");
                return 0;
        }
        if (l->fd >= 0)
                (void) close(l->fd);
        l->fd = fd;
        l->warned = false;
        log_debug("logind: holding a sleep delay inhibitor (fd %d)", fd);
        return 0;
}

int logind_take_inhibitor(Logind *l) {
        int r;

        assert(l);
        if (l->fd >= 0 || l->call)
                return 0;
        r = sd_bus_call_method_async(l->bus, &l->call, LOGIND_BUS_NAME, LOGIND_OBJECT_PATH,
                                     LOGIND_MANAGER_INTERFACE, "Inhibit", on_inhibit_reply, l, "ssss", "sleep",
                                     "ioregd", "Telling IORegisterForSystemPower clients the system will sleep",
                                     "delay");
        if (r < 0)
                return log_warning_errno(r, "Cannot ask logind for a sleep inhibitor: %m");
        return 0;
}

bool logind_release_inhibitor(Logind *l) {
        assert(l);
        if (l->fd < 0)
                return false;
        (void) close(l->fd);
        l->fd = -1;
        log_debug("logind: sleep delay inhibitor released");
        return true;
}

bool logind_holds_inhibitor(const Logind *l) {
        return l && l->fd >= 0;
}

static int on_prepare_for_sleep(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        Logind *l = userdata;
        int start, r;

        r = sd_bus_message_read(m, "b", &start);
        if (r < 0) {
                log_warning_errno(r, "Bad PrepareForSleep signal, ignoring: %m");
                return 0;
        }
        log_info("logind: %s.", start ? "the system is about to sleep" : "the system has resumed");
        l->on_prepare(l->userdata, start);
        return 0;
}

static int on_owner_changed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        Logind *l = userdata;
        const char *name, *old_owner, *new_owner;
        int r;

        r = sd_bus_message_read(m, "sss", &name, &old_owner, &new_owner);
        if (r < 0)
                return 0;
        if (!new_owner || !*new_owner) {
                /* logind left: its inhibitor means nothing any more. */
                (void) logind_release_inhibitor(l);
                return 0;
        }
        log_debug("logind: %s is now %s", name, new_owner);
        (void) logind_release_inhibitor(l); /* a new logind knows nothing of the old one's */
        (void) logind_take_inhibitor(l);
        return 0;
}

int logind_new(sd_bus *bus, LogindPrepareForSleep on_prepare, void *userdata, Logind **ret) {
        _cleanup_(logind_freep) Logind *l = NULL;
        int r;

        assert(bus && on_prepare && ret);
        l = calloc(1, sizeof(*l));
        if (!l)
                return -ENOMEM;
        l->fd = -1;
        l->bus = sd_bus_ref(bus);
        l->on_prepare = on_prepare;
        l->userdata = userdata;
        r = sd_bus_match_signal_async(bus, &l->prepare, LOGIND_BUS_NAME, LOGIND_OBJECT_PATH,
                                      LOGIND_MANAGER_INTERFACE, "PrepareForSleep", on_prepare_for_sleep, NULL, l);
        if (r >= 0)
                r = sd_bus_add_match_async(bus, &l->owner,
                                           "type='signal',sender='org.freedesktop.DBus',"
                                           "path='/org/freedesktop/DBus',interface='org.freedesktop.DBus',"
                                           "member='NameOwnerChanged',arg0='" LOGIND_BUS_NAME "'",
                                           on_owner_changed, NULL, l);
        if (r < 0)
                return r;
        /* The matches are added before the call: no PrepareForSleep can fall between. */
        r = logind_take_inhibitor(l);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(l);
        return 0;
}

Logind *logind_free(Logind *l) {
        if (!l)
                return NULL;
        sd_bus_slot_unref(l->call);
        sd_bus_slot_unref(l->prepare);
        sd_bus_slot_unref(l->owner);
        if (l->fd >= 0)
                (void) close(l->fd);
        sd_bus_unref(l->bus);
        free(l);
        return NULL;
}
