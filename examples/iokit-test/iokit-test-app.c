/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * iokit-test-app: the book's application for the IOKitTest driver
 * (chapter 5, "Interacting with Drivers from Applications"): find the
 * driver by class, IOServiceOpen it, and call each of its methods through
 * the book's wrappers: start the timer, delay 100 ms, read the elapsed
 * time as a scalar and as a TimerValue structure, delay for a TimerValue,
 * then the asynchronous delay completing through a notification port
 * (the asyncRef callback). Exit status 0 when every call did what it says.
 */

#include <stdio.h>
#include <stdlib.h>

#include <ioreg/ioreg.h>

#include "IOKitTestShared.h"

static ioreg_return_t StartTimer(ioreg_connect_t connection) {
        return ioreg_connect_call_scalar_method(connection, kTestUserClientStartTimer, NULL, 0, NULL, NULL);
}

static ioreg_return_t StopTimer(ioreg_connect_t connection) {
        return ioreg_connect_call_scalar_method(connection, kTestUserClientStopTimer, NULL, 0, NULL, NULL);
}

static ioreg_return_t GetElapsedTimerTime(ioreg_connect_t connection, uint32_t *timerTime) {
        uint64_t scalarOut[1];
        uint32_t scalarOutCount = 1;
        ioreg_return_t kr;

        kr = ioreg_connect_call_scalar_method(connection, kTestUserClientGetElapsedTimerTime, NULL, 0, scalarOut,
                                              &scalarOutCount);
        if (kr == IOREG_RETURN_SUCCESS)
                *timerTime = (uint32_t) scalarOut[0];
        return kr;
}

static ioreg_return_t GetElapsedTimerValue(ioreg_connect_t connection, TimerValue *timerValue) {
        size_t structOutSize = sizeof(TimerValue);

        return ioreg_connect_call_struct_method(connection, kTestUserClientGetElapsedTimerValue, NULL, 0, timerValue,
                                                &structOutSize);
}

static ioreg_return_t DelayForMs(ioreg_connect_t connection, uint32_t milliseconds) {
        uint64_t scalarIn[1] = { milliseconds };

        return ioreg_connect_call_scalar_method(connection, kTestUserClientDelayForMs, scalarIn, 1, NULL, NULL);
}

static ioreg_return_t DelayForTime(ioreg_connect_t connection, const TimerValue *timerValue) {
        return ioreg_connect_call_struct_method(connection, kTestUserClientDelayForTime, timerValue, sizeof(TimerValue),
                                                NULL, NULL);
}

static int asyncDone;

static void DelayCallback(void *refcon, ioreg_return_t result, uint64_t *args, uint32_t numArgs) {
        printf("async delay of %s ms completed: %s\n", (const char *) refcon, ioreg_return_string(result));
        asyncDone = 1;
}

static ioreg_return_t DelayForMsAsync(ioreg_connect_t connection, ioreg_notification_port_t port, uint32_t ms) {
        uint64_t asyncRef[IOREG_ASYNC_REF_COUNT] = {};
        uint64_t scalarIn[1] = { ms };

        asyncRef[IOREG_ASYNC_CALLOUT_FUNC_INDEX] = (uint64_t) (uintptr_t) DelayCallback;
        asyncRef[IOREG_ASYNC_CALLOUT_REFCON_INDEX] = (uint64_t) (uintptr_t) "250";
        return ioreg_connect_call_async_scalar_method(connection, kTestUserClientDelayForMs, port, asyncRef,
                                                      IOREG_ASYNC_REF_COUNT, scalarIn, 1, NULL, NULL);
}

static int check(const char *what, ioreg_return_t kr) {
        printf("%-24s %s\n", what, ioreg_return_string(kr));
        return kr == IOREG_RETURN_SUCCESS ? 0 : 1;
}

int main(void) {
        ioreg_iterator_t iter;
        ioreg_service_t service;
        ioreg_return_t kr;
        int failures = 0, found = 0;

        kr = ioreg_service_get_matching_services(ioreg_service_matching(kIOKitTestClassName), &iter);
        if (kr != IOREG_RETURN_SUCCESS) {
                fprintf(stderr, "IOServiceGetMatchingServices: %s\n", ioreg_return_string(kr));
                return 1;
        }
        while ((service = ioreg_iterator_next(iter))) {
                ioreg_notification_port_t port = ioreg_notification_port_create();
                ioreg_connect_t connect;
                TimerValue value = {}, delay = { .time = 50, .timebase = 1000 }; /* 50 ms */
                uint32_t ms = 0;

                found = 1;
                kr = ioreg_service_open(service, 0, &connect);
                ioreg_object_release(service);
                if (check("IOServiceOpen", kr)) {
                        failures++;
                        ioreg_notification_port_destroy(port);
                        continue;
                }
                failures += check("StartTimer", StartTimer(connect));
                failures += check("DelayForMs(100)", DelayForMs(connect, 100));
                failures += check("GetElapsedTimerTime", GetElapsedTimerTime(connect, &ms));
                printf("  elapsed: %u ms\n", ms);
                failures += ms < 100;
                failures += check("DelayForTime(50 ms)", DelayForTime(connect, &delay));
                failures += check("StopTimer", StopTimer(connect));
                failures += check("GetElapsedTimerValue", GetElapsedTimerValue(connect, &value));
                printf("  elapsed: %llu / %llu s\n", (unsigned long long) value.time,
                       (unsigned long long) value.timebase);
                failures += value.timebase == 0 || value.time * 1000 / value.timebase < 150;
                failures += check("DelayForMs async (250)", DelayForMsAsync(connect, port, 250));
                while (!asyncDone && ioreg_notification_port_run(port, 5000000) == IOREG_RETURN_SUCCESS)
                        ;
                failures += !asyncDone;
                failures += check("IOServiceClose", ioreg_service_close(connect));
                ioreg_notification_port_destroy(port);
        }
        ioreg_object_release(iter);
        if (!found) {
                fprintf(stderr, "no %s driver is running\n", kIOKitTestClassName);
                return 1;
        }
        printf("%s\n", failures ? "FAILED" : "all calls succeeded");
        return failures ? 1 : 0;
}
