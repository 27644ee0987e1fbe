/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-userclient.c: user clients end to end (issue 18). The real ioregd on
 * a real private dbus-daemon launches the real test driver server
 * (test-uc-server.c); this process is the application, through libioreg's
 * ioreg/connect.h:
 * - open makes an entry of the user client class below the driver, close
 *   runs client_close and removes it;
 * - every argument rule of the dispatch table (counts, sizes, variable
 *   sizes, unknown selector, row without function) and the library's bounds;
 * - async calls and the notification port (the asyncRef contract);
 * - mapped memory written on each side and read on the other;
 * - properties to the user client;
 * - an application killed mid-call: client_died, and the entry goes;
 * - the driver server killed: calls fail with NO_DEVICE, for good;
 * - structures past the call socket's 64 KiB (in a memfd) echo alike;
 * - the peer protocol equals its XML contract; the call socket (attach
 *   once, SOCK_SEQPACKET only, one packet each way, a malformed one or an
 *   input memfd that is not sealed against writes ends it, memfds past
 *   64 KiB); CallMethod synchronous;
 * - administrator: refused for uid 65534 (class table, and the
 *   personality's IOUserClientRequiresAdministrator through polkit, which
 *   is absent here: denied), allowed for root;
 * - no user client class: UNSUPPORTED; a driver refusing in init;
 * - four threads calling one connection at once.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <grp.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <ioreg/ioreg.h>

#include "driver-test.h"
#include "protocol.h"
#include "registry-query.h"
#include "uc-test.h"
#include "user-client-wire.h"

#define UC_SERVER BUILD_ROOT "/tests/userclient/test-uc-server"
#define UC_CLIENT BUILD_ROOT "/tests/userclient/test-uc-client"

#define UC_DRIVER(cls, extra)                                                                                  \
        "\"" cls "\": { \"IOProviderClass\": \"IOResources\", \"IOClass\": \"IOUserService\", "              \
        "\"IOUserClass\": \"" cls "\", \"IOUserServerName\": \"org.ioreg.test.uc\", "                        \
        "\"IOUserServerExecutable\": \"" UC_SERVER "\", \"IOMatchCategory\": \"" cls "\", "                  \
        "\"IOUserServerEnvironment\": { \"TEST_STOP_DIR\": \"@STOPDIR@\" }" extra " }"

static const char personalities[] =
        UC_DRIVER("UCTestDriver", "") ", "
        UC_DRIVER("UCPolkitDriver", ", \"IOUserClientRequiresAdministrator\": true") ", "
        UC_DRIVER("UCAdminDriver", ", \"IOUserClientClass\": \"UCAdminUserClient\"") ", "
        UC_DRIVER("UCNoneDriver", "");

static DriverTest *T;

static bool drivers_up(DriverTest *t, const void *arg) {
        static const char *const classes[] = { "UCTestDriver", "UCPolkitDriver", "UCAdminDriver", "UCNoneDriver" };
        uint64_t id;

        for (size_t i = 0; i < ELEMENTSOF(classes); i++)
                if (driver_test_find_one(t, classes[i], &id) != 1 || driver_test_number(t, id, "TestServerPID") <= 0)
                        return false;
        return true;
}

static int group_setup(void **state) {
        T = calloc(1, sizeof(*T));
        if (!T || driver_test_start(T, personalities, NULL) < 0)
                return -1;
        setenv("IOREG_BUS_ADDRESS", T->private_bus.address, 1);
        return driver_test_wait(T, drivers_up, NULL, 10000) ? 0 : -1;
}

static int group_teardown(void **state) {
        int r = 0;

        if (T)
                r = driver_test_stop(T);
        free(T);
        return r;
}

static ioreg_service_t service_of(const char *class_name) {
        ioreg_service_t s = ioreg_service_get_matching_service(ioreg_service_matching(class_name));

        assert_non_null(s);
        return s;
}

static ioreg_connect_t open_test(uint32_t type) {
        ioreg_service_t s = service_of("UCTestDriver");
        ioreg_connect_t c = NULL;

        assert_int_equal(ioreg_service_open(s, type, &c), IOREG_RETURN_SUCCESS);
        assert_non_null(c);
        ioreg_object_release(s);
        return c;
}

static unsigned count_class(const char *class_name) {
        _cleanup_free_ uint64_t *ids = NULL;
        unsigned n = 0;

        assert_int_equal(plane_ids(T->bus, class_name, 0, &ids, &n), 0);
        return n;
}

static bool no_user_clients(DriverTest *t, const void *arg) {
        return count_class("UCTestUserClient") == 0;
}

static bool file_there(DriverTest *t, const void *arg) {
        return access(arg, F_OK) == 0;
}

static void stop_file(char *buf, size_t len, const char *what, uint32_t type) {
        snprintf(buf, len, "%s/%s-%u", T->stop_dir, what, type);
}

/* ------------------------------------------------------------------------- */

