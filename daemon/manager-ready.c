/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * manager-ready.c: manager_ready_check(), what systemd hears (Type=notify).
 * READY=1 waits for the quiet registry, as WaitQuiet does: a unit ordered
 * after ioregd.service then finds every coldplugged device matched.
 */

#include <systemd/sd-daemon.h>

#include "manager.h"
#include "log.h"

static unsigned count_drivers(const Manager *m) {
        unsigned n = 0;
        void *v;

        if (!m->matcher)
                return 0;
        for (unsigned i = 0; hashmap_next(&m->registry->by_id, &i, NULL, &v);)
                if (matcher_driver_personality(m->matcher, v))
                        n++;
        return n;
}

void manager_ready_check(Manager *m) {
        int r;

        if (m->ready_sent || !m->bus)
                return; /* not on the bus yet: manager_run() asks again */
        if (m->registry->root->busy > 0) {
                (void) sd_notifyf(false, "STATUS=Coldplug: %u devices, %u entries busy", m->devices.n_added,
                                  m->registry->root->busy);
                return;
        }
        m->ready_sent = true;
        r = sd_notifyf(false, "READY=1\nSTATUS=Ready: %u entries, %u drivers", registry_n_entries(m->registry),
                       count_drivers(m));
        if (r < 0)
                log_warning_errno(r, "Cannot tell the service manager we are ready, ignoring: %m");
        else if (r > 0)
                log_debug("Told the service manager: ready.");
}
