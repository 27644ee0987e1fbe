/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * user-client-wire.h: the wire names of user clients (IOServiceOpen and
 * IOConnectCall*), shared by ioregd and libioreg; protocol.h has the
 * daemon's other names and the error names. Header only, no code.
 *
 * 1. The application asks ioregd on the bus: USER_CLIENTS_INTERFACE
 *    .OpenService(t service, u type) → (h connection, t user_client, t driver).
 * 2. ioregd asks the driver server (DriverServer1, on the server's bus
 *    connection): .NewUserClient(t driver, u type, u uid, b administrator,
 *    h connection) → (s class, t handle). The server keeps one end of a
 *    socketpair, ioregd hands the application the other.
 * 3. Application and server speak sd-bus peer to peer over the socketpair
 *    (the server is the sd-bus server, anonymous): USER_CLIENT_INTERFACE on
 *    USER_CLIENT_PATH. Method calls never pass the bus daemon.
 * 3a. Synchronous calls go over a second socket, not sd-bus: after the
 *    open the application makes a SOCK_SEQPACKET pair and hands one end
 *    over with AttachCallSocket (h socket) → (u result). On it, one packet
 *    each way: a UserClientCallRequest then the input structure, answered
 *    by a UserClientCallReply then the output structure. The same checks
 *    as CallMethod; one write and one read a side, where sd-bus needs a
 *    poll and two reads per message. Where a structure is larger than
 *    USER_CLIENT_CALL_SOCKET_MAX_STRUCT, the structures travel in memfds
 *    instead (USER_CLIENT_CALL_MEMFD), as IOKit passes large structures
 *    by memory descriptor. Async calls stay on CallMethod.
 * 4. When the application closes (or dies: the socket's end), the server
 *    runs client_close (client_died) and tells ioregd on USER_CLIENTS_INTERFACE:
 *    .UserClientClosed(t driver, t handle). ioregd removes the entry.
 */
#pragma once

#include <fcntl.h>
#include <stdint.h>

#include "protocol.h"

/* ioregd, on /org/ioreg/Registry1: what applications call. */
#define USER_CLIENTS_INTERFACE "org.ioreg.UserClients1"
#define USER_CLIENTS_OPEN "OpenService"

/* ioregd → driver server (org.ioreg.DriverServer1) and back (org.ioreg.DriverHost1). */
#define USER_CLIENT_NEW "NewUserClient"
#define USER_CLIENT_CLOSED "UserClientClosed"

/* Peer to peer, application → server. */
#define USER_CLIENT_PATH "/org/ioreg/UserClient1"
#define USER_CLIENT_INTERFACE "org.ioreg.UserClient1"
/* (u selector, at scalar_in, ay struct_in, u scalar_out_capacity, u struct_out_capacity, at async_ref)
 * → (u result, at scalar_out, ay struct_out); async_ref empty for a synchronous call. */
#define USER_CLIENT_CALL_METHOD "CallMethod"
#define USER_CLIENT_CALL_SIGNATURE "uatayuuat"
#define USER_CLIENT_CALL_REPLY_SIGNATURE "uatay"
/* (h seqpacket socket) → (u result): the call socket of 3a. */
#define USER_CLIENT_ATTACH_CALL_SOCKET "AttachCallSocket"
/* (u type, at async_ref) → (u result) */
#define USER_CLIENT_SET_NOTIFICATION_PORT "SetNotificationPort"
/* (u type) → (u result, t size, ah memfd): one fd on success, none on failure */
#define USER_CLIENT_MAP_MEMORY "MapMemory"
/* (s json) → (u result) */
#define USER_CLIENT_SET_PROPERTIES "SetProperties"
/* () → () : clientClose, then the server closes its end. */
#define USER_CLIENT_CLOSE "Close"

/* Server → application signals on the peer connection. (at async_ref, u result, at args) */
#define USER_CLIENT_ASYNC_RESULT "AsyncResult"

/* The personality key that makes ioregd demand an administrator (root, or polkit's action below). */
#define USER_CLIENT_ADMIN_KEY "IOUserClientRequiresAdministrator"
#define USER_CLIENT_POLKIT_ACTION "org.ioreg.open-user-client"

/* IOConnectCallMethod's bounds: 16 scalars each way (io_scalar_inband64_t); structures up to 16 MiB. */
#define USER_CLIENT_MAX_SCALARS 16
#define USER_CLIENT_MAX_STRUCT (16u * 1024 * 1024)
#define USER_CLIENT_MAX_ASYNC_REF 8 /* kOSAsyncRef64Count */

/* Errors on NewUserClient and OpenService: the daemon's own (protocol.h). */
#define USER_CLIENT_ERROR_UNSUPPORTED IOREG_ERROR_NOT_SUPPORTED     /* kIOReturnUnsupported */
#define USER_CLIENT_ERROR_NOT_PRIVILEGED IOREG_ERROR_ACCESS_DENIED  /* kIOReturnNotPrivileged */
#define USER_CLIENT_ERROR_NO_SUCH_ENTRY IOREG_ERROR_NO_SUCH_ENTRY
#define USER_CLIENT_ERROR_NOT_READY IOREG_ERROR_NOT_READY
#define USER_CLIENT_ERROR_BUSY IOREG_ERROR_BUSY
#define USER_CLIENT_ERROR_EXCLUSIVE_ACCESS IOREG_ERROR_EXCLUSIVE_ACCESS
#define USER_CLIENT_ERROR_INVALID_ARGUMENT IOREG_ERROR_INVALID_ARGUMENT
#define USER_CLIENT_ERROR_NOT_PERMITTED IOREG_ERROR_NOT_PERMITTED
#define USER_CLIENT_ERROR_FAILED IOREG_ERROR_FAILED

/* The call socket (3a): structures up to this size each way in the packets; larger ones in a memfd. */
#define USER_CLIENT_CALL_SOCKET_MAX_STRUCT (64u * 1024)
/*
 * Request flag: the packet carries no structure but memfds (SCM_RIGHTS, in
 * this order): the input's when structure_input_size > 0, sealed
 * USER_CLIENT_CALL_INPUT_SEALS (it cannot change while the driver reads
 * it), and room for the output when structure_output_capacity > 0
 * (structure_output_capacity bytes), sealed USER_CLIENT_CALL_OUTPUT_SEALS
 * (its pages stay while the driver writes), which the server fills. The
 * reply carries no structure either, only its size.
 */
#define USER_CLIENT_CALL_MEMFD 1u
#define USER_CLIENT_CALL_INPUT_SEALS (F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)
#define USER_CLIENT_CALL_OUTPUT_SEALS F_SEAL_SHRINK
/* Its SO_SNDBUF, set by the application on both ends: the largest packet, twice, and the kernel's overhead. */
#define USER_CLIENT_CALL_SOCKET_SNDBUF (2 * (int) (USER_CLIENT_CALL_SOCKET_MAX_STRUCT + 4096))

/* Application → server, followed by structure_input_size bytes; one packet. */
typedef struct UserClientCallRequest {
        uint32_t selector;
        uint32_t scalar_input_count;
        uint32_t structure_input_size;
        uint32_t scalar_output_capacity;
        uint32_t structure_output_capacity;
        uint32_t flags; /* 0, or USER_CLIENT_CALL_MEMFD */
        uint64_t scalar_input[USER_CLIENT_MAX_SCALARS];
} UserClientCallRequest;

/* Server → application, followed by structure_output_size bytes; one packet. */
typedef struct UserClientCallReply {
        uint32_t result; /* ioreg_return_t */
        uint32_t scalar_output_count;
        uint32_t structure_output_size;
        uint32_t reserved; /* 0 */
        uint64_t scalar_output[USER_CLIENT_MAX_SCALARS];
} UserClientCallReply;
