/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* family.c: the family table, the class hierarchy, the Linux dictionary and parsing helpers. */

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "family.h"

/* Asked in this order; the generic family last takes whatever is left. */
static const Family *const families[] = {
        &family_pci,     &family_usb_device, &family_usb_interface, &family_serial, &family_storage,
        &family_network, &family_hid,        &family_power_source,  &family_generic,
};

/* Class, superclass: Apple's chains, shortened to what Linux can show. */
static const char *const classes[][2] = {
        { "IOPCIDevice", "IOService" },
        { "IOPCIBridge", "IOService" },
        { "IOUSBHostDevice", "IOService" },
        { "IOUSBHostInterface", "IOService" },
        { "IOSerialBSDClient", "IOService" },
        { "IOStorage", "IOService" },
        { "IOMedia", "IOStorage" },
        { "IONetworkInterface", "IOService" },
        { "IOEthernetInterface", "IONetworkInterface" },
        { "IOHIDDevice", "IOService" },
        { "IOPMPowerSource", "IOService" },
        { "IOLinuxDevice", "IOService" },
        { "IOLinuxKernelDriver", "IOService" },
};

/* Old names that personalities still match on. */
static const char *const aliases[][2] = {
        { "IOUSBDevice", "IOUSBHostDevice" },
        { "IOUSBInterface", "IOUSBHostInterface" },
};

int family_define_classes(ClassTable *t) {
        int r;

        for (size_t i = 0; i < ELEMENTSOF(classes); i++) {
                r = class_table_define(t, classes[i][0], classes[i][1], NULL);
                if (r < 0)
                        return r;
        }
        for (size_t i = 0; i < ELEMENTSOF(aliases); i++) {
                r = class_table_alias(t, aliases[i][0], aliases[i][1]);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* f lists d's subsystem, or lists none: its handles() may accept d. */
_hot_ static bool family_may_handle(const Family *f, const DeviceRecord *d) {
        if (!f->subsystems[0])
                return true;
        for (size_t i = 0; i < ELEMENTSOF(f->subsystems) && f->subsystems[i]; i++)
                if (streq_ptr(d->subsystem, f->subsystems[i]))
                        return true;
        return false;
}

_hot_ const Family *family_for_device(const DeviceRecord *d) {
        for (size_t i = 0; i < ELEMENTSOF(families); i++)
                if (family_may_handle(families[i], d) && families[i]->handles(d))
                        return families[i];
        return &family_generic;
}

_hot_ void nub_description_done(NubDescription *n) {
        free(n->name);
        free(n->location);
        value_unref(n->properties);
        *n = (NubDescription) {};
}

_hot_ static int add_udev_property(const char *key, const char *value, void *ud) {
        return value_dict_set_take(ud, key, value_new_string(value));
}

_hot_ static int add_raw_string(const char *name, const void *raw, size_t len, void *ud) {
        return value_dict_set_take(ud, name, value_new_data(raw, len));
}

_hot_ static Value *linux_dictionary(const DeviceRecord *d) {
        _cleanup_value_ Value *l = value_new_dictionary();
        const struct {
                const char *key, *value;
        } fields[] = {
                { "SYSPATH", d->syspath },   { "SUBSYSTEM", d->subsystem }, { "DEVTYPE", d->devtype },
                { "DRIVER", d->driver },     { "DEVNAME", d->devname },     { "MODALIAS", d->modalias },
        };

        if (!l)
                return NULL;
        for (size_t i = 0; i < ELEMENTSOF(fields); i++)
                if (fields[i].value && value_dict_set_take(l, fields[i].key, value_new_string(fields[i].value)) < 0)
                        return NULL;
        if (d->major || d->minor) {
                if (value_dict_set_take(l, "MAJOR", value_new_unsigned(d->major, 32)) < 0 ||
                    value_dict_set_take(l, "MINOR", value_new_unsigned(d->minor, 32)) < 0)
                        return NULL;
        }
        if (d->foreach_property) {
                _cleanup_value_ Value *props = value_new_dictionary();

                if (!props || d->foreach_property(d, add_udev_property, props) < 0)
                        return NULL;
                if (value_dict_size(props) > 0 && value_dict_set(l, "udev", props) < 0)
                        return NULL;
        }
        /* Strings that were not UTF-8 are shown repaired; their bytes as they were are here. */
        if (d->foreach_raw) {
                _cleanup_value_ Value *raw = value_new_dictionary();

                if (!raw || d->foreach_raw(d, add_raw_string, raw) < 0)
                        return NULL;
                if (value_dict_size(raw) > 0 && value_dict_set(l, "RawStrings", raw) < 0)
                        return NULL;
        }
        return TAKE_PTR(l);
}

_hot_ int family_describe_device(const DeviceRecord *d, NubDescription *ret) {
        NubDescription nub = {};
        const Family *f;
        int r;

        assert(d && ret);
        if (!d->syspath || !d->sysname)
                return -EINVAL;
        nub.properties = value_new_dictionary();
        if (!nub.properties)
                return -ENOMEM;
        f = family_for_device(d);
        r = f->describe(d, &nub);
        if (r >= 0 && (!nub.class_name || !nub.name))
                r = -EINVAL; /* a family must name the class and the entry */
        if (r >= 0)
                r = value_dict_set_take(nub.properties, "Linux", linux_dictionary(d));
        if (r < 0) {
                nub_description_done(&nub);
                return r;
        }
        *ret = nub;
        return 0;
}
