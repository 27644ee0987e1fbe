/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ioreg/service.h: matching dictionaries, finding services, busy state,
 * after IOKitLib's IOService* calls.
 *
 * A matching dictionary is a JSON object of passive-matching keys
 * (IOProviderClass, IONameMatch, IOPropertyMatch, idVendor, ...), values in
 * the form of ioreg/registry.h. The builders return a new one (as
 * IOServiceMatching returns a CFMutableDictionary) that the caller may
 * extend with json_object_set_new(); the calls that take a matching
 * dictionary CONSUME one reference of it, as IOKitLib's do, whether they
 * succeed or fail: json_incref() it first to keep using it.
 */
#pragma once

#include <stdint.h>
#include <jansson.h>

#include <ioreg/object.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Keys of matching dictionaries (kIOProviderClassKey, ...). */
#define IOREG_PROVIDER_CLASS_KEY "IOProviderClass"
#define IOREG_NAME_MATCH_KEY "IONameMatch"
#define IOREG_PROPERTY_MATCH_KEY "IOPropertyMatch"
#define IOREG_PATH_MATCH_KEY "IOPathMatch"
#define IOREG_REGISTRY_ENTRY_ID_KEY "IORegistryEntryID"
#define IOREG_BSD_NAME_KEY "BSD Name"
/* Serial ports (IOSerialKeys.h). */
#define IOREG_SERIAL_BSD_SERVICE_VALUE "IOSerialBSDClient"
#define IOREG_SERIAL_BSD_TYPE_KEY "IOSerialBSDClientType"
#define IOREG_SERIAL_BSD_ALL_TYPES "IOSerialStream"
#define IOREG_SERIAL_BSD_MODEM_TYPE "IOModemSerialStream"
#define IOREG_SERIAL_BSD_RS232_TYPE "IORS232SerialStream"
#define IOREG_TTY_DEVICE_KEY "IOTTYDevice"
#define IOREG_CALLOUT_DEVICE_KEY "IOCalloutDevice"
#define IOREG_DIALIN_DEVICE_KEY "IODialinDevice"

/** IOServiceMatching: a new {"IOProviderClass": name}, or NULL. */
json_t *ioreg_service_matching(const char *name);
/** IOServiceNameMatching: a new {"IONameMatch": name}, or NULL. */
json_t *ioreg_service_name_matching(const char *name);
/** IOBSDNameMatching: a new {"BSD Name": bsd_name} ("sda", "ttyACM0"), or NULL. */
json_t *ioreg_bsd_name_matching(const char *bsd_name);
/** IORegistryEntryIDMatching: a new {"IORegistryEntryID": entry_id}, or NULL. */
json_t *ioreg_registry_entry_id_matching(uint64_t entry_id);

/**
 * IOServiceGetMatchingServices: an iterator over the services in the
 * Matched state that matching matches, by ascending ID (a snapshot).
 * Consumes matching. Success with *existing = NULL means nothing matched,
 * as IOKitLib may answer.
 */
ioreg_return_t ioreg_service_get_matching_services(json_t *matching, ioreg_iterator_t *existing);
/** IOServiceGetMatchingService: the first such service (a new reference), or NULL. Consumes matching. */
ioreg_service_t ioreg_service_get_matching_service(json_t *matching);
/** IOServiceMatchPropertyTable: 1 in *matches when service matches matching now. Does not consume it. */
ioreg_return_t ioreg_service_match_property_table(ioreg_service_t service, json_t *matching, int *matches);

/** IOServiceGetBusyState: the service's busy count. */
ioreg_return_t ioreg_service_get_busy_state(ioreg_service_t service, uint32_t *busy_state);
/** IOServiceGetState: the state bits (0x1 inactive, 0x2 registered, 0x4 matched, 0x8 first publish, 0x10 first match). */
ioreg_return_t ioreg_service_get_state(ioreg_service_t service, uint64_t *state);
/**
 * IOServiceWaitQuiet: waits until nothing in the registry is busy, at most
 * timeout_usec microseconds (UINT64_MAX: no limit), as IOKitWaitQuiet; the
 * daemon knows the whole registry's busy state only. @return TIMEOUT.
 */
ioreg_return_t ioreg_service_wait_quiet(ioreg_service_t service, uint64_t timeout_usec);
/** IOKitWaitQuiet: the same for the registry. */
ioreg_return_t ioreg_kit_wait_quiet(uint64_t timeout_usec);
/**
 * (ioregd addition) IOKitWaitQuiet for a client that may start before the
 * daemon: waits up to timeout_usec for ioregd to appear on the bus, then
 * for the registry to be quiet, within the same time. @return TIMEOUT when
 * the time ran out; NO_DEVICE when there is no bus.
 */
ioreg_return_t ioreg_kit_wait_for_daemon_quiet(uint64_t timeout_usec);
/**
 * (ioregd addition) Whether ioregd can be reached, for an error message that
 * says what to do: @return SUCCESS when it owns its name on the bus,
 * NO_DEVICE when the bus answers but ioregd is not on it, IPC_ERROR when
 * the bus itself cannot be reached.
 */
ioreg_return_t ioreg_kit_check_daemon(void);

/**
 * (ioregd addition) The matcher's verdict on every candidate personality of
 * entry entry_id (Catalogue1.Explain; `ioreg --explain`), best first.
 * @param candidates on success a new array (the caller's) of objects:
 *        "name", "bundle", "source", "outcome" (no-match, category-held,
 *        merged, probe-refused, start-failed, lost, winner, not-run),
 *        "failed_key" ("" unless no-match), "passive_score", "probe_score",
 *        "driver" (the entry ID it started or that holds its category, 0
 *        when none), "category"; untouched on failure.
 * @return NOT_FOUND for an unknown ID.
 */
ioreg_return_t ioreg_catalogue_explain(uint64_t entry_id, json_t **candidates);
/** IOKitGetBusyState: Root's busy count. */
ioreg_return_t ioreg_kit_get_busy_state(uint32_t *busy_state);

#ifdef __cplusplus
}
#endif
