/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-driver-backoff.c: the restart back-off and the crash-loop limit, with plain numbers. */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>

#include "driver-backoff.h"

#define SEC UINT64_C(1000000)

static void test_doubling_then_limit(void **state) {
        static const uint64_t expected[] = { 100000, 200000, 400000, 800000 };
        DriverBackoff b;
        uint64_t delay = 0, now = 1000 * SEC;

        driver_backoff_init(&b);
        for (unsigned i = 0; i < 4; i++) {
                assert_int_equal(driver_backoff_crashed(&b, now + i * SEC, &delay), 0);
                assert_int_equal(delay, expected[i]);
        }
        /* The fifth crash within the window is a crash loop, and it stays one. */
        assert_int_equal(driver_backoff_crashed(&b, now + 4 * SEC, &delay), -ELOOP);
        assert_true(b.gave_up);
        assert_int_equal(driver_backoff_crashed(&b, now + 3600 * SEC, &delay), -ELOOP);
        /* A reload forgets it. */
        driver_backoff_reset(&b);
        assert_int_equal(driver_backoff_crashed(&b, now + 3601 * SEC, &delay), 0);
        assert_int_equal(delay, 100000);
}

static void test_window_forgets(void **state) {
        DriverBackoff b;
        uint64_t delay = 0, now = 10 * SEC;

        driver_backoff_init(&b);
        /* Crashes further apart than the window never add up. */
        for (unsigned i = 0; i < 20; i++) {
                assert_int_equal(driver_backoff_crashed(&b, now, &delay), 0);
                assert_int_equal(delay, 100000);
                now += DRIVER_BACKOFF_WINDOW_USEC + 1;
        }
}

static void test_cap(void **state) {
        DriverBackoff b;
        uint64_t delay = 0;

        driver_backoff_init(&b);
        b.limit = 0; /* no limit: only the cap */
        for (unsigned i = 0; i < 40; i++)
                assert_int_equal(driver_backoff_crashed(&b, SEC + i, &delay), 0);
        assert_int_equal(delay, DRIVER_BACKOFF_MAX_USEC);
}

static void test_limit_one(void **state) {
        DriverBackoff b;
        uint64_t delay = 12345;

        driver_backoff_init(&b);
        b.limit = 1;
        assert_int_equal(driver_backoff_crashed(&b, SEC, &delay), -ELOOP);
        assert_int_equal(delay, 12345); /* untouched on failure */
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_doubling_then_limit),
                cmocka_unit_test(test_window_forgets),
                cmocka_unit_test(test_cap),
                cmocka_unit_test(test_limit_one),
        };

        return cmocka_run_group_tests_name("driver back-off", tests, NULL, NULL);
}
