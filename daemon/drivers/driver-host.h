/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * driver-host.h: the driver host (DESIGN.md): driver servers in the
 * DriverKit style, behind the matcher's DriverHostOps seam.
 *
 * One process per IOUserServerName, launched on the first probe or start
 * for it (driver-launch.h) once the daemon is on the bus. The server checks
 * in (org.ioreg.DriverHost1.CheckIn, systemd/org.ioreg.DriverHost1.xml);
 * only the process this host launched may (bus credentials: its PID and
 * UID). Then the host calls Probe and Start on the server's connection
 * (org.ioreg.DriverServer1); calls made before the check-in wait for it.
 * A started driver is an instance: the matcher's record of it
 * (MatcherDriver) has the server in its host slot; its entry belongs to the
 * server, and only that server's connection may act on it (properties,
 * opening the provider, child nubs, messages; bus-driver.c).
 *
 * Termination (the nub leaves, or its personality is removed): the
 * matcher's stop reaches the host before the entry is detached; the host
 * sends Message(ServiceIsTerminated) and Stop to the server. A Stop that
 * fails or takes longer than DRIVER_STOP_TIMEOUT_USEC gets the server
 * SIGTERM, and SIGKILL DRIVER_KILL_TIMEOUT_USEC later. A server whose last
 * instance stopped exits by itself (libioreg does this); one that was only
 * probed and holds nothing is sent SIGTERM after DRIVER_IDLE_USEC.
 *
 * Supervision: a server that exits on its own while it has instances or
 * calls under way (or before it checked in) crashed: its instances are
 * terminated, and their nubs, with the nubs of the calls it failed, are
 * matched again after a back-off (driver-backoff.h). At the crash-loop
 * limit, or at the first crash with IOUserServerRestart "no", the host
 * gives up: the nubs get IOUserServerCrashLoop (the server's name), the
 * log says so, probes for the server are refused (other candidates take
 * the nubs) until the catalogue is reloaded.
 *
 * Ownership: the host borrows the event loop, the registry and the
 * matcher (which owns the instances' records); it holds references on the
 * entries of its calls. Four files, each calling only the ones below it:
 * driver-host.c (the seam, the specs, this API), driver-call.c (the D-Bus
 * proxy and its queue), driver-server.c (supervision), driver-instance.c
 * (instances and call records); driver-host-internal.h joins them.
 */
#pragma once

#include <stdint.h>
#include <sys/types.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include "matcher.h"
#include "registry.h"
#include "protocol.h"


#define DRIVER_CHECKIN_TIMEOUT_USEC (UINT64_C(10) * 1000000)
#define DRIVER_CALL_TIMEOUT_USEC (UINT64_C(10) * 1000000)
#define DRIVER_STOP_TIMEOUT_USEC (UINT64_C(5) * 1000000)
#define DRIVER_KILL_TIMEOUT_USEC (UINT64_C(2) * 1000000)
#define DRIVER_IDLE_USEC (UINT64_C(1) * 1000000)

typedef struct DriverHost DriverHost;

typedef struct DriverHostHooks {
        /* Terminates e and its subtree the way a removed device goes (the matcher and device tree told). */
        void (*terminate)(void *userdata, Entry *e);
        void *userdata; /* borrowed */
} DriverHostHooks;

/* The seam the matcher calls (matcher_set_host(m, &driver_host_ops, host)). */
extern const DriverHostOps driver_host_ops;

/* event, reg and matcher are borrowed. installed_dir: where installed servers live (the driver path's last folder). */
int driver_host_new(sd_event *event, Registry *reg, Matcher *matcher, const DriverHostHooks *hooks,
                    const char *installed_dir, DriverHost **ret);
/* Kills the servers still running (SIGTERM) and frees everything. */
DriverHost *driver_host_free(DriverHost *h);
DEFINE_TRIVIAL_CLEANUP_FUNC(DriverHost *, driver_host_free);

/*
 * The personalities loaded (start-up and every reload, before the matcher
 * sees them): each one that wants a driver server gets its spec checked
 * now, not at its first match. One whose spec is wrong (a key of the wrong
 * type, no executable), or whose IOUserServerName is already defined with
 * another spec by an earlier personality, is logged with its file and name
 * and removed from list; the rest load. A server already created keeps its
 * spec. Returns 0, or -ENOMEM (list and the specs unchanged).
 */
int driver_host_load_specs(DriverHost *h, PersonalityList *list);

/* The daemon is on the bus: servers can be launched and called now (the ones waiting are launched). */
int driver_host_attach_bus(DriverHost *h, sd_bus *bus);

/* The catalogue is being reloaded: servers given up on may be tried again. */
void driver_host_reset_crash_loops(DriverHost *h);
/*
 * After the reload's rematch: each nub marked IOUserServerCrashLoop by a server
 * driver_host_reset_crash_loops() reset loses the mark and is matched again, so
 * that an unchanged personality is retried (its server may have been fixed on
 * disk). Returns how many nubs.
 */
unsigned driver_host_retry_crash_loops(DriverHost *h);

/*
 * CheckIn from sender (a unique bus name) whose bus credentials are pid
 * and uid. -EACCES unless a server of that name was launched as exactly
 * that process and has not checked in yet.
 */
int driver_host_check_in(DriverHost *h, const char *sender, pid_t pid, uid_t uid, const char *server_name);

/* After the check-in's reply: the calls that waited for it are sent. */
void driver_host_flush(DriverHost *h, const char *server_name);

/*
 * The driver entry of instance driver_id (borrowed), when sender is the
 * checked-in connection of the server running it. -ESRCH no such instance
 * (or it was stopped), -EACCES another server's.
 */
int driver_host_authorize(DriverHost *h, const char *sender, uint64_t driver_id, Entry **ret_driver);

/* open()/close() of the instance's provider: exclusive. -EBUSY opened by another, -ENOTCONN not open. */
int driver_host_open_provider(DriverHost *h, Entry *driver);
int driver_host_close_provider(DriverHost *h, Entry *driver);
/* Some driver instance has nub open (an application's USBDeviceOpen is refused then: bus-usb.h). */
bool driver_host_provider_is_open(const DriverHost *h, const Entry *nub);

/*
 * Device access (device-access.h): opens the instance's provider (exclusive, as
 * driver_host_open_provider()) and, unless done already, its device node (flags: DEVICE_ACCESS_*), kept in
 * the open record until the driver closes its provider or stops (then revoked where the kernel can, and
 * closed). Called before Start by the kernel-driver arbitration. -EBUSY opened by another, -ESTALE the nub
 * went, -ENODEV the nub has no device node, or the open's errno (-ENOENT, -ENXIO, -EACCES, ...).
 */
int driver_host_prepare_access(DriverHost *h, Entry *driver, unsigned flags);
/* CopyProviderFD: the same with no flags; *ret_fd is the record's, borrowed (the bus sends a dup of it). */
int driver_host_copy_provider_fd(DriverHost *h, Entry *driver, int *ret_fd);

/*
 * A nub of class_name (defined below IOService when new) with props (a
 * dictionary, a new reference is taken) and name (NULL: the class name),
 * attached below driver and registered (matched like any other).
 */
int driver_host_register_nub(DriverHost *h, Entry *driver, const char *class_name, const char *name,
                             Value *props, uint64_t *ret_id);

/*
 * The unique bus name of the server connection running driver, when the
 * instance has started and its server is checked in; else NULL (user
 * clients, bus-user-client.c).
 */
const char *driver_host_server_bus_name(const DriverHost *h, const Entry *driver);

/* For tests and ioreg: the server running driver (NULL if none), its PID (0 if none). */
const char *driver_host_server_of(const DriverHost *h, const Entry *driver);
pid_t driver_host_server_pid(const DriverHost *h, const char *server_name);