static void test_open_entry_and_close(void **state) {
        ioreg_connect_t c = open_test(1);
        ioreg_service_t driver = service_of("UCTestDriver"), got = NULL;
        _cleanup_free_ uint64_t *ids = NULL;
        uint64_t driver_id = 0;
        unsigned n = 0;
        char path[512];

        /* The entry: of the class the server named, below the driver. */
        assert_int_equal(plane_ids(T->bus, "UCTestUserClient", 0, &ids, &n), 0);
        assert_int_equal(n, 1);
        assert_int_equal(ioreg_registry_entry_get_registry_entry_id(driver, &driver_id), IOREG_RETURN_SUCCESS);
        assert_int_equal(driver_test_parent(T, ids[0]), driver_id);
        assert_int_equal(driver_test_find_one(T, "IOUserClient", &(uint64_t) { 0 }), 0); /* only the subclass */
        /* IOConnectGetService names the driver. */
        assert_int_equal(ioreg_connect_get_service(c, &got), IOREG_RETURN_SUCCESS);
        assert_true(ioreg_object_is_equal_to(got, driver));
        ioreg_object_release(got);
        ioreg_object_release(driver);
        /* add_ref/release keep it open; close runs client_close (not died) and the entry goes. */
        assert_int_equal(ioreg_connect_add_ref(c), IOREG_RETURN_SUCCESS);
        assert_int_equal(ioreg_connect_release(c), IOREG_RETURN_SUCCESS);
        assert_int_equal(ioreg_connect_call_scalar_method(c, UC_NOTHING, NULL, 0, NULL, NULL), IOREG_RETURN_SUCCESS);
        assert_int_equal(ioreg_service_close(c), IOREG_RETURN_SUCCESS);
        stop_file(path, sizeof(path), "close", 1);
        assert_true(driver_test_wait(T, file_there, path, 5000));
        stop_file(path, sizeof(path), "died", 1);
        assert_false(access(path, F_OK) == 0);
        assert_true(driver_test_wait(T, no_user_clients, NULL, 5000));
}

static void test_argument_rules(void **state) {
        ioreg_connect_t c = open_test(2);
        uint64_t in[IOREG_MAX_SCALARS + 1] = { 40, 2, 3 }, out[IOREG_MAX_SCALARS] = {};
        uint8_t page[UC_PAGE], back[UC_PAGE + 1], small[8] = {};
        uint32_t n_out;
        size_t size;

        /* No arguments, and any argument where the row wants none. */
        assert_int_equal(ioreg_connect_call_method(c, UC_NOTHING, NULL, 0, NULL, 0, NULL, NULL, NULL, NULL),
                         IOREG_RETURN_SUCCESS);
        assert_int_equal(ioreg_connect_call_scalar_method(c, UC_NOTHING, in, 1, NULL, NULL), IOREG_RETURN_BAD_ARGUMENT);
        size = 1;
        assert_int_equal(ioreg_connect_call_struct_method(c, UC_NOTHING, NULL, 0, small, &size),
                         IOREG_RETURN_BAD_ARGUMENT);
        /* Scalar counts: in exactly 2, out capacity exactly 1; the actual comes back. */
        n_out = 1;
        assert_int_equal(ioreg_connect_call_scalar_method(c, UC_SUM, in, 2, out, &n_out), IOREG_RETURN_SUCCESS);
        assert_int_equal(n_out, 1);
        assert_int_equal(out[0], 42);
        n_out = 1;
        assert_int_equal(ioreg_connect_call_scalar_method(c, UC_SUM, in, 3, out, &n_out), IOREG_RETURN_BAD_ARGUMENT);
        assert_int_equal(ioreg_connect_call_scalar_method(c, UC_SUM, in, 1, out, &n_out), IOREG_RETURN_BAD_ARGUMENT);
        n_out = 2;
        assert_int_equal(ioreg_connect_call_scalar_method(c, UC_SUM, in, 2, out, &n_out), IOREG_RETURN_BAD_ARGUMENT);
        n_out = 0;
        assert_int_equal(ioreg_connect_call_scalar_method(c, UC_SUM, in, 2, NULL, &n_out), IOREG_RETURN_BAD_ARGUMENT);
        /* Fixed structure sizes: exactly 4096 each way. */
        for (size_t i = 0; i < sizeof(page); i++)
                page[i] = (uint8_t) i;
        size = UC_PAGE;
        assert_int_equal(ioreg_connect_call_struct_method(c, UC_INVERT_PAGE, page, UC_PAGE, back, &size),
                         IOREG_RETURN_SUCCESS);
        assert_int_equal(size, UC_PAGE);
        for (size_t i = 0; i < sizeof(page); i++)
                assert_int_equal(back[i], (uint8_t) ~page[i]);
        size = UC_PAGE;
        assert_int_equal(ioreg_connect_call_struct_method(c, UC_INVERT_PAGE, page, UC_PAGE - 1, back, &size),
                         IOREG_RETURN_BAD_ARGUMENT);
        size = UC_PAGE + 1;
        assert_int_equal(ioreg_connect_call_struct_method(c, UC_INVERT_PAGE, page, UC_PAGE, back, &size),
                         IOREG_RETURN_BAD_ARGUMENT);
        /* Variable sizes: anything, the actual output size comes back. */
        size = sizeof(back);
        assert_int_equal(ioreg_connect_call_struct_method(c, UC_ECHO, page, 100, back, &size), IOREG_RETURN_SUCCESS);
        assert_int_equal(size, 100);
        assert_memory_equal(back, page, 100);
        size = sizeof(small);
        assert_int_equal(ioreg_connect_call_struct_method(c, UC_ECHO, page, 100, small, &size), IOREG_RETURN_SUCCESS);
        assert_int_equal(size, sizeof(small));
        size = 0;
        assert_int_equal(ioreg_connect_call_struct_method(c, UC_ECHO, NULL, 0, NULL, &size), IOREG_RETURN_SUCCESS);
        assert_int_equal(size, 0);
        n_out = 5;
        assert_int_equal(ioreg_connect_call_scalar_method(c, UC_COUNT, in, 3, out, &n_out), IOREG_RETURN_SUCCESS);
        assert_int_equal(n_out, 3);
        assert_int_equal(out[0], 41);
        assert_int_equal(out[2], 4);
        /* Unknown selector, and a row without function. */
        assert_int_equal(ioreg_connect_call_scalar_method(c, UC_METHOD_COUNT, NULL, 0, NULL, NULL),
                         IOREG_RETURN_UNSUPPORTED);
        assert_int_equal(ioreg_connect_call_scalar_method(c, 0xffffffffu, NULL, 0, NULL, NULL),
                         IOREG_RETURN_UNSUPPORTED);
        assert_int_equal(ioreg_connect_call_scalar_method(c, UC_NO_FUNCTION, NULL, 0, NULL, NULL),
                         IOREG_RETURN_UNSUPPORTED);
        /* The library's own bounds: 16 scalars, NULL buffers with counts. */
        n_out = 1;
        assert_int_equal(ioreg_connect_call_scalar_method(c, UC_COUNT, in, IOREG_MAX_SCALARS + 1, out, &n_out),
                         IOREG_RETURN_BAD_ARGUMENT);
        assert_int_equal(ioreg_connect_call_scalar_method(c, UC_SUM, NULL, 2, out, &n_out), IOREG_RETURN_BAD_ARGUMENT);
        assert_int_equal(ioreg_connect_call_scalar_method(NULL, UC_NOTHING, NULL, 0, NULL, NULL),
                         IOREG_RETURN_BAD_ARGUMENT);
        assert_int_equal(ioreg_service_close(c), IOREG_RETURN_SUCCESS);
}

