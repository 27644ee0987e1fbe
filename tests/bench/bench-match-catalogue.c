/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bench-match-catalogue.c: see bench-match-catalogue.h. A USB personality
 * names IOProviderClass, IOClass, idVendor and idProduct; a PCI one
 * IOProviderClass, IOClass and IOPCIMatch "0xDDDDVVVV".
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench-match-catalogue.h"

/* USB: IOProviderClass, IOClass, idVendor, idProduct. PCI: IOProviderClass, IOClass, IOPCIMatch "0xDDDDVVVV". */
static int personality_for(Bus bus, IdPair id, const char *source, Personality **ret) {
        _cleanup_value_ Value *d = value_new_dictionary();
        char name[32], match[16];

        if (!d)
                return -ENOMEM;
        if (bus == BUS_USB) {
                snprintf(name, sizeof(name), "usb-%04x-%04x", id.vendor, id.product);
                if (value_dict_set_take(d, "IOProviderClass", value_new_string("IOUSBHostDevice")) < 0 ||
                    value_dict_set_take(d, "IOClass", value_new_string("BenchUSBDriver")) < 0 ||
                    value_dict_set_take(d, "idVendor", value_new_unsigned(id.vendor, 64)) < 0 ||
                    value_dict_set_take(d, "idProduct", value_new_unsigned(id.product, 64)) < 0)
                        return -ENOMEM;
        } else {
                snprintf(name, sizeof(name), "pci-%04x-%04x", id.vendor, id.product);
                snprintf(match, sizeof(match), "0x%04x%04x", id.product, id.vendor);
                if (value_dict_set_take(d, "IOProviderClass", value_new_string("IOPCIDevice")) < 0 ||
                    value_dict_set_take(d, "IOClass", value_new_string("BenchPCIDriver")) < 0 ||
                    value_dict_set_take(d, "IOPCIMatch", value_new_string(match)) < 0)
                        return -ENOMEM;
        }
        return personality_new(name, bus == BUS_USB ? "org.ioreg.bench.usb" : "org.ioreg.bench.pci", source,
                               TAKE_PTR(d), ret);
}

int personalities_from_ids(Bus bus, const IdList *ids, PersonalityList *list) {
        for (unsigned i = 0; i < ids->n; i++) {
                Personality *p;
                int r;

                r = personality_for(bus, ids->items[i], ids->path ?: "synthetic", &p);
                if (r >= 0)
                        r = personality_list_append_take(list, p);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* n pairs spread evenly over ids, appended to ret. */
int pick_evenly(const IdList *ids, unsigned n, IdList *ret) {
        for (unsigned i = 0; i < n && i < ids->n; i++) {
                const IdPair *p = &ids->items[(uint64_t) i * ids->n / n];

                if (id_list_add(ret, p->vendor, p->product) < 0)
                        return -ENOMEM;
        }
        return id_list_index(ret);
}

/* A stand-in list when an ids file is missing: n made-up pairs of vendors 0xf000... */
int synthetic_ids(IdList *l, unsigned n) {
        for (unsigned i = 0; i < n; i++)
                if (id_list_add(l, (uint16_t) (0xf000 + i / 16), (uint16_t) (0x1000 + i)) < 0)
                        return -ENOMEM;
        return 0;
}

int catalogue_build(const ClassTable *classes, const PersonalityList *const *lists, unsigned n_lists,
                    Catalogue **ret, unsigned *ret_skipped) {
        _cleanup_(catalogue_freep) Catalogue *c = NULL;
        unsigned skipped = 0;
        int r;

        r = catalogue_new(classes, &c);
        if (r < 0)
                return r;
        for (unsigned l = 0; l < n_lists; l++)
                for (unsigned i = 0; i < lists[l]->n; i++) {
                        r = catalogue_add(c, lists[l]->items[i]);
                        if (r == -EINVAL || r == 0) {
                                skipped++; /* no IOProviderClass, or an exact duplicate */
                                continue;
                        }
                        if (r < 0)
                                return r;
                }
        *ret = TAKE_PTR(c);
        if (ret_skipped)
                *ret_skipped = skipped;
        return 0;
}
