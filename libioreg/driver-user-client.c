/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * driver-user-client.c: user clients in a driver server (ioreg/user-client.h).
 * ioregd's NewUserClient hands us one end of a socketpair; we are the sd-bus
 * server on it (anonymous: the peer is whoever ioregd gave the other end)
 * and serve org.ioreg.UserClient1 to the application; its synchronous calls
 * come on the call socket it attaches (user-client-wire.h, 3a), answered
 * from the same dispatch. When the peer closes or dies, the client's close
 * or died runs and ioregd is told, so that it removes the entry.
 */

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "driver-internal.h"
#include "user-client-wire.h"

struct ioreg_user_client {
        ioreg_user_client *next;            /* in the driver's list */
        ioreg_driver *driver;               /* weak: the driver owns us */
        const ioreg_user_client_class *klass; /* borrowed from the server's table */
        char *class_name;                   /* owned */
        uint64_t handle;                    /* ours, named in UserClientClosed */
        uint32_t type, uid;
        bool administrator;
        bool closed;                        /* close or died ran */
        sd_bus *peer;                       /* owned: the application's connection */
        int call_fd;                        /* owned: the call socket (AttachCallSocket); -1 when none */
        sd_event_source *call_io;           /* owned: call_fd on the server's loop */
        uint8_t *call_buffer;               /* owned: a reply packet, then a request's structure (CALL_BUFFER_SIZE) */
        sd_event_source *teardown;          /* owned: frees us outside the peer's handlers */
        uint64_t notify_ref[USER_CLIENT_MAX_ASYNC_REF];
        uint32_t n_notify_ref;              /* 0: no notification port */
        void *context;                      /* the driver's */
};

static const struct {
        ioreg_return_t r;
        const char *name;
} error_names[] = {
        { IOREG_RETURN_UNSUPPORTED, USER_CLIENT_ERROR_UNSUPPORTED },
        { IOREG_RETURN_NOT_PRIVILEGED, USER_CLIENT_ERROR_NOT_PRIVILEGED },
        { IOREG_RETURN_NOT_FOUND, USER_CLIENT_ERROR_NO_SUCH_ENTRY },
        { IOREG_RETURN_NOT_READY, USER_CLIENT_ERROR_NOT_READY },
        { IOREG_RETURN_BUSY, USER_CLIENT_ERROR_BUSY },
        { IOREG_RETURN_EXCLUSIVE_ACCESS, USER_CLIENT_ERROR_EXCLUSIVE_ACCESS },
        { IOREG_RETURN_BAD_ARGUMENT, USER_CLIENT_ERROR_INVALID_ARGUMENT },
        { IOREG_RETURN_NOT_PERMITTED, USER_CLIENT_ERROR_NOT_PERMITTED },
};

/* The call socket's buffer: a reply packet (header, structure), then the largest input structure. */
#define CALL_OUT_OFFSET sizeof(UserClientCallReply)
#define CALL_IN_OFFSET (sizeof(UserClientCallReply) + USER_CLIENT_CALL_SOCKET_MAX_STRUCT)
#define CALL_BUFFER_SIZE (CALL_IN_OFFSET + USER_CLIENT_CALL_SOCKET_MAX_STRUCT)

static int set_return_error(sd_bus_error *error, ioreg_return_t r, const char *what) {
        for (size_t i = 0; i < ELEMENTSOF(error_names); i++)
                if (error_names[i].r == r)
                        return sd_bus_error_setf(error, error_names[i].name, "%s: %s", what, ioreg_return_string(r));
        return sd_bus_error_setf(error, USER_CLIENT_ERROR_FAILED, "%s: %s", what, ioreg_return_string(r));
}

/* The call socket goes; calls go on through CallMethod. */
static void call_socket_drop(ioreg_user_client *uc) {
        uc->call_io = sd_event_source_disable_unref(uc->call_io);
        if (uc->call_fd >= 0)
                close(uc->call_fd);
        uc->call_fd = -1;
        free(uc->call_buffer);
        uc->call_buffer = NULL;
}

