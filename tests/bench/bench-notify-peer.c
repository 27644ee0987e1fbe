/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* bench-notify-peer.c: see bench-notify-peer.h. */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <systemd/sd-event.h>

#include "bench-notify-peer.h"
#include "macro.h"
#include "protocol.h"
#include "test-bus.h"

typedef struct Sender {
        sd_bus *bus;                /* owned */
        char *const *names;         /* borrowed (the parent's memory, copied by fork) */
        unsigned n;
        sd_bus_message *body;       /* borrowed, read only */
} Sender;

static int send_copy(Sender *s, const char *destination) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        int r;

        r = sd_bus_message_new_signal(s->bus, &m, IOREG_OBJECT_PATH, IOREG_NOTIFY_INTERFACE, "Notification");
        if (r >= 0 && destination)
                r = sd_bus_message_set_destination(m, destination);
        if (r >= 0)
                r = sd_bus_message_rewind(s->body, true);
        if (r >= 0)
                r = sd_bus_message_copy(m, s->body, true);
        if (r >= 0)
                r = sd_bus_send(s->bus, m, NULL);
        return r;
}

static int on_command(sd_event_source *source, int fd, uint32_t revents, void *userdata) {
        Sender *s = userdata;
        char kind;
        int r = 0;

        if (read(fd, &kind, 1) != 1)
                return sd_event_exit(sd_event_source_get_event(source), 0); /* the parent is done */
        if (kind == BENCH_SEND_BROADCAST)
                r = send_copy(s, NULL);
        else
                for (unsigned i = 0; i < s->n && r >= 0; i++)
                        r = send_copy(s, s->names[i]);
        if (r < 0)
                fprintf(stderr, "bench-notify: the bare sender cannot send: %s\n", strerror(-r));
        return 0;
}

static int sender_main(const char *address, Sender *s, int cmd_fd, int name_fd) {
        _cleanup_(sd_event_unrefp) sd_event *e = NULL;
        const char *unique = NULL;
        int r;

        r = test_bus_connect_address(address, &s->bus);
        if (r >= 0)
                r = sd_bus_get_unique_name(s->bus, &unique);
        if (r < 0)
                return r;
        if (write(name_fd, unique, strlen(unique) + 1) < 0)
                return -errno;
        close(name_fd);
        r = sd_event_new(&e);
        if (r >= 0)
                r = sd_bus_attach_event(s->bus, e, 0); /* the subscribers' Acks are read and dropped */
        if (r >= 0)
                r = sd_event_add_io(e, NULL, cmd_fd, EPOLLIN, on_command, s);
        if (r >= 0)
                r = sd_event_loop(e);
        sd_bus_flush_close_unref(s->bus);
        return r;
}

int bench_sender_start(const char *address, char *const *names, unsigned n, sd_bus_message *body,
                       BenchSender *ret) {
        int cmd[2], name[2];
        ssize_t k;
        pid_t pid;

        if (pipe2(cmd, O_CLOEXEC) < 0)
                return -errno;
        if (pipe2(name, O_CLOEXEC) < 0) {
                close(cmd[0]);
                close(cmd[1]);
                return -errno;
        }
        pid = fork();
        if (pid < 0)
                return -errno;
        if (pid == 0) {
                Sender s = { .names = names, .n = n, .body = body };

                (void) prctl(PR_SET_PDEATHSIG, SIGTERM);
                /*
                 * Keep only the two pipes: the parent's bus sockets and the daemon's event pipe
                 * must close when the parent closes them (the daemon exits on that pipe's end).
                 */
                if (dup2(cmd[0], 3) < 0 || dup2(name[1], 4) < 0)
                        _exit(1);
                (void) close_range(5, ~0U, 0);
                _exit(sender_main(address, &s, 3, 4) < 0 ? 1 : 0);
        }
        close(cmd[0]);
        close(name[1]);
        *ret = (BenchSender) { .pid = pid, .cmd_fd = cmd[1] };
        k = read(name[0], ret->name, sizeof(ret->name) - 1);
        close(name[0]);
        if (k <= 1) {
                bench_sender_stop(ret);
                return -EIO;
        }
        ret->name[k - 1] = '\0';
        return 0;
}

int bench_sender_fire(BenchSender *s, BenchSendKind kind) {
        char c = (char) kind;

        return write(s->cmd_fd, &c, 1) == 1 ? 0 : -EIO;
}

void bench_sender_stop(BenchSender *s) {
        if (s->pid <= 0)
                return;
        close(s->cmd_fd);
        (void) waitpid(s->pid, NULL, 0);
        s->pid = 0;
}

uint64_t bench_process_cpu_nsec(pid_t pid) {
        char path[64];
        DIR *d;
        struct dirent *de;
        uint64_t sum = 0;

        snprintf(path, sizeof(path), "/proc/%d/task", (int) pid);
        d = opendir(path);
        if (!d)
                return 0;
        while ((de = readdir(d))) {
                char file[320];
                unsigned long long ns;
                FILE *f;

                if (de->d_name[0] == '.')
                        continue;
                snprintf(file, sizeof(file), "/proc/%d/task/%s/schedstat", (int) pid, de->d_name);
                f = fopen(file, "re");
                if (!f)
                        continue;
                if (fscanf(f, "%llu", &ns) == 1)
                        sum += ns;
                fclose(f);
        }
        closedir(d);
        return sum;
}

/* The process named comm among pid's children (dbus-broker-launch runs dbus-broker), or pid. */
pid_t bench_child_named(pid_t pid, const char *comm) {
        DIR *d = opendir("/proc");
        struct dirent *de;
        pid_t found = pid;

        while (d && (de = readdir(d))) {
                char file[320], name[64];
                int child, parent;
                FILE *f;

                if (de->d_name[0] < '0' || de->d_name[0] > '9')
                        continue;
                snprintf(file, sizeof(file), "/proc/%s/stat", de->d_name);
                f = fopen(file, "re");
                if (!f)
                        continue;
                /* pid (comm) state ppid: comm has no spaces for the names asked here */
                if (fscanf(f, "%d (%63[^)]) %*c %d", &child, name, &parent) == 3 && parent == pid &&
                    strcmp(name, comm) == 0)
                        found = child;
                fclose(f);
        }
        if (d)
                closedir(d);
        return found;
}