typedef struct Got {
        int n;
        ioreg_return_t result;
        uint64_t args[IOREG_MAX_SCALARS];
        uint32_t n_args;
        void *refcon;
} Got;

static void on_async(void *refcon, ioreg_return_t result, uint64_t *args, uint32_t n_args) {
        Got *g = refcon;

        g->n++;
        g->result = result;
        g->n_args = n_args;
        memcpy(g->args, args, n_args * sizeof(uint64_t));
        g->refcon = refcon;
}

static void run_until(ioreg_notification_port_t port, const Got *g, int n) {
        for (int i = 0; i < 100 && g->n < n; i++)
                (void) ioreg_notification_port_run(port, 50000);
}

static void test_async(void **state) {
        ioreg_notification_port_t port = ioreg_notification_port_create();
        ioreg_connect_t c = open_test(3);
        uint64_t ref[IOREG_ASYNC_REF_COUNT] = {}, in[2] = { 50, 1234 }, out[1] = {};
        uint32_t n_out = 1;
        Got g = {};

        assert_non_null(port);
        ref[IOREG_ASYNC_CALLOUT_FUNC_INDEX] = (uint64_t) (uintptr_t) on_async;
        ref[IOREG_ASYNC_CALLOUT_REFCON_INDEX] = (uint64_t) (uintptr_t) &g;
        /* The outputs come back at once, the result later through the port. */
        assert_int_equal(ioreg_connect_call_async_scalar_method(c, UC_ASYNC, port, ref, IOREG_ASYNC_REF_COUNT, in, 2,
                                                                out, &n_out),
                         IOREG_RETURN_SUCCESS);
        assert_int_equal(n_out, 1);
        assert_int_equal(out[0], 7);
        assert_int_equal(g.n, 0);
        run_until(port, &g, 1);
        assert_int_equal(g.n, 1);
        assert_int_equal(g.result, IOREG_RETURN_SUCCESS);
        assert_int_equal(g.n_args, 1);
        assert_int_equal(g.args[0], 1234);
        assert_ptr_equal(g.refcon, &g);
        /* Synchronous calls meanwhile do not lose results: three in flight, a sync call, then all three. */
        for (int i = 0; i < 3; i++) {
                n_out = 1;
                in[0] = 20;
                assert_int_equal(ioreg_connect_call_async_scalar_method(c, UC_ASYNC, port, ref, 2, in, 2, out, &n_out),
                                 IOREG_RETURN_SUCCESS);
        }
        assert_int_equal(ioreg_connect_call_scalar_method(c, UC_SLEEP, (uint64_t[]) { 100 }, 1, NULL, NULL),
                         IOREG_RETURN_SUCCESS);
        run_until(port, &g, 4);
        assert_int_equal(g.n, 4);
        /* The rules: a port and a reference with the callback are needed. */
        assert_int_equal(ioreg_connect_call_async_scalar_method(c, UC_ASYNC, NULL, ref, 2, in, 2, out, &n_out),
                         IOREG_RETURN_BAD_ARGUMENT);
        assert_int_equal(ioreg_connect_call_async_scalar_method(c, UC_ASYNC, port, ref, 1, in, 2, out, &n_out),
                         IOREG_RETURN_BAD_ARGUMENT);
        assert_int_equal(ioreg_service_close(c), IOREG_RETURN_SUCCESS);
        ioreg_notification_port_destroy(port);
}

