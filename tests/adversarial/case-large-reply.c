/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * case-large-reply (issue 23 B1): no answer may exceed the bus's maximum
 * message size; dbus-daemon drops a sender that sends one. The bus here
 * allows MAX_MESSAGE bytes and ioregd is told so (--max-message-size),
 * serving a saved Mac registry (ioreg -l, full properties) whose IOService
 * plane is several times larger. As uid 65534:
 *  - GetPlane, 20 times: each refused with org.ioreg.Error.LimitsExceeded;
 *  - ObjectManager.GetManagedObjects: answered (entries without their
 *    property tables, which are Get-only);
 *  - `ioreg -l`: prints every entry (libioreg reads the plane with
 *    GetPlaneBlob, GetPlanePage's pages as byte arrays, each page under
 *    the limit).
 * Before the fix the first GetPlane took the daemon off the bus.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "adv.h"
#include "protocol.h"

#define MAX_MESSAGE "524288"
#define SNAPSHOT TEST_DATA "/ioreg/hackintosh-M17xR2-MacBookPro8,3-ioreg-l.txt"
#define IOREG_CLI BUILD_ROOT "/cli/ioreg"

static int attack_getplane(const char *address, int argc, char **argv) {
        sd_bus *bus = adv_connect(address);
        unsigned refused = 0;

        for (unsigned i = 0; i < 20; i++) {
                sd_bus_error error = SD_BUS_ERROR_NULL;
                sd_bus_message *reply = NULL;

                if (sd_bus_call_method(bus, IOREG_BUS_NAME, IOREG_OBJECT_PATH, IOREG_INTERFACE, "GetPlane", &error,
                                       &reply, "s", "IOService") < 0 &&
                    sd_bus_error_has_name(&error, IOREG_ERROR_LIMITS_EXCEEDED))
                        refused++;
                else
                        fprintf(stderr, "GetPlane %u: %s\n", i, error.name ?: "answered");
                sd_bus_error_free(&error);
                sd_bus_message_unref(reply);
        }
        printf("GetPlane: %u of 20 refused with LimitsExceeded\n", refused);
        return refused == 20 ? 0 : 1;
}

static int attack_managed_objects(const char *address, int argc, char **argv) {
        sd_bus *bus = adv_connect(address);
        sd_bus_error error = SD_BUS_ERROR_NULL;
        sd_bus_message *reply = NULL;
        unsigned n = 0;
        int r;

        r = sd_bus_call_method(bus, IOREG_BUS_NAME, IOREG_OBJECT_PATH, "org.freedesktop.DBus.ObjectManager",
                               "GetManagedObjects", &error, &reply, "");
        if (r < 0) {
                fprintf(stderr, "GetManagedObjects: %s\n", error.name);
                return 1;
        }
        r = sd_bus_message_enter_container(reply, 'a', "{oa{sa{sv}}}");
        while (r >= 0 && (r = sd_bus_message_skip(reply, "{oa{sa{sv}}}")) > 0)
                n++;
        printf("GetManagedObjects: %u objects\n", n);
        return r < 0 || n < 100;
}

/* ioreg -l, its lines counted: "+-o" opens each entry. */
static int attack_ioreg(const char *address, int argc, char **argv) {
        char cmd[1024];
        unsigned entries = 0;
        char line[65536];
        FILE *p;
        int status;

        setenv(IOREG_BUS_ADDRESS_ENV, address, 1);
        snprintf(cmd, sizeof(cmd), "%s -l", IOREG_CLI);
        p = popen(cmd, "re");
        if (!p)
                return 2;
        while (fgets(line, sizeof(line), p))
                if (strstr(line, "+-o "))
                        entries++;
        status = pclose(p);
        printf("ioreg -l: %u entries, exit status %d\n", entries, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
        return WIFEXITED(status) && WEXITSTATUS(status) == 0 && entries >= (unsigned) atoi(argv[0]) ? 0 : 1;
}

static const AdvAttacker attackers[] = {
        { "getplane", attack_getplane },
        { "managed-objects", attack_managed_objects },
        { "ioreg", attack_ioreg },
        {}
};

static int run(Adv *adv) {
        char entries[32];
        unsigned n = 0;
        pid_t pid;
        int r;

        r = adv_registry_entries(adv, &n);
        if (r < 0)
                return r;
        snprintf(entries, sizeof(entries), "%u", n);
        adv_log("the registry has %u entries", n);
        r = adv_attacker_start(adv, "getplane", NULL, false, &pid);
        if (r >= 0)
                adv_check(adv, adv_attacker_wait(adv, pid, 30000) == 0, "GetPlane refused each time (LimitsExceeded)");
        r = adv_attacker_start(adv, "managed-objects", NULL, false, &pid);
        if (r >= 0)
                adv_check(adv, adv_attacker_wait(adv, pid, 30000) == 0, "GetManagedObjects answered");
        r = adv_attacker_start(adv, "ioreg", (const char *const[]) { entries, NULL }, false, &pid);
        if (r >= 0)
                adv_check(adv, adv_attacker_wait(adv, pid, 60000) == 0, "ioreg -l printed all %u entries", n);
        return r < 0 ? r : 0;
}

static const AdvCase the_case = {
        .name = "large-reply",
        .summary = "a plane larger than the bus's message limit (B1)",
        .attackers = attackers,
        .bus_limits = "<limit name=\"max_message_size\">" MAX_MESSAGE "</limit>",
        .daemon_args = (const char *const[]) { "--snapshot=" SNAPSHOT, "--max-message-size=" MAX_MESSAGE, NULL },
        .run = run,
};

int main(int argc, char *argv[]) {
        return adv_main(&the_case, argc, argv);
}