static void client_free(ioreg_user_client *uc) {
        if (!uc)
                return;
        sd_event_source_disable_unref(uc->teardown);
        call_socket_drop(uc);
        /* No flush: a peer that does not read (or has not even authenticated) must not block the server. */
        sd_bus_close_unref(uc->peer);
        free(uc->class_name);
        free(uc);
}

static void client_unlink(ioreg_user_client *uc) {
        if (!uc->driver)
                return;
        for (ioreg_user_client **p = &uc->driver->clients; *p; p = &(*p)->next)
                if (*p == uc) {
                        *p = uc->next;
                        break;
                }
        uc->next = NULL;
}

/* Exactly once per client: close, or died (which defaults to close). */
static void client_finish(ioreg_user_client *uc, bool died) {
        void *userdata = uc->driver->server->userdata;

        if (uc->closed)
                return;
        uc->closed = true;
        if (died && uc->klass->client_died)
                uc->klass->client_died(uc, userdata);
        else if (uc->klass->client_close)
                uc->klass->client_close(uc, userdata);
}

static int on_teardown(sd_event_source *src, void *userdata) {
        ioreg_user_client *uc = userdata;
        LibDriverServer *s = uc->driver ? uc->driver->server : NULL;

        client_unlink(uc);
        /* ioregd removes the entry; no answer needed (it may be gone itself). */
        if (s && s->bus && s->daemon && uc->driver)
                (void) sd_bus_call_method_async(s->bus, NULL, s->daemon, IOREG_OBJECT_PATH, USER_CLIENTS_INTERFACE,
                                                USER_CLIENT_CLOSED, NULL, NULL, "tt", uc->driver->id, uc->handle);
        client_free(uc);
        return 0;
}

/* Frees uc from the event loop: we may be inside one of its peer's handlers now. */
static void client_schedule_teardown(ioreg_user_client *uc) {
        if (uc->teardown)
                return;
        if (sd_event_add_defer(uc->driver->server->event, &uc->teardown, on_teardown, uc) < 0) {
                /* Cannot defer: the peer is closed and the memory stays until the driver stops. */
                if (uc->peer)
                        sd_bus_close(uc->peer);
        }
}

static int on_disconnected(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        ioreg_user_client *uc = userdata;

        /* The application went without Close: it crashed, or closed the socket. */
        client_finish(uc, true);
        client_schedule_teardown(uc);
        return 0;
}

/* ------------------------------------------------------------------------- */
/* The application's calls. */

static bool size_fits(uint32_t want, size_t have) {
        return want == IOREG_VARIABLE_STRUCTURE_SIZE || want == have;
}

/* IOUserClient::externalMethod's checks, then the function. */
static ioreg_return_t dispatch(ioreg_user_client *uc, ioreg_external_method_arguments *args) {
        const ioreg_external_method_dispatch *row;

        if (args->selector >= uc->klass->n_methods || !uc->klass->methods)
                return IOREG_RETURN_UNSUPPORTED;
        row = &uc->klass->methods[args->selector];
        if (!row->function)
                return IOREG_RETURN_UNSUPPORTED;
        if (!size_fits(row->check_scalar_input_count, args->scalar_input_count) ||
            !size_fits(row->check_structure_input_size, args->structure_input_size) ||
            !size_fits(row->check_scalar_output_count, args->scalar_output_count) ||
            !size_fits(row->check_structure_output_size, args->structure_output_size))
                return IOREG_RETURN_BAD_ARGUMENT;
        return row->function(uc, uc->driver->server->userdata, args);
}

/*
 * One call, from CallMethod or the call socket: the bounds, the dispatch
 * table's checks, the function. out holds struct_cap bytes (zeroed);
 * *n_scalar_out and *out_size are the actuals, never above the capacities.
 */
