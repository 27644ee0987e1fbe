/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ioreg/user-client.h: the driver side of user clients (IOUserClient), for
 * driver servers. An application's ioreg_service_open() on a driver's entry
 * makes one user client in the driver's server: an instance of the driver
 * class's user_client class (ioreg_driver_class.user_client), an entry
 * below the driver in the IOService plane (class: the user client class's
 * name, or the personality's IOUserClientClass), which goes when the
 * connection closes. docs/drivers.md, "User clients".
 *
 * The application's calls reach the class's dispatch table (Apple's
 * IOExternalMethodDispatch). The framework checks every call against the
 * selector's row before the function runs: an unknown selector or a row
 * without function is IOREG_RETURN_UNSUPPORTED, a scalar count or
 * structure size that differs from the row (inputs, and the output
 * capacities the caller offers) IOREG_RETURN_BAD_ARGUMENT, unless the row
 * says IOREG_VARIABLE_STRUCTURE_SIZE. The function sets the output counts
 * to what it produced (at most the capacity).
 *
 * Everything runs on the server's thread, like the driver's other
 * callbacks. A client pointer is valid from init to the return of
 * client_close or client_died, exactly one of which runs for every client
 * (client_died when the application went without closing, e.g. it
 * crashed; client_close also when the driver stops).
 */
#pragma once

#include <stdint.h>
#include <jansson.h>
#include <ioreg/return.h>

#ifdef __cplusplus
extern "C" {
#endif

struct sd_event;
typedef struct ioreg_driver ioreg_driver;
typedef struct ioreg_user_client ioreg_user_client;

#define IOREG_VARIABLE_STRUCTURE_SIZE 0xffffffffu /* kIOUCVariableStructureSize */
#define IOREG_ASYNC_REF_COUNT 8                   /* kOSAsyncRef64Count */
#define IOREG_ASYNC_CALLOUT_FUNC_INDEX 0          /* kIOAsyncCalloutFuncIndex */
#define IOREG_ASYNC_CALLOUT_REFCON_INDEX 1        /* kIOAsyncCalloutRefconIndex */
#define IOREG_MAX_SCALARS 16                      /* scalars each way, as io_scalar_inband64_t */

/* IOExternalMethodArguments. Inputs are borrowed for the call. */
typedef struct ioreg_external_method_arguments {
        uint32_t selector;
        const uint64_t *scalar_input;
        uint32_t scalar_input_count;
        const void *structure_input;
        uint32_t structure_input_size;
        uint64_t *scalar_output;          /* room for the capacity */
        uint32_t scalar_output_count;     /* in: the caller's capacity; out: how many were set */
        void *structure_output;           /* room for the capacity */
        uint32_t structure_output_size;   /* in: the caller's capacity; out: how many bytes were set */
        const uint64_t *async_reference;  /* an async call's asyncRef (copy it to answer later); NULL when sync */
        uint32_t async_reference_count;
} ioreg_external_method_arguments;

typedef ioreg_return_t (*ioreg_external_method_action)(ioreg_user_client *client, void *userdata,
                                                       ioreg_external_method_arguments *arguments);

/* IOExternalMethodDispatch: one row per selector. */
typedef struct ioreg_external_method_dispatch {
        ioreg_external_method_action function;
        uint32_t check_scalar_input_count;
        uint32_t check_structure_input_size;
        uint32_t check_scalar_output_count;
        uint32_t check_structure_output_size;
} ioreg_external_method_dispatch;

#define IOREG_CLIENT_PRIVILEGE_ADMINISTRATOR "root" /* kIOClientPrivilegeAdministrator */

typedef struct ioreg_user_client_class {
        /* The class of the user client entries; NULL: the personality's IOUserClientClass. */
        const char *name;
        const ioreg_external_method_dispatch *methods; /* indexed by selector */
        uint32_t n_methods;
        /* Nonzero: only an administrator may open (root, or polkit said so); others get NOT_PRIVILEGED. */
        int requires_administrator;
        /* Optional: initWithTask. type is the application's; anything but SUCCESS refuses the open. */
        ioreg_return_t (*init)(ioreg_user_client *client, uint32_t type, void *userdata);
        /* Optional: clientClose (the application closed, or the driver stops). */
        void (*client_close)(ioreg_user_client *client, void *userdata);
        /* Optional: clientDied (the application went without closing); NULL runs client_close, as Apple's does. */
        void (*client_died)(ioreg_user_client *client, void *userdata);
        /* Optional: registerNotificationPort. NULL accepts every type. */
        ioreg_return_t (*register_notification_port)(ioreg_user_client *client, uint32_t type, void *userdata);
        /*
         * Optional: clientMemoryForType, for ioreg_connect_map_memory(). *ret_fd
         * (borrowed: the library sends a copy) is a memfd or other mappable file
         * of *ret_size bytes. NULL: every type is UNSUPPORTED.
         */
        ioreg_return_t (*client_memory_for_type)(ioreg_user_client *client, uint32_t type, int *ret_fd,
                                                 uint64_t *ret_size, void *userdata);
        /* Optional: setProperties from ioreg_connect_set_properties() (properties borrowed). NULL: UNSUPPORTED. */
        ioreg_return_t (*set_properties)(ioreg_user_client *client, json_t *properties, void *userdata);
} ioreg_user_client_class;

/** The driver the client belongs to. */
ioreg_driver *ioreg_user_client_get_driver(const ioreg_user_client *client);
/** The type the application passed to ioreg_service_open(). */
uint32_t ioreg_user_client_get_type(const ioreg_user_client *client);
/** The opener's user ID. */
uint32_t ioreg_user_client_get_uid(const ioreg_user_client *client);
/**
 * clientHasPrivilege: SUCCESS when the opener is an administrator (root, or
 * polkit allowed it where the personality asks for one), else NOT_PRIVILEGED.
 * privilege: IOREG_CLIENT_PRIVILEGE_ADMINISTRATOR (others are UNSUPPORTED).
 */
ioreg_return_t ioreg_user_client_has_privilege(const ioreg_user_client *client, const char *privilege);
/** The driver's own pointer for this client, NULL until set. */
void ioreg_user_client_set_context(ioreg_user_client *client, void *context);
void *ioreg_user_client_get_context(const ioreg_user_client *client);

/**
 * sendAsyncResult64: completes an asynchronous call. reference is the call's
 * async_reference (copied by the driver), n_reference its count; args (n_args
 * at most IOREG_MAX_SCALARS) go to the application's callback.
 * @return NOT_OPEN when the client has closed.
 */
ioreg_return_t ioreg_user_client_send_async_result(ioreg_user_client *client, const uint64_t *reference,
                                                   uint32_t n_reference, ioreg_return_t result,
                                                   const uint64_t *args, uint32_t n_args);
/**
 * An unsolicited message to the port the application gave with
 * ioreg_connect_set_notification_port(): delivered like an async result, to
 * the reference registered there. NOT_READY when no port was set.
 */
ioreg_return_t ioreg_user_client_send_notification(ioreg_user_client *client, ioreg_return_t result,
                                                   const uint64_t *args, uint32_t n_args);

/** The server's event loop (borrowed), for timers and I/O sources of drivers. */
struct sd_event *ioreg_driver_get_event(const ioreg_driver *driver);

#ifdef __cplusplus
}
#endif
