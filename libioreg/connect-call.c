/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * connect-call.c: IOConnectCallMethod and its scalar, struct and async
 * variants (ioreg/connect.h). Synchronous calls go over the call socket
 * (user-client-wire.h, 3a; structures past 64 KiB in a memfd), async ones
 * (and all, where the server has no call socket) over sd-bus (CallMethod).
 */

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "connect-internal.h"

void lib_connect_attach_call_socket(LibConnect *c) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        uint32_t result = IOREG_RETURN_ERROR;
        int sv[2];

        /* Without it every call goes through CallMethod: slower, the same. */
        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
                return;
        /* Room for the largest packet each way, also where wmem_default is small (capped by wmem_max). */
        for (int i = 0; i < 2; i++)
                (void) setsockopt(sv[i], SOL_SOCKET, SO_SNDBUF, &(int) { USER_CLIENT_CALL_SOCKET_SNDBUF },
                                  sizeof(int));
        if (sd_bus_call_method(c->peer, NULL, USER_CLIENT_PATH, USER_CLIENT_INTERFACE, USER_CLIENT_ATTACH_CALL_SOCKET,
                               &error, &reply, "h", sv[1]) >= 0)
                (void) sd_bus_message_read(reply, "u", &result);
        close(sv[1]);
        if (result == IOREG_RETURN_SUCCESS)
                c->call_fd = sv[0];
        else
                close(sv[0]);
}

/* Whether a call's structures travel in a memfd (wire 3a, USER_CLIENT_CALL_MEMFD) rather than in the packets. */
static bool needs_memfd(size_t input_struct_size, size_t struct_cap) {
        return input_struct_size > USER_CLIENT_CALL_SOCKET_MAX_STRUCT || struct_cap > USER_CLIENT_CALL_SOCKET_MAX_STRUCT;
}

/* A memfd of size bytes holding data (or zeros), sealed with seals: the fd, or -errno. */
static int call_memfd_new(const void *data, size_t size, int seals) {
        _cleanup_close_ int fd = -1;

        fd = memfd_create("ioreg-call", MFD_CLOEXEC | MFD_ALLOW_SEALING);
        if (fd < 0 || ftruncate(fd, (off_t) size) < 0)
                return -errno;
        for (size_t done = 0; data && done < size;) {
                ssize_t w = pwrite(fd, (const uint8_t *) data + done, size - done, (off_t) done);

                if (w < 0 && errno == EINTR)
                        continue;
                if (w <= 0)
                        return w < 0 ? -errno : -EIO;
                done += (size_t) w;
        }
        if (fcntl(fd, F_ADD_SEALS, seals) < 0)
                return -errno;
        return TAKE_FD(fd);
}

/* The output the server left in its memfd, into the caller's buffer. */
static int call_memfd_read(int fd, void *output_struct, size_t size) {
        for (size_t done = 0; done < size;) {
                ssize_t r = pread(fd, (uint8_t *) output_struct + done, size - done, (off_t) done);

                if (r < 0 && errno == EINTR)
                        continue;
                if (r <= 0)
                        return r < 0 ? -errno : -EIO;
                done += (size_t) r;
        }
        return 0;
}

/*
 * One synchronous call on the call socket (wire 3a): one packet out, one
 * back, the structures sent from and read straight into the caller's
 * buffers, or, past 64 KiB, in a memfd the server maps.
 * -EMSGSIZE when the packet could not be sent (nothing went: the caller
 * may use CallMethod instead), else 0 with the call's result in *ret.
 */
