/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * case-baseline: no attacker. The harness's own checks on a daemon left
 * alone for a few seconds (the probe's figures on an idle daemon are the
 * reference the attack cases are held to).
 */

#include <unistd.h>

#include "adv.h"

static int run(Adv *adv) {
        sleep(3);
        return 0;
}

static const AdvCase the_case = {
        .name = "baseline",
        .summary = "no attacker: the probe alone for 3 s",
        .run = run,
};

int main(int argc, char *argv[]) {
        return adv_main(&the_case, argc, argv);
}
