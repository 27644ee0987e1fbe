/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * driver-host-internal.h: what the three parts of the driver host share
 * (driver-host.h tells the whole story):
 *
 *   driver-host.c      the matcher seam, the specs loaded with the
 *                      personalities, and the calls a checked-in server makes
 *   driver-call.c      the D-Bus proxy to a server: its queue sent, Probe,
 *                      Start, Stop, Message and their replies
 *   driver-server.c    process supervision: launch, output, timeouts, exit,
 *                      back-off, crash loop
 *   driver-instance.c  the calls' records and the instances (kept in the
 *                      matcher's MatcherDriver records, host slot = the
 *                      server running it), with the providers they opened
 *
 * Not for use outside daemon/drivers/ (tests/driver excepted).
 */
#pragma once

#include "ratelimit.h"

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "driver-backoff.h"
#include "driver-host.h"
#include "driver-spec.h"

#define DRIVER_LINE_MAX_LEN 1024
/*
 * A server's output (stdout and stderr together), per second: this many bytes are read, then
 * reading pauses until the second is over (the server blocks in write(): the daemon does not
 * spin on a flood); this many lines are logged, the rest counted in one line (issue 23, I).
 */
#define DRIVER_OUTPUT_INTERVAL_USEC (UINT64_C(1) * 1000000)
#define DRIVER_OUTPUT_BYTES (64u * 1024u)
#define DRIVER_OUTPUT_LINES 100u

typedef enum ServerState {
        SERVER_IDLE,      /* no process; calls may be queued (the bus is not there yet) */
        SERVER_LAUNCHING, /* forked, waiting for its check-in */
        SERVER_RUNNING,   /* checked in */
        SERVER_WAITING,   /* crashed, in back-off */
        SERVER_FAILED,    /* given up on (crash loop, restart "no", cannot launch) */
} ServerState;

typedef enum CallKind {
        CALL_PROBE,
        CALL_START,
        CALL_STOP,
        CALL_MESSAGE,
} CallKind;

typedef struct DriverServer DriverServer;

typedef struct HostCall {
        struct HostCall *next;      /* in the server's queued or sent list */
        DriverServer *server;       /* weak */
        CallKind kind;
        Entry *nub;                 /* owned reference (probe, start) */
        Entry *driver;              /* owned reference (start, stop, message) */
        uint64_t driver_id;
        Value *table;               /* owned (probe: the personality's copy) */
        int32_t score;
        uint32_t message;
        bool instance;              /* start: holds one of the server's instances until it replies */
        bool ends_access;           /* stop: its end (reply, timeout, exit) closes the provider and lets
                                     * the driver's entry, held until then, leave the registry */
        bool holds_entry;           /* start: the driver's entry (so its nub) stays until the call ends */
        MatcherDone done;           /* probe and start: told exactly once */
        void *token;                /* borrowed */
        sd_bus_slot *slot;          /* owned while sent */
} HostCall;

typedef struct LineBuffer {
        char buf[DRIVER_LINE_MAX_LEN];
        size_t len;
} LineBuffer;

struct DriverServer {
        DriverHost *host;           /* weak */
        char *name;                 /* owned; the servers map key */
        DriverSpec spec;
        ServerState state;
        pid_t pid;
        uid_t uid;
        char *unique_name;          /* owned: the checked-in connection */
        sd_event_source *child;     /* owned */
        sd_event_source *out_io, *err_io; /* owned */
        LineBuffer out_line, err_line;
        sd_event_source *timer;     /* owned: check-in, idle, stop and kill timeouts */
        sd_event_source *backoff_timer; /* owned */
        HostCall *queued;           /* owned list, in order */
        HostCall *sent;             /* owned list */
        unsigned n_instances;       /* instances started or starting */
        bool retiring;              /* its last instance stopped: it exits by itself */
        bool signalled;             /* we sent it SIGTERM or SIGKILL */
        bool retry;                 /* given up on, reset by a reload: its crash-looped nubs are matched again */
        DriverBackoff backoff;
        uint64_t *rematch;          /* owned: nub IDs to match again after the back-off */
        unsigned n_rematch, cap_rematch;
        RateLimit output_lines;     /* its output lines in the log */
        uint64_t output_begin;      /* CLOCK_MONOTONIC start of the output interval */
        size_t output_bytes;        /* read in it */
        sd_event_source *output_resume; /* owned: reading paused until the interval ends */
        bool dynamic_uid;           /* uid is its own (driver-launch.h): its processes are all its */
};

