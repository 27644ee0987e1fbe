/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* registry-diagnostics.c: see registry-diagnostics.h. */

#include <stdlib.h>

#include "registry-diagnostics.h"

Value *registry_class_counts(const Registry *reg) {
        const ClassTable *t = reg->classes;
        _cleanup_free_ uint64_t *counts = calloc(t->n_classes ? t->n_classes : 1, sizeof(uint64_t));
        _cleanup_value_ Value *d = value_new_dictionary();

        if (!counts || !d)
                return NULL;
        /* A class is defined after its superclass: walking backwards finishes each subclass first. */
        for (unsigned i = t->n_classes; i > 0; i--) {
                const Class *c = t->classes[i - 1];

                counts[i - 1] += c->n_instances;
                if (counts[i - 1] == 0 || !c->super)
                        continue;
                for (unsigned k = 0; k < i - 1; k++)
                        if (t->classes[k] == c->super) {
                                counts[k]++;
                                break;
                        }
        }
        for (unsigned i = 0; i < t->n_classes; i++)
                if (value_dict_set_take(d, t->classes[i]->name, value_new_unsigned(counts[i], 32)) < 0)
                        return NULL;
        return TAKE_PTR(d);
}

int registry_update_diagnostics(Registry *reg) {
        _cleanup_value_ Value *diag = NULL;
        int r;

        if (entry_get_property(reg->root, "IOKitDiagnostics") && !reg->own_diagnostics)
                return 0; /* a saved registry's own */
        diag = value_new_dictionary();
        if (!diag || value_dict_set_take(diag, "Classes", registry_class_counts(reg)) < 0)
                return -ENOMEM;
        r = entry_set_property_take(reg->root, "IOKitDiagnostics", TAKE_PTR(diag));
        if (r >= 0)
                reg->own_diagnostics = true;
        return r;
}
