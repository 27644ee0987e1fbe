/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* device-record.c: see device-record.h. */

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "device-record.h"
#include "macro.h"

static const char *const action_names[_DEVICE_ACTION_MAX] = {
        [DEVICE_ACTION_ADD] = "add",       [DEVICE_ACTION_REMOVE] = "remove", [DEVICE_ACTION_CHANGE] = "change",
        [DEVICE_ACTION_MOVE] = "move",     [DEVICE_ACTION_ONLINE] = "online", [DEVICE_ACTION_OFFLINE] = "offline",
        [DEVICE_ACTION_BIND] = "bind",     [DEVICE_ACTION_UNBIND] = "unbind",
};

_hot_ DeviceAction device_action_from_string(const char *s) {
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

int device_record_resolve_link(const char *syspath, const char *target, char **ret) {
        _cleanup_free_ char *buf = NULL;
        size_t len;
        char *out;

        assert(syspath && target && ret);
        if (syspath[0] != '/')
                return -EINVAL;
        if (target[0] == '/')
                buf = strdup(target);
        else if (asprintf(&buf, "%s/%s", syspath, target) < 0)
                buf = NULL;
        if (!buf)
                return -ENOMEM;

        /* Component by component into the same buffer: the output never outruns the input. */
        out = buf;
        len = 0;
        for (const char *p = buf; *p;) {
                const char *end = strchrnul(p, '/');
                size_t n = (size_t) (end - p);

                if (n == 0 || (n == 1 && p[0] == '.'))
                        ;
                else if (n == 2 && p[0] == '.' && p[1] == '.') {
                        while (len > 0 && out[len - 1] != '/')
                                len--;
                        if (len > 0)
                                len--; /* the slash before the dropped component */
                } else {
                        memmove(out + len + 1, p, n);
                        out[len] = '/';
                        len += n + 1;
                }
                p = *end ? end + 1 : end;
        }
        if (len == 0)
                out[len++] = '/';
        out[len] = '\0';
        *ret = TAKE_PTR(buf);
        return 0;
}
