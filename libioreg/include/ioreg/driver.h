/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ioreg/driver.h: the driver side of libioreg, for driver servers (the
 * DriverKit model: one process per IOUserServerName, holding the driver
 * instances ioregd starts in it; docs/drivers.md).
 *
 * A server program calls ioreg_driver_server_run() with a table of the
 * classes it implements, one per IOUserClass of its personalities. The
 * library connects to the bus ioregd launched it for ($IOREG_BUS_ADDRESS),
 * checks in as $IOREG_SERVER_NAME, and then serves ioregd's calls: probe,
 * start, stop and messages, each routed to the class named by the
 * personality's IOUserClass. It returns once the last instance has stopped,
 * on SIGTERM (after stopping every instance), or when the bus goes.
 *
 * Property values are jansson values in the project's one JSON form
 * (numbers are 64-bit integers, data is {"$data": "BASE64"}; see
 * docs/personalities.md).
 *
 * Everything runs on the calling thread; the calls below are synchronous
 * and may be made from the callbacks (a driver typically sets properties,
 * opens its provider and registers nubs in start).
 */
#pragma once

#include <stdint.h>
#include <jansson.h>
#include <ioreg/return.h>
#include <ioreg/user-client.h>

#ifdef __cplusplus
extern "C" {
#endif

/* One driver instance: an entry below its provider (nub), class IOUserClass (declared in ioreg/user-client.h). */

typedef struct ioreg_driver_class {
        /* The IOUserClass this class implements. */
        const char *name;
        /*
         * Optional. personality: the matching personality (borrowed). Return
         * 0 to take part in the start, with *score possibly changed (Apple's
         * probe); anything else leaves the provider to other candidates.
         */
        int (*probe)(uint64_t provider_id, json_t *personality, int32_t *score, void *userdata);
        /* Required. IOREG_RETURN_SUCCESS keeps the driver; anything else fails its start (the next candidate is tried). */
        ioreg_return_t (*start)(ioreg_driver *driver, void *userdata);
        /* Optional. The instance is being stopped (its provider is going, or its personality was removed). */
        void (*stop)(ioreg_driver *driver, void *userdata);
        /* Optional. A message from the provider, e.g. 0xe0000010 kIOMessageServiceIsTerminated before stop. */
        void (*message)(ioreg_driver *driver, uint32_t type, uint64_t argument, void *userdata);
        /* Optional: its user clients (ioreg/user-client.h); NULL: ioreg_service_open() is UNSUPPORTED. */
        const ioreg_user_client_class *user_client;
} ioreg_driver_class;

/**
 * Runs the driver server until its last instance has stopped.
 * @param classes the classes it implements (borrowed for the call)
 * @param n_classes how many
 * @param userdata handed to every callback
 * @return 0 when every instance stopped cleanly; 1 when the server could not
 *         check in or lost the bus (suitable as the program's exit status)
 */
int ioreg_driver_server_run(const ioreg_driver_class *classes, unsigned n_classes, void *userdata);

/** The instance's registry entry ID. */
uint64_t ioreg_driver_get_id(const ioreg_driver *driver);
/** Its provider's (the nub's) entry ID. */
uint64_t ioreg_driver_get_provider_id(const ioreg_driver *driver);
/** Its properties as started: the personality plus IOMatchCategory and IOProbeScore. Borrowed. */
json_t *ioreg_driver_get_properties(const ioreg_driver *driver);
/** The class it was started as. */
const ioreg_driver_class *ioreg_driver_get_class(const ioreg_driver *driver);
/** The driver's own pointer, NULL until set. */
void ioreg_driver_set_context(ioreg_driver *driver, void *context);
void *ioreg_driver_get_context(const ioreg_driver *driver);

/**
 * setProperties on its own entry: every key of properties (an object,
 * borrowed) is merged in. IOREG_RETURN_NOT_PERMITTED for a key the matcher
 * owns (IOClass, IOMatchCategory, ...).
 */
ioreg_return_t ioreg_driver_set_properties(ioreg_driver *driver, json_t *properties);
/**
 * open() of its provider, exclusive as Apple's default: while another
 * driver has it open, IOREG_RETURN_EXCLUSIVE_ACCESS. Opening twice is fine.
 */
ioreg_return_t ioreg_driver_open_provider(ioreg_driver *driver);
/** close() of its provider: IOREG_RETURN_NOT_OPEN when it had not opened it. */
ioreg_return_t ioreg_driver_close_provider(ioreg_driver *driver);
/**
 * Opens the provider (as ioreg_driver_open_provider) and gives a file
 * descriptor for its device, opened by ioregd (docs/drivers.md "Device
 * access": a USB device's usbfs node, a USB interface's device node with the
 * interface claimed, hidraw, the tty, or the nub's device node). It is the
 * server's only access to the device; it ends when the driver closes its
 * provider or stops (revoked where the kernel can). Each call gives a new
 * descriptor for the same open file.
 * @param ret_fd the descriptor (close-on-exec), the caller's to close;
 *        untouched on failure
 * @return IOREG_RETURN_EXCLUSIVE_ACCESS (another driver has the provider
 *         open), IOREG_RETURN_UNSUPPORTED (the nub has no device node),
 *         IOREG_RETURN_NO_DEVICE (the device is gone)
 */
ioreg_return_t ioreg_driver_copy_provider_fd(ioreg_driver *driver, int *ret_fd);
/**
 * Publishes a nub of class_name below the driver and registers it (it is
 * matched like any other nub).
 * @param name the nub's name, NULL for its class name
 * @param properties an object (borrowed), or NULL
 * @param ret_id the nub's entry ID (may be NULL); untouched on failure
 */
ioreg_return_t ioreg_driver_register_nub(ioreg_driver *driver, const char *class_name, const char *name,
                                         json_t *properties, uint64_t *ret_id);
/** messageClients(): sends type and argument to the general-interest clients of the driver's entry. */
ioreg_return_t ioreg_driver_message_clients(ioreg_driver *driver, uint32_t type, uint64_t argument);

#ifdef __cplusplus
}
#endif
