/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* manager.c: see manager.h. */

#include <assert.h>
#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>

#include "bus-announce.h"
#include "bus-catalogue.h"
#include "bus-driver.h"
#include "bus-flow.h"
#include "bus-notify.h"
#include "bus-peers.h"
#include "bus-polkit.h"
#include "bus-user-client.h"
#include "bus-usb.h"
#include "bus-registry.h"
#include "bus-restricted.h"
#include "bus-system-power.h"
#include "driver-host.h"
#include "manager.h"
#include "personality-dirs.h"
#include "platform-expert.h"
#include "platform-info.h"
#include "power-poll.h"
#include "registry-path.h"
#include "snapshot.h"
#include "trust.h"
#include "log.h"

/*
 * The manager's one subscription to the registry: every entry created or
 * removed, whoever does it (device tree, matcher, snapshot, clients), goes
 * to the announcer; property and busy changes and the matcher's service
 * notifications to the notification hub.
 */
_hot_ static void on_entry_added(void *userdata, Entry *e) {
        Manager *m = userdata;

        if (m->ctx.announce)
                bus_announce_entry(m->ctx.announce, e, true);
}

_hot_ static void on_entry_removed(void *userdata, Entry *e) {
        Manager *m = userdata;

        /* Still in its planes: its paths travel with its Terminated notifications (libioreg answers them). */
        if (registry_entry_keep_paths(m->registry, e) < 0)
                log_warning("Entry 0x%" PRIx64 " leaves without its paths (out of memory).", e->id);
        if (m->ctx.announce)
                bus_announce_entry(m->ctx.announce, e, false);
}

static void on_properties_changed(void *userdata, Entry *e) {
        bus_notify_properties_changed(&((Manager *) userdata)->ctx, e);
}

_hot_ static void on_busy_changed(void *userdata, Entry *e, bool busy) {
        Manager *m = userdata;

        bus_notify_busy_changed(&m->ctx, e, busy);
        if (e == m->registry->root && !busy) {
                bus_registry_quiet_changed(&m->ctx);
                manager_ready_check(m);
        }
}

_hot_ static void on_service_notification(void *userdata, Entry *e, MatchNotification type) {
        bus_notify_matching(&((Manager *) userdata)->ctx, e, type);
}

static const RegistryObserver manager_observer = {
        .entry_added = on_entry_added,
        .entry_removed = on_entry_removed,
        .properties_changed = on_properties_changed,
        .busy_changed = on_busy_changed,
        .service_notification = on_service_notification,
};

int manager_new(const ManagerConfig *config, Manager **ret) {
        _cleanup_(manager_freep) Manager *m = NULL;
        int r;

        assert(ret && config);
        m = calloc(1, sizeof(*m));
        if (!m)
                return log_error_errno(ENOMEM, "Out of memory.");
        m->no_udev = config->no_udev;
        if (config->snapshot) {
                m->snapshot = strdup(config->snapshot);
                m->snapshot_plane = strdup(config->snapshot_plane ?: PLANE_SERVICE);
                m->snapshot_set_aside = config->snapshot_set_aside;
                if (!m->snapshot || !m->snapshot_plane)
                        return log_error_errno(ENOMEM, "Out of memory.");
        }
        m->notify_limit = config->notify_limit;
        m->max_message_bytes = config->max_message_bytes;
        m->power_poll_usec = config->power_poll_usec == 0 ? POWER_POLL_DEFAULT_USEC :
                             config->power_poll_usec == UINT64_MAX ? 0 : config->power_poll_usec;
        m->sleep_timeout_usec = config->sleep_timeout_usec ?: SYSTEM_POWER_DEFAULT_TIMEOUT_USEC;
        if (config->logind_bus) {
                m->logind_address = strdup(config->logind_bus);
                if (!m->logind_address)
                        return log_error_errno(ENOMEM, "Out of memory.");
        }
        /* On the system bus the daemon is root for everyone: only root's files decide (trust.h). */
        trust_set_enforced(config->trust > 0 ||
                           (config->trust == 0 && !config->bus_address && !getenv(IOREG_BUS_ADDRESS_ENV)));
        m->sysfs_root = strdup(config->sysfs_root ?: "/sys");
        m->personality_dirs = personality_dirs_default(config->personality_dirs);
        if (!m->sysfs_root || !m->personality_dirs)
                return log_error_errno(ENOMEM, "Out of memory.");
        r = sd_event_default(&m->event);
        if (r < 0)
                return log_error_errno(r, "Failed to allocate the event loop: %m");
        r = registry_new(&m->registry);
        if (r < 0)
                return log_error_errno(r, "Failed to create the registry: %m");
        r = registry_add_observer(m->registry, &manager_observer, m);
        if (r < 0)
                return log_error_errno(r, "Failed to observe the registry: %m");
        manager_fill_bus_context(m);
        *ret = TAKE_PTR(m);
        return 0;
}