static ioreg_return_t run_call(ioreg_user_client *uc, uint32_t selector, const uint64_t *scalars, size_t n_scalars,
                               const void *in, size_t in_size, uint32_t scalar_cap, uint32_t struct_cap,
                               const uint64_t *ref, size_t n_ref, uint64_t *scalar_out, void *out,
                               uint32_t *n_scalar_out, uint32_t *out_size) {
        ioreg_external_method_arguments args = {};
        ioreg_return_t ret;

        args.selector = selector;
        if (uc->closed)
                ret = IOREG_RETURN_NOT_OPEN;
        else if (n_scalars > IOREG_MAX_SCALARS || scalar_cap > IOREG_MAX_SCALARS || in_size > USER_CLIENT_MAX_STRUCT ||
                 struct_cap > USER_CLIENT_MAX_STRUCT || n_ref > USER_CLIENT_MAX_ASYNC_REF)
                ret = IOREG_RETURN_BAD_ARGUMENT;
        else if (struct_cap > 0 && !out)
                ret = IOREG_RETURN_NO_MEMORY;
        else {
                args.scalar_input = scalars;
                args.scalar_input_count = (uint32_t) n_scalars;
                args.structure_input = in;
                args.structure_input_size = (uint32_t) in_size;
                args.scalar_output = scalar_out;
                args.scalar_output_count = scalar_cap;
                args.structure_output = out;
                args.structure_output_size = struct_cap;
                args.async_reference = n_ref > 0 ? ref : NULL;
                args.async_reference_count = (uint32_t) n_ref;
                ret = dispatch(uc, &args);
        }
        /* Actuals never exceed the capacities, whatever the function wrote into the counts. */
        *n_scalar_out = args.scalar_output_count > scalar_cap ? scalar_cap : args.scalar_output_count;
        *out_size = !out ? 0 : args.structure_output_size > struct_cap ? struct_cap : args.structure_output_size;
        return ret;
}

static int method_call(sd_bus_message *call, void *userdata, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        ioreg_user_client *uc = userdata;
        const void *scalars = NULL, *in = NULL, *ref = NULL;
        size_t n_scalars = 0, in_size = 0, ref_size = 0;
        uint32_t selector, scalar_cap, struct_cap, n_out = 0, out_size = 0;
        uint64_t scalar_out[IOREG_MAX_SCALARS] = {};
        _cleanup_free_ void *out = NULL;
        ioreg_return_t ret;
        int r;

        r = sd_bus_message_read(call, "u", &selector);
        if (r >= 0)
                r = sd_bus_message_read_array(call, 't', &scalars, &n_scalars);
        if (r >= 0)
                r = sd_bus_message_read_array(call, 'y', &in, &in_size);
        if (r >= 0)
                r = sd_bus_message_read(call, "uu", &scalar_cap, &struct_cap);
        if (r >= 0)
                r = sd_bus_message_read_array(call, 't', &ref, &ref_size);
        if (r < 0)
                return r;
        if (struct_cap > 0 && struct_cap <= USER_CLIENT_MAX_STRUCT)
                out = calloc(1, struct_cap);
        ret = run_call(uc, selector, scalars, n_scalars / sizeof(uint64_t), in, in_size, scalar_cap, struct_cap, ref,
                       ref_size / sizeof(uint64_t), scalar_out, out, &n_out, &out_size);
        r = sd_bus_message_new_method_return(call, &reply);
        if (r >= 0)
                r = sd_bus_message_append(reply, "u", (uint32_t) ret);
        if (r >= 0)
                r = sd_bus_message_append_array(reply, 't', scalar_out, n_out * sizeof(uint64_t));
        if (r >= 0)
                r = sd_bus_message_append_array(reply, 'y', out ?: "", out_size);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

/* The fds a packet carries (USER_CLIENT_CALL_MEMFD), in order, into fds[2]: their number, or -1 (all closed). */
static int packet_fds(struct msghdr *mh, int fds[static 2]) {
        int n = 0;

        for (struct cmsghdr *cm = CMSG_FIRSTHDR(mh); cm; cm = CMSG_NXTHDR(mh, cm)) {
                const int *got = (const int *) CMSG_DATA(cm);
                size_t k = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);

                if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
                        continue;
                for (size_t i = 0; i < k; i++) {
                        if (n < 2)
                                fds[n] = got[i];
                        else
                                close(got[i]);
                        n++;
                }
        }
        if (n > 2) {
                close(fds[0]);
                close(fds[1]);
                return -1;
        }
        return n;
}

