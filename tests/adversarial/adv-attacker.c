/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * adv-attacker.c: attackers are this program again, run as uid/gid
 * ADV_UID with no supplementary groups (what setpriv --reuid --regid
 * --clear-groups does), with "--attacker NAME ADDRESS ARGS...". A pipe on
 * fd 3 carries its "ready" byte.
 */

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "adv-internal.h"
#include "macro.h"
#include "process.h"

#define READY_FD 3
#define READY_TIMEOUT_MSEC 30000

static const AdvAttacker *find_attacker(const AdvCase *c, const char *name) {
        for (const AdvAttacker *a = c->attackers; a && a->name; a++)
                if (streq(a->name, name))
                        return a;
        return NULL;
}

sd_bus *adv_connect(const char *address) {
        sd_bus *bus = NULL;
        int r = test_bus_connect_address(address, &bus);

        if (r < 0) {
                fprintf(stderr, "attacker: cannot connect to %s: %s\n", address, strerror(-r));
                exit(2);
        }
        return bus;
}

void adv_attacker_ready(void) {
        static bool done;

        if (done)
                return;
        done = true;
        (void) !write(READY_FD, "r", 1);
        close(READY_FD);
}

int adv_attacker_main(const AdvCase *c, int argc, char **argv) {
        const AdvAttacker *a = find_attacker(c, argv[2]);

        if (!a) {
                fprintf(stderr, "no attacker '%s' in case %s\n", argv[2], c->name);
                return 2;
        }
        if (getuid() != ADV_UID || geteuid() != ADV_UID) {
                fprintf(stderr, "attacker %s: not running as uid %d\n", a->name, ADV_UID);
                return 2;
        }
        return a->fn(argv[3], argc - 4, argv + 4);
}

static int remember(Adv *adv, pid_t pid) {
        for (unsigned i = 0; i < ADV_MAX_ATTACKERS; i++)
                if (adv->attackers[i] == 0) {
                        adv->attackers[i] = pid;
                        return 0;
                }
        return -EUSERS;
}

static void forget(Adv *adv, pid_t pid) {
        for (unsigned i = 0; i < ADV_MAX_ATTACKERS; i++)
                if (adv->attackers[i] == pid)
                        adv->attackers[i] = 0;
}

int adv_attacker_start(Adv *adv, const char *name, const char *const *args, bool wait_ready, pid_t *ret_pid) {
        char exe[4096];
        const char *argv[64];
        unsigned n = 0;
        int pipefd[2], r;
        ssize_t len;
        pid_t pid;

        if (!find_attacker(adv->the_case, name))
                return -ENOENT;
        len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
        if (len < 0)
                return -errno;
        exe[len] = '\0';
        argv[n++] = exe;
        argv[n++] = "--attacker";
        argv[n++] = name;
        argv[n++] = adv_address(adv);
        for (; args && *args; args++) {
                if (n >= ELEMENTSOF(argv) - 1)
                        return -E2BIG;
                argv[n++] = *args;
        }
        argv[n] = NULL;
        if (pipe2(pipefd, O_CLOEXEC) < 0)
                return -errno;
        pid = fork();
        if (pid < 0) {
                r = -errno;
                close(pipefd[0]);
                close(pipefd[1]);
                return r;
        }
        if (pid == 0) {
                (void) prctl(PR_SET_PDEATHSIG, SIGKILL);
                unsetenv("LD_PRELOAD");
                if (dup2(pipefd[1], READY_FD) < 0 || setgroups(0, NULL) < 0 ||
                    setresgid(ADV_UID, ADV_UID, ADV_UID) < 0 || setresuid(ADV_UID, ADV_UID, ADV_UID) < 0)
                        _exit(127);
                execv(exe, (char *const *) argv);
                _exit(127);
        }
        close(pipefd[1]);
        r = remember(adv, pid);
        if (r >= 0 && wait_ready) {
                struct pollfd pfd = { .fd = pipefd[0], .events = POLLIN };
                char c;

                r = poll(&pfd, 1, READY_TIMEOUT_MSEC);
                if (r == 0)
                        r = -ETIMEDOUT;
                else if (r > 0)
                        r = read(pipefd[0], &c, 1) == 1 ? 0 : -EPIPE; /* EOF: it exited first */
                else
                        r = -errno;
        }
        close(pipefd[0]);
        if (r < 0) {
                fprintf(stderr, "attacker %s did not get ready: %s\n", name, strerror(-r));
                adv_attacker_kill(adv, pid);
                return r;
        }
        *ret_pid = pid;
        return 0;
}

int adv_attacker_wait(Adv *adv, pid_t pid, uint64_t timeout_msec) {
        uint64_t end = now_msec() + timeout_msec;
        int status;

        for (;;) {
                pid_t w = waitpid(pid, &status, WNOHANG);

                if (w == pid)
                        break;
                if (w < 0)
                        return -errno;
                if (now_msec() >= end) {
                        adv_attacker_kill(adv, pid);
                        return -ETIMEDOUT;
                }
                usleep(20 * 1000);
        }
        forget(adv, pid);
        if (WIFEXITED(status))
                return WEXITSTATUS(status);
        return 128 + WTERMSIG(status);
}

void adv_attacker_kill(Adv *adv, pid_t pid) {
        if (pid <= 0)
                return;
        (void) kill(pid, SIGKILL);
        (void) waitpid(pid, NULL, 0);
        forget(adv, pid);
}

void adv_attacker_kill_all(Adv *adv) {
        for (unsigned i = 0; i < ADV_MAX_ATTACKERS; i++)
                if (adv->attackers[i])
                        adv_attacker_kill(adv, adv->attackers[i]);
}
