/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * family-serial.c: serial ports (subsystem "tty" with a device node) →
 * IOSerialBSDClient, with IOSerialFamily's keys: IOTTYDevice ("ttyUSB0"),
 * IOTTYBaseName ("ttyUSB"), IOTTYSuffix ("0"), IOCalloutDevice and
 * IODialinDevice (both the device node: Linux has no cu./tty. pair), and
 * IOSerialBSDClientType: IOModemSerialStream for CDC ACM modems (ttyACM),
 * IORS232SerialStream for UARTs and USB-serial adapters (ttyS, ttyUSB,
 * ttyAMA, ...), IOSerialStream for the rest (ttyGS, rfcomm, ...).
 *
 * Not serial ports, so left to the generic family (IOLinuxDevice):
 *  - the virtual consoles and their helpers: tty, tty0..tty63, console, ptmx,
 *    ttyprintk, and legacy BSD pseudo-terminals (ptyp0, ttyp0);
 *  - UART slots with no UART behind them: the 8250 driver registers ttyS0-3
 *    on every PC, and their `type` attribute reads 0 (PORT_UNKNOWN).
 * The entry is named "IOSerialBSDClient", as on a Mac, with no location.
 */

#include <ctype.h>
#include <string.h>

#include "family-util.h"

static bool is_virtual_console(const char *name) {
        static const char *const names[] = { "tty", "console", "ptmx", "ttyprintk" };
        size_t prefix;

        for (size_t i = 0; i < ELEMENTSOF(names); i++)
                if (streq(name, names[i]))
                        return true;
        /* tty0 .. tty63 */
        prefix = family_name_prefix_len(name);
        if (prefix == 3 && strncmp(name, "tty", 3) == 0)
                return true;
        /* Legacy pseudo-terminals: pty[p-za-e][0-9a-f] and tty[p-za-e][0-9a-f]. */
        if (strlen(name) == 5 && (strncmp(name, "pty", 3) == 0 || strncmp(name, "tty", 3) == 0) &&
            ((name[3] >= 'p' && name[3] <= 'z') || (name[3] >= 'a' && name[3] <= 'e')) &&
            isxdigit((unsigned char) name[4]) && !isupper((unsigned char) name[4]))
                return true;
        return false;
}

static const char *tty_node_name(const DeviceRecord *d) {
        const char *slash = strrchr(d->devname, '/');

        return slash ? slash + 1 : d->devname;
}

_hot_ static bool serial_handles(const DeviceRecord *d) {
        if (!streq_ptr(d->subsystem, "tty") || !d->devname || !*d->devname)
                return false;
        if (is_virtual_console(d->sysname) || is_virtual_console(tty_node_name(d)))
                return false;
        /* A serial_core port slot with no hardware (PORT_UNKNOWN). */
        if (streq_ptr(device_record_attr(d, "type"), "0"))
                return false;
        return true;
}

static const char *client_type(const char *base) {
        static const char *const rs232[] = {
                "ttyS", "ttyUSB", "ttyAMA", "ttyO", "ttySAC", "ttymxc", "ttyTHS", "ttyMSM", "ttyHS", "ttyPS",
                "ttySC", "ttyLP", "ttyMV", "ttyMFD", "ttyXR", "ttySTM", "ttyAML", "ttyFIQ", "ttyRPMSG",
        };

        if (streq(base, "ttyACM"))
                return "IOModemSerialStream";
        for (size_t i = 0; i < ELEMENTSOF(rs232); i++)
                if (streq(base, rs232[i]))
                        return "IORS232SerialStream";
        return "IOSerialStream";
}

_hot_ static int serial_describe(const DeviceRecord *d, NubDescription *nub) {
        const char *node = tty_node_name(d);
        _cleanup_free_ char *base = NULL;
        Value *props = nub->properties;
        size_t prefix;

        nub->class_name = "IOSerialBSDClient";
        prefix = family_name_prefix_len(node);
        base = strndup(node, prefix);
        if (!base)
                return -ENOMEM;
        if (value_dict_set_take(props, "IOTTYDevice", value_new_string(node)) < 0 ||
            value_dict_set_take(props, "IOTTYBaseName", value_new_string(base)) < 0 ||
            value_dict_set_take(props, "IOTTYSuffix", value_new_string(node + prefix)) < 0 ||
            value_dict_set_take(props, "IOCalloutDevice", value_new_string(d->devname)) < 0 ||
            value_dict_set_take(props, "IODialinDevice", value_new_string(d->devname)) < 0 ||
            value_dict_set_take(props, "IOSerialBSDClientType", value_new_string(client_type(base))) < 0)
                return -ENOMEM;
        nub->name = strdup("IOSerialBSDClient");
        return nub->name ? 0 : -ENOMEM;
}

const Family family_serial = {
        .name = "serial",
        .subsystems = { "tty" },
        .handles = serial_handles,
        .describe = serial_describe,
};
