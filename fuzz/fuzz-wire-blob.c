/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz-wire-blob.c: GetPlaneBlob's records as libioreg reads them (wire-blob.c), from
 * bytes anyone on the bus could have sent in the daemon's place. What it must do: not
 * crash nor leak whatever the lengths, counts, tags or nesting; refuse with -EBADMSG
 * (or -ENOMEM) or accept; and what it accepts is records of the documented shape, whose
 * strings jansson can write out (UTF-8 checked, as sd-bus checked it before).
 */

#include <errno.h>
#include <stdlib.h>

#include "fuzz.h"
#include "macro.h"
#include "wire-blob.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        json_auto_t *a = json_array();
        json_t *e; /* borrowed */
        size_t i;
        int r;

        if (!a || size > FUZZ_MAX_INPUT)
                return 0;
        r = wire_blob_read_records(data, size, a);
        fuzz_check(r == 0 || r == -EBADMSG || r == -ENOMEM);
        if (r < 0)
                return 0;
        json_array_foreach(a, i, e) {
                char *text;

                fuzz_check(json_is_string(json_object_get(e, "name")));
                fuzz_check(json_is_array(json_object_get(e, "classes")));
                fuzz_check(json_is_object(json_object_get(e, "properties")));
                text = json_dumps(e, JSON_COMPACT);
                fuzz_check(text); /* every string valid UTF-8 */
                free(text);
        }
        return 0;
}
