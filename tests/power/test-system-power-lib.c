/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-system-power-lib.c: libioreg's IORegisterForSystemPower contract
 * (ioreg/system-power.h) against the real ioregd and the logind stand-in
 * (logind-stub.c) on a real private dbus-daemon:
 * - register; PrepareForSleep(true) → the callback gets SystemWillSleep
 *   with a notification ID; ioreg_allow_power_change → the stand-in sees
 *   the inhibitor's fd closed; PrepareForSleep(false) → SystemWillPowerOn
 *   then SystemHasPoweredOn; after deregistering nothing more comes;
 * - two clients: the inhibitor goes only after both allowed;
 * - cancel is accepted as the answer; bad arguments get BAD_ARGUMENT;
 * - ioregd restarts: the port registers again by itself;
 * - examples/sleep-wake (Apple's sample, ported) sleeps and wakes.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <ioreg/ioreg.h>

#include "macro.h"
#include "process.h"
#include "protocol.h"
#include "test-bus.h"
#include "test-daemon.h"
#include "test-logind.h"

#define POWER_IFACE "org.ioreg.SystemPower1"
#define LOGIND_PATH "/org/freedesktop/login1"
#define STUB_IFACE "org.ioreg.test.LogindStub"

typedef struct Received {
        uint32_t message;
        intptr_t argument;
        bool had_service;
} Received;

/* One registration through the library, and what its callback got. */
typedef struct Sub {
        ioreg_notification_port_t port;
        ioreg_connect_t root_port;
        ioreg_object_t notifier;
        Received got[16];
        unsigned n;
        bool allow_in_callback;
} Sub;

static TestBus private_bus;   /* the private dbus-daemon */
static TestDaemon daemon_;    /* ioregd on it */
static pid_t stub_pid;        /* the logind stand-in */
static sd_bus *test_bus; /* the test's own calls */

static int group_setup(void **state) {
        const char *args[] = { "--no-udev", "--sleep-timeout=60000", NULL };

        if (test_bus_start(&private_bus) < 0 || test_bus_connect(&private_bus, &test_bus) < 0)
                return -1;
        setenv("IOREG_BUS_ADDRESS", private_bus.address, 1);
        if (test_logind_start(&private_bus, &stub_pid) < 0)
                return -1;
        return test_daemon_start(&daemon_, &private_bus, args) < 0 ? -1 : 0;
}

static int group_teardown(void **state) {
        int r;

        /* Each stopped, and each must have exited cleanly. */
        r = test_logind_stop(&stub_pid);
        sd_bus_flush_close_unref(test_bus);
        if (test_daemon_stop_with_bus(&daemon_, &private_bus) < 0)
                r = -1;
        return r < 0 ? -1 : 0;
}

static unsigned stub_count(const char *property) {
        uint32_t v = UINT32_MAX;

        assert_true(sd_bus_get_property_trivial(test_bus, LOGIND_NAME, LOGIND_PATH, STUB_IFACE, property, NULL, 'u',
                                                &v) >= 0);
        return v;
}

static unsigned registrations(void) {
        uint32_t v = UINT32_MAX;

        assert_true(sd_bus_get_property_trivial(test_bus, IOREG_BUS_NAME, IOREG_OBJECT_PATH, POWER_IFACE,
                                                "Registrations", NULL, 'u', &v) >= 0);
        return v;
}

static void prepare_for_sleep(bool start) {
        sd_bus_error error = SD_BUS_ERROR_NULL;

        assert_true(sd_bus_call_method(test_bus, LOGIND_NAME, LOGIND_PATH, STUB_IFACE, "PrepareForSleep", &error,
                                       NULL, "b", start) >= 0);
}

static void on_power(void *refcon, ioreg_service_t service, uint32_t message_type, void *message_argument) {
        Sub *s = refcon;

        assert_true(s->n < ELEMENTSOF(s->got));
        s->got[s->n++] = (Received) { message_type, (intptr_t) message_argument, service != NULL };
        if (s->allow_in_callback && message_type == IOREG_MESSAGE_SYSTEM_WILL_SLEEP)
                assert_int_equal(ioreg_allow_power_change(s->root_port, (intptr_t) message_argument),
                                 IOREG_RETURN_SUCCESS);
}

static void sub_register(Sub *s) {
        *s = (Sub) {};
        s->root_port = ioreg_register_for_system_power(s, &s->port, on_power, &s->notifier);
        assert_non_null(s->root_port);
        assert_non_null(s->port);
        assert_non_null(s->notifier);
}

static void sub_end(Sub *s) {
        if (s->notifier)
                assert_int_equal(ioreg_deregister_for_system_power(&s->notifier), IOREG_RETURN_SUCCESS);
        assert_null(s->notifier);
        ioreg_object_release(s->root_port);
        ioreg_notification_port_destroy(s->port);
        *s = (Sub) {};
}

/* Dispatches the ports (NULL entries skipped) for up to ms, or until sub has want messages. */
static void pump(Sub **subs, unsigned n, unsigned ms) {
        for (uint64_t end = now_msec() + ms; now_msec() < end;)
                for (unsigned i = 0; i < n; i++)
                        if (subs[i])
                                (void) ioreg_notification_port_run(subs[i]->port, 10 * 1000);
}

static bool wait_got(Sub *s, unsigned want) {
        for (uint64_t end = now_msec() + 10000; s->n < want && now_msec() < end;)
                (void) ioreg_notification_port_run(s->port, 100 * 1000);
        return s->n >= want;
}

/* Waits for the stand-in's counter to reach want, dispatching the ports meanwhile. */
static bool wait_stub(const char *property, unsigned want, Sub **subs, unsigned n) {
        for (uint64_t end = now_msec() + 10000; now_msec() < end;) {
                if (stub_count(property) == want)
                        return true;
                pump(subs, n, 10);
        }
        return false;
}

static bool wait_registrations(unsigned want, Sub **subs, unsigned n) {
        for (uint64_t end = now_msec() + 10000; now_msec() < end;) {
                if (registrations() == want)
                        return true;
                pump(subs, n, 10);
        }
        return false;
}

static void test_sleep_and_wake(void **state) {
        Sub s, *all[] = { &s };
        unsigned released;
        ioreg_name_t class_name;
        intptr_t n;

        assert_true(wait_stub("Held", 1, NULL, 0));
        released = stub_count("Released");
        sub_register(&s);
        assert_int_equal(registrations(), 1);
        assert_int_equal(ioreg_object_get_class(s.root_port, class_name), IOREG_RETURN_SUCCESS);
        assert_string_equal(class_name, "RootDomainUserClient");
        assert_int_equal(ioreg_object_get_class(s.notifier, class_name), IOREG_RETURN_SUCCESS);
        assert_string_equal(class_name, "IOServiceMessageUserNotification");

        prepare_for_sleep(true);
        assert_true(wait_got(&s, 1));
        assert_int_equal(s.got[0].message, IOREG_MESSAGE_SYSTEM_WILL_SLEEP);
        n = s.got[0].argument;
        assert_true(n > 0);
        assert_true(s.got[0].had_service); /* IOPMrootDomain */
        /* Not answered: the sleep waits. */
        pump(all, 1, 200);
        assert_int_equal(stub_count("Released"), released);
        assert_int_equal(stub_count("Held"), 1);

        assert_int_equal(ioreg_allow_power_change(s.root_port, n), IOREG_RETURN_SUCCESS);
        assert_true(wait_stub("Released", released + 1, all, 1));
        assert_int_equal(stub_count("Held"), 0);
        /* A second answer to the same sleep does nothing and succeeds. */
        assert_int_equal(ioreg_allow_power_change(s.root_port, n), IOREG_RETURN_SUCCESS);

        prepare_for_sleep(false);
        assert_true(wait_got(&s, 3));
        assert_int_equal(s.got[1].message, IOREG_MESSAGE_SYSTEM_WILL_POWER_ON);
        assert_int_equal(s.got[2].message, IOREG_MESSAGE_SYSTEM_HAS_POWERED_ON);
        assert_true(s.got[2].argument > n);
        assert_true(wait_stub("Held", 1, all, 1));

        /* Deregistered: the daemon forgets it, and nothing more comes. */
        assert_int_equal(ioreg_deregister_for_system_power(&s.notifier), IOREG_RETURN_SUCCESS);
        assert_null(s.notifier);
        assert_int_equal(registrations(), 0);
        /* The root port has nothing left to answer for. */
        assert_int_equal(ioreg_allow_power_change(s.root_port, s.got[2].argument), IOREG_RETURN_NOT_FOUND);
        prepare_for_sleep(true);
        /* With nobody to wait for, ioregd lets the sleep go at once. */
        assert_true(wait_stub("Released", released + 2, all, 1));
        pump(all, 1, 200);
        assert_int_equal(s.n, 3);
        prepare_for_sleep(false);
        assert_true(wait_stub("Held", 1, all, 1));
        pump(all, 1, 100);
        assert_int_equal(s.n, 3);
        sub_end(&s);
}

static void test_two_clients(void **state) {
        Sub a, b, *all[] = { &a, &b };
        unsigned released;

        assert_true(wait_stub("Held", 1, NULL, 0));
        released = stub_count("Released");
        sub_register(&a);
        sub_register(&b);
        assert_int_equal(registrations(), 2);

        prepare_for_sleep(true);
        assert_true(wait_got(&a, 1));
        assert_true(wait_got(&b, 1));
        assert_int_equal(a.got[0].message, IOREG_MESSAGE_SYSTEM_WILL_SLEEP);
        assert_int_equal(b.got[0].message, IOREG_MESSAGE_SYSTEM_WILL_SLEEP);
        assert_int_equal(a.got[0].argument, b.got[0].argument);

        /* One answer is not enough. */
        assert_int_equal(ioreg_allow_power_change(a.root_port, a.got[0].argument), IOREG_RETURN_SUCCESS);
        pump(all, 2, 200);
        assert_int_equal(stub_count("Released"), released);
        assert_int_equal(stub_count("Held"), 1);
        /* A's root port answers for A only: answering again changes nothing. */
        assert_int_equal(ioreg_allow_power_change(a.root_port, a.got[0].argument), IOREG_RETURN_SUCCESS);
        pump(all, 2, 100);
        assert_int_equal(stub_count("Released"), released);
        /* The last one does. */
        assert_int_equal(ioreg_allow_power_change(b.root_port, b.got[0].argument), IOREG_RETURN_SUCCESS);
        assert_true(wait_stub("Released", released + 1, all, 2));

        prepare_for_sleep(false);
        assert_true(wait_got(&a, 3));
        assert_true(wait_got(&b, 3));
        assert_int_equal(b.got[2].message, IOREG_MESSAGE_SYSTEM_HAS_POWERED_ON);
        assert_true(wait_stub("Held", 1, all, 2));
        sub_end(&a);
        sub_end(&b);
        assert_int_equal(registrations(), 0);
}

static void test_cancel_and_callback_answers(void **state) {
        Sub a, b, *all[] = { &a, &b };
        unsigned released;

        assert_true(wait_stub("Held", 1, NULL, 0));
        released = stub_count("Released");
        sub_register(&a);
        sub_register(&b);
        b.allow_in_callback = true; /* as Apple's sample does */

        prepare_for_sleep(true);
        assert_true(wait_got(&a, 1));
        assert_true(wait_got(&b, 1));
        pump(all, 2, 100);
        assert_int_equal(stub_count("Released"), released);
        /* logind cannot be vetoed: a cancel is the answer. */
        assert_int_equal(ioreg_cancel_power_change(a.root_port, a.got[0].argument), IOREG_RETURN_SUCCESS);
        assert_true(wait_stub("Released", released + 1, all, 2));
        prepare_for_sleep(false);
        assert_true(wait_got(&a, 3));
        assert_true(wait_got(&b, 3));
        assert_true(wait_stub("Held", 1, all, 2));

        /* Deregistering with a sleep unanswered counts as the answer. */
        prepare_for_sleep(true);
        assert_true(wait_got(&a, 4));
        assert_true(wait_got(&b, 4));
        assert_int_equal(a.got[3].message, IOREG_MESSAGE_SYSTEM_WILL_SLEEP);
        sub_end(&a);
        assert_true(wait_stub("Released", released + 2, all + 1, 1));
        prepare_for_sleep(false);
        assert_true(wait_got(&b, 6));
        assert_true(wait_stub("Held", 1, all + 1, 1));
        sub_end(&b);
}

static void test_bad_arguments(void **state) {
        ioreg_notification_port_t port = (ioreg_notification_port_t) 1;
        ioreg_object_t notifier = (ioreg_object_t) 1;
        ioreg_iterator_t it = NULL;
        Sub s;

        errno = 0;
        assert_null(ioreg_register_for_system_power(NULL, &port, NULL, &notifier));
        assert_int_equal(errno, EINVAL);
        assert_null(port);
        assert_null(notifier);
        assert_null(ioreg_register_for_system_power(NULL, NULL, on_power, &notifier));

        sub_register(&s);
        assert_int_equal(ioreg_allow_power_change(NULL, 1), IOREG_RETURN_BAD_ARGUMENT);
        assert_int_equal(ioreg_cancel_power_change(NULL, 1), IOREG_RETURN_BAD_ARGUMENT);
        /* The notifier is not the root port. */
        assert_int_equal(ioreg_allow_power_change(s.notifier, 1), IOREG_RETURN_BAD_ARGUMENT);
        assert_int_equal(ioreg_allow_power_change(s.root_port, 0), IOREG_RETURN_BAD_ARGUMENT);
        assert_int_equal(ioreg_allow_power_change(s.root_port, -5), IOREG_RETURN_BAD_ARGUMENT);
        /* An ID the daemon never sent. */
        assert_int_equal(ioreg_allow_power_change(s.root_port, 1000000), IOREG_RETURN_BAD_ARGUMENT);
        assert_int_equal(ioreg_cancel_power_change(s.root_port, 1000000), IOREG_RETURN_BAD_ARGUMENT);
        assert_int_equal(ioreg_deregister_for_system_power(NULL), IOREG_RETURN_BAD_ARGUMENT);
        assert_int_equal(ioreg_deregister_for_system_power(&s.root_port), IOREG_RETURN_BAD_ARGUMENT);
        assert_non_null(s.root_port);
        assert_int_equal(ioreg_deregister_for_system_power(&it), IOREG_RETURN_BAD_ARGUMENT);
        assert_int_equal(registrations(), 1);
        sub_end(&s);
        assert_int_equal(registrations(), 0);

        /* The port destroyed first: the objects stay valid and do nothing. */
        sub_register(&s);
        ioreg_notification_port_destroy(s.port);
        s.port = NULL;
        assert_int_equal(ioreg_allow_power_change(s.root_port, 1), IOREG_RETURN_NOT_FOUND);
        assert_true(wait_registrations(0, NULL, 0));
        sub_end(&s);
}

static void test_daemon_restart(void **state) {
        const char *args[] = { "--no-udev", "--sleep-timeout=60000", NULL };
        Sub s, *all[] = { &s };
        unsigned released;
        intptr_t old;

        sub_register(&s);
        s.allow_in_callback = true;
        prepare_for_sleep(true);
        assert_true(wait_got(&s, 1));
        old = s.got[0].argument;
        prepare_for_sleep(false);
        assert_true(wait_got(&s, 3));

        released = stub_count("Released");
        assert_int_equal(test_daemon_stop(&daemon_), 0);
        assert_int_equal(test_daemon_start(&daemon_, &private_bus, args), 0);
        /* The port registers with the new daemon by itself. */
        assert_true(wait_registrations(1, all, 1));
        /* The old daemon's inhibitor went with it; the new one holds its own. */
        assert_true(wait_stub("Released", released + 1, all, 1));
        assert_true(wait_stub("Held", 1, all, 1));
        /* An answer to the old daemon's message: nothing to do. */
        assert_int_equal(ioreg_allow_power_change(s.root_port, s.got[2].argument), IOREG_RETURN_SUCCESS);

        released = stub_count("Released");
        prepare_for_sleep(true);
        assert_true(wait_got(&s, 4));
        assert_int_equal(s.got[3].message, IOREG_MESSAGE_SYSTEM_WILL_SLEEP);
        assert_true(s.got[3].had_service);
        /* The new run counts from 1 again. */
        assert_true(s.got[3].argument <= old);
        assert_true(wait_stub("Released", released + 1, all, 1));
        prepare_for_sleep(false);
        assert_true(wait_got(&s, 6));
        assert_true(wait_stub("Held", 1, all, 1));
        sub_end(&s);
        assert_int_equal(registrations(), 0);
}

/* Reads lines from fd (non-blocking) into buf until needle shows up or 10 s pass. */
static bool read_until(int fd, char *buf, size_t size, const char *needle) {
        size_t len = strlen(buf);

        for (uint64_t end = now_msec() + 10000; now_msec() < end;) {
                ssize_t k = read(fd, buf + len, size - 1 - len);

                if (k > 0) {
                        len += (size_t) k;
                        buf[len] = 0;
                } else
                        usleep(10 * 1000);
                if (strstr(buf, needle))
                        return true;
        }
        return false;
}

static void test_example_sleep_wake(void **state) {
        char out[4096] = "";
        unsigned released;
        int fds[2], status;
        pid_t pid;

        assert_true(wait_stub("Held", 1, NULL, 0));
        released = stub_count("Released");
        assert_int_equal(pipe2(fds, O_CLOEXEC), 0);
        pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                dup2(fds[1], STDOUT_FILENO);
                execl(BUILD_ROOT "/examples/sleep-wake", "sleep-wake", "1", (char *) NULL);
                _exit(127);
        }
        close(fds[1]);
        assert_int_equal(fcntl(fds[0], F_SETFL, O_NONBLOCK), 0);
        assert_true(read_until(fds[0], out, sizeof(out), "registered\n"));
        assert_true(wait_registrations(1, NULL, 0));

        prepare_for_sleep(true);
        assert_true(read_until(fds[0], out, sizeof(out), "Going to sleep\n"));
        assert_true(strstr(out, "messageType e0000280, arg "));
        /* It allowed from its callback. */
        assert_true(wait_stub("Released", released + 1, NULL, 0));
        prepare_for_sleep(false);
        assert_true(read_until(fds[0], out, sizeof(out), "Woke\n"));
        assert_true(strstr(out, "messageType e0000320"));
        assert_true(strstr(out, "messageType e0000300"));
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 0);
        close(fds[0]);
        assert_true(wait_stub("Held", 1, NULL, 0));
        assert_true(wait_registrations(0, NULL, 0));
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_sleep_and_wake),
                cmocka_unit_test(test_two_clients),
                cmocka_unit_test(test_cancel_and_callback_answers),
                cmocka_unit_test(test_bad_arguments),
                cmocka_unit_test(test_example_sleep_wake),
                cmocka_unit_test(test_daemon_restart),
        };

        return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
