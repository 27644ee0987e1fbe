/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* bus-driver.c: see bus-driver.h. */

#include <inttypes.h>
#include <string.h>

#include "bus-driver.h"
#include "bus-errors.h"
#include "bus-notify.h"
#include "bus-value.h"
#include "driver-host.h"
#include "log.h"
#include "protocol.h"
#include "ratelimit.h"

/*
 * Refused check-ins in the log: any local process may call CheckIn, so a flood of them must not
 * flood the log (issue 23, N). One limit for the daemon: a few lines per interval and a count.
 */
/*
 * Nubs one driver instance may publish below itself (issue 23, H: 20,000 nubs took 1.3 GB and made
 * GetPlane's reply too big for the bus). A real driver publishes a handful.
 */
#define DRIVER_MAX_NUBS 256u

static RateLimit refused_check_ins = RATELIMIT_INIT(10 * 1000000ULL, 10);

static void log_refused_check_in(const char *name, const char *sender, pid_t pid, uid_t uid) {
        unsigned suppressed = ratelimit_take_suppressed(&refused_check_ins);

        if (suppressed > 0)
                log_warning("Refused %u more check-ins as driver servers (not logged one by one).", suppressed);
        if (ratelimit_below(&refused_check_ins))
                log_warning("Refused a check-in as driver server %s from %s (PID %d, UID %u): not the process "
                            "ioregd launched.", name, sender, (int) pid, (unsigned) uid);
}

static int reply_host_error(sd_bus_error *error, int r, uint64_t id) {
        switch (-r) {
        case EACCES:
                return sd_bus_error_setf(error, IOREG_ERROR_ACCESS_DENIED,
                                         "Driver 0x%" PRIx64 " is not run by the calling server.", id);
        case ESRCH:
        case ESTALE:
                return sd_bus_error_setf(error, IOREG_ERROR_NO_SUCH_ENTRY, "No driver instance 0x%" PRIx64 ".", id);
        case EBUSY:
                return sd_bus_error_setf(error, IOREG_ERROR_EXCLUSIVE_ACCESS,
                                         "The provider of 0x%" PRIx64 " is open by another client.", id);
        case ENOTCONN:
                return sd_bus_error_setf(error, IOREG_ERROR_NOT_OPEN,
                                         "Driver 0x%" PRIx64 " has not opened its provider.", id);
        default:
                return bus_error_set_errno(error, r, "driver");
        }
}

/* The instance named by the call's first argument, when the sender runs it. */
static int read_instance(sd_bus_message *call, BusContext *m, uint64_t *ret_id, Entry **ret, sd_bus_error *error) {
        int r;

        r = sd_bus_message_read(call, "t", ret_id);
        if (r < 0)
                return r;
        r = driver_host_authorize(m->driver_host, sd_bus_message_get_sender(call) ?: "", *ret_id, ret);
        return r < 0 ? reply_host_error(error, r, *ret_id) : 0;
}

static int method_check_in(sd_bus_message *call, void *userdata, sd_bus_error *error) {
        _cleanup_(sd_bus_creds_unrefp) sd_bus_creds *creds = NULL;
        BusContext *m = userdata;
        const char *name, *sender = sd_bus_message_get_sender(call);
        pid_t pid;
        uid_t uid;
        int r;

        r = sd_bus_message_read(call, "s", &name);
        if (r < 0)
                return r;
        r = bus_check_string("server name", name, BUS_MAX_NAME, error);
        if (r < 0)
                return r;
        /* From the bus (dbus-daemon's GetConnectionCredentials): what the peer is, not what it says. */
        r = sd_bus_query_sender_creds(call, SD_BUS_CREDS_PID | SD_BUS_CREDS_EUID, &creds);
        if (r >= 0)
                r = sd_bus_creds_get_pid(creds, &pid);
        if (r >= 0)
                r = sd_bus_creds_get_euid(creds, &uid);
        if (r < 0 || !sender)
                return sd_bus_error_set(error, IOREG_ERROR_ACCESS_DENIED, "The caller's credentials are unknown.");
        r = driver_host_check_in(m->driver_host, sender, pid, uid, name);
        if (r == -EACCES) {
                log_refused_check_in(name, sender, pid, uid);
                return sd_bus_error_setf(error, IOREG_ERROR_ACCESS_DENIED,
                                         "PID %d is not the driver server %s that ioregd launched.", (int) pid, name);
        }
        if (r < 0)
                return bus_error_set_errno(error, r, "check-in");
        r = sd_bus_reply_method_return(call, NULL);
        if (r < 0)
                return r;
        driver_host_flush(m->driver_host, name);
        return 1;
}

