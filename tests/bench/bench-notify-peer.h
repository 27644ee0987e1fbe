/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bench-notify-peer.h: the floor under bench-notify's fan-out rows. A bare
 * sender is a process with one bus connection and nothing else (no
 * registry, no hub): told by a byte on a pipe, it sends a copy of a real
 * Notification signal (the same body, the same bytes) to each subscriber
 * as a unicast signal, or once as a broadcast that every subscriber's
 * match rule takes. Its subscribers are bench-notify's own connections,
 * acknowledging as they do for ioregd, so what it measures is what the bus
 * and the subscribers cost, and ioregd's rows less it are ioregd's.
 *
 * CPU accounting: bench_process_cpu_nsec() is a process's CPU time so far, from
 * /proc/PID/task/T/schedstat (nanoseconds, every thread).
 */
#pragma once

#include <stdint.h>
#include <sys/types.h>
#include <systemd/sd-bus.h>

typedef struct BenchSender {
        pid_t pid;        /* 0 when not running */
        int cmd_fd;       /* owned: the command pipe's write end */
        char name[128];   /* its unique name on the bus */
} BenchSender;

typedef enum BenchSendKind {
        BENCH_SEND_UNICAST = 'u',   /* one signal per subscriber, with its destination */
        BENCH_SEND_BROADCAST = 'b', /* one signal, no destination */
} BenchSendKind;

/*
 * Forks the sender. names (n of them) are the subscribers' unique names; body is a received
 * Notification whose arguments are copied into every signal. Both are read before the call
 * returns. 0 or negative errno.
 */
int bench_sender_start(const char *address, char *const *names, unsigned n, sd_bus_message *body,
                       BenchSender *ret);
/* One event: kind. 0 or -EIO. */
int bench_sender_fire(BenchSender *s, BenchSendKind kind);
/* Ends the sender and waits for it. */
void bench_sender_stop(BenchSender *s);

/* The child of pid whose command is comm (dbus-broker under dbus-broker-launch), else pid itself. */
pid_t bench_child_named(pid_t pid, const char *comm);

/* CPU time of process pid (all its threads) so far, in ns; 0 when it cannot be read. */
uint64_t bench_process_cpu_nsec(pid_t pid);
