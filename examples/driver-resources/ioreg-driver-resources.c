/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ioreg-driver-resources: the smallest driver server. Its personality
 * (personalities/org.ioreg.driver-resources.json) matches IOResources in
 * a match category of its own, so it starts next to whatever else matches
 * IOResources; it says hello in the registry and in the daemon's log.
 */

#include <stdio.h>
#include <unistd.h>

#include <ioreg/ioreg.h>

static ioreg_return_t resources_start(ioreg_driver *driver, void *userdata) {
        json_t *props = json_pack("{s:b, s:I, s:s}", "IORegDriverStarted", 1, "IORegDriverPID",
                                  (json_int_t) getpid(), "IORegDriverGreeting", "Hello from a driver server");
        ioreg_return_t r;

        if (!props)
                return IOREG_RETURN_NO_MEMORY;
        r = ioreg_driver_set_properties(driver, props);
        json_decref(props);
        if (r != IOREG_RETURN_SUCCESS) {
                fprintf(stderr, "cannot set my properties: %s\n", ioreg_return_string(r));
                return r;
        }
        printf("started as driver 0x%llx on IOResources 0x%llx\n", (unsigned long long) ioreg_driver_get_id(driver),
               (unsigned long long) ioreg_driver_get_provider_id(driver));
        fflush(stdout);
        return IOREG_RETURN_SUCCESS;
}

static void resources_stop(ioreg_driver *driver, void *userdata) {
        printf("stopping driver 0x%llx\n", (unsigned long long) ioreg_driver_get_id(driver));
        fflush(stdout);
}

int main(void) {
        static const ioreg_driver_class classes[] = {
                { .name = "IORegResourcesDriver", .start = resources_start, .stop = resources_stop },
        };

        return ioreg_driver_server_run(classes, 1, NULL);
}