static int method_set_properties(sd_bus_message *call, void *userdata, sd_bus_error *error) {
        _cleanup_value_ Value *dict = NULL;
        BusContext *m = userdata;
        const char *bad_key = NULL;
        Entry *drv;
        uint64_t id;
        int r;

        r = read_instance(call, m, &id, &drv, error);
        if (r < 0)
                return r;
        r = bus_read_dict_checked(call, &bus_limits_properties, &dict, error);
        if (r < 0)
                return r;
        r = bus_context_set_entry_properties(m, drv, dict, &bad_key);
        if (r == -EPERM)
                return sd_bus_error_setf(error, IOREG_ERROR_NOT_PERMITTED, "The matcher owns the key %s.", bad_key);
        if (r < 0)
                return bus_error_set_errno(error, r, "properties");
        entry_announce_properties(drv);
        return sd_bus_reply_method_return(call, NULL);
}

static int method_open_provider(sd_bus_message *call, void *userdata, sd_bus_error *error) {
        BusContext *m = userdata;
        Entry *drv;
        uint64_t id;
        int r;

        r = read_instance(call, m, &id, &drv, error);
        if (r < 0)
                return r;
        r = driver_host_open_provider(m->driver_host, drv);
        if (r < 0)
                return reply_host_error(error, r, id);
        return sd_bus_reply_method_return(call, NULL);
}

static int method_close_provider(sd_bus_message *call, void *userdata, sd_bus_error *error) {
        BusContext *m = userdata;
        Entry *drv;
        uint64_t id;
        int r;

        r = read_instance(call, m, &id, &drv, error);
        if (r < 0)
                return r;
        r = driver_host_close_provider(m->driver_host, drv);
        if (r < 0)
                return reply_host_error(error, r, id);
        return sd_bus_reply_method_return(call, NULL);
}

static int method_copy_provider_fd(sd_bus_message *call, void *userdata, sd_bus_error *error) {
        BusContext *m = userdata;
        Entry *drv;
        uint64_t id;
        int r, fd;

        r = read_instance(call, m, &id, &drv, error);
        if (r < 0)
                return r;
        r = driver_host_copy_provider_fd(m->driver_host, drv, &fd);
        switch (-r) {
        case 0:
                /* sd-bus sends a dup: the daemon keeps its own copy, to revoke (device-access.h). */
                return sd_bus_reply_method_return(call, "h", fd);
        case EBUSY:
                return sd_bus_error_setf(error, IOREG_ERROR_EXCLUSIVE_ACCESS,
                                         "The provider of 0x%" PRIx64 " is open by another client, or a kernel "
                                         "driver holds its interface.", id);
        case ESTALE:
                return reply_host_error(error, r, id);
        case ENODEV:
                return sd_bus_error_setf(error, IOREG_ERROR_NOT_SUPPORTED,
                                         "The provider of 0x%" PRIx64 " has no device node.", id);
        case ENOENT:
        case ENXIO:
                return sd_bus_error_setf(error, IOREG_ERROR_NO_DEVICE,
                                         "The device of 0x%" PRIx64 "'s provider is gone.", id);
        default:
                log_warning_errno(r, "Cannot open the device of driver 0x%" PRIx64 "'s provider: %m", id);
                return sd_bus_error_setf(error, IOREG_ERROR_FAILED, "Cannot open the device of 0x%" PRIx64 ": %s.",
                                         id, strerror(-r));
        }
}

