/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * IOKitTestShared.h: the interface of the book's IOKitTest user client
 * (chapters 4 and 5), shared by the driver server and its applications.
 * TimerValue.time counts ticks of TimerValue.timebase per second; the driver
 * reports nanoseconds (timebase 1000000000).
 */
#pragma once

#include <stdint.h>

typedef struct TimerValue {
        uint64_t time;
        uint64_t timebase;
} TimerValue;

enum TimerRequestCode {
        kTestUserClientStartTimer,           /* no arguments */
        kTestUserClientStopTimer,            /* no arguments */
        kTestUserClientGetElapsedTimerTime,  /* one scalar out: milliseconds */
        kTestUserClientGetElapsedTimerValue, /* struct out: TimerValue */
        kTestUserClientDelayForMs,           /* one scalar in: milliseconds (async: completes later) */
        kTestUserClientDelayForTime,         /* struct in: TimerValue (async: completes later) */
        kTestUserClientMethodCount
};

/* The driver's registry class (IOUserClass) and its user client class (IOUserClientClass). */
#define kIOKitTestClassName "com_osxkernel_driver_IOKitTest"
#define kIOKitTestUserClientClassName "com_osxkernel_driver_IOKitTestUserClient"