typedef struct OpenRecord {
        uint64_t nub_id;            /* the map key */
        uint64_t driver_id;         /* who opened it */
        int access_fd;              /* owned: the device's fd (device-access.h), -EBADF until asked for */
        Entry *kernel_nub;          /* owned reference: the nub whose kernel driver was detached for this
                                     * driver, bound again when the record goes (kernel-driver.h); or NULL */
        char *kernel_driver;        /* owned: that kernel driver's name, for the log */
        Matcher *matcher;           /* borrowed, with kernel_nub: told when the kernel driver has it back */
} OpenRecord;

/* The spec of one server name, as the personalities loaded it. */
typedef struct SpecRecord {
        DriverSpec spec;            /* spec.server_name is the map key */
        Personality *personality;   /* owned reference: the first personality that named it */
} SpecRecord;

struct DriverHost {
        sd_event *event;            /* borrowed */
        Registry *registry;         /* borrowed */
        Matcher *matcher;           /* borrowed; holds the instances (MatcherDriver, host slot = server) */
        DriverHostHooks hooks;
        sd_bus *bus;                /* owned reference, NULL before driver_host_attach_bus() */
        char **path;                /* owned strv: the driver path */
        Hashmap specs;              /* server name → SpecRecord * (owned), from driver_host_load_specs() */
        Hashmap servers;            /* name → DriverServer * (owned) */
        Hashmap opens;              /* nub ID → OpenRecord * (owned) */
};

/*
 * The files call downwards only: driver-host.c → driver-call.c →
 * driver-server.c → driver-instance.c.
 */

/* driver-instance.c: the calls' records, the instances. */
void driver_call_free(HostCall *c);
/* Tells the matcher once and frees c (c is out of every list). */
void driver_call_complete(HostCall *c, int r, int32_t score);
void driver_call_list_append(HostCall **list, HostCall *c);
bool driver_call_list_unlink(HostCall **list, HostCall *c);
/*
 * Frees an OpenRecord (the opens map's destructor): its access fd is revoked and closed; a kernel driver
 * detached for it is bound again, unless its nub is going.
 */
void driver_open_record_free(void *p);
/* Closes driver_id's provider, if it has one open: its access ends (revoked, closed). */
void driver_host_end_access(DriverHost *h, uint64_t driver_id);
/* The instance of driver_id on s ends: its record forgets s, its provider is closed. */
void driver_host_release_instance(DriverHost *h, DriverServer *s, uint64_t driver_id);
/* The same with the provider left open: the Stop under way ends the access when it ends. */
void driver_host_forget_instance(DriverHost *h, DriverServer *s, uint64_t driver_id);
/* A start call's instance ends (nothing when it has none left). */
void driver_host_release_call_instance(DriverHost *h, HostCall *c);
/* The children a failed instance registered go with it. */
void driver_host_terminate_children(DriverHost *h, Entry *driver);
void driver_host_terminate(DriverHost *h, Entry *e);

/* driver-server.c: the process. */
DriverServer *driver_server_new(DriverHost *h, const DriverSpec *spec);
DriverServer *driver_server_free(DriverServer *s);
int driver_server_launch(DriverServer *s);
/* sig now, SIGKILL DRIVER_KILL_TIMEOUT_USEC later. */
void driver_server_kill(DriverServer *s, int sig);
void driver_server_arm_timer(DriverServer *s, uint64_t usec);
/* Probed, holds nothing, nothing waiting: SIGTERM after DRIVER_IDLE_USEC unless work comes. */
void driver_server_check_idle(DriverServer *s);

/*
 * Supervision, pure (tests/unit/test-driver-host.c): whether an exit is a
 * crash, and what follows one. driver_exit_is_crash(): anything but the exit
 * of a server that was retiring or that we signalled, after its check-in,
 * with no instance left. driver_exit_plan(): 0 and the back-off delay, or
 * -ELOOP to give up (a crash loop, or restart "no").
 */
bool driver_exit_is_crash(ServerState state, bool retiring, bool signalled, unsigned n_instances);
int driver_exit_plan(DriverBackoff *b, DriverRestart restart, uint64_t now_usec, uint64_t *ret_delay_usec);

/* driver-call.c: the proxy. */
/* Queues c; sends it at once when the server is up, launches the server when it is not. */
void driver_server_submit(DriverServer *s, HostCall *c);
/* Sends what waited for the check-in (calls whose nub or driver went meanwhile fail with -ESTALE). */
void driver_server_send_queued(DriverServer *s);
/* ServiceIsTerminated, then Stop, for driver: sent at once, not queued. */
void driver_server_send_termination(DriverServer *s, Entry *driver);