Manager *manager_free(Manager *m) {
        if (!m)
                return NULL;
        manager_watchdog_stop(m); /* before the bus its question is on */
        bus_restricted_use_peers(NULL); /* freed with the bus context below */
        m->driver_host = driver_host_free(m->driver_host); /* before the matcher and the bus it uses */
        bus_context_done(&m->ctx);
        if (m->logind_bus != m->bus)
                sd_bus_flush_close_unref(m->logind_bus);
        else
                sd_bus_unref(m->logind_bus);
        free(m->logind_address);
        sd_bus_flush_close_unref(m->bus);
        udev_source_free(m->udev);
        power_poll_free(m->power_poll);
        if (m->devices_ready)
                device_tree_done(&m->devices);
        matcher_free(m->matcher);
        catalogue_free(m->catalogue);
        registry_free(m->registry);
        sd_event_unref(m->event);
        free(m->sysfs_root);
        strv_free(m->personality_dirs);
        personality_list_done(&m->personalities);
        free(m->snapshot);
        free(m->snapshot_plane);
        free(m);
        return NULL;
}

_hot_ static void on_nub_published(void *userdata, Entry *nub) {
        Manager *m = userdata;
        int r;

        r = matcher_register_service(m->matcher, nub);
        if (r < 0)
                log_warning_errno(r, "Cannot match %s: %m", entry_get_name(nub, NULL));
}

/* A device's runtime power state changed: power interest (general interest went through the registry). */
static void on_power_state(void *userdata, Entry *e, unsigned from, unsigned to) {
        bus_notify_power_changed(&((Manager *) userdata)->ctx, e, from, to);
}

_hot_ static void on_entry_terminated(void *userdata, Entry *e) {
        Manager *m = userdata;

        matcher_service_terminated(m->matcher, e);
}

static void on_driver_terminate(void *userdata, Entry *e) {
        (void) manager_terminate_entry(userdata, e);
}

/* Resources a Mac publishes once its kernel is up; personalities wait on them (IOResourceMatch). */
static int publish_resources(Manager *m) {
        static const char *const resources[] = { "IOBSD" };
        int r;

        for (size_t i = 0; i < ELEMENTSOF(resources); i++) {
                r = matcher_publish_resource(m->matcher, resources[i], value_new_string("IOService"));
                if (r < 0)
                        return r;
        }
        return 0;
}

static void on_personality_error(void *userdata, const PersonalityError *error) {
        _cleanup_free_ char *s = personality_error_to_string(error);

        log_warning("%s, ignoring.", s ?: error->message);
}

int manager_load_personalities(Manager *m) {
        PersonalityList list = PERSONALITY_LIST_INIT;
        PersonalityLoadStats stats = {};
        int r;

        r = personality_dirs_load(m->personality_dirs, &list, on_personality_error, m, &stats);
        if (r < 0) {
                personality_list_done(&list);
                return log_error_errno(r, "Failed to load personalities: %m");
        }
        personality_list_done(&m->personalities);
        m->personalities = list;
        log_info("Loaded %u personalities from %u files, %u errors.", stats.n_personalities,
                 stats.n_files, stats.n_errors);
        if (stats.n_duplicates > 0)
                log_debug("Skipped %u duplicate personalities.", stats.n_duplicates);
        return 0;
}

/* A saved registry's IOResources, when it has one. */
static Entry *find_resources(Registry *reg) {
        void *v;

        for (unsigned i = 0; hashmap_next(&reg->by_id, &i, NULL, &v);)
                if (entry_conforms_to(v, "IOResources"))
                        return v;
        return NULL;
}