static void test_notification_port(void **state) {
        ioreg_notification_port_t port = ioreg_notification_port_create();
        ioreg_connect_t c = open_test(4);
        uint64_t ref[2], value = 99;
        Got g = {};

        ref[IOREG_ASYNC_CALLOUT_FUNC_INDEX] = (uint64_t) (uintptr_t) on_async;
        ref[IOREG_ASYNC_CALLOUT_REFCON_INDEX] = (uint64_t) (uintptr_t) &g;
        /* Without a port the driver has nowhere to send. */
        assert_int_equal(ioreg_connect_call_scalar_method(c, UC_NOTIFY, &value, 1, NULL, NULL), IOREG_RETURN_NOT_READY);
        assert_int_equal(ioreg_connect_set_notification_port(c, 0, port, ref), IOREG_RETURN_SUCCESS);
        assert_int_equal(ioreg_connect_call_scalar_method(c, UC_NOTIFY, &value, 1, NULL, NULL), IOREG_RETURN_SUCCESS);
        value = 100;
        assert_int_equal(ioreg_connect_call_scalar_method(c, UC_NOTIFY, &value, 1, NULL, NULL), IOREG_RETURN_SUCCESS);
        run_until(port, &g, 2);
        assert_int_equal(g.n, 2);
        assert_int_equal(g.args[0], 100);
        /* A NULL port stops it. */
        assert_int_equal(ioreg_connect_set_notification_port(c, 0, NULL, NULL), IOREG_RETURN_SUCCESS);
        assert_int_equal(ioreg_connect_call_scalar_method(c, UC_NOTIFY, &value, 1, NULL, NULL), IOREG_RETURN_NOT_READY);
        assert_int_equal(ioreg_service_close(c), IOREG_RETURN_SUCCESS);
        ioreg_notification_port_destroy(port);
}

static void test_mapped_memory(void **state) {
        ioreg_connect_t c = open_test(5);
        uint64_t address = 0, size = 0, v, out;
        uint32_t n_out = 1;
        uint8_t *p;

        assert_int_equal(ioreg_connect_map_memory(c, 0, &address, &size, IOREG_MAP_ANYWHERE), IOREG_RETURN_SUCCESS);
        assert_int_equal(size, UC_PAGE);
        p = (uint8_t *) (uintptr_t) address;
        /* The driver writes, the application reads. */
        v = 0xab;
        assert_int_equal(ioreg_connect_call_scalar_method(c, UC_FILL, &v, 1, NULL, NULL), IOREG_RETURN_SUCCESS);
        assert_int_equal(p[0], 0xab);
        assert_int_equal(p[UC_PAGE - 1], 0xab);
        /* The application writes, the driver reads. */
        p[123] = 0x5a;
        v = 123;
        assert_int_equal(ioreg_connect_call_scalar_method(c, UC_PEEK, &v, 1, &out, &n_out), IOREG_RETURN_SUCCESS);
        assert_int_equal(out, 0x5a);
        /* A type the driver does not export, then unmapping. */
        assert_int_equal(ioreg_connect_map_memory(c, 1, &address, &size, 0), IOREG_RETURN_UNSUPPORTED);
        assert_int_equal(ioreg_connect_unmap_memory(c, 0, (uint64_t) (uintptr_t) p), IOREG_RETURN_SUCCESS);
        assert_int_equal(ioreg_connect_unmap_memory(c, 0, (uint64_t) (uintptr_t) p), IOREG_RETURN_NOT_FOUND);
        assert_int_equal(ioreg_service_close(c), IOREG_RETURN_SUCCESS);
}

static void test_properties(void **state) {
        ioreg_connect_t c = open_test(6);
        json_t *v = json_integer(42);
        uint64_t out = 0;
        uint32_t n_out = 1;

        assert_int_equal(ioreg_connect_set_property(c, "Value", v), IOREG_RETURN_SUCCESS);
        json_decref(v);
        assert_int_equal(ioreg_connect_call_scalar_method(c, UC_VALUE, NULL, 0, &out, &n_out), IOREG_RETURN_SUCCESS);
        assert_int_equal(out, 42);
        v = json_string("no");
        assert_int_equal(ioreg_connect_set_property(c, "Value", v), IOREG_RETURN_BAD_ARGUMENT);
        json_decref(v);
        assert_int_equal(ioreg_service_close(c), IOREG_RETURN_SUCCESS);
}

