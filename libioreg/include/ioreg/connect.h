/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ioreg/connect.h: connections to drivers' user clients, after IOKitLib's
 * IOServiceOpen and IOConnect* (docs/libioreg.md, "User clients").
 *
 * ioreg_service_open() asks ioregd to open the service: ioregd checks it
 * (a driver with a user client class, running in a driver server; an
 * administrator where the driver asks for one), has the driver server make
 * the user client (an entry below the driver), and hands back one end of a
 * socket whose other end the driver server holds. Every call after that
 * goes straight to the driver server (sd-bus peer to peer), not through
 * the bus daemon.
 *
 * Differences from IOKitLib: there is no task argument (the caller is always
 * the owning task); wake ports are notification ports; return codes are
 * ioreg_return_t. Arguments follow IOConnectCallMethod's rules: scalars are
 * uint64_t, at most IOREG_MAX_SCALARS each way; *output_count and
 * *output_struct_size go in as capacities and come back as the counts the
 * driver produced. The driver's dispatch table is checked first
 * (BAD_ARGUMENT for a count or size that does not fit, UNSUPPORTED for an
 * unknown selector; ioreg/user-client.h).
 *
 * When the driver server is gone (crashed, or its driver stopped), every
 * call on the connection returns IOREG_RETURN_NO_DEVICE (kIOReturnNoDevice)
 * and keeps doing so: the connection is invalid; close and release it.
 *
 * Thread safety: a connection may be called from any number of threads at
 * once (as Apple's): calls are serialised on its socket. Async results and
 * notification messages are delivered by the notification port given with
 * the call, on the thread that dispatches that port; the connection uses
 * one port at a time (the last one given). A connection that was given a
 * port must be closed or released on that port's thread, before the port
 * is destroyed or after (both work).
 */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include <ioreg/notification.h>
#include <ioreg/object.h>
#include <ioreg/return.h>
#include <ioreg/user-client.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef ioreg_object_t ioreg_connect_t; /* io_connect_t */

/*
 * IOAsyncCallback: an async call's completion, or a notification message.
 * refcon is asyncRef[IOREG_ASYNC_CALLOUT_REFCON_INDEX]; args are the
 * driver's (n_args at most IOREG_MAX_SCALARS).
 */
typedef void (*ioreg_async_callback_t)(void *refcon, ioreg_return_t result, uint64_t *args, uint32_t n_args);

/* IOConnectMapMemory options. */
#define IOREG_MAP_ANYWHERE 0x0001u   /* kIOMapAnywhere: always, there is no fixed placement */
#define IOREG_MAP_READ_ONLY 0x1000u  /* kIOMapReadOnly */

/**
 * IOServiceOpen: a new connection to a new user client of the driver
 * service. type is passed to the driver.
 * @return UNSUPPORTED when the service has no user client class (it is no
 *         hosted driver, or its class has none); NOT_PRIVILEGED when the
 *         driver wants an administrator; NOT_FOUND for a gone service;
 *         *connect untouched on failure.
 */
ioreg_return_t ioreg_service_open(ioreg_service_t service, uint32_t type, ioreg_connect_t *connect);
/** IOServiceClose: the driver's client_close runs, the entry goes; drops the reference ioreg_service_open gave. */
ioreg_return_t ioreg_service_close(ioreg_connect_t connect);
/** IOConnectAddRef / IOConnectRelease: the same as ioreg_object_retain / _release. */
ioreg_return_t ioreg_connect_add_ref(ioreg_connect_t connect);
ioreg_return_t ioreg_connect_release(ioreg_connect_t connect);
/** IOConnectGetService: the driver's entry, with a new reference (release it). */
ioreg_return_t ioreg_connect_get_service(ioreg_connect_t connect, ioreg_service_t *service);

/** IOConnectCallMethod. Any pointer may be NULL when its count is 0. */
ioreg_return_t ioreg_connect_call_method(ioreg_connect_t connect, uint32_t selector, const uint64_t *input,
                                         uint32_t input_count, const void *input_struct, size_t input_struct_size,
                                         uint64_t *output, uint32_t *output_count, void *output_struct,
                                         size_t *output_struct_size);
/**
 * IOConnectCallAsyncMethod: the same, and later the driver's result arrives
 * on wake_port: reference[IOREG_ASYNC_CALLOUT_FUNC_INDEX] holds the
 * ioreg_async_callback_t (cast to uint64_t), [..._REFCON_INDEX] its refcon;
 * reference_count is 2 to IOREG_ASYNC_REF_COUNT. Only callbacks given to
 * this connection this way are ever called (a driver cannot name others).
 */
ioreg_return_t ioreg_connect_call_async_method(ioreg_connect_t connect, uint32_t selector,
                                               ioreg_notification_port_t wake_port, uint64_t *reference,
                                               uint32_t reference_count, const uint64_t *input,
                                               uint32_t input_count, const void *input_struct,
                                               size_t input_struct_size, uint64_t *output,
                                               uint32_t *output_count, void *output_struct,
                                               size_t *output_struct_size);
/** IOConnectCallScalarMethod. */
ioreg_return_t ioreg_connect_call_scalar_method(ioreg_connect_t connect, uint32_t selector, const uint64_t *input,
                                                uint32_t input_count, uint64_t *output, uint32_t *output_count);
/** IOConnectCallStructMethod. */
ioreg_return_t ioreg_connect_call_struct_method(ioreg_connect_t connect, uint32_t selector, const void *input_struct,
                                                size_t input_struct_size, void *output_struct,
                                                size_t *output_struct_size);
/** IOConnectCallAsyncScalarMethod. */
ioreg_return_t ioreg_connect_call_async_scalar_method(ioreg_connect_t connect, uint32_t selector,
                                                      ioreg_notification_port_t wake_port, uint64_t *reference,
                                                      uint32_t reference_count, const uint64_t *input,
                                                      uint32_t input_count, uint64_t *output,
                                                      uint32_t *output_count);
/** IOConnectCallAsyncStructMethod. */
ioreg_return_t ioreg_connect_call_async_struct_method(ioreg_connect_t connect, uint32_t selector,
                                                      ioreg_notification_port_t wake_port, uint64_t *reference,
                                                      uint32_t reference_count, const void *input_struct,
                                                      size_t input_struct_size, void *output_struct,
                                                      size_t *output_struct_size);

/**
 * IOConnectSetNotificationPort: the driver's unsolicited messages
 * (ioreg_user_client_send_notification) arrive on port. reference points
 * to an asyncRef as for async calls (callback and refcon; 2 entries read).
 * A NULL port stops the delivery. type goes to the driver.
 */
ioreg_return_t ioreg_connect_set_notification_port(ioreg_connect_t connect, uint32_t type,
                                                   ioreg_notification_port_t port, const uint64_t *reference);

/**
 * IOConnectMapMemory64: maps the memory the driver exports for type
 * (its client_memory_for_type), shared: what either side writes the other
 * reads. *address and *size are set (page granular size as the driver
 * gave it). options: IOREG_MAP_ANYWHERE, IOREG_MAP_READ_ONLY.
 */
ioreg_return_t ioreg_connect_map_memory(ioreg_connect_t connect, uint32_t memory_type, uint64_t *address,
                                        uint64_t *size, uint32_t options);
/** IOConnectUnmapMemory64: NOT_FOUND when address is no mapping of type on this connection. */
ioreg_return_t ioreg_connect_unmap_memory(ioreg_connect_t connect, uint32_t memory_type, uint64_t address);

/** IOConnectSetCFProperties: properties (an object, borrowed) to the driver's set_properties. */
ioreg_return_t ioreg_connect_set_properties(ioreg_connect_t connect, json_t *properties);
/** IOConnectSetCFProperty: one key (value borrowed). */
ioreg_return_t ioreg_connect_set_property(ioreg_connect_t connect, const char *key, json_t *value);

#ifdef __cplusplus
}
#endif
