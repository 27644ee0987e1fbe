/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* driver-calls.c: what a driver asks of ioregd (org.ioreg.DriverHost1), and its accessors. */

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>

#include "driver-internal.h"
#include "protocol.h"
#include "wire-json.h"

uint64_t ioreg_driver_get_id(const ioreg_driver *driver) {
        return driver ? driver->id : 0;
}

uint64_t ioreg_driver_get_provider_id(const ioreg_driver *driver) {
        return driver ? driver->provider_id : 0;
}

json_t *ioreg_driver_get_properties(const ioreg_driver *driver) {
        return driver ? driver->properties : NULL;
}

const ioreg_driver_class *ioreg_driver_get_class(const ioreg_driver *driver) {
        return driver ? driver->klass : NULL;
}

void ioreg_driver_set_context(ioreg_driver *driver, void *context) {
        if (driver)
                driver->context = context;
}

void *ioreg_driver_get_context(const ioreg_driver *driver) {
        return driver ? driver->context : NULL;
}

/* The call's message with the instance ID first; the caller appends the rest. */
static int new_call(ioreg_driver *driver, const char *method, sd_bus_message **ret) {
        sd_bus_message *m = NULL;
        int r;

        r = sd_bus_message_new_method_call(driver->server->bus, &m, driver->server->daemon, IOREG_DRIVER_HOST_PATH,
                                           IOREG_DRIVER_HOST_INTERFACE, method);
        if (r >= 0)
                r = sd_bus_message_append(m, "t", driver->id);
        if (r < 0) {
                sd_bus_message_unref(m);
                return r;
        }
        *ret = m;
        return 0;
}

static ioreg_return_t call(sd_bus_message *m, sd_bus_message **ret_reply) {
        sd_bus_error error = SD_BUS_ERROR_NULL;
        ioreg_return_t ret;
        int r;

        r = sd_bus_call(NULL, m, 0, &error, ret_reply);
        ret = r < 0 ? lib_return_from_bus_error(&error, r) : IOREG_RETURN_SUCCESS;
        sd_bus_error_free(&error);
        return ret;
}

static int append_json_dict(sd_bus_message *m, json_t *properties) {
        int r;

        if (!json_is_object(properties))
                return -EINVAL;
        r = wire_json_check(properties);
        if (r < 0)
                return r;
        return wire_json_append_dict(m, properties);
}

ioreg_return_t lib_driver_call(ioreg_driver *driver, const char *method, sd_bus_message **ret_reply,
                               const char *types, ...) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        va_list ap;
        int r;

        if (!driver || !driver->server || !driver->server->bus)
                return IOREG_RETURN_BAD_ARGUMENT;
        r = new_call(driver, method, &m);
        if (r >= 0 && types) {
                va_start(ap, types);
                r = sd_bus_message_appendv(m, types, ap);
                va_end(ap);
        }
        if (r < 0)
                return lib_return_from_errno(r);
        return call(m, ret_reply);
}

ioreg_return_t ioreg_driver_set_properties(ioreg_driver *driver, json_t *properties) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        int r;

        if (!driver || !driver->server || !json_is_object(properties))
                return IOREG_RETURN_BAD_ARGUMENT;
        r = new_call(driver, "SetProperties", &m);
        if (r >= 0)
                r = append_json_dict(m, properties);
        if (r < 0)
                return lib_return_from_errno(r);
        return call(m, NULL);
}

ioreg_return_t ioreg_driver_open_provider(ioreg_driver *driver) {
        return lib_driver_call(driver, "OpenProvider", NULL, NULL);
}

ioreg_return_t ioreg_driver_close_provider(ioreg_driver *driver) {
        return lib_driver_call(driver, "CloseProvider", NULL, NULL);
}

ioreg_return_t ioreg_driver_copy_provider_fd(ioreg_driver *driver, int *ret_fd) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        ioreg_return_t ret;
        int r, fd;

        if (!ret_fd)
                return IOREG_RETURN_BAD_ARGUMENT;
        ret = lib_driver_call(driver, IOREG_DRIVER_HOST_COPY_PROVIDER_FD, &reply, NULL);
        if (ret != IOREG_RETURN_SUCCESS)
                return ret;
        r = sd_bus_message_read(reply, "h", &fd);
        if (r < 0)
                return lib_return_from_errno(r);
        /* The message owns the fd it read: the caller gets its own. */
        fd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
        if (fd < 0)
                return lib_return_from_errno(-errno);
        *ret_fd = fd;
        return IOREG_RETURN_SUCCESS;
}

ioreg_return_t ioreg_driver_register_nub(ioreg_driver *driver, const char *class_name, const char *name,
                                         json_t *properties, uint64_t *ret_id) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL, *reply = NULL;
        json_auto_t *empty = NULL;
        ioreg_return_t ret;
        uint64_t id;
        int r;

        if (!driver || !driver->server || !class_name || !*class_name || (properties && !json_is_object(properties)))
                return IOREG_RETURN_BAD_ARGUMENT;
        if (!properties)
                properties = empty = json_object();
        r = new_call(driver, "RegisterNub", &m);
        if (r >= 0)
                r = sd_bus_message_append(m, "ss", class_name, name ?: "");
        if (r >= 0)
                r = append_json_dict(m, properties);
        if (r < 0)
                return lib_return_from_errno(r);
        ret = call(m, &reply);
        if (ret != IOREG_RETURN_SUCCESS)
                return ret;
        r = sd_bus_message_read(reply, "t", &id);
        if (r < 0)
                return lib_return_from_errno(r);
        if (ret_id)
                *ret_id = id;
        return IOREG_RETURN_SUCCESS;
}

ioreg_return_t ioreg_driver_message_clients(ioreg_driver *driver, uint32_t type, uint64_t argument) {
        return lib_driver_call(driver, "MessageClients", NULL, "ut", type, argument);
}