/* Runs test-uc-client as uid (or root for 0) and returns its exit status, or its PID when hang. */
static pid_t run_client(const char *class_name, uint32_t type, const char *mode, uid_t uid, int *ret_out_fd) {
        int p[2] = { -1, -1 };
        char type_s[16];
        pid_t pid;

        snprintf(type_s, sizeof(type_s), "%u", type);
        assert_int_equal(pipe(p), 0);
        pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                dup2(p[1], STDOUT_FILENO);
                if (uid != 0 && (setgroups(0, NULL) < 0 || setresgid(uid, uid, uid) < 0 || setresuid(uid, uid, uid) < 0))
                        _exit(99);
                execl(UC_CLIENT, UC_CLIENT, class_name, type_s, mode, NULL);
                _exit(98);
        }
        close(p[1]);
        if (ret_out_fd)
                *ret_out_fd = p[0];
        else
                close(p[0]);
        return pid;
}

static int client_status(const char *class_name, uint32_t type, uid_t uid) {
        int status = 0;
        pid_t pid = run_client(class_name, type, "open", uid, NULL);

        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status));
        return WEXITSTATUS(status);
}

static void test_administrator(void **state) {
        /* The class table wants an administrator: nobody is refused, root opens. */
        assert_int_equal(client_status("UCAdminDriver", 10, 65534), IOREG_RETURN_NOT_PRIVILEGED);
        assert_int_equal(client_status("UCAdminDriver", 11, 0), IOREG_RETURN_SUCCESS);
        /* The personality wants one (ioregd asks polkit, which is not there): the same. */
        assert_int_equal(client_status("UCPolkitDriver", 12, 65534), IOREG_RETURN_NOT_PRIVILEGED);
        assert_int_equal(client_status("UCPolkitDriver", 13, 0), IOREG_RETURN_SUCCESS);
        /* An ordinary driver opens for nobody too. */
        assert_int_equal(client_status("UCTestDriver", 14, 65534), IOREG_RETURN_SUCCESS);
}

static void test_unsupported(void **state) {
        ioreg_service_t none = service_of("UCNoneDriver"), res = service_of("IOResources"), test = service_of("UCTestDriver");
        ioreg_connect_t c = NULL;

        assert_int_equal(ioreg_service_open(none, 0, &c), IOREG_RETURN_UNSUPPORTED);
        assert_int_equal(ioreg_service_open(res, 0, &c), IOREG_RETURN_UNSUPPORTED);
        /* The driver's init refusing is its answer. */
        assert_int_equal(ioreg_service_open(test, UC_TYPE_REFUSE, &c), IOREG_RETURN_NOT_PERMITTED);
        assert_null(c);
        assert_int_equal(ioreg_service_open(NULL, 0, &c), IOREG_RETURN_BAD_ARGUMENT);
        ioreg_object_release(none);
        ioreg_object_release(res);
        ioreg_object_release(test);
        assert_true(driver_test_wait(T, no_user_clients, NULL, 5000));
}

static void test_app_killed_mid_call(void **state) {
        char line[32] = "", path[512];
        int fd, status;
        ssize_t n;
        pid_t pid;

        pid = run_client("UCTestDriver", 20, "hang", 0, &fd);
        n = read(fd, line, sizeof(line) - 1); /* "opened": the call is on its way */
        close(fd);
        assert_true(n > 0);
        assert_int_equal(count_class("UCTestUserClient"), 1);
        usleep(100 * 1000);
        kill(pid, SIGKILL);
        assert_int_equal(waitpid(pid, &status, 0), pid);
        /* The driver hears it died (not closed), and the entry goes. */
        stop_file(path, sizeof(path), "died", 20);
        assert_true(driver_test_wait(T, file_there, path, 15000));
        stop_file(path, sizeof(path), "close", 20);
        assert_false(access(path, F_OK) == 0);
        assert_true(driver_test_wait(T, no_user_clients, NULL, 5000));
}

/* Structures past the call socket's 64 KiB go in a memfd: the same answers either way. */
static void test_large_structures(void **state) {
        static const size_t sizes[] = { USER_CLIENT_CALL_SOCKET_MAX_STRUCT, USER_CLIENT_CALL_SOCKET_MAX_STRUCT + 1,
                                        1024 * 1024 };
        ioreg_connect_t c = open_test(60);

        for (size_t i = 0; i < ELEMENTSOF(sizes); i++) {
                _cleanup_free_ uint8_t *in = malloc(sizes[i]), *out = malloc(sizes[i]);
                size_t size = sizes[i];

                assert_non_null(in);
                assert_non_null(out);
                for (size_t j = 0; j < sizes[i]; j++)
                        in[j] = (uint8_t) (j * 7 + i);
                assert_int_equal(ioreg_connect_call_struct_method(c, UC_ECHO, in, sizes[i], out, &size),
                                 IOREG_RETURN_SUCCESS);
                assert_int_equal(size, sizes[i]);
                assert_memory_equal(in, out, sizes[i]);
                /* A large input into a small output (and the reverse): only what fits comes back. */
                size = 100;
                assert_int_equal(ioreg_connect_call_struct_method(c, UC_ECHO, in, sizes[i], out, &size),
                                 IOREG_RETURN_SUCCESS);
                assert_int_equal(size, 100);
                size = sizes[i];
                assert_int_equal(ioreg_connect_call_struct_method(c, UC_ECHO, in, 100, out, &size),
                                 IOREG_RETURN_SUCCESS);
                assert_int_equal(size, 100);
                assert_memory_equal(in, out, 100);
        }
        assert_int_equal(ioreg_service_close(c), IOREG_RETURN_SUCCESS);
}

