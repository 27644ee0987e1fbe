/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * driver-call.c: the calls to a driver server (driver-host-internal.h).
 * Each server has a queue (calls made before its check-in wait there) and
 * the list of calls sent; a reply completes the call and tells the matcher.
 */

#include <assert.h>
#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "bus-value.h"
#include "driver-host-internal.h"
#include "log.h"
#include "protocol.h"





static int on_call_reply(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error);

static int call_send(HostCall *c) {
        DriverServer *s = c->server;
        DriverHost *h = s->host;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        static const char *const methods[] = {
                [CALL_PROBE] = "Probe", [CALL_START] = "Start", [CALL_STOP] = "Stop", [CALL_MESSAGE] = "Message",
        };
        uint64_t timeout = DRIVER_CALL_TIMEOUT_USEC;
        int r;

        r = sd_bus_message_new_method_call(h->bus, &m, s->unique_name, IOREG_DRIVER_SERVER_PATH, IOREG_DRIVER_SERVER_INTERFACE,
                                           methods[c->kind]);
        if (r < 0)
                return r;
        switch (c->kind) {
        case CALL_PROBE:
                r = sd_bus_message_append(m, "t", c->nub->id);
                if (r >= 0)
                        r = bus_message_append_dict(m, c->table);
                if (r >= 0)
                        r = sd_bus_message_append(m, "i", c->score);
                break;
        case CALL_START:
                r = sd_bus_message_append(m, "tt", c->driver_id, c->nub->id);
                if (r >= 0)
                        r = bus_message_append_dict(m, c->driver->properties);
                break;
        case CALL_STOP:
                r = sd_bus_message_append(m, "t", c->driver_id);
                timeout = DRIVER_STOP_TIMEOUT_USEC;
                break;
        case CALL_MESSAGE:
                r = sd_bus_message_append(m, "tut", c->driver_id, c->message, (uint64_t) 0);
                break;
        }
        if (r < 0)
                return r;
        return sd_bus_call_async(h->bus, &c->slot, m, on_call_reply, c, timeout);
}

void driver_server_submit(DriverServer *s, HostCall *c) {
        c->server = s;
        driver_call_list_append(&s->queued, c);
        if (s->state == SERVER_RUNNING && !s->retiring && !s->signalled) {
                s->timer = sd_event_source_disable_unref(s->timer); /* the idle timeout */
                driver_server_send_queued(s);
        } else if (s->state == SERVER_IDLE)
                (void) driver_server_launch(s);
}

void driver_server_send_queued(DriverServer *s) {
        HostCall *c;

        while ((c = s->queued)) {
                int r;

                s->queued = c->next;
                c->next = NULL;
                /* Its nub or driver went while it waited: nothing to ask. */
                if ((c->kind == CALL_START && (c->driver->state & ENTRY_STATE_INACTIVE)) ||
                    ((c->kind == CALL_PROBE || c->kind == CALL_START) && (c->nub->state & ENTRY_STATE_INACTIVE))) {
                        driver_host_release_call_instance(s->host, c);
                        driver_call_complete(c, -ESTALE, c->score);
                        continue;
                }
                r = call_send(c);
                if (r < 0) {
                        log_warning_errno(r, "Cannot call driver server %s: %m", s->name);
                        driver_host_release_call_instance(s->host, c);
                        driver_call_complete(c, r, c->score);
                        continue;
                }
                driver_call_list_append(&s->sent, c);
        }
        driver_server_check_idle(s);
}


/*
 * ServiceIsTerminated, then Stop, for driver: sent at once to the process
 * that holds the instance (even while it retires), not queued behind calls
 * meant for its successor.
 */
