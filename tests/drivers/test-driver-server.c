/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-driver-server.c: a driver server for the tests, built on libioreg's
 * driver API. What each instance does comes from its personality:
 *
 *   TestBehavior "ok"          start succeeds (the default)
 *                "fail-start"  start fails (the next candidate is tried)
 *                "refuse"      probe refuses
 *   TestProbeScore N           probe sets the score to N
 *   TestOpenProvider true      start opens the provider and records the
 *                              outcome in TestOpenResult
 *   TestRegisterNub "CLASS"    start publishes a nub of CLASS below itself
 *   TestCopyFD "TEXT"          start takes its provider's fd
 *                              (ioreg_driver_copy_provider_fd), records the
 *                              outcome in TestFDResult and the node's
 *                              major:minor in TestFDNode, writes TEXT to it
 *                              and leaves what it reads back within 10 s in
 *                              the file "read-ID", so the test sees both ways
 *   TestReadFD true            with TestCopyFD "": reads without writing
 *                              (a failed read leaves "error ERRNO")
 *   TestReadTimeoutMs N        how long the read waits (default 10 s)
 *   TestTryDetach true         tries USBDEVFS_DISCONNECT of interface 0
 *                              through the fd: TestDetachErrno (0 or errno)
 *   TestCopyFDAfterOther true  waits (up to 10 s) for another instance's
 *                              "fd-ID" file first (see below)
 *   TestHangInStop true        stop never returns (the daemon must kill it)
 *   TestStartSleepMs N         start leaves "starting-ID", then sleeps N ms
 *
 * A started instance sets TestStarted, TestServerPID, TestServerUID and
 * TestServerGroups (its number of supplementary groups) on its entry. With $TEST_STOP_DIR (IOUserServerEnvironment), stop and the
 * ServiceIsTerminated message leave files there ("stop-ID", "message-ID"),
 * so a test sees that the termination reached the driver; a provider fd
 * taken leaves "fd-ID".
 */

#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <linux/usbdevice_fs.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <ioreg/ioreg.h>

static const char *behavior(ioreg_driver *d) {
        const char *b = json_string_value(json_object_get(ioreg_driver_get_properties(d), "TestBehavior"));

        return b ? b : "ok";
}

static void touch(const char *what, ioreg_driver *d) {
        const char *dir = getenv("TEST_STOP_DIR");
        char path[512];
        int fd;

        if (!dir)
                return;
        snprintf(path, sizeof(path), "%s/%s-%llx", dir, what, (unsigned long long) ioreg_driver_get_id(d));
        fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
        if (fd >= 0)
                close(fd);
}

static int test_probe(uint64_t provider, json_t *personality, int32_t *score, void *userdata) {
        const char *b = json_string_value(json_object_get(personality, "TestBehavior"));
        json_t *s = json_object_get(personality, "TestProbeScore");

        if (b && strcmp(b, "refuse") == 0)
                return -1;
        if (json_is_integer(s))
                *score = (int32_t) json_integer_value(s);
        return 0;
}

static void wait_for_other_fd(void) {
        const char *dir = getenv("TEST_STOP_DIR");
        char pattern[512];

        if (!dir)
                return;
        snprintf(pattern, sizeof(pattern), "%s/fd-*", dir);
        for (int i = 0; i < 500; i++) {
                glob_t g = {};
                bool found = glob(pattern, 0, NULL, &g) == 0 && g.gl_pathc > 0;

                globfree(&g);
                if (found)
                        return;
                usleep(20 * 1000);
        }
}

/* What comes back through fd within 10 s, into the file "read-ID" (a child reads: start must not wait). */
static void read_back(ioreg_driver *d, int fd) {
        json_t *timeout = json_object_get(ioreg_driver_get_properties(d), "TestReadTimeoutMs");
        const char *dir = getenv("TEST_STOP_DIR");
        char path[512], buf[256];
        ssize_t n = -1;
        int out;

        if (!dir || fork() != 0)
                return;
        /* A blocking read (usbfs has no POLLIN for its descriptors); SIGALRM ends the wait. */
        alarm(json_is_integer(timeout) ? (unsigned) (json_integer_value(timeout) / 1000) : 10);
        n = read(fd, buf, sizeof(buf));
        /* A read that fails says why (a revoked evdev node: ENODEV). */
        if (n < 0)
                n = snprintf(buf, sizeof(buf), "error %d\n", errno);
        snprintf(path, sizeof(path), "%s/read-%llx", dir, (unsigned long long) ioreg_driver_get_id(d));
        out = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (out >= 0 && n > 0 && write(out, buf, (size_t) n) == n)
                close(out);
        _exit(0);
}

/* Detaching interface 0's kernel driver through the fd: EACCES when ioregd dropped its privileges. */
static int try_detach(int fd) {
        struct usbdevfs_ioctl cmd = { .ifno = 0, .ioctl_code = USBDEVFS_DISCONNECT };

        return ioctl(fd, USBDEVFS_IOCTL, &cmd) < 0 ? errno : 0;
}

