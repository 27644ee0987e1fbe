/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* fuzz-personality-json.c: personality files in the JSON form (personality-json.c). */

#include "fuzz-personality.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        fuzz_personality_file("fuzz.json", data, size);
        return 0;
}