typedef struct Worker {
        ioreg_connect_t c;
        uint64_t base;
        int errors;
} Worker;

static void *worker(void *arg) {
        Worker *w = arg;

        for (uint64_t i = 0; i < 300; i++) {
                uint64_t in[2] = { w->base, i }, out = 0;
                uint32_t n_out = 1;
                uint8_t buf[64], back[64];
                size_t size = sizeof(back);

                ioreg_return_t r = ioreg_connect_call_scalar_method(w->c, UC_SUM, in, 2, &out, &n_out);

                if (r != IOREG_RETURN_SUCCESS || n_out != 1 || out != w->base + i) {
                        if (w->errors++ == 0)
                                fprintf(stderr, "thread %" PRIu64 " call %" PRIu64 ": %s, %u, %" PRIu64 "\n", w->base,
                                        i, ioreg_return_string(r), n_out, out);
                }
                memset(buf, (int) (w->base + i), sizeof(buf));
                if (ioreg_connect_call_struct_method(w->c, UC_ECHO, buf, sizeof(buf), back, &size) !=
                            IOREG_RETURN_SUCCESS ||
                    size != sizeof(buf) || memcmp(buf, back, size) != 0)
                        w->errors++;
        }
        return NULL;
}

static void test_threads(void **state) {
        ioreg_connect_t c = open_test(30);
        Worker w[4];
        pthread_t th[4];

        for (int i = 0; i < 4; i++) {
                w[i] = (Worker) { .c = c, .base = (uint64_t) (i + 1) * 1000000 };
                assert_int_equal(pthread_create(&th[i], NULL, worker, &w[i]), 0);
        }
        for (int i = 0; i < 4; i++) {
                assert_int_equal(pthread_join(th[i], NULL), 0);
                assert_int_equal(w[i].errors, 0);
        }
        assert_int_equal(ioreg_service_close(c), IOREG_RETURN_SUCCESS);
}

static bool test_driver_back(DriverTest *t, const void *arg) {
        uint64_t id;

        return driver_test_find_one(t, "UCTestDriver", &id) == 1 && driver_test_number(t, id, "TestServerPID") > 0 &&
               driver_test_number(t, id, "TestServerPID") != *(const int64_t *) arg;
}

static void test_server_killed(void **state) {
        ioreg_connect_t c = open_test(40);
        uint64_t driver_id = 0, address, size;
        int64_t pid;

        assert_int_equal(driver_test_find_one(T, "UCTestDriver", &driver_id), 1);
        pid = driver_test_number(T, driver_id, "TestServerPID");
        assert_true(pid > 0);
        assert_int_equal(ioreg_connect_call_scalar_method(c, UC_NOTHING, NULL, 0, NULL, NULL), IOREG_RETURN_SUCCESS);
        assert_int_equal(kill((pid_t) pid, SIGKILL), 0);
        /* Every call fails with kIOReturnNoDevice from now on: the connection is invalid. */
        for (int i = 0; i < 3; i++)
                assert_int_equal(ioreg_connect_call_scalar_method(c, UC_NOTHING, NULL, 0, NULL, NULL),
                                 IOREG_RETURN_NO_DEVICE);
        assert_int_equal(ioreg_connect_map_memory(c, 0, &address, &size, 0), IOREG_RETURN_NO_DEVICE);
        assert_true(driver_test_wait(T, no_user_clients, NULL, 5000));
        assert_int_equal(ioreg_service_close(c), IOREG_RETURN_SUCCESS);
        /* The driver comes back in a new process (after the back-off) and opens again. */
        assert_true(driver_test_wait(T, test_driver_back, &pid, 15000));
        c = open_test(41);
        assert_int_equal(ioreg_connect_call_scalar_method(c, UC_NOTHING, NULL, 0, NULL, NULL), IOREG_RETURN_SUCCESS);
        assert_int_equal(ioreg_service_close(c), IOREG_RETURN_SUCCESS);
}


static uint32_t attach(sd_bus *peer, int fd) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        uint32_t result = UINT32_MAX;

        assert_true(sd_bus_call_method(peer, NULL, USER_CLIENT_PATH, USER_CLIENT_INTERFACE,
                                       USER_CLIENT_ATTACH_CALL_SOCKET, NULL, &reply, "h", fd) >= 0);
        assert_int_equal(sd_bus_message_read(reply, "u", &result), 1);
        return result;
}

#define BIG_ECHO (USER_CLIENT_CALL_SOCKET_MAX_STRUCT + 1)

static int sealed_memfd(size_t size, int seals) {
        int fd = memfd_create("test-call", MFD_CLOEXEC | MFD_ALLOW_SEALING);

        assert_true(fd >= 0);
        assert_int_equal(ftruncate(fd, (off_t) size), 0);
        assert_int_equal(pwrite(fd, "x", 1, (off_t) size - 1), 1);
        assert_int_equal(fcntl(fd, F_ADD_SEALS, seals), 0);
        return fd;
}