void driver_server_send_termination(DriverServer *s, Entry *driver) {
        static const CallKind kinds[] = { CALL_MESSAGE, CALL_STOP };

        if (s->state != SERVER_RUNNING)
                return; /* not checked in: it never ran the instance */
        for (size_t i = 0; i < ELEMENTSOF(kinds); i++) {
                HostCall *c = calloc(1, sizeof(*c));

                if (c)
                        *c = (HostCall) {
                                .kind = kinds[i],
                                .server = s,
                                .driver = entry_ref(driver),
                                .driver_id = driver->id,
                                .message = IO_MESSAGE_SERVICE_IS_TERMINATED,
                        };
                if (c && c->kind == CALL_STOP && driver->registry) {
                        /* Apple's phase 2: the entry (so its nub) stays until Stop has returned or timed out. */
                        entry_hold_removal(driver);
                        c->ends_access = true;
                }
                if (!c || call_send(c) < 0) {
                        driver_call_free(c);
                        log_warning("Driver server %s: cannot send it Stop, sending SIGTERM.", s->name);
                        driver_host_end_access(s->host, driver->id);
                        driver_server_kill(s, SIGTERM);
                        return;
                }
                driver_call_list_append(&s->sent, c);
        }
}

static void on_start_reply(HostCall *c, int r, const sd_bus_error *e) {
        DriverServer *s = c->server;
        DriverHost *h = s->host;

        if (r >= 0 && (!c->instance || !matcher_find_driver(h->matcher, c->driver_id) ||
                       (c->driver->state & ENTRY_STATE_INACTIVE))) {
                /* Started, but its nub went meanwhile: stop it again. */
                if (c->instance) {
                        driver_host_release_call_instance(h, c);
                        if (s->n_instances == 0)
                                s->retiring = true;
                        driver_server_send_termination(s, c->driver);
                }
                driver_call_complete(c, -ESTALE, 0);
                return;
        }
        if (r < 0) {
                log_info("Driver server %s: Start of %s on %s failed: %s", s->name, entry_get_name(c->driver, NULL),
                         entry_get_name(c->nub, NULL), e ? e->message : strerror(-r));
                driver_host_release_call_instance(h, c);
                driver_host_terminate_children(h, c->driver);
                driver_call_complete(c, r, 0);
                return;
        }
        c->instance = false; /* the matcher's record holds it now (started, host slot = s) */
        log_info("Driver server %s: started %s (0x%" PRIx64 ") on %s.", s->name, entry_get_name(c->driver, NULL),
                 c->driver_id, entry_get_name(c->nub, NULL));
        driver_call_complete(c, 0, 0);
}

static int on_call_reply(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        HostCall *c = userdata;
        DriverServer *s = c->server;
        const sd_bus_error *e = sd_bus_message_get_error(reply);
        int r = 0;

        driver_call_list_unlink(&s->sent, c);
        c->slot = sd_bus_slot_unref(c->slot);
        if (e)
                r = -sd_bus_error_get_errno(e) ?: -EIO;

        switch (c->kind) {
        case CALL_PROBE: {
                int accept = 0;
                int32_t score = c->score;

                if (r >= 0)
                        r = sd_bus_message_read(reply, "bi", &accept, &score);
                if (r < 0)
                        log_info("Driver server %s: Probe on %s failed: %s", s->name, entry_get_name(c->nub, NULL),
                                 e ? e->message : strerror(-r));
                driver_call_complete(c, r < 0 ? r : accept ? 0 : -ENODEV, r < 0 ? c->score : score);
                break;
        }
        case CALL_START:
                on_start_reply(c, r, e);
                break;
        case CALL_STOP:
                if (r < 0 && s->pid > 0 && !s->signalled) {
                        log_warning("Driver server %s: Stop of 0x%" PRIx64 " failed (%s), sending SIGTERM.", s->name,
                                    c->driver_id, e ? e->message : strerror(-r));
                        driver_server_kill(s, SIGTERM);
                } else if (s->retiring && s->pid > 0 && !s->signalled)
                        /* It exits by itself now; if it does not, it is made to. */
                        driver_server_arm_timer(s, DRIVER_STOP_TIMEOUT_USEC);
                driver_call_free(c);
                break;
        case CALL_MESSAGE:
                driver_call_free(c);
                break;
        }
        driver_server_check_idle(s);
        return 0;
}
