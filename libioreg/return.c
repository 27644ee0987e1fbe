/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* return.c: ioreg_return_t as text, and from the errno and D-Bus errors below it. */

#include <errno.h>
#include <string.h>

#include "lib-internal.h"
#include "protocol-check.h"
#include "protocol.h"

static const char *const return_strings[_IOREG_RETURN_MAX] = {
        [IOREG_RETURN_SUCCESS] = "success",
        [IOREG_RETURN_ERROR] = "general error",
        [IOREG_RETURN_NO_MEMORY] = "cannot allocate memory",
        [IOREG_RETURN_NO_RESOURCES] = "resource shortage",
        [IOREG_RETURN_BAD_ARGUMENT] = "invalid argument",
        [IOREG_RETURN_NOT_FOUND] = "not found",
        [IOREG_RETURN_EXCLUSIVE_ACCESS] = "exclusive access and device already open",
        [IOREG_RETURN_NOT_PERMITTED] = "not permitted",
        [IOREG_RETURN_NOT_PRIVILEGED] = "privilege violation",
        [IOREG_RETURN_TIMEOUT] = "I/O timeout",
        [IOREG_RETURN_NOT_READY] = "not ready",
        [IOREG_RETURN_NOT_OPEN] = "device not open",
        [IOREG_RETURN_UNSUPPORTED] = "unsupported function",
        [IOREG_RETURN_NO_DEVICE] = "no such device",
        [IOREG_RETURN_ABORTED] = "operation aborted",
        [IOREG_RETURN_OVERRUN] = "data overrun",
        [IOREG_RETURN_BUSY] = "device busy",
        [IOREG_RETURN_IPC_ERROR] = "IPC error",
        [IOREG_RETURN_NOT_RESPONDING] = "device not responding",
        [IOREG_RETURN_PIPE_STALLED] = "pipe is stalled",
};

const char *ioreg_return_string(ioreg_return_t r) {
        if ((unsigned) r >= _IOREG_RETURN_MAX)
                return "unknown error";
        return return_strings[r];
}

ioreg_return_t lib_return_from_errno(int r) {
        switch (r < 0 ? -r : r) {
        case 0:
                return IOREG_RETURN_SUCCESS;
        case ENOMEM:
                return IOREG_RETURN_NO_MEMORY;
        case EINVAL:
        case EBADMSG:
                return IOREG_RETURN_BAD_ARGUMENT;
        case ENOENT:
        case ENXIO:
        case ESRCH:
                return IOREG_RETURN_NOT_FOUND;
        case EBUSY:
                return IOREG_RETURN_BUSY;
        case EPERM:
                return IOREG_RETURN_NOT_PERMITTED;
        case EACCES:
                return IOREG_RETURN_NOT_PRIVILEGED;
        case ETIMEDOUT:
                return IOREG_RETURN_TIMEOUT;
        case EAGAIN:
                return IOREG_RETURN_NOT_READY;
        case EOPNOTSUPP:
                return IOREG_RETURN_UNSUPPORTED;
        case ECONNREFUSED:
        case ECONNRESET:
        case ENOTCONN:
        case EHOSTDOWN:
        case ENODEV:
                return IOREG_RETURN_NO_DEVICE;
        case ECANCELED:
                return IOREG_RETURN_ABORTED;
        case ENOBUFS:
                return IOREG_RETURN_OVERRUN;
        case EPIPE:
        case EIO:
                return IOREG_RETURN_IPC_ERROR;
        default:
                return IOREG_RETURN_ERROR;
        }
}

/* The daemon's org.ioreg.Error.* names (daemon/bus/bus-errors.h), then the bus's own. */
static const struct {
        const char *name;
        ioreg_return_t r;
} error_map[] = {
        { IOREG_ERROR_NO_SUCH_ENTRY, IOREG_RETURN_NOT_FOUND },
        { IOREG_ERROR_NOT_FOUND, IOREG_RETURN_NOT_FOUND },
        { IOREG_ERROR_NO_SUCH_SUBSCRIPTION, IOREG_RETURN_NOT_FOUND },
        { IOREG_ERROR_NO_SUCH_PLANE, IOREG_RETURN_BAD_ARGUMENT },
        { IOREG_ERROR_INVALID_ARGUMENT, IOREG_RETURN_BAD_ARGUMENT },
        { IOREG_ERROR_LIMITS_EXCEEDED, IOREG_RETURN_NO_RESOURCES },
        { IOREG_ERROR_ACCESS_DENIED, IOREG_RETURN_NOT_PRIVILEGED },
        { IOREG_ERROR_NOT_SUPPORTED, IOREG_RETURN_UNSUPPORTED },
        { IOREG_ERROR_NOT_PERMITTED, IOREG_RETURN_NOT_PERMITTED },
        { IOREG_ERROR_TIMEOUT, IOREG_RETURN_TIMEOUT },
        { IOREG_ERROR_NOT_READY, IOREG_RETURN_NOT_READY },
        { IOREG_ERROR_CHANGED, IOREG_RETURN_NOT_READY }, /* a plane that kept changing under its pages */
        { IOREG_ERROR_EXCLUSIVE_ACCESS, IOREG_RETURN_EXCLUSIVE_ACCESS },
        { IOREG_ERROR_NOT_OPEN, IOREG_RETURN_NOT_OPEN },
        { IOREG_ERROR_BUSY, IOREG_RETURN_BUSY },
        { IOREG_ERROR_NO_DEVICE, IOREG_RETURN_NO_DEVICE },
        { IOREG_ERROR_FAILED, IOREG_RETURN_ERROR },
        { SD_BUS_ERROR_ACCESS_DENIED, IOREG_RETURN_NOT_PRIVILEGED },
        { SD_BUS_ERROR_INTERACTIVE_AUTHORIZATION_REQUIRED, IOREG_RETURN_NOT_PRIVILEGED },
        { SD_BUS_ERROR_INVALID_ARGS, IOREG_RETURN_BAD_ARGUMENT },
        { SD_BUS_ERROR_UNKNOWN_OBJECT, IOREG_RETURN_NOT_FOUND },
        { SD_BUS_ERROR_NO_MEMORY, IOREG_RETURN_NO_MEMORY },
        { SD_BUS_ERROR_TIMEOUT, IOREG_RETURN_TIMEOUT },
        { SD_BUS_ERROR_NO_REPLY, IOREG_RETURN_TIMEOUT },
        { SD_BUS_ERROR_SERVICE_UNKNOWN, IOREG_RETURN_NO_DEVICE },
        { SD_BUS_ERROR_NAME_HAS_NO_OWNER, IOREG_RETURN_NO_DEVICE },
        { SD_BUS_ERROR_DISCONNECTED, IOREG_RETURN_NO_DEVICE },
};

ioreg_return_t lib_return_from_bus_error(const sd_bus_error *e, int r) {
        if (e && sd_bus_error_is_set(e))
                for (size_t i = 0; i < ELEMENTSOF(error_map); i++)
                        if (streq(e->name, error_map[i].name))
                                return error_map[i].r;
        if (e && sd_bus_error_is_set(e) && r >= 0)
                return IOREG_RETURN_ERROR;
        return lib_return_from_errno(r);
}