/* A UC_ECHO of BIG_ECHO bytes through memfds, the input's sealed with in_seals; the reply's size, or 0 (ended). */
static ssize_t send_memfd(int sock, int in_seals, UserClientCallReply *rep) {
        UserClientCallRequest req = { .selector = UC_ECHO, .structure_input_size = BIG_ECHO,
                                      .structure_output_capacity = BIG_ECHO, .flags = USER_CLIENT_CALL_MEMFD };
        union {
                struct cmsghdr cm;
                uint8_t buf[CMSG_SPACE(2 * sizeof(int))];
        } control = {};
        struct iovec iov = { &req, sizeof(req) };
        struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = &control,
                             .msg_controllen = sizeof(control) };
        int fds[2] = { sealed_memfd(BIG_ECHO, in_seals), sealed_memfd(BIG_ECHO, USER_CLIENT_CALL_OUTPUT_SEALS) };
        uint8_t byte = 0;
        ssize_t n;

        assert_int_equal(pwrite(fds[1], "", 1, BIG_ECHO - 1), 1); /* the echo must write it back */
        control.cm = (struct cmsghdr) { .cmsg_len = CMSG_LEN(sizeof(fds)), .cmsg_level = SOL_SOCKET,
                                        .cmsg_type = SCM_RIGHTS };
        memcpy(CMSG_DATA(&control.cm), fds, sizeof(fds));
        assert_int_equal(sendmsg(sock, &mh, 0), (ssize_t) sizeof(req));
        n = recv(sock, rep, sizeof(*rep), 0);
        if (n > 0) {
                assert_int_equal(pread(fds[1], &byte, 1, BIG_ECHO - 1), 1);
                assert_int_equal(byte, 'x');
        }
        close(fds[0]);
        close(fds[1]);
        return n;
}

/* The call socket, as the wire header describes it (user-client-wire.h, 3a), on a raw peer. */
static void call_socket_contract(sd_bus *peer) {
        UserClientCallRequest req = { .selector = UC_SUM, .scalar_input_count = 2, .scalar_output_capacity = 1,
                                      .scalar_input = { 40, 2 } };
        UserClientCallReply rep = {};
        int stream[2], seq[2];

        /* Only a SOCK_SEQPACKET socket, and one per client. */
        assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, stream), 0);
        assert_int_equal(attach(peer, stream[1]), IOREG_RETURN_BAD_ARGUMENT);
        assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, seq), 0);
        assert_int_equal(attach(peer, seq[1]), IOREG_RETURN_SUCCESS);
        assert_int_equal(attach(peer, stream[1]), IOREG_RETURN_BUSY);
        close(stream[0]);
        close(stream[1]);
        close(seq[1]);
        /* One packet each way, the dispatch table's checks included. */
        assert_int_equal(send(seq[0], &req, sizeof(req), 0), (ssize_t) sizeof(req));
        assert_int_equal(recv(seq[0], &rep, sizeof(rep), 0), (ssize_t) sizeof(rep));
        assert_int_equal(rep.result, IOREG_RETURN_SUCCESS);
        assert_int_equal(rep.scalar_output_count, 1);
        assert_int_equal(rep.structure_output_size, 0);
        assert_int_equal(rep.scalar_output[0], 42);
        req.scalar_input_count = 1;
        assert_int_equal(send(seq[0], &req, sizeof(req), 0), (ssize_t) sizeof(req));
        assert_int_equal(recv(seq[0], &rep, sizeof(rep), 0), (ssize_t) sizeof(rep));
        assert_int_equal(rep.result, IOREG_RETURN_BAD_ARGUMENT);
        /* Past 64 KiB the structures travel in a memfd the server maps. */
        assert_int_equal(send_memfd(seq[0], USER_CLIENT_CALL_INPUT_SEALS, &rep), (ssize_t) sizeof(rep));
        assert_int_equal(rep.result, IOREG_RETURN_SUCCESS);
        assert_int_equal(rep.structure_output_size, BIG_ECHO);
        /* A packet whose size does not match its header ends the call socket (not the client). */
        req.structure_input_size = 8;
        assert_int_equal(send(seq[0], &req, sizeof(req), 0), (ssize_t) sizeof(req));
        assert_int_equal(recv(seq[0], &rep, sizeof(rep), 0), 0);
        close(seq[0]);
        /* The client goes on: a new call socket, and an input the application could still change ends it. */
        assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, seq), 0);
        assert_int_equal(attach(peer, seq[1]), IOREG_RETURN_SUCCESS);
        close(seq[1]);
        assert_int_equal(send_memfd(seq[0], F_SEAL_SHRINK, &rep), 0);
        close(seq[0]);
}