/* The catalogue from the loaded personalities, and the matcher; live: resources published too. */
static int setup_matching(Manager *m, Entry *resources, bool live) {
        int r;

        r = catalogue_new(m->registry->classes, &m->catalogue);
        if (r >= 0)
                r = matcher_new(m->registry, m->catalogue, resources, &m->matcher);
        if (r < 0)
                return log_error_errno(r, "Failed to set up matching: %m");
        if (!live) {
                matcher_set_prediction(m->matcher, !m->snapshot_set_aside);
                r = catalogue_replace(m->catalogue, &m->personalities, NULL, NULL);
                return r < 0 ? log_error_errno(r, "Failed to build the catalogue: %m") : 0;
        }
        /* Driver servers: launched once the daemon is on the bus (manager_connect_bus()). */
        r = driver_host_new(m->event, m->registry, m->matcher,
                            &(DriverHostHooks) { .terminate = on_driver_terminate, .userdata = m },
                            IOREG_DRIVER_DIR, &m->driver_host);
        if (r < 0)
                return log_error_errno(r, "Failed to set up the driver host: %m");
        matcher_set_host(m->matcher, &driver_host_ops, m->driver_host);
        manager_fill_bus_context(m);
        r = driver_host_load_specs(m->driver_host, &m->personalities);
        if (r < 0)
                return log_error_errno(r, "Failed to load the driver specs: %m");
        /* Before coldplug, so that every nub is matched as it arrives. */
        r = matcher_reload(m->matcher, &m->personalities);
        if (r < 0)
                return log_error_errno(r, "Failed to build the catalogue: %m");
        r = publish_resources(m);
        if (r < 0)
                return log_error_errno(r, "Failed to publish the resources: %m");
        return 0;
}

int manager_reload_catalogue(Manager *m) {
        int r;

        r = manager_load_personalities(m);
        if (r < 0)
                return r; /* the catalogue keeps what it had */
        if (!m->matcher)
                return 0;
        if (m->snapshot) {
                r = catalogue_replace(m->catalogue, &m->personalities, NULL, NULL);
                return r < 0 ? log_error_errno(r, "Failed to rebuild the catalogue: %m") : 0;
        }
        if (m->driver_host) {
                driver_host_reset_crash_loops(m->driver_host);
                r = driver_host_load_specs(m->driver_host, &m->personalities);
                if (r < 0)
                        return log_error_errno(r, "Failed to load the driver specs: %m");
        }
        r = matcher_reload(m->matcher, &m->personalities);
        if (r < 0)
                return log_error_errno(r, "Failed to reload the catalogue: %m");
        if (m->driver_host) {
                unsigned n = driver_host_retry_crash_loops(m->driver_host);

                if (n > 0)
                        log_info("Matching %u nubs of crash-looped driver servers again.", n);
        }
        log_info("Catalogue reloaded: %d personalities added or removed, %u in all.", r,
                 catalogue_size(m->catalogue));
        return 0;
}

int manager_build_registry(Manager *m) {
        PlatformInfo info;
        int r;

        if (m->snapshot) {
                SnapshotError err = {};

                /* A Mac's registry as it was saved: no platform expert of ours, no udev. */
                r = snapshot_load_file(m->registry, m->snapshot_plane, m->snapshot, &err);
                if (r < 0 && err.line > 0)
                        return log_error_errno(r, "Failed to load %s, line %u: %s", m->snapshot, err.line,
                                               err.message);
                if (r < 0)
                        return log_error_errno(r, "Failed to load %s: %s", m->snapshot, err.message);
                log_info("Loaded %u entries from %s.", registry_n_entries(m->registry), m->snapshot);
                /* Personalities can be explained against a saved registry; nothing is started in it. */
                return setup_matching(m, find_resources(m->registry), false);
        }
        r = platform_info_read(&info, m->sysfs_root);
        if (r < 0)
                return log_error_errno(r, "Failed to read the machine's identity below %s: %m", m->sysfs_root);
        if (!info.source)
                log_info("No DMI or device tree below %s: the platform expert has no model.", m->sysfs_root);
        r = registry_publish_platform(m->registry, &info, &m->platform, &m->resources);
        platform_info_done(&info);
        if (r < 0)
                return log_error_errno(r, "Failed to publish the platform expert: %m");

        r = setup_matching(m, m->resources, true);
        if (r < 0)
                return r;

        r = device_tree_init(&m->devices, m->registry, m->platform);
        if (r < 0)
                return log_error_errno(r, "Failed to set up the device families: %m");
        m->devices_ready = true;
        m->devices.on_publish = on_nub_published;
        m->devices.on_terminate = on_entry_terminated;
        m->devices.userdata = m;
        m->devices.power.on_state_change = on_power_state;
        m->devices.power.state_userdata = m;
        r = firmware_tree_load_devicetree(&m->devices.firmware, m->sysfs_root);
        if (r < 0)
                log_warning_errno(r, "Cannot read the device tree below %s, ignoring: %m", m->sysfs_root);
        else if (r > 0)
                log_info("Device tree: %d nodes in IODeviceTree.", r);
        if (m->no_udev)
                return 0;
        r = power_poll_new(m->event, &m->devices.power, m->power_poll_usec, &m->power_poll);
        if (r < 0)
                return log_error_errno(r, "Failed to set up runtime PM polling: %m");
        return udev_source_new(m->event, &m->devices, &m->udev);
}

