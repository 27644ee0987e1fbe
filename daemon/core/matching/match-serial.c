/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * match-serial.c: IOSerialBSDClient::matchPropertyTable. IOSerialFamily
 * compares its own keys at the top level of a matching dictionary, so the
 * classic "modems only" query, {IOProviderClass: IOSerialBSDClient,
 * IOSerialBSDClientType: IOModemSerialStream}, finds modems only; the
 * generic engine ignores keys it does not know, as IOService does.
 */

#include "match-family.h"

/* kIOSerialBSDTypeKey, kIOTTYDeviceKey, kIOTTYBaseNameKey, kIOTTYSuffixKey, kIOCalloutDeviceKey, kIODialinDeviceKey. */
static const char *const serial_keys[] = {
        "IOSerialBSDClientType", "IOTTYDevice", "IOTTYBaseName", "IOTTYSuffix", "IOCalloutDevice", "IODialinDevice",
};

bool match_serial(Registry *reg _unused_, Entry *e, const Value *table, int32_t *score _unused_,
                  const char **failed_key) {
        for (size_t i = 0; i < ELEMENTSOF(serial_keys); i++) {
                const Value *wanted = value_dict_get(table, serial_keys[i]);
                const Value *mine;

                if (!wanted)
                        continue;
                mine = entry_get_property(e, serial_keys[i]);
                /* value_equal(): Apple's isEqualTo, where a string equals data with the same bytes. */
                if (!mine || !value_equal(wanted, mine)) {
                        *failed_key = serial_keys[i];
                        return false;
                }
        }
        return true;
}