/* The provider's fd: its node recorded, TEXT written, what comes back read (the test is the device). */
static void copy_fd(ioreg_driver *d, const char *text, json_t *mine) {
        struct stat st;
        char node[32];
        ioreg_return_t r;
        int fd = -1;

        if (json_is_true(json_object_get(ioreg_driver_get_properties(d), "TestCopyFDAfterOther")))
                wait_for_other_fd();
        r = ioreg_driver_copy_provider_fd(d, &fd);
        json_object_set_new(mine, "TestFDResult", json_string(ioreg_return_string(r)));
        if (r != IOREG_RETURN_SUCCESS)
                return;
        touch("fd", d);
        if (fstat(fd, &st) == 0) {
                snprintf(node, sizeof(node), "%u:%u", major(st.st_rdev), minor(st.st_rdev));
                json_object_set_new(mine, "TestFDNode", json_string(node));
        }
        if (json_is_true(json_object_get(ioreg_driver_get_properties(d), "TestTryDetach")))
                json_object_set_new(mine, "TestDetachErrno", json_integer(try_detach(fd)));
        if (*text && write(fd, text, strlen(text)) != (ssize_t) strlen(text))
                fprintf(stderr, "cannot write to the provider's fd: %m\n");
        if (*text || json_is_true(json_object_get(ioreg_driver_get_properties(d), "TestReadFD")))
                read_back(d, fd);
        /* Kept open: the driver's access lasts until it stops. */
}

static ioreg_return_t test_start(ioreg_driver *d, void *userdata) {
        json_t *props = ioreg_driver_get_properties(d), *mine;
        const char *nub_class = json_string_value(json_object_get(props, "TestRegisterNub"));
        ioreg_return_t r;

        if (json_is_integer(json_object_get(props, "TestStartSleepMs"))) {
                touch("starting", d);
                usleep((useconds_t) json_integer_value(json_object_get(props, "TestStartSleepMs")) * 1000);
        }
        if (strcmp(behavior(d), "fail-start") == 0) {
                fprintf(stderr, "failing start as asked\n");
                return IOREG_RETURN_ERROR;
        }
        mine = json_pack("{s:b, s:I, s:I, s:I}", "TestStarted", 1, "TestServerPID", (json_int_t) getpid(),
                         "TestServerUID", (json_int_t) getuid(), "TestServerGroups", (json_int_t) getgroups(0, NULL));
        if (json_is_string(json_object_get(props, "TestCopyFD")))
                copy_fd(d, json_string_value(json_object_get(props, "TestCopyFD")), mine);
        if (json_is_true(json_object_get(props, "TestOpenProvider")))
                json_object_set_new(mine, "TestOpenResult",
                                    json_string(ioreg_return_string(ioreg_driver_open_provider(d))));
        r = ioreg_driver_set_properties(d, mine);
        json_decref(mine);
        if (r != IOREG_RETURN_SUCCESS)
                return r;
        if (nub_class) {
                json_t *nub = json_pack("{s:s}", "TestNubOf", json_string_value(json_object_get(props, "IOUserClass")));

                r = ioreg_driver_register_nub(d, nub_class, NULL, nub, NULL);
                json_decref(nub);
                if (r != IOREG_RETURN_SUCCESS)
                        return r;
        }
        /* A matcher key is refused: the daemon keeps the match honest. */
        mine = json_pack("{s:s}", "IOMatchCategory", "stolen");
        if (ioreg_driver_set_properties(d, mine) != IOREG_RETURN_NOT_PERMITTED)
                r = IOREG_RETURN_ERROR;
        json_decref(mine);
        return r;
}

static void test_stop(ioreg_driver *d, void *userdata) {
        touch("stop", d);
        if (json_is_true(json_object_get(ioreg_driver_get_properties(d), "TestHangInStop")))
                for (;;)
                        pause(); /* SIGTERM ends it (its default action) */
}

static void test_message(ioreg_driver *d, uint32_t type, uint64_t argument, void *userdata) {
        if (type == 0xe0000010u)
                touch("message", d);
}

int main(void) {
        static const ioreg_driver_class classes[] = {
                { "TestDriver", test_probe, test_start, test_stop, test_message },
                { "TestDriverA", test_probe, test_start, test_stop, test_message },
                { "TestDriverB", test_probe, test_start, test_stop, test_message },
                { "TestFailDriver", test_probe, test_start, test_stop, test_message },
                { "TestUSBDriver", test_probe, test_start, test_stop, test_message },
                { "TestAccessDriver", test_probe, test_start, test_stop, test_message },
                { "TestAccessDriverB", test_probe, test_start, test_stop, test_message },
                { "TestAccessUSBDriver", test_probe, test_start, test_stop, test_message },
                { "TestSlowDriver", test_probe, test_start, test_stop, test_message },
        };

        return ioreg_driver_server_run(classes, sizeof(classes) / sizeof(classes[0]), NULL);
}
