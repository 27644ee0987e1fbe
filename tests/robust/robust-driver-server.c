/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * robust-driver-server.c: a driver server that misbehaves on purpose, for
 * test-robust-drivers.c (issue 23, H I J). Its personality's RobustBehavior:
 *
 *   "fork-crash"   start forks a child that waits forever, leaves its PID
 *                  in $TEST_STOP_DIR/child-ID, then the server crashes
 *   "fork-escape"  the same, but the child first leaves the process group
 *                  (setsid())
 *   "flood"        start succeeds, then a thread writes lines to stdout
 *                  without pause
 *   "many-nubs"    start publishes nubs until the daemon refuses one and
 *                  sets RobustNubs (how many it published) and RobustNubError
 *   "big-props"    start sets properties of 64 KiB each under new keys
 *                  until the daemon refuses and sets RobustPropsSet and
 *                  RobustPropsError
 */

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ioreg/ioreg.h>

static const char *behavior(ioreg_driver *d) {
        const char *b = json_string_value(json_object_get(ioreg_driver_get_properties(d), "RobustBehavior"));

        return b ? b : "";
}

static void write_child_pid(ioreg_driver *d, pid_t pid) {
        const char *dir = getenv("TEST_STOP_DIR");
        char path[512], tmp[520];
        FILE *f;

        snprintf(path, sizeof(path), "%s/child-%llx", dir ? dir : "/tmp", (unsigned long long) ioreg_driver_get_id(d));
        snprintf(tmp, sizeof(tmp), "%s.tmp", path);
        f = fopen(tmp, "we");
        if (!f)
                return;
        fprintf(f, "%d\n", (int) pid);
        fclose(f);
        (void) rename(tmp, path);
}

static void *flood(void *arg) {
        static const char line[] = "flooding the daemon's log with one more line of output, and another\n";

        for (;;)
                if (write(STDOUT_FILENO, line, sizeof(line) - 1) < 0)
                        return NULL;
}

static ioreg_return_t robust_start(ioreg_driver *d, void *userdata) {
        const char *b = behavior(d);

        if (strcmp(b, "fork-crash") == 0 || strcmp(b, "fork-escape") == 0) {
                pid_t pid = fork();

                if (pid < 0)
                        return IOREG_RETURN_ERROR;
                if (pid == 0) {
                        if (strcmp(b, "fork-escape") == 0)
                                (void) setsid();
                        for (;;)
                                pause();
                }
                write_child_pid(d, pid);
                abort(); /* the crash */
        }
        if (strcmp(b, "flood") == 0) {
                pthread_t t;

                return pthread_create(&t, NULL, flood, NULL) == 0 ? IOREG_RETURN_SUCCESS : IOREG_RETURN_ERROR;
        }
        if (strcmp(b, "many-nubs") == 0) {
                ioreg_return_t r = IOREG_RETURN_SUCCESS;
                json_t *mine;
                int n = 0;

                while (n < 100000) {
                        json_t *p = json_pack("{s:i}", "RobustNubIndex", n);

                        r = ioreg_driver_register_nub(d, "RobustNub", NULL, p, NULL);
                        json_decref(p);
                        if (r != IOREG_RETURN_SUCCESS)
                                break;
                        n++;
                }
                mine = json_pack("{s:i, s:s}", "RobustNubs", n, "RobustNubError", ioreg_return_string(r));
                (void) ioreg_driver_set_properties(d, mine);
                json_decref(mine);
                return IOREG_RETURN_SUCCESS;
        }
        if (strcmp(b, "big-props") == 0) {
                char *big = malloc(64 * 1024 + 1);
                ioreg_return_t r = IOREG_RETURN_SUCCESS;
                json_t *mine;
                int n = 0;

                if (!big)
                        return IOREG_RETURN_NO_MEMORY;
                memset(big, 'x', 64 * 1024);
                big[64 * 1024] = '\0';
                while (n < 1000) {
                        char key[32];
                        json_t *p;

                        snprintf(key, sizeof(key), "RobustBig%d", n);
                        p = json_pack("{s:s}", key, big);
                        r = ioreg_driver_set_properties(d, p);
                        json_decref(p);
                        if (r != IOREG_RETURN_SUCCESS)
                                break;
                        n++;
                }
                free(big);
                mine = json_pack("{s:i, s:s}", "RobustPropsSet", n, "RobustPropsError", ioreg_return_string(r));
                (void) ioreg_driver_set_properties(d, mine);
                json_decref(mine);
                return IOREG_RETURN_SUCCESS;
        }
        return IOREG_RETURN_SUCCESS;
}

int main(void) {
        static const ioreg_driver_class classes[] = {
                { "RobustDriver", NULL, robust_start, NULL, NULL },
        };

        return ioreg_driver_server_run(classes, 1, NULL);
}
