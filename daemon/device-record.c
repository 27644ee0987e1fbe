/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* device-record.c: see device-record.h. */

#include <string.h>

#include "device-record.h"
#include "shared/macro.h"

static const char *const action_names[_DEVICE_ACTION_MAX] = {
        [DEVICE_ACTION_ADD] = "add",       [DEVICE_ACTION_REMOVE] = "remove", [DEVICE_ACTION_CHANGE] = "change",
        [DEVICE_ACTION_MOVE] = "move",     [DEVICE_ACTION_ONLINE] = "online", [DEVICE_ACTION_OFFLINE] = "offline",
        [DEVICE_ACTION_BIND] = "bind",     [DEVICE_ACTION_UNBIND] = "unbind",
};

DeviceAction device_action_from_string(const char *s) {
        if (!s)
                return _DEVICE_ACTION_INVALID;
        for (int i = 0; i < _DEVICE_ACTION_MAX; i++)
                if (streq(action_names[i], s))
                        return (DeviceAction) i;
        return _DEVICE_ACTION_INVALID;
}

const char *device_action_to_string(DeviceAction a) {
        return a >= 0 && a < _DEVICE_ACTION_MAX ? action_names[a] : NULL;
}

const DeviceRecord *device_record_find_ancestor(const DeviceRecord *d, const char *subsystem,
                                                const char *devtype) {
        for (; d; d = device_record_parent(d))
                if ((!subsystem || streq_ptr(d->subsystem, subsystem)) && (!devtype || streq_ptr(d->devtype, devtype)))
                        return d;
        return NULL;
}
