/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * snapshot-infer.c: a superclass for a class the known chains
 * (snapshot-classes.c) do not list, from a known class with the same name
 * but for its numbers: a newer chip or transport generation of a family
 * Apple names by number (AppleThunderboltNHIType3 next to Type4,
 * AGXAcceleratorG15X next to G13X). When that class's superclass repeats
 * its numbers, the superclass with the numbers substituted: a generation
 * chain (AGXAcceleratorG13X : AGXAcceleratorG13 gives AGXAcceleratorG15X :
 * AGXAcceleratorG15, itself inferred in turn). Otherwise the superclass of
 * that superclass: siblings share a family, not always a parent
 * (IOSCSIPeripheralDeviceType00 is a block device, Type05 a multimedia one,
 * both IOSCSIPrimaryCommandsDevice).
 */

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "snapshot-classes.h"
#include "snapshot.h"

#define MAX_RUNS 8

typedef struct Runs {
        const char *at[MAX_RUNS];
        size_t len[MAX_RUNS];
        unsigned n;
} Runs;

/* The digit runs of s; false when there are more than MAX_RUNS. */
static bool digit_runs(const char *s, Runs *r) {
        r->n = 0;
        for (const char *p = s; *p;) {
                if (!isdigit((unsigned char) *p)) {
                        p++;
                        continue;
                }
                if (r->n == MAX_RUNS)
                        return false;
                r->at[r->n] = p;
                while (isdigit((unsigned char) *p))
                        p++;
                r->len[r->n] = p - r->at[r->n];
                r->n++;
        }
        return true;
}

/* a and b are the same name but for their digit runs (and have some). */
static bool same_shape(const char *a, const Runs *ra, const char *b, const Runs *rb) {
        const char *pa = a, *pb = b;

        if (ra->n == 0 || ra->n != rb->n)
                return false;
        for (unsigned i = 0; i <= ra->n; i++) {
                size_t la = (i < ra->n ? ra->at[i] : a + strlen(a)) - pa;
                size_t lb = (i < rb->n ? rb->at[i] : b + strlen(b)) - pb;

                if (la != lb || strncmp(pa, pb, la) != 0)
                        return false;
                if (i < ra->n) {
                        pa = ra->at[i] + ra->len[i];
                        pb = rb->at[i] + rb->len[i];
                }
        }
        return true;
}

/* super with each of the sibling's digit runs replaced by the class's run in the same place. */
static bool substitute(const char *super, const Runs *sibling, const Runs *mine, char *buf, size_t size,
                       bool *changed) {
        size_t o = 0;

        *changed = false;
        for (const char *p = super; *p;) {
                unsigned i;

                for (i = 0; i < sibling->n; i++)
                        if (strncmp(p, sibling->at[i], sibling->len[i]) == 0 &&
                            (p == super || !isdigit((unsigned char) p[-1])) &&
                            !isdigit((unsigned char) p[sibling->len[i]]))
                                break;
                if (i < sibling->n) {
                        if (o + mine->len[i] >= size)
                                return false;
                        memcpy(buf + o, mine->at[i], mine->len[i]);
                        o += mine->len[i];
                        p += sibling->len[i];
                        *changed = true;
                } else {
                        if (o + 1 >= size)
                                return false;
                        buf[o++] = *p++;
                }
        }
        buf[o] = 0;
        return true;
}

static const char *known_superclass(const char *name) {
        for (size_t i = 0; i < snapshot_n_known_classes; i++)
                if (streq(snapshot_known_classes[i][0], name))
                        return snapshot_known_classes[i][1];
        return NULL;
}

const char *snapshot_infer_superclass(const char *name, char *buf, size_t size) {
        Runs mine, theirs;
        bool changed;

        if (!digit_runs(name, &mine) || mine.n == 0)
                return NULL;
        for (size_t i = 0; i < snapshot_n_known_classes; i++) {
                const char *known = snapshot_known_classes[i][0], *super = snapshot_known_classes[i][1];

                if (streq(known, name) || !digit_runs(known, &theirs) || !same_shape(name, &mine, known, &theirs))
                        continue;
                if (!substitute(super, &theirs, &mine, buf, size, &changed) || streq(buf, name))
                        continue;
                if (changed)
                        return buf;
                return known_superclass(super) ?: super;
        }
        return NULL;
}
