/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* match-family.c: picks the family hook by class; IOResources' own hook. */

#include "match-family.h"

/* IOResources::matchPropertyTable: every resource named is published. */
_hot_ static bool resource_published(const Entry *e, const Value *name) {
        return value_type(name) == VALUE_STRING && entry_get_property(e, value_string(name, NULL));
}

_hot_ bool match_resources(Registry *reg _unused_, Entry *e, const Value *table, int32_t *score _unused_,
                           const char **failed_key) {
        Value *v = value_dict_get(table, "IOResourceMatch");
        bool ok = true;

        if (!v)
                return true;
        if (value_type(v) == VALUE_ARRAY) {
                for (size_t i = 0; ok && i < value_array_size(v); i++)
                        ok = resource_published(e, value_array_get(v, i));
        } else
                ok = resource_published(e, v);
        if (!ok)
                *failed_key = "IOResourceMatch";
        return ok;
}

_hot_ MatchFamilyHook match_family_hook(const Entry *e) {
        /*
         * Most-derived first: an interface class never derives from the device class, but be explicit.
         * IOUSBDevice/IOUSBInterface are aliases in a live registry, but the nubs' own classes in a
         * saved registry from OS X before 10.11 (IOUSBFamily scored them the same way).
         */
        if (entry_conforms_to(e, "IOUSBHostInterface") || entry_conforms_to(e, "IOUSBInterface"))
                return match_usb_interface;
        if (entry_conforms_to(e, "IOUSBHostDevice") || entry_conforms_to(e, "IOUSBDevice"))
                return match_usb_device;
        if (entry_conforms_to(e, "IOPCIDevice"))
                return match_pci;
        if (entry_conforms_to(e, "IOHIDDevice") || entry_conforms_to(e, "IOHIDInterface") ||
            entry_conforms_to(e, "IOHIDEventService"))
                return match_hid;
        if (entry_conforms_to(e, "IOResources"))
                return match_resources;
        if (entry_conforms_to(e, "IOSerialBSDClient"))
                return match_serial;
        return NULL;
}