/* CallMethod, synchronous, on a raw peer (libioreg uses the call socket for these). */
static void call_method_contract(sd_bus *peer) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL, *reply = NULL;
        static const uint64_t in[2] = { 40, 2 };
        uint8_t big[USER_CLIENT_CALL_SOCKET_MAX_STRUCT + 1] = { [USER_CLIENT_CALL_SOCKET_MAX_STRUCT] = 7 };
        const void *scalars = NULL, *bytes = NULL;
        size_t n_scalars = 0, n_bytes = 0;
        uint32_t result;

        assert_true(sd_bus_call_method(peer, NULL, USER_CLIENT_PATH, USER_CLIENT_INTERFACE, USER_CLIENT_CALL_METHOD,
                                       NULL, &reply, "uatayuuat", UC_SUM, 2, in[0], in[1], 0, 1, 0, 0) >= 0);
        assert_int_equal(sd_bus_message_read(reply, "u", &result), 1);
        assert_int_equal(result, IOREG_RETURN_SUCCESS);
        assert_int_equal(sd_bus_message_read_array(reply, 't', &scalars, &n_scalars), 1);
        assert_int_equal(n_scalars, sizeof(uint64_t));
        assert_int_equal(*(const uint64_t *) scalars, 42);
        reply = sd_bus_message_unref(reply);
        /* A structure past 64 KiB, echoed. */
        assert_true(sd_bus_message_new_method_call(peer, &m, NULL, USER_CLIENT_PATH, USER_CLIENT_INTERFACE,
                                                   USER_CLIENT_CALL_METHOD) >= 0);
        assert_true(sd_bus_message_append(m, "uat", UC_ECHO, 0) >= 0);
        assert_true(sd_bus_message_append_array(m, 'y', big, sizeof(big)) >= 0);
        assert_true(sd_bus_message_append(m, "uuat", 0, (uint32_t) sizeof(big), 0) >= 0);
        assert_true(sd_bus_call(peer, m, 0, NULL, &reply) >= 0);
        assert_int_equal(sd_bus_message_read(reply, "u", &result), 1);
        assert_int_equal(result, IOREG_RETURN_SUCCESS);
        assert_int_equal(sd_bus_message_read_array(reply, 't', &scalars, &n_scalars), 1);
        assert_int_equal(sd_bus_message_read_array(reply, 'y', &bytes, &n_bytes), 1);
        assert_int_equal(n_bytes, sizeof(big));
        assert_memory_equal(bytes, big, sizeof(big));
}

/* The peer protocol as the server serves it equals its contract (systemd/org.ioreg.UserClient1.xml). */
static void test_peer_contract(void **state) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL, *intro = NULL;
        sd_bus_error error = SD_BUS_ERROR_NULL;
        char path[] = "/tmp/ioreg-uc-contract-XXXXXX", cmd[1024];
        uint64_t driver_id = 0, client_id, service_id;
        const char *xml;
        sd_bus *peer = NULL;
        FILE *f;
        int fd, out;

        assert_int_equal(driver_test_find_one(T, "UCTestDriver", &driver_id), 1);
        assert_true(sd_bus_call_method(T->bus, IOREG_BUS_NAME, IOREG_OBJECT_PATH, "org.ioreg.UserClients1",
                                       "OpenService", &error, &reply, "tu", driver_id, 50u) >= 0);
        assert_int_equal(sd_bus_message_read(reply, "htt", &fd, &client_id, &service_id), 1);
        assert_int_equal(service_id, driver_id);
        assert_int_equal(driver_test_parent(T, client_id), driver_id);
        fd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
        assert_true(fd >= 0);
        assert_int_equal(sd_bus_new(&peer), 0);
        assert_int_equal(sd_bus_set_fd(peer, fd, fd), 0);
        assert_int_equal(sd_bus_set_anonymous(peer, 1), 0);
        assert_true(sd_bus_start(peer) >= 0);
        assert_true(sd_bus_call_method(peer, NULL, "/org/ioreg/UserClient1", "org.freedesktop.DBus.Introspectable",
                                       "Introspect", &error, &intro, NULL) >= 0);
        assert_int_equal(sd_bus_message_read(intro, "s", &xml), 1);
        out = mkstemp(path);
        assert_true(out >= 0);
        f = fdopen(out, "w");
        assert_non_null(f);
        fputs(xml, f);
        fclose(f);
        snprintf(cmd, sizeof(cmd), "python3 %s/tests/fixture/compare-introspection.py %s/systemd/org.ioreg.UserClient1.xml -- %s",
                 SOURCE_ROOT, SOURCE_ROOT, path);
        assert_int_equal(system(cmd), 0);
        unlink(path);
        call_socket_contract(peer);
        call_method_contract(peer);
        assert_true(sd_bus_call_method(peer, NULL, "/org/ioreg/UserClient1", "org.ioreg.UserClient1", "Close", &error,
                                       NULL, NULL) >= 0);
        sd_bus_flush_close_unref(peer);
        assert_true(driver_test_wait(T, no_user_clients, NULL, 5000));
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_open_entry_and_close),
                cmocka_unit_test(test_peer_contract),
                cmocka_unit_test(test_argument_rules),
                cmocka_unit_test(test_large_structures),
                cmocka_unit_test(test_async),
                cmocka_unit_test(test_notification_port),
                cmocka_unit_test(test_mapped_memory),
                cmocka_unit_test(test_properties),
                cmocka_unit_test(test_administrator),
                cmocka_unit_test(test_unsupported),
                cmocka_unit_test(test_app_killed_mid_call),
                cmocka_unit_test(test_threads),
                cmocka_unit_test(test_server_killed),
        };

        if (geteuid() != 0)
                fprintf(stderr, "not root: the administrator test's other user cannot be taken\n");
        return cmocka_run_group_tests_name("user clients", tests, group_setup, group_teardown);
}
