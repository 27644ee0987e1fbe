/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-libioreg-examples.c: the examples in examples/, run as clients of the
 * real ioregd on a umockdev testbed.
 *
 * The testbed, the bus and the daemon are set up by libioreg-testbed.c.
 */

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <systemd/sd-event.h>
#include <unistd.h>
#include <umockdev.h>

#include <ioreg/ioreg.h>

#include "macro.h"
#include "registry-query.h"
#include "test-bus.h"
#include "test-daemon.h"
#include "libioreg-testbed.h"

/* Runs an example to its end; its stdout in out. */
static int run_example(const char *name, const char *const *args, char *out, size_t size) {
        char cmd[1024];
        FILE *p;
        size_t n;
        int status;

        snprintf(cmd, sizeof(cmd), "%s/examples/%s", BUILD_ROOT, name);
        for (; args && *args; args++) {
                strncat(cmd, " ", sizeof(cmd) - strlen(cmd) - 1);
                strncat(cmd, *args, sizeof(cmd) - strlen(cmd) - 1);
        }
        strncat(cmd, " 2>/dev/null", sizeof(cmd) - strlen(cmd) - 1);
        p = popen(cmd, "r");
        assert_non_null(p);
        n = fread(out, 1, size - 1, p);
        out[n] = '\0';
        status = pclose(p);
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

typedef struct Child {
        pid_t pid;
        int fd;            /* its stdout and stderr */
        char buf[8192];
        size_t len;
} Child;

static void child_start(Child *c, const char *name, const char *const *args) {
        char path[512];
        const char *argv[8] = {};
        int pipefd[2];
        unsigned n = 0;

        snprintf(path, sizeof(path), "%s/examples/%s", BUILD_ROOT, name);
        argv[n++] = path;
        for (; args && *args && n < 7; args++)
                argv[n++] = *args;
        assert_int_equal(pipe2(pipefd, O_CLOEXEC), 0);
        c->pid = fork();
        assert_true(c->pid >= 0);
        if (c->pid == 0) {
                dup2(pipefd[1], 1);
                dup2(pipefd[1], 2);
                execv(path, (char *const *) argv);
                _exit(127);
        }
        close(pipefd[1]);
        c->fd = pipefd[0];
        c->len = 0;
}

/* Reads the child's output until it holds text (10 s). */
static void child_expect(Child *c, const char *text) {
        for (unsigned i = 0; i < 1000 && !strstr(c->buf, text); i++) {
                struct pollfd p = { .fd = c->fd, .events = POLLIN };
                ssize_t k;

                if (poll(&p, 1, 10) <= 0)
                        continue;
                k = read(c->fd, c->buf + c->len, sizeof(c->buf) - 1 - c->len);
                if (k <= 0)
                        break;
                c->len += k;
                c->buf[c->len] = '\0';
        }
        if (!strstr(c->buf, text))
                fail_msg("expected \"%s\" in:\n%s", text, c->buf);
}

static int child_wait(Child *c) {
        int status = 0;

        for (unsigned i = 0; i < 1000; i++) {
                if (waitpid(c->pid, &status, WNOHANG) == c->pid) {
                        close(c->fd);
                        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
                }
                usleep(10 * 1000);
        }
        kill(c->pid, SIGKILL);
        waitpid(c->pid, NULL, 0);
        close(c->fd);
        return -1;
}

static void test_example_list_usb_devices(void **state) {
        char out[4096];

        assert_int_equal(run_example("list-usb-devices", NULL, out, sizeof(out)), 0);
        assert_non_null(strstr(out, "05f3:0007 "));
        assert_non_null(strstr(out, "0403:6001 "));
        assert_non_null(strstr(out, "1d6b:0002 "));
}

static void test_example_find_serial_port(void **state) {
        char out[4096];

        assert_int_equal(run_example("find-serial-port", NULL, out, sizeof(out)), 0);
        assert_string_equal(out, "ttyUSB0 /dev/ttyUSB0 usb 0403:6001\n");
        assert_int_equal(run_example("find-serial-port", (const char *[]) { "--modem", NULL }, out, sizeof(out)), 0);
        assert_string_equal(out, "");
}

static void test_example_wait_for_device(void **state) {
        char out[256];
        Child c = {};
        char *mouse;

        /* Present already: found by the first drain. */
        assert_int_equal(run_example("wait-for-device", (const char *[]) { "05f3", "0007", "5", NULL }, out,
                                     sizeof(out)),
                         0);
        assert_string_equal(out, "/dev/bus/usb/001/009\n");
        /* Plugged while it waits. */
        child_start(&c, "wait-for-device", (const char *[]) { "046d", "c077", "20", NULL });
        usleep(300 * 1000);
        mouse = add_mouse(30);
        child_expect(&c, "/dev/bus/usb/001/050");
        assert_int_equal(child_wait(&c), 0);
        remove_device(mouse);
        g_free(mouse);
        wait_for_count(mouse_matching(), 0);
}

static void test_example_watch_device(void **state) {
        char *mouse = add_mouse(31), *path;
        ioreg_service_t dev;
        Child c = {};

        wait_for_count(mouse_matching(), 1);
        dev = ioreg_service_get_matching_service(mouse_matching());
        path = ioreg_registry_entry_copy_path(dev, IOREG_SERVICE_PLANE);
        assert_non_null(path);
        child_start(&c, "watch-device", (const char *[]) { path, NULL });
        child_expect(&c, "watching ");
        remove_device(mouse);
        g_free(mouse);
        child_expect(&c, "terminated");
        assert_int_equal(child_wait(&c), 0);
        free(path);
        ioreg_object_release(dev);
}

/* The GLib recipe: the port's fd as a GSource (umockdev brings GLib, so it is built wherever this test is). */
static void test_example_glib_main_loop(void **state) {
        char out[4096];

        assert_int_equal(run_example("glib-main-loop", (const char *[]) { "1", NULL }, out, sizeof(out)), 0);
        assert_non_null(strstr(out, "added USB Keyboard") ? out : strstr(out, "added "));
        assert_non_null(strstr(out, "added FT232R USB UART"));
}

static void test_example_usb_notify(void **state) {
        Child c = {};
        char *mouse;

        /* 046d:c077 in decimal, as the sample takes its IDs. */
        child_start(&c, "usb-notify", (const char *[]) { "1133", "49271", NULL });
        child_expect(&c, "Starting run loop.");
        mouse = add_mouse(32);
        child_expect(&c, "Device added.");
        child_expect(&c, "deviceName: USB Optical Mouse");
        /* Its interest notification is made after the line: wait for the daemon to hold it. */
        {
                sd_bus *bus = NULL;
                unsigned subs = 0;

                assert_int_equal(test_bus_connect(&test_bus, &bus), 0);
                for (unsigned i = 0; i < 500 && subs < 2; i++) {
                        assert_int_equal(read_subscriptions(bus, &subs), 0);
                        if (subs < 2)
                                usleep(10 * 1000);
                }
                assert_int_equal(subs, 2);
                sd_bus_flush_close_unref(bus);
        }
        remove_device(mouse);
        g_free(mouse);
        child_expect(&c, "Device removed.");
        child_expect(&c, "privateDataRef->deviceName: USB Optical Mouse");
        kill(c.pid, SIGINT);
        assert_int_equal(child_wait(&c), 0);
        wait_for_count(mouse_matching(), 0);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_example_list_usb_devices),
                cmocka_unit_test(test_example_find_serial_port),
                cmocka_unit_test(test_example_wait_for_device),
                cmocka_unit_test(test_example_watch_device),
                cmocka_unit_test(test_example_usb_notify),
                cmocka_unit_test(test_example_glib_main_loop),
        };

        return cmocka_run_group_tests_name("libioreg-examples", tests, group_setup, group_teardown);
}