static int method_register_nub(sd_bus_message *call, void *userdata, sd_bus_error *error) {
        _cleanup_value_ Value *props = NULL;
        BusContext *m = userdata;
        const char *class_name, *name;
        uint64_t id, nub_id;
        unsigned n_children = 0;
        Entry *drv;
        int r;

        r = read_instance(call, m, &id, &drv, error);
        if (r < 0)
                return r;
        r = sd_bus_message_read(call, "ss", &class_name, &name);
        if (r < 0)
                return r;
        r = bus_check_string("class", class_name, BUS_MAX_NAME, error);
        if (r >= 0)
                r = bus_check_string("name", name, BUS_MAX_NAME, error);
        if (r < 0)
                return r;
        if (!*class_name)
                return sd_bus_error_set(error, IOREG_ERROR_INVALID_ARGUMENT, "A nub needs a class.");
        r = bus_read_dict_checked(call, &bus_limits_properties, &props, error);
        if (r < 0)
                return r;
        if (value_nesting(props, VALUE_MAX_NESTING + 1) > VALUE_MAX_NESTING + 1)
                return sd_bus_error_setf(error, IOREG_ERROR_LIMITS_EXCEEDED,
                                         "The nub's properties nest deeper than %u levels.", VALUE_MAX_NESTING + 1);
        if (value_memory_size(props) > ENTRY_MAX_PROPERTY_BYTES)
                return sd_bus_error_setf(error, IOREG_ERROR_LIMITS_EXCEEDED,
                                         "The nub's properties are larger than %u bytes.", ENTRY_MAX_PROPERTY_BYTES);
        (void) entry_get_children(drv, m->registry->service_plane, &n_children);
        if (n_children >= DRIVER_MAX_NUBS)
                return sd_bus_error_setf(error, IOREG_ERROR_LIMITS_EXCEEDED,
                                         "Driver 0x%" PRIx64 " has published %u nubs, the most one driver may.", id,
                                         DRIVER_MAX_NUBS);
        r = driver_host_register_nub(m->driver_host, drv, class_name, *name ? name : NULL, props, &nub_id);
        if (r == -EOPNOTSUPP)
                return sd_bus_error_setf(error, IOREG_ERROR_INVALID_ARGUMENT, "%s is not an IOService class.",
                                         class_name);
        if (r < 0)
                return bus_error_set_errno(error, r, "nub");
        return sd_bus_reply_method_return(call, "t", nub_id);
}

static int method_message_clients(sd_bus_message *call, void *userdata, sd_bus_error *error) {
        BusContext *m = userdata;
        uint64_t id, argument;
        uint32_t message;
        Entry *drv;
        int r;

        r = read_instance(call, m, &id, &drv, error);
        if (r < 0)
                return r;
        r = sd_bus_message_read(call, "ut", &message, &argument);
        if (r < 0)
                return r;
        bus_notify_message_clients(m, drv, message, argument);
        return sd_bus_reply_method_return(call, NULL);
}

static const sd_bus_vtable driver_host_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_METHOD_WITH_ARGS("CheckIn", SD_BUS_ARGS("s", server_name), SD_BUS_NO_RESULT, method_check_in,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("SetProperties", SD_BUS_ARGS("t", driver, "a{sv}", properties), SD_BUS_NO_RESULT,
                                method_set_properties, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("OpenProvider", SD_BUS_ARGS("t", driver), SD_BUS_NO_RESULT, method_open_provider,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("CloseProvider", SD_BUS_ARGS("t", driver), SD_BUS_NO_RESULT, method_close_provider,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS(IOREG_DRIVER_HOST_COPY_PROVIDER_FD, SD_BUS_ARGS("t", driver), SD_BUS_RESULT("h", fd),
                                method_copy_provider_fd, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("RegisterNub",
                                SD_BUS_ARGS("t", driver, "s", class_name, "s", name, "a{sv}", properties),
                                SD_BUS_RESULT("t", nub), method_register_nub, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("MessageClients", SD_BUS_ARGS("t", driver, "u", message, "t", argument),
                                SD_BUS_NO_RESULT, method_message_clients, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_VTABLE_END,
};

int bus_driver_register(BusContext *m) {
        int r;

        r = sd_bus_add_object_vtable(m->bus, NULL, IOREG_DRIVER_HOST_PATH, IOREG_DRIVER_HOST_INTERFACE, driver_host_vtable, m);
        if (r < 0)
                return log_error_errno(r, "Failed to export %s: %m", IOREG_DRIVER_HOST_INTERFACE);
        return 0;
}
