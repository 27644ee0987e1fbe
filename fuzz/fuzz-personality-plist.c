/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* fuzz-personality-plist.c: Info.plist files, XML or binary (personality-plist.c, libplist). */

#include "fuzz-personality.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        fuzz_personality_file("Info.plist", data, size);
        return 0;
}