static int call_on_socket(LibConnect *c, uint32_t selector, const uint64_t *input, uint32_t input_count,
                          const void *input_struct, size_t input_struct_size, uint64_t *output,
                          uint32_t *output_count, void *output_struct, size_t *output_struct_size,
                          ioreg_return_t *ret) {
        UserClientCallRequest req = {
                .selector = selector,
                .scalar_input_count = input_count,
                .structure_input_size = (uint32_t) input_struct_size,
                .scalar_output_capacity = output_count ? *output_count : 0,
                .structure_output_capacity = output_struct_size ? (uint32_t) *output_struct_size : 0,
        };
        bool use_memfd = needs_memfd(input_struct_size, req.structure_output_capacity);
        UserClientCallReply rep;
        struct iovec out_iov[2] = { { &req, sizeof(req) }, { (void *) input_struct, use_memfd ? 0 : input_struct_size } };
        struct iovec in_iov[2] = { { &rep, sizeof(rep) },
                                   { output_struct, use_memfd ? 0 : req.structure_output_capacity } };
        union {
                struct cmsghdr cm;
                uint8_t buf[CMSG_SPACE(2 * sizeof(int))];
        } control = {};
        struct msghdr out = { .msg_iov = out_iov, .msg_iovlen = 2 };
        struct msghdr in = { .msg_iov = in_iov, .msg_iovlen = 2 };
        _cleanup_close_ int in_fd = -1, out_fd = -1;
        int fds[2], n_fds = 0;
        ssize_t n;

        if (use_memfd) {
                /* The input cannot change once sent; the output's pages stay while the driver writes. */
                if (input_struct_size > 0 &&
                    (fds[n_fds++] = in_fd = call_memfd_new(input_struct, input_struct_size,
                                                           USER_CLIENT_CALL_INPUT_SEALS)) < 0)
                        return -EMSGSIZE;
                if (req.structure_output_capacity > 0 &&
                    (fds[n_fds++] = out_fd = call_memfd_new(NULL, req.structure_output_capacity,
                                                            USER_CLIENT_CALL_OUTPUT_SEALS)) < 0)
                        return -EMSGSIZE;
                req.flags = USER_CLIENT_CALL_MEMFD;
                out.msg_control = &control;
                out.msg_controllen = CMSG_SPACE(n_fds * sizeof(int));
                control.cm = (struct cmsghdr) { .cmsg_len = CMSG_LEN(n_fds * sizeof(int)), .cmsg_level = SOL_SOCKET,
                                                .cmsg_type = SCM_RIGHTS };
                memcpy(CMSG_DATA(&control.cm), fds, n_fds * sizeof(int));
        }
        if (input_count > 0)
                memcpy(req.scalar_input, input, input_count * sizeof(uint64_t));
        do
                n = sendmsg(c->call_fd, &out, MSG_NOSIGNAL);
        while (n < 0 && errno == EINTR);
        if (n < 0 && (errno == EMSGSIZE || errno == ENOBUFS || errno == ENOMEM))
                return -EMSGSIZE;
        if (n >= 0)
                do
                        n = recvmsg(c->call_fd, &in, MSG_CMSG_CLOEXEC);
                while (n < 0 && errno == EINTR);
        if (n <= 0) {
                /* The server went (crashed, or its driver stopped): for good, as on the peer. */
                c->dead = true;
                *ret = IOREG_RETURN_NO_DEVICE;
                return 0;
        }
        if ((size_t) n < sizeof(rep) || (in.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) ||
            (size_t) n != sizeof(rep) + (use_memfd ? 0 : rep.structure_output_size) ||
            rep.scalar_output_count > req.scalar_output_capacity ||
            rep.structure_output_size > req.structure_output_capacity ||
            (out_fd >= 0 && call_memfd_read(out_fd, output_struct, rep.structure_output_size) < 0)) {
                *ret = IOREG_RETURN_IPC_ERROR; /* the server broke the protocol */
                return 0;
        }
        if (rep.scalar_output_count > 0)
                memcpy(output, rep.scalar_output, rep.scalar_output_count * sizeof(uint64_t));
        if (output_count)
                *output_count = rep.scalar_output_count;
        if (output_struct_size)
                *output_struct_size = rep.structure_output_size;
        *ret = (ioreg_return_t) rep.result;
        return 0;
}

/*
 * One CallMethod on the peer. Capacities go in, actuals come back; the
 * outputs are written only as far as the driver produced them.
 */
static ioreg_return_t call(ioreg_connect_t connect, uint32_t selector, ioreg_notification_port_t port,
                           const uint64_t *reference, uint32_t n_reference, const uint64_t *input,
                           uint32_t input_count, const void *input_struct, size_t input_struct_size,
                           uint64_t *output, uint32_t *output_count, void *output_struct,
                           size_t *output_struct_size) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL, *reply = NULL;
        LibConnect *c = lib_connect_cast(connect);
        uint32_t scalar_cap = output_count ? *output_count : 0;
        size_t struct_cap = output_struct_size ? *output_struct_size : 0;
        const void *scalars = NULL, *bytes = NULL;
        size_t n_scalars = 0, n_bytes = 0;
        ioreg_return_t ret;
        uint32_t result;
        sd_bus *peer;
        int r;

        if (!c || input_count > IOREG_MAX_SCALARS || (input_count > 0 && !input) ||
            input_struct_size > USER_CLIENT_MAX_STRUCT || (input_struct_size > 0 && !input_struct) ||
            scalar_cap > IOREG_MAX_SCALARS || (scalar_cap > 0 && !output) || struct_cap > USER_CLIENT_MAX_STRUCT ||
            (struct_cap > 0 && !output_struct))
                return IOREG_RETURN_BAD_ARGUMENT;
        if (reference && (n_reference < 2 || n_reference > IOREG_ASYNC_REF_COUNT || !port))
                return IOREG_RETURN_BAD_ARGUMENT;
        peer = lib_connect_lock(c, &ret);
        if (!peer)
                return ret;
        if (!reference && c->call_fd >= 0 &&
            call_on_socket(c, selector, input, input_count, input_struct, input_struct_size, output, output_count,
                           output_struct, output_struct_size, &ret) >= 0) {
                lib_connect_process(c);
                lib_connect_unlock(c);
                return ret;
        }
        /* The callback becomes callable before the driver can answer. */
        if (reference) {
                r = lib_connect_use_port(c, port);
                if (r >= 0)
                        r = lib_connect_add_callout(c, reference, n_reference);
                if (r < 0) {
                        lib_connect_unlock(c);
                        return lib_return_from_errno(r);
                }
        }
        r = sd_bus_message_new_method_call(peer, &m, NULL, USER_CLIENT_PATH, USER_CLIENT_INTERFACE,
                                           USER_CLIENT_CALL_METHOD);
        if (r >= 0)
                r = sd_bus_message_append(m, "u", selector);
        if (r >= 0)
                r = sd_bus_message_append_array(m, 't', input, input_count * sizeof(uint64_t));
        if (r >= 0)
                r = sd_bus_message_append_array(m, 'y', input_struct, input_struct_size);
        if (r >= 0)
                r = sd_bus_message_append(m, "uu", scalar_cap, (uint32_t) struct_cap);
        if (r >= 0)
                r = sd_bus_message_append_array(m, 't', reference, reference ? n_reference * sizeof(uint64_t) : 0);
        if (r < 0) {
                lib_connect_unlock(c);
                return lib_return_from_errno(r);
        }
        r = lib_connect_call(c, m, &error, &reply);
        if (r >= 0)
                r = sd_bus_message_read(reply, "u", &result);
        if (r >= 0)
                r = sd_bus_message_read_array(reply, 't', &scalars, &n_scalars);
        if (r >= 0)
                r = sd_bus_message_read_array(reply, 'y', &bytes, &n_bytes);
        if (r < 0) {
                ret = lib_connect_failed(c, &error, r);
                lib_connect_unlock(c);
                return ret;
        }
        n_scalars /= sizeof(uint64_t);
        if (n_scalars > scalar_cap || n_bytes > struct_cap)
                ret = IOREG_RETURN_IPC_ERROR; /* the server broke the protocol */
        else {
                ret = (ioreg_return_t) result;
                if (n_scalars > 0)
                        memcpy(output, scalars, n_scalars * sizeof(uint64_t));
                if (n_bytes > 0)
                        memcpy(output_struct, bytes, n_bytes);
                if (output_count)
                        *output_count = (uint32_t) n_scalars;
                if (output_struct_size)
                        *output_struct_size = n_bytes;
        }
        lib_connect_process(c);
        lib_connect_unlock(c);
        return ret;
}

