/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-uc-client.c: an application for the user client tests to run as
 * another process (killed mid-call, or as another user).
 *   test-uc-client CLASS TYPE open   opens the first driver of CLASS with TYPE,
 *                                    closes, exits with the open's ioreg_return_t
 *   test-uc-client CLASS TYPE hang   opens, prints "opened", then sits in a
 *                                    10 s call (the test kills it there)
 */

#include <stdio.h>
#include <stdlib.h>

#include <ioreg/ioreg.h>

#include "uc-test.h"

int main(int argc, char **argv) {
        ioreg_service_t service;
        ioreg_connect_t connect;
        ioreg_return_t r;
        uint64_t ms = 10000;

        if (argc != 4)
                return 100;
        service = ioreg_service_get_matching_service(ioreg_service_matching(argv[1]));
        if (!service)
                return 101;
        r = ioreg_service_open(service, (uint32_t) strtoul(argv[2], NULL, 0), &connect);
        ioreg_object_release(service);
        if (r != IOREG_RETURN_SUCCESS || argv[3][0] == 'o') {
                if (r == IOREG_RETURN_SUCCESS)
                        ioreg_service_close(connect);
                return (int) r;
        }
        printf("opened\n");
        fflush(stdout);
        r = ioreg_connect_call_scalar_method(connect, UC_SLEEP, &ms, 1, NULL, NULL);
        return (int) r;
}
