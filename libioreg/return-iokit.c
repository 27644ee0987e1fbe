/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* return-iokit.c: ioreg_return_t to and from Apple's IOReturn numbers (ioreg/iokit-compat.h). */

#include <ioreg/iokit-compat.h>

/* One table, read both ways: every libioreg code has exactly one Apple number. */
static const uint32_t iokit_returns[_IOREG_RETURN_MAX] = {
        [IOREG_RETURN_SUCCESS] = kIOReturnSuccess,
        [IOREG_RETURN_ERROR] = kIOReturnError,
        [IOREG_RETURN_NO_MEMORY] = kIOReturnNoMemory,
        [IOREG_RETURN_NO_RESOURCES] = kIOReturnNoResources,
        [IOREG_RETURN_BAD_ARGUMENT] = kIOReturnBadArgument,
        [IOREG_RETURN_NOT_FOUND] = kIOReturnNotFound,
        [IOREG_RETURN_EXCLUSIVE_ACCESS] = kIOReturnExclusiveAccess,
        [IOREG_RETURN_NOT_PERMITTED] = kIOReturnNotPermitted,
        [IOREG_RETURN_NOT_PRIVILEGED] = kIOReturnNotPrivileged,
        [IOREG_RETURN_TIMEOUT] = kIOReturnTimeout,
        [IOREG_RETURN_NOT_READY] = kIOReturnNotReady,
        [IOREG_RETURN_NOT_OPEN] = kIOReturnNotOpen,
        [IOREG_RETURN_UNSUPPORTED] = kIOReturnUnsupported,
        [IOREG_RETURN_NO_DEVICE] = kIOReturnNoDevice,
        [IOREG_RETURN_ABORTED] = kIOReturnAborted,
        [IOREG_RETURN_OVERRUN] = kIOReturnOverrun,
        [IOREG_RETURN_BUSY] = kIOReturnBusy,
        [IOREG_RETURN_IPC_ERROR] = kIOReturnIPCError,
        [IOREG_RETURN_NOT_RESPONDING] = kIOReturnNotResponding,
        [IOREG_RETURN_PIPE_STALLED] = kIOUSBPipeStalled,
};

uint32_t ioreg_return_to_iokit(ioreg_return_t r) {
        if ((unsigned) r >= _IOREG_RETURN_MAX)
                return kIOReturnError;
        return iokit_returns[r];
}

ioreg_return_t ioreg_return_from_iokit(uint32_t iokit_return) {
        for (unsigned i = 0; i < _IOREG_RETURN_MAX; i++)
                if (iokit_returns[i] == iokit_return)
                        return (ioreg_return_t) i;
        return IOREG_RETURN_ERROR;
}
