/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ioreg-driver-iokit-test: the book's IOKitTest timer driver (chapters 4
 * and 5) as a driver server. Its personality
 * (personalities/com.osxkernel.driver.IOKitTest.json, the names of the
 * book's Info.plist) matches IOResources in its own IOMatchCategory; its
 * user client class com_osxkernel_driver_IOKitTestUserClient serves the
 * book's six selectors with the book's dispatch table (IOKitTestShared.h).
 * The delays block the server when called synchronously (the kernel
 * version sleeps the calling thread); called asynchronously they complete
 * through a timer on the server's loop and sendAsyncResult64.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <systemd/sd-event.h>

#include <ioreg/ioreg.h>

#include "IOKitTestShared.h"

#define NSEC_PER_SEC UINT64_C(1000000000)

/* Per user client, as the book's IOKitTestUserClient keeps its timer. */
typedef struct TestClient {
        ioreg_user_client *client;     /* weak: ours until close */
        uint64_t start_ns, stop_ns;
        int running;
        sd_event_source *delays[8];    /* owned: async delays in flight */
} TestClient;

typedef struct AsyncDelay {
        TestClient *tc;                /* weak */
        unsigned slot;
        uint64_t reference[IOREG_ASYNC_REF_COUNT];
        uint32_t n_reference;
} AsyncDelay;

static uint64_t now_ns(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * NSEC_PER_SEC + (uint64_t) ts.tv_nsec;
}

static uint64_t elapsed_ns(const TestClient *tc) {
        if (tc->start_ns == 0)
                return 0;
        return (tc->running ? now_ns() : tc->stop_ns) - tc->start_ns;
}

static ioreg_return_t start_timer(ioreg_user_client *uc, void *userdata, ioreg_external_method_arguments *args) {
        TestClient *tc = ioreg_user_client_get_context(uc);

        tc->start_ns = now_ns();
        tc->running = 1;
        return IOREG_RETURN_SUCCESS;
}

static ioreg_return_t stop_timer(ioreg_user_client *uc, void *userdata, ioreg_external_method_arguments *args) {
        TestClient *tc = ioreg_user_client_get_context(uc);

        if (!tc->running)
                return IOREG_RETURN_NOT_READY;
        tc->stop_ns = now_ns();
        tc->running = 0;
        return IOREG_RETURN_SUCCESS;
}

static ioreg_return_t get_elapsed_time(ioreg_user_client *uc, void *userdata, ioreg_external_method_arguments *args) {
        args->scalar_output[0] = elapsed_ns(ioreg_user_client_get_context(uc)) / 1000000;
        args->scalar_output_count = 1;
        return IOREG_RETURN_SUCCESS;
}

static ioreg_return_t get_elapsed_value(ioreg_user_client *uc, void *userdata, ioreg_external_method_arguments *args) {
        TimerValue v = { .time = elapsed_ns(ioreg_user_client_get_context(uc)), .timebase = NSEC_PER_SEC };

        memcpy(args->structure_output, &v, sizeof(v));
        args->structure_output_size = sizeof(v);
        return IOREG_RETURN_SUCCESS;
}

static int on_delay_done(sd_event_source *src, uint64_t usec, void *userdata) {
        AsyncDelay *d = userdata;
        TestClient *tc = d->tc;
        uint64_t elapsed = 0;

        (void) ioreg_user_client_send_async_result(tc->client, d->reference, d->n_reference, IOREG_RETURN_SUCCESS,
                                                   &elapsed, 0);
        unsigned slot = d->slot;

        tc->delays[slot] = sd_event_source_disable_unref(tc->delays[slot]); /* frees d */
        return 0;
}

/* A delay: synchronous sleeps; asynchronous answers from a timer. */
static ioreg_return_t delay(ioreg_user_client *uc, const ioreg_external_method_arguments *args, uint64_t ns) {
        TestClient *tc = ioreg_user_client_get_context(uc);
        AsyncDelay *d;
        unsigned slot;

        if (!args->async_reference) {
                struct timespec ts = { .tv_sec = ns / NSEC_PER_SEC, .tv_nsec = ns % NSEC_PER_SEC };

                nanosleep(&ts, NULL);
                return IOREG_RETURN_SUCCESS;
        }
        for (slot = 0; slot < 8 && tc->delays[slot]; slot++)
                ;
        if (slot == 8)
                return IOREG_RETURN_BUSY;
        d = calloc(1, sizeof(*d));
        if (!d)
                return IOREG_RETURN_NO_MEMORY;
        d->tc = tc;
        d->slot = slot;
        d->n_reference = args->async_reference_count;
        memcpy(d->reference, args->async_reference, d->n_reference * sizeof(uint64_t));
        if (sd_event_add_time_relative(ioreg_driver_get_event(ioreg_user_client_get_driver(uc)), &tc->delays[slot],
                                       CLOCK_MONOTONIC, ns / 1000, 0, on_delay_done, d) < 0) {
                free(d);
                return IOREG_RETURN_NO_RESOURCES;
        }
        (void) sd_event_source_set_destroy_callback(tc->delays[slot], free);
        return IOREG_RETURN_SUCCESS;
}

static ioreg_return_t delay_for_ms(ioreg_user_client *uc, void *userdata, ioreg_external_method_arguments *args) {
        if (args->scalar_input[0] > 60000)
                return IOREG_RETURN_BAD_ARGUMENT;
        return delay(uc, args, args->scalar_input[0] * 1000000);
}

static ioreg_return_t delay_for_time(ioreg_user_client *uc, void *userdata, ioreg_external_method_arguments *args) {
        TimerValue v;

        memcpy(&v, args->structure_input, sizeof(v));
        if (v.timebase == 0 || v.time / v.timebase > 60)
                return IOREG_RETURN_BAD_ARGUMENT;
        return delay(uc, args, (uint64_t) ((__uint128_t) v.time * NSEC_PER_SEC / v.timebase));
}

/* The book's sMethods table. */
static const ioreg_external_method_dispatch methods[kTestUserClientMethodCount] = {
        [kTestUserClientStartTimer] = { start_timer, 0, 0, 0, 0 },
        [kTestUserClientStopTimer] = { stop_timer, 0, 0, 0, 0 },
        [kTestUserClientGetElapsedTimerTime] = { get_elapsed_time, 0, 0, 1, 0 },
        [kTestUserClientGetElapsedTimerValue] = { get_elapsed_value, 0, 0, 0, sizeof(TimerValue) },
        [kTestUserClientDelayForMs] = { delay_for_ms, 1, 0, 0, 0 },
        [kTestUserClientDelayForTime] = { delay_for_time, 0, sizeof(TimerValue), 0, 0 },
};

static ioreg_return_t client_init(ioreg_user_client *uc, uint32_t type, void *userdata) {
        TestClient *tc = calloc(1, sizeof(*tc));

        if (!tc)
                return IOREG_RETURN_NO_MEMORY;
        tc->client = uc;
        ioreg_user_client_set_context(uc, tc);
        printf("user client opened (type %u, uid %u)\n", type, ioreg_user_client_get_uid(uc));
        fflush(stdout);
        return IOREG_RETURN_SUCCESS;
}

static void client_close(ioreg_user_client *uc, void *userdata) {
        TestClient *tc = ioreg_user_client_get_context(uc);

        for (unsigned i = 0; i < 8; i++)
                tc->delays[i] = sd_event_source_disable_unref(tc->delays[i]);
        free(tc);
        printf("user client closed\n");
        fflush(stdout);
}

static ioreg_return_t test_start(ioreg_driver *driver, void *userdata) {
        printf("IOKitTest started as driver 0x%llx\n", (unsigned long long) ioreg_driver_get_id(driver));
        fflush(stdout);
        return IOREG_RETURN_SUCCESS;
}

int main(void) {
        static const ioreg_user_client_class user_client = {
                .name = kIOKitTestUserClientClassName,
                .methods = methods,
                .n_methods = kTestUserClientMethodCount,
                .init = client_init,
                .client_close = client_close,
        };
        static const ioreg_driver_class classes[] = {
                { .name = kIOKitTestClassName, .start = test_start, .user_client = &user_client },
        };

        return ioreg_driver_server_run(classes, 1, NULL);
}
