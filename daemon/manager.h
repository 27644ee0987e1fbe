/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * manager.h: the daemon's top object. Owns the event loop, the bus
 * connection and the registry, and ties them together (systemd's Manager).
 */
#pragma once

#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include "catalogue.h"
#include "device-tree.h"
#include "matcher.h"
#include "personality.h"
#include "registry.h"
#include "udev-source.h"
#include "bus-context.h"
#include "protocol.h"


typedef struct PowerPoll PowerPoll;
typedef struct DriverHost DriverHost;

typedef struct ManagerConfig {
        const char *bus_address; /* borrowed; NULL: $IOREG_BUS_ADDRESS, else the system bus */
        const char *sysfs_root;  /* borrowed; NULL: /sys */
        bool no_udev;            /* only the registry core: no devices */
        char *const *personality_dirs; /* borrowed, NULL-terminated, may be NULL: --personalities
                                        * directories, read after the vendor's and the admin's */
        const char *snapshot;    /* borrowed; a saved registry to serve instead of udev, or NULL */
        const char *snapshot_plane; /* borrowed; the plane the snapshot shows */
        bool snapshot_set_aside;    /* the snapshot's own drivers hold no category (--mac-drivers=aside) */
        unsigned notify_limit;   /* events pending per subscription; 0: Apple's 1024 */
        uint64_t max_message_bytes; /* no answer or signal larger; 0: BUS_DEFAULT_MAX_MESSAGE */
        uint64_t power_poll_usec; /* runtime PM poll interval; 0: the default (1 s), UINT64_MAX: never */
        const char *logind_bus;  /* borrowed; where logind is: NULL the daemon's own bus, "system",
                                  * "none", or a bus address */
        uint64_t sleep_timeout_usec; /* system power answers; 0: the default (30 s) */
        int trust;               /* personality files must be root's (trust.h): 1 yes, -1 no,
                                  * 0 only on the system bus (no bus_address, no $IOREG_BUS_ADDRESS) */
} ManagerConfig;

typedef struct Manager {
        sd_event *event;           /* owned */
        sd_bus *bus;               /* owned */
        Registry *registry;        /* owned */
        Entry *platform;           /* borrowed from the registry */
        Entry *resources;          /* borrowed from the registry */
        Catalogue *catalogue;      /* owned: the personalities */
        Matcher *matcher;          /* owned: matches every registered nub against the catalogue */
        DeviceTree devices;        /* the device nubs, fed by the udev source */
        bool devices_ready;        /* devices was initialised */
        UdevSource *udev;          /* owned, NULL with --no-udev */
        bool no_udev;
        char *snapshot;            /* owned, NULL unless serving a saved registry */
        char *snapshot_plane;      /* owned, with snapshot */
        bool snapshot_set_aside;
        char *sysfs_root;          /* owned */
        char **personality_dirs;   /* owned strv, lowest priority first */
        PersonalityList personalities; /* owned: the catalogue's input, from personality_dirs */
        unsigned notify_limit;     /* 0: the default */
        uint64_t max_message_bytes; /* 0: the default */
        PowerPoll *power_poll;     /* owned: runtime PM polling, NULL without devices */
        uint64_t power_poll_usec;  /* 0: never */
        sd_bus *logind_bus;        /* owned reference (may be bus), NULL without logind */
        char *logind_address;      /* owned: config's logind_bus, NULL for the daemon's own bus */
        uint64_t sleep_timeout_usec;
        DriverHost *driver_host;   /* owned: driver servers (driver-host.h); NULL with a snapshot */
        BusContext ctx;            /* the bus objects' view (bus-context.h); owns their state */
        bool ready_sent;           /* READY=1 went to the service manager (manager-ready.c) */
        sd_event_source *watchdog; /* owned: asks the bus, feeds WATCHDOG=1 on its answer (manager-watchdog.c) */
        sd_bus_slot *watchdog_ask; /* owned: the question in flight */
} Manager;

int manager_new(const ManagerConfig *config, Manager **ret);
Manager *manager_free(Manager *m);
DEFINE_TRIVIAL_CLEANUP_FUNC(Manager *, manager_free);

/*
 * (Re)reads every personality directory and replaces m->personalities with
 * what it found; bad files and personalities are logged and skipped. Returns
 * 0, or -ENOMEM (the old list is kept). For start-up and reloads.
 */
int manager_load_personalities(Manager *m);

/*
 * WATCHDOG=1 while the daemon is healthy on the bus (manager-watchdog.c): not from the loop
 * alone, but on the bus's answer to a question asked every third of $WATCHDOG_USEC. A bus that
 * stops reading or answering the daemon stops the pings, and systemd restarts it. 0 when the
 * service manager wants no watchdog.
 */
int manager_watchdog_start(Manager *m);
void manager_watchdog_stop(Manager *m);
/*
 * Reads the personality directories again and hands the result to the
 * matcher: new personalities are matched against registered nubs, removed
 * ones have their drivers terminated, unchanged ones are left alone
 * (SIGHUP, and the ReloadCatalogue call).
 */
int manager_reload_catalogue(Manager *m);
/*
 * Builds the registry (Root, the platform expert, IOResources), then the
 * devices (coldplug); with a snapshot, loads it instead (snapshot.h).
 */
int manager_build_registry(Manager *m);
/* Points m->ctx at the manager's objects and operations (before any bus_*_register()). */
void manager_fill_bus_context(Manager *m);
/* Connects to the bus, exports the registry and takes the well-known name. */
int manager_connect_bus(Manager *m, const char *address);
/*
 * Privileged operations (the bus checks the caller; manager-admin.c).
 *
 * Terminate: e and its subtree, as a removed device would go (the matcher
 * and the device tree are told). Returns the number of entries removed;
 * -EPERM for the daemon's own entries (Root, the platform expert,
 * IOResources, IOPMrootDomain), -EOPNOTSUPP for an entry that is not an
 * IOService, -ESTALE for a removed one. A device nub terminated this way
 * comes back on its next uevent or resync, as the kernel still has it.
 */
int manager_terminate_entry(Manager *m, Entry *e);
/*
 * setProperties: Apple's default refuses (kIOReturnUnsupported) and each
 * class decides. Here the entries of drivers the matcher started accept:
 * the keys are merged into the entry's properties, all or none (the driver
 * host will forward them to the driver). -EOPNOTSUPP for any other entry,
 * -EPERM with *ret_bad_key (static) for a key the matcher owns (IOClass,
 * IOProviderClass, IOMatchCategory, IOProbeScore, ...). -ELOOP for values
 * nested deeper than VALUE_MAX_NESTING, -E2BIG when the entry's properties
 * would take more than ENTRY_MAX_PROPERTY_BYTES (registry.h).
 */
bool manager_entry_accepts_properties(const Manager *m, const Entry *e);
int manager_set_entry_properties(Manager *m, Entry *e, Value *dict, const char **ret_bad_key);

/*
 * The service manager's view (manager-ready.c): STATUS= lines, and READY=1
 * once on the bus and the coldplug pass is quiet (Root not busy). Called on
 * start and whenever Root stops being busy; sends READY=1 once.
 */
void manager_ready_check(Manager *m);

/* Runs the event loop until SIGTERM or SIGINT; pings the watchdog when $WATCHDOG_USEC asks. */
int manager_run(Manager *m);