ioreg_return_t ioreg_connect_call_method(ioreg_connect_t connect, uint32_t selector, const uint64_t *input,
                                         uint32_t input_count, const void *input_struct, size_t input_struct_size,
                                         uint64_t *output, uint32_t *output_count, void *output_struct,
                                         size_t *output_struct_size) {
        return call(connect, selector, NULL, NULL, 0, input, input_count, input_struct, input_struct_size, output,
                    output_count, output_struct, output_struct_size);
}

ioreg_return_t ioreg_connect_call_async_method(ioreg_connect_t connect, uint32_t selector,
                                               ioreg_notification_port_t wake_port, uint64_t *reference,
                                               uint32_t reference_count, const uint64_t *input,
                                               uint32_t input_count, const void *input_struct,
                                               size_t input_struct_size, uint64_t *output,
                                               uint32_t *output_count, void *output_struct,
                                               size_t *output_struct_size) {
        if (!reference || !wake_port)
                return IOREG_RETURN_BAD_ARGUMENT;
        return call(connect, selector, wake_port, reference, reference_count, input, input_count, input_struct,
                    input_struct_size, output, output_count, output_struct, output_struct_size);
}

ioreg_return_t ioreg_connect_call_scalar_method(ioreg_connect_t connect, uint32_t selector, const uint64_t *input,
                                                uint32_t input_count, uint64_t *output, uint32_t *output_count) {
        return ioreg_connect_call_method(connect, selector, input, input_count, NULL, 0, output, output_count, NULL,
                                         NULL);
}

ioreg_return_t ioreg_connect_call_struct_method(ioreg_connect_t connect, uint32_t selector, const void *input_struct,
                                                size_t input_struct_size, void *output_struct,
                                                size_t *output_struct_size) {
        return ioreg_connect_call_method(connect, selector, NULL, 0, input_struct, input_struct_size, NULL, NULL,
                                         output_struct, output_struct_size);
}

ioreg_return_t ioreg_connect_call_async_scalar_method(ioreg_connect_t connect, uint32_t selector,
                                                      ioreg_notification_port_t wake_port, uint64_t *reference,
                                                      uint32_t reference_count, const uint64_t *input,
                                                      uint32_t input_count, uint64_t *output,
                                                      uint32_t *output_count) {
        return ioreg_connect_call_async_method(connect, selector, wake_port, reference, reference_count, input,
                                               input_count, NULL, 0, output, output_count, NULL, NULL);
}

ioreg_return_t ioreg_connect_call_async_struct_method(ioreg_connect_t connect, uint32_t selector,
                                                      ioreg_notification_port_t wake_port, uint64_t *reference,
                                                      uint32_t reference_count, const void *input_struct,
                                                      size_t input_struct_size, void *output_struct,
                                                      size_t *output_struct_size) {
        return ioreg_connect_call_async_method(connect, selector, wake_port, reference, reference_count, NULL, 0,
                                               input_struct, input_struct_size, NULL, NULL, output_struct,
                                               output_struct_size);
}