/*
 * The bus logind is on: the daemon's own unless told otherwise (on a real
 * system that is the system bus; a private bus for tests and ./run gets a
 * stand-in there, or none).
 */
static int connect_logind_bus(Manager *m, bool own_is_private) {
        const char *a = m->logind_address;
        int r;

        if (a && streq(a, "none"))
                return 0;
        if (!a || (streq(a, "system") && !own_is_private)) {
                m->logind_bus = sd_bus_ref(m->bus);
                return 0;
        }
        if (streq(a, "system"))
                r = sd_bus_open_system(&m->logind_bus);
        else {
                r = sd_bus_new(&m->logind_bus);
                if (r >= 0)
                        r = sd_bus_set_address(m->logind_bus, a);
                if (r >= 0)
                        r = sd_bus_set_bus_client(m->logind_bus, true);
                if (r >= 0)
                        r = sd_bus_start(m->logind_bus);
        }
        if (r >= 0)
                r = sd_bus_attach_event(m->logind_bus, m->event, SD_EVENT_PRIORITY_NORMAL);
        if (r < 0) {
                /* Not fatal: the registry is served; only system power notifications are missing. */
                log_warning_errno(r, "Cannot connect to logind's bus %s, running without system power "
                                  "notifications: %m", a);
                m->logind_bus = sd_bus_flush_close_unref(m->logind_bus);
        }
        return 0;
}

int manager_connect_bus(Manager *m, const char *address) {
        int r;

        if (!address)
                address = getenv(IOREG_BUS_ADDRESS_ENV);
        if (address) {
                r = sd_bus_new(&m->bus);
                if (r < 0)
                        return log_error_errno(r, "Failed to allocate a bus: %m");
                r = sd_bus_set_address(m->bus, address);
                if (r < 0)
                        return log_error_errno(r, "Invalid bus address '%s': %m", address);
                r = sd_bus_set_bus_client(m->bus, true);
                if (r >= 0)
                        r = sd_bus_set_trusted(m->bus, false);
                if (r >= 0)
                        r = sd_bus_start(m->bus);
                if (r < 0)
                        return log_error_errno(r, "Failed to connect to the bus at %s: %m", address);
        } else {
                r = sd_bus_open_system(&m->bus);
                if (r < 0)
                        return log_error_errno(r, "Failed to connect to the system bus: %m");
        }
        manager_fill_bus_context(m);
        /* Before the objects: the notifications and system power listen to clients leaving. */
        r = bus_peers_new(m->bus, m->event, &m->ctx.peers);
        if (r < 0)
                return log_error_errno(r, "Failed to set up client tracking: %m");
        bus_restricted_use_peers(m->ctx.peers);
        r = bus_registry_register(&m->ctx);
        if (r >= 0)
                r = bus_catalogue_register(&m->ctx);
        if (r < 0)
                return r;
        r = bus_notify_register(&m->ctx);
        if (r < 0)
                return r;
        if (m->driver_host) {
                r = bus_driver_register(&m->ctx);
                if (r >= 0)
                        r = bus_user_client_register(&m->ctx);
                if (r >= 0)
                        r = bus_usb_register(&m->ctx);
                if (r < 0)
                        return r;
        }
        r = sd_bus_attach_event(m->bus, m->event, SD_EVENT_PRIORITY_NORMAL);
        if (r < 0)
                return log_error_errno(r, "Failed to attach the bus to the event loop: %m");
        /*
         * Without the bus the daemon serves nobody: end the loop (manager_run() says why and
         * fails), so that the service manager restarts it, rather than feed the watchdog from
         * a loop that has nothing to do.
         */
        r = sd_bus_set_exit_on_disconnect(m->bus, true);
        if (r < 0)
                return log_error_errno(r, "Failed to watch the bus connection: %m");
        r = connect_logind_bus(m, address != NULL);
        if (r >= 0)
                r = bus_system_power_register(&m->ctx, m->logind_bus);
        if (r < 0)
                return r;
        /* One flooding client must not hold every other client's answers behind its own. */
        r = bus_flow_new(m->bus, m->event, m->ctx.peers, &m->ctx.flow);
        if (r < 0)
                return log_error_errno(r, "Failed to set up flow control: %m");
        /* Exported first, then named: a client that sees the name finds the objects. */
        r = sd_bus_request_name(m->bus, IOREG_BUS_NAME, 0);
        if (r < 0)
                return log_error_errno(r, "Failed to acquire the name %s: %m", IOREG_BUS_NAME);
        if (m->driver_host)
                (void) driver_host_attach_bus(m->driver_host, m->bus);
        return 0;
}