/*
 * A structure of a USER_CLIENT_CALL_MEMFD request, mapped (fd taken): the
 * function reads or writes the application's memfd, no copies. The seals
 * keep the pages there while we use them, and the input unchanging.
 */
static void *map_memfd(int fd, uint32_t size, int want_seals, int prot) {
        _cleanup_close_ int owned = fd;
        int seals = fcntl(fd, F_GET_SEALS);
        struct stat st;
        void *p;

        if (size > USER_CLIENT_MAX_STRUCT || seals < 0 || (seals & want_seals) != want_seals || fstat(fd, &st) < 0 ||
            (uint64_t) st.st_size < size)
                return NULL;
        p = mmap(NULL, size, prot, MAP_SHARED, fd, 0);
        return p == MAP_FAILED ? NULL : p;
}

/* The structures of a USER_CLIENT_CALL_MEMFD request: fds taken; false when they are not as the wire says. */
static bool map_call_memfds(const UserClientCallRequest *req, int fds[static 2], int n_fds, uint8_t **in,
                            uint8_t **out) {
        int want = (req->structure_input_size > 0) + (req->structure_output_capacity > 0), i = 0;

        *in = *out = NULL;
        if (n_fds != want || want == 0) {
                for (int j = 0; j < n_fds; j++)
                        close(fds[j]);
                return false;
        }
        if (req->structure_input_size > 0 &&
            !(*in = map_memfd(fds[i++], req->structure_input_size, USER_CLIENT_CALL_INPUT_SEALS, PROT_READ))) {
                if (i < n_fds)
                        close(fds[i]);
                return false;
        }
        if (req->structure_output_capacity > 0 &&
            !(*out = map_memfd(fds[i], req->structure_output_capacity, USER_CLIENT_CALL_OUTPUT_SEALS,
                               PROT_READ | PROT_WRITE))) {
                if (*in)
                        (void) munmap(*in, req->structure_input_size);
                *in = NULL;
                return false;
        }
        return true;
}

/*
 * A packet on the call socket (wire 3a), answered from call_buffer: the
 * function reads its input where recvmsg put it (or in the memfd) and
 * writes its output into the reply packet (or the memfd), no copies. A
 * malformed packet or a full socket ends the call socket, not the client.
 */
