/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* driver-launch.c: see driver-launch.h. */

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "driver-launch.h"
#include "driver-user.h"
#include "protocol.h"

int driver_launch_credentials(const DriverSpec *spec, uid_t dynamic_uid, uid_t *ret_uid, gid_t *ret_gid) {
        const char *user = spec->user;
        struct passwd *pw = NULL;
        uid_t uid = geteuid();
        gid_t gid = getegid();

        if (!user && uid == 0 && dynamic_uid != DRIVER_UID_INVALID) {
                uid = dynamic_uid;
                gid = (gid_t) dynamic_uid;
        } else if (user || uid == 0) {
                if (!user)
                        user = DRIVER_FALLBACK_USER; /* no user of its own could be made (driver-user.h) */
                errno = 0;
                pw = getpwnam(user);
                if (!pw)
                        return errno > 0 ? -errno : -ESRCH;
                if (geteuid() != 0 && pw->pw_uid != geteuid())
                        return -EPERM;
                uid = pw->pw_uid;
                gid = pw->pw_gid;
        }
        if (spec->group) {
                struct group *gr;

                errno = 0;
                gr = getgrnam(spec->group);
                if (!gr)
                        return errno > 0 ? -errno : -ESRCH;
                if (geteuid() != 0 && gr->gr_gid != getegid())
                        return -EPERM;
                gid = gr->gr_gid;
        }
        *ret_uid = uid;
        *ret_gid = gid;
        return 0;
}

/* Runs fn(uid) in a child that took uid (and nothing else); its result, or -errno. */
static int as_user(uid_t uid, int (*fn)(void)) {
        pid_t pid = fork();
        int status;

        if (pid < 0)
                return -errno;
        if (pid == 0) {
                if (setgroups(0, NULL) < 0 || setresgid((gid_t) uid, (gid_t) uid, (gid_t) uid) < 0 ||
                    setresuid(uid, uid, uid) < 0)
                        _exit(2);
                _exit(fn());
        }
        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR)
                        return -errno;
        return WIFEXITED(status) ? WEXITSTATUS(status) : -ECHILD;
}

static int kill_all_sig; /* read by the child of as_user() */

/* In the child of as_user(): every process of its UID but itself gets the signal. */
static int kill_all(void) {
        return kill(-1, kill_all_sig) == 0 || errno == ESRCH ? 0 : 1;
}

void driver_launch_kill_tree(pid_t leader, uid_t uid, bool dynamic, int sig) {
        if (leader > 0)
                (void) kill(-leader, sig);
        if (dynamic && geteuid() == 0) {
                kill_all_sig = sig;
                (void) as_user(uid, kill_all);
        }
}

static char **build_env(const DriverSpec *spec, const char *bus_address) {
        size_t n = 0, k = 0;
        char **env;

        while (spec->env && spec->env[n])
                n++;
        env = calloc(n + 4, sizeof(char *));
        if (!env)
                return NULL;
        if (!(env[k++] = strdup("PATH=/usr/bin:/bin")) ||
            asprintf(&env[k++], "%s=%s", IOREG_BUS_ADDRESS_ENV, bus_address) < 0 ||
            asprintf(&env[k++], "%s=%s", IOREG_SERVER_NAME_ENV, spec->server_name) < 0) {
                if (k > 0)
                        env[k - 1] = NULL;
                strv_free(env);
                return NULL;
        }
        for (size_t i = 0; i < n; i++)
                if (!(env[k++] = strdup(spec->env[i]))) {
                        strv_free(env);
                        return NULL;
                }
        return env;
}

/* In the child: only async-signal-safe calls from here on. */
__attribute__((noreturn)) static void child(const DriverSpec *spec, char **env, uid_t uid, gid_t gid, int out, int err,
                             pid_t parent) {
        static const char msg[] = "ioregd: cannot set up the driver server's process\n";
        sigset_t none;
        int null;

        sigemptyset(&none);
        (void) sigprocmask(SIG_SETMASK, &none, NULL);
        for (int sig = 1; sig < _NSIG; sig++)
                (void) signal(sig, SIG_DFL);
        (void) prctl(PR_SET_PDEATHSIG, SIGTERM);
        if (getppid() != parent) /* the daemon died before the line above */
                _exit(1);
        /* A session and process group of its own: what it forks goes with it (driver_launch_kill_tree()). */
        if (setsid() < 0)
                _exit(126);
        null = open("/dev/null", O_RDONLY | O_CLOEXEC);
        if (null < 0 || dup2(null, STDIN_FILENO) < 0 || dup2(out, STDOUT_FILENO) < 0 ||
            dup2(err, STDERR_FILENO) < 0)
                _exit(126);
        (void) syscall(SYS_close_range, 3U, ~0U, 0U);
        if (chdir("/") < 0)
                goto fail;
        if (geteuid() == 0) {
                if (setgroups(0, NULL) < 0 || setresgid(gid, gid, gid) < 0 || setresuid(uid, uid, uid) < 0)
                        goto fail;
        }
        execve(spec->executable, spec->argv, env);
        /* stderr is the pipe: the daemon logs this under the server's name. */
        (void) !write(STDERR_FILENO, "ioregd: cannot execute ", 23);
        (void) !write(STDERR_FILENO, spec->executable, strlen(spec->executable));
        (void) !write(STDERR_FILENO, "\n", 1);
        _exit(127);
fail:
        (void) !write(STDERR_FILENO, msg, sizeof(msg) - 1);
        _exit(126);
}

int driver_launch(const DriverSpec *spec, const char *bus_address, uid_t dynamic_uid, DriverProcess *ret) {
        _cleanup_strv_free_ char **env = NULL;
        int out[2] = { -1, -1 }, err[2] = { -1, -1 };
        pid_t parent = getpid(), pid;
        uid_t uid;
        gid_t gid;
        int r;

        r = driver_launch_credentials(spec, dynamic_uid, &uid, &gid);
        if (r < 0)
                return r;
        env = build_env(spec, bus_address);
        if (!env)
                return -ENOMEM;
        if (pipe2(out, O_CLOEXEC) < 0 || pipe2(err, O_CLOEXEC) < 0) {
                r = -errno;
                goto fail;
        }
        pid = fork();
        if (pid < 0) {
                r = -errno;
                goto fail;
        }
        if (pid == 0)
                child(spec, env, uid, gid, out[1], err[1], parent);
        close(out[1]);
        close(err[1]);
        (void) fcntl(out[0], F_SETFL, O_NONBLOCK);
        (void) fcntl(err[0], F_SETFL, O_NONBLOCK);
        *ret = (DriverProcess) { .pid = pid, .uid = uid, .gid = gid, .dynamic = dynamic_uid != DRIVER_UID_INVALID && uid == dynamic_uid,
                                 .out_fd = out[0], .err_fd = err[0] };
        return 0;
fail:
        for (int i = 0; i < 2; i++) {
                if (out[i] >= 0)
                        close(out[i]);
                if (err[i] >= 0)
                        close(err[i]);
        }
        return r;
}
