/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ioreg/return.h: what libioreg's calls return, after IOReturn. Success is 0;
 * every failure is one of these codes, each named after the kIOReturn value
 * it stands for, so that a port of a macOS program maps its checks one to
 * one. The numbers are libioreg's own (negative errno-like values are not
 * used, so that a code survives being stored in an int by old code).
 */
#pragma once

#ifdef __cplusplus
extern "C" {
#endif

typedef enum ioreg_return {
        IOREG_RETURN_SUCCESS = 0,          /* kIOReturnSuccess */
        IOREG_RETURN_ERROR = 1,            /* kIOReturnError: general error */
        IOREG_RETURN_NO_MEMORY = 2,        /* kIOReturnNoMemory */
        IOREG_RETURN_NO_RESOURCES = 3,     /* kIOReturnNoResources */
        IOREG_RETURN_BAD_ARGUMENT = 4,     /* kIOReturnBadArgument */
        IOREG_RETURN_NOT_FOUND = 5,        /* kIOReturnNotFound: no such entry */
        IOREG_RETURN_EXCLUSIVE_ACCESS = 6, /* kIOReturnExclusiveAccess: opened by another */
        IOREG_RETURN_NOT_PERMITTED = 7,    /* kIOReturnNotPermitted */
        IOREG_RETURN_NOT_PRIVILEGED = 8,   /* kIOReturnNotPrivileged */
        IOREG_RETURN_TIMEOUT = 9,          /* kIOReturnTimeout */
        IOREG_RETURN_NOT_READY = 10,       /* kIOReturnNotReady: e.g. being terminated */
        IOREG_RETURN_NOT_OPEN = 11,        /* kIOReturnNotOpen */
        IOREG_RETURN_UNSUPPORTED = 12,     /* kIOReturnUnsupported */
        IOREG_RETURN_NO_DEVICE = 13,       /* kIOReturnNoDevice: the daemon is not reachable */
        IOREG_RETURN_ABORTED = 14,         /* kIOReturnAborted */
        IOREG_RETURN_OVERRUN = 15,         /* kIOReturnOverrun: a notification queue overflowed */
        IOREG_RETURN_BUSY = 16,            /* kIOReturnBusy */
        IOREG_RETURN_IPC_ERROR = 17,       /* kIOReturnIPCError: the bus failed */
        IOREG_RETURN_NOT_RESPONDING = 18,  /* kIOReturnNotResponding: a USB device did not answer (EPROTO) */
        IOREG_RETURN_PIPE_STALLED = 19,    /* kIOUSBPipeStalled: the endpoint answered STALL (EPIPE) */
        _IOREG_RETURN_MAX,
} ioreg_return_t;

/* A static English phrase for r ("not found"); never NULL, "unknown error" for codes out of range. */
const char *ioreg_return_string(ioreg_return_t r);

#ifdef __cplusplus
}
#endif