static int on_call_socket(sd_event_source *src, int fd, uint32_t revents, void *userdata) {
        ioreg_user_client *uc = userdata;
        UserClientCallRequest req;
        UserClientCallReply *rep = (UserClientCallReply *) uc->call_buffer;
        struct iovec iov[2] = {
                { &req, sizeof(req) },
                { uc->call_buffer + CALL_IN_OFFSET, USER_CLIENT_CALL_SOCKET_MAX_STRUCT },
        };
        union {
                struct cmsghdr cm;
                uint8_t buf[CMSG_SPACE(2 * sizeof(int))];
        } control;
        struct msghdr mh = { .msg_iov = iov, .msg_iovlen = 2, .msg_control = &control, .msg_controllen = sizeof(control) };
        uint64_t scalar_out[IOREG_MAX_SCALARS] = {};
        uint32_t n_out = 0, out_size = 0;
        uint8_t *in = NULL, *out = NULL;
        int fds[2] = { -1, -1 }, n_fds = 0;
        bool memfd, ok;
        ioreg_return_t ret;
        ssize_t n;

        n = recvmsg(fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
        if (n < 0 && (errno == EAGAIN || errno == EINTR))
                return 0;
        if (n >= 0)
                n_fds = packet_fds(&mh, fds);
        memfd = n >= (ssize_t) sizeof(req) && (req.flags & USER_CLIENT_CALL_MEMFD);
        ok = n >= (ssize_t) sizeof(req) && !(mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) && n_fds >= 0 &&
             !(req.flags & ~USER_CLIENT_CALL_MEMFD) && req.scalar_input_count <= IOREG_MAX_SCALARS;
        if (ok && memfd)
                ok = (size_t) n == sizeof(req) && map_call_memfds(&req, fds, n_fds, &in, &out);
        else {
                for (int i = 0; i < n_fds; i++)
                        close(fds[i]);
                ok = ok && n_fds == 0 && (size_t) n == sizeof(req) + req.structure_input_size &&
                     req.structure_output_capacity <= USER_CLIENT_CALL_SOCKET_MAX_STRUCT;
                in = uc->call_buffer + CALL_IN_OFFSET;
                out = uc->call_buffer + CALL_OUT_OFFSET;
                /* As CallMethod's: the output starts zeroed (a memfd's does already). */
                if (ok)
                        memset(out, 0, req.structure_output_capacity);
        }
        if (!ok) {
                call_socket_drop(uc); /* the application went, or broke the protocol */
                return 0;
        }
        ret = run_call(uc, req.selector, req.scalar_input, req.scalar_input_count,
                       req.structure_input_size > 0 ? in : NULL, req.structure_input_size,
                       req.scalar_output_capacity, req.structure_output_capacity, NULL, 0, scalar_out,
                       req.structure_output_capacity > 0 ? out : NULL, &n_out, &out_size);
        if (memfd) {
                if (in)
                        (void) munmap(in, req.structure_input_size);
                if (out)
                        (void) munmap(out, req.structure_output_capacity);
        }
        *rep = (UserClientCallReply) { .result = (uint32_t) ret, .scalar_output_count = n_out,
                                       .structure_output_size = out_size };
        memcpy(rep->scalar_output, scalar_out, sizeof(scalar_out));
        /* The application waits for this answer: the socket is empty, the packet fits. */
        if (send(fd, rep, sizeof(*rep) + (memfd ? 0 : out_size), MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
                call_socket_drop(uc);
        return 0;
}

static int method_attach_call_socket(sd_bus_message *call, void *userdata, sd_bus_error *error) {
        ioreg_user_client *uc = userdata;
        int fd, type = 0, r;
        socklen_t len = sizeof(type);

        r = sd_bus_message_read(call, "h", &fd);
        if (r < 0)
                return r;
        if (uc->closed || uc->call_fd >= 0)
                return sd_bus_reply_method_return(call, "u", (uint32_t) IOREG_RETURN_BUSY);
        if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) < 0 || type != SOCK_SEQPACKET)
                return sd_bus_reply_method_return(call, "u", (uint32_t) IOREG_RETURN_BAD_ARGUMENT);
        uc->call_fd = fcntl(fd, F_DUPFD_CLOEXEC, 3); /* the message keeps its own */
        if (uc->call_fd < 0)
                return -errno;
        uc->call_buffer = malloc(CALL_BUFFER_SIZE);
        r = uc->call_buffer ? 0 : -ENOMEM;
        if (r >= 0)
                r = sd_event_add_io(uc->driver->server->event, &uc->call_io, uc->call_fd, EPOLLIN, on_call_socket, uc);
        if (r < 0) {
                call_socket_drop(uc);
                return r;
        }
        return sd_bus_reply_method_return(call, "u", (uint32_t) IOREG_RETURN_SUCCESS);
}

static int method_set_notification_port(sd_bus_message *call, void *userdata, sd_bus_error *error) {
        ioreg_user_client *uc = userdata;
        const void *ref = NULL;
        size_t n = 0;
        uint32_t type;
        ioreg_return_t ret = IOREG_RETURN_SUCCESS;
        int r;

        r = sd_bus_message_read(call, "u", &type);
        if (r >= 0)
                r = sd_bus_message_read_array(call, 't', &ref, &n);
        if (r < 0)
                return r;
        n /= sizeof(uint64_t);
        if (n > USER_CLIENT_MAX_ASYNC_REF)
                ret = IOREG_RETURN_BAD_ARGUMENT;
        else if (uc->klass->register_notification_port)
                ret = uc->klass->register_notification_port(uc, type, uc->driver->server->userdata);
        if (ret == IOREG_RETURN_SUCCESS) {
                memcpy(uc->notify_ref, ref, n * sizeof(uint64_t));
                uc->n_notify_ref = (uint32_t) n;
        }
        return sd_bus_reply_method_return(call, "u", (uint32_t) ret);
}

static int method_map_memory(sd_bus_message *call, void *userdata, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        ioreg_user_client *uc = userdata;
        ioreg_return_t ret = IOREG_RETURN_UNSUPPORTED;
        uint64_t size = 0;
        uint32_t type;
        int fd = -1, r;

        r = sd_bus_message_read(call, "u", &type);
        if (r < 0)
                return r;
        if (uc->klass->client_memory_for_type)
                ret = uc->klass->client_memory_for_type(uc, type, &fd, &size, uc->driver->server->userdata);
        if (ret == IOREG_RETURN_SUCCESS && (fd < 0 || size == 0))
                ret = IOREG_RETURN_ERROR; /* the driver said yes but gave nothing */
        r = sd_bus_message_new_method_return(call, &reply);
        if (r >= 0)
                r = sd_bus_message_append(reply, "ut", (uint32_t) ret, ret == IOREG_RETURN_SUCCESS ? size : 0);
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'a', "h");
        if (r >= 0 && ret == IOREG_RETURN_SUCCESS)
                r = sd_bus_message_append(reply, "h", fd); /* the message takes a copy */
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

static int method_set_properties(sd_bus_message *call, void *userdata, sd_bus_error *error) {
        ioreg_user_client *uc = userdata;
        json_auto_t *props = NULL;
        ioreg_return_t ret = IOREG_RETURN_UNSUPPORTED;
        const char *text;
        int r;

        r = sd_bus_message_read(call, "s", &text);
        if (r < 0)
                return r;
        props = json_loads(text, JSON_REJECT_DUPLICATES, NULL);
        if (!json_is_object(props))
                ret = IOREG_RETURN_BAD_ARGUMENT;
        else if (uc->klass->set_properties)
                ret = uc->klass->set_properties(uc, props, uc->driver->server->userdata);
        return sd_bus_reply_method_return(call, "u", (uint32_t) ret);
}

static int method_close(sd_bus_message *call, void *userdata, sd_bus_error *error) {
        ioreg_user_client *uc = userdata;
        int r;

        client_finish(uc, false);
        r = sd_bus_reply_method_return(call, NULL);
        client_schedule_teardown(uc);
        return r;
}

static const sd_bus_vtable user_client_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_METHOD_WITH_ARGS(USER_CLIENT_CALL_METHOD,
                                SD_BUS_ARGS("u", selector, "at", scalar_input, "ay", structure_input, "u",
                                            scalar_output_capacity, "u", structure_output_capacity, "at",
                                            async_reference),
                                SD_BUS_RESULT("u", result, "at", scalar_output, "ay", structure_output), method_call,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS(USER_CLIENT_ATTACH_CALL_SOCKET, SD_BUS_ARGS("h", socket), SD_BUS_RESULT("u", result),
                                method_attach_call_socket, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS(USER_CLIENT_SET_NOTIFICATION_PORT, SD_BUS_ARGS("u", type, "at", reference),
                                SD_BUS_RESULT("u", result), method_set_notification_port, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS(USER_CLIENT_MAP_MEMORY, SD_BUS_ARGS("u", type),
                                SD_BUS_RESULT("u", result, "t", size, "ah", memory), method_map_memory,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS(USER_CLIENT_SET_PROPERTIES, SD_BUS_ARGS("s", properties), SD_BUS_RESULT("u", result),
                                method_set_properties, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD(USER_CLIENT_CLOSE, NULL, NULL, method_close, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_SIGNAL_WITH_ARGS(USER_CLIENT_ASYNC_RESULT,
                                SD_BUS_ARGS("at", reference, "u", result, "at", args), 0),
        SD_BUS_VTABLE_END,
};

/* ------------------------------------------------------------------------- */
/* ioregd's NewUserClient. */

/* The peer connection over fd (taken, also on failure): we are its server. */
static int peer_start(ioreg_user_client *uc, int fd) {
        sd_id128_t id;
        int r;

        r = sd_bus_new(&uc->peer);
        if (r < 0) {
                close(fd);
                return r;
        }
        r = sd_bus_set_fd(uc->peer, fd, fd);
        if (r < 0) {
                close(fd);
                return r;
        }
        r = sd_id128_randomize(&id);
        if (r >= 0)
                r = sd_bus_set_server(uc->peer, 1, id);
        if (r >= 0)
                r = sd_bus_set_anonymous(uc->peer, 1);
        if (r >= 0)
                r = sd_bus_add_object_vtable(uc->peer, NULL, USER_CLIENT_PATH, USER_CLIENT_INTERFACE,
                                             user_client_vtable, uc);
        if (r >= 0)
                r = sd_bus_match_signal(uc->peer, NULL, "org.freedesktop.DBus.Local", "/org/freedesktop/DBus/Local",
                                        "org.freedesktop.DBus.Local", "Disconnected", on_disconnected, uc);
        if (r >= 0)
                r = sd_bus_start(uc->peer);
        if (r >= 0)
                r = sd_bus_attach_event(uc->peer, uc->driver->server->event, SD_EVENT_PRIORITY_NORMAL);
        return r;
}

int lib_user_client_method_new(sd_bus_message *call, void *userdata, sd_bus_error *error) {
        LibDriverServer *s = userdata;
        const ioreg_user_client_class *klass;
        ioreg_user_client *uc;
        const char *name;
        uint64_t driver_id;
        uint32_t type, uid;
        int administrator, fd, r;
        ioreg_driver *d;
        ioreg_return_t ret;

        r = lib_driver_check_caller(s, call, error);
        if (r < 0)
                return r;
        r = sd_bus_message_read(call, "tuubh", &driver_id, &type, &uid, &administrator, &fd);
        if (r < 0)
                return r;
        d = lib_driver_find(s, driver_id);
        if (!d)
                return sd_bus_error_set(error, USER_CLIENT_ERROR_NO_SUCH_ENTRY, "No such instance here.");
        klass = d->klass->user_client;
        name = klass ? klass->name : NULL;
        if (klass && !name)
                name = json_string_value(json_object_get(d->properties, "IOUserClientClass"));
        if (!klass || !name || !*name)
                return sd_bus_error_set(error, USER_CLIENT_ERROR_UNSUPPORTED, "This driver has no user client class.");
        if (klass->requires_administrator && !administrator)
                return sd_bus_error_set(error, USER_CLIENT_ERROR_NOT_PRIVILEGED,
                                        "This driver's user clients are for administrators.");
        uc = calloc(1, sizeof(*uc));
        if (!uc)
                return -ENOMEM;
        *uc = (ioreg_user_client) {
                .driver = d,
                .klass = klass,
                .class_name = strdup(name),
                .handle = ++s->last_client_handle,
                .type = type,
                .uid = uid,
                .administrator = administrator,
                .call_fd = -1,
        };
        fd = fcntl(fd, F_DUPFD_CLOEXEC, 3); /* the message keeps its own */
        if (fd < 0 || !uc->class_name) {
                r = fd < 0 ? -errno : -ENOMEM;
                client_free(uc);
                return r;
        }
        r = peer_start(uc, fd);
        if (r < 0) {
                client_free(uc);
                return r;
        }
        /* In the list before init: the driver may send from there already. */
        uc->next = d->clients;
        d->clients = uc;
        ret = klass->init ? klass->init(uc, type, s->userdata) : IOREG_RETURN_SUCCESS;
        if (ret != IOREG_RETURN_SUCCESS) {
                uc->closed = true; /* refused: neither close nor died runs */
                client_unlink(uc);
                client_free(uc);
                return set_return_error(error, ret, "The driver refused the user client");
        }
        return sd_bus_reply_method_return(call, "st", name, uc->handle);
}

void lib_user_clients_drop(ioreg_driver *driver) {
        ioreg_user_client *uc;

        while ((uc = driver->clients)) {
                driver->clients = uc->next;
                uc->next = NULL;
                client_finish(uc, false);
                uc->driver = NULL; /* the teardown, if one was due, must not touch the driver */
                client_free(uc);
        }
}

/* ------------------------------------------------------------------------- */
/* Accessors and what a driver sends. */

ioreg_driver *ioreg_user_client_get_driver(const ioreg_user_client *client) {
        return client ? client->driver : NULL;
}

uint32_t ioreg_user_client_get_type(const ioreg_user_client *client) {
        return client ? client->type : 0;
}

uint32_t ioreg_user_client_get_uid(const ioreg_user_client *client) {
        return client ? client->uid : UINT32_MAX;
}

ioreg_return_t ioreg_user_client_has_privilege(const ioreg_user_client *client, const char *privilege) {
        if (!client || !privilege)
                return IOREG_RETURN_BAD_ARGUMENT;
        if (!streq(privilege, IOREG_CLIENT_PRIVILEGE_ADMINISTRATOR))
                return IOREG_RETURN_UNSUPPORTED;
        return client->administrator ? IOREG_RETURN_SUCCESS : IOREG_RETURN_NOT_PRIVILEGED;
}

void ioreg_user_client_set_context(ioreg_user_client *client, void *context) {
        if (client)
                client->context = context;
}

void *ioreg_user_client_get_context(const ioreg_user_client *client) {
        return client ? client->context : NULL;
}

ioreg_return_t ioreg_user_client_send_async_result(ioreg_user_client *client, const uint64_t *reference,
                                                   uint32_t n_reference, ioreg_return_t result,
                                                   const uint64_t *args, uint32_t n_args) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        int r;

        if (!client || !reference || n_reference == 0 || n_reference > USER_CLIENT_MAX_ASYNC_REF ||
            n_args > IOREG_MAX_SCALARS || (n_args > 0 && !args))
                return IOREG_RETURN_BAD_ARGUMENT;
        if (client->closed || !client->peer)
                return IOREG_RETURN_NOT_OPEN;
        r = sd_bus_message_new_signal(client->peer, &m, USER_CLIENT_PATH, USER_CLIENT_INTERFACE,
                                      USER_CLIENT_ASYNC_RESULT);
        if (r >= 0)
                r = sd_bus_message_append_array(m, 't', reference, n_reference * sizeof(uint64_t));
        if (r >= 0)
                r = sd_bus_message_append(m, "u", (uint32_t) result);
        if (r >= 0)
                r = sd_bus_message_append_array(m, 't', args ?: (const uint64_t *) "", n_args * sizeof(uint64_t));
        if (r >= 0)
                r = sd_bus_send(client->peer, m, NULL);
        return r < 0 ? lib_return_from_errno(r) : IOREG_RETURN_SUCCESS;
}

ioreg_return_t ioreg_user_client_send_notification(ioreg_user_client *client, ioreg_return_t result,
                                                   const uint64_t *args, uint32_t n_args) {
        if (!client)
                return IOREG_RETURN_BAD_ARGUMENT;
        if (client->n_notify_ref == 0)
                return IOREG_RETURN_NOT_READY;
        return ioreg_user_client_send_async_result(client, client->notify_ref, client->n_notify_ref, result, args,
                                                   n_args);
}

struct sd_event *ioreg_driver_get_event(const ioreg_driver *driver) {
        return driver && driver->server ? driver->server->event : NULL;
}