static int admin_set_entry_properties(void *userdata, Entry *e, Value *dict, const char **ret_bad_key) {
        return manager_set_entry_properties(userdata, e, dict, ret_bad_key);
}

static int admin_terminate_entry(void *userdata, Entry *e) {
        return manager_terminate_entry(userdata, e);
}

static int admin_reload_catalogue(void *userdata) {
        return manager_reload_catalogue(userdata);
}

void manager_fill_bus_context(Manager *m) {
        static const BusAdminOps admin = {
                .set_entry_properties = admin_set_entry_properties,
                .terminate_entry = admin_terminate_entry,
                .reload_catalogue = admin_reload_catalogue,
        };

        m->ctx.event = m->event;
        m->ctx.bus = m->bus;
        m->ctx.registry = m->registry;
        m->ctx.catalogue = m->catalogue;
        m->ctx.matcher = m->matcher;
        m->ctx.driver_host = m->driver_host;
        m->ctx.notify_limit = m->notify_limit;
        m->ctx.max_message_bytes = m->max_message_bytes;
        m->ctx.sleep_timeout_usec = m->sleep_timeout_usec;
        m->ctx.admin = &admin;
        m->ctx.admin_userdata = m;
}

static int on_sighup(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata) {
        Manager *m = userdata;

        log_info("SIGHUP: reloading the personalities.");
        (void) manager_reload_catalogue(m); /* failures are logged; the daemon goes on */
        return 0;
}

int manager_run(Manager *m) {
        sigset_t mask;
        int r;

        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGHUP);
        if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
                return log_error_errno(errno, "Failed to block signals: %m");
        /* A NULL handler makes sd-event exit the loop on the signal. */
        r = sd_event_add_signal(m->event, NULL, SIGTERM, NULL, NULL);
        if (r >= 0)
                r = sd_event_add_signal(m->event, NULL, SIGINT, NULL, NULL);
        if (r >= 0)
                r = sd_event_add_signal(m->event, NULL, SIGHUP, on_sighup, m);
        if (r < 0)
                return log_error_errno(r, "Failed to watch signals: %m");
        /* WATCHDOG=1 on the bus's answers (manager-watchdog.c): a stuck loop or bus stops the pings. */
        r = manager_watchdog_start(m);
        if (r < 0)
                log_warning_errno(r, "Cannot set up the watchdog, ignoring: %m");
        manager_ready_check(m);
        log_info("Serving %u entries as %s.", registry_n_entries(m->registry), IOREG_BUS_NAME);
        r = sd_event_loop(m->event);
        if (r < 0)
                return log_error_errno(r, "Event loop failed: %m");
        /*
         * The loop's exit code tells why it ended: 0 for SIGTERM or SIGINT, EXIT_FAILURE from
         * sd-bus when the bus went away. (Whether the bus is still open says nothing: sd-bus
         * closes it when the loop exits, whatever the reason.)
         */
        if (r > 0)
                return log_error_errno(ECONNRESET,
                                       "Lost the connection to the bus; exiting so that ioregd is started again.");
        return 0;
}
