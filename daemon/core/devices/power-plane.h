/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * power-plane.h: the IOPower plane (issue "udev → registry"). Pure: it
 * reads device records and changes links; the device tree calls it.
 *
 * - Root: IOPMrootDomain, directly below Root (registry_publish_root_domain()).
 * - Members: a nub is in IOPower when its device takes part in the kernel's
 *   power management, i.e. sysfs has power/runtime_status for it (all
 *   devices but a few such as CPU caches). IOLinuxKernelDriver entries are
 *   not: Linux keeps power state per device, not per driver.
 * - Power parent: the nub of the nearest sysfs ancestor in IOPower (the PM
 *   core resumes a parent before its children, as Apple's power parents
 *   do), else IOPMrootDomain.
 * - Device links (/sys/devices/virtual/devlink/SUPPLIER--CONSUMER,
 *   subsystem "devlink", with supplier and consumer links): the supplier
 *   becomes a further power parent of the consumer (the PM core resumes
 *   suppliers before consumers too). A link is an edge, not a device: it
 *   has no nub of its own. Links wait for a supplier or consumer that is not
 *   there yet and attach when it comes; removing the link (or resync not
 *   finding it) detaches the edge. An edge that was already there (supplier
 *   is the sysfs power parent) is left alone. A link whose supplier or
 *   consumer symlink is missing (the kernel makes them after the add uevent,
 *   and not at all for some links, such as libata's ":ata2--scsi:1:0:0:0")
 *   is known by its name, BUS:SUPPLIER--BUS:CONSUMER: find() then gets
 *   "BUS:NAME" (BUS the bus or class, empty when the device has neither)
 *   instead of a syspath.
 * - IOPowerManagement (Apple's keys) from runtime PM, in three states as
 *   Apple's families describe theirs: 0 off (system sleep: never seen while
 *   the daemon runs), 1 runtime-suspended (kIOPMLowPower), 2 active
 *   (kIOPMPowerOn | kIOPMDeviceUsable). CurrentPowerState from
 *   power/runtime_status (suspending counts as 2 and resuming as 1 until
 *   done, as Apple reports the state it is in), MaxPowerState 2,
 *   DevicePowerState 2 when power/control is "on" (user space holds the
 *   device on, Apple's changePowerStateTo()) else 0, CapabilityFlags of the
 *   current state. Linux keys alongside: RuntimeStatus, Control.
 * - PowerStates (in IOPowerManagement): the three states as the array a
 *   driver gives registerPowerDriver(), one dictionary per IOPMPowerState
 *   with the structure's field names as keys (version 1, capabilityFlags,
 *   outputPowerCharacter, inputPowerRequirement, staticPower,
 *   unbudgetedPower, powerToAttain, timeToAttain, settleUpTime,
 *   timeToLower, settleDownTime, powerDomainBudget); Linux knows no powers
 *   or times, so those are 0 ("unknown", as Apple allows). Apple keeps the
 *   array in the driver; we publish it, one array every member shares.
 * - Keeping up: the values come from each add or change uevent, and, since
 *   runtime PM transitions send no uevent, from polling: power_plane_poll()
 *   reads power/runtime_status of every member whose runtime PM is enabled
 *   (status not "unsupported"), one small file each, allocating nothing
 *   when it is unchanged (power-poll.h runs it on a timer). A member whose
 *   CurrentPowerState changed, whichever way we learnt it, is reported to
 *   on_state_change after its properties are up to date: Linux tells us
 *   after the fact, so Apple's will/has messages are both sent then.
 */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include "device-record.h"
#include "registry.h"

#define POWER_STATE_OFF 0
#define POWER_STATE_SUSPENDED 1
#define POWER_STATE_ON 2
#define IOPM_POWER_ON 0x2           /* kIOPMPowerOn */
#define IOPM_DEVICE_USABLE 0x8000   /* kIOPMDeviceUsable */
#define IOPM_LOW_POWER 0x10000      /* kIOPMLowPower */
#define IOPM_POWER_STATE_VERSION1 1 /* kIOPMPowerStateVersion1 */
#define POWER_STATE_COUNT 3

/* Resolves a syspath, or a devlink end "BUS:NAME", to its nub when in IOPower (borrowed), else NULL. */
typedef Entry *(*PowerPlaneFind)(void *userdata, const char *syspath);

/*
 * A member's CurrentPowerState went from `from` to `to` (from != to). When
 * power_plane_poll() found a change (even within a state: active →
 * suspending), it updated IOPowerManagement itself and announced it
 * (entry_announce_properties()) first, as no uevent replaced the properties.
 */
typedef void (*PowerPlaneStateChange)(void *userdata, Entry *e, unsigned from, unsigned to);
/* Reads the small file at path into buf (NUL-terminated). Returns its length or a negative errno. */
typedef ssize_t (*PowerPlaneRead)(void *userdata, const char *path, char *buf, size_t size);

typedef struct PowerPlane {
        Registry *registry;  /* borrowed */
        Entry *root_domain;  /* borrowed: published with the platform expert, never removed */
        Hashmap links;       /* devlink syspath → PowerLink *, owning; keys borrowed from them */
        Hashmap members;     /* entry id → PowerMember *, owning; keys borrowed from them */
        Value *states;       /* owned: the PowerStates array, shared by every member */
        PowerPlaneFind find;
        void *userdata;      /* borrowed; find's */
        PowerPlaneStateChange on_state_change; /* NULL: nobody listens */
        void *state_userdata; /* borrowed; on_state_change's */
} PowerPlane;

int power_plane_init(PowerPlane *p, Registry *reg, Entry *root_domain, PowerPlaneFind find, void *userdata);
void power_plane_done(PowerPlane *p);

/*
 * Adds IOPowerManagement to props when d is power-managed. Returns 1 then,
 * 0 when d is not (no power/runtime_status), -ENOMEM.
 */
int power_plane_describe(const PowerPlane *p, const DeviceRecord *d, Value *props);

/*
 * After an event applied d to its nub e (e in IOPower): remembers e's runtime
 * status for polling and reports a CurrentPowerState change against what was
 * known before. Returns 1 when the state changed, 0 when not, -ENOMEM.
 */
int power_plane_track(PowerPlane *p, Entry *e, const DeviceRecord *d);
/*
 * Reads the runtime status of every tracked member with runtime PM enabled
 * through read; for each that changed, updates its IOPowerManagement and
 * reports a state change. Members that left the registry are forgotten.
 * Returns the number of members whose status changed.
 */
unsigned power_plane_poll(PowerPlane *p, PowerPlaneRead read_fn, void *userdata);
/* e leaves the registry: forget it (polling also drops members that left). */
void power_plane_forget(PowerPlane *p, Entry *e);
/* The two interest messages for a change: Device{WillPowerOff,HasPoweredOff} or Device{WillPowerOn,HasPoweredOn}. */
void power_plane_messages(unsigned from, unsigned to, uint32_t *ret_will, uint32_t *ret_has);
/* The interest messages' argument: the new state, its capability flags in the upper 32 bits. */
uint64_t power_plane_message_argument(unsigned to);

/* Puts e in IOPower below parent (NULL: the root domain). */
int power_plane_join(PowerPlane *p, Entry *e, Entry *parent);

static inline bool power_plane_is_link(const DeviceRecord *d) {
        return d && d->subsystem && streq(d->subsystem, "devlink");
}

/*
 * Applies one devlink record (any action; remove detaches). sweep is the
 * resync generation that saw it. Returns 1 when the plane changed, 0 when
 * not, -EINVAL for a link with neither symlinks nor a BUS:NAME--BUS:NAME name, -ENOMEM.
 */
int power_plane_apply_link(PowerPlane *p, const DeviceRecord *d, uint64_t sweep);
/* A device came: attaches the links that waited for it. Returns the number attached. */
unsigned power_plane_device_added(PowerPlane *p, const char *syspath);
/* Resync: drops the links not seen in generation sweep. Returns how many. */
unsigned power_plane_sweep(PowerPlane *p, uint64_t sweep);
unsigned power_plane_n_links(const PowerPlane *p);
